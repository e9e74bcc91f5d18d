"""Resident notices (居民告知书): `notices/<building>.html` per building and `notices/index.html` (SPEC §7).

For residents who are often elderly, read Chinese and use a phone: a plain-language summary first (one
line per disruption run, with the way that stays open), then a week-by-week timeline (noise days and
hours, the entrance on steel plates or closed with its detour and the pipe tests and inspections that
keep it open, nearby road closures with the route that stays open, a lift's crane fencing off a zone at
the door or nearby with the detour and any temporary fire-safety plan, outages with hours and the date
their notice must be posted), the hotline, and a link to the building's calendar feed. Large type, phone
layout (tables become stacked rows), A4 print stylesheet.

Residents must be able to trust a notice that is reprinted every week: each says its release and issue
date (第3版 · 2027年3月8日发布); with a public URL it carries a QR code of the building's short link (the
index one of the site root, see `public.py`); and against a baseline — the schedule the previous notice
was made from — every entry that changed is marked (原定3月8日 → 改为3月10日, details changed, new,
cancelled), found by working out the baseline's entries the same way and pairing them per kind and
subject (an outage's task, a zone, a lift).

This module works out what happens to each building and when, as plain data; the words are in the
catalogue (`scheduler/text/<lang>/notice.yaml`) and the markup in `templates/` (notice.html, index.html,
base.html with the inline CSS). Every file is self-contained (inline CSS, no script, no external
reference) and deterministic: the same schedule, project, issue date and version give the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable, Iterable
from urllib.parse import quote

from markupsafe import Markup

from models.project import Building, ElevatorWork, Project, Zone
from models.schedule import Disruption, Occupation, Schedule, ScheduledTask
from models.site_graph import Access
from scheduler.publishing.files import file_part as _safe
from scheduler.publishing.pages import render_page
from scheduler.publishing.public import normal_url, qr_svg, short_link, site_link
from scheduler.publishing.words import Words, runs

# order of rows inside a week and of summary lines starting on the same day
_PRIORITY = {"outage": 0, "entrance": 1, "crane": 2, "closure": 3, "elevator": 4, "noise": 5, "green": 6}
_CHECKS = ("test", "inspect")  # underground steps that keep a trench open without digging: pipe tests, 隐蔽工程验收
_NOISE_GAP = 4  # noise days at most this many calendar days apart form one summary run (a weekend, a short holiday)
_PACKAGE = "scheduler.publishing"


def _monday(d: date) -> date:
    return d - timedelta(d.weekday())


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


def _feed_href(bid: str) -> str:
    return f"../feeds/building-{quote(_safe(bid), safe='')}.ics"


def _notice_href(bid: str) -> str:
    return f"{quote(_safe(bid), safe='')}.html"


# --------------------------------------------------------------------------------------------- routes


class _Routes:
    """Which way stays open: the site graph's walk to a gate, printed for the days a zone is dug open."""

    def __init__(self, project: Project, schedule: Schedule):
        self.access = Access(project)
        self.zones = self.access.zones
        self.order = self.access.order
        self.gates = {g.zone: g.name or g.id for g in reversed(project.site.gates) if g.zone in self.zones}
        self.openings = [o for o in schedule.openings if o.zone in self.zones]

    def open_on(self, d: date) -> set[str]:
        return {o.zone for o in self.openings if o.from_ <= d <= o.to}

    def name(self, zid: str) -> str:
        z = self.zones.get(zid)
        return (z.name or z.id) if z else zid

    def segments(self, start: str, days: list[date],
                 avoid: frozenset[str] = frozenset()) -> list[tuple[list[date], list[str] | None]]:
        """Cut `days` into stretches that share one route: each stretch is as long as one route avoiding
        every zone open on any of its days and every zone in `avoid` (not even on steel plates) allows (so the
        route printed is good for all of them)."""
        out: list[tuple[list[date], list[str] | None]] = []
        i = 0
        while i < len(days):
            blocked: set[str] = set()
            best: list[str] | None = None
            j = i
            while j < len(days):
                trial = blocked | self.open_on(days[j])
                path = self.access.route(start, trial, avoid)
                if path is None:
                    break
                blocked, best, j = trial, path, j + 1
            j = max(j, i + 1)
            if out and out[-1][1] == best:
                out[-1][0].extend(days[i:j])
            else:
                out.append((list(days[i:j]), best))
            i = j
        return out

    def passes(self, start: str, zone: str, days: list[date]) -> bool:
        """Whether the way out from `start` goes through `zone` on any of `days` (with that day's openings)."""
        return any(zone in (self.access.route(start, self.open_on(d)) or ()) for d in days)

    def text(self, w: Words, path: list[str] | None, none: str = "notice.route.none") -> str:
        if path is None:
            return w(none)
        gate = self.gates[path[-1]]
        if len(path) == 1:
            return w("notice.route.direct", gate=gate)
        return w("notice.route.via", path=w("notice.route.sep").join(self.name(z) for z in path[1:]), gate=gate)


# --------------------------------------------------------------------------------------------- events


@dataclass
class _Row:
    """One line of the week timeline (clipped to the week when rendered). `subject` says what it is about (the
    outage's task, the zone, the lift) so that a re-plan's rows can be told from the baseline's."""
    kind: str
    days: list[date]
    chip: str
    hours: str
    note: str
    subject: str = ""


@dataclass
class _Line:
    """One line of the summary."""
    kind: str
    chip: str
    first: date
    last: date
    text: str
    subject: str = ""
    mark: str = ""


@dataclass
class _Events:
    """What happens to one building: timeline rows and summary lines."""
    rows: list[_Row] = field(default_factory=list)
    lines: list[_Line] = field(default_factory=list)
    plated: bool = False  # a trench at the door on steel plates: a note on watching one's step
    craned: bool = False  # a crane's cordon at the door or nearby: a note on keeping out of it

    def add(self, kind: str, chip: str, rows: Iterable[tuple[list[date], str, str]], first: date, last: date,
            line: str, subject: str = "") -> None:
        """Timeline rows (days, hours, note) and one summary line of one kind, about `subject`."""
        self.rows += [_Row(kind, days, chip, hours, note, subject) for days, hours, note in rows]
        self.lines.append(_Line(kind, chip, first, last, line, subject))


@dataclass
class _Building:
    """Everything the event finders need about one building."""
    w: Words
    schedule: Schedule
    project: Project
    b: Building
    routes: _Routes
    tasks: dict[str, ScheduledTask]
    mine: list[Disruption]

    @property
    def entrance_zones(self) -> list[str]:
        return list(dict.fromkeys(e.zone for e in self.b.entrances))

    def units(self, zone: str) -> str:
        return self.w.join(e.name or e.id for e in self.b.entrances if e.zone == zone)


@dataclass(frozen=True)
class _Detour:
    """How to say the way out: the zones it must avoid besides the open ones, and what to say when no route
    avoids them (a crane's cordon can still be passed with an escort; a closed trench cannot)."""
    avoid: frozenset[str] = frozenset()
    none: str = "notice.route.none"


def _route_clauses(x: _Building, days: list[date], starts: list[str],
                   detour: _Detour = _Detour()) -> tuple[str, list[tuple[list[date], str]]]:
    """The detour for the building's entrance zones `starts` over `days`: summary text, and per stretch
    (days, text) for the timeline."""
    w, routes = x.w, x.routes
    per_start = [(z, routes.segments(z, days, detour.avoid)) for z in starts]
    # timeline stretches: cut at every change of any entrance zone's route
    cuts = sorted({seg[0][0] for _, segs in per_start for seg in segs})
    stretches: list[tuple[list[date], str]] = []
    for k, c in enumerate(cuts):
        end = cuts[k + 1] if k + 1 < len(cuts) else None
        sdays = [d for d in days if d >= c and (end is None or d < end)]
        parts = []
        for z, segs in per_start:
            text = routes.text(w, next(p for ds, p in segs if c in ds), detour.none)
            parts.append(w("notice.route.for_units", units=x.units(z), route=text) if len(starts) > 1 else text)
        stretches.append((sdays, w.clauses(parts)))
    if len(stretches) == 1:
        return stretches[0][1], stretches
    summary = w.clauses(w("notice.route.when", when=w.when(ds[0], ds[-1]), route=t) for ds, t in stretches)
    return summary, stretches


def _with_route(x: _Building, ev: _Events, kind: str, chip: str, head: str, days: list[date],
                starts: list[str], detour: _Detour = _Detour(),
                extra: Callable[[list[date]], list[str]] = lambda days: [], subject: str = "") -> None:
    """A zone closed that may change the way out: one timeline row per stretch of one route (none when no
    start is given), one summary line. `extra(days)` adds clauses about those days (checks, fire plan)."""
    w = x.w
    if starts:
        summary, stretches = _route_clauses(x, days, starts, detour)
    else:
        summary, stretches = "", [(days, "")]
    rows = [(sdays, w("notice.timeline.all_day"), w.clauses(p for p in [head, *extra(sdays), route] if p))
            for sdays, route in stretches]
    ev.add(kind, chip, rows, days[0], days[-1],
           w("notice.summary.line", when=w.when(days[0], days[-1]),
             text=w.clauses(p for p in [head, *extra(days), summary] if p)), subject)


def _outages(x: _Building, ev: _Events) -> None:
    """One run per cutover task (a cutover of several consecutive days counts as one outage)."""
    w = x.w
    by_task: dict[str, list[Disruption]] = {}
    for d in x.mine:
        if d.kind == "outage":
            by_task.setdefault(d.task or "", []).append(d)
    for tid, ds in sorted(by_task.items(), key=lambda kv: (min(d.date for d in kv[1]), kv[0])):
        t = x.tasks.get(tid)
        kind = t.outage.type if t and t.outage else "outage"
        notice = t.outage.notice_days if t and t.outage else 0
        what = w.outage(kind)
        for run in runs(d.date for d in ds):
            hours = w.join(sorted({h for d in ds if d.date in run for h in d.hours}))
            post = w("notice.outage.post_by" if notice else "notice.outage.post_same_day",
                     date=w.date(run[0] - timedelta(notice), wd=True), n=notice)
            text = w("notice.outage.summary", when=w.span(run[0], run[-1], wd=True), hours=hours, what=what)
            if len(run) > 1:
                text += w("notice.outage.running", n=w.count(len(run)))
            advice = w.section("notice.outage.advice").get(kind)
            if advice:
                text = w("notice.outage.with_advice", text=text, advice=advice)
            ev.add("outage", what, [(run, hours, w.clauses(p for p in (t.name if t else "", post) if p))],
                   run[0], run[-1], text, tid)


def _checks(x: _Building, zone: str) -> Callable[[list[date]], list[str]]:
    """The pipe tests and the inspection (隐蔽工程验收) that keep the trench at the door open on some of the
    days asked about, as one clause (none when there are none)."""
    w = x.w
    tasks = [t for t in x.schedule.tasks if t.zone == zone and t.kind in _CHECKS]
    names = w.section("notice.entrance.check_kinds")

    def clause(days: list[date]) -> list[str]:
        within = set(days)
        items = []
        for kind in _CHECKS:
            ds = [d for t in tasks if t.kind == kind for d in (t.days or [t.start]) if d in within]
            if ds:
                items.append(w("notice.entrance.check", what=names[kind], days=w.days(ds, wd=False)))
        return [w("notice.entrance.checks", items=w.join(items))] if items else []
    return clause


def _entrances(x: _Building, ev: _Events) -> None:
    """The zone in front of the doors dug open (a trench at the entrance), per run of calendar days, with the
    pipe tests and inspections that keep it open."""
    w, routes = x.w, x.routes
    by_zone: dict[str, set[date]] = {}
    for d in x.mine:
        if d.kind == "entrance" and d.zone and d.task is None:  # with a task: a lift's crane, see _cranes
            by_zone.setdefault(d.zone, set()).add(d.date)
    for zone in sorted(by_zone, key=lambda z: (routes.order.get(z, 1 << 30), z)):
        plated = zone in routes.zones and routes.zones[zone].passable_when_open == "people"
        ev.plated |= plated
        where = w("notice.entrance.all") if len(x.entrance_zones) == 1 else \
            w("notice.entrance.units", units=x.units(zone))
        head = w("notice.entrance.plated" if plated else "notice.entrance.closed", where=where,
                 zone=routes.name(zone))
        for run in runs(by_zone[zone]):
            _with_route(x, ev, "entrance", w("notice.entrance.chip"), head, run, [zone], extra=_checks(x, zone),
                        subject=zone)


def _cranes(x: _Building, ev: _Events) -> None:
    """A lift's crane fencing off a zone at the building's doors or next to it, every calendar day from the
    lift's first to its last working day: the cordon (people are escorted past it), the detour when the zone
    is on the way out, and the temporary fire-safety plan when the lift has one."""
    w, routes = x.w, x.routes
    occupied: list[Occupation] = sorted(x.schedule.occupations,
                                        key=lambda o: (o.from_, routes.order.get(o.zone, 1 << 30), o.task))
    for o in occupied:
        if o.zone not in x.entrance_zones and o.zone not in x.b.near:
            continue
        days = _days(o.from_, o.to)
        starts = [z for z in x.entrance_zones if routes.passes(z, o.zone, days)]
        fire = [w("notice.crane.fire_plan")] if o.fire_plan else []
        ev.craned = True
        _with_route(x, ev, "crane", w("notice.crane.chip"), w("notice.crane.cordon", zone=routes.name(o.zone)),
                    days, starts, _Detour(frozenset({o.zone}), "notice.crane.escort"), lambda _days, fire=fire: fire,
                    f"{o.zone} {o.task}")


def _closures(x: _Building, ev: _Events) -> None:
    """Openings of zones near the building (other than its entrance zones): the road closed, the way out."""
    w, routes = x.w, x.routes
    for o in sorted(routes.openings, key=lambda o: (o.from_, routes.order[o.zone])):
        if o.zone not in x.b.near or o.zone in x.entrance_zones:
            continue
        zone: Zone = routes.zones[o.zone]
        days = _days(o.from_, o.to)
        name = routes.name(o.zone)
        if zone.kind == "green":
            ev.rows.append(_Row("green", days, w("notice.green.chip"), w("notice.timeline.all_day"),
                                w("notice.green.text", zone=name), o.zone))
            continue
        head = w("notice.closure.plated" if zone.passable_when_open == "people" else "notice.closure.road",
                 zone=name)
        _with_route(x, ev, "closure", w("notice.closure.chip"), head, days, x.entrance_zones, subject=o.zone)


def _elevators(x: _Building, ev: _Events) -> None:
    """Elevator works at one of the building's doors."""
    w = x.w
    for work in x.project.works:
        if not isinstance(work, ElevatorWork) or work.building != x.b.id:
            continue
        wdays = sorted({d for t in x.schedule.tasks if t.work == work.id for d in t.days})
        if not wdays:
            continue
        entrance = next((e for e in x.b.entrances if e.id == work.entrance), None)
        where = (entrance.name or entrance.id) if entrance else (work.name or work.id)
        hours = w.join(x.project.calendar.hours.work)
        ev.add("elevator", w("notice.elevator.chip"), [(wdays, hours, w("notice.elevator.note", where=where))],
               wdays[0], wdays[-1], w("notice.elevator.summary", when=w.when(wdays[0], wdays[-1]), where=where),
               work.id)


def _noise(x: _Building, ev: _Events) -> None:
    """Noise: a summary line per run of noisy days (short gaps bridged), a timeline row per week."""
    w = x.w
    noise: dict[date, list[Disruption]] = {}
    for d in x.mine:
        if d.kind == "noise":
            noise.setdefault(d.date, []).append(d)
    first_noise: dict[str, date] = {}
    for day in sorted(noise):
        for d in noise[day]:
            first_noise.setdefault(d.task or "", day)

    def what(days: Iterable[date]) -> str:
        """The noisy works of these days, in order of their first noisy day."""
        ids = sorted({d.task or "" for day in days for d in noise[day]} - {""}, key=lambda i: (first_noise[i], i))
        return w.names(list(dict.fromkeys((x.tasks[i].name or i) if i in x.tasks else i for i in ids)))

    def hours_of(days: Iterable[date]) -> str:
        return w.join(sorted({h for day in days for d in noise[day] for h in d.hours}))

    chip = w("notice.noise.chip")
    for run in runs(noise, gap=_NOISE_GAP):
        ev.lines.append(_Line("noise", chip, run[0], run[-1], w(
            "notice.noise.summary", when=w.when(run[0], run[-1]), n=w.count(len(run)), hours=hours_of(run),
            what=what(run))))
    for week in _weeks(noise).values():
        ev.rows.append(_Row("noise", week, chip, hours_of(week), w("notice.noise.note", what=what(week))))


def _weeks(days: Iterable[date]) -> dict[date, list[date]]:
    """The days grouped by the Monday of their week, in date order."""
    out: dict[date, list[date]] = {}
    for d in sorted(set(days)):
        out.setdefault(_monday(d), []).append(d)
    return out


def _building_events(x: _Building) -> _Events:
    ev = _Events()
    for find in (_outages, _entrances, _cranes, _closures, _elevators, _noise):
        find(x, ev)
    return ev


# --------------------------------------------------------------------------------------------- pages


@dataclass
class _Issue:
    """What every page of one issue shares: the words, the version, the public URL (None: no QR codes) and the
    baseline — the schedule residents were told before this one (None: nothing to compare with)."""
    w: Words
    project: Project
    version: str
    url: str | None
    schedule: Schedule
    baseline: Schedule | None
    routes: _Routes
    old_routes: _Routes | None


def _header(x: _Issue, heading: str, qr: str | None, caption: str) -> dict:
    """The letterhead's facts; notice.html and index.html lay them out through base.html. `qr`: the address the
    page's QR code leads to (None: no QR code), `caption` the catalogue key of the words beside it."""
    w, hotline = x.w, x.project.project.hotline.strip()
    code = {"svg": Markup(qr_svg(qr)), "url": qr, "caption": w(caption), "alt": w("notice.qr.alt")} if qr else None
    return {"compound": x.project.project.name, "heading": heading, "hotline": hotline,
            "tel": re.sub(r"[^0-9+]", "", hotline), "issued": w.date(w.issued, year=True), "version": x.version,
            "qr": code}


def _week(rows: list[_Row], monday: date) -> list[tuple[list[date], _Row]]:
    """The rows with days in the week of `monday`, their days clipped to it, in the order a week shows them."""
    sunday = monday + timedelta(6)
    clipped = [([d for d in r.days if monday <= d <= sunday], r) for r in rows]
    return sorted(((days, r) for days, r in clipped if days), key=lambda x: (x[0][0], _PRIORITY[x[1].kind], x[1].note))


def _timeline(w: Words, rows: list[_Row], old: list[_Row] | None = None) -> list[dict]:
    """Per week with something in it: its heading date and its rows (days clipped to the week). With the
    baseline's rows (`old`), a row not shown as it was in the baseline's same week is marked: changed, or new
    when the baseline had nothing of its kind and subject."""
    weeks = []
    subjects = {(r.kind, r.subject) for r in old or []}
    for monday in sorted({_monday(d) for r in rows for d in r.days}):
        before = {(tuple(days), r.kind, r.subject, r.hours, r.note) for days, r in _week(old or [], monday)}
        shown = []
        for days, r in _week(rows, monday):
            mark = ""
            if old is not None and (tuple(days), r.kind, r.subject, r.hours, r.note) not in before:
                mark = w("notice.change.row" if (r.kind, r.subject) in subjects else "notice.change.added")
            shown.append({"when": w.days(days), "kind": r.kind, "chip": r.chip, "hours": r.hours, "note": r.note,
                          "mark": mark})
        weeks.append({"monday": w.date(monday, wd=True), "rows": shown})
    return weeks


def _events(x: _Issue, schedule: Schedule, routes: _Routes, b: Building) -> _Events:
    return _building_events(_Building(x.w, schedule, x.project, b, routes, {t.id: t for t in schedule.tasks},
                                      [d for d in schedule.disruptions if d.building == b.id]))


def _line_order(line: _Line) -> tuple:
    return line.first, _PRIORITY[line.kind], line.last, line.text


def _mark_changes(w: Words, old: _Events, new: _Events) -> list[_Line]:
    """Mark what a re-plan changed on one building's notice, comparing its entries with the baseline's: each
    summary line moved (原定3月8日 → 改为3月10日), changed in its details, or added. Lines are paired per kind
    and subject (an outage's task, a zone, a lift): equal dates first, then the rest in date order. Returns the
    baseline's lines that are gone. (Timeline rows are compared week by week in `_timeline`.)"""
    removed: list[_Line] = []
    groups: dict[tuple[str, str], tuple[list[_Line], list[_Line]]] = {}
    for side, lines in enumerate((old.lines, new.lines)):
        for line in sorted(lines, key=_line_order):
            groups.setdefault((line.kind, line.subject), ([], []))[side].append(line)
    for was, now in groups.values():
        for line in list(now):
            same = next((o for o in was if (o.first, o.last) == (line.first, line.last)), None)
            if same is not None:
                was.remove(same)
                now.remove(line)
                line.mark = "" if same.text == line.text else w("notice.change.changed")
        for o, line in zip(was, now):
            line.mark = w("notice.change.moved", old=w.span(o.first, o.last), new=w.span(line.first, line.last))
        for line in now[len(was):]:
            line.mark = w("notice.change.added")
        removed += was[len(now):]
    return sorted(removed, key=_line_order)


def _notice(x: _Issue, b: Building) -> tuple[str, bool]:
    """One building's notice, and whether it marks a change from the baseline."""
    w = x.w
    ev = _events(x, x.schedule, x.routes, b)
    old = _events(x, x.baseline, x.old_routes, b) if x.baseline is not None and x.old_routes is not None else None
    removed = _mark_changes(w, old, ev) if old is not None else []
    name = b.name or b.id
    lines = sorted(ev.lines, key=_line_order)
    shown = [line for line in lines if line.last >= w.issued]
    gone = [line for line in removed if line.last >= w.issued]
    weeks = _timeline(w, ev.rows, old.rows if old is not None else None)
    changed = bool(gone) or any(line.mark for line in shown) or any(r["mark"] for k in weeks for r in k["rows"])
    qr = short_link(x.url, b.id) if x.url else None
    page = render_page(
        _PACKAGE, "notice.html", w.lang, building=name,
        header=_header(x, w("notice.heading.notice", building=name), qr, "notice.qr.notice"),
        any_lines=bool(lines), issued_day=w.date(w.issued),
        summary=[{"kind": line.kind, "chip": line.chip, "text": line.text, "mark": line.mark} for line in shown],
        removed=[{"kind": line.kind, "chip": line.chip, "text": line.text} for line in gone],
        compared=x.baseline is not None, changed=changed,
        weeks=weeks, feed_href=_feed_href(b.id), plated=ev.plated, craned=ev.craned,
        noisy_hours=w.join(x.project.calendar.hours.noisy))
    return page, changed


@dataclass
class _Compound:
    """The compound-wide view behind the index page."""
    w: Words
    project: Project
    tasks: dict[str, ScheduledTask]
    disruptions: list[Disruption]

    @property
    def names(self) -> dict[str, str]:
        return {b.id: b.name or b.id for b in self.project.site.buildings}

    def buildings_of(self, bids: Iterable[str]) -> str:
        """Building names in site order."""
        order = {b.id: i for i, b in enumerate(self.project.site.buildings)}
        return self.w.join(self.names[b] for b in sorted(bids, key=order.__getitem__))

    def outage_kind(self, tid: str | None) -> str:
        t = self.tasks.get(tid or "")
        return t.outage.type if t and t.outage else "outage"


def _index_buildings(c: _Compound) -> list[dict]:
    """One row per building: how many noisy and dug days, which outages, where its notice and feed are."""
    w, out = c.w, []
    for b in c.project.site.buildings:
        mine = [d for d in c.disruptions if d.building == b.id]
        outs = sorted({(d.date, c.outage_kind(d.task)) for d in mine if d.kind == "outage"})
        out.append({"name": b.name or b.id, "sensitive": b.sensitive, "households": b.households,
                    "noise_days": len({d.date for d in mine if d.kind == "noise"}),
                    "entrance_days": len({d.date for d in mine if _calendar_key(c, d) == "entrance"}),
                    "outages": w.join(f"{w.date(d)} {w.outage(k)}" for d, k in outs),
                    "notice_href": _notice_href(b.id), "feed_href": _feed_href(b.id)})
    return out


def _index_outages(c: _Compound) -> list[dict]:
    """Outage runs with their notice dates; buildings sharing a task, days and hours share a row."""
    w = c.w
    runs_of: dict[tuple[str, str], list[date]] = {}
    hours: dict[tuple[str, str], set[str]] = {}
    for d in c.disruptions:
        if d.kind == "outage":
            key = (d.task or "", d.building)
            runs_of.setdefault(key, []).append(d.date)
            hours.setdefault(key, set()).update(d.hours)
    rows: dict[tuple, set[str]] = {}
    for (tid, bid), days in runs_of.items():
        t = c.tasks.get(tid)
        notice = t.outage.notice_days if t and t.outage else 0
        for run in runs(days):
            key = (run[0], run[-1], tid, c.outage_kind(tid), tuple(sorted(hours[(tid, bid)])), notice)
            rows.setdefault(key, set()).add(bid)
    out = []
    for (first, last, _tid, kind, hrs, notice), bids in sorted(rows.items()):
        post = first - timedelta(notice)
        out.append({"when": w.span(first, last, wd=True), "what": w.outage(kind), "hours": w.join(hrs),
                    "buildings": c.buildings_of(bids), "post": w.date(post, wd=True),
                    "late": post < w.issued <= first})
    return out


def _index_calendar(c: _Compound) -> list[dict]:
    """A month grid (weeks of seven cells, None outside the month) for every month from the first to the
    last disruption; a cell lists per kind the buildings concerned."""
    w = c.w
    per_day: dict[date, dict[str, set[str]]] = {}
    for d in c.disruptions:
        key = _calendar_key(c, d)
        per_day.setdefault(d.date, {}).setdefault(key, set()).add(d.building)
    months = []
    if per_day:
        y, m = min(per_day).year, min(per_day).month
        while (y, m) <= (max(per_day).year, max(per_day).month):
            months.append(_month(c, y, m, per_day))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _calendar_key(c: _Compound, d: Disruption) -> str:
    """What a disruption is on the compound calendar: noise, entrance (a trench at the door), crane (a lift's
    cordon at the door) or outage:<type>."""
    if d.kind == "outage":
        return "outage:" + c.outage_kind(d.task)
    if d.kind == "entrance" and d.task is not None:
        return "crane"
    return d.kind


def _month(c: _Compound, y: int, m: int, per_day: dict[date, dict[str, set[str]]]) -> dict:
    w = c.w
    start = date(y, m, 1)
    nxt = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
    label = {"noise": w("notice.index.cal_noise"), "entrance": w("notice.index.cal_entrance"),
             "crane": w("notice.index.cal_crane")}
    cells = []
    for day in _days(_monday(start), _monday(nxt - timedelta(1)) + timedelta(6)):
        if not start <= day < nxt:
            cells.append(None)
            continue
        kinds = per_day.get(day, {})
        lines = [{"kind": key.split(":")[0], "label": label.get(key) or w.outage(key.split(":", 1)[1]),
                  "who": c.buildings_of(kinds[key])}
                 for key in sorted(kinds, key=lambda k: (_PRIORITY[k.split(":")[0]], k))]
        cells.append({"label": w.date(day, wd=True), "day": day.day, "lines": lines})
    return {"title": w.month(y, m), "weeks": [cells[i:i + 7] for i in range(0, len(cells), 7)]}


def _index(x: _Issue, changed: set[str]) -> str:
    """The compound's overview; `changed`: the buildings whose notice marks a change from the baseline."""
    w, project = x.w, x.project
    known = {b.id for b in project.site.buildings}
    c = _Compound(w, project, {t.id: t for t in x.schedule.tasks},
                  [d for d in x.schedule.disruptions if d.building in known])
    buildings = _index_buildings(c)
    for row, b in zip(buildings, project.site.buildings):
        row["changed"] = b.id in changed
    return render_page(_PACKAGE, "index.html", w.lang,
                       header=_header(x, w("notice.heading.index"), site_link(x.url) if x.url else None,
                                      "notice.qr.index"),
                       buildings=buildings, outages=_index_outages(c), months=_index_calendar(c))


# --------------------------------------------------------------------------------------------- API


def building_names(project: Project) -> dict[str, str]:
    """Building file part → what residents call the building, in site order: kept in each release's
    release.json for pages that know only file names (`serve`'s landing page)."""
    return {_safe(b.id): b.name or b.id for b in project.site.buildings}


def render_notices(schedule: Schedule, project: Project, issued: date, version: str | int,
                   public_url: str | None = None, baseline: Schedule | None = None) -> dict[str, str]:
    """Relative path → HTML text: `notices/<building file part>.html` for every building, and `notices/index.html`.

    `version` is the release number (shown as 第3版) or a text shown as it is. With `public_url` every notice
    carries a QR code of its building's short link `<public_url>/b/<part>`, the index one of `<public_url>/`.
    With a `baseline` (the schedule residents were told before), every entry that changed is marked."""
    w = Words(project.project.lang, issued)
    if isinstance(version, int):
        version = w("notice.release", n=version)
    x = _Issue(w, project, version, normal_url(public_url), schedule, baseline, _Routes(project, schedule),
               _Routes(project, baseline) if baseline is not None else None)
    out, changed = {}, set()
    for b in project.site.buildings:
        out[f"notices/{_safe(b.id)}.html"], moved = _notice(x, b)
        if moved:
            changed.add(b.id)
    out["notices/index.html"] = _index(x, changed)
    return out

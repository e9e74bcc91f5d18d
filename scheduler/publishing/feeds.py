"""Subscription calendars (SPEC §7): one feed per trade, one per building, and one with every task.

`render_feeds` returns relative path → file bytes; it writes nothing. The feeds are iCalendar files meant
to be *subscribed to* (webcal / "add calendar by URL"), hence no METHOD property.

Stability, so that a calendar client updates events in place and an unchanged schedule gives unchanged
files (stable HTTP ETags):

* UIDs never depend on dates that can move, nor on chance:
  - task event            `<task id>@<project id>`
  - outage (timed)         `<building>-outage-<task id>-<n>@<project id>`  n-th outage event of that
                           cutover for that building (one per outage day and hour window), counted from 1
  - noise (all-day)        `<building>-noise-<task id>-<n>@<project id>`   n-th run of consecutive noisy
                           days of that task heard in that building
  - entrance (all-day)     `<building>-entrance-<zone id>-<n>@<project id>` n-th run of consecutive days
                           the zone in front of the building's doors is dug open
  - crane (all-day)        `<building>-crane-<lift task id>-<zone id>-<n>@<project id>` n-th run of
                           consecutive days a lift's crane occupies the zone in front of the doors
  A task or an opening that moves keeps its UID, so subscribers see the event move (SEQUENCE + 1) instead
  of one event vanishing and another appearing. A first date in the UID would do the opposite.
* SEQUENCE, DTSTAMP and LAST-MODIFIED come from the previous feeds (`previous_dir/feeds/*.ics`): an event
  whose DTSTART, DTEND, SUMMARY, DESCRIPTION and LOCATION are unchanged keeps its SEQUENCE and its change
  time; a changed one gets SEQUENCE + 1 and `now`; a new one SEQUENCE 0 and `now`. Nothing else in a feed
  depends on the time of the run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration

from models.project import Project
from models.schedule import Disruption, Schedule, ScheduledTask
from scheduler.publishing.files import file_part as _safe
from scheduler.publishing.words import Words, capfirst, trade_name

PRODID = "-//digonce//digonce feeds//EN"
REFRESH = timedelta(hours=4)
COMPARED = ("DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "LOCATION")  # a change here is a new SEQUENCE

_KIND_ORDER = {"task": 0, "outage": 1, "entrance": 2, "crane": 3, "noise": 4}


@dataclass
class _Spec:
    """One event before its SEQUENCE and change time are known."""

    uid: str
    kind: str
    start: date | datetime
    end: date | datetime
    summary: str
    description: str
    location: str = ""

    def sort_key(self) -> tuple:
        def moment(v: date | datetime) -> tuple:
            return (v.date(), v.timetz().replace(tzinfo=None)) if isinstance(v, datetime) else (v, time(0))
        return (*moment(self.start), _KIND_ORDER[self.kind], *moment(self.end), self.uid)


@dataclass
class _Previous:
    sequence: int
    stamp: datetime | None
    fingerprint: tuple


def render_feeds(schedule: Schedule, project: Project, previous_dir: Path | None,
                 now: datetime, release: int | None = None) -> dict[str, bytes]:
    """Every feed for this schedule: `feeds/trade-<trade>.ics`, `feeds/building-<building>.ics`, `feeds/all.ics`.

    `previous_dir` is the previous run's output folder (its `feeds/*.ics` are the reference for SEQUENCE and
    change times); `now` (timezone-aware) is the change time given to new and changed events. `release`, the
    number of the release these feeds belong to, is said in each calendar's description (第3版), never in an
    event, so a new release changes no event's SEQUENCE.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("render_feeds: `now` must be timezone-aware (UTC)")
    now = now.astimezone(timezone.utc).replace(microsecond=0)
    w = Words(project.project.lang, now.date())
    tz = ZoneInfo(project.project.timezone)
    pid = project.project.id
    previous = _read_previous(Path(previous_dir) if previous_dir is not None else None)

    task_events = [_task_event(t, schedule, project, w, pid) for t in schedule.tasks]
    feeds: dict[str, tuple[str, list[_Spec], bool]] = {}  # path → (calendar name, events, with VTIMEZONE)
    trades = sorted({t.trade for t in schedule.tasks if t.trade})
    for trade in trades:
        events = [e for e, t in zip(task_events, schedule.tasks) if t.trade == trade]
        feeds[f"feeds/trade-{_safe(trade)}.ics"] = (_name(project, _trade_label(trade, w)), events, False)
    for b in project.site.buildings:
        events = _building_events(b.id, schedule, project, w, pid, tz)
        feeds[f"feeds/building-{_safe(b.id)}.ics"] = (_name(project, b.name or b.id), events, True)
    feeds["feeds/all.ics"] = (_name(project, w("feed.all")), task_events, False)

    stamped: dict[str, Event] = {}
    for _, events, _ in feeds.values():
        for spec in events:
            if spec.uid not in stamped:
                stamped[spec.uid] = _stamp(spec, previous.get(spec.uid), now)
    about = w("feed.release", n=release) if release is not None else ""
    return {path: _calendar(name, sorted(events, key=_Spec.sort_key), stamped, tz if with_tz else None,
                            project.project.timezone, about)
            for path, (name, events, with_tz) in feeds.items()}


# ---- events -------------------------------------------------------------------------------------------

def _task_event(t: ScheduledTask, schedule: Schedule, project: Project, w: Words, pid: str) -> _Spec:
    days = t.days or [t.start + timedelta(n) for n in range((t.finish - t.start).days + 1)]
    lines = [w("feed.days", v=_day_ranges(days, w) + w("feed.days_total", n=len(days)))]
    if t.hours:
        lines.append(w("feed.hours", v=", ".join(t.hours)) + (w("feed.noisy") if t.noisy else ""))
    names = {s.id: s.name for s in schedule.tasks}
    after = [f"{a} {names[a]}" if names.get(a) else a for a in t.after]
    lines.append(w("feed.after", v=w("common.clause_sep").join(after) if after else w("common.none")))
    if t.outage:
        served = w.join(_building_name(project, b) for b in t.outage.serves)
        lines.append(capfirst(w("feed.task_outage", outage=w.outage(t.outage.type), hours=t.outage.hours,
                                buildings=served, notice=t.outage.notice_days)))
    trade = project.trades.get(t.trade) if t.trade else None
    if trade and trade.contractor:
        lines.append(w("feed.contractor", v=trade.contractor))
    if trade and trade.contact:
        lines.append(w("feed.contact", v=trade.contact))
    lines.append(w("feed.task_id", v=t.id))
    where = [_zone_name(project, t.zone) if t.zone else "", _building_name(project, t.building) if t.building else ""]
    return _Spec(uid=f"{t.id}@{pid}", kind="task", start=t.start, end=t.finish + timedelta(1),
                 summary=t.name or t.id, description="\n".join(lines), location=" / ".join(w for w in where if w))


def _building_events(bid: str, schedule: Schedule, project: Project, w: Words, pid: str,
                     tz: ZoneInfo) -> list[_Spec]:
    b = _BuildingFeed(bid, schedule, project, w, pid)
    return _outage_events(b, tz) + _noise_events(b) + _entrance_events(b) + _crane_events(b)


@dataclass
class _BuildingFeed:
    """One building's disruptions and what every event of its feed says."""

    bid: str
    schedule: Schedule
    project: Project
    w: Words
    pid: str

    def __post_init__(self) -> None:
        self.name = _building_name(self.project, self.bid)
        self.tasks = {t.id: t for t in self.schedule.tasks}
        hotline = self.project.project.hotline
        self.hotline = [self.w("feed.hotline", v=hotline)] if hotline else []

    def by(self, kind: str, key, keep=lambda d: True) -> dict:
        """This building's disruptions of `kind` (those `keep` accepts), grouped by `key` (task, zone…),
        keys sorted."""
        out: dict = {}
        for d in self.schedule.disruptions:
            if d.building == self.bid and d.kind == kind and keep(d):
                out.setdefault(key(d) or "", []).append(d)
        return dict(sorted(out.items()))

    def doors(self, zid: str) -> str:
        """The building's entrances in zone `zid` (the building's name when none is)."""
        names = [e.name or e.id for b in self.project.site.buildings if b.id == self.bid
                 for e in b.entrances if e.zone == zid]
        return self.w.join(names or [self.name])

    def dates(self, days: list[date]) -> str:
        return self.w("feed.date", v=_day_ranges(days, self.w) + self.w("feed.days_total", n=len(days)))


def _outage_events(b: _BuildingFeed, tz: ZoneInfo) -> list[_Spec]:
    """Outages: one timed event per outage day (and hour window), numbered per cutover task."""
    out = []
    for tid, ds in b.by("outage", lambda d: d.task).items():
        task = b.tasks.get(tid)
        label = b.w.outage(task.outage.type if task and task.outage else "")
        lines = []
        if task:
            lines.append(b.w("feed.cause", v=task.name or task.id))
            trade = b.project.trades.get(task.trade) if task.trade else None
            if trade and trade.contractor:
                lines.append(b.w("feed.contractor", v=trade.contractor))
        n = 0
        for d in sorted(ds, key=lambda d: d.date):
            for window in d.hours or ([task.outage.hours] if task and task.outage else []):
                n += 1
                start, end = _window(d.date, window, tz)
                out.append(_Spec(uid=f"{b.bid}-outage-{tid}-{n}@{b.pid}", kind="outage", start=start, end=end,
                                 summary=capfirst(b.w("feed.outage_summary", outage=label, hours=window)),
                                 description="\n".join(lines + b.hotline), location=b.name))
    return out


def _noise_events(b: _BuildingFeed) -> list[_Spec]:
    """Noise: all-day, per task, per run of consecutive days (with the same hours)."""
    out = []
    for tid, ds in b.by("noise", lambda d: d.task).items():
        task = b.tasks.get(tid)
        zone = ds[0].zone or (task.zone if task else None)
        where = _zone_name(b.project, zone) if zone else b.name
        runs = _runs(sorted(ds, key=lambda d: d.date), same=lambda x, y: x.hours == y.hours)
        for n, run in enumerate(runs, 1):
            hours = ", ".join(run[0].hours)
            days = [d.date for d in run]
            lines = [b.w("feed.noise_what", task=(task.name or task.id) if task else tid, where=where),
                     b.dates(days)]
            if hours:
                lines.append(b.w("feed.time", v=hours))
            out.append(_Spec(uid=f"{b.bid}-noise-{tid}-{n}@{b.pid}", kind="noise", start=days[0],
                             end=days[-1] + timedelta(1), summary=b.w("feed.noise_summary", hours=hours).strip(),
                             description="\n".join(lines + b.hotline), location=where))
    return out


def _entrance_events(b: _BuildingFeed) -> list[_Spec]:
    """Entrances: all-day, per zone in front of the doors, per run of consecutive open days."""
    out = []
    # an entrance disruption with a task is a lift's crane on the zone (see _crane_events), not a trench
    for zid, ds in b.by("entrance", lambda d: d.zone, keep=lambda d: d.task is None).items():
        zone = next((z for z in b.project.site.zones if z.id == zid), None)
        plates = zone is not None and zone.passable_when_open == "people"
        zname = _zone_name(b.project, zid)
        for n, run in enumerate(_runs(sorted(ds, key=lambda d: d.date)), 1):
            days = [d.date for d in run]
            lines = [b.w("feed.entrance_what", zone=zname, doors=b.doors(zid)),
                     b.w("feed.plates_detail" if plates else "feed.closed_detail"), b.dates(days)]
            out.append(_Spec(uid=f"{b.bid}-entrance-{zid}-{n}@{b.pid}", kind="entrance", start=days[0],
                             end=days[-1] + timedelta(1),
                             summary=b.w("feed.entrance_plates" if plates else "feed.entrance_closed"),
                             description="\n".join(lines + b.hotline), location=zname))
    return out


def _crane_events(b: _BuildingFeed) -> list[_Spec]:
    """A lift's crane on the zone in front of the doors: all-day, per lift and zone, per run of consecutive
    days; people are escorted past the cordon; a temporary fire-safety plan is said when the lift has one."""
    out = []
    plans = {(o.task, o.zone): o.fire_plan for o in b.schedule.occupations}
    groups = b.by("entrance", lambda d: (d.task, d.zone), keep=lambda d: d.task is not None and d.zone)
    for (tid, zid), ds in groups.items():
        task = b.tasks.get(tid)
        zname = _zone_name(b.project, zid)
        lines = [b.w("feed.crane_what", zone=zname, doors=b.doors(zid)), b.w("feed.crane_detail")]
        if plans.get((tid, zid)):
            lines.append(b.w("feed.fire_plan"))
        lines.append(b.w("feed.cause", v=(task.name or task.id) if task else tid))
        trade = b.project.trades.get(task.trade) if task and task.trade else None
        if trade and trade.contractor:
            lines.append(b.w("feed.contractor", v=trade.contractor))
        for n, run in enumerate(_runs(sorted(ds, key=lambda d: d.date)), 1):
            days = [d.date for d in run]
            out.append(_Spec(uid=f"{b.bid}-crane-{tid}-{zid}-{n}@{b.pid}", kind="crane", start=days[0],
                             end=days[-1] + timedelta(1), summary=b.w("feed.crane_summary"),
                             description="\n".join(lines + [b.dates(days)] + b.hotline), location=zname))
    return out


def _runs(items: list[Disruption], same=lambda a, b: True) -> list[list[Disruption]]:
    """Split date-sorted disruptions into runs of consecutive calendar days (a day off ends a run)."""
    runs: list[list[Disruption]] = []
    for d in items:
        if runs and d.date == runs[-1][-1].date:
            continue  # the same day twice (should not happen): keep one
        if runs and d.date - runs[-1][-1].date == timedelta(1) and same(runs[-1][-1], d):
            runs[-1].append(d)
        else:
            runs.append([d])
    return runs


def _window(day: date, window: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", window)
    if not m:
        raise ValueError(f"outage hours '{window}' are not HH:MM-HH:MM")
    h1, m1, h2, m2 = map(int, m.groups())
    start = datetime.combine(day, time(h1, m1), tz)
    end = datetime.combine(day + timedelta(h2 // 24), time(h2 % 24, m2), tz)  # 24:00 is midnight after
    return start, end


def _day_ranges(days: list[date], w: Words) -> str:
    """2027-03-06、03-08–03-13、03-15–03-17: runs of consecutive days; the year only when it changes."""
    parts, last_year = [], None
    spans: list[list[date]] = []
    for d in sorted(set(days)):
        if spans and d - spans[-1][1] == timedelta(1):
            spans[-1][1] = d
        else:
            spans.append([d, d])
    for a, b in spans:
        first = a.isoformat() if a.year != last_year else a.strftime("%m-%d")
        part = first if a == b else f"{first}–{b.isoformat() if b.year != a.year else b.strftime('%m-%d')}"
        parts.append(part)
        last_year = b.year
    return w.join(parts)


# ---- SEQUENCE and change times --------------------------------------------------------------------------

def _fingerprint(ev: Event) -> tuple:
    out = []
    for name in COMPARED:
        v = ev.get(name)
        if v is None:
            out.append(None)
        elif name in ("DTSTART", "DTEND"):
            out.append((v.to_ical().decode(), str(v.params.get("TZID", "")), type(v.dt) is date))
        else:
            out.append(str(v))
    return tuple(out)


def _read_previous(previous_dir: Path | None) -> dict[str, _Previous]:
    """UID → SEQUENCE, change time and content of each event in the previous run's feeds."""
    out: dict[str, _Previous] = {}
    folder = previous_dir / "feeds" if previous_dir is not None else None
    if folder is None or not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.ics")):
        try:
            cal = Calendar.from_ical(path.read_bytes())
            events = cal.walk("VEVENT")
        except Exception:  # noqa: BLE001 — a damaged old feed is no reference; its events count as new
            continue
        for ev in events:
            uid = ev.get("UID")
            if uid is None:
                continue
            try:
                seq = int(ev.get("SEQUENCE", 0))
            except (TypeError, ValueError):
                seq = 0
            stamp = None
            for name in ("LAST-MODIFIED", "DTSTAMP"):
                v = ev.get(name)
                if v is not None and isinstance(v.dt, datetime) and v.dt.tzinfo is not None:
                    stamp = v.dt.astimezone(timezone.utc)
                    break
            prev = _Previous(seq, stamp, _fingerprint(ev))
            if str(uid) not in out or seq > out[str(uid)].sequence:
                out[str(uid)] = prev
    return out


def _stamp(spec: _Spec, prev: _Previous | None, now: datetime) -> Event:
    ev = Event()  # not Event.new(): that invents a random UID
    ev.add("uid", spec.uid)
    ev.add("dtstart", spec.start)
    ev.add("dtend", spec.end)
    ev.add("summary", spec.summary)
    if spec.description:
        ev.add("description", spec.description)
    if spec.location:
        ev.add("location", spec.location)
    ev.add("transp", "TRANSPARENT")  # information, not busy time
    # compare as the previous feed will be read back: through the serializer and the parser
    fingerprint = _fingerprint(Event.from_ical(ev.to_ical()))
    if prev is None:
        seq, stamp = 0, now
    elif prev.fingerprint == fingerprint:
        seq, stamp = prev.sequence, prev.stamp or now
    else:
        seq, stamp = prev.sequence + 1, now
    ev.add("sequence", seq)
    ev.add("dtstamp", stamp)
    ev.add("last-modified", stamp)
    return ev


# ---- calendars ------------------------------------------------------------------------------------------

def _calendar(name: str, specs: list[_Spec], stamped: dict[str, Event], tz: ZoneInfo | None,
              tzid: str, about: str = "") -> bytes:
    cal = Calendar()  # not Calendar.new(): that invents a random UID
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    if about:  # RFC 7986 DESCRIPTION, and the older X-WR-CALDESC that Apple and Google read
        cal.add("description", about)
        cal.add("x-wr-caldesc", about)
    cal.add("x-wr-timezone", tzid)
    cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    if tz is not None:  # building feeds always carry their VTIMEZONE (and so never are empty calendars)
        cal.add_component(Timezone.from_tzid(tzid))
    for spec in specs:
        cal.add_component(stamped[spec.uid])
    cal.add_missing_timezones()  # any other TZID in use (none today)
    return cal.to_ical()


# ---- names ----------------------------------------------------------------------------------------------

def _name(project: Project, what: str) -> str:
    return f"{project.project.name} · {what}"


def _trade_label(trade: str, w: Words) -> str:
    """给水 water: the catalogue's name beside the id of a well-known trade."""
    name = trade_name(trade, w.lang)
    return w("feed.trade_calendar", name=name, id=trade) if name else trade


def _zone_name(project: Project, zid: str) -> str:
    z = next((z for z in project.site.zones if z.id == zid), None)
    return (z.name or z.id) if z else zid


def _building_name(project: Project, bid: str) -> str:
    b = next((b for b in project.site.buildings if b.id == bid), None)
    return (b.name or b.id) if b else bid



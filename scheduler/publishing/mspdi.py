"""Microsoft Project XML (MSPDI, http://schemas.microsoft.com/project): the schedule for MS Project, P6, GanttProject.

A pure function of project + expanded tasks + schedule (+ the schedule before a re-plan as baseline) → XML bytes:

- calendars: one base calendar per working-day set and hour set the tasks use — the project calendar (workweek,
  CN statutory holidays and days_off as non-working exceptions, 调休 make-up days and work_days as working ones),
  each trade with its own workweek, the 7-day calendar of curing — with the project's `work` hours, and a twin
  with the `noisy` hours for noisy tasks; exceptions cover whole years from the start's to the last date's;
- tasks: a summary per zone (or per trade), then each task at its scheduled days, from its hours' first window
  start to its last window end, auto-scheduled with Start No Earlier Than = our start on its own calendar, so MS
  Project recomputes the same dates; notes and Text1–3 carry the digonce id, zone and building;
- links: finish-to-start from each expanded task's `after`, lags in working days (tenths of minutes, format d);
- resources: each trade (MaxUnits = crews) and each machine (MaxUnits = how many), assigned to their tasks;
- baseline: the baseline schedule's dates per task (Baseline 0).

Nothing here reads the clock: the same inputs give the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterable

import holidays as holidays_pkg

from models.project import WEEKDAYS, Project
from models.schedule import Schedule, ScheduledTask
from scheduler.planning.calendars import ALL_DAYS, PROJECT, Calendars, daterange
from scheduler.planning.expand import Task
from scheduler.publishing.words import trade_name
from scheduler.text import normal_lang, section, t

NS = "http://schemas.microsoft.com/project"
OUTLINES = ("zone", "trade")
# Task custom fields: Text1 digonce id, Text2 zone, Text3 building (MS Project's field ids)
TEXT_FIELDS = (("id", "188743731", "Text1"), ("zone", "188743734", "Text2"), ("building", "188743737", "Text3"))
DAYS_FORMAT = "7"  # durations and lags shown in (working) days
SNET = "4"  # constraint Start No Earlier Than
FS = "1"  # link finish-to-start
MAX_CALENDAR_NAME = 51  # MS Project's limit
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# 春节（补假）, Labor Day (observed), 休息日（由 2026-01-04 调休） → the name without its note
_TRAILING_NOTE = re.compile(r"\s*[（(][^（()）]*[)）]\s*$")


def task_mismatch(schedule: Schedule, tasks: list[Task]) -> tuple[list[str], list[str]]:
    """(ids in the schedule the expansion does not have, ids of the expansion the schedule lacks), sorted."""
    have, want = {s.id for s in schedule.tasks}, {x.id for x in tasks}
    return sorted(have - want), sorted(want - have)


def export_mspdi(schedule: Schedule, project: Project, tasks: list[Task], *, baseline: Schedule | None = None,
                 outline: str = "zone") -> bytes:
    """The schedule as MSPDI XML (UTF-8). `tasks` is the project's expansion (calendars, lags, equipment); every
    scheduled task must be one of them (ValueError otherwise). `baseline` gives Baseline dates to the tasks it
    has; `outline` groups the tasks under summaries by "zone" (zone, else building) or by "trade"."""
    if outline not in OUTLINES:
        raise ValueError(f"outline must be one of {', '.join(OUTLINES)}, not {outline!r}")
    extra, _missing = task_mismatch(schedule, tasks)
    if extra:
        raise ValueError(f"tasks not in the project's expansion: {', '.join(extra[:5])}")
    return _Writer(schedule, project, tasks, baseline, outline).xml()


# ------------------------------------------------------------------------------------------- small helpers

def _text(value: object) -> str:
    """XML 1.0 cannot carry most control characters: drop them."""
    return _CONTROL.sub("", str(value))


def _sub(parent: ET.Element, tag: str, value: object | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if value is not None:
        el.text = _text(value)
    return el


def _subs(parent: ET.Element, pairs: Iterable[tuple[str, object | None]]) -> None:
    """Child elements in the schema's order, skipping the ones without a value."""
    for tag, value in pairs:
        if value is not None:
            _sub(parent, tag, value)


def _bool(flag: bool) -> str:
    return "1" if flag else "0"


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def windows_of(hours: Iterable[str]) -> tuple[tuple[int, int], ...]:
    """Hour windows ("07:30-11:30") as sorted, merged (from, to) minutes of the day."""
    spans = sorted((_minutes(w.split("-")[0]), _minutes(w.split("-")[1])) for w in hours)
    out: list[list[int]] = []
    for a, b in spans:
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def _at(d: date, minute: int) -> str:
    return (datetime(d.year, d.month, d.day) + timedelta(minutes=minute)).isoformat()


def _time(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}:00"


def _duration(minutes: int) -> str:
    return f"PT{minutes // 60}H{minutes % 60}M0S"


def _hours_label(windows: tuple[tuple[int, int], ...], sep: str) -> str:
    return sep.join(f"{_time(a)[:5]}-{_time(b)[:5] if b < 1440 else '24:00'}" for a, b in windows)


def _day_type(d_index: int) -> str:
    """MSPDI DayType of a WEEKDAYS index (mon = 0): 1 = Sunday … 7 = Saturday."""
    return str((d_index + 1) % 7 + 1)


# ------------------------------------------------------------------------------------------- the model

@dataclass
class _Calendar:
    uid: int
    name: str
    key: str  # a planning calendar key (project, trade:<id>, days)
    windows: tuple[tuple[int, int], ...]
    base: int | None = None  # a resource calendar: its base calendar's uid

    @property
    def day_minutes(self) -> int:
        return sum(b - a for a, b in self.windows)


@dataclass
class _Row:
    """One line of the task sheet: a summary or a task, in outline order."""
    uid: int
    id: int  # the row number MS Project shows
    name: str
    number: str  # outline number, also the WBS code
    level: int
    task: ScheduledTask | None = None
    children: list[_Row] = field(default_factory=list)


@dataclass
class _Resource:
    uid: int
    name: str
    initials: str
    units: int
    calendar: _Calendar
    group: str = ""
    notes: str = ""


class _Writer:
    def __init__(self, schedule: Schedule, project: Project, tasks: list[Task], baseline: Schedule | None,
                 outline: str):
        self.s, self.p, self.outline = schedule, project, outline
        self.lang = normal_lang(project.project.lang)
        self.by_id = {x.id: x for x in tasks}
        self.order = {x.id: i for i, x in enumerate(tasks)}  # stable task UIDs across re-plans of one project
        self.base = {b.id: b for b in baseline.tasks} if baseline else {}
        self.first, self.last = self._span()
        self.cal = Calendars(project, self.last)
        self.work = windows_of(project.calendar.hours.work)
        self.noisy = windows_of(project.calendar.hours.noisy)
        self.calendars: dict[tuple[str, tuple], _Calendar] = {}
        self.project_calendar = self._calendar(PROJECT, self.work)
        for s in schedule.tasks:
            self._calendar(self.by_id[s.id].calendar, self._windows(s))
        self.resources = self._resources()

    def w(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    # ---------- span, calendars, resources
    def _span(self) -> tuple[date, date]:
        """Whole years from the earliest to the latest date the file shows (deadline included)."""
        days = [self.p.project.start] + [d for s in self.s.tasks for d in (s.start, s.finish)]
        days += [d for b in self.base.values() for d in (b.start, b.finish)]
        days += [self.p.project.deadline] if self.p.project.deadline else []
        return date(min(days).year, 1, 1), date(max(days).year, 12, 31)

    def _windows(self, s: ScheduledTask) -> tuple[tuple[int, int], ...]:
        return self.noisy if s.noisy else self.work

    def _calendar(self, key: str, windows: tuple[tuple[int, int], ...]) -> _Calendar:
        if (key, windows) not in self.calendars:
            if key == PROJECT:
                name = self.w("export.calendar.project")
            elif key == ALL_DAYS:
                name = self.w("export.calendar.days")
            else:
                name = self.w("export.calendar.trade", trade=self._trade_label(key.removeprefix("trade:")))
            if windows != self.work:
                name = self.w("export.calendar.noisy", name=name, hours=_hours_label(windows, ","))
            self.calendars[key, windows] = _Calendar(len(self.calendars) + 1, self._unique_name(name), key, windows)
        return self.calendars[key, windows]

    def _unique_name(self, name: str) -> str:
        taken = {c.name for c in self.calendars.values()}
        name, n = name[:MAX_CALENDAR_NAME], 2
        while name in taken:
            tail = f" {n}"
            name, n = name[:MAX_CALENDAR_NAME - len(tail)] + tail, n + 1
        return name

    def _trade_label(self, trade: str) -> str:
        return trade_name(trade, self.lang) or trade

    def _resources(self) -> dict[str, _Resource]:
        """Trades (crews) then machines; each with a resource calendar on its base calendar."""
        out: dict[str, _Resource] = {}
        names: set[str] = set()
        machines = section("export.equipment", self.lang)
        items = [(tid, self._trade_label(tid), tr.crews, f"trade:{tid}" if tr.workweek else PROJECT, tr)
                 for tid, tr in self.p.trades.items()]
        items += [(f"equipment:{eid}", machines.get(eid, eid), n, PROJECT, None) for eid, n in self.p.equipment.items()]
        for key, label, units, cal_key, trade in items:
            name = re.sub(r"[,\[\]]", " ", label).strip() or key  # MS Project refuses , [ ] in resource names
            if name in names:
                name = f"{name} {key.removeprefix('equipment:')}"
            names.add(name)
            base = self._calendar(cal_key, self.work)
            cal = _Calendar(0, name[:MAX_CALENDAR_NAME], cal_key, self.work, base=base.uid)
            out[key] = _Resource(len(out) + 1, name, key.removeprefix("equipment:"), units, cal,
                                 trade.contractor if trade else "", trade.contact if trade else "")
        for i, r in enumerate(out.values()):
            r.calendar.uid = len(self.calendars) + i + 1
        return out

    # ---------- dates
    def start_of(self, s: ScheduledTask) -> str:
        return _at(s.start, self._windows(s)[0][0])

    def finish_of(self, s: ScheduledTask) -> str:
        return _at(s.finish, self._windows(s)[-1][1])

    def minutes(self, s: ScheduledTask, first: date, last: date) -> int:
        """Working minutes of the task's calendar from `first` to `last` (whole days)."""
        c = self.calendars[self.by_id[s.id].calendar, self._windows(s)]
        return max(1, len(self.cal.span(c.key, first, last))) * c.day_minutes

    def xml(self) -> bytes:
        root = ET.Element("Project", xmlns=NS)
        self._header(root)
        self._extended_attributes(root)
        self._write_calendars(root)
        rows = self._rows()
        tasks = _sub(root, "Tasks")
        for row in rows:
            self._summary(tasks, row)
            for child in row.children:
                self._task(tasks, child)
        self._write_resources(root)
        self._assignments(root)
        ET.indent(root, space=" ")
        head = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        return head + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n"

    def _header(self, root: ET.Element) -> None:
        p, work = self.p.project, self.work
        day = sum(b - a for a, b in work)
        week = len(self.cal.workweek(PROJECT))
        finish = max((s.finish for s in self.s.tasks), default=p.start)
        _subs(root, [
            ("SaveVersion", "14"), ("Name", p.name), ("Title", p.name), ("Author", self.w("export.author")),
            ("ScheduleFromStart", "1"), ("StartDate", _at(p.start, work[0][0])),
            ("FinishDate", _at(finish, work[-1][1])), ("CurrencyCode", "CNY"),
            ("CalendarUID", str(self.project_calendar.uid)), ("DefaultStartTime", _time(work[0][0])),
            ("DefaultFinishTime", _time(work[-1][1])), ("MinutesPerDay", str(day)),
            ("MinutesPerWeek", str(day * week)), ("DaysPerMonth", str(round(week * 365.25 / 7 / 12))),
            ("DefaultTaskType", "1"), ("DurationFormat", DAYS_FORMAT), ("WorkFormat", "2"),
            ("HonorConstraints", "1"), ("NewTasksEffortDriven", "0"), ("WeekStartDay", "1"),
            ("StatusDate", _at(self.s.as_of, work[0][0]) if self.s.as_of else None),
        ])

    def _extended_attributes(self, root: ET.Element) -> None:
        attrs = _sub(root, "ExtendedAttributes")
        for key, field_id, field_name in TEXT_FIELDS:
            a = _sub(attrs, "ExtendedAttribute")
            _subs(a, [("FieldID", field_id), ("FieldName", field_name), ("Alias", self.w(f"export.field.{key}"))])

    # ---------- calendars
    def _write_calendars(self, root: ET.Element) -> None:
        cals = _sub(root, "Calendars")
        for c in self.calendars.values():
            self._base_calendar(cals, c)
        for r in self.resources.values():
            el = _sub(cals, "Calendar")
            _subs(el, [("UID", r.calendar.uid), ("Name", r.calendar.name), ("IsBaseCalendar", "0"),
                       ("BaseCalendarUID", r.calendar.base)])

    def _base_calendar(self, cals: ET.Element, c: _Calendar) -> None:
        el = _sub(cals, "Calendar")
        _subs(el, [("UID", c.uid), ("Name", c.name), ("IsBaseCalendar", "1"), ("BaseCalendarUID", "-1")])
        week = set(WEEKDAYS) if c.key == ALL_DAYS else set(self.cal.workweek(c.key))
        days = _sub(el, "WeekDays")
        for i, wd in sorted(enumerate(WEEKDAYS), key=lambda iw: int(_day_type(iw[0]))):
            day = _sub(days, "WeekDay")
            _subs(day, [("DayType", _day_type(i)), ("DayWorking", _bool(wd in week))])
            if wd in week:
                self._working_times(day, c.windows)
        runs = self._exceptions(c, week)
        for first, last, working, _name in runs:  # the format before Project 2007, which some tools still read
            day = _sub(days, "WeekDay")
            _subs(day, [("DayType", "0"), ("DayWorking", _bool(working))])
            period = _sub(day, "TimePeriod")
            _subs(period, [("FromDate", _at(first, 0)), ("ToDate", _at(last, 23 * 60 + 59))])
            if working:
                self._working_times(day, c.windows)
        if runs:
            self._exception_list(el, runs, c.windows)

    def _exception_list(self, el: ET.Element, runs: list[tuple[date, date, bool, str]],
                        windows: tuple[tuple[int, int], ...]) -> None:
        exceptions = _sub(el, "Exceptions")
        for first, last, working, name in runs:
            ex = _sub(exceptions, "Exception")
            _sub(ex, "EnteredByOccurrences", "0")
            period = _sub(ex, "TimePeriod")
            _subs(period, [("FromDate", _at(first, 0)), ("ToDate", _at(last, 23 * 60 + 59))])
            _subs(ex, [("Occurrences", "1"), ("Name", name), ("Type", "1"), ("DayWorking", _bool(working))])
            if working:
                self._working_times(ex, windows)

    @staticmethod
    def _working_times(parent: ET.Element, windows: tuple[tuple[int, int], ...]) -> None:
        times = _sub(parent, "WorkingTimes")
        for a, b in windows:
            wt = _sub(times, "WorkingTime")
            _subs(wt, [("FromTime", _time(a)), ("ToTime", _time(b))])

    def _exceptions(self, c: _Calendar, week: set[str]) -> list[tuple[date, date, bool, str]]:
        """Runs of days whose working status differs from the workweek's, in date order (MS Project ignores
        exceptions out of order), each named after what it is (春节, 调休上班, 停工日 …). A run of one
        holiday bridges the ordinary days off inside it: 春节 over a Sunday is one exception."""
        if c.key == ALL_DAYS:
            return []
        names = self._holiday_names()
        runs: list[list] = []
        for d in daterange(self.first, self.last):
            working = self.cal.is_working(c.key, d)
            if working == (WEEKDAYS[d.weekday()] in week):
                continue
            name = self._day_name(d, working, names)
            prev = runs[-1] if runs and runs[-1][2:] == [working, name] else None
            if prev and (prev[1] + timedelta(1) == d or not working and self._bridges(c.key, prev[1], d)):
                prev[1] = d
            else:
                runs.append([d, d, working, name])
        return [(a, b, working, name) for a, b, working, name in runs]

    def _bridges(self, key: str, last: date, d: date) -> bool:
        """Whether the days between two days off are all off too (at most two: a weekend)."""
        between = daterange(last + timedelta(1), d - timedelta(1)) if d > last + timedelta(1) else []
        return len(between) <= 2 and not any(self.cal.is_working(key, x) for x in between)

    def _day_name(self, d: date, working: bool, names: dict[date, str]) -> str:
        if d in self.cal.work_days:
            return self.w("export.exception.work_day")
        if d in self.cal.days_off:
            return self.w("export.exception.day_off")
        if not working and d in names:
            return _TRAILING_NOTE.sub("", names[d]) or names[d]
        return self.w("export.exception.makeup" if working else "export.exception.holiday")

    def _holiday_names(self) -> dict[date, str]:
        if self.p.calendar.holidays != "CN":
            return {}
        language = "zh_CN" if self.lang == "zh-CN" else "en_US"
        return dict(holidays_pkg.China(years=range(self.first.year, self.last.year + 1), language=language))

    # ---------- tasks
    def _rows(self) -> list[_Row]:
        """Summaries in the site's (or the trades') order, each with its tasks by start."""
        groups: dict[tuple, list[ScheduledTask]] = {}
        for s in self.s.tasks:
            groups.setdefault(self._group(s), []).append(s)
        rows: list[_Row] = []
        line = 0
        for n, key in enumerate(sorted(groups, key=self._group_rank), start=1):
            line += 1
            row = _Row(len(self.by_id) + n, line, self._group_name(key), str(n), 1)
            members = sorted(groups[key], key=lambda s: (s.start, s.finish, self.order[s.id]))
            for i, s in enumerate(members, start=1):
                line += 1
                row.children.append(_Row(self.order[s.id] + 1, line, s.name or s.id, f"{n}.{i}", 2, s))
            rows.append(row)
        return rows

    def _group(self, s: ScheduledTask) -> tuple:
        if self.outline == "trade":
            return ("trade", s.trade) if s.trade else ("none",)
        if s.zone:
            return ("zone", s.zone)
        return ("building", s.building) if s.building else ("none",)

    def _group_rank(self, key: tuple) -> tuple:
        order = {
            "zone": [z.id for z in self.p.site.zones], "building": [b.id for b in self.p.site.buildings],
            "trade": list(self.p.trades),
        }
        kinds = ["zone", "building", "trade", "none"]
        ids = order.get(key[0], [])
        return kinds.index(key[0]), ids.index(key[1]) if len(key) > 1 and key[1] in ids else len(ids), key[1:]

    def _group_name(self, key: tuple) -> str:
        if key[0] == "zone":
            return self.w("export.outline.zone", zone=self._zone_label(key[1]))
        if key[0] == "building":
            return self.w("export.outline.building", building=self._building_label(key[1]))
        if key[0] == "trade":
            trade = self.p.trades.get(key[1])
            label = self._trade_label(key[1])
            return self.w("export.outline.trade_with", trade=label, contractor=trade.contractor) if trade and \
                trade.contractor else self.w("export.outline.trade", trade=label)
        return self.w("export.outline.no_trade" if self.outline == "trade" else "export.outline.no_zone")

    def _zone_label(self, zid: str) -> str:
        zone = next((z for z in self.p.site.zones if z.id == zid), None)
        return self.w("export.label.zone", id=zid, name=zone.name) if zone and zone.name and zone.name != zid else zid

    def _building_label(self, bid: str) -> str:
        b = next((b for b in self.p.site.buildings if b.id == bid), None)
        return self.w("export.label.building", id=bid, name=b.name) if b and b.name and b.name != bid else bid

    def _summary(self, tasks: ET.Element, row: _Row) -> None:
        kids = [c.task for c in row.children]
        first, last = min(k.start for k in kids), max(k.finish for k in kids)
        start, finish = min(self.start_of(k) for k in kids), max(self.finish_of(k) for k in kids)
        day = self.project_calendar.day_minutes
        minutes = max(1, len(self.cal.span(PROJECT, first, last))) * day
        el = _sub(tasks, "Task")
        _subs(el, [
            ("UID", row.uid), ("ID", row.id), ("Name", row.name), ("Active", "1"), ("Manual", "0"), ("Type", "1"),
            ("IsNull", "0"), ("WBS", row.number), ("OutlineNumber", row.number), ("OutlineLevel", row.level),
            ("Start", start), ("Finish", finish), ("Duration", _duration(minutes)), ("DurationFormat", DAYS_FORMAT),
            ("Milestone", "0"), ("Summary", "1"),
        ])
        based = [self.base[k.id] for k in kids if k.id in self.base]
        if based:
            b = _sub(el, "Baseline")
            b_first, b_last = min(x.start for x in based), max(x.finish for x in based)
            _subs(b, [("Number", "0"), ("Start", min(self.start_of(x) for x in based)),
                      ("Finish", max(self.finish_of(x) for x in based)),
                      ("Duration", _duration(max(1, len(self.cal.span(PROJECT, b_first, b_last))) * day)),
                      ("DurationFormat", DAYS_FORMAT)])

    def _task(self, tasks: ET.Element, row: _Row) -> None:
        s, x = row.task, self.by_id[row.task.id]
        c = self.calendars[x.calendar, self._windows(s)]
        minutes = self.minutes(s, s.start, s.finish)
        work = minutes * sum(self._assigned(s).values())
        done = s.status == "done"
        started = s.status == "started" and self.s.as_of is not None
        percent = 100 if done else (self._percent(s) if started else None)
        el = _sub(tasks, "Task")
        _subs(el, [
            ("UID", row.uid), ("ID", row.id), ("Name", row.name), ("Active", "1"), ("Manual", "0"), ("Type", "1"),
            ("IsNull", "0"), ("WBS", row.number), ("OutlineNumber", row.number), ("OutlineLevel", row.level),
            ("Priority", "500"),
            ("Start", self.start_of(s)), ("Finish", self.finish_of(s)), ("Duration", _duration(minutes)),
            ("DurationFormat", DAYS_FORMAT), ("Work", _duration(work)), ("EffortDriven", "0"),
            ("Estimated", "0"), ("Milestone", "0"), ("Summary", "0"), ("PercentComplete", percent),
            ("ActualStart", self.start_of(s) if done or started else None),
            ("ActualFinish", self.finish_of(s) if done else None),
            ("ConstraintType", SNET), ("CalendarUID", c.uid), ("ConstraintDate", self.start_of(s)),
            ("Deadline", _at(x.deadline, c.windows[-1][1]) if x.deadline else None),
            ("IgnoreResourceCalendar", "1"), ("Notes", self._notes(s, c)),
        ])
        # lags are working days of the successor's calendar (SPEC R1): LinkLag in tenths of its working minutes
        for pred, lag in sorted(x.after.items(), key=lambda pl: self.order.get(pl[0], 0)):
            if pred not in self.order:
                continue
            link = _sub(el, "PredecessorLink")
            _subs(link, [("PredecessorUID", self.order[pred] + 1), ("Type", FS), ("CrossProject", "0"),
                         ("LinkLag", lag * c.day_minutes * 10), ("LagFormat", DAYS_FORMAT)])
        for key, field_id, _name in TEXT_FIELDS:
            value = {"id": s.id, "zone": s.zone, "building": s.building}[key]
            if value:
                attr = _sub(el, "ExtendedAttribute")
                _subs(attr, [("FieldID", field_id), ("Value", value)])
        b = self.base.get(s.id)
        if b is not None:
            base = _sub(el, "Baseline")
            _subs(base, [("Number", "0"), ("Start", self.start_of(b)), ("Finish", self.finish_of(b)),
                         ("Duration", _duration(self.minutes(s, b.start, b.finish))), ("DurationFormat", DAYS_FORMAT)])

    def _percent(self, s: ScheduledTask) -> int:
        """A started task: the share of its working days before the re-plan's as-of date."""
        days = s.days or [s.start]
        return min(99, round(100 * sum(d < self.s.as_of for d in days) / len(days)))

    def _notes(self, s: ScheduledTask, c: _Calendar) -> str:
        lines = [self.w("export.note.id", id=s.id)]
        if s.zone:
            lines.append(self.w("export.note.zone", zone=self._zone_label(s.zone)))
        if s.building:
            lines.append(self.w("export.note.building", building=self._building_label(s.building)))
        trade = self.p.trades.get(s.trade) if s.trade else None
        if s.trade:
            lines.append(self.w("export.note.trade", trade=self._trade_label(s.trade)))
        if trade and (trade.contractor or trade.contact):
            who = " ".join(x for x in (trade.contractor, trade.contact) if x)
            lines.append(self.w("export.note.contractor", who=who))
        sep = t("common.list_sep", self.lang)
        hours = _hours_label(c.windows, sep)
        lines.append(self.w("export.note.noisy", hours=hours) if s.noisy else self.w("export.note.hours", hours=hours))
        if s.outage:
            served = sep.join(self._building_label(b) for b in s.outage.serves)
            outage = section("common.outage", self.lang).get(s.outage.type, s.outage.type)
            lines.append(self.w("export.note.outage", outage=outage, hours=s.outage.hours, buildings=served,
                                days=s.outage.notice_days))
        return "\n".join(lines)

    # ---------- resources and assignments
    def _assigned(self, s: ScheduledTask) -> dict[str, int]:
        """Resource key → units: one crew of the task's trade, and its machines."""
        out = {s.trade: 1} if s.trade in self.resources else {}
        for eid, n in self.by_id[s.id].equipment.items():
            if f"equipment:{eid}" in self.resources:
                out[f"equipment:{eid}"] = n
        return out

    def _write_resources(self, root: ET.Element) -> None:
        resources = _sub(root, "Resources")
        for r in self.resources.values():
            el = _sub(resources, "Resource")
            _subs(el, [("UID", r.uid), ("ID", r.uid), ("Name", r.name), ("Type", "1"), ("IsNull", "0"),
                       ("Initials", r.initials), ("Group", r.group or None), ("MaxUnits", f"{r.units:.2f}"),
                       ("PeakUnits", f"{r.units:.2f}"), ("CanLevel", "1"), ("CalendarUID", r.calendar.uid),
                       ("Notes", r.notes or None)])

    def _assignments(self, root: ET.Element) -> None:
        out = _sub(root, "Assignments")
        uid = 1
        for s in sorted(self.s.tasks, key=lambda s: self.order[s.id]):
            minutes = self.minutes(s, s.start, s.finish)
            for key, units in self._assigned(s).items():
                a = _sub(out, "Assignment")
                _subs(a, [("UID", uid), ("TaskUID", self.order[s.id] + 1), ("ResourceUID", self.resources[key].uid),
                          ("Finish", self.finish_of(s)), ("Start", self.start_of(s)), ("Units", f"{units:.2f}"),
                          ("Work", _duration(minutes * units))])
                uid += 1

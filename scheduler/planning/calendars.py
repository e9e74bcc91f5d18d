"""Working-day calendars (SPEC §3): workweek + 调休 make-up days − statutory holidays − days_off + work_days.

A calendar key names one working-day set: `project` (the project workweek), `trade:<id>` (a trade
with its own workweek) and `days` (every calendar day: curing).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays as holidays_pkg

from models.project import WEEKDAYS, Project

ALL_DAYS = "days"
PROJECT = "project"


@cache
def last_published_cn_year() -> int:
    """The last year whose official CN holiday and make-up-day list the `holidays` package knows."""
    from holidays.countries.china import ChinaStaticHolidays

    return max(ChinaStaticHolidays.special_public_holidays)


def unpublished_years(first: date, last: date) -> list[int]:
    return [y for y in range(first.year, last.year + 1) if y > last_published_cn_year()]


def daterange(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


class Calendars:
    """Working days of every calendar key between the project start and `end` (inclusive)."""

    def __init__(self, project: Project, end: date):
        self.project = project
        self.start = project.project.start
        self.end = end
        cal = project.calendar
        self.holidays: set[date] = set()  # statutory holidays (CN) of every loaded year
        self.makeup: set[date] = set()  # 调休 make-up working days of every loaded year
        self._years: set[int] = set()
        for year in range(self.start.year, end.year + 1):
            self._load_year(year)
        self.days_off = set(cal.days_off)
        self.work_days = set(cal.work_days)
        self._cache: dict[str, list[date]] = {}

    def _load_year(self, year: int) -> None:
        """Holidays and make-up days of `year`, loaded on first use (so days outside [start, end] are right too)."""
        if year in self._years:
            return
        self._years.add(year)
        if self.project.calendar.holidays == "CN":
            cn = holidays_pkg.China(years=year)
            self.holidays.update(cn)
            self.makeup.update(cn.weekend_workdays)

    def workweek(self, key: str) -> list[str]:
        if key.startswith("trade:"):
            own = self.project.trades[key[6:]].workweek
            if own:
                return list(own)
        return list(self.project.calendar.workweek)

    def is_working(self, key: str, d: date) -> bool:
        if key == ALL_DAYS or d in self.work_days:
            return True
        self._load_year(d.year)
        if d in self.days_off or d in self.holidays:
            return False
        return WEEKDAYS[d.weekday()] in self.workweek(key) or d in self.makeup

    def days(self, key: str) -> list[date]:
        """Sorted working days of a calendar within [start, end]."""
        if key not in self._cache:
            self._cache[key] = [d for d in daterange(self.start, self.end) if self.is_working(key, d)]
        return self._cache[key]

    def span(self, key: str, first: date, last: date) -> list[date]:
        """Working days of `key` between two dates, inclusive."""
        return [d for d in daterange(first, last) if self.is_working(key, d)]


def quiet_days(project: Project, disturbed: set[str]) -> set[date]:
    """Days on which a noisy task disturbing these buildings may not work (R4)."""
    out: set[date] = set()
    for q in project.calendar.quiet:
        if q.buildings is None or disturbed & set(q.buildings):
            out.update(q.days())
    return out


def season_days(project: Project, trade: str | None, kind: str) -> set[date]:
    """Days on which a task of this trade or kind may not work (R8)."""
    out: set[date] = set()
    for s in project.calendar.seasons:
        if kind in s.forbid or (trade is not None and trade in s.forbid):
            out.update(s.days())
    return out


def outage_quiet_days(project: Project, serves: set[str]) -> set[date]:
    """Quiet days that apply to a building an outage serves (R9): no outage on them."""
    return quiet_days(project, serves)

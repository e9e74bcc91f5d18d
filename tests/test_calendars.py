"""Working-day calendars (SPEC §3): workweek + 调休 − statutory holidays − days_off + work_days.

Concrete dates come from the State Council's 2026 arrangement as the installed `holidays` package
knows it: National Day 2026-10-01..03 + 10-05 (observed) + 10-06, 10-07 (days off swapped with the
make-up working days Sunday 2026-09-20 and Saturday 2026-10-10); Mid-Autumn Friday 2026-09-25.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays as holidays_pkg
import pytest
import yaml

from models import load_project
from scheduler.planning.calendars import (Calendars, daterange, last_published_cn_year, outage_quiet_days, quiet_days,
                                 season_days, unpublished_years)
from scheduler.planning.expand import calendar_key, expand

SEVEN = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def base(calendar: dict | None = None, trades: dict | None = None, works: list | None = None) -> dict:
    return {
        "version": 1,
        "project": {"id": "cal", "name": "日历测试", "start": "2026-09-01"},
        "calendar": calendar or {},
        "trades": {
            "civil": {"crews": 1, "excavate_rate": 40, "backfill_rate": 60},
            "paving": {"crews": 1},
            "heating": {"crews": 1},
            "masonry": {"crews": 1, "workweek": ["mon", "tue", "wed", "thu", "fri"]},
            "elevator": {"crews": 1, "workweek": SEVEN},
            **(trades or {}),
        },
        "equipment": {"excavator": 1},
        "site": {
            "gates": [{"id": "N", "zone": "R1"}],
            "zones": [
                {"id": "R1", "kind": "road", "length_m": 40, "links": ["R2"]},
                {"id": "R2", "kind": "road", "length_m": 40, "links": ["A1"]},
                {"id": "A1", "kind": "apron", "length_m": 10},
            ],
            "buildings": [
                {"id": "B1", "households": 10, "near": ["R1"], "fire_zones": ["R1"],
                 "entrances": [{"id": "B1-1", "zone": "A1"}]},
                {"id": "B2", "households": 20, "near": ["R2"], "fire_zones": ["R2"],
                 "entrances": [{"id": "B2-1", "zone": "A1"}]},
            ],
        },
        "works": works or [],
    }


def load(tmp_path, data: dict):
    (tmp_path / "project.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                           encoding="utf-8")
    project, _warnings = load_project(tmp_path)
    return project


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(*texts: str) -> list[date]:
    return [d(t) for t in texts]


NATIONAL_DAY_2026 = days("2026-10-01", "2026-10-02", "2026-10-03", "2026-10-05", "2026-10-06", "2026-10-07")


@pytest.fixture
def cal(tmp_path) -> Calendars:
    return Calendars(load(tmp_path, base()), d("2026-10-31"))


# ---------------------------------------------------------------------------------------- CN holidays


def test_package_knows_2026_national_day_as_assumed():
    """Guard for the tests below: the installed package lists exactly these days around National Day."""
    cn = holidays_pkg.China(years=2026)
    listed = sorted(x for x in cn if d("2026-09-19") <= x <= d("2026-10-11"))
    assert listed == [d("2026-09-25")] + NATIONAL_DAY_2026
    assert {d("2026-09-20"), d("2026-10-10")} <= set(cn.weekend_workdays)


def test_national_day_week_project_calendar(cal):
    """Mon–Sat project workweek around National Day 2026."""
    for x in NATIONAL_DAY_2026:
        assert not cal.is_working("project", x), x
    assert cal.is_working("project", d("2026-09-20"))  # Sunday, 调休 make-up working day
    assert cal.is_working("project", d("2026-10-10"))  # Saturday, 调休 make-up working day
    assert not cal.is_working("project", d("2026-10-04"))  # plain Sunday inside the week
    assert not cal.is_working("project", d("2026-09-25"))  # Mid-Autumn Festival (Friday)
    assert not cal.is_working("project", d("2026-09-27"))  # ordinary Sunday
    assert cal.is_working("project", d("2026-09-26"))  # ordinary Saturday
    assert cal.span("project", d("2026-09-19"), d("2026-10-11")) == days(
        "2026-09-19", "2026-09-20", "2026-09-21", "2026-09-22", "2026-09-23", "2026-09-24", "2026-09-26",
        "2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10")


def test_makeup_days_count_for_a_mon_fri_trade(cal):
    """调休 make-up days are working days for everyone, whatever their own workweek."""
    assert calendar_key(cal.project, "masonry", "task") == "trade:masonry"
    assert cal.is_working("trade:masonry", d("2026-09-20"))  # Sunday make-up day
    assert cal.is_working("trade:masonry", d("2026-10-10"))  # Saturday make-up day
    assert not cal.is_working("trade:masonry", d("2026-09-19"))  # ordinary Saturday: not in mon–fri
    assert not cal.is_working("trade:masonry", d("2026-10-17"))  # ordinary Saturday
    assert cal.span("trade:masonry", d("2026-09-19"), d("2026-10-11")) == days(
        "2026-09-20", "2026-09-21", "2026-09-22", "2026-09-23", "2026-09-24",
        "2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10")


def test_seven_day_trade_works_sundays_but_not_holidays(cal):
    assert calendar_key(cal.project, "elevator", "install") == "trade:elevator"
    for x in NATIONAL_DAY_2026 + [d("2026-09-25")]:
        assert not cal.is_working("trade:elevator", x), x
    for x in days("2026-09-27", "2026-10-11", "2026-10-18", "2026-09-20", "2026-10-10"):
        assert cal.is_working("trade:elevator", x), x
    # 2026-10-04 is a Sunday the package does not list as a holiday (the statutory days are 10-01..03,
    # 10-05 observed, 10-06/10-07 swapped): a seven-day crew works it, per SPEC §3's definition.
    assert cal.is_working("trade:elevator", d("2026-10-04"))
    # every calendar day of October except the six holidays
    assert cal.span("trade:elevator", d("2026-10-01"), d("2026-10-31")) == [
        x for x in daterange(d("2026-10-01"), d("2026-10-31")) if x not in NATIONAL_DAY_2026]


def test_trade_without_own_workweek_uses_project_calendar(cal):
    assert calendar_key(cal.project, "civil", "excavate") == "project"
    assert calendar_key(cal.project, "paving", "restore") == "project"
    # asking for a trade calendar of a trade without its own workweek gives the project workweek
    assert cal.days("trade:civil") == cal.days("project")


def test_days_lists_working_days_within_horizon(cal):
    got = cal.days("project")
    assert got[0] == d("2026-09-01") and got[-1] == d("2026-10-31")  # Tue and Sat
    assert got == sorted(got)
    assert len(got) == len(set(got))
    # September 2026: 30 days − 4 Sundays − 09-25 + 09-20 (make-up Sunday) = 26; October: 31 − 4 Sundays
    # − 6 holidays on Mon–Sat (10-01,02,03,05,06,07) = 21 (10-04 is one of the 4 Sundays)
    assert len([x for x in got if x.month == 9]) == 26
    assert len([x for x in got if x.month == 10]) == 21


def test_dates_outside_the_horizon_still_know_holidays(cal):
    """is_working/span may be asked about days after `end` (e.g. an edited ledger); holidays still count."""
    assert not cal.is_working("project", d("2027-01-01"))  # New Year, after the 2026-10-31 horizon
    assert not cal.is_working("project", d("2026-01-01"))  # before the start
    assert cal.is_working("project", d("2026-01-04"))  # Sunday make-up day before the start


# ---------------------------------------------------------------------------------------- options


def test_holidays_none_means_no_holidays_and_no_makeup_days(tmp_path):
    cal = Calendars(load(tmp_path, base({"holidays": "none"})), d("2026-10-31"))
    assert cal.holidays == set() and cal.makeup == set()
    for x in NATIONAL_DAY_2026 + [d("2026-09-25")]:
        assert cal.is_working("project", x), x
    assert not cal.is_working("project", d("2026-09-20"))  # a plain Sunday now
    assert not cal.is_working("trade:masonry", d("2026-10-10"))  # a plain Saturday for mon–fri
    assert not cal.is_working("project", d("2026-10-04"))
    assert len([x for x in cal.days("project") if x.month == 10]) == 27  # 31 − 4 Sundays


def test_days_off_and_work_days(tmp_path):
    calendar = {"days_off": ["2026-09-22", "2026-10-10", "2026-10-12"],
                "work_days": ["2026-10-01", "2026-09-27", "2026-10-12"]}
    cal = Calendars(load(tmp_path, base(calendar)), d("2026-10-31"))
    assert not cal.is_working("project", d("2026-09-22"))  # ordinary Tuesday taken off
    assert not cal.is_working("project", d("2026-10-10"))  # days_off beats a make-up day
    assert not cal.is_working("trade:masonry", d("2026-09-22"))  # days_off applies to every trade
    assert not cal.is_working("trade:elevator", d("2026-10-10"))
    for key in ("project", "trade:masonry", "trade:elevator"):
        assert cal.is_working(key, d("2026-10-01")), key  # work_days beats a statutory holiday
        assert cal.is_working(key, d("2026-09-27")), key  # …and a Sunday
        assert cal.is_working(key, d("2026-10-12")), key  # …and days_off
    assert not cal.is_working("project", d("2026-10-02"))  # the rest of the holiday stays off
    assert cal.span("project", d("2026-09-26"), d("2026-10-03")) == days(
        "2026-09-26", "2026-09-27", "2026-09-28", "2026-09-29", "2026-09-30", "2026-10-01")


def test_days_calendar_is_every_calendar_day(tmp_path):
    cal = Calendars(load(tmp_path, base({"days_off": ["2026-09-22"]})), d("2026-10-31"))
    assert calendar_key(cal.project, None, "curing") == "days"
    assert calendar_key(cal.project, "civil", "curing") == "days"
    every = daterange(d("2026-09-01"), d("2026-10-31"))
    assert len(every) == 61
    assert cal.days("days") == every  # holidays, Sundays and days_off included: concrete cures anyway
    assert cal.span("days", d("2026-10-01"), d("2026-10-07")) == daterange(d("2026-10-01"), d("2026-10-07"))


def test_project_workweek_is_configurable(tmp_path):
    cal = Calendars(load(tmp_path, base({"workweek": ["mon", "tue", "wed", "thu", "fri"]})), d("2026-10-31"))
    assert not cal.is_working("project", d("2026-09-26"))  # Saturday
    assert cal.is_working("project", d("2026-10-10"))  # Saturday make-up day
    assert calendar_key(cal.project, "masonry", "task") == "trade:masonry"


# ---------------------------------------------------------------------------------------- quiet, seasons


QUIET = {"quiet": [
    {"name": "高考", "from": "2027-06-06", "to": "2027-06-08"},
    {"name": "中考", "from": "2027-06-20", "to": "2027-06-21", "buildings": ["B2"]},
]}


def test_quiet_days_apply_to_all_or_to_listed_buildings(tmp_path):
    p = load(tmp_path, base(QUIET))
    everyone = set(days("2027-06-06", "2027-06-07", "2027-06-08"))
    b2 = set(days("2027-06-20", "2027-06-21"))
    assert quiet_days(p, set()) == everyone
    assert quiet_days(p, {"B1"}) == everyone
    assert quiet_days(p, {"B2"}) == everyone | b2
    assert quiet_days(p, {"B1", "B2"}) == everyone | b2
    assert outage_quiet_days(p, {"B2"}) == everyone | b2
    assert outage_quiet_days(p, {"B1"}) == everyone


def test_quiet_days_of_expanded_tasks_follow_what_they_disturb(tmp_path):
    works = [
        {"id": "dig-R1", "type": "task", "trade": "civil", "days": 2, "zone": "R1", "noisy": True},
        {"id": "dig-R2", "type": "task", "trade": "civil", "days": 2, "zone": "R2", "noisy": True},
    ]
    p = load(tmp_path, base(QUIET, works=works))
    tasks = {t.id: t for t in expand(p)}
    assert tasks["dig-R1:task"].disturbs == ("B1",)
    assert tasks["dig-R2:task"].disturbs == ("B2",)
    assert quiet_days(p, set(tasks["dig-R1:task"].disturbs)) == set(days("2027-06-06", "2027-06-07", "2027-06-08"))
    assert quiet_days(p, set(tasks["dig-R2:task"].disturbs)) == set(
        days("2027-06-06", "2027-06-07", "2027-06-08", "2027-06-20", "2027-06-21"))


def test_season_days_by_trade_and_by_kind(tmp_path):
    seasons = {"seasons": [
        {"name": "供暖季", "from": "2026-11-15", "to": "2026-11-17", "forbid": ["heating"]},
        {"name": "冬季不摊铺", "from": "2026-12-01", "to": "2026-12-02", "forbid": ["paving"]},
        {"name": "冬季不开挖", "from": "2026-12-10", "to": "2026-12-10", "forbid": ["excavate", "curing"]},
    ]}
    p = load(tmp_path, base(seasons))
    heat = set(days("2026-11-15", "2026-11-16", "2026-11-17"))
    pave = set(days("2026-12-01", "2026-12-02"))
    dig = {d("2026-12-10")}
    assert season_days(p, "heating", "lay") == heat  # by trade
    assert season_days(p, "paving", "restore") == pave  # by trade (kind restore is not forbidden)
    assert season_days(p, "civil", "paving") == pave  # by kind, whatever the trade
    assert season_days(p, "civil", "excavate") == dig  # by kind
    assert season_days(p, None, "curing") == dig  # curing has no trade
    assert season_days(p, "civil", "backfill") == set()
    assert season_days(p, "paving", "paving") == pave
    assert season_days(p, None, "install") == set()


# ---------------------------------------------------------------------------------------- unpublished years


def test_unpublished_years_follow_the_installed_package():
    last = last_published_cn_year()
    assert last >= 2026  # the installed package knows the 2026 调休 arrangement
    # a published year has make-up working days; the next one has none yet
    assert any(x.year == last for x in holidays_pkg.China(years=last).weekend_workdays)
    assert not any(x.year == last + 1 for x in holidays_pkg.China(years=last + 1).weekend_workdays)
    assert unpublished_years(date(last, 1, 1), date(last, 12, 31)) == []
    assert unpublished_years(date(last - 1, 3, 1), date(last + 2, 1, 31)) == [last + 1, last + 2]
    assert unpublished_years(date(2020, 1, 1), date(2024, 12, 31)) == []
    # 2027: unpublished with holidays 0.109 (which knows up to 2026); stays right once 2027 is published
    assert (unpublished_years(date(2027, 3, 1), date(2027, 11, 14)) == [2027]) == (last < 2027)
    assert (2027 in unpublished_years(date(2026, 9, 1), date(2028, 1, 31))) == (last < 2027)


def test_seven_day_calendar_over_the_horizon(cal):
    """Sanity of the 7-day calendar: every day from 09-01 to 10-31 except the 7 holidays (09-25 + six)."""
    assert len(cal.days("trade:elevator")) == 61 - 7
    assert d("2026-09-01") + timedelta(60) == cal.days("trade:elevator")[-1]

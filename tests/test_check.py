"""The referee `digonce check`: a hand-checked valid schedule passes; each rule, broken alone, is named.

Fixture: tests/projects/check_basic (see the map in its project.yaml). Calendar facts used below:
2027-03-01 is a Monday; the workweek is Mon–Sat (the elevator trade works Mon–Sun); 2027-04-05
(Qingming) and 2027-05-01..04 are holidays.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from models import InputError, load_project
from models.schedule import Opening, Schedule, ScheduledTask
from scheduler.cli import main
from scheduler.planning.calendars import Calendars
from scheduler.planning.expand import expand
from scheduler.review.check import Violation, check_schedule, parse_date, read_schedule_file

BASIC = Path(__file__).parent / "projects" / "check_basic"

D = date.fromisoformat

# A valid schedule, checked by hand against R1–R10 (starts; finishes follow from the calendars).
# Openings: A1 03-01..03-04, R1 03-08..03-12, P1 03-13..03-16, R2 03-17..03-20 — never two of R1/P1/R2.
VALID = {
    "A1:excavate": "2027-03-01",
    "E1:relocate": "2027-03-02",
    "E1:foundation": "2027-03-03",
    "A1:backfill": "2027-03-04",
    "E1:curing": "2027-03-04",        # 2 calendar days: 03-04, 03-05
    "A1:restore": "2027-03-05",
    "E1:shaft": "2027-03-06",         # Sat + Sun: the elevator trade works Sundays; R1 not open yet
    "E1:install": "2027-03-08",
    "E1:acceptance": "2027-03-10",
    "R1:excavate": "2027-03-08",
    "water-main@R1:lay": "2027-03-10",
    "R1:backfill": "2027-03-12",
    "R1:restore": "2027-03-13",
    "P1:excavate": "2027-03-13",
    "water-main@P1:lay": "2027-03-15",
    "P1:backfill": "2027-03-16",
    "water-main:test": "2027-03-16",
    "P1:restore": "2027-03-17",
    "water-main:cutover": "2027-03-17",
    "R2:excavate": "2027-03-17",
    "water-b2@R2:lay": "2027-03-19",
    "R2:backfill": "2027-03-20",
    "demolish-shed:task": "2027-03-19",
    "plant-trees:task": "2027-03-22",  # quiet days 03-22..24 hold nothing noisy
    "R2:restore": "2027-03-25",
    "water-b2:cutover": "2027-03-25",  # 8 days after water-main:cutover
    "facade-B1:building": "2027-03-31",  # noisy at B1 on 04-01/02 (中考 is for B2 only); spans Qingming → 04-06
}


@pytest.fixture(scope="module")
def basic():
    project, _ = load_project(BASIC)
    return project, expand(project)


def build(project, tasks, starts: dict[str, str], *, finish: dict[str, str] | None = None,
          openings: bool = True) -> Schedule:
    """A schedule from start dates: each finish is the task's `days`-th working day of its calendar."""
    cal = Calendars(project, date(2027, 12, 31))
    out = []
    for t in tasks:
        if t.id not in starts:
            continue
        start = D(starts[t.id])
        days, d = [], start
        while len(days) < t.days:
            if cal.is_working(t.calendar, d):
                days.append(d)
            d += timedelta(1)
        end = days[-1]
        if finish and t.id in finish:  # a hand-edited finish: no days list (as in a ledger)
            end, days = D(finish[t.id]), []
        out.append(ScheduledTask(id=t.id, name=t.name, trade=t.trade, kind=t.kind, work=t.work, zone=t.zone,
                                 building=t.building, start=start, finish=end, days=days, noisy=t.noisy,
                                 underground=t.underground, surface=t.surface, equipment=list(t.equipment),
                                 after=list(t.after)))
    ops = []
    if openings:
        by_id = {s.id: s for s in out}
        for t in tasks:
            if t.kind == "excavate" and f"{t.zone}:backfill" in by_id:
                ops.append(Opening(zone=t.zone, from_=by_id[t.id].start, to=by_id[f"{t.zone}:backfill"].finish))
    return Schedule(project=project.project.id, tasks=out, openings=ops)


def moved(basic, changes: dict[str, str], finish: dict[str, str] | None = None) -> list[Violation]:
    project, tasks = basic
    starts = {**VALID, **changes}
    assert set(starts) == set(VALID)
    return check_schedule(project, tasks, build(project, tasks, starts, finish=finish))


def rules(vs: list[Violation]) -> set[str]:
    return {v.rule for v in vs}


def only(vs: list[Violation], rule: str) -> list[Violation]:
    assert rules(vs) == {rule}, "\n".join(map(str, vs))
    return vs


# ------------------------------------------------------------------------------------------ valid

def test_fixture_tasks_are_the_valid_keys(basic):
    _, tasks = basic
    assert {t.id for t in tasks} == set(VALID)


def test_valid_schedule_passes(basic):
    project, tasks = basic
    sched = build(project, tasks, VALID)
    assert check_schedule(project, tasks, sched) == []
    facade = sched.task("facade-B1:building")
    assert facade.finish == D("2027-04-06") and D("2027-04-05") not in facade.days  # Qingming skipped


def test_valid_json_file_passes(basic, tmp_path):
    project, tasks = basic
    path = tmp_path / "schedule.json"
    path.write_text(build(project, tasks, VALID).to_json(), encoding="utf-8")
    sched = read_schedule_file(str(path), project, tasks)
    assert check_schedule(project, tasks, sched) == []


def write_ledger_csv(path: Path, sched: Schedule, edits: dict[str, tuple[str, str]] | None = None,
                     encoding: str = "utf-8-sig") -> None:
    """The ledger as the solver writes it; `edits` = hand-edited (start, finish) text per task id."""
    cols = ["id", "name", "trade", "contractor", "zone", "building", "start", "finish", "days", "noisy",
            "underground", "outage", "predecessors"]
    with path.open("w", newline="", encoding=encoding) as f:
        w = csv.writer(f)
        w.writerow(cols)
        for t in sched.tasks:
            start, finish = (edits or {}).get(t.id, (t.start.isoformat(), t.finish.isoformat()))
            w.writerow([t.id, t.name, t.trade or "", "", t.zone or "", t.building or "", start, finish, len(t.days),
                        t.noisy, t.underground, "", ";".join(t.after)])


def test_valid_csv_ledger_passes(basic, tmp_path):
    project, tasks = basic
    path = tmp_path / "schedule.csv"
    write_ledger_csv(path, build(project, tasks, VALID))
    sched = read_schedule_file(str(path), project, tasks)
    assert check_schedule(project, tasks, sched) == []
    assert sched.task("facade-B1:building").days[-1] == D("2027-04-06")  # working days rebuilt


def test_edited_csv_ledger_is_checked(basic, tmp_path):
    """A PM moves R2:restore by hand to the 中考 days of B2, writing dates the way Excel does (GBK CSV)."""
    project, tasks = basic
    path = tmp_path / "schedule.csv"
    write_ledger_csv(path, build(project, tasks, VALID), {"R2:restore": ("2027/4/1", "2027/4/1")},
                     encoding="gb18030")
    vs = check_schedule(project, tasks, read_schedule_file(str(path), project, tasks))
    assert [(v.rule, v.task, v.day) for v in vs] == [("R4", "R2:restore", D("2027-04-01"))]


def write_ledger_xlsx(path: Path, sched: Schedule, edits: dict[str, tuple] | None = None) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["id", "name", "trade", "zone", "start", "finish", "days"])
    for t in sched.tasks:
        start, finish = (edits or {}).get(t.id, (datetime.combine(t.start, datetime.min.time()),
                                                  datetime.combine(t.finish, datetime.min.time())))
        ws.append([t.id, t.name, t.trade, t.zone, start, finish, len(t.days)])
    wb.save(path)


def test_xlsx_ledger_valid_and_edited(basic, tmp_path):
    project, tasks = basic
    sched = build(project, tasks, VALID)
    path = tmp_path / "schedule.xlsx"
    write_ledger_xlsx(path, sched)
    assert check_schedule(project, tasks, read_schedule_file(str(path), project, tasks)) == []
    # The crane shaft moved by hand (text dates) onto R1's opening.
    write_ledger_xlsx(path, sched, {"E1:shaft": ("2027-03-09", "2027-03-10"),
                                    "E1:install": ("2027-03-11", "2027-03-12"),
                                    "E1:acceptance": ("2027-03-13", "2027-03-13")})
    vs = check_schedule(project, tasks, read_schedule_file(str(path), project, tasks))
    assert [(v.rule, v.task, v.day, v.until) for v in vs] == [
        ("R10", "E1:shaft", D("2027-03-09"), D("2027-03-10"))]


# ------------------------------------------------------------------------------------------ TASKS

def test_tasks_missing_unknown_duplicate(basic):
    project, tasks = basic
    sched = build(project, tasks, VALID)
    facade = sched.task("facade-B1:building")
    sched.tasks = [t for t in sched.tasks if t.id != "plant-trees:task"] + [
        facade, facade.model_copy(update={"id": "water-mian:test"})]
    vs = only(check_schedule(project, tasks, sched), "TASKS")
    by_task = {v.task: v for v in vs}
    assert set(by_task) == {"plant-trees:task", "facade-B1:building", "water-mian:test"}
    assert "missing" in by_task["plant-trees:task"].message
    assert "2 times" in by_task["facade-B1:building"].message
    assert "water-main:test" in by_task["water-mian:test"].message  # did you mean
    assert all(v.day is None for v in vs)


# ------------------------------------------------------------------------------------------ R1

def test_r1_lag_too_short(basic):
    # plant-trees finishes 03-23; facade needs 2 working days between: 03-24 alone is 1.
    v, = only(moved(basic, {"facade-B1:building": "2027-03-25"}), "R1")
    assert (v.task, v.day) == ("facade-B1:building", D("2027-03-25"))
    assert "lag of 2" in v.message and "plant-trees:task" in v.message


def test_r1_successor_starts_before_predecessor_finishes(basic):
    v, = only(moved(basic, {"plant-trees:task": "2027-03-31"}), "R1")
    assert (v.task, v.day) == ("facade-B1:building", D("2027-03-31"))
    assert "must start after plant-trees:task" in v.message


# ------------------------------------------------------------------------------------------ R2

def test_r2_crews(basic):
    v, = only(moved(basic, {"A1:restore": "2027-03-13"}), "R2")  # R1:restore is the paving crew's that day
    assert (v.task, v.day, v.until) == ("paving", D("2027-03-13"), None)
    assert "A1:restore" in v.message and "R1:restore" in v.message and "1 crew" in v.message


def test_r2_equipment_run_is_one_violation(basic):
    v, = only(moved(basic, {"demolish-shed:task": "2027-03-08"}), "R2")  # with R1:excavate on 03-08/09
    assert (v.task, v.day, v.until) == ("excavator", D("2027-03-08"), D("2027-03-09"))
    assert "until 2027-03-09" in v.message and "capacity is 1" in v.message


def test_r2_counts_the_sundays_of_a_seven_day_trade(basic):
    """The elevator trade works Sundays: install moved onto Sunday 03-07 meets the shaft there."""
    vs = moved(basic, {"E1:install": "2027-03-07", "E1:acceptance": "2027-03-09"})
    assert ("R2", "elevator", D("2027-03-07")) in {(v.rule, v.task, v.day) for v in vs}
    assert rules(vs) == {"R1", "R2"}  # and install starts before the shaft finishes


# ------------------------------------------------------------------------------------------ R3

def test_r3_start_on_sunday(basic):
    vs = only(moved(basic, {"A1:restore": "2027-03-14"}), "R3")  # Sunday; works Monday 03-15
    assert [(v.task, v.day) for v in vs] == [("A1:restore", D("2027-03-14"))]
    assert "Sunday" in vs[0].message


def test_r3_wrong_number_of_working_days(basic):
    v, = only(moved(basic, {}, finish={"R2:restore": "2027-03-26"}), "R3")
    assert (v.task, v.day) == ("R2:restore", D("2027-03-25"))
    assert "2 working days" in v.message and "needs 1" in v.message


def test_r3_finish_on_qingming(basic):
    vs = only(moved(basic, {}, finish={"facade-B1:building": "2027-04-05"}), "R3")
    msgs = " | ".join(v.message for v in vs)
    assert {v.task for v in vs} == {"facade-B1:building"}
    assert "holiday" in msgs and "holds 4 working days" in msgs


def test_r3_finish_before_start(basic):
    v, = only(moved(basic, {}, finish={"R2:restore": "2027-03-24"}), "R3")
    assert "before it starts" in v.message


def test_r3_earliest(basic):
    v, = only(moved(basic, {"demolish-shed:task": "2027-03-02"}), "R3")
    assert (v.task, v.day) == ("demolish-shed:task", D("2027-03-02")) and "2027-03-03" in v.message


def test_r3_work_deadline(basic):
    v, = only(moved(basic, {"water-b2:cutover": "2027-05-06"}), "R3")
    assert (v.task, v.day) == ("water-b2:cutover", D("2027-05-06")) and "deadline 2027-04-30" in v.message


def test_r3_project_deadline(basic):
    v, = only(moved(basic, {"facade-B1:building": "2027-05-28"}), "R3")
    assert (v.task, v.day) == ("facade-B1:building", D("2027-06-02"))
    assert "project deadline" in v.message


def test_r3_days_list_must_match(basic):
    project, tasks = basic
    sched = build(project, tasks, VALID)
    facade = sched.task("facade-B1:building")
    facade.days = [d if d != D("2027-04-06") else D("2027-04-05") for d in facade.days]
    v, = only(check_schedule(project, tasks, sched), "R3")
    assert "2027-04-05" in v.message and "2027-04-06" in v.message


def test_r3_before_project_start(basic):
    vs = moved(basic, {"demolish-shed:task": "2027-02-26"})
    assert any(v.rule == "R3" and "project start" in v.message for v in vs)


# ------------------------------------------------------------------------------------------ R4

def test_r4_quiet_days_for_everybody(basic):
    v, = only(moved(basic, {"demolish-shed:task": "2027-03-22"}), "R4")
    assert (v.task, v.day, v.until) == ("demolish-shed:task", D("2027-03-22"), D("2027-03-23"))
    assert "高考" in v.message and "until 2027-03-23" in v.message


def test_r4_quiet_days_for_one_building(basic):
    """中考 lists B2: R2's restore (noisy, next to B2) may not work then; facade-B1 did, validly."""
    v, = only(moved(basic, {"R2:restore": "2027-04-01"}), "R4")
    assert (v.task, v.day) == ("R2:restore", D("2027-04-01")) and "中考" in v.message


# ------------------------------------------------------------------------------------------ R5

def test_r5_lay_while_backfilling(basic):
    v, = only(moved(basic, {"water-b2@R2:lay": "2027-03-20"}), "R5")  # R2:backfill is on 03-20
    assert (v.task, v.day) == ("water-b2@R2:lay", D("2027-03-20")) and "backfilled" in v.message


@pytest.mark.parametrize("length_m, lay_days", [(40, ["2027-03-02", "2027-03-03"]),
                                                 (60, ["2027-03-02", "2027-03-03", "2027-03-04"])])
def test_r5_lay_that_starts_before_backfill_and_runs_into_it(tmp_path, length_m, lay_days):
    """Road R1, a water main laid at 20 m a day: excavate Mon 03-01, lay from Tue 03-02, backfill Wed 03-03.
    The lay starts before the backfill but is still under way on 03-03 (2 days: ends on it; 3 days: runs
    past it): dig once is broken on 03-03, although the lay did not *start* after the backfill."""
    from test_solve import ROAD, pipeline, proj, write

    folder = write(tmp_path, proj([pipeline("w", {"R1": length_m}, rate=20)], zones=[ROAD("R1")]))
    project, _ = load_project(folder)
    tasks = expand(project)
    starts = {"R1:excavate": "2027-03-01", "w@R1:lay": "2027-03-02", "R1:backfill": "2027-03-03",
              "R1:restore": "2027-03-05"}
    sched = build(project, tasks, starts)
    assert [str(d) for d in sched.task("w@R1:lay").days] == lay_days
    v, = only(check_schedule(project, tasks, sched), "R5")
    assert (v.task, v.day) == ("w@R1:lay", D("2027-03-03")) and "backfilled" in v.message
    starts.update({"R1:backfill": "2027-03-05", "R1:restore": "2027-03-06"})  # after the lay: valid
    assert check_schedule(project, tasks, build(project, tasks, starts)) == []


def test_r5_lay_before_excavation(basic):
    v, = only(moved(basic, {"water-main@P1:lay": "2027-03-12"}), "R5")  # P1 is excavated on 03-13
    assert (v.task, v.day) == ("water-main@P1:lay", D("2027-03-12")) and "excavated" in v.message


def test_r5_surface_before_backfill(basic):
    v, = only(moved(basic, {"R2:restore": "2027-03-19"}), "R5")
    assert (v.task, v.day) == ("R2:restore", D("2027-03-19"))


def test_r5_listed_openings_must_match(basic):
    project, tasks = basic
    sched = build(project, tasks, VALID)
    sched.openings[0] = Opening(zone=sched.openings[0].zone, from_=D("2027-03-09"), to=sched.openings[0].to)
    sched.openings.append(Opening(zone="A2", from_=D("2027-03-01"), to=D("2027-03-02")))
    vs = only(check_schedule(project, tasks, sched), "R5")
    assert {v.task for v in vs} == {"R1", "A2"}
    sched.openings = sched.openings[1:3]  # R1's opening now missing from the list
    assert any(v.task == "R1" and "missing" in v.message for v in check_schedule(project, tasks, sched))


# ------------------------------------------------------------------------------------------ R6

def test_r6_entrance_cut(basic):
    """P1 dug on 03-10 while R1 is open (03-08..03-12): B1-1's only ways out are cut."""
    v, = only(moved(basic, {"P1:excavate": "2027-03-10"}), "R6")
    assert (v.task, v.day, v.until) == ("B1-1", D("2027-03-10"), D("2027-03-12"))
    assert "R1, P1" in v.message and "until 2027-03-12" in v.message


def test_r6_fire_access(basic):
    """R1 and R2 (both gates' roads) open together on 03-10..03-12: no fire engine gets in."""
    vs = only(moved(basic, {"R2:excavate": "2027-03-10"}), "R6")
    got = {(v.task, v.day, v.until) for v in vs}
    assert {("B1", D("2027-03-10"), D("2027-03-12")), ("B2", D("2027-03-10"), D("2027-03-12"))} <= got
    assert ("B2-1", D("2027-03-13"), D("2027-03-16")) in got  # then P1 + R2 cut B2's door
    fire = next(v for v in vs if v.task == "B1")
    assert "fire" in fire.message and "R1, R2" in fire.message


def variant(tmp_path, old: str, new: str):
    """The fixture with one line of project.yaml changed: (project, tasks)."""
    text = (BASIC / "project.yaml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "project.yaml").write_text(text.replace(old, new), encoding="utf-8")
    project, _ = load_project(tmp_path)
    return project, expand(project)


def test_r6_entrance_whose_only_way_out_is_dug(tmp_path):
    """Without the P1–A2 link, B2's door reaches the gates only over R2, which is dug 03-17..03-20."""
    project, tasks = variant(tmp_path, "links: [A1, A2]}", "links: [A1]}")
    v, = only(check_schedule(project, tasks, build(project, tasks, VALID)), "R6")
    assert (v.task, v.day, v.until) == ("B2-1", D("2027-03-17"), D("2027-03-20"))
    assert "open R2 cuts it" in v.message


def test_r6_entrance_on_an_unplated_zone(tmp_path):
    """A1 carries B1's door; without steel plates its opening (03-01..03-04) shuts the door."""
    project, tasks = variant(tmp_path, "passable_when_open: people, ", "")
    v, = only(check_schedule(project, tasks, build(project, tasks, VALID)), "R6")
    assert (v.task, v.day, v.until) == ("B1-1", D("2027-03-01"), D("2027-03-04"))
    assert "open A1 cuts it" in v.message


# ------------------------------------------------------------------------------------------ R7

def test_r7_max_open_days(basic):
    v, = only(moved(basic, {"A1:backfill": "2027-03-10", "A1:restore": "2027-03-11"}), "R7")
    assert (v.task, v.day) == ("A1", D("2027-03-01")) and "10 calendar days" in v.message


def test_r7_max_open_zones(tmp_path):
    project, tasks = variant(tmp_path, "max_open_zones: 2", "max_open_zones: 1")
    starts = {**VALID, "A1:backfill": "2027-03-10", "A1:restore": "2027-03-11"}  # A1 open with R1 on 03-08..10
    vs = only(check_schedule(project, tasks, build(project, tasks, starts)), "R7")
    site = next(v for v in vs if v.task == "site")
    assert (site.day, site.until) == (D("2027-03-08"), D("2027-03-10")) and "R1, A1" in site.message


# ------------------------------------------------------------------------------------------ R8

def test_r8_season(basic):
    v, = only(moved(basic, {"plant-trees:task": "2027-03-15"}), "R8")
    assert (v.task, v.day, v.until) == ("plant-trees:task", D("2027-03-15"), D("2027-03-16"))
    assert "不植树" in v.message


# ------------------------------------------------------------------------------------------ R9

def test_r9_outage_on_quiet_day(basic):
    v, = only(moved(basic, {"water-b2:cutover": "2027-03-24"}), "R9")
    assert (v.task, v.day) == ("water-b2:cutover", D("2027-03-24")) and "高考" in v.message


def test_r9_two_outages_three_days_apart(basic):
    v, = only(moved(basic, {"water-b2:cutover": "2027-03-20"}), "R9")
    assert (v.task, v.day) == ("water-b2:cutover", D("2027-03-20"))
    assert "3 days after" in v.message and "water-main:cutover" in v.message and "B2" in v.message


def test_r9_six_days_apart_fails_seven_passes(basic):
    assert rules(moved(basic, {"water-main:cutover": "2027-03-18", "water-b2:cutover": "2027-03-24"})) == {"R9"}
    assert moved(basic, {"water-main:cutover": "2027-03-18", "water-b2:cutover": "2027-03-25"}) == []


def test_r9_overlapping_outages(basic):
    vs = moved(basic, {"water-main:cutover": "2027-03-25"})  # same day as water-b2:cutover
    assert rules(vs) == {"R2", "R9"}  # the water crew is double-booked too
    v = next(v for v in vs if v.rule == "R9")
    assert "overlaps" in v.message and v.day == D("2027-03-25")


# ------------------------------------------------------------------------------------------ R10

def test_r10_crane_on_open_zone(basic):
    """R1 excavated from Saturday 03-06 while E1's crane stands on it on 03-06/07."""
    v, = only(moved(basic, {"R1:excavate": "2027-03-06"}), "R10")
    assert (v.task, v.day, v.until) == ("E1:shaft", D("2027-03-06"), D("2027-03-07"))
    assert "R1" in v.message


# ------------------------------------------------------------------------------------------ order, format

def test_violations_sorted_by_rule_day_task(basic):
    vs = moved(basic, {"R1:excavate": "2027-03-06", "demolish-shed:task": "2027-03-22",
                       "water-b2:cutover": "2027-03-20", "plant-trees:task": "2027-03-15"})
    assert [v.rule for v in vs] == ["R4", "R8", "R9", "R10"]
    assert str(vs[0]) == ("R4 demolish-shed:task 2027-03-22: noisy work on a quiet day of 高考 "
                          "(until 2027-03-23, 2 working days)")


def test_parse_date_formats():
    assert parse_date("2027-03-08") == parse_date("2027/3/8") == parse_date("2027-03-08 00:00:00") == D("2027-03-08")
    assert parse_date(datetime(2027, 3, 8, 0, 0)) == D("2027-03-08")
    for bad in ("", "08/03/2027", "2027-02-30", "soon"):
        with pytest.raises(ValueError):
            parse_date(bad)


# ------------------------------------------------------------------------------------------ bad files

def problems_of(path, basic) -> list[str]:
    project, tasks = basic
    with pytest.raises(InputError) as exc:
        read_schedule_file(str(path), project, tasks)
    return [str(p) for p in exc.value.problems]


def test_ledger_missing_column(basic, tmp_path):
    path = tmp_path / "schedule.csv"
    path.write_text("id,start,end\nA1:excavate,2027-03-01,2027-03-01\n", encoding="utf-8")
    msg, = problems_of(path, basic)
    assert "row 1" in msg and "missing column 'finish'" in msg


def test_ledger_bad_dates_and_duplicates(basic, tmp_path):
    path = tmp_path / "schedule.csv"
    path.write_text("id,start,finish\nA1:excavate,2027-13-01,2027-03-01\nA1:restore,,2027-03-05\n"
                    "R1:excavate,2027-03-08,2027-03-09\nR1:excavate,2027-03-08,2027-03-09\n", encoding="utf-8")
    msgs = problems_of(path, basic)
    assert any("row 2, column start" in m and "'2027-13-01'" in m and "YYYY-MM-DD" in m for m in msgs)
    assert any("row 3, column start" in m and "empty" in m for m in msgs)
    path.write_text("id,start,finish\nR1:excavate,2027-03-08,2027-03-09\nR1:excavate,2027-03-08,2027-03-09\n",
                    encoding="utf-8")
    msg, = problems_of(path, basic)
    assert "row 3, column id" in msg and "listed twice (also row 2)" in msg


def test_json_bad_date_wrong_project_and_syntax(basic, tmp_path):
    project, tasks = basic
    data = json.loads(build(project, tasks, VALID).to_json())
    data["tasks"][3]["start"] = "2027-03-32"
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    msg, = problems_of(path, basic)
    assert "tasks[3].start" in msg and "is not a date" in msg and data["tasks"][3]["id"] in msg
    data = json.loads(build(project, tasks, VALID).to_json())
    data["project"] = "hepingli"
    path.write_text(json.dumps(data), encoding="utf-8")
    msg, = problems_of(path, basic)
    assert "'hepingli'" in msg and "'check-basic'" in msg
    path.write_text("{\"tasks\": [", encoding="utf-8")
    msg, = problems_of(path, basic)
    assert "not valid JSON" in msg and f"{path}:1:" in msg


def test_unknown_file_type_and_broken_xlsx(basic, tmp_path):
    (tmp_path / "schedule.txt").write_text("x", encoding="utf-8")
    assert "not a schedule file" in problems_of(tmp_path / "schedule.txt", basic)[0]
    (tmp_path / "schedule.xlsx").write_bytes(b"not a zip")
    assert "not a readable Excel workbook" in problems_of(tmp_path / "schedule.xlsx", basic)[0]


# ------------------------------------------------------------------------------------------ CLI

def run_cli(*args):
    return CliRunner().invoke(main, ["check", *map(str, args)])


def test_cli_valid_exit_0(basic, tmp_path):
    project, tasks = basic
    path = tmp_path / "schedule.json"
    path.write_text(build(project, tasks, VALID).to_json(), encoding="utf-8")
    res = run_cli(BASIC, path)
    assert res.exit_code == 0, res.output
    assert "valid" in res.output


def test_cli_violations_exit_1(basic, tmp_path):
    project, tasks = basic
    starts = {**VALID, "R1:excavate": "2027-03-06", "plant-trees:task": "2027-03-15"}
    path = tmp_path / "schedule.csv"
    write_ledger_csv(path, build(project, tasks, starts))
    res = run_cli(BASIC, path)
    assert res.exit_code == 1, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith("R8 plant-trees:task 2027-03-15: ")
    assert lines[1].startswith("R10 E1:shaft 2027-03-06: ")
    assert "R10" in lines[-1] and "R8" in lines[-1]


@pytest.mark.parametrize("content, expected", [
    ("id,start\nA1:excavate,2027-03-01\n", "missing column 'finish'"),
    ("id,start,finish\nA1:excavate,2027-03-01,tomorrow\n", "'tomorrow' is not a date"),
])
def test_cli_broken_file_exit_2(tmp_path, content, expected):
    path = tmp_path / "schedule.csv"
    path.write_text(content, encoding="utf-8")
    res = run_cli(BASIC, path)
    assert res.exit_code == 2, res.output
    assert expected in res.output and "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


# ------------------------------------------------------------------------------------------ from mutants
# Cases the mutation benchmark (docs/benchmarks.md) found unjudged.

def test_r1_a_lag_met_exactly_passes(basic):
    """plant-trees works 03-22..03-23; with a lag of 2 working days (03-24, 03-25) the facade may start on
    Fri 03-26, and not a day earlier."""
    assert moved(basic, {"facade-B1:building": "2027-03-26"}) == []
    v, = only(moved(basic, {"facade-B1:building": "2027-03-25"}), "R1")
    assert "starts 1 working day after plant-trees:task" in v.message and "lag of 2" in v.message


def on_day(schedule: Schedule, tid: str, day: str) -> Schedule:
    """A copy with one task moved onto one day."""
    s = schedule.model_copy(deep=True)
    t = s.task(tid)
    t.start = t.finish = D(day)
    t.days = [D(day)]
    return s


def test_r1_every_predecessor_is_judged(hand):
    """conftest's HAND: the paving (after A1's backfill, the lay and the cutover, all done by Mon 03-08) moved
    onto 03-08 itself. Before the backfill is dig once (R5); before the cutover is R1 — reported although an
    earlier predecessor was an R5 case, and although another predecessor is missing from the schedule."""
    project, tasks, s = hand
    early = on_day(s, "pave@A1:paving", "2027-03-08")
    got = [(v.rule, v.task, v.day) for v in check_schedule(project, tasks, early)]
    assert got == [("R1", "pave@A1:paving", D("2027-03-08")), ("R5", "pave@A1:paving", D("2027-03-08"))]
    assert "water:cutover" in check_schedule(project, tasks, early)[0].message
    no_lay = early.model_copy(update={"tasks": [t for t in early.tasks if t.id != "water@A1:lay"]})
    got = [(v.rule, v.task) for v in check_schedule(project, tasks, no_lay)]
    assert got == [("TASKS", "water@A1:lay"), ("R1", "pave@A1:paving"), ("R5", "pave@A1:paving")]


def test_r3_boundaries_are_allowed(basic):
    """Start on the earliest day, finish on the deadline: both allowed (SPEC §3 R3: start ≥ earliest,
    finish ≤ deadline). demolish-shed (earliest 03-03) on 03-03..03-04; the facade (5 days, project deadline
    05-31) from Wed 05-26 over Sunday 05-30 to Mon 05-31; a day later each is a violation."""
    assert moved(basic, {"demolish-shed:task": "2027-03-03"}) == []
    v, = only(moved(basic, {"demolish-shed:task": "2027-03-02"}), "R3")
    assert (v.task, v.day) == ("demolish-shed:task", D("2027-03-02")) and "earliest date 2027-03-03" in v.message
    assert moved(basic, {"facade-B1:building": "2027-05-26"}) == []
    v, = only(moved(basic, {"facade-B1:building": "2027-05-27"}), "R3")
    assert (v.task, v.day) == ("facade-B1:building", D("2027-06-01")) and "project deadline" in v.message


def test_r4_names_the_quiet_period_on_its_last_day(basic):
    v, = only(moved(basic, {"demolish-shed:task": "2027-03-24"}), "R4")  # noisy 03-24 (高考's last day), 03-25
    assert (v.task, v.day, v.until) == ("demolish-shed:task", D("2027-03-24"), None) and "高考" in v.message


def test_r5_backfill_on_the_day_the_excavation_finishes(hand):
    """HAND's A1 is dug on Thu 03-04; a backfill on that same day does not come after the excavation (R5)."""
    project, tasks, s = hand
    same = on_day(s, "A1:backfill", "2027-03-04")
    same.openings = [o.model_copy(update={"to": D("2027-03-04")}) for o in same.openings]
    got = [(v.rule, v.task, v.day) for v in check_schedule(project, tasks, same)]
    assert ("R5", "A1:backfill", D("2027-03-04")) in got


def test_replan_history_is_judged_as_it_happened(hand_replan):
    """conftest's re-plan of HAND at Fri 03-05: the excavation done 03-04, the lay started 03-05 for 6 days."""
    project, tasks, _base, new = hand_replan
    assert check_schedule(project, tasks, new) == []
    # The excavation really ran Wed 03-03..Thu 03-04, before the project start: it happened, it is history
    # before as-of, nobody can change it, so the referee does not hold it against the plan. Judged as a plan
    # (no as-of), the same dates break R3.
    early = new.model_copy(deep=True)
    ex = early.task("A1:excavate")
    ex.start, ex.days = D("2027-03-03"), [D("2027-03-03"), D("2027-03-04")]
    early.openings = [o.model_copy(update={"from_": D("2027-03-03")}) for o in early.openings]
    assert check_schedule(project, tasks, early) == []
    plain_plan = [(v.rule, v.task, v.day) for v in check_schedule(project, tasks, early.model_copy(update={"as_of": None}))]
    assert ("R3", "A1:excavate", D("2027-03-03")) in plain_plan  # before the project start
    assert ("R3", "water@A1:lay", D("2027-03-05")) in plain_plan  # 6 working days, where the plan had 1
    # unreported work before as-of: R3, on its first day
    unreported = new.model_copy(deep=True)
    unreported.task("A1:excavate").status = None
    v, = check_schedule(project, tasks, unreported)
    assert (v.rule, v.task, v.day) == ("R3", "A1:excavate", D("2027-03-04")) and "neither done nor started" in v.message
    # reported done, but still working on or after as-of
    done = new.model_copy(deep=True)
    done.task("water@A1:lay").status = "done"
    v, = check_schedule(project, tasks, done)
    assert (v.rule, v.task, v.day) == ("R3", "water@A1:lay", D("2027-03-12")) and "reported done" in v.message
    # planned work may start on the as-of day itself: as of Mon 03-15 the backfill and cutover start then
    assert check_schedule(project, tasks, new.model_copy(update={"as_of": D("2027-03-15")})) == []


def test_r5_underground_on_the_day_the_excavation_finishes(hand):
    """Underground work starts after the excavation finishes: HAND's lay moved onto the excavation's day."""
    project, tasks, s = hand
    got = [(v.rule, v.task, v.day) for v in check_schedule(project, tasks, on_day(s, "water@A1:lay", "2027-03-04"))]
    assert got == [("R5", "water@A1:lay", D("2027-03-04"))]


def test_a_schedule_without_its_backfill_is_judged_not_crashed(hand):
    project, tasks, s = hand
    partial = s.model_copy(update={"tasks": [t for t in s.tasks if t.id != "A1:backfill"]})
    got = {(v.rule, v.task) for v in check_schedule(project, tasks, partial)}
    assert ("TASKS", "A1:backfill") in got


def test_r7_an_opening_of_exactly_max_open_days_passes(basic):
    """A1 (max_open_days 6) open Mon 03-01 .. Sat 03-06 is 6 calendar days: allowed; to Mon 03-08, 8: not."""
    assert moved(basic, {"A1:backfill": "2027-03-06", "A1:restore": "2027-03-08"}) == []
    v = next(v for v in moved(basic, {"A1:backfill": "2027-03-08", "A1:restore": "2027-03-09"}) if v.rule == "R7")
    assert (v.task, v.day) == ("A1", D("2027-03-01")) and "8 calendar days" in v.message  # (and civil is busy)


def test_r8_a_season_that_forbids_a_task_kind(hand):
    """A one-day season (Thu 03-04) forbidding kind `excavate`: HAND's excavation is on that very day."""
    from models.project import Season

    project, tasks, s = hand
    p = project.model_copy(deep=True)
    p.calendar.seasons.append(Season(name="禁挖日", from_=D("2027-03-04"), to=D("2027-03-04"), forbid=["excavate"]))
    v, = check_schedule(p, tasks, s)
    assert (v.rule, v.task, v.day) == ("R8", "A1:excavate", D("2027-03-04"))
    assert "禁挖日" in v.message and "forbids kind excavate" in v.message


def test_r9_names_the_quiet_period_on_its_first_day(basic):
    vs = only(moved(basic, {"water-b2:cutover": "2027-03-22"}), "R9")  # 高考's first day, 5 days after 03-17
    quiet = next(v for v in vs if "quiet day" in v.message)
    assert (quiet.task, quiet.day) == ("water-b2:cutover", D("2027-03-22")) and "高考" in quiet.message
    assert any("5 days after" in v.message for v in vs)


def test_r9_gap_checked_past_an_outage_of_another_type(tmp_path):
    """check_basic with a gas cutover for B2 listed between the two water works: the water outages 3 days
    apart are still found (outages of different types never constrain each other)."""
    gas = ("  - {id: gas-b2, type: pipeline, trade: water, runs: {P1: 20}, rate: 20,\n"
           "     cutover: {outage: gas, serves: [B2], days: 1}}\n  - id: water-b2\n")
    project, tasks = variant(tmp_path, "  - id: water-b2\n", gas)
    order = [t.id for t in tasks if t.outage]
    assert order == ["water-main:cutover", "gas-b2:cutover", "water-b2:cutover"]
    starts = {**VALID, "gas-b2@P1:lay": "2027-03-15", "gas-b2:cutover": "2027-03-18", "water-b2:cutover": "2027-03-20"}
    starts["water-main@P1:lay"] = "2027-03-13"  # P1 holds both lays (P1 dug 03-13..03-16; water crew: one a day)
    vs = [v for v in check_schedule(project, tasks, build(project, tasks, starts)) if v.rule == "R9"]
    assert [(v.task, v.day) for v in vs] == [("water-b2:cutover", D("2027-03-20"))]
    assert "3 days after the water outage water-main:cutover" in vs[0].message


def test_why_a_day_is_off(basic):
    """Messages say why: the project's workweek, a trade's own workweek, the statutory holiday by name."""
    v, = only(moved(basic, {"A1:restore": "2027-03-14"}), "R3")
    assert v.message.endswith("a Sunday, not in the project workweek")
    vs = only(moved(basic, {}, finish={"facade-B1:building": "2027-04-05"}), "R3")
    assert any("a statutory holiday (" in v.message for v in vs)
    v = Violation("TASKS", "x:task", None, "is missing from the schedule")
    assert str(v) == "TASKS x:task: is missing from the schedule"


def test_every_violation_names_its_task_and_day(basic):
    """SPEC §8 check: each violation with rule, task and day. Openings listed wrongly (R5): a second opening of
    R1 listed from 03-20, A2 never dug but listed from 03-01, A1 listed from 03-02 instead of 03-01, P1
    missing from the list; a finish on Qingming (Mon 04-05); a finish before the start."""
    project, tasks = basic
    sched = build(project, tasks, VALID)
    by_zone = {o.zone: o for o in sched.openings}
    sched.openings = [by_zone["A1"].model_copy(update={"from_": D("2027-03-02")}), by_zone["R1"], by_zone["R2"],
                      Opening(zone="R1", from_=D("2027-03-20"), to=D("2027-03-21")),
                      Opening(zone="A2", from_=D("2027-03-01"), to=D("2027-03-02"))]
    got = {(v.task, v.day, v.message.split(":")[0]) for v in only(check_schedule(project, tasks, sched), "R5")}
    assert got == {("A1", D("2027-03-02"), "opening is listed as 2027-03-02..2027-03-04 but its excavation and "
                                           "backfill make it 2027-03-01..2027-03-04"),
                   ("R1", D("2027-03-20"), "R1 is listed with a second opening 2027-03-20..2027-03-21"),
                   ("A2", D("2027-03-01"), "opening 2027-03-01..2027-03-02 is listed but no scheduled "
                                           "excavation/backfill opens A2"),
                   ("P1", D("2027-03-13"), "opening 2027-03-13..2027-03-16 is missing from the schedule's openings")}
    holiday = {(v.task, v.day) for v in moved(basic, {}, finish={"facade-B1:building": "2027-04-05"})}
    assert ("facade-B1:building", D("2027-04-05")) in holiday
    v, = only(moved(basic, {}, finish={"R2:restore": "2027-03-24"}), "R3")
    assert (v.task, v.day) == ("R2:restore", D("2027-03-25"))

"""The referee `digonce check`: a hand-checked valid schedule passes; each rule, broken alone, is named.

Fixture: tests/projects/check_basic (see the map in its project.yaml). Calendar facts used below:
2027-03-01 is a Monday; the workweek is Mon–Sat (the elevator trade works Mon–Sun); 2027-04-05
(Qingming) and 2027-05-01..04 are holidays. The site rules v2 (per-run tests, inspection hold points,
lifts that occupy crane zones, open-trench seasons) each get a small project of their own below.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from models import InputError, load_project
from models.schedule import Occupation, Opening, Schedule, ScheduledTask
from scheduler.cli import main
from scheduler.planning.calendars import Calendars
from scheduler.planning.expand import expand
from scheduler.review.check import Violation, check_schedule, parse_date, read_schedule_file

BASIC = Path(__file__).parent / "projects" / "check_basic"

D = date.fromisoformat

# A valid schedule, checked by hand against R1–R10 (starts; finishes follow from the calendars).
# Openings: A1 03-01..03-05, R1 03-08..03-15, P1 03-16..03-20, R2 03-25..03-30 — never two of R1/P1/R2.
# In every zone: excavate → lay → test (water-main) → inspect → backfill → restore, each on a later day.
VALID = {
    "A1:excavate": "2027-03-01",
    "E1:relocate": "2027-03-02",
    "E1:foundation": "2027-03-03",
    "A1:inspect": "2027-03-04",
    "E1:curing": "2027-03-04",        # 2 calendar days: 03-04, 03-05
    "A1:backfill": "2027-03-05",
    "A1:restore": "2027-03-06",
    "E1:lift": "2027-03-06",          # Sat + Sun (the elevator trade works Sundays): crane on R1, not open yet
    "E1:shaft": "2027-03-08",
    "E1:install": "2027-03-10",
    "E1:acceptance": "2027-03-12",
    "R1:excavate": "2027-03-08",
    "water-main@R1:lay": "2027-03-10",
    "water-main@R1:test": "2027-03-12",
    "R1:inspect": "2027-03-13",
    "R1:backfill": "2027-03-15",
    "R1:restore": "2027-03-16",
    "P1:excavate": "2027-03-16",
    "water-main@P1:lay": "2027-03-17",
    "water-main@P1:test": "2027-03-18",
    "P1:inspect": "2027-03-19",
    "water-main:cutover": "2027-03-19",
    "demolish-shed:task": "2027-03-19",
    "P1:backfill": "2027-03-20",
    "P1:restore": "2027-03-22",       # a path: quiet restore, so the 高考 days are fine
    "plant-trees:task": "2027-03-22",  # quiet days 03-22..24 hold nothing noisy
    "R2:excavate": "2027-03-25",
    "water-b2@R2:lay": "2027-03-27",
    "R2:inspect": "2027-03-29",
    "water-b2:commission": "2027-03-29",
    "R2:backfill": "2027-03-30",
    "water-b2:cutover": "2027-03-30",  # 11 days after water-main:cutover
    "R2:restore": "2027-03-31",
    "facade-B1:building": "2027-03-31",  # noisy at B1 on 04-01/02 (中考 is for B2 only); spans Qingming → 04-06
}


@pytest.fixture(scope="module")
def basic():
    project, _ = load_project(BASIC)
    return project, expand(project)


def build(project, tasks, starts: dict[str, str], *, finish: dict[str, str] | None = None,
          openings: bool = True) -> Schedule:
    """A schedule from start dates: each finish is the task's `days`-th working day of its calendar. With
    `openings`, it lists the openings and occupations its tasks make, as schedule.json does."""
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
    ops, occ = [], []
    if openings:
        by_id = {s.id: s for s in out}
        for t in tasks:
            if t.kind == "excavate" and f"{t.zone}:backfill" in by_id:
                ops.append(Opening(zone=t.zone, from_=by_id[t.id].start, to=by_id[f"{t.zone}:backfill"].finish))
            if t.crane_zones and t.id in by_id:
                occ += [Occupation(zone=z, from_=by_id[t.id].start, to=by_id[t.id].finish, task=t.id,
                                   fire_plan=t.fire_plan) for z in t.crane_zones]
    return Schedule(project=project.project.id, tasks=out, openings=ops, occupations=occ)


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


# Small projects for the site rules v2, written from plain data.

def small(tmp_path: Path, data: dict):
    """A project written from plain data: (project, tasks)."""
    (tmp_path / "project.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                           encoding="utf-8")
    project, _ = load_project(tmp_path)
    return project, expand(project)


def site(zones: list[dict], works: list[dict], *, buildings: list[dict] | None = None, trades: dict | None = None,
         calendar: dict | None = None, **site_fields) -> dict:
    """Gate N on road G (never dug); B1's door and fire zone on G unless `buildings` says otherwise."""
    return {
        "version": 1,
        "project": {"id": "check-v2", "name": "规则二", "start": "2027-03-01"},
        "calendar": calendar or {},
        "trades": {"civil": {"crews": 2, "excavate_rate": 20, "backfill_rate": 20}, "water": {"crews": 1},
                   "paving": {"crews": 2}, "elevator": {"crews": 1}, **(trades or {})},
        "equipment": {"crane": 1},
        "site": {"gates": [{"id": "N", "zone": "G"}], "zones": [{"id": "G", "kind": "road"}, *zones],
                 "buildings": buildings or [{"id": "B1", "households": 10, "fire_zones": ["G"],
                                             "entrances": [{"id": "B1-1", "zone": "G"}]}],
                 **site_fields},
        "works": works,
    }


def road(zid: str, **kw) -> dict:
    return {"id": zid, "kind": "road", "length_m": 20, "links": ["G"], **kw}


def elevator(crane_zones: list[str], **kw) -> dict:
    """E1 at B1 with its pit in apron A1: relocate, foundation 1 day; curing 2; lift 2; the rest 1 day each."""
    return {"id": "E1", "type": "elevator", "building": "B1", "zone": "A1", "crane_zones": crane_zones,
            "days": {"relocate": 1, "foundation": 1, "curing": 2, "lift": 2, "shaft": 1, "install": 1,
                     "acceptance": 1}, **kw}


# The pit A1 of `elevator()`, dug, inspected and backfilled in the first week; the lift on Sat 03-06 and
# Mon 03-08 (the elevator trade keeps the project's Mon–Sat workweek): its crane stands 03-06..03-08.
PIT = {"A1:excavate": "2027-03-01", "E1:relocate": "2027-03-02", "E1:foundation": "2027-03-03",
       "A1:inspect": "2027-03-04", "E1:curing": "2027-03-04", "A1:backfill": "2027-03-05", "A1:restore": "2027-03-06",
       "E1:lift": "2027-03-06", "E1:shaft": "2027-03-09", "E1:install": "2027-03-10", "E1:acceptance": "2027-03-11"}


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
    # The lift moved by hand (text dates) onto R1's opening; a ledger lists no occupations, and needs none.
    write_ledger_xlsx(path, sched, {"E1:lift": ("2027-03-09", "2027-03-10"),
                                    "E1:shaft": ("2027-03-11", "2027-03-12"),
                                    "E1:install": ("2027-03-13", "2027-03-14"),
                                    "E1:acceptance": ("2027-03-15", "2027-03-15")})
    vs = check_schedule(project, tasks, read_schedule_file(str(path), project, tasks))
    assert [(v.rule, v.task, v.day, v.until) for v in vs] == [
        ("R10", "E1:lift", D("2027-03-09"), D("2027-03-10"))]


# ------------------------------------------------------------------------------------------ TASKS

def test_tasks_missing_unknown_duplicate(basic):
    project, tasks = basic
    sched = build(project, tasks, VALID)
    facade = sched.task("facade-B1:building")
    sched.tasks = [t for t in sched.tasks if t.id != "plant-trees:task"] + [
        facade, facade.model_copy(update={"id": "water-main@R1:tset"})]
    vs = only(check_schedule(project, tasks, sched), "TASKS")
    by_task = {v.task: v for v in vs}
    assert set(by_task) == {"plant-trees:task", "facade-B1:building", "water-main@R1:tset"}
    assert "missing" in by_task["plant-trees:task"].message
    assert "2 times" in by_task["facade-B1:building"].message
    assert "water-main@R1:test" in by_task["water-main@R1:tset"].message  # did you mean
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
    v, = only(moved(basic, {"A1:restore": "2027-03-16"}), "R2")  # R1:restore is the paving crew's that day
    assert (v.task, v.day, v.until) == ("paving", D("2027-03-16"), None)
    assert "A1:restore" in v.message and "R1:restore" in v.message and "1 crew" in v.message


def test_r2_equipment_run_is_one_violation(basic):
    v, = only(moved(basic, {"demolish-shed:task": "2027-03-08"}), "R2")  # with R1:excavate on 03-08/09
    assert (v.task, v.day, v.until) == ("excavator", D("2027-03-08"), D("2027-03-09"))
    assert "until 2027-03-09" in v.message and "capacity is 1" in v.message


def test_r2_counts_the_sundays_of_a_seven_day_trade(basic):
    """The elevator trade works Sundays: install moved onto Sunday 03-07 meets the lift there."""
    vs = moved(basic, {"E1:install": "2027-03-07", "E1:acceptance": "2027-03-09"})
    assert ("R2", "elevator", D("2027-03-07")) in {(v.rule, v.task, v.day) for v in vs}
    assert rules(vs) == {"R1", "R2"}  # and install starts before the shaft finishes


# ------------------------------------------------------------------------------------------ R3

def test_r3_start_on_sunday(basic):
    vs = only(moved(basic, {"A1:restore": "2027-03-14"}), "R3")  # Sunday; works Monday 03-15
    assert [(v.task, v.day) for v in vs] == [("A1:restore", D("2027-03-14"))]
    assert "Sunday" in vs[0].message


def test_r3_wrong_number_of_working_days(basic):
    v, = only(moved(basic, {}, finish={"P1:restore": "2027-03-23"}), "R3")
    assert (v.task, v.day) == ("P1:restore", D("2027-03-22"))
    assert "2 working days" in v.message and "needs 1" in v.message


def test_r3_finish_on_qingming(basic):
    vs = only(moved(basic, {}, finish={"facade-B1:building": "2027-04-05"}), "R3")
    msgs = " | ".join(v.message for v in vs)
    assert {v.task for v in vs} == {"facade-B1:building"}
    assert "holiday" in msgs and "holds 4 working days" in msgs


def test_r3_finish_before_start(basic):
    v, = only(moved(basic, {}, finish={"R2:restore": "2027-03-29"}), "R3")
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
    """The lay moved onto R2's backfill day (its commission and cutover after it): dig once is broken (R5), and
    R2's inspection, signed off the day before, came before the lay it was to inspect (R1, expansion order)."""
    vs = moved(basic, {"water-b2@R2:lay": "2027-03-30", "water-b2:commission": "2027-03-31",
                       "water-b2:cutover": "2027-04-03"})
    assert [(v.rule, v.task, v.day) for v in vs] == [("R1", "R2:inspect", D("2027-03-29")),
                                                     ("R5", "water-b2@R2:lay", D("2027-03-30"))]
    assert "backfilled" in vs[1].message and "water-b2@R2:lay" in vs[0].message


@pytest.mark.parametrize("length_m, lay_days", [(40, ["2027-03-02", "2027-03-03"]),
                                                 (60, ["2027-03-02", "2027-03-03", "2027-03-04"])])
def test_r5_lay_that_starts_before_backfill_and_runs_into_it(tmp_path, length_m, lay_days):
    """Road R1, a water main laid at 20 m a day: excavate Mon 03-01, lay from Tue 03-02, backfill Wed 03-03.
    The lay starts before the backfill but is still under way on 03-03 (2 days: ends on it; 3 days: runs
    past it): dig once is broken on 03-03, although the lay did not *start* after the backfill.
    `inspection_days: 0`: this is about the lay and the backfill; a hold point between them could not fit."""
    project, tasks = small(tmp_path, site(
        [road("R1", length_m=length_m)], [{"id": "w", "type": "pipeline", "trade": "water",
                                           "runs": {"R1": length_m}, "rate": 20}],
        trades={"civil": {"crews": 1, "excavate_rate": 100, "backfill_rate": 100}}, inspection_days=0))
    starts = {"R1:excavate": "2027-03-01", "w@R1:lay": "2027-03-02", "R1:backfill": "2027-03-03",
              "R1:restore": "2027-03-05"}
    sched = build(project, tasks, starts)
    assert [str(d) for d in sched.task("w@R1:lay").days] == lay_days
    v, = only(check_schedule(project, tasks, sched), "R5")
    assert (v.task, v.day) == ("w@R1:lay", D("2027-03-03")) and "backfilled" in v.message
    starts.update({"R1:backfill": "2027-03-05", "R1:restore": "2027-03-06"})  # after the lay: valid
    assert check_schedule(project, tasks, build(project, tasks, starts)) == []


def test_r5_lay_before_excavation(basic):
    v, = only(moved(basic, {"water-main@P1:lay": "2027-03-15"}), "R5")  # P1 is excavated on 03-16
    assert (v.task, v.day) == ("water-main@P1:lay", D("2027-03-15")) and "excavated" in v.message


def test_r5_surface_before_backfill(basic):
    v, = only(moved(basic, {"R2:restore": "2027-03-29"}), "R5")  # R2 is backfilled on 03-30
    assert (v.task, v.day) == ("R2:restore", D("2027-03-29"))


def test_r5_test_after_backfill(basic):
    """R1's pressure test moved past its backfill (03-15), onto the restore day: a pipe buried untested is R5,
    named on the test. The inspection of 03-13 then came before the test it signs off: R1."""
    vs = moved(basic, {"water-main@R1:test": "2027-03-16"})
    assert [(v.rule, v.task, v.day) for v in vs] == [("R1", "R1:inspect", D("2027-03-13")),
                                                     ("R5", "water-main@R1:test", D("2027-03-16"))]
    assert "tested in the open trench" in vs[1].message and "from 2027-03-15" in vs[1].message


@pytest.mark.parametrize("changes", [{"R1:inspect": "2027-03-16"},    # inspected after the backfill of 03-15
                                     {"R1:backfill": "2027-03-13"}])  # backfilled on the inspection day
def test_r5_backfill_before_the_inspection(basic, changes):
    """Concealed work covered before its hold point: R5 on the inspection, nothing else."""
    v, = only(moved(basic, changes), "R5")
    assert (v.task, v.day) == ("R1:inspect", D(next(iter(changes.values()))))
    assert "隐蔽工程验收" in v.message


def test_r1_inspection_before_the_test(basic):
    """The hold point on the test day, inside the opening: not dig once (R5) but the expansion order (R1)."""
    v, = only(moved(basic, {"R1:inspect": "2027-03-12"}), "R1")
    assert (v.task, v.day) == ("R1:inspect", D("2027-03-12"))
    assert "must start after water-main@R1:test" in v.message


def test_r1_commission_after_the_lay_and_cutover_after_the_commission(basic):
    """water-b2 has no test: its commission follows the lay (03-27), its cutover the commission (03-29)."""
    v, = only(moved(basic, {"water-b2:commission": "2027-03-26"}), "R1")
    assert (v.task, v.day) == ("water-b2:commission", D("2027-03-26")) and "water-b2@R2:lay" in v.message
    v, = only(moved(basic, {"water-b2:cutover": "2027-03-26"}), "R1")  # 7 days after water-main's: R9 holds
    assert (v.task, v.day) == ("water-b2:cutover", D("2027-03-26")) and "water-b2:commission" in v.message


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
    """P1 dug on 03-10 while R1 is open (03-08..03-15): B1-1's only ways out are cut."""
    v, = only(moved(basic, {"P1:excavate": "2027-03-10"}), "R6")
    assert (v.task, v.day, v.until) == ("B1-1", D("2027-03-10"), D("2027-03-15"))
    assert "R1, P1" in v.message and "until 2027-03-15" in v.message


def test_r6_fire_access(basic):
    """R1 and R2 (both gates' roads) open together on 03-10..03-15: no fire engine gets in."""
    vs = only(moved(basic, {"R2:excavate": "2027-03-10"}), "R6")
    got = {(v.task, v.day, v.until) for v in vs}
    assert {("B1", D("2027-03-10"), D("2027-03-15")), ("B2", D("2027-03-10"), D("2027-03-15"))} <= got
    assert ("B2-1", D("2027-03-16"), D("2027-03-20")) in got  # then P1 + R2 cut B2's door
    fire = next(v for v in vs if v.task == "B1")
    assert "fire" in fire.message and "blocked by open R1, R2" in fire.message and "crane" not in fire.message


def test_r6_crane_of_the_fixture_with_r2_open(basic):
    """The lift moved to the weekend 03-27/28, while R2 is open (03-25..03-30): the fixture's two fire routes
    are both shut, one by the trench and one by E1's crane on R1 (no fire_plan). B1-1, next to R1, still
    walks out over the plated A1 and R1: the crane does not stop people."""
    vs = only(moved(basic, {"E1:lift": "2027-03-27", "E1:shaft": "2027-03-29", "E1:install": "2027-03-31",
                            "E1:acceptance": "2027-04-02", "R1:restore": "2027-03-29"}), "R6")
    assert [(v.task, v.day, v.until) for v in vs] == [("B1", D("2027-03-27"), D("2027-03-28")),
                                                      ("B2", D("2027-03-27"), D("2027-03-28"))]
    assert "blocked by open R2 and the crane of E1:lift on R1 (no fire_plan)" in vs[0].message


def variant(tmp_path, old: str, new: str):
    """The fixture with one line of project.yaml changed: (project, tasks)."""
    text = (BASIC / "project.yaml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "project.yaml").write_text(text.replace(old, new), encoding="utf-8")
    project, _ = load_project(tmp_path)
    return project, expand(project)


def test_r6_entrance_whose_only_way_out_is_dug(tmp_path):
    """Without the P1–A2 link, B2's door reaches the gates only over R2, which is dug 03-25..03-30."""
    project, tasks = variant(tmp_path, "links: [A1, A2]}", "links: [A1]}")
    v, = only(check_schedule(project, tasks, build(project, tasks, VALID)), "R6")
    assert (v.task, v.day, v.until) == ("B2-1", D("2027-03-25"), D("2027-03-30"))
    assert "open R2 cuts it" in v.message


def test_r6_entrance_on_an_unplated_zone(tmp_path):
    """A1 carries B1's door; without steel plates its opening (03-01..03-05) shuts the door."""
    project, tasks = variant(tmp_path, "passable_when_open: people, ", "")
    v, = only(check_schedule(project, tasks, build(project, tasks, VALID)), "R6")
    assert (v.task, v.day, v.until) == ("B1-1", D("2027-03-01"), D("2027-03-05"))
    assert "open A1 cuts it" in v.message


def crane_site(tmp_path, fire_plan: bool):
    """Gate road G leads to roads R1 and R2. E1's crane stands on R1, which is also B1's door zone; B1 may be
    reached by fire engines on R1 or R2, B2 only on R1: the lift stands on B2's only fire route. A water
    run in R2 (tested) gives R2 an opening."""
    return small(tmp_path, site(
        [road("R1"), road("R2"), {"id": "A1", "kind": "apron", "length_m": 20, "links": ["R1"]}],
        [{"id": "w", "type": "pipeline", "trade": "water", "runs": {"R2": 20}, "rate": 20, "test_days": 1},
         elevator(["R1"], entrance="B1-1", fire_plan=fire_plan)],
        buildings=[{"id": "B1", "households": 10, "fire_zones": ["R1", "R2"],
                    "entrances": [{"id": "B1-1", "zone": "R1"}]},
                   {"id": "B2", "households": 10, "fire_zones": ["R1"], "entrances": [{"id": "B2-1", "zone": "G"}]}]))


# R2 opened after the lift (03-09..03-13), or while the crane stands on R1 (03-04..03-09).
CRANE_AFTER = {**PIT, "R2:excavate": "2027-03-09", "w@R2:lay": "2027-03-10", "w@R2:test": "2027-03-11",
               "R2:inspect": "2027-03-12", "R2:backfill": "2027-03-13", "R2:restore": "2027-03-15"}
CRANE_DURING = {**PIT, "R2:excavate": "2027-03-04", "w@R2:lay": "2027-03-05", "w@R2:test": "2027-03-06",
                "R2:inspect": "2027-03-08", "R2:backfill": "2027-03-09", "R2:restore": "2027-03-10"}


def test_r6_crane_on_the_only_fire_route(tmp_path):
    """Without a fire plan the crane closes B2's only fire route on every calendar day of the lift, Sunday
    03-07 included (the lift does not work then; the crane stays). People pass: B1-1 sits on R1 itself."""
    project, tasks = crane_site(tmp_path, fire_plan=False)
    assert {t.id for t in tasks} == set(CRANE_AFTER)
    v, = only(check_schedule(project, tasks, build(project, tasks, CRANE_AFTER)), "R6")
    assert (v.task, v.day, v.until) == ("B2", D("2027-03-06"), D("2027-03-08"))
    assert v.message.endswith("blocked by the crane of E1:lift on R1 (no fire_plan) (until 2027-03-08, 3 days)")


def test_r6_crane_on_the_only_fire_route_with_a_fire_plan(tmp_path):
    project, tasks = crane_site(tmp_path, fire_plan=True)
    assert check_schedule(project, tasks, build(project, tasks, CRANE_AFTER)) == []


def test_r6_crane_and_trench_together(tmp_path):
    """R2 open under the lift: B1's two fire routes are shut, one by the trench, one by the crane (without a
    fire plan); with the plan, fire engines pass the crane on R1 and the same schedule is valid."""
    project, tasks = crane_site(tmp_path, fire_plan=False)
    vs = only(check_schedule(project, tasks, build(project, tasks, CRANE_DURING)), "R6")
    assert [(v.task, v.day, v.until) for v in vs] == [("B1", D("2027-03-06"), D("2027-03-08")),
                                                      ("B2", D("2027-03-06"), D("2027-03-08"))]
    assert "blocked by open R2 and the crane of E1:lift on R1 (no fire_plan)" in vs[0].message
    assert vs[1].message.endswith(": blocked by the crane of E1:lift on R1 (no fire_plan) (until 2027-03-08, "
                                  "3 days)")  # R2 leads to no fire zone of B2: not named
    project, tasks = crane_site(tmp_path, fire_plan=True)
    assert check_schedule(project, tasks, build(project, tasks, CRANE_DURING)) == []


def test_r6_crane_never_cuts_a_door(tmp_path):
    """A crane on a door's only way out (B1-1 on a cul-de-sac R3 behind R1): residents are escorted past the
    cordon, so no entrance violation, while the building's fire access (R1 only) is cut."""
    project, tasks = small(tmp_path, site(
        [road("R1"), {"id": "R3", "kind": "path", "links": ["R1"]},
         {"id": "A1", "kind": "apron", "length_m": 20, "links": ["R3"]}],
        [elevator(["R1"])],
        buildings=[{"id": "B1", "households": 10, "fire_zones": ["R1"], "entrances": [{"id": "B1-1", "zone": "R3"}]}]))
    v, = check_schedule(project, tasks, build(project, tasks, PIT))
    assert (v.rule, v.task, v.day, v.until) == ("R6", "B1", D("2027-03-06"), D("2027-03-08"))


def test_r6_listed_occupations_must_match(basic):
    project, tasks = basic
    sched = build(project, tasks, VALID)
    assert [(o.zone, o.task, str(o.from_), str(o.to)) for o in sched.occupations] == [
        ("R1", "E1:lift", "2027-03-06", "2027-03-07")]
    listed = sched.occupations[0]
    sched.occupations = [listed.model_copy(update={"to": D("2027-03-06")})]
    v, = only(check_schedule(project, tasks, sched), "R6")
    assert (v.task, v.day) == ("E1:lift", D("2027-03-06")) and "2027-03-06..2027-03-07" in v.message
    sched.occupations = [listed.model_copy(update={"fire_plan": True})]
    v, = only(check_schedule(project, tasks, sched), "R6")
    assert "fire_plan true" in v.message and "declares fire_plan false" in v.message
    sched.occupations = [listed.model_copy(update={"zone": "R2"})]  # the crane listed on the wrong road
    vs = only(check_schedule(project, tasks, sched), "R6")
    assert [(v.task, v.day) for v in vs] == [("E1:lift", D("2027-03-06"))] * 2
    assert sorted(v.message for v in vs) == [
        "occupation of R1 by E1:lift (2027-03-06..2027-03-07) is missing from the schedule's occupations",
        "occupation of R2 by E1:lift 2027-03-06..2027-03-07 is listed, but E1:lift is not a scheduled lift with "
        "its crane on R2"]
    sched.occupations = [listed, listed]
    v, = only(check_schedule(project, tasks, sched), "R6")
    assert "listed twice" in v.message
    sched.occupations = []  # no list (an older schedule.json, a ledger): nothing to compare
    assert check_schedule(project, tasks, sched) == []


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
    assert "不植树" in v.message and "forbids trade greening" in v.message


def flood_site(tmp_path, season: dict):
    """Three roads off the gate road, one opening each: R1 a water main at 1.2 m, R2 a sewer at 2.0 m (and the
    water main, laid after it: deeper first), R3 a cable pit with no depth. One supervisor inspects."""
    return small(tmp_path, site(
        [road("R1"), road("R2"), road("R3")],
        [{"id": "water", "type": "pipeline", "trade": "water", "runs": {"R1": 20, "R2": 20}, "rate": 20,
          "depth_m": 1.2},
         {"id": "sewer", "type": "pipeline", "trade": "sewer", "runs": {"R2": 20}, "rate": 20, "depth_m": 2.0},
         {"id": "cable", "type": "task", "trade": "power", "days": 1, "zone": "R3", "underground": True}],
        trades={"civil": {"crews": 3, "excavate_rate": 20, "backfill_rate": 20}, "paving": {"crews": 3},
                "sewer": {"crews": 1}, "power": {"crews": 1}, "supervision": {"crews": 1}},
        calendar={"seasons": [{"name": "主汛期", "from": "2027-03-08", "to": "2027-03-14", "forbid": ["open"],
                               **season}]}))


# R2 (2.0 m) is open before the season, R1 (1.2 m) and R3 (no depth) inside it.
FLOOD = {"R2:excavate": "2027-03-01", "sewer@R2:lay": "2027-03-02", "water@R2:lay": "2027-03-03",
         "R2:inspect": "2027-03-04", "R2:backfill": "2027-03-05", "R2:restore": "2027-03-06",
         "R1:excavate": "2027-03-08", "water@R1:lay": "2027-03-09", "R1:inspect": "2027-03-10",
         "R1:backfill": "2027-03-11", "R1:restore": "2027-03-12",
         "R3:excavate": "2027-03-08", "cable:task": "2027-03-09", "R3:inspect": "2027-03-11",
         "R3:backfill": "2027-03-12", "R3:restore": "2027-03-13"}
# R2 opened on Friday 03-12 instead: open 03-12..03-17, the season's last three days among them.
FLOOD_R2_LATE = {**FLOOD, "R2:excavate": "2027-03-12", "sewer@R2:lay": "2027-03-13", "water@R2:lay": "2027-03-15",
                 "R2:inspect": "2027-03-16", "R2:backfill": "2027-03-17", "R2:restore": "2027-03-18"}


def test_r8_open_season_with_min_depth(tmp_path):
    """min_depth_m 1.5: the shallow R1 and the depthless R3 may stay open in the season; R2 (2.0 m) may not."""
    project, tasks = flood_site(tmp_path, {"min_depth_m": 1.5})
    assert {t.id for t in tasks} == set(FLOOD)
    assert check_schedule(project, tasks, build(project, tasks, FLOOD)) == []
    v, = only(check_schedule(project, tasks, build(project, tasks, FLOOD_R2_LATE)), "R8")
    assert (v.task, v.day, v.until) == ("R2", D("2027-03-12"), D("2027-03-14"))
    assert v.message == ("R2 (2 m deep) is open 2027-03-12..2027-03-17, inside the season 主汛期 "
                         "(2027-03-08..2027-03-14), which forbids open trenches at least 1.5 m deep "
                         "(until 2027-03-14, 3 days)")


def test_r8_open_season_depth_is_at_least(tmp_path):
    """min_depth_m equal to R1's 1.2 m covers R1 (≥); R3, with no depth-carrying task, is still not covered."""
    project, tasks = flood_site(tmp_path, {"min_depth_m": 1.2})
    v, = only(check_schedule(project, tasks, build(project, tasks, FLOOD)), "R8")
    assert (v.task, v.day, v.until) == ("R1", D("2027-03-08"), D("2027-03-11")) and "1.2 m deep" in v.message


def test_r8_open_season_without_min_depth(tmp_path):
    """Without min_depth_m every opened zone is covered, the depthless R3 too; R2 (closed 03-05) is fine."""
    project, tasks = flood_site(tmp_path, {})
    vs = only(check_schedule(project, tasks, build(project, tasks, FLOOD)), "R8")
    assert [(v.task, v.day, v.until) for v in vs] == [("R1", D("2027-03-08"), D("2027-03-11")),
                                                      ("R3", D("2027-03-08"), D("2027-03-12"))]
    assert "no depth given" in vs[1].message and "forbids open trenches (until" in vs[1].message


def test_r1_deeper_first_and_r2_one_supervisor(tmp_path):
    """Expansion order and crews fall out of the expanded tasks: the shallow water main laid in R2 before the
    sewer under it is R1; two inspections on one day with one supervisor is R2."""
    project, tasks = flood_site(tmp_path, {"min_depth_m": 1.5})
    vs = check_schedule(project, tasks, build(project, tasks, {**FLOOD, "sewer@R2:lay": "2027-03-03",
                                                               "water@R2:lay": "2027-03-02"}))
    assert [(v.rule, v.task, v.day) for v in vs] == [("R1", "water@R2:lay", D("2027-03-02"))]
    assert "must start after sewer@R2:lay" in vs[0].message
    v, = only(check_schedule(project, tasks, build(project, tasks, {**FLOOD, "R3:inspect": "2027-03-10"})), "R2")
    assert (v.task, v.day) == ("supervision", D("2027-03-10")) and "R1:inspect, R3:inspect" in v.message


# ------------------------------------------------------------------------------------------ R9

def test_r9_outage_on_quiet_day(basic):
    v, = only(moved(basic, {"water-main:cutover": "2027-03-22"}), "R9")
    assert (v.task, v.day) == ("water-main:cutover", D("2027-03-22")) and "高考" in v.message


def test_r9_two_outages_four_days_apart(basic):
    v, = only(moved(basic, {"water-main:cutover": "2027-03-26"}), "R9")
    assert (v.task, v.day) == ("water-b2:cutover", D("2027-03-30"))
    assert "4 days after" in v.message and "water-main:cutover" in v.message and "B2" in v.message


def test_r9_six_days_apart_fails_seven_passes(basic):
    assert rules(moved(basic, {"water-b2:cutover": "2027-03-31", "water-main:cutover": "2027-04-06"})) == {"R9"}
    assert moved(basic, {"water-b2:cutover": "2027-03-30", "water-main:cutover": "2027-04-06"}) == []


def test_r9_overlapping_outages(basic):
    vs = moved(basic, {"water-main:cutover": "2027-03-30"})  # same day as water-b2:cutover
    assert rules(vs) == {"R2", "R9"}  # the water crew is double-booked too
    v = next(v for v in vs if v.rule == "R9")
    assert "overlaps" in v.message and v.day == D("2027-03-30")


# ------------------------------------------------------------------------------------------ R10

def test_r10_crane_on_open_zone(basic):
    """R1 excavated from Saturday 03-06 while E1's crane stands on it on 03-06/07."""
    v, = only(moved(basic, {"R1:excavate": "2027-03-06"}), "R10")
    assert (v.task, v.day, v.until) == ("E1:lift", D("2027-03-06"), D("2027-03-07"))
    assert "R1" in v.message


def sunday_site(tmp_path):
    """The civil trade works Sundays, the elevator trade does not: E1 lifts on Sat 03-06 and Mon 03-08 with
    its crane on R1, where a water run is laid. B1's door and fire route are on the gate road G."""
    return small(tmp_path, site(
        [road("R1"), {"id": "A1", "kind": "apron", "length_m": 20, "links": ["R1"]}],
        [{"id": "w", "type": "pipeline", "trade": "water", "runs": {"R1": 20}, "rate": 20}, elevator(["R1"])],
        trades={"civil": {"crews": 2, "excavate_rate": 20, "backfill_rate": 20,
                          "workweek": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}}))


def test_r10_crane_zone_opened_on_the_lifts_day_off(tmp_path):
    """R1 excavated on Sunday 03-07, between the lift's two working days: the crane stands there all along,
    so the violation starts on the Sunday (counting working days only, it would start on Monday)."""
    project, tasks = sunday_site(tmp_path)
    valid = {**PIT, "R1:excavate": "2027-03-09", "w@R1:lay": "2027-03-10", "R1:inspect": "2027-03-11",
             "R1:backfill": "2027-03-12", "R1:restore": "2027-03-13"}
    assert check_schedule(project, tasks, build(project, tasks, valid)) == []
    sunday = {**valid, "R1:excavate": "2027-03-07", "w@R1:lay": "2027-03-08", "R1:inspect": "2027-03-09",
              "R1:backfill": "2027-03-10", "R1:restore": "2027-03-11"}
    sched = build(project, tasks, sunday)
    assert D("2027-03-07") not in sched.task("E1:lift").days
    v, = only(check_schedule(project, tasks, sched), "R10")
    assert (v.task, v.day, v.until) == ("E1:lift", D("2027-03-07"), D("2027-03-08"))
    assert "from 2027-03-06 to 2027-03-08" in v.message and "open 2027-03-07..2027-03-10" in v.message


# ------------------------------------------------------------------------------------------ order, format

def test_violations_sorted_by_rule_day_task(basic):
    vs = moved(basic, {"R1:excavate": "2027-03-06", "demolish-shed:task": "2027-03-22",
                       "water-main:cutover": "2027-03-26", "plant-trees:task": "2027-03-15"})
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
    assert lines[1].startswith("R10 E1:lift 2027-03-06: ")
    assert "R10" in lines[-1] and "R8" in lines[-1]


def test_cli_new_rules_exit_1_and_0(tmp_path):
    """A schedule.json of the crane site: the lift on B2's only fire route exits 1 naming the crane; the same
    file against the project with `fire_plan: true` (and its occupations saying so) exits 0."""
    for fire_plan, code in ((False, 1), (True, 0)):
        folder = tmp_path / f"plan-{fire_plan}"
        folder.mkdir()
        project, tasks = crane_site(folder, fire_plan)
        path = folder / "schedule.json"
        path.write_text(build(project, tasks, CRANE_AFTER).to_json(), encoding="utf-8")
        res = run_cli(folder, path)
        assert res.exit_code == code, res.output
        if code:
            assert res.output.splitlines()[0].startswith("R6 B2 2027-03-06: ")
            assert "the crane of E1:lift on R1 (no fire_plan)" in res.output


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
    v, = [v for v in moved(basic, {"demolish-shed:task": "2027-03-24"}) if v.rule == "R4"]  # 03-24 (高考's last)
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
    vs = [v for v in moved(basic, {"water-b2:cutover": "2027-03-22"}) if v.rule == "R9"]  # 高考's first day
    quiet = next(v for v in vs if "quiet day" in v.message)
    assert (quiet.task, quiet.day) == ("water-b2:cutover", D("2027-03-22")) and "高考" in quiet.message
    assert any("3 days after" in v.message for v in vs)  # VALID's water-main cutover is on Fri 03-19


def test_r9_gap_checked_past_an_outage_of_another_type(tmp_path):
    """check_basic with a gas cutover for B2 listed between the two water works: the water outages 1 day
    apart (03-19, 03-20) are still found (outages of different types never constrain each other)."""
    gas = ("  - {id: gas-b2, type: pipeline, trade: water, runs: {P1: 20}, rate: 20,\n"
           "     cutover: {outage: gas, serves: [B2], days: 1}}\n  - id: water-b2\n")
    project, tasks = variant(tmp_path, "  - id: water-b2\n", gas)
    order = [t.id for t in tasks if t.outage]
    assert order == ["water-main:cutover", "gas-b2:cutover", "water-b2:cutover"]
    starts = {**VALID, "gas-b2@P1:lay": "2027-03-15", "gas-b2:cutover": "2027-03-18", "water-b2:cutover": "2027-03-20"}
    starts["water-main@P1:lay"] = "2027-03-13"  # P1 holds both lays (P1 dug 03-13..03-16; water crew: one a day)
    vs = [v for v in check_schedule(project, tasks, build(project, tasks, starts)) if v.rule == "R9"]
    assert [(v.task, v.day) for v in vs] == [("water-b2:cutover", D("2027-03-20"))]
    assert "1 day after the water outage water-main:cutover" in vs[0].message


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
    # VALID digs A1 from 03-01 (excavate) to 03-05 (backfill), P1 from 03-16 to 03-20
    assert got == {("A1", D("2027-03-02"), "opening is listed as 2027-03-02..2027-03-05 but its excavation and "
                                           "backfill make it 2027-03-01..2027-03-05"),
                   ("R1", D("2027-03-20"), "R1 is listed with a second opening 2027-03-20..2027-03-21"),
                   ("A2", D("2027-03-01"), "opening 2027-03-01..2027-03-02 is listed but no scheduled "
                                           "excavation/backfill opens A2"),
                   ("P1", D("2027-03-16"), "opening 2027-03-16..2027-03-20 is missing from the schedule's openings")}
    holiday = {(v.task, v.day) for v in moved(basic, {}, finish={"facade-B1:building": "2027-04-05"})}
    assert ("facade-B1:building", D("2027-04-05")) in holiday
    v, = only(moved(basic, {}, finish={"R2:restore": "2027-03-24"}), "R3")
    assert (v.task, v.day) == ("R2:restore", D("2027-03-31"))  # VALID starts it on 03-31

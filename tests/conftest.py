"""Fixtures shared by the publishing tests; the language the suite's pinned CLI lines are in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models import load_project
from scheduler.planning.expand import expand
from scheduler.planning.planner import plan

TINY = Path(__file__).resolve().parent.parent / "inputs" / "tiny"
# The CLI speaks the project's language (zh-CN for inputs/) unless told: the suite pins English lines, so every
# run, subprocesses included, says DIGONCE_LANG=en (as --lang en); tests of other languages pass --lang or clear it.
os.environ["DIGONCE_LANG"] = "en"
CLI_DET_LIMIT = 10.0  # deterministic seconds the `deterministic_cli` fixture gives each CLI search


@pytest.fixture
def ordered_steps(monkeypatch) -> list[bool]:
    """Whether each neighbourhood search of the solves that follow ran ordered steps (`lns.improve`)."""
    from scheduler.core import lns

    calls: list[bool] = []
    improve = lns.improve

    def spy(*args, **kwargs):
        calls.append(kwargs.get("ordered", args[8] if len(args) > 8 else False))
        return improve(*args, **kwargs)

    monkeypatch.setattr(lns, "improve", spy)
    return calls


@pytest.fixture
def deterministic_cli(monkeypatch):
    """CLI commands search with a deterministic budget besides their wall-clock --time-limit (which then never
    binds on these small projects): for CLI tests that assert a conflict or a figure, so that the answer
    does not depend on machine load. The CLI itself offers only the wall clock."""
    import scheduler.api as api

    def with_budget(real, positional: int):
        return lambda *a, **kw: real(*a[:positional], **{**kw, "deterministic_limit": CLI_DET_LIMIT})

    monkeypatch.setattr(api, "_plan", with_budget(api._plan, 6))
    monkeypatch.setattr(api, "_replan", with_budget(api._replan, 9))
    monkeypatch.setattr(api, "diagnose", with_budget(api.diagnose, 4))


@pytest.fixture(scope="session")
def tiny():
    """inputs/tiny and its schedule (1 worker, seed 0, a deterministic budget: the same every run, however
    busy the machine)."""
    project, _ = load_project(TINY)
    result = plan(project, expand(project), time_limit=300, workers=1, seed=0, deterministic_limit=10)
    assert result.schedule is not None
    return project, result.schedule


# ------------------------------------------------------------------------------------------ hand-worked

# A compound small enough to schedule by hand from SPEC §3–§6, so that tests can write the expected dates,
# notice lines, feed events and re-plan moves literally instead of reading them back from the program.
#
#   gate N (北门) ── R1 北门路 (road, never dug) ── A1 楼前 (apron, steel plates: passable_when_open people)
#   B1 1号楼 (10 households): door B1-1 on A1, near A1      B2 2号楼 (6 households): door B2-1 on R1, near A1 and R1
#
# Works: a water main in A1 (40 m at 40 m/day, no test days) whose 1-day cutover serves B1 only (09:00-15:00,
# 1 day's notice), and a paving of A1 (1 day) after the whole water work. Project calendar Mon–Sat, no
# holidays; civil and water work Mon–Fri (so that a Saturday hold point between lay and backfill, as site
# rules v2 add it, would move nothing). 2027-03-04 is a Thursday.
#
# Expansion (SPEC §4): A1:excavate (civil, ceil(40/40) = 1 day, noisy), water@A1:lay (1 day), water:cutover
# (after every lay, 1 day), A1:backfill (civil, 1 day, noisy, after the lay), pave@A1:paving (kind paving,
# noisy, after A1's backfill and after every task of `water`).
#
# By hand, earliest dates, each forced (the chain has no slack, so the schedule is unique):
#   A1:excavate     Thu 03-04   the start
#   water@A1:lay    Fri 03-05   after the excavation
#   A1:backfill     Mon 03-08   after the lay; civil does not work on Saturday, nobody on Sunday
#   water:cutover   Mon 03-08   after the lay; water works Mon–Fri
#   pave@A1:paving  Tue 03-09   after the backfill and the cutover: the finish
#   opening A1      Thu 03-04 .. Mon 03-08, 5 calendar days (the weekend counts, SPEC §3)
HAND = {
    "version": 1,
    "project": {"id": "hand", "name": "手算小院", "start": "2027-03-04", "hotline": "010-1234-5678"},
    "calendar": {"holidays": "none", "hours": {"work": ["07:30-11:30", "13:30-17:30"],
                                               "noisy": ["08:00-12:00", "14:00-18:00"]}},
    "trades": {
        "civil": {"crews": 1, "excavate_rate": 40, "backfill_rate": 40, "contractor": "城建公司",
                  "workweek": ["mon", "tue", "wed", "thu", "fri"]},
        "water": {"crews": 1, "contractor": "自来水公司", "workweek": ["mon", "tue", "wed", "thu", "fri"]},
        "paving": {"crews": 1},
    },
    "equipment": {"excavator": 1},
    "site": {
        "gates": [{"id": "N", "name": "北门", "zone": "R1"}],
        "inspection_days": 0,  # the hold point is worked out in test_site_rules.py and test_check.py, not here
        "zones": [{"id": "R1", "name": "北门路", "kind": "road", "length_m": 40, "links": ["A1"]},
                  {"id": "A1", "name": "楼前", "kind": "apron", "length_m": 40, "passable_when_open": "people"}],
        "buildings": [
            {"id": "B1", "name": "1号楼", "households": 10, "near": ["A1"], "fire_zones": ["R1"],
             "entrances": [{"id": "B1-1", "name": "1单元", "zone": "A1"}]},
            {"id": "B2", "name": "2号楼", "households": 6, "near": ["A1", "R1"], "fire_zones": ["R1"],
             "entrances": [{"id": "B2-1", "name": "1单元", "zone": "R1"}]},
        ],
    },
    "works": [
        {"id": "water", "type": "pipeline", "trade": "water", "name": "给水管更换", "runs": {"A1": 40}, "rate": 40,
         "cutover": {"outage": "water", "serves": ["B1"], "hours": "09:00-15:00", "days": 1, "notice_days": 1}},
        {"id": "pave", "type": "surface", "trade": "paving", "name": "楼前铺装", "zones": {"A1": 1},
         "after": ["water"]},
    ],
}
# the tasks above, worked out by hand: id → working days
HAND_DAYS = {
    "A1:excavate": ["2027-03-04"],
    "water@A1:lay": ["2027-03-05"],
    "A1:backfill": ["2027-03-08"],
    "water:cutover": ["2027-03-08"],
    "pave@A1:paving": ["2027-03-09"],
}
# Site rules v2 (issue 12) would add an A1:inspect hold point between the lay and the backfill; HAND turns it
# off (`inspection_days: 0`) so that the working above stays the whole schedule.
HAND_EXTRA: set[str] = set()


@pytest.fixture(scope="session")
def hand(tmp_path_factory):
    """HAND solved (1 worker, seed 0, a deterministic budget): (project, tasks, schedule)."""
    import yaml

    from scheduler.review.check import check_schedule

    folder = tmp_path_factory.mktemp("hand")
    (folder / "project.yaml").write_text(yaml.safe_dump(HAND, allow_unicode=True, sort_keys=False), encoding="utf-8")
    project, _ = load_project(folder)
    tasks = expand(project)
    result = plan(project, tasks, time_limit=300, workers=1, seed=0, deterministic_limit=10)
    assert result.schedule is not None
    assert check_schedule(project, tasks, result.schedule) == []
    return project, tasks, result.schedule


# The week after: on Fri 03-05 (as-of) the lay has started that morning and the foreman reports 6 more
# working days (an old cast-iron main in the way). By hand (SPEC §8 replan):
#   A1:excavate     Thu 03-04             finished before as-of in the baseline, unreported: done as planned
#   water@A1:lay    Fri 03-05, Mon 03-08 .. Fri 03-12   started: 6 working days from as-of (Mon–Fri), no gap
#   A1:backfill     Mon 03-15             after the lay (no Saturday for civil)                       +7 days
#   water:cutover   Mon 03-15             after the lay; announced for 03-08, now a week later         +7 days
#   pave@A1:paving  Tue 03-16             after the backfill and the cutover: the new finish            +7 days
#   opening A1      Thu 03-04 .. Mon 03-15, 12 calendar days
# (A hold point of site rules v2 would fall on Sat 03-13 and again move nothing.)
HAND_AS_OF = "2027-03-05"
HAND_REPLAN_DAYS = {
    "A1:excavate": ["2027-03-04"],
    "water@A1:lay": ["2027-03-05", "2027-03-08", "2027-03-09", "2027-03-10", "2027-03-11", "2027-03-12"],
    "A1:backfill": ["2027-03-15"],
    "water:cutover": ["2027-03-15"],
    "pave@A1:paving": ["2027-03-16"],
}


@pytest.fixture(scope="session")
def hand_replan(hand, tmp_path_factory):
    """HAND re-planned at HAND_AS_OF from the progress above (through progress.csv): (project, tasks, base, new)."""
    from datetime import date

    from scheduler.planning.progress import read_progress
    from scheduler.planning.replan import replan
    from scheduler.review.check import check_schedule

    project, tasks, base = hand
    csv = tmp_path_factory.mktemp("hand-progress") / "progress.csv"
    csv.write_text("task,status,actual_start,actual_finish,remaining_days\n"
                   "water@A1:lay,started,2027-03-05,,6\n", encoding="utf-8")
    as_of = date.fromisoformat(HAND_AS_OF)
    reported = read_progress(csv, [t.id for t in tasks], as_of, project.project.start)
    result = replan(project, tasks, base, reported, as_of, 300, 1, 0, deterministic_limit=10)
    assert result.schedule is not None, result.solution
    assert check_schedule(project, tasks, result.schedule) == []
    return project, tasks, base, result.schedule

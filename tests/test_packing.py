"""The packing bound on the finish (scheduler/core/packing.py): whole tasks on a trade's crews, with the days
none of them may work on splitting the season. It must say more than the energy bound where tasks do not
fill a stretch, and never more than a schedule reaches. Solves use 1 worker and a deterministic budget."""

from __future__ import annotations

import random
from dataclasses import replace

from ortools.sat.python import cp_model

from scheduler.core import packing
from scheduler.core.construct import construct
from scheduler.core.cpsat import CpBuilder
from scheduler.core.problem import Makespan, Moved, Objective, Precedence, Problem, Task
from scheduler.core.solve import solve

from test_solve import DET_LIMIT, WALL_BACKSTOP

QUIET = "exam"


def _crews(durations: list[int], crews: int, quiet: set[int], horizon: int = 40, demand: int = 1,
           week: int = 0) -> Problem:
    """One trade's tasks on `crews` crews, none of them working on or across the `quiet` days; `week`: every
    week-th day off (0: every day works)."""
    days = [d for d in range(horizon) if not week or d % week != week - 1]
    tasks = [Task(f"t{i}", d, "c", {"crew": demand}, forbidden={QUIET: frozenset(quiet)} if quiet else {})
             for i, d in enumerate(durations)]
    return Problem(horizon, {"c": days}, tasks, capacities={"crew": crews * demand},
                   objectives=[Objective("finish", [Makespan()])])


def _bound(p: Problem) -> int:
    b = CpBuilder(p)
    earliest = {tid: b.cal[b.tasks[tid].calendar][w.est] for tid, w in b.win.items()}
    return packing.finish_bound(p, earliest, 0, p.horizon - 1)[0]


def _optimum(p: Problem) -> int:
    """The least finish, proven by CP-SAT on the whole (tiny) problem."""
    b = CpBuilder(p)
    b.m.Minimize(b.objective(p.objectives[0], None))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = DET_LIMIT
    assert solver.Solve(b.m) == cp_model.OPTIMAL
    return int(solver.ObjectiveValue())


def test_whole_tasks_do_not_fill_the_stretch_before_the_quiet_days():
    # Two crews, four 4-day tasks, day 5 quiet: 16 crew-days fill days 0-8 bar the quiet day, but only one task
    # per crew fits days 0-4, so the other two run on days 6-9.
    p = _crews([4, 4, 4, 4], 2, {5})
    assert _bound(p) == 9 == _optimum(p)


def test_sizes_that_cannot_sum_to_the_stretch_lose_days_without_quiet_days():
    # Three crews, nine 3-day tasks and one 2-day: 29 crew-days are 10 days of energy, the 2-day task
    # leaves one crew a day short of whole 3-day tasks, so the crews need 11 days (days 0-10).
    p = _crews([3] * 9 + [2], 3, set())
    assert _bound(p) == 10 == _optimum(p)


def test_a_task_longer_than_every_stretch_pushes_past_the_quiet_days():
    p = _crews([6, 2], 2, {4})  # days 0-3 and 5-: the 6-day task starts on day 5 at the earliest
    assert _bound(p) == 10 == _optimum(p)


def test_the_bound_never_passes_the_optimum():
    rng = random.Random(0)
    for _ in range(25):
        crews = rng.randint(1, 3)
        durations = [rng.choice([2, 3, 5, 7]) for _ in range(rng.randint(2, 7))]
        start = rng.randint(3, 12)
        quiet = set(range(start, start + rng.randint(0, 3)))
        p = _crews(durations, crews, quiet, horizon=60, demand=rng.choice([1, 2]), week=rng.choice([0, 7]))
        assert _bound(p) <= _optimum(p), (crews, durations, quiet)


def test_mixed_demands_or_calendars_claim_nothing():
    p = _crews([4, 4, 4, 4], 2, {5})
    p.tasks[0].demands = {"crew": 2}
    assert _bound(p) == 0
    p = _crews([4, 4, 4, 4], 2, {5})
    p.calendars["d"] = p.calendars["c"]
    p.tasks[0].calendar = "d"
    assert _bound(p) == 0


def test_the_finish_stage_states_the_packing_bound():
    p = _crews([4, 4, 4, 4], 2, {5})
    sol = solve(p, WALL_BACKSTOP, 1, 0, deterministic_limit=DET_LIMIT)
    stage = sol.stages[0]
    assert stage.status == "OPTIMAL" and stage.value == 9 and stage.bound == 9
    assert stage.bound_from == "packing"
    assert all(sol.starts[t.id] + t.duration - 1 <= 9 for t in p.tasks)


def test_the_packing_bound_is_reported_when_the_search_stops_before_reaching_it(monkeypatch):
    """A finish stage whose search ends before CP-SAT's bound reaches the stated packing bound (100 buildings
    at 40 s: bound 0, a 100 % gap) still reports the packing bound."""
    from scheduler.core import solve as core_solve

    of = core_solve._Found.of
    monkeypatch.setattr(core_solve._Found, "of", staticmethod(lambda *a: replace(of(*a), bound=0.0)))
    monkeypatch.setattr(core_solve._Search, "probes", lambda self, name, var, found, until, det: found)
    p = _crews([4, 4, 4, 4], 2, {5}, week=7)
    stage = solve(p, WALL_BACKSTOP, 1, 0, deterministic_limit=DET_LIMIT).stages[0]
    assert stage.bound == _bound(p) > 0 and stage.bound_from == "packing"
    assert stage.value >= stage.bound


def test_the_constructive_schedule_packs_a_trade_that_touches_nothing_else(monkeypatch):
    # Two crews, days 0-9 before a quiet day: 5+5 and 3+3+3 fill them, but serial placement, longest first,
    # starts the third 3-day task on day 8, where it would span the quiet day, so it waits until day 11.
    p = _crews([3, 3, 3, 5, 5], 2, {10})
    built = construct(p, 0)
    assert built.finish == 9 == _optimum(p) and built.valid
    for t in p.tasks:
        first, last = built.days[t.id]
        assert last < 10 and first == built.starts[t.id]
    assert max(sum(first <= d <= last for first, last in built.days.values()) for d in range(10)) <= 2
    monkeypatch.setattr(packing, "independent", lambda p: {})
    assert construct(p, 0).finish > 9  # what the serial passes alone give


def test_tasks_tied_to_other_work_are_not_repacked():
    p = _crews([3, 3, 3, 5, 5], 2, {10})
    assert list(packing.independent(p)) == ["crew"]
    p.precedences.append(Precedence("t0", "t1"))
    assert packing.independent(p) == {}
    p = _crews([3, 3, 3, 5, 5], 2, {10})
    p.tasks[0].demands["digger"] = 1
    p.capacities["digger"] = 1
    assert packing.independent(p) == {}


def test_the_finish_stage_holds_a_packed_trade_and_the_next_stage_frees_it():
    p = _crews([3, 3, 3, 5, 5], 2, {10})
    first = construct(p, 0)
    assert first.starts["t0"] != 6  # where the second objective wants it
    p.objectives.append(Objective("stay", [Moved({"t0": 1}, {"t0": 6})]))
    sol = solve(p, WALL_BACKSTOP, 1, 0, deterministic_limit=DET_LIMIT, incumbent=first.starts)
    assert [(s.name, s.status, s.value) for s in sol.stages] == [("finish", "OPTIMAL", 9), ("stay", "OPTIMAL", 0)]
    assert sol.starts["t0"] == 6 and max(sol.starts[t.id] + t.duration - 1 for t in p.tasks) <= 9


def test_a_packing_gives_each_place_a_task_that_may_start_there():
    """One crew, two 1-day tasks packed on days 0 and 1; t1 has a quiet day of its own on day 1. Taking the
    first task that fits each place in turn puts t0 on day 0 and leaves day 1 to t1, which may not work then:
    a matching puts t1 on day 0 and t0 on day 1 (a generated 40-building compound's facades, seed 2: no
    packing placed that way, so its first schedule ended on day 150 instead of 144)."""
    tasks = [Task("t0", 1, "c", {"crew": 1}), Task("t1", 1, "c", {"crew": 1}, forbidden={QUIET: frozenset({1})})]
    p = Problem(10, {"c": list(range(10))}, tasks, capacities={"crew": 1},
                objectives=[Objective("finish", [Makespan()])])
    allowed = {"t0": list(range(10)), "t1": [0] + list(range(2, 10))}
    assert packing.pack(p, tasks, "crew", allowed) == {"t1": 0, "t0": 1}

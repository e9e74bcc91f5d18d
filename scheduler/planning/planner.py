"""Domain entry point: expanded project → solved `Schedule`, or the rule groups that conflict."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta

from models.project import Project
from models.schedule import Schedule

from scheduler.core.conflict import Conflict, minimal_conflict
from scheduler.core.construct import Built, construct
from scheduler.core.greedy import NoRoom, greedy_starts
from scheduler.core.problem import Makespan, Problem as CoreProblem
from scheduler.core.solve import CoreSolution, Progress, solve
from scheduler.planning.access import violated_cuts
from scheduler.planning.compile import Compiled, Reserved, compile_project
from scheduler.planning.expand import Task
from scheduler.planning.rules import RuleGroup
from scheduler.planning.result import build_schedule, occupations, openings, scheduled_tasks
from scheduler.planning.summary import upper_bound_end


HORIZON_SLACK = 1.25  # a working horizon from a plan that may not be the best: its length × this, plus a month
CUT_ROUNDS = 10  # constructive schedules tried while each opens access cuts the problem did not hold yet


@dataclass
class Plan:
    """What `plan` returns: the schedule (None if none was found), the solver account, the conflict if infeasible."""
    compiled: Compiled
    solution: CoreSolution
    schedule: Schedule | None
    conflict: Conflict | None = None  # when infeasible: the minimal set of rule groups in conflict


def plan(project: Project, tasks: list[Task], time_limit: float = 60.0, workers: int = 2, seed: int = 0,
         progress: Progress | None = None, end: date | None = None,
         deterministic_limit: float | None = None, reserved: Reserved | None = None,
         explain: bool = True) -> Plan:
    """Solve (from a constructive first schedule, on the horizon it suggests), and name the conflict when
    there is no schedule. `deterministic_limit` bounds CP-SAT's deterministic time of the whole run besides
    `time_limit`; `reserved`: shared capacity other compounds hold (see compile_project); `explain=False`
    skips the conflict search (a caller that will try otherwise anyway)."""
    t0 = time.time()
    compiled = compile_project(project, tasks, end, reserved)
    # the first schedule and the model count against the budget too
    sol = search(compiled, time_limit - (time.time() - t0), workers, seed, progress, deterministic_limit)
    conflict = None
    if sol.status == "INFEASIBLE" and explain:
        det = None if deterministic_limit is None else max(10.0, deterministic_limit - sol.det_s)
        conflict = diagnose(project, tasks, max(10.0, time_limit - sol.wall_s), seed, det)
        sol.conflict = conflict.groups or sol.conflict
    sched = build_schedule(compiled, sol) if sol.starts else None
    return Plan(compiled, sol, sched, conflict)


def search(c: Compiled, time_limit: float, workers: int, seed: int, progress: Progress | None = None,
           deterministic_limit: float | None = None) -> CoreSolution:
    """The solve shared by `plan` and `replan`: a constructive schedule that keeps every rule (access cuts
    included), then CP-SAT on a horizon it suggests. When that schedule also meets every deadline and the
    finish is the first objective, it bounds the finish: the model ends on its last day. Otherwise a
    shorter horizon is only a guess, and an infeasible answer there is checked on the whole one."""
    t0 = time.time()
    full = c.problem
    built = first_schedule(c, seed)
    proven = built is not None and built.valid and _finish_first(full)
    if proven:
        horizon = built.finish + 1
    elif built is not None:
        horizon = math.ceil(built.finish * HORIZON_SLACK) + 30
    else:
        horizon = _greedy_horizon(full)
    short = replace(c, problem=full.within(horizon))
    if built is not None and (proven or not full.hint):  # a re-plan keeps the baseline as its hint otherwise
        short.problem.hint = {t.id: full.calendars[t.calendar][built.starts[t.id]] for t in full.tasks}
    sol = solve_with_access(short, time_limit - (time.time() - t0), workers, seed, progress, deterministic_limit,
                            incumbent=built.starts if proven else None)
    if sol.status == "INFEASIBLE" and short.problem is not full:  # perhaps only the working horizon was short
        used = sol.det_s
        sol = solve_with_access(c, time_limit - (time.time() - t0), workers, seed, progress,
                                _less(deterministic_limit, used))
        sol.det_s += used
    return sol


def _finish_first(p: CoreProblem) -> bool:
    return bool(p.objectives) and any(isinstance(t, Makespan) for t in p.objectives[0].terms)


def first_schedule(c: Compiled, seed: int) -> Built | None:
    """The constructive schedule (`core.construct`), on twice the greedy plan's horizon first and the whole
    one if nothing fits there. On a large compound, whose problem holds only the small access cuts, every larger
    cut it opens joins the problem and it is built again, until it opens none."""
    horizon = min(c.problem.horizon, 2 * _greedy_horizon(c.problem))  # room: a pass that runs out fails
    for _ in range(CUT_ROUNDS):
        built = construct(c.problem.within(horizon), seed, order=c.problem.hint or None)
        if built is None and horizon < c.problem.horizon:
            horizon = c.problem.horizon
            continue
        if built is None or c.access_complete:
            return built
        missing = _missing_cuts(c, built.starts)
        if not missing:
            return built
        c.problem.not_all_open += [m for m in missing if m not in c.problem.not_all_open]
    return None


def _greedy_horizon(p: CoreProblem) -> int:
    """The greedy levelling plan's length with slack (it keeps crews and calendars only, so a schedule that
    keeps every rule almost always fits), or the whole horizon when it has none."""
    try:
        starts = greedy_starts(p)
    except (NoRoom, ValueError):
        return p.horizon
    last = max(p.calendars[t.calendar][starts[t.id] + t.duration - 1] for t in p.tasks)
    return min(p.horizon, math.ceil(last * HORIZON_SLACK) + 30)


def _less(limit: float | None, used: float) -> float | None:
    """What is left of an optional budget."""
    return None if limit is None else limit - used


def _missing_cuts(c: Compiled, starts: dict[str, int]) -> list[tuple[RuleGroup, tuple[str, ...]]]:
    """The access cuts (as never-all-open rows) a schedule opens all at once."""
    open_by_day, occupied_by_day = _blocked_by_day(c, starts)
    return [(g, row) for g, cut in violated_cuts(c.project, open_by_day, occupied_by_day) for row in c.cut_rows(g, cut)]


def solve_with_access(compiled: Compiled, time_limit: float, workers: int, seed: int,
                      progress: Progress | None = None, deterministic_limit: float | None = None,
                      incumbent: dict[str, int] | None = None) -> CoreSolution:
    """`solve`, and when the problem holds only the small access cuts (a large compound), every schedule
    the search keeps is checked for larger cuts it opens all at once, which join the model (`lazy`). The
    result is checked once more and, should a cut still be open, solved again from it: only then is R6
    proven. Out of time with a cut still open: no schedule (never one that blocks a door)."""
    t0 = time.time()
    prob = compiled.problem
    used = 0.0
    lazy = None if compiled.access_complete else (lambda starts: _missing_cuts(compiled, starts))
    while True:
        sol = solve(prob, time_limit - (time.time() - t0), workers, seed, progress,
                    deterministic_limit=_less(deterministic_limit, used), incumbent=incumbent, lazy=lazy)
        used = sol.det_s = used + sol.det_s
        sol.wall_s = time.time() - t0
        if compiled.access_complete or not sol.starts:
            return sol
        missing = _missing_cuts(compiled, sol.starts)
        if not missing:
            return sol
        if time_limit - (time.time() - t0) < 1.0 or (deterministic_limit or math.inf) - used < 0.1:
            if incumbent is not None:  # the constructive schedule opens no cut: fall back on it
                return replace(sol, starts=dict(incumbent), wall_s=time.time() - t0, status="FEASIBLE")
            return CoreSolution("UNKNOWN", wall_s=time.time() - t0, stages=sol.stages, det_s=used,
                                detail=f"{len(missing)} access cut(s) still violated when time ran out")
        prob.not_all_open += [m for m in missing if m not in prob.not_all_open]
        prob.hint = {tid: prob.calendars[prob.task(tid).calendar][k] for tid, k in sol.starts.items()}
        incumbent = incumbent if incumbent is not None and not _missing_cuts(compiled, incumbent) else None


def _blocked_by_day(compiled: Compiled, starts: dict[str, int]) -> tuple[dict[date, set[str]], dict[date, set[str]]]:
    """Per calendar day, the zones a solution has open, and those its cranes occupy without a fire plan."""
    dated = compiled.dating(starts) if compiled.dating else scheduled_tasks(compiled, starts)
    by_id = {t.id: t for t in dated}
    open_by_day: dict[date, set[str]] = defaultdict(set)
    occupied_by_day: dict[date, set[str]] = defaultdict(set)
    for o in openings(compiled.project, by_id):
        for n in range((o.to - o.from_).days + 1):
            open_by_day[o.from_ + timedelta(n)].add(o.zone)
    for o in occupations(compiled.tasks, by_id):
        if not o.fire_plan:
            for n in range((o.to - o.from_).days + 1):
                occupied_by_day[o.from_ + timedelta(n)].add(o.zone)
    return open_by_day, occupied_by_day


def diagnose(project: Project, tasks: list[Task], time_limit: float, seed: int = 0,
             deterministic_limit: float | None = None) -> Conflict:
    """A minimal set of rule instances in conflict, found on a horizon that does not end at the deadline
    (so that dropping the deadline can help)."""
    wide = compile_project(project, tasks, upper_bound_end(project, tasks, ignore_deadline=True))
    return minimal_conflict(wide.problem, time_limit, seed, deterministic_limit=deterministic_limit)

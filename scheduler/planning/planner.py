"""Domain entry point: expanded project → solved `Schedule`, or the rule groups that conflict."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from models.project import Project
from models.schedule import Schedule

from scheduler.core.conflict import Conflict, minimal_conflict
from scheduler.core.greedy import NoRoom, greedy_starts
from scheduler.core.solve import CoreSolution, Progress, solve
from scheduler.planning.access import violated_cuts
from scheduler.planning.compile import Compiled, Reserved, compile_project
from scheduler.planning.expand import Task
from scheduler.planning.result import build_schedule, occupations, openings, scheduled_tasks
from scheduler.planning.summary import upper_bound_end


HORIZON_SLACK = 1.25  # the working horizon: the greedy plan's length × this, plus a month


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
    """Solve (on the greedy plan's horizon first), and name the conflict when there is no schedule.
    `deterministic_limit` bounds CP-SAT's deterministic time of the whole run besides `time_limit`;
    `reserved`: shared capacity other compounds hold (see compile_project); `explain=False` skips the
    conflict search (a caller that will try otherwise anyway)."""
    t0 = time.time()
    short, hint = _greedy(project, tasks)
    short = short if end is None else None
    compiled = compile_project(project, tasks, end or short, reserved)
    compiled.problem.hint = hint
    # the greedy plan and the model count against the budget too
    sol = solve_with_access(compiled, time_limit - (time.time() - t0), workers, seed, progress, deterministic_limit)
    if sol.status == "INFEASIBLE" and short is not None:  # perhaps only the working horizon was too short
        used = sol.det_s
        compiled = compile_project(project, tasks, reserved=reserved)
        compiled.problem.hint = hint
        sol = solve_with_access(compiled, time_limit - (time.time() - t0), workers, seed, progress,
                                _less(deterministic_limit, used))
        sol.det_s += used
    conflict = None
    if sol.status == "INFEASIBLE" and explain:
        det = None if deterministic_limit is None else max(10.0, deterministic_limit - sol.det_s)
        conflict = diagnose(project, tasks, max(10.0, time_limit - sol.wall_s), seed, det)
        sol.conflict = conflict.groups or sol.conflict
    sched = build_schedule(compiled, sol) if sol.starts else None
    return Plan(compiled, sol, sched, conflict)


def _greedy(project: Project, tasks: list[Task]) -> tuple[date | None, dict[str, int]]:
    """The greedy levelling plan (start day per task) and, for a project without a deadline, a working horizon.

    The safe horizon (every task one after another) is years long, and a model over it is slow and
    memory-hungry (a 10-building compound: 2,392 days, 4.7 GB, 92 s to a first schedule). The greedy
    plan's finish with slack almost always holds a schedule; `plan` falls back to the safe horizon when
    it proves none. The plan itself is CP-SAT's first hint (it may break access rules: a hint only)."""
    c = compile_project(project, tasks)
    try:
        starts = greedy_starts(c.problem)
    except (NoRoom, ValueError):
        return None, {}
    days = {t.id: c.problem.calendars[t.calendar][starts[t.id]] for t in c.problem.tasks}
    if project.project.deadline:
        return None, days
    last = max(c.problem.calendars[t.calendar][starts[t.id] + t.duration - 1] for t in c.problem.tasks)
    return c.date(min(c.problem.horizon - 1, math.ceil(last * HORIZON_SLACK) + 30)), days


def _less(limit: float | None, used: float) -> float | None:
    """What is left of an optional budget."""
    return None if limit is None else limit - used


def solve_with_access(compiled: Compiled, time_limit: float, workers: int, seed: int,
                      progress: Progress | None = None, deterministic_limit: float | None = None) -> CoreSolution:
    """`solve`, and when the problem holds only the small access cuts (a large compound), add every larger
    cut the schedule opens all at once and solve again from it, until none is: only then is R6 proven.
    Out of time with a cut still open: no schedule (never one that blocks a door)."""
    t0 = time.time()
    prob = compiled.problem
    used = 0.0
    while True:
        sol = solve(prob, time_limit - (time.time() - t0), workers, seed, progress,
                    deterministic_limit=_less(deterministic_limit, used))
        used = sol.det_s = used + sol.det_s
        sol.wall_s = time.time() - t0
        if compiled.access_complete or not sol.starts:
            return sol
        open_by_day, occupied_by_day = _blocked_by_day(compiled, sol.starts)
        missing = [(g, row) for g, cut in violated_cuts(compiled.project, open_by_day, occupied_by_day)
                   for row in compiled.cut_rows(g, cut)]
        if not missing:
            return sol
        if time_limit - (time.time() - t0) < 1.0 or (deterministic_limit or math.inf) - used < 0.1:
            return CoreSolution("UNKNOWN", wall_s=time.time() - t0, stages=sol.stages, det_s=used,
                                detail=f"{len(missing)} access cut(s) still violated when time ran out")
        prob.not_all_open += [m for m in missing if m not in prob.not_all_open]
        prob.hint = {tid: prob.calendars[prob.task(tid).calendar][k] for tid, k in sol.starts.items()}


def _blocked_by_day(compiled: Compiled, starts: dict[str, int]) -> tuple[dict[date, set[str]], dict[date, set[str]]]:
    """Per calendar day, the zones a solution has open, and those its cranes occupy without a fire plan."""
    by_id = {t.id: t for t in scheduled_tasks(compiled, starts)}
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

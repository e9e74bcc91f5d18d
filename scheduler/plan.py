"""Domain entry point: expanded project → solved `Schedule`, or the rule groups that conflict."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import date

from models.project import Project
from models.schedule import Schedule

from .compile import Compiled, compile_project
from .expand import Task
from .problem import Objective, Problem
from .result import build_schedule
from .solve import CoreSolution, Progress, solve
from .summary import upper_bound_end


@dataclass
class Plan:
    compiled: Compiled
    solution: CoreSolution
    schedule: Schedule | None


def rule_groups(p: Problem) -> list[str]:
    groups = {g for t in p.tasks for g in t.forbidden} | set(p.capacities)
    groups |= {g for g, *_ in p.not_all_open} | {g for g, *_ in p.open_caps}
    groups |= {g for g, *_ in p.span_clear_of} | {g for g, *_ in p.spacing}
    if any(t.due is not None for t in p.tasks):
        groups.add("deadline")
    if any(t.release for t in p.tasks):
        groups.add("release")
    if any(s.max_length for s in p.spans):
        groups.add("R7 max_open_days")
    return sorted(groups)


def conflicting_groups(p: Problem, time_limit: float, seed: int = 0) -> list[str]:
    """Rule groups whose removal alone makes the project feasible (feasibility runs, shared budget)."""
    feasibility = replace(p, objectives=[Objective("feasible", [])])
    groups = rule_groups(p)
    t0 = time.time()
    out = []
    for i, g in enumerate(groups):
        left = time_limit - (time.time() - t0)
        if left <= 0:
            break
        per = max(2.0, left / (len(groups) - i))
        if solve(feasibility, min(per, left), 1, seed, disabled=frozenset({g})).status in ("OPTIMAL", "FEASIBLE"):
            out.append(g)
    return out


def plan(project: Project, tasks: list[Task], time_limit: float = 60.0, workers: int = 2, seed: int = 0,
         progress: Progress | None = None, end: date | None = None) -> Plan:
    compiled = compile_project(project, tasks, end)
    sol = solve(compiled.problem, time_limit, workers, seed, progress)
    if sol.status == "INFEASIBLE" and not sol.conflict:
        # diagnose on a horizon that does not end at the deadline, so dropping the deadline can help
        wide = compile_project(project, tasks, upper_bound_end(project, tasks, ignore_deadline=True))
        sol.conflict = conflicting_groups(wide.problem, max(10.0, time_limit - sol.wall_s), seed)
    sched = build_schedule(compiled, sol) if sol.starts else None
    return Plan(compiled, sol, sched)

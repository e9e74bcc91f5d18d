"""Domain entry point: expanded project → solved `Schedule`, or the rule groups that conflict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models.project import Project
from models.schedule import Schedule

from .compile import Compiled, compile_project
from .expand import Task
from .problem import Objective, Problem
from .result import build_schedule
from .solve import CoreSolution, Progress, solve


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
    """Rule groups whose removal alone makes the project feasible (finish stage only, short runs)."""
    finish_only = Problem(**{**p.__dict__, "objectives": [Objective("finish", [])]})
    groups = rule_groups(p)
    per = max(0.2, time_limit / max(1, len(groups)))
    return [g for g in groups
            if solve(finish_only, per, 1, seed, disabled=frozenset({g})).status in ("OPTIMAL", "FEASIBLE")]


def plan(project: Project, tasks: list[Task], time_limit: float = 60.0, workers: int = 2, seed: int = 0,
         progress: Progress | None = None, end: date | None = None) -> Plan:
    compiled = compile_project(project, tasks, end)
    sol = solve(compiled.problem, time_limit, workers, seed, progress)
    if sol.status == "INFEASIBLE" and not sol.conflict:
        sol.conflict = conflicting_groups(compiled.problem, min(30.0, max(2.0, time_limit / 4)), seed)
    sched = build_schedule(compiled, sol) if sol.starts else None
    return Plan(compiled, sol, sched)

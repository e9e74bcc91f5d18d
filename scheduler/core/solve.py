"""Lexicographic solve of a core `Problem`: one CP-SAT run per objective stage, one shared time budget.

Each stage minimises its objective, then fixes it (`value <= best`) for the next stage, which starts
from the previous schedule as a complete hint. Besides the wall-clock budget, an optional deterministic
budget (CP-SAT's `max_deterministic_time`, split over the stages the same way) makes a 1-worker run with
a fixed seed give the same result however busy the machine is: tests use it, people use seconds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from ortools.sat.python import cp_model

from scheduler.core.cpsat import CpBuilder, Infeasible
from scheduler.core.heuristic import complete, hint_starts
from scheduler.core.problem import Group, Makespan, Problem

STAGE_WEIGHT = {"finish": 1.0, "disruption": 2.0, "open_days": 1.0}
Progress = Callable[[str, int, float, float], None]  # stage, best value, bound, elapsed seconds


@dataclass
class StageResult:
    name: str
    status: str  # OPTIMAL, FEASIBLE, or UNKNOWN (kept the previous stage's schedule)
    value: int | None
    bound: float | None
    wall_s: float

    @property
    def gap(self) -> float | None:
        if self.value is None or self.bound is None:
            return None
        return max(0.0, (self.value - self.bound) / max(1, abs(self.value)))


@dataclass
class CoreSolution:
    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN
    starts: dict[str, int] = field(default_factory=dict)  # task id -> index of its first working day
    stages: list[StageResult] = field(default_factory=list)
    wall_s: float = 0.0
    conflict: list[Group] = field(default_factory=list)  # rule groups involved when infeasible
    detail: str = ""
    det_s: float = 0.0  # deterministic time spent (CP-SAT's machine-independent work measure)


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, stage: str, progress: Progress | None, t0: float):
        super().__init__()
        self.stage, self.progress, self.t0 = stage, progress, t0
        self.found = False

    def on_solution_callback(self) -> None:
        self.found = True
        if self.progress:
            self.progress(self.stage, int(self.ObjectiveValue()), self.BestObjectiveBound(), time.time() - self.t0)


def _run(solver: cp_model.CpSolver, model: cp_model.CpModel, cb: _Callback, share: float):
    """Solve with the whole remaining budget as hard limit, but stop once `share` seconds have passed
    and a schedule exists: a stage never ends empty-handed while time is left."""
    done = threading.Event()

    def watch() -> None:
        if done.wait(share):
            return
        while not done.is_set():
            if cb.found:
                solver.stop_search()
                return
            done.wait(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return solver.Solve(model, cb)
    finally:
        done.set()
        watcher.join()


def _params(solver: cp_model.CpSolver, limit: float, workers: int, seed: int, plain: bool = False,
            det_limit: float | None = None) -> None:
    """`plain`: a pure RCPSP (see heuristic.complete). The overload checker and timetable edge finding
    make compound proofs come in (shared/notes/cpsat-modelling.md), but on RCPSP's wide cumulatives
    they cost more than they prune with 2 workers (PSPLIB: 5 of 17 hard instances proven at 10 s
    without them, 1 with; docs/benchmarks.md)."""
    p = solver.parameters
    p.max_time_in_seconds = max(0.05, limit)
    if det_limit is not None:
        p.max_deterministic_time = max(0.001, det_limit)
    p.num_workers = workers
    p.random_seed = seed
    p.use_overload_checker_in_cumulative = not plain
    p.use_timetable_edge_finding_in_cumulative = not plain


def _first_hint(b: CpBuilder, problem: Problem) -> bool:
    """Hint the problem's own start days, or else a priority-rule schedule (single-calendar problems), whose
    finish then bounds every start window when the SGS models every rule. Returns that last condition:
    whether the problem is a plain RCPSP (`heuristic.complete`)."""
    b.hint_starts(problem.hint)
    plain = complete(problem)
    if not problem.hint:
        sgs = hint_starts(b)
        for tid, k in (sgs or {}).items():
            b.m.AddHint(b.s[tid], k)
        if sgs and plain:
            b.tighten(max(k + problem.task(tid).duration - 1 for tid, k in sgs.items()))
    return plain


def _rehint(b: CpBuilder, last: list[int], starts: dict[str, int]) -> None:
    """The previous stage's solution as a complete hint; variables added since are hinted from its starts."""
    b.m.ClearHints()
    for i, v in enumerate(last):
        b.m.AddHint(b.m.GetIntVarFromProtoIndex(i), v)
    for var, fn in b.hint_fns:
        if var.Index() >= len(last):
            b.m.AddHint(var, fn(starts))


def solve(problem: Problem, time_limit: float = 60.0, workers: int = 2, seed: int = 0,
          progress: Progress | None = None, disabled: frozenset[Group] = frozenset(),
          deterministic_limit: float | None = None) -> CoreSolution:
    """Every objective stage in turn within `time_limit` seconds (and `deterministic_limit`, when given)."""
    t0 = time.time()
    try:
        b = CpBuilder(problem, disabled)
    except Infeasible as exc:
        return CoreSolution("INFEASIBLE", conflict=exc.groups, detail=exc.detail, wall_s=time.time() - t0)
    plain = _first_hint(b, problem)
    out = CoreSolution("OPTIMAL")
    last: list[int] | None = None
    finish_bound: int | None = None
    names = [o.name for o in problem.objectives]
    for k, obj in enumerate(problem.objectives):
        expr = b.objective(obj, finish_bound)
        b.m.Minimize(expr)
        if last is not None:
            _rehint(b, last, out.starts)
        remaining = time_limit - (time.time() - t0)
        share = STAGE_WEIGHT.get(obj.name, 1.0) / sum(STAGE_WEIGHT.get(n, 1.0) for n in names[k:])
        ts = time.time()
        solver, status = None, cp_model.UNKNOWN
        for part in (share, 1.0):  # a deterministic stage without any schedule yet may use the rest of the budget
            det = None if deterministic_limit is None else (deterministic_limit - out.det_s) * part
            solver = cp_model.CpSolver()
            _params(solver, remaining - (time.time() - ts), workers, seed, plain, det)
            status = _run(solver, b.m, _Callback(obj.name, progress, t0), remaining * share)
            out.det_s += solver.ResponseProto().deterministic_time
            if det is None or status != cp_model.UNKNOWN or last is not None or part == 1.0:
                break
        wall = time.time() - ts
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            value = int(round(solver.ObjectiveValue()))
            bound = solver.BestObjectiveBound()
            out.stages.append(StageResult(obj.name, solver.StatusName(status), value, bound, wall))
            last = list(solver.ResponseProto().solution)
            out.starts = {tid: solver.Value(v) for tid, v in b.s.items()}
            b.m.Add(expr <= value)
            if any(isinstance(t, Makespan) for t in obj.terms):
                finish_bound = value
                b.tighten(value)
            if status != cp_model.OPTIMAL:
                out.status = "FEASIBLE"
        elif k == 0 or last is None:
            out.status = "INFEASIBLE" if status == cp_model.INFEASIBLE else "UNKNOWN"
            out.stages.append(StageResult(obj.name, solver.StatusName(status), None, None, wall))
            break
        else:  # no improvement found in time: keep the previous stage's schedule
            out.stages.append(StageResult(obj.name, "UNKNOWN", None, None, wall))
            out.status = "FEASIBLE"
    out.wall_s = time.time() - t0
    return out

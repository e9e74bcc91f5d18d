"""Lexicographic solve of a core `Problem`: one CP-SAT search per objective stage, one shared time budget.

Each stage minimises its objective, then fixes it (`value <= best`) for the next stage, which starts
from the previous schedule as a complete hint. A stage gets its weight's share of what is left; the
first stage (the finish, by default) keeps searching past its share while its gap is large, since every
later stage lives with what it settles — up to KEEP_SHARE of the budget. Time the stages leave unused
(a last stage proven in seconds) goes to a second look at the first stage not proven (`revisit`). A known
valid schedule (`incumbent`, e.g. from `construct`) is the first hint and what a stage keeps when CP-SAT
finds nothing better in time.

Besides the wall-clock budget, an optional deterministic budget (CP-SAT's `max_deterministic_time`,
shared out the same way) makes a 1-worker run with a fixed seed give the same result however busy the
machine is: tests use it, people use seconds.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Literal

from ortools.sat.python import cp_model

from scheduler.core import bounds, lns, packing
from scheduler.core.cpsat import CpBuilder, Infeasible
from scheduler.core.evaluate import value
from scheduler.core.heuristic import complete, hint_starts
from scheduler.core.problem import Group, Makespan, Objective, Problem, UnionDays

STAGE_WEIGHT = {"finish": 1.0, "disruption": 2.0, "open_days": 1.0}
KEEP_GAP = 0.005  # the first stage searches past its share while its gap is larger than this…
KEEP_SHARE = 0.8  # …up to this share of the budget left when it began
MIN_RUN = 0.05  # seconds: with less left, no more CP-SAT runs
PLAIN_FIRST = 0.1  # of a plain RCPSP's time on two or more workers for CP-SAT's whole portfolio first…
PLAIN_LNS = 0.6  # …then its neighbourhood workers alone (handing back on a stall cost more than it saved)…
PLAIN_PATIENCE = 0.1  # …unless they find nothing better in this share: the first schedule is likely optimal
PROBE_MAIN = 0.5  # of the first stage's share for CP-SAT's own search when the finish is probed after it
ORDERED_SHARE = 0.9  # of what is left of a one-worker finish stage for ordered neighbourhoods; the probes get the rest
PROBE_PART = 0.15  # of what is left for one probe upward from the bound: refutations end in presolve, a probe that
# can neither refute nor meet its target (40 buildings: the LP bound 12+ days below any schedule) must not eat it all
MAIN_SHARE = 0.5  # of a stage's time for CP-SAT's own search; the rest for neighbourhood search
BOUND_DET = 1.0  # deterministic seconds per term for the per-term bounds of a disruption-like stage…
BOUND_SHARE = 0.25  # …and at most this share of the stage's time for all of them
PACKING_DET = 5.0  # deterministic seconds for the packing bound on the finish at most (it takes ~0.01-0.3)
ASIDE_DET = 20.0  # deterministic seconds per term when the bounds run beside the search (the stage's time caps it)
ASIDE_SMALL = 1.0  # seconds a small relaxation gets at most beside the search: each term minimised in the whole
# problem proves more per second (the sample, finish fixed, 73 s on one core: Σ 20,856 → 22,248 household-days)
NO_WORSE_PART = 0.5  # of CP-SAT's own search in a stage of several union terms (two workers) with every term held
# (`no_worse`): the sample at 120 s, 5 seeds paired, disruption median 28,056 → 27,684 household-days, 5 of 5 better
NO_WORSE_PATIENCE = 10.0  # seconds without a better schedule end a round of it…
NO_WORSE_MIN = 3.0  # …and with less than this left no round begins (the sample: CP-SAT takes 2-4 s to restart)
NO_WORSE_RETRIES = 2  # rounds with another seed after one finds nothing better: luck decides a round (4 buildings at
# 120 s, 4 seeds paired: median 5,706 → 5,490 household-days, 3 of 4 better; the sample's rounds never came up empty)
REVISIT_MIN = 2.0  # seconds (or deterministic seconds) the stages must leave unused for a second look at one
# How CP-SAT's workers search: its own portfolio (at two workers one complete search, the other core's time
# shared by its twelve neighbourhood workers); the neighbourhood workers alone (no bound); or every worker a
# complete search (no neighbourhoods, `fixed` left out: at two workers default_lp and no_lp), which proves
# bounds fastest once a good schedule is hinted (13 of 17 hard j30 instances in 3 s against 4 with the
# portfolio, docs/benchmarks.md)
Mode = Literal["portfolio", "neighbourhoods", "proof"]
Progress = Callable[[str, int, float, float], None]  # stage, best value, bound, elapsed seconds
# a schedule (start indices) -> the never-all-open rows it breaks that the problem does not hold yet
Lazy = Callable[[dict[str, int]], list[tuple[Group, tuple[str, ...]]]]


@dataclass
class StageResult:
    name: str
    status: str  # OPTIMAL, FEASIBLE, or UNKNOWN (kept the previous stage's schedule)
    value: int | None
    bound: float | None
    wall_s: float
    bound_from: str = "search"  # "search": CP-SAT's own; "terms": the sum of per-term relaxation bounds;
    # "packing": a trade's tasks packed onto its crews (the finish); "cut": each term's chain of works and crew
    # load, or each opening's chain of works, when CP-SAT's own bound had not reached it

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


@dataclass
class _Budget:
    """The whole solve's wall-clock and (optional) deterministic budgets."""

    t0: float
    wall: float
    det: float | None
    det_used: float = 0.0

    def left(self) -> float:
        return self.wall - (time.time() - self.t0)

    def det_left(self) -> float | None:
        return None if self.det is None else self.det - self.det_used


class _Callback(cp_model.CpSolverSolutionCallback):
    """Keeps each new schedule that passes the lazy check (and reports it), the best value and bound so far
    for the stopping rule; a schedule that fails the check stops the search with the rows it needs."""

    def __init__(self, stage: str, progress: Progress | None, t0: float, check: Lazy | None = None):
        super().__init__()
        self.stage, self.progress, self.t0, self.check = stage, progress, t0, check
        self.found = False
        self.values: list[int] | None = None  # the last schedule that passed, every model variable
        self.best: float | None = None
        self.bound: float | None = None
        self.rows: list = []  # what the schedule that failed the check needs
        self.at = time.time()  # when the search began, or found its last schedule

    def on_solution_callback(self) -> None:
        values = list(self.response_proto.solution)
        rows = self.check(values) if self.check else []
        if rows:
            self.rows = rows
            self.StopSearch()
            return
        self.found = True
        self.at = time.time()
        self.values = values
        self.best = self.ObjectiveValue()
        self.bound = self.BestObjectiveBound()
        if self.progress:
            self.progress(self.stage, int(self.best), self.bound, time.time() - self.t0)

    def on_bound(self, bound: float) -> None:
        self.bound = bound

    def gap(self) -> float:
        if self.best is None or self.bound is None:
            return math.inf
        return max(0.0, (self.best - self.bound) / max(1.0, abs(self.best)))


def _run(solver: cp_model.CpSolver, model: cp_model.CpModel, cb: _Callback, soft: float,
         done_when: Callable[[], bool]):
    """Solve with the hard limit set in `solver`, but stop once `soft` seconds have passed and
    `done_when()` holds (checked every 0.1 s): a stage never ends empty-handed while time is left."""
    done = threading.Event()

    def watch() -> None:
        if done.wait(soft):
            return
        while not done.is_set():
            if done_when():
                solver.stop_search()
                return
            done.wait(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    solver.best_bound_callback = cb.on_bound
    try:
        return solver.Solve(model, cb)
    finally:
        done.set()
        watcher.join()


def _params(solver: cp_model.CpSolver, limit: float, workers: int, seed: int, plain: bool = False,
            det_limit: float | None = None, mode: Mode = "portfolio") -> None:
    """`plain`: a pure RCPSP (see heuristic.complete). The overload checker and timetable edge finding
    make compound proofs come in (shared/notes/cpsat-modelling.md), but on RCPSP's wide cumulatives
    they cost more than they prune with 2 workers (PSPLIB: 5 of 17 hard instances proven at 10 s
    without them, 1 with; docs/benchmarks.md). Presolve probing is off for compounds: on the sample it
    took three rounds of a deterministic second each (most of a loaded minute) before the first schedule,
    and the finish was proven in a third of the deterministic time without it."""
    p = solver.parameters
    p.max_time_in_seconds = max(MIN_RUN, limit)
    if det_limit is not None:
        p.max_deterministic_time = max(0.001, det_limit)
    p.num_workers = workers
    p.random_seed = seed
    p.use_overload_checker_in_cumulative = not plain
    p.use_timetable_edge_finding_in_cumulative = not plain
    p.use_lns_only = mode == "neighbourhoods"
    if mode == "proof":
        p.num_full_subsolvers = workers
        p.use_lns = False
        p.ignore_subsolvers.append("fixed")
    if not plain:
        p.cp_model_probing_level = 0


def _first_hint(b: CpBuilder, problem: Problem, incumbent: dict[str, int] | None) -> bool:
    """Hint a known schedule, or else the problem's own start days, or else a priority-rule schedule
    (single-calendar problems), whose finish then bounds every start window when the SGS models every
    rule. Returns that last condition: whether the problem is a plain RCPSP (`heuristic.complete`)."""
    plain = complete(problem)
    if incumbent:
        for tid, k in incumbent.items():
            if tid in b.s:
                b.m.AddHint(b.s[tid], k)
        return plain
    b.hint_starts(problem.hint)
    if not problem.hint:
        sgs = hint_starts(b)
        for tid, k in (sgs or {}).items():
            b.m.AddHint(b.s[tid], k)
        if sgs and plain:
            b.tighten(max(k + problem.task(tid).duration - 1 for tid, k in sgs.items()))
    return plain


def _rehint(b: CpBuilder, last: list[int] | None, starts: dict[str, int]) -> None:
    """The previous stage's solution as a complete hint; variables added since are hinted from its starts.
    Without one (the schedule came from outside CP-SAT), the start indices."""
    b.m.ClearHints()
    if last is None:
        for tid, k in starts.items():
            b.m.AddHint(b.s[tid], k)
        return
    for i, v in enumerate(last):
        b.m.AddHint(b.m.GetIntVarFromProtoIndex(i), v)
    for var, fn in b.hint_fns:
        if var.Index() >= len(last):
            b.m.AddHint(var, fn(starts))


@dataclass
class _Found:
    """What a stage's search found: status, the schedule (every model variable) and its value, the bound."""

    status: str
    values: list[int] | None = None
    value: int | None = None
    bound: float | None = None
    bound_from: str = "search"  # or "terms", "packing", "cut": see StageResult

    @staticmethod
    def of(solver: cp_model.CpSolver, status, cb: _Callback) -> _Found:
        """The search's result: its last schedule that passed the lazy check, the bound it proved."""
        bound = solver.BestObjectiveBound() if status != cp_model.INFEASIBLE else None
        if cb.values is None:
            name = "UNKNOWN" if cb.rows else cp_model.CpSolverStatus(status).name
            return _Found(name, bound=bound)
        proven = status == cp_model.OPTIMAL and not cb.rows
        return _Found("OPTIMAL" if proven else "FEASIBLE", cb.values, int(round(cb.best)), bound)

    def gap(self) -> float:
        if self.value is None or self.bound is None:
            return math.inf
        return max(0.0, (self.value - self.bound) / max(1, abs(self.value)))

    def holding(self, values: list[int], value: int) -> _Found:
        """This result with another schedule of the same model: proven when its value meets the bound."""
        proven = self.bound is not None and value <= self.bound
        return replace(self, values=values, value=value, status="OPTIMAL" if proven else "FEASIBLE")

    def then(self, later: _Found) -> _Found:
        """This run followed by `later`, a run of the same stage after lazy rows joined the model: the better
        schedule of the two (a restart cut short may find none) and the higher bound (both are valid: rows only
        join, so this run solved a relaxation of `later`'s model)."""
        if self.values is None or (later.values is not None and later.value <= self.value):
            best = later
        else:
            best = self
        bounds = [f.bound for f in (self, later) if f.bound is not None and f.status != "INFEASIBLE"]
        merged = replace(best, bound=max(bounds, default=None))
        return merged if best.values is None else merged.holding(best.values, best.value)


def _with_packing(found: _Found, packed: int | None) -> _Found:
    """The packing bound as the stage's bound where it is not below CP-SAT's: stated in the model, CP-SAT's
    bound reaches it unless its search stops first (100 buildings at 40 s: 0 reported, a 100 % gap)."""
    if packed is None or found.status == "INFEASIBLE" or (found.bound is not None and found.bound > packed):
        return found
    proven = found.value is not None and found.value <= packed
    return replace(found, bound=float(packed), bound_from="packing", status="OPTIMAL" if proven else found.status)


class _Aside:
    """Per-term bounds computed in a thread beside the stage's search (CP-SAT releases the GIL while solving):
    the small relaxations first, then each term in the whole problem in the time that is left (`bounds`)."""

    def __init__(self, b: CpBuilder, obj: Objective, det: float, wall: float, seed: int):
        self._out: tuple[int, list[int], float] | None = None
        self._stop = threading.Event()
        self._solver: cp_model.CpSolver | None = None
        self._thread = threading.Thread(target=self._run, args=(b, obj, det, wall, seed), daemon=True)
        self._thread.start()

    def _run(self, b: CpBuilder, obj: Objective, det: float, wall: float, seed: int) -> None:
        self._out = bounds.objective_bound(b, obj, det, wall, seed, self._stop, self._started, ASIDE_SMALL)

    def _started(self, solver: cp_model.CpSolver) -> None:
        self._solver = solver

    def running(self) -> bool:
        return self._thread.is_alive()

    def result(self, stop: bool) -> tuple[int | None, list[int], float]:
        """The bound (the sum of the terms' bounds with the constant; what is proven so far when `stop`: the
        stage's search proved its optimum), each term's bound, and the deterministic time spent."""
        if stop:
            self._stop.set()
            while self._thread.is_alive():  # OR-Tools drops a stop that lands before its solve begins: repeat it
                if self._solver is not None:
                    self._solver.stop_search()
                self._thread.join(0.05)
        self._thread.join()
        return (None, [], 0.0) if self._out is None else self._out


class _Search:
    """The stages of one solve: the model, the budget, the schedule so far."""

    def __init__(self, b: CpBuilder, budget: _Budget, workers: int, seed: int, plain: bool,
                 progress: Progress | None, lazy: Lazy | None):
        self.b, self.budget, self.workers, self.seed, self.plain = b, budget, workers, seed, plain
        self.progress, self.lazy = progress, lazy
        self.out = CoreSolution("OPTIMAL")
        self.last: list[int] | None = None  # the previous stage's solution, every variable
        self.finish_bound: int | None = None
        self.rng = random.Random(seed)
        self.carried: tuple[_Aside, int] | None = None  # per-term bounds still running for stage k (`stage`)
        self.fixed: list[int | None] = []  # per recorded stage, the index of the constraint that fixes its value

    def check(self, values: list[int]) -> list:
        """The lazy rows a schedule (every model variable) breaks; none without a lazy rule."""
        return self.lazy({tid: values[v.Index()] for tid, v in self.b.s.items()}) if self.lazy else []

    def cpsat(self, name: str, soft: float, det: float | None, keep: float | None = None,
              mode: Mode = "portfolio", beat: float | None = None, patience: float | None = None,
              seed: int | None = None) -> _Found:
        """CP-SAT's own search, stopped at `soft` seconds once there is a schedule. `keep`: search on until
        `keep` seconds while the gap is larger than KEEP_GAP, or with `beat`, while some schedule is better
        than `beat`, or with `patience`, while its last schedule came less than `patience` seconds ago. When a
        schedule breaks a lazy rule, its rows join the model and the search starts again from the last schedule
        that passed. `mode`: how the workers search (`Mode`); `seed`: another than the solve's."""
        ts, det0 = time.time(), self.budget.det_used
        have = bool(self.out.starts) or self.last is not None
        kept = _Found("UNKNOWN")  # what the runs before a restart found
        while True:
            solver = cp_model.CpSolver()
            _params(solver, self.budget.left(), self.free_workers(), self.seed if seed is None else seed, self.plain,
                    None if det is None else det - (self.budget.det_used - det0), mode)
            cb = _Callback(name, self.progress, self.budget.t0, self.check if self.lazy else None)
            if patience is not None and keep is not None:
                done_when = lambda: time.time() - cb.at >= patience or time.time() - ts >= keep  # noqa: E731
            elif beat is not None and keep is not None:
                done_when = lambda: cb.best is None or cb.best >= beat or time.time() - ts >= keep  # noqa: E731
            elif keep is None:
                done_when = lambda: cb.found or have  # noqa: E731
            else:
                done_when = lambda: (cb.found or have) and (cb.gap() <= KEEP_GAP or time.time() - ts >= keep)  # noqa: E731
            status = _run(solver, self.b.m, cb, max(0.0, soft - (time.time() - ts)), done_when)
            self.budget.det_used += solver.ResponseProto().deterministic_time
            found = kept = kept.then(_Found.of(solver, status, cb))
            if not cb.rows:
                return found
            self.b.add_rows(cb.rows)
            if found.values is not None:
                self._hint_values(found.values)
            out_of_time = time.time() - ts >= max(soft, keep or 0) or self.budget.left() < 1.0
            if out_of_time or (det is not None and self.budget.det_used - det0 >= det):
                return found

    def free_workers(self) -> int:
        """CP-SAT's workers: one fewer while an earlier stage's bounds still run on a core of their own."""
        return max(1, self.workers - 1) if self.carried and self.carried[0].running() else self.workers

    def stage(self, obj: Objective, share: float, first: bool, last: bool = True) -> bool:
        """Minimise one objective and fix it; False when the solve must stop (no schedule at all).

        CP-SAT's own search comes first (it alone proves bounds); what is left of the stage's time goes to
        neighbourhood search around its schedule. The first stage's time stretches while its gap is large.
        `last`: no stage comes after it (per-term bounds beside a stage run on through the later ones)."""
        b, ts, det_start = self.b, time.time(), self.budget.det_used
        beside = not first and self._bounds_beside(obj, share)
        floor, floors = (None, None) if beside else self.term_bounds(obj, share)
        expr = b.objective(obj, self.finish_bound, floors)
        finish_only = isinstance(expr, cp_model.IntVar) and any(isinstance(t, Makespan) for t in obj.terms)
        packed = self._packing_floor(expr) if finish_only else None
        held = self._hold_packed(packed) if first else []  # an earlier stage's bound may name those tasks
        b.m.Minimize(expr)
        if self.last is not None or (self.out.starts and self.out.stages):
            _rehint(b, self.last, self.out.starts)
        left, det_left = self.budget.left(), self.budget.det_left()
        if left < MIN_RUN or (det_left is not None and det_left <= 0):  # out of time: keep what there is
            return self._settle(obj, expr, self._at_least_the_cut(obj, _Found("UNKNOWN")), 0.0)
        most = max(share, KEEP_SHARE) if first else share  # the most this stage may take
        det = None if det_left is None else det_left * most
        # neighbourhoods that fix most tasks cannot shorten a makespan: CP-SAT's own search gets it all
        makespan = any(isinstance(t, Makespan) for t in obj.terms)
        main = 1.0 if makespan else MAIN_SHARE
        main_det = None if det is None else det * main
        # a pure RCPSP (`plain`): probes after ordered steps on one worker (PSPLIB 1w: 7.75 → 6.32 %), not on two
        if first and makespan and (not self.plain or self.workers == 1) and isinstance(expr, cp_model.IntVar):
            found = self.cpsat(obj.name, left * share * PROBE_MAIN, None if det is None else det * PROBE_MAIN)
            if self.workers == 1 and found.values is not None and found.status != "OPTIMAL":
                rest = ts + left * most - time.time()
                spent = self.budget.det_used - det_start
                found = self.neighbourhoods(obj.name, found, time.time() + rest * ORDERED_SHARE,
                                            None if det is None else (det - spent) * ORDERED_SHARE, ordered=True)
            spent = self.budget.det_used - det_start
            found = self.probes(obj.name, expr, found, ts + left * most, None if det is None else det - spent)
        elif first and self.plain and self.workers > 1:
            found = self.neighbourhoods_then_proof(obj.name, left * most, det)
        elif first:
            found = self.cpsat(obj.name, left * share * main, main_det, left * most * main)
        else:
            found = self.cpsat(obj.name, left * share * main * (1 - NO_WORSE_PART if beside else 1), main_det)
            found = self._or_so_far(obj, found)
            found = self.no_worse(obj, found, ts + left * share * main) if beside else found
        if found.status == "UNKNOWN" and det is not None and not self.out.starts and self.last is None:
            found = self.cpsat(obj.name, self.budget.left(), self.budget.det_left())
        aside = None
        if main < 1.0 and found.values is not None and found.status != "OPTIMAL" and (
                not first or found.gap() > KEEP_GAP):
            spent = self.budget.det_used - det_start
            if beside:  # neighbourhood steps run on one worker: the bounds get the other
                aside = self._start_aside(obj, ts + left * most if last else self.budget.t0 + self.budget.wall)
            found = self.neighbourhoods(obj.name, found, ts + left * most, None if det is None else det - spent)
        floor = self._end_aside(aside, obj, found.status == "OPTIMAL", last) if aside else floor
        if floor is not None and (found.bound is None or floor > found.bound):
            found = replace(found, bound=float(floor), bound_from="terms")
        found = self._at_least_the_cut(obj, found)
        found = _with_packing(found, packed)
        for i in held:  # the later stages may move them again
            b.m.Proto().constraints[i].clear_linear()
        return self._settle(obj, expr, found, time.time() - ts)

    def _or_so_far(self, obj: Objective, found: _Found) -> _Found:
        """When CP-SAT found nothing in a later stage's share, the schedule so far (the previous stage's, which
        keeps this stage's model: that only adds the previous value's fixing) for the neighbourhood steps to start
        from (100 buildings at 120 s: the disruption stage's CP-SAT search ends in presolve)."""
        if found.values is not None or self.last is None or found.status == "INFEASIBLE":
            return found
        return found.holding(self.last, value(self.b.p, obj, self.out.starts))

    def _start_aside(self, obj: Objective, until: float) -> _Aside:
        return _Aside(self.b, obj, ASIDE_DET * len(obj.terms), until - time.time() - MIN_RUN, self.seed)

    def _end_aside(self, aside: _Aside, obj: Objective, proven: bool, last: bool) -> int | None:
        """The bounds' sum now, or None when they are carried on through the later stages (`collect`): they only
        bound this stage's value, which is fixed either way, and the sample's need ~70 s, not the ~35 s its
        stage leaves them at 120 s (Σ 18,660 → 20,340 household-days)."""
        if not last and not proven:
            self.carried = (aside, len(self.out.stages))  # the index this stage's result gets in `_settle`
            return None
        floor, floors, used = aside.result(stop=proven)
        self.budget.det_used += used
        self.b.state_floors(obj.name, floors)  # for the later stages' relaxations
        return floor

    def collect(self) -> None:
        """Stop the bounds carried over from an earlier stage and raise that stage's bound with theirs (the
        summary reports it; the progress line has moved on to the later stage and stays there)."""
        if self.carried is None:
            return
        (aside, k), self.carried = self.carried, None
        floor, floors, used = aside.result(stop=True)
        self.budget.det_used += used
        st = self.out.stages[k]  # `_settle` records every stage
        self.b.state_floors(st.name, floors)  # for a second look at the stage (`revisit`)
        if st.value is None or floor is None or (st.bound is not None and floor <= st.bound):
            return
        st.bound, st.bound_from = float(floor), "terms"
        self._proven(st)

    def _proven(self, st: StageResult) -> None:
        """Mark the stage optimal when its bound has met its value (and the solve, when every stage is)."""
        if st.value is not None and st.bound is not None and st.bound >= st.value:
            st.status = "OPTIMAL"
            if all(s.status == "OPTIMAL" for s in self.out.stages):
                self.out.status = "OPTIMAL"

    def no_worse(self, obj: Objective, found: _Found, until: float) -> _Found:
        """Rounds of CP-SAT's search (all its workers) from the best schedule until `until`, each union-of-days term
        held at most its value there; every round starts from the last one's best and holds anew. Held, each
        building's noisy days are capped, which cuts the start windows of the works near it, and CP-SAT's
        neighbourhood workers find moves its plain search no longer finds (the sample from a 120 s schedule of
        28,392 household-days, 60 s on two workers: 27,132 held, 28,272 plain). Only the schedule is kept: the
        held model's bound is not one of the stage. A round that finds nothing better is tried again with another
        seed, NO_WORSE_RETRIES times at most."""
        b = self.b
        terms = [t for t in obj.terms if isinstance(t, UnionDays)]
        exprs = b.union_exprs.get(obj.name, [])
        empty = 0  # rounds that found nothing better
        while found.values is not None and found.status != "OPTIMAL" and until - time.time() >= NO_WORSE_MIN:
            starts = {tid: found.values[v.Index()] for tid, v in b.s.items()}
            held = [b.m.Add(e <= value(b.p, Objective("term", [t]), starts)).Index() for t, e in zip(terms, exprs)]
            self._hint_values(found.values)
            wall = until - time.time()
            got = self.cpsat(obj.name, min(NO_WORSE_PATIENCE, wall), self.budget.det_left(), wall,
                             patience=NO_WORSE_PATIENCE, seed=self.seed + empty)
            for i in held:
                b.m.Proto().constraints[i].clear_linear()
            if got.values is None or got.value >= found.value:
                empty += 1
                if empty > NO_WORSE_RETRIES:
                    break
                continue
            found = found.holding(got.values, got.value)
        return found

    def revisit(self, objectives: list[Objective]) -> int | None:
        """The time the stages left unused (a last stage proven in seconds) for a second look at the first stage
        not proven optimal: every worker a complete search of its objective alone from the schedule so far, the
        later stages' values no longer fixed. It proves the value or raises the bound (3 buildings: the
        disruption stage left 13.6 % above its bound with 39 of 120 s unused), or finds a better schedule: then
        the index of the stage after which the later ones must be solved again; else None."""
        left, det_left = self.budget.left(), self.budget.det_left()
        k = next((i for i, st in enumerate(self.out.stages) if st.status != "OPTIMAL"), None)
        if k is None or self.last is None or self.out.stages[k].value is None or left < REVISIT_MIN or (
                det_left is not None and det_left < REVISIT_MIN):
            return None
        st, obj, ts = self.out.stages[k], objectives[k], time.time()
        for i in self.fixed[k + 1:]:  # the later stages' values are free
            if i is not None:
                self.b.m.Proto().constraints[i].clear_linear()
        expr = self.b.objective_exprs[obj.name]
        self.b.m.Minimize(expr)
        _rehint(self.b, self.last, self.out.starts)
        found = self.cpsat(obj.name, left, det_left, mode="proof")
        bound = max((x for x in (st.bound, found.bound) if x is not None), default=None)
        if found.values is None or found.value >= st.value:
            if bound is not None and (st.bound is None or bound > st.bound):
                st.bound, st.bound_from = bound, "search"
            self._proven(st)
            return None
        del self.out.stages[k:], self.fixed[k:]
        self.out.status = "OPTIMAL"  # the stages before k are proven; `_settle` lowers it for any that is not
        self._settle(obj, expr, replace(found, bound=bound), st.wall_s + time.time() - ts)
        return k

    def neighbourhoods_then_proof(self, name: str, wall: float, det: float | None) -> _Found:
        """A plain RCPSP on two or more workers. CP-SAT's whole portfolio for PLAIN_FIRST of the time (it proves
        the small ones at once: j30's median 0.013 s); then its neighbourhood workers alone from its schedule
        for PLAIN_LNS, or only PLAIN_PATIENCE when they find nothing better; then every worker a complete
        search from their best (`Mode` "proof"), which alone proves a bound. In the portfolio the
        neighbourhoods share one core; alone they get both and improve the schedule faster (PSPLIB hard
        j60/j120 set at 10 s, 2 workers). The hand-over and the complete searches bring j30's proofs at 10 s
        from 468 to 478 (docs/benchmarks.md)."""
        ts, det0 = time.time(), self.budget.det_used
        share = lambda part: None if det is None else det * part  # noqa: E731
        left = lambda: wall - (time.time() - ts)  # noqa: E731
        first = self.cpsat(name, wall * PLAIN_FIRST, share(PLAIN_FIRST))
        if first.status in ("OPTIMAL", "INFEASIBLE"):
            return first
        if first.values is None:
            return self.cpsat(name, left(), share(1 - PLAIN_FIRST), left())
        self._hint_values(first.values)
        runs = [first, self.cpsat(name, wall * PLAIN_PATIENCE, share(PLAIN_LNS), wall * PLAIN_LNS,
                                  mode="neighbourhoods", beat=first.value)]
        best = lambda: min((f for f in runs if f.values is not None), key=lambda f: f.value)  # noqa: E731
        self._hint_values(best().values)
        det_left = None if det is None else det - (self.budget.det_used - det0)  # all the neighbourhoods left
        runs.append(self.cpsat(name, left(), det_left, left(), mode="proof"))
        bound = max((f.bound for f in runs if f.bound is not None), default=None)  # each run's bound is valid
        found = best()
        proven = bound is not None and found.value <= bound
        return replace(found, bound=bound, status="OPTIMAL" if proven else "FEASIBLE")

    def _hint_values(self, values: list[int]) -> None:
        """A schedule this model found (every variable) as the next search's complete hint."""
        _rehint(self.b, values, {tid: values[v.Index()] for tid, v in self.b.s.items()})

    def _at_least_the_cut(self, obj: Objective, found: _Found) -> _Found:
        """The bound no lower than the cut of the stage's terms (`CpBuilder.cuts`: each union's chain of works
        and crew load, each opening's chain of works): on a large compound CP-SAT may not get far enough in a
        stage's seconds to report even that, and its LP does not see an opening's chain."""
        cut = self.b.cuts.get(obj.name)
        if cut is not None and (found.bound is None or cut > found.bound):
            return replace(found, bound=float(cut), bound_from="cut")
        return found

    def _hold_packed(self, floor: int | None) -> list[int]:
        """In a first stage that minimises the finish, with a packing bound: the tasks of each resource that
        touches nothing else (`packing.independent`) held where the first schedule packed them, when they end
        there by the bound. Put into any schedule that ends later they keep it valid and end no later, so the
        least finish stays what it was, and the search is left the rest. The indices of the constraints that
        hold them."""
        b, starts = self.b, self.out.starts
        if floor is None or not starts:
            return []
        held = []
        for tasks in packing.independent(b.p).values():
            if all(t.id in starts for t in tasks) and max(
                    b.cal[t.calendar][starts[t.id] + t.duration - 1] for t in tasks) <= floor:
                held += [b.m.Add(b.s[t.id] == starts[t.id]).Index() for t in tasks]
        return held

    def _packing_floor(self, finish: cp_model.IntVar) -> int | None:
        """For a finish objective: the packing bound (`packing`), stated in the model when it says more than
        the earliest day any task can end; None when it does not."""
        b = self.b
        earliest = {tid: b.cal[b.tasks[tid].calendar][w.est] for tid, w in b.win.items()}
        low = max(b.cal[b.tasks[tid].calendar][w.est + b.tasks[tid].duration - 1] for tid, w in b.win.items())
        det_left = self.budget.det_left()
        floor, used = packing.finish_bound(b.p, earliest, low, b.p.horizon - 1, self.seed,
                                           PACKING_DET if det_left is None else min(PACKING_DET, det_left / 10))
        self.budget.det_used += used
        if floor <= low:
            return None
        b.m.Add(finish >= floor)
        return floor

    def probes(self, name: str, var: cp_model.IntVar, found: _Found, until: float, det: float | None) -> _Found:
        """Probe the finish upward from the bound: is there a schedule that ends by day `target`? With the
        end fixed, propagation is strong: on the sample, targets below the optimum were refuted in presolve
        and one on it was met in half the deterministic time the optimising search needed to reach it. Once
        a target times out, the rest is bisected between it and the best schedule. The day just below the
        best gets all the time left (again, if it timed out in a small part before the best came down)."""
        if found.values is None or found.bound is None:
            return found
        low, high = math.ceil(found.bound - 1e-9), found.value  # the finish lies in [low, high]
        floor = low  # targets below this were refuted or timed out
        retry = True  # once every day below the best was probed, the day just below it once more
        while low < high and (det is None or det > 0.01):
            wall = until - time.time()
            if wall < 1.0:
                break
            if floor >= high:  # a target timed out before a schedule came down to just above it
                if not retry:
                    break
                retry, floor = False, high - 1
            upward = floor == low
            target = floor if upward else (floor + high - 1) // 2
            if high - floor == 1:  # one day below the best, nothing is left to bisect after it: all there is
                part = 1.0
            else:
                part = PROBE_PART if upward else 1 / math.ceil(math.log2(high - floor + 1))
            status, values, used = self._probe(var, target, wall * part, None if det is None else det * part)
            det = None if det is None else det - used
            if values is not None:
                high = values[var.Index()]
                found = replace(found, values=values, value=high)
                if self.progress:
                    self.progress(name, high, low, time.time() - self.budget.t0)
            elif status == cp_model.INFEASIBLE:  # no schedule ends by the target, so none by an earlier day
                low = floor = max(low, target + 1)
            else:
                floor = target + 1
        return replace(found, bound=float(low), status="OPTIMAL" if low >= high else "FEASIBLE")

    def _probe(self, var: cp_model.IntVar, target: int, wall: float, det: float | None):
        """A feasibility search with the finish at most `target`: (status, schedule or None, det time)."""
        m = self.b.m.clone()
        m.clear_objective()
        m.Add(m.GetIntVarFromProtoIndex(var.Index()) <= target)
        solver = cp_model.CpSolver()
        _params(solver, min(wall, self.budget.left()), self.workers, self.seed, self.plain, det)
        status = solver.Solve(m)
        used = solver.ResponseProto().deterministic_time
        self.budget.det_used += used
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, None, used
        values = list(solver.ResponseProto().solution)
        rows = self.check(values) if self.lazy else []
        if rows:  # a schedule that breaks a lazy rule: its rows join the model, the target stays open
            self.b.add_rows(rows)
            return cp_model.UNKNOWN, None, used
        return status, values, used

    def _bounds_beside(self, obj: Objective, share: float) -> bool:
        """Whether the per-term bounds run in a thread beside the neighbourhood search (two workers or more, no
        deterministic budget) instead of before CP-SAT's search for a short share: a building's least noise
        comes from core-based search, which needs seconds per term, and neighbourhood steps leave a core idle.
        The sum is then only reported, not stated in the model."""
        unions = [t for t in obj.terms if isinstance(t, UnionDays)]
        return (self.workers >= 2 and self.budget.det is None and len(unions) >= 2 and not self.plain
                and self.budget.left() * share >= 5.0)

    def term_bounds(self, obj: Objective, share: float) -> tuple[int | None, list[int] | None]:
        """Per-term bounds of a sum of union-of-days terms (`bounds`: relaxations, then the terms in the whole
        problem in what they leave), when it has several and there is time: (their sum with the constant, each
        term's bound)."""
        unions = [t for t in obj.terms if isinstance(t, UnionDays)]
        left, det_left = self.budget.left(), self.budget.det_left()
        if len(unions) < 2 or self.plain or left < 5.0:
            return None, None
        det = BOUND_DET * len(unions)
        if det_left is not None:
            det = min(det, BOUND_SHARE * share * det_left)
        total, floors, used = bounds.objective_bound(self.b, obj, det, BOUND_SHARE * share * left, self.seed)
        self.budget.det_used += used
        return total, floors

    def neighbourhoods(self, name: str, found: _Found, until: float, det: float | None,
                       ordered: bool = False) -> _Found:
        """Large-neighbourhood search from CP-SAT's schedule until `until` (and within `det`), or until it meets
        the bound. `ordered`: the steps for a finish (`lns.improve`)."""
        def better(inc: lns.Incumbent) -> None:
            if self.progress:
                self.progress(name, inc.objective, found.bound, time.time() - self.budget.t0)

        wall_left = lambda: min(until - time.time(), self.budget.left())  # noqa: E731
        det_budget = math.inf if det is None else det
        if wall_left() < 1.0 or det_budget <= 0.01:
            return found
        inc, used = lns.improve(self.b, lns.Incumbent(found.values, found.value), self.rng, det_budget, wall_left,
                                self.seed, better, self.check if self.lazy else None, ordered, found.bound)
        self.budget.det_used += used
        return found.holding(inc.values, inc.objective)

    def _settle(self, obj: Objective, expr, found: _Found, wall: float) -> bool:
        """Record the stage; keep the schedule found, else the one so far (if any)."""
        out, b = self.out, self.b
        if found.values is not None:
            best = found.value
            self.last = found.values
            out.starts = {tid: found.values[v.Index()] for tid, v in b.s.items()}
            out.stages.append(StageResult(obj.name, found.status, best, found.bound, wall, found.bound_from))
        elif out.starts and found.status != "INFEASIBLE":  # nothing better in time: keep the schedule so far
            best = value(b.p, obj, out.starts)
            proven = found.bound is not None and found.bound >= best
            out.stages.append(StageResult(obj.name, "OPTIMAL" if proven else "FEASIBLE", best, found.bound, wall,
                                          found.bound_from))
        else:
            if not out.stages or not out.starts:
                out.status = found.status if found.status == "INFEASIBLE" else "UNKNOWN"
                out.stages.append(StageResult(obj.name, found.status, None, None, wall))
                self.fixed.append(None)
                return False
            out.stages.append(StageResult(obj.name, "UNKNOWN", None, None, wall))
            self.fixed.append(None)
            out.status = "FEASIBLE"
            return True
        bound = out.stages[-1].bound
        if self.progress and bound is not None:  # the stage's last word: its bound may come after its last schedule
            self.progress(obj.name, best, bound, time.time() - self.budget.t0)
        self.fixed.append(b.m.Add(expr <= best).Index())
        if any(isinstance(t, Makespan) for t in obj.terms):
            self.finish_bound = best
            b.tighten(best)
        if out.stages[-1].status != "OPTIMAL":
            out.status = "FEASIBLE"
        return True


def _stages(search: _Search, objectives: list[Objective], start: int) -> bool:
    """Every objective stage from `start` on; False when the solve must stop (no schedule at all)."""
    names = [o.name for o in objectives]
    for k in range(start, len(objectives)):
        share = STAGE_WEIGHT.get(names[k], 1.0) / sum(STAGE_WEIGHT.get(n, 1.0) for n in names[k:])
        if not search.stage(objectives[k], share, first=k == 0, last=k == len(names) - 1):
            return False
    return True


def solve(problem: Problem, time_limit: float = 60.0, workers: int = 2, seed: int = 0,
          progress: Progress | None = None, disabled: frozenset[Group] = frozenset(),
          deterministic_limit: float | None = None, incumbent: dict[str, int] | None = None,
          lazy: Lazy | None = None) -> CoreSolution:
    """Every objective stage in turn within `time_limit` seconds (and `deterministic_limit`, when given).
    `incumbent`: start indices of a schedule known to keep every rule (the first hint and fall-back).
    `lazy`: rules too many to state up front (a large compound's access cuts): every schedule kept is
    checked, and the rows one breaks join the model."""
    t0 = time.time()
    try:
        b = CpBuilder(problem, disabled)
    except Infeasible as exc:
        return CoreSolution("INFEASIBLE", conflict=exc.groups, detail=exc.detail, wall_s=time.time() - t0)
    plain = _first_hint(b, problem, incumbent)
    search = _Search(b, _Budget(t0, time_limit, deterministic_limit), workers, seed, plain, progress, lazy)
    if incumbent:
        search.out.starts = dict(incumbent)
        if progress and problem.objectives:  # the first schedule is there before any search
            first = problem.objectives[0]
            progress(first.name, value(problem, first, incumbent), 0.0, time.time() - t0)
    if _stages(search, problem.objectives, 0):
        search.collect()
        again = search.revisit(problem.objectives)
        if again is not None:
            _stages(search, problem.objectives, again + 1)
    search.collect()
    out = search.out
    out.det_s = search.budget.det_used
    out.wall_s = time.time() - t0
    return out

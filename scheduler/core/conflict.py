"""A minimal set of rule groups that cannot all hold: why a core `Problem` is infeasible.

The first candidate set comes from the model builder when it already sees the conflict (a rule that
leaves a task no start day, a zone that may never open), otherwise from one feasibility solve with an
on/off literal per rule group as assumptions (`CpBuilder(assume=True)`, 1 worker, presolve off so the
returned subset is one of ours). It is then shrunk by deletion with the plain model (groups switched
off through `disabled`, which propagates far better): a member stays only if the problem becomes
feasible without it. The result is minimal: removing any one member makes the
problem feasible (unless a solve ran out of time, which `minimal` reports). An optional deterministic
budget (CP-SAT deterministic time) is shared out like the wall-clock one, so that a 1-worker run with a
fixed seed names the same conflict however busy the machine is. Groups are whatever hashable
values the domain layer tagged the rules with; it also puts them into words. They are kept in the order of
their printed names, so a run is deterministic whatever they are.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from scheduler.core.cpsat import CpBuilder, Infeasible
from scheduler.core.problem import Group, Objective, Problem
from scheduler.core.solve import solve


@dataclass
class Conflict:
    status: str  # FEASIBLE (nothing to explain), INFEASIBLE, or UNKNOWN (no answer within the time limit)
    groups: list[Group] = field(default_factory=list)  # the rule groups that cannot all hold
    minimal: bool = True  # every member was shown necessary (False: a deletion test timed out)
    solves: int = 0
    wall_s: float = 0.0
    detail: str = ""  # what the model builder found, when it found it before any solve


class _Oracle:
    """Feasibility solves of one model under varying assumptions (1 worker: assumptions need it)."""

    def __init__(self, b: CpBuilder, seed: int):
        self.b, self.seed = b, seed
        self.name = {lit.Index(): g for g, lit in b.lits.items()}
        self.solves = 0
        self.det_s = 0.0

    def run(self, active: list[Group], limit: float, det: float | None = None) -> tuple[str, list[Group] | None]:
        """Status, and when infeasible a subset of `active` that suffices (None: the solver gave none usable)."""
        m = self.b.m
        m.ClearAssumptions()
        m.AddAssumptions([self.b.lits[g] for g in active])
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds = max(0.05, limit)
        if det is not None:
            p.max_deterministic_time = max(0.001, det)
        p.num_workers = 1
        p.random_seed = self.seed
        p.use_overload_checker_in_cumulative = True
        p.use_timetable_edge_finding_in_cumulative = True
        p.cp_model_presolve = False  # with presolve, the core may name literals that were never assumed
        status = solver.Solve(m)
        self.solves += 1
        self.det_s += solver.ResponseProto().deterministic_time
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return "FEASIBLE", None
        if status != cp_model.INFEASIBLE:
            return "UNKNOWN", None
        # With presolve on, OR-Tools may return literals that were never assumed: keep only ours.
        wanted = set(active)
        core = {self.name.get(i) for i in solver.SufficientAssumptionsForInfeasibility()} & wanted
        return "INFEASIBLE", _sorted(core) or None


class _Plain:
    """Deletion tests on the plain model: the groups outside `on` are switched off via `disabled`."""

    def __init__(self, problem: Problem, everything: list[Group], seed: int, workers: int):
        self.p = replace(problem, objectives=[Objective("feasible", [])])
        self.everything, self.seed, self.workers = set(everything), seed, workers
        self.solves = 0
        self.det_s = 0.0

    def raises(self, on: list[Group]) -> Infeasible | None:
        try:
            CpBuilder(self.p, frozenset(self.everything - set(on)))
        except Infeasible as exc:
            return exc
        return None

    def run(self, on: list[Group], limit: float, det: float | None = None) -> str:
        if self.raises(on) is not None:
            return "INFEASIBLE"
        self.solves += 1
        st = solve(self.p, max(0.05, limit), self.workers, self.seed, disabled=frozenset(self.everything - set(on)),
                   deterministic_limit=det)
        self.det_s += st.det_s
        return {"OPTIMAL": "FEASIBLE", "FEASIBLE": "FEASIBLE"}.get(st.status, st.status)


def minimal_conflict(problem: Problem, time_limit: float = 60.0, seed: int = 0, workers: int = 1,
                     deterministic_limit: float | None = None) -> Conflict:
    """The smallest set of rule groups in conflict (see module doc); one shared wall-clock budget, and one
    deterministic budget when given."""
    t0 = time.time()
    left = lambda: time_limit - (time.time() - t0)  # noqa: E731
    try:
        b = CpBuilder(replace(problem, objectives=[]), assume=True)
    except Infeasible as exc:  # only rules without a group (a precedence cycle, the horizon) get here
        return Conflict("INFEASIBLE", _sorted(exc.groups), True, 0, time.time() - t0, exc.detail)
    everything = _sorted(b.lits)
    plain = _Plain(problem, everything, seed, workers)
    oracle = _Oracle(b, seed)
    det = lambda part=1.0: _part(deterministic_limit, oracle.det_s + plain.det_s, part)  # noqa: E731
    done = lambda st, groups, minimal=True: Conflict(  # noqa: E731
        st, groups, minimal, oracle.solves + plain.solves, time.time() - t0)
    core: list[Group] | None = None
    seen = plain.raises(everything)
    if seen is not None:  # the builder names the rules it tripped on; keep them if they suffice alone
        named = _sorted(set(seen.groups) & set(everything))
        if plain.raises(named) is not None:
            core = named
    if core is None:
        status, core = oracle.run(everything, left(), det())
        if status != "INFEASIBLE":
            status = plain.run(everything, left(), det()) if status == "UNKNOWN" else status
            if status != "INFEASIBLE":
                return done(status, [])
        if core is not None and core != everything and plain.run(core, left() / 2, det(0.5)) != "INFEASIBLE":
            core = None  # guard: the reported subset must really be infeasible
    candidates = core if core is not None else everything
    kept: list[Group] = []
    minimal = True
    while candidates:
        g, candidates = candidates[0], candidates[1:]
        budget, det_budget = left() / (len(candidates) + 1), det(1 / (len(candidates) + 1))
        if budget <= 0 or (det_budget is not None and det_budget <= 0):
            kept.append(g)
            minimal = False
            continue
        status = plain.run(kept + candidates, budget, det_budget)
        if status != "INFEASIBLE":
            kept.append(g)
            minimal &= status == "FEASIBLE"
    return done("INFEASIBLE", _sorted(kept), minimal)


def _part(limit: float | None, used: float, part: float) -> float | None:
    """`part` of what is left of an optional deterministic budget."""
    return None if limit is None else (limit - used) * part


def _sorted(groups) -> list[Group]:
    """Distinct groups in the order of their printed names (groups need not be orderable themselves)."""
    return sorted(set(groups), key=str)

"""One CP-SAT model of a whole programme — the yardstick of the decomposition (`digonce bench programme`).

Every compound is compiled as usual, then the problems are merged on the programme's day axis: task ids,
calendars and rule groups get the compound as a prefix, except the shared pools' resources, which the
compounds' tasks now draw on together (one cumulative per pool). The objectives are the programme's:
the latest finish (all weights 1), then Σ disruption, then Σ open days. It is exact and it stops scaling
after a few compounds — which is what the bench shows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from models.programme import LoadedProgramme
from models.schedule import Schedule

from scheduler import api
from scheduler.core import problem as core
from scheduler.core.greedy import NoRoom, greedy_starts
from scheduler.core.solve import CoreSolution, StageResult, solve
from scheduler.planning import rules
from scheduler.planning.compile import Compiled, compile_project
from scheduler.planning.result import build_schedule


def _shared(prog: LoadedProgramme) -> set[core.Group]:
    return ({rules.crews(t) for t in prog.programme.shared.trades}
            | {rules.machine(m) for m in prog.programme.shared.equipment})


class _Merge:
    """Accumulates compound problems into one, renaming what belongs to a compound."""

    def __init__(self, prog: LoadedProgramme):
        self.shared = _shared(prog)
        self.day0 = prog.info.start
        self.p = core.Problem(0, {}, [], deadline_group=rules.DEADLINE, precedence_group=rules.ORDER)
        self.p.capacities = {g: cap for g, cap in
                             [(rules.crews(t), v.crews) for t, v in prog.programme.shared.trades.items()]
                             + [(rules.machine(m), n) for m, n in prog.programme.shared.equipment.items()]}
        self.objectives: dict[str, core.Objective] = {n: core.Objective(n, []) for n in prog.programme.objective}

    def add(self, cid: str, c: Compiled) -> None:
        q, k = c.problem, (c.day0 - self.day0).days
        g = lambda grp: grp if grp in self.shared else (cid, grp)  # noqa: E731
        n = lambda tid: f"{cid}/{tid}"  # noqa: E731
        self.p.horizon = max(self.p.horizon, q.horizon + k)
        self.p.calendars.update({n(key): [d + k for d in days] for key, days in q.calendars.items()})
        for t in q.tasks:
            self.p.tasks.append(core.Task(n(t.id), t.duration, n(t.calendar), {g(r): u for r, u in t.demands.items()},
                                          t.release + k, None if t.due is None else t.due + k,
                                          {g(r): frozenset(d + k for d in ds) for r, ds in t.forbidden.items()},
                                          {g(r): frozenset(d + k for d in ds) for r, ds in t.no_start.items()},
                                          t.pinned, g(t.release_group)))
        self.p.precedences += [core.Precedence(n(pr.before), n(pr.after), pr.lag, None if pr.group is None else g(pr.group))
                               for pr in q.precedences]
        for r, cap in q.capacities.items():
            if r not in self.shared:
                self.p.capacities[g(r)] = cap
        self.p.spans += [replace(s, id=n(s.id), first=n(s.first), last=n(s.last), max_length_group=g(s.max_length_group),
                                 since=None if s.since is None else s.since + k) for s in q.spans]
        self.p.not_all_open += [(g(grp), tuple(map(n, spans))) for grp, spans in q.not_all_open]
        self.p.open_caps += [(g(grp), tuple(map(n, spans)), cap) for grp, spans, cap in q.open_caps]
        self.p.span_clear_of += [(g(grp), n(span), n(task)) for grp, span, task in q.span_clear_of]
        self.p.span_outside += [(g(grp), n(span), a + k, b + k) for grp, span, a, b in q.span_outside]
        self.p.spacing += [(g(grp), tuple(map(n, tasks)), gap) for grp, tasks, gap in q.spacing]
        self.p.hint.update({n(tid): d + k for tid, d in q.hint.items()})
        for obj in q.objectives:
            if obj.name in self.objectives and obj.name != "finish":
                merged = self.objectives[obj.name]
                merged.constant += obj.constant
                merged.terms += [_rename(term, n) for term in obj.terms]

    def problem(self) -> core.Problem:
        self.p.objectives = [core.Objective("finish", [core.Makespan()]) if name == "finish" else obj
                             for name, obj in self.objectives.items()]
        return self.p


def _rename(term: core.Term, n) -> core.Term:
    if isinstance(term, core.UnionDays):
        return core.UnionDays(term.weight, tuple(map(n, term.tasks)), tuple(map(n, term.spans)))
    if isinstance(term, core.SpanLength):
        return core.SpanLength(term.weight, tuple(map(n, term.spans)))
    return term


def _greedy_hint(q: core.Problem) -> None:
    """The greedy levelling plan as the hint, as every compound's own solve gets it (a fair comparison)."""
    try:
        starts = greedy_starts(q)
    except (NoRoom, ValueError):
        return
    q.hint = {t.id: q.calendars[t.calendar][starts[t.id]] for t in q.tasks}


def solve_monolith(prog: LoadedProgramme, end: date, time_limit: float, workers: int = 2, seed: int = 0,
                   deterministic_limit: float | None = None) -> tuple[str, dict[str, Schedule], float]:
    """Solve the whole programme as one model on a horizon ending at `end`. Returns the status, each
    compound's schedule (empty when none was found) and the wall seconds."""
    merge = _Merge(prog)
    compiled: dict[str, Compiled] = {}
    for c in prog.compounds:
        compiled[c.id] = compile_project(c.project, api.expand(c.project), end)
        if not compiled[c.id].access_complete:
            raise ValueError(f"{c.id}: too large for one model (its access cuts come lazily)")
        _greedy_hint(compiled[c.id].problem)
        merge.add(c.id, compiled[c.id])
    sol = solve(merge.problem(), time_limit, workers, seed, deterministic_limit=deterministic_limit)
    if not sol.starts:
        return sol.status, {}, sol.wall_s
    out = {}
    for cid, c in compiled.items():
        starts = {t.id: sol.starts[f"{cid}/{t.id}"] for t in c.problem.tasks}
        stages = [StageResult(s.name, s.status, None, None, 0.0) for s in sol.stages if s.value is not None]
        out[cid] = build_schedule(c, CoreSolution(sol.status, starts, stages, sol.wall_s))
    return sol.status, out, sol.wall_s

"""Lower bounds on a sum of union-of-days terms (the residents' disruption), one term at a time.

CP-SAT's own bound on Σ households × disrupted days stays near the union-of-days LP relaxation, far
below what any schedule reaches. But the least value of the sum is at least the sum of each term's least
value, and one term (one building's noise, or its doors) is a small problem: the tasks it counts, every
task on a precedence path between two of them, the openings they form and those that may never be open
together with one of them, and the rules among those alone (crews at full capacity, access rows and caps
over those openings, seasons), each task inside the start
window the whole model gives it (its finish bound included). Dropping every other task and rule only
relaxes the problem, so the bound each relaxation proves is a valid bound on its term in the whole one.

When time is left after the small relaxations, each term is also minimised in the *whole* problem, inside
the same windows: every other building's works then compete for its crews, openings and caps, which the small
relaxation drops. It is larger but its windows are tight once the finish is fixed (sample, finish fixed, 1
core, 5 s per term: Σ 22,572 household-days in 66 s, where relaxations that kept the openings sharing a cap or
access row with the term's own gave 21,072 in 50 s; a 3-building compound 6,456 in 0.9 s against 5,820, its
optimum being 6,732). Each term keeps the larger of its two bounds.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from threading import Event
from typing import Callable

from ortools.sat.python import cp_model

from scheduler.core.cpsat import CpBuilder, Infeasible, sub_solver
from scheduler.core.problem import Objective, Problem, Span, Task, UnionDays

WHOLE_MAX_TASKS = 400  # larger problems are not minimised whole: 40 buildings' (840 tasks) prove nothing in the
# seconds a term gets, and the relaxations get all the time instead; the sample has 338 tasks
WHOLE_WALL = 5.0  # seconds a term gets at least in the whole problem: the sample's take 2-5 s to prove, and one
# stopped at 3 s had proven 1,440 of its 2,208 (with less time left, the largest terms get it)


def relaxation(b: CpBuilder, term: UnionDays) -> Problem:
    """The term's own problem (see the module doc), with the start windows of the built model `b`."""
    p = b.p
    spans = {sp.id: sp for sp in p.spans}
    seeds = set(term.tasks) | {t for s in term.spans for t in (spans[s].first, spans[s].last) if t in b.tasks}
    pairs = [row for _, row in p.not_all_open if len(row) == 2]
    keep = _between(b, seeds | _row_mates(b, spans, _between(b, seeds), pairs))
    tasks = [_windowed(b, t) for t in p.tasks if t.id in keep]
    kept: list[Span] = [sp for sp in p.spans if _inside(sp, keep)]
    ids = {sp.id for sp in kept}
    return Problem(p.horizon, p.calendars, tasks,
                   [pr for pr in p.precedences if pr.before in keep and pr.after in keep],
                   dict(p.capacities), kept,
                   [(g, row) for g, row in p.not_all_open if set(row) <= ids],
                   [(g, tuple(s for s in row if s in ids), cap) for g, row, cap in p.open_caps
                    if sum(s in ids for s in row) > cap],
                   [(g, s, t) for g, s, t in p.span_clear_of if s in ids and t in keep],
                   [x for x in p.span_outside if x[1] in ids],
                   [(g, tuple(t for t in ts if t in keep), gap) for g, ts, gap in p.spacing
                    if sum(t in keep for t in ts) > 1],
                   [Objective("term", [term])], deadline_group=p.deadline_group)


def _windowed(b: CpBuilder, t: Task) -> Task:
    """The task with the start window the built model `b` gives it (its finish bound included) as its release
    and due day: a relaxation knows the rest of the problem only through them."""
    w, win = b.cal[t.calendar], b.win[t.id]
    return replace(t, release=max(t.release, w[win.est]), due=w[win.lst + t.duration - 1], pinned=False)


def _inside(sp: Span, keep: set[str]) -> bool:
    """Whether opening `sp` is formed by tasks of `keep` (one opened in the past needs only its last task)."""
    return sp.last in keep and (sp.first in keep or sp.since is not None)


def _row_mates(b: CpBuilder, spans: dict[str, Span], keep: set[str], rows: list[tuple[str, ...]]) -> set[str]:
    """The first and last tasks of every opening in one of `rows` with an opening of `keep`. A row binds in a
    relaxation only when all its openings are in it. The relaxation takes the access rows of two (the pairs
    around a building name zones beyond its own; sample, 2 deterministic s per term: Σ 19,008 → 19,872; with
    every row's openings 20,988, but 40 buildings fell 55,932 → 51,924 at 1 s: relaxations 3-5× larger)."""
    inside = {sid for sid, sp in spans.items() if _inside(sp, keep)}
    return {t for row in rows if inside.intersection(row) for s in row
            for t in (spans[s].first, spans[s].last) if t in b.tasks}


def _between(b: CpBuilder, seeds: set[str]) -> set[str]:
    """The seeds and every task on a precedence path between two of them."""
    down = _closure(seeds, lambda t: [pr.after for pr in b.succs[t]])
    up = _closure(seeds, lambda t: [pr.before for pr in b.preds[t]])
    return (down & up) | seeds


def _closure(start: set[str], step) -> set[str]:
    seen, todo = set(start), list(start)
    while todo:
        for nxt in step(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def term_bound(b: CpBuilder, term: UnionDays, det: float, wall: float, seed: int = 0,
               started: Callable[[cp_model.CpSolver], None] | None = None) -> tuple[int, float]:
    """A lower bound on the term's value in any schedule of `b`'s model (0 when nothing is proven), and the
    deterministic time spent. `started` is told the solver before it runs (so another thread can stop it)."""
    try:
        sub = CpBuilder(relaxation(b, term))
    except Infeasible:
        return 0, 0.0  # cannot happen for a model with a schedule; claim nothing
    sub.m.Minimize(sub.objective(sub.p.objectives[0], None))
    return _least(sub.m, det, wall, seed, started)


class _Whole:
    """The whole problem inside `b`'s start windows, built once, with every union term's expression; each
    term is minimised in turn (`bound`)."""

    def __init__(self, b: CpBuilder, terms: list[UnionDays]):
        p = b.p
        tasks = [_windowed(b, t) for t in p.tasks]
        last = max(t.due for t in tasks)  # the finish bound: the union days' encoding ends there
        self.sub = CpBuilder(replace(p, tasks=tasks, hint={}, objectives=[Objective("terms", list(terms))],
                                     not_all_open=list(p.not_all_open)).within(last + 1))  # the search adds rows
        self.sub.objective(self.sub.p.objectives[0], last)
        self.exprs = self.sub.union_exprs["terms"]

    def bound(self, k: int, det: float, wall: float, seed: int,
              started: Callable[[cp_model.CpSolver], None] | None) -> tuple[int, float]:
        self.sub.m.clear_objective()
        self.sub.m.Minimize(self.exprs[k])
        return _least(self.sub.m, det, wall, seed, started)


def _least(m: cp_model.CpModel, det: float, wall: float, seed: int,
           started: Callable[[cp_model.CpSolver], None] | None) -> tuple[int, float]:
    """The bound a core-based search proves on the model's objective, and the deterministic time spent."""
    solver = sub_solver(wall, det, seed)
    solver.parameters.optimize_with_core = True  # proves a building's least noise days where the default search
    # stalls at the LP bound (the sample: Σ 16,752 → 18,684 household-days at 2 deterministic s per term)
    _fast_core(solver)
    if started:
        started(solver)
    status = solver.Solve(m)
    used = solver.ResponseProto().deterministic_time
    if status == cp_model.INFEASIBLE:
        return 0, used
    return max(0, int(-(-solver.BestObjectiveBound() // 1))), used


def _fast_core(solver: cp_model.CpSolver) -> None:
    """No LP and no energetic cumulative checks: the core search proves a relaxation's least value in far less
    wall time without them (the sample, finish fixed, 3 s of wall per term: small Σ 20,100 → 20,508 household-
    days in 31 s instead of 37, and relaxations that kept the openings sharing a cap or row with the term's own
    16,776 → 21,072; 10 buildings' small ones proven in 4.3 s instead of 6.9), and the bounds run on wall time
    beside the search."""
    p = solver.parameters
    p.linearization_level = 0
    p.use_overload_checker_in_cumulative = False
    p.use_timetable_edge_finding_in_cumulative = False


def objective_bound(b: CpBuilder, obj: Objective, det: float, wall: float, seed: int = 0,
                    stop: Event | None = None, started: Callable[[cp_model.CpSolver], None] | None = None,
                    small_wall: float = math.inf) -> tuple[int, list[int], float]:
    """Σ of the per-term bounds plus the constant, the bound of each union-of-days term (in order), and the
    deterministic time spent. `det` and `wall` are shared out evenly over the terms' relaxations, each
    `small_wall` s at most (no limit when the problem is too large to minimise whole), and what they leave goes
    to the terms in the whole problem, the largest first, each `WHOLE_WALL` s at least. Once `stop` is set the
    remaining terms keep what they have (0 at first: still a valid bound)."""
    t0 = time.time()
    terms = [t for t in obj.terms if isinstance(t, UnionDays)]
    bounds, used = [0] * len(terms), 0.0
    order = list(range(len(terms)))
    rounds = (False, True) if len(b.p.tasks) <= WHOLE_MAX_TASKS else (False,)
    cap = small_wall if len(rounds) == 2 else math.inf
    whole: _Whole | None = None
    for again in rounds:
        if again:  # the terms that cost most first: their works are the ones that wait for others
            order.sort(key=lambda k: -bounds[k])
        for n, k in enumerate(order):
            wall_left = wall - (time.time() - t0)
            left = min(len(order) - n, int(wall_left // WHOLE_WALL)) if again else len(order) - n
            if (stop is not None and stop.is_set()) or (again and (det - used < 0.01 or wall_left < WHOLE_WALL)):
                break
            if not again:
                bound, spent = term_bound(b, terms[k], (det - used) / left, min(wall_left / left, cap), seed, started)
            else:
                try:
                    whole = whole or _Whole(b, terms)
                except Infeasible:
                    break  # cannot happen for a model with a schedule; claim nothing more
                bound, spent = whole.bound(k, (det - used) / left, wall_left / left, seed, started)
            bounds[k] = max(bounds[k], bound)
            used += spent
    return obj.constant + sum(bounds), bounds, used

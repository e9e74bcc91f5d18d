"""Large-neighbourhood search around the incumbent, for one objective stage of a built model.

With one worker CP-SAT runs a single search and no neighbourhood search of its own, and on a busy
machine one worker is what a solve gets. Each step here frees a *neighbourhood* of tasks, fixes every
other task's start to the incumbent's, and lets CP-SAT re-solve that small model (every rule and the
earlier stages' bounds still hold, so anything it finds is a valid schedule). The neighbourhoods follow
the problem's own structure, taken in turn:

- *term*: the tasks of one objective term (one building's noisy works or doors), with the units —
  openings with their underground work — they belong to;
- *pair*: the tasks of two such terms together, so that crews the two buildings share can change their order
  between them (what spreads a building's noisy days is that order: most *term* steps settle at once with
  nothing better in them);
- *units*: one unit and the units whose spans share an access row or cap with it (neighbouring zones);
- *resource*: a run of consecutive tasks of one resource (one trade's crews);
- *window*: every task working in a window of days.

A makespan cannot shrink while the tasks outside the neighbourhood keep their starts: the last one stays
where it is. *Ordered* steps (for a finish) free a window of tasks in order of first day and let every
other task move earlier but never later, behind its crew predecessor in the incumbent — the neighbourhood
CP-SAT's own scheduling search uses with two workers or more.

A neighbourhood grows while its steps are solved to optimality and shrinks when they run out of time.
Steps run on a deterministic budget and the choices come from a seeded generator, so the same seed and
the same deterministic budget give the same result.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

from ortools.sat.python import cp_model

from scheduler.core.construct import partition
from scheduler.core.cpsat import CpBuilder, sub_solver
from scheduler.core.problem import UnionDays

KINDS = ("term", "pair", "units", "resource", "window")
STEP_DET = 0.5  # deterministic seconds per step at most
ORDERED_STEP_DET = 1.0  # …for an ordered step (a larger model: nothing outside is fixed)
ORDERED_MOST = 0.55  # of the tasks in an ordered window at most: larger steps spend seconds per det second
ORDERED_STALL = 30  # ordered steps in a row without a better schedule end the search: some finishes need an
# early task to move later (the sample's), which no ordered step allows; the probes then get the time
MIN_STEP_DET = 0.02  # charged for a step at least: steps settled in presolve report ~0 and would loop forever
MIN_SIZE = 8


@dataclass
class Incumbent:
    values: list[int]  # every model variable, in proto order
    objective: int


class Neighbourhoods:
    """Groups of tasks worth re-solving together, from the problem's structure."""

    def __init__(self, b: CpBuilder, rng: random.Random, most: float = 1.0):
        p = b.p
        self.b, self.rng = b, rng
        self.most = max(MIN_SIZE, int(len(p.tasks) * most))  # the largest neighbourhood
        self.tasks = [t.id for t in p.tasks]
        unit_of = partition(p)
        self.unit: dict[str, list[str]] = defaultdict(list)
        for tid, u in unit_of.items():
            self.unit[u].append(tid)
        self.unit_of = unit_of
        span_unit = {sp.id: unit_of[sp.last] for sp in p.spans if sp.last in unit_of}
        self.near: dict[str, set[str]] = defaultdict(set)
        for _, row in p.not_all_open:
            us = {span_unit[s] for s in row if s in span_unit}
            for u in us:
                self.near[u] |= us - {u}
        self.terms = [self._term_tasks(t, span_unit) for o in p.objectives for t in o.terms
                      if isinstance(t, UnionDays)]
        self.terms = [t for t in self.terms if t]
        self.by_resource = {r: [t.id for t in p.tasks if t.demands.get(r, 0) > 0] for r in p.capacities}
        self.by_resource = {r: ts for r, ts in self.by_resource.items() if len(ts) > 1}
        self.size = max(MIN_SIZE, len(self.tasks) // 8)

    def _term_tasks(self, term: UnionDays, span_unit: dict[str, str]) -> list[str]:
        units = {self.unit_of[t] for t in term.tasks} | {span_unit[s] for s in term.spans if s in span_unit}
        return sorted({t for u in units for t in self.unit[u]})

    def pick(self, kind: str, first_day: dict[str, int]) -> set[str]:
        """A neighbourhood of about `self.size` tasks (fewer when the kind has fewer)."""
        rng, n = self.rng, self.size
        if kind == "term" and self.terms:
            return self._cap(set(rng.choice(self.terms)), first_day)
        if kind == "pair" and len(self.terms) > 1:
            one, other = rng.sample(self.terms, 2)
            return set(one) | set(other)
        if kind == "units" and self.unit:
            units = sorted(self.unit)
            todo, chosen = [rng.choice(units)], set()
            while todo and sum(len(self.unit[u]) for u in chosen) < n:
                u = todo.pop(0)
                if u not in chosen:
                    chosen.add(u)
                    todo += sorted(self.near[u] - chosen)
            return {t for u in chosen for t in self.unit[u]}
        if kind == "resource" and self.by_resource:
            ts = sorted(self.by_resource[rng.choice(sorted(self.by_resource, key=str))], key=lambda t: first_day[t])
            i = rng.randrange(max(1, len(ts) - n + 1))
            return set(ts[i:i + n])
        order = sorted(self.tasks, key=lambda t: first_day[t])
        i = rng.randrange(max(1, len(order) - n + 1))
        return set(order[i:i + n])

    def _cap(self, tids: set[str], first_day: dict[str, int]) -> set[str]:
        """At most twice the size: the tasks around a random one of them, in time."""
        if len(tids) <= 2 * self.size:
            return tids
        order = sorted(tids, key=lambda t: (first_day[t], t))
        i = self.rng.randrange(len(order))
        lo = max(0, min(i - self.size, len(order) - 2 * self.size))
        return set(order[lo:lo + 2 * self.size])

    def adapt(self, closed: bool) -> None:
        """Grow after a step solved to optimality, shrink after one that ran out of time."""
        self.size = min(self.most, int(self.size * 1.2) + 1) if closed else max(MIN_SIZE, int(self.size * 0.8))


def improve(b: CpBuilder, inc: Incumbent, rng: random.Random, det_budget: float, wall_left: Callable[[], float],
            seed: int, on_better: Callable[[Incumbent], None] | None = None,
            check: Callable[[list[int]], list] | None = None, ordered: bool = False,
            floor: float | None = None) -> tuple[Incumbent, float]:
    """Steps of neighbourhood search on `b.m` (its objective and every constraint as they stand) until the
    deterministic budget or the wall clock runs out, or the objective reaches `floor` (a proven bound).
    `ordered`: window steps in which the tasks outside may move earlier (for a finish). `check`: the lazy
    rows a schedule breaks; such a schedule is not taken, and its rows join the model. Returns the best
    incumbent and the deterministic time spent."""
    hoods = Neighbourhoods(b, rng, ORDERED_MOST if ordered else 1.0)
    kinds = ("window",) if ordered else KINDS
    index = {tid: v.Index() for tid, v in b.s.items()}
    used, k, stall = 0.0, 0, 0
    while det_budget - used > 0.01 and wall_left() > 0.1 and (floor is None or inc.objective > floor) and (
            not ordered or stall < ORDERED_STALL):
        kind = kinds[k % len(kinds)]
        k += 1
        starts = {tid: inc.values[i] for tid, i in index.items()}
        first_day = {tid: b.cal[b.tasks[tid].calendar][s] for tid, s in starts.items()}
        free = hoods.pick(kind, first_day)
        det = min(ORDERED_STEP_DET if ordered else STEP_DET, det_budget - used)
        status, solver, spent = _step(b, inc, index, free, det, wall_left(), seed + k, ordered)
        used += max(MIN_STEP_DET, spent)
        hoods.adapt(status == cp_model.OPTIMAL)
        was = inc.objective
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            value, values = int(round(solver.ObjectiveValue())), list(solver.ResponseProto().solution)
            rows = check(values) if check and value <= inc.objective else []
            if rows:
                b.add_rows(rows)
            elif value <= inc.objective:
                better = value < inc.objective
                inc = Incumbent(values, value)
                if better and on_better:
                    on_better(inc)
        stall = 0 if inc.objective < was else stall + 1
    return inc, used


def _step(b: CpBuilder, inc: Incumbent, index: dict[str, int], free: set[str], det: float, wall: float,
          seed: int, ordered: bool = False):
    """Re-solve with every task outside `free` fixed to the incumbent's start (`ordered`: at most that start,
    behind its crew predecessor); (status, solver, det time)."""
    m = b.m.clone()
    proto = m.proto
    for tid, i in index.items():
        if tid not in free:
            dom = proto.variables[i].domain
            flat = [inc.values[i], inc.values[i]] if not ordered else _at_most(list(dom), inc.values[i])
            dom.clear()
            dom.extend(flat)
    if ordered:
        starts = {tid: inc.values[i] for tid, i in index.items()}
        for a, c in crew_order(b, starts, free):
            m.Add(m.GetIntVarFromProtoIndex(index[c]) >= m.GetIntVarFromProtoIndex(index[a]) + b.tasks[a].duration)
    hint = proto.solution_hint
    hint.vars.clear()
    hint.values.clear()
    hint.vars.extend(range(len(inc.values)))
    hint.values.extend(inc.values)
    solver = sub_solver(wall, det, seed)
    status = solver.Solve(m)
    return status, solver, solver.ResponseProto().deterministic_time


def _at_most(flat: list[int], v: int) -> list[int]:
    """A domain (flat [lo, hi, lo, hi, …]) cut to the values at most `v` (which it holds)."""
    out = []
    for lo, hi in zip(flat[::2], flat[1::2]):
        if lo <= v:
            out += [lo, min(hi, v)]
    return out


def crew_order(b: CpBuilder, starts: dict[str, int], free: set[str]) -> list[tuple[str, str]]:
    """Pairs (a, c) of tasks outside `free` that follow each other on one unit of a resource in the schedule
    `starts` (start indices): each resource's tasks dealt to its units in order of first day, each to the
    ready unit that finished last. Only pairs on one calendar (start indices compare); each holds in
    `starts`, so a step keeps the incumbent as a solution."""
    pairs = []
    for res, cap in b.p.capacities.items():
        users = [t for t in b.p.tasks if t.demands.get(res, 0) > 0 and t.id not in free]
        users.sort(key=lambda t: (b.cal[t.calendar][starts[t.id]], t.id))
        units: list[tuple[int, str | None]] = [(-1, None)] * cap  # (last working day, last task) per unit
        for t in users:
            first = b.cal[t.calendar][starts[t.id]]
            order = sorted(range(cap), key=lambda u: (units[u][0] >= first, -units[u][0]))
            last = b.cal[t.calendar][starts[t.id] + t.duration - 1]
            for u in order[:t.demands[res]]:
                day, prev = units[u]
                if prev is not None and day < first and b.tasks[prev].calendar == t.calendar:
                    pairs.append((prev, t.id))
                units[u] = (last, t.id)
    return pairs

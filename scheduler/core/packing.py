"""A lower bound on the finish from packing one resource's tasks onto its crews, gaps included.

CP-SAT bounds a finish by a resource's energy: Σ work / capacity working days after the earliest start.
That misses two things that decide how a busy trade's season really packs. Whole tasks: nine crews with
facades of 15, 18, 24 and 30 working days cannot fill a stretch of 79 working days exactly, so every crew
loses a day or more. Days no task of the trade may work on or span (exam days): they split the season
into stretches that are packed separately. On a generated 40-building compound the energy bound is
2027-07-10 and the best schedule 07-22; packing the 40 facades says no schedule ends before 07-19.

A resource whose tasks all take the same units q of its capacity c is c // q identical machines (a
schedule on the cumulative can always be split into that many sequences of tasks that do not overlap in
time). So "every task ends by day T" needs an assignment of the tasks to (machine, stretch) pairs with no
stretch overfilled: an integer program over counts of tasks of each duration, which CP-SAT decides in
milliseconds. Releases after the earliest one, deadlines, precedences, start rules and the other
resources are left out: dropping them only relaxes, so the least T found feasible is a valid bound.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Iterable

from ortools.sat.python import cp_model

from scheduler.core.problem import Group, Problem, Task

STEP_DET = 0.2  # deterministic seconds per decision: they take milliseconds; one not decided counts as a fit


def finish_bound(p: Problem, earliest: dict[str, int], low: int, high: int, seed: int = 0,
                 det: float = 10.0) -> tuple[int, float]:
    """The least finish day in [low, high] that no resource's packing refutes (`low` if none does), and the
    deterministic time spent (at most `det`). `earliest`: each task's earliest start day."""
    budget = _Budget(det)
    for r in p.capacities:
        if p.reserved.get(r):
            continue  # capacity that varies by day (a district programme): not identical machines
        tasks = [t for t in p.tasks if t.demands.get(r, 0) > 0]
        low = _resource_bound(p, r, tasks, earliest, low, high, seed, budget)
    return low, budget.used


class _Budget:
    def __init__(self, det: float):
        self.det, self.used = det, 0.0


def independent(p: Problem) -> dict[Group, list[Task]]:
    """Resources whose tasks touch nothing else: each task needs that resource alone and no precedence,
    opening, spacing or clear-of rule names it, none is under way or due, no other compound holds the
    resource. Such tasks can be scheduled on their own: a packing of them (`pack`) joins any schedule of
    the rest."""
    named = {x for pr in p.precedences for x in (pr.before, pr.after)}
    named |= {x for sp in p.spans for x in (sp.first, sp.last)}
    named |= {x for _, ids, _ in p.spacing for x in ids} | {tid for _, _, tid in p.span_clear_of}
    by: dict[Group, list[Task]] = {}
    spoilt: set[Group] = set()
    for t in p.tasks:
        used = [r for r, q in t.demands.items() if q > 0 and r in p.capacities]
        if len(used) == 1 and t.id not in named and not t.pinned and t.due is None:
            by.setdefault(used[0], []).append(t)
        else:
            spoilt.update(used)
    return {r: ts for r, ts in by.items() if r not in spoilt and not p.reserved.get(r) and len(ts) > 1}


def pack(p: Problem, tasks: list[Task], r: Group, allowed: dict[str, list[int]], seed: int = 0,
         det: float = 1.0) -> dict[str, int] | None:
    """Start indices that end `tasks` (one resource's, see `independent`) as early as their packing allows,
    each on a start `allowed` says it may take; None when there is no such packing within `det`."""
    machines = _machines(p, r, tasks)
    if not machines or not all(allowed[t.id] for t in tasks):
        return None
    w = p.calendars[tasks[0].calendar]
    earliest = {t.id: w[allowed[t.id][0]] for t in tasks}
    budget = _Budget(det)
    end = _resource_bound(p, r, tasks, earliest, 0, p.horizon - 1, seed, budget)
    runs = _stretches(w, _shut_days(tasks), min(earliest.values()), end)
    _, bins = _decide(runs, machines, Counter(t.duration for t in tasks), seed, budget)
    if bins is None:
        return None
    slots: list[tuple[int, int]] = []  # (start index, length) of each place in the bins
    for b, durations in enumerate(bins):
        k = runs[b // machines][0]
        for d in durations:
            slots.append((k, d))
            k += d
    return _assign(slots, tasks, allowed)


def _assign(slots: list[tuple[int, int]], tasks: list[Task], allowed: dict[str, list[int]]) -> dict[str, int] | None:
    """A task of each slot's length in every slot, each at a start it may take (some have quiet days of their
    own), or None when there is none: the packing is then a bound but no schedule. A bipartite matching by
    augmenting paths: the first task that fits a slot can be the only one that fits a later slot."""
    ok = {t.id: set(allowed[t.id]) for t in tasks}
    fits = {t.id: [i for i, (k, d) in enumerate(slots) if d == t.duration and k in ok[t.id]] for t in tasks}
    owner: dict[int, str] = {}  # slot -> task
    for t in sorted(tasks, key=lambda t: t.id):
        came: dict[int, str] = {}  # slot -> the task whose move reaches it
        todo, free = deque([t.id]), None
        while todo and free is None:
            tid = todo.popleft()
            for i in fits[tid]:
                if i not in came:
                    came[i] = tid
                    if i not in owner:
                        free = i
                        break
                    todo.append(owner[i])
        if free is None:
            return None
        slot_of = {tid: i for i, tid in owner.items()}
        while True:  # shift every task on the path to the slot that reached it
            tid = came[free]
            owner[free] = tid
            if tid == t.id:
                break
            free = slot_of[tid]
    return {tid: slots[i][0] for i, tid in owner.items()}


def _resource_bound(p: Problem, r: Group, tasks: list[Task], earliest: dict[str, int], low: int, high: int,
                    seed: int, budget: _Budget) -> int:
    """The least day in [low, high] that packing `tasks` on r's machines does not refute (by bisection)."""
    machines = _machines(p, r, tasks)
    if not machines:
        return low
    w = p.calendars[tasks[0].calendar]
    start = min(earliest[t.id] for t in tasks)
    shut = _shut_days(tasks)
    sizes = Counter(t.duration for t in tasks)
    while low < high:  # every day below `low` is refuted; fewer days never pack what more days cannot
        mid = (low + high) // 2
        if _refuted(_stretches(w, shut, start, mid), machines, sizes, seed, budget):
            low = mid + 1
        else:
            high = mid
    return low


def _machines(p: Problem, r: Group, tasks: list[Task]) -> int:
    """How many identical crews resource r is to `tasks` (its capacity over the units each takes), or 0 when
    they are not identical machines: fewer than two tasks, different units or different calendars."""
    if len(tasks) < 2 or len({t.demands[r] for t in tasks}) > 1 or len({t.calendar for t in tasks}) > 1:
        return 0
    return p.capacities[r] // tasks[0].demands[r]


def _shut_days(tasks: Iterable[Task]) -> frozenset[int]:
    """Days none of the tasks may work on or span."""
    shut: frozenset[int] | None = None
    for t in tasks:
        mine = frozenset().union(*t.forbidden.values()) if t.forbidden else frozenset()
        shut = mine if shut is None else shut & mine
        if not shut:
            return frozenset()
    return shut or frozenset()


def _stretches(w: list[int], shut: frozenset[int], start: int, end: int) -> list[tuple[int, int]]:
    """(first index into calendar `w`, working days) of each run of days from `start` to `end` between shut
    days (a shut day that is not a working day splits a run too: no task may span it)."""
    runs: list[tuple[int, int]] = []
    k, first, n = bisect_left(w, start), 0, 0
    for day in range(start, end + 1):
        while k < len(w) and w[k] < day:
            k += 1
        if day in shut:
            if n:
                runs.append((first, n))
            n = 0
        elif k < len(w) and w[k] == day:
            first, n = (k, 1) if n == 0 else (first, n + 1)
            k += 1
    return runs + [(first, n)] if n else runs


def _refuted(stretches: list[tuple[int, int]], machines: int, sizes: Counter[int], seed: int,
             budget: _Budget) -> bool:
    """True if the tasks (count per duration) provably do not fit `machines` × `stretches` bins."""
    return _decide(stretches, machines, sizes, seed, budget)[0] == cp_model.INFEASIBLE


def _decide(stretches: list[tuple[int, int]], machines: int, sizes: Counter[int], seed: int,
            budget: _Budget) -> tuple[int, list[list[int]] | None]:
    """CP-SAT's answer to "do the tasks fit the bins", and when they do, the durations in each bin (bins are
    the stretches' machines, in order)."""
    lengths = [n for _, n in stretches]
    if not lengths or sum(d * k for d, k in sizes.items()) > machines * sum(lengths):
        return cp_model.INFEASIBLE, None
    step = min(STEP_DET, budget.det - budget.used)
    if step < 0.001:
        return cp_model.UNKNOWN, None  # out of budget: claim nothing more
    m = cp_model.CpModel()
    bins = [(j, cap) for j, cap in enumerate(lengths) for _ in range(machines)]
    n = {(d, b): m.NewIntVar(0, min(k, cap // d), f"n{d}_{b}") for d, k in sizes.items()
         for b, (_, cap) in enumerate(bins)}
    for d, k in sizes.items():
        m.Add(sum(n[d, b] for b in range(len(bins))) == k)
    load = []
    for b, (_, cap) in enumerate(bins):
        x = sum(d * n[d, b] for d in sizes)
        m.Add(x <= cap)
        load.append(x)
    for b in range(1, len(bins)):  # machines of a stretch are interchangeable: order them by load
        if bins[b][0] == bins[b - 1][0]:
            m.Add(load[b - 1] >= load[b])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = step
    solver.parameters.max_time_in_seconds = 10 * STEP_DET
    status = solver.Solve(m)
    budget.used += solver.ResponseProto().deterministic_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, None
    return status, [[d for d in sorted(sizes, reverse=True) for _ in range(solver.Value(n[d, b]))]
                    for b in range(len(bins))]

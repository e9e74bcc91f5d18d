"""A greedy plan of a core `Problem`: what a Gantt tool's resource levelling gives.

Serial schedule generation: tasks in a precedence-feasible priority order, each placed at the earliest
start on its calendar that honours its predecessors (with lags), its release day, its forbidden days
and the capacity of every resource it needs. It looks at nothing else — no spans, access cuts, open-zone
caps, outage spacing or deadlines — which is exactly what makes it the baseline to beat.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict

from scheduler.core.heuristic import by_priority
from scheduler.core.problem import Group, Problem


class NoRoom(Exception):
    """A task does not fit before the end of its calendar."""


def _days(rule: dict[Group, frozenset[int]]) -> set[int]:
    """The days of a per-group day rule."""
    return set().union(*rule.values())


def _order(p: Problem) -> list[str]:
    """Topological order, ties broken by earliest possible start, then by input order (levelling by ID).
    Raises a ValueError (graphlib.CycleError) on a precedence cycle."""
    preds: dict[str, list[str]] = {t.id: [] for t in p.tasks}
    succs: dict[str, list[str]] = defaultdict(list)
    for pr in p.precedences:
        preds[pr.after].append(pr.before)
        succs[pr.before].append(pr.after)
    rank = {t.id: i for i, t in enumerate(p.tasks)}
    est = {t.id: t.release for t in p.tasks}
    out: list[str] = []
    for tid in by_priority(preds, lambda tid: (est[tid], rank[tid])):
        out.append(tid)
        for s in succs[tid]:
            est[s] = max(est[s], est[tid] + p.task(tid).duration)
    return out


def greedy_starts(p: Problem) -> dict[str, int]:
    """Start index (into the task's calendar) of every task; raises NoRoom if the horizon is too short."""
    preds: dict[str, list] = defaultdict(list)
    for pr in p.precedences:
        preds[pr.after].append(pr)
    used: dict[Group, dict[int, int]] = defaultdict(lambda: defaultdict(int))  # resource → day → units
    starts: dict[str, int] = {}
    finish: dict[str, int] = {}
    for tid in _order(p):
        t = p.task(tid)
        cal = p.calendars[t.calendar]
        s = bisect_left(cal, t.release)
        for pr in preds[tid]:
            s = max(s, bisect_left(cal, finish[pr.before] + 1) + pr.lag)
        if t.pinned:  # work under way: it continues now, whatever else is booked
            s = bisect_left(cal, t.release)
        forbidden = _days(t.forbidden)
        no_start = _days(t.no_start)
        while True:
            if s + t.duration > len(cal):
                raise NoRoom(tid)
            days = cal[s:s + t.duration]
            if t.pinned:
                break
            clash = next((d for d in range(days[0], days[-1] + 1) if d in forbidden), None)
            if clash is not None:
                s = bisect_left(cal, clash + 1)
                continue
            if days[0] in no_start or any(used[r][d] + n > p.capacities.get(r, n)
                                          for d in days for r, n in t.demands.items()):
                s += 1
                continue
            break
        for d in days:
            for r, n in t.demands.items():
                used[r][d] += n
        starts[tid], finish[tid] = s, days[-1]
    return starts

"""Objective values of a schedule given as start indices, computed straight from the definitions of the
objective terms (no model): for schedules found outside CP-SAT (the constructive start, neighbourhood
searches) and to cross-check the model's own expressions."""

from __future__ import annotations

from scheduler.core.problem import Makespan, Moved, Objective, Problem, SpanLength, UnionDays


def task_days(p: Problem, starts: dict[str, int]) -> dict[str, list[int]]:
    """Each task's working days (calendar days)."""
    return {t.id: p.calendars[t.calendar][starts[t.id]:starts[t.id] + t.duration] for t in p.tasks}


def span_days(p: Problem, days: dict[str, list[int]]) -> dict[str, tuple[int, int]]:
    """Each span's first and last calendar day."""
    return {sp.id: (sp.since if sp.since is not None else days[sp.first][0], days[sp.last][-1]) for sp in p.spans}


def value(p: Problem, obj: Objective, starts: dict[str, int]) -> int:
    """The objective's value for the schedule."""
    days = task_days(p, starts)
    spans = span_days(p, days)
    total = obj.constant
    for term in obj.terms:
        if isinstance(term, Makespan):
            total += max(d[-1] for d in days.values())
        elif isinstance(term, SpanLength):
            total += term.weight * sum(spans[s][1] - spans[s][0] + 1 for s in term.spans)
        elif isinstance(term, Moved):
            total += sum(w for tid, w in term.weight.items() if days[tid][0] != term.baseline.get(tid))
        elif isinstance(term, UnionDays):
            covered = {d for tid in term.tasks for d in days[tid]}
            for s in term.spans:
                covered.update(range(spans[s][0], spans[s][1] + 1))
            total += term.weight * len(covered)
    return total

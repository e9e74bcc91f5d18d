"""The generic scheduling problem the CP-SAT core solves. It knows nothing of pipes or buildings.

Time is in whole calendar days counted from day 0. Each task needs `duration` working days of its
calendar, runs uninterrupted over them (it may span the calendar's off days), and "after" always
means on a later day than the predecessor's finish. PSPLIB RCPSP instances map onto it directly
(one calendar with every day working).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, replace
from typing import Hashable

# A rule group: any hashable value the domain layer chooses (the core only hashes, compares and prints it).
# Every instance of a group's rules is switched on or off together, and a conflict names groups.
Group = Hashable


@dataclass
class Task:
    id: str
    duration: int  # working days of its calendar, >= 1
    calendar: str  # key into Problem.calendars
    demands: dict[Group, int] = field(default_factory=dict)  # renewable resource -> units per working day
    release: int = 0  # first calendar day it may start
    due: int | None = None  # last calendar day it may finish
    # group -> calendar days it may neither work on nor span
    forbidden: dict[Group, frozenset[int]] = field(default_factory=dict)
    no_start: dict[Group, frozenset[int]] = field(default_factory=dict)  # group -> calendar days it may not start on
    pinned: bool = False  # starts on the first working day >= release, no later (work already under way)
    release_group: Group = "release"  # rule group of `release` (a conflict names it)


@dataclass(frozen=True)
class Precedence:
    before: str
    after: str
    lag: int = 0  # working days of the successor's calendar strictly between the two
    group: Group | None = None  # a rule group that may be switched off (None: always holds, see
    # Problem.precedence_group)


@dataclass(frozen=True)
class Span:
    """A stretch of calendar days from one task's start to another's finish (e.g. a trench opening)."""

    id: str
    first: str
    last: str
    max_length: int | None = None
    max_length_group: Group = "max_length"  # rule group of `max_length`
    since: int | None = None  # already open since this calendar day: `first` no longer decides the start


@dataclass(frozen=True)
class UnionDays:
    """weight × number of calendar days on which any of `tasks` works or any of `spans` is open."""

    weight: int
    tasks: tuple[str, ...] = ()
    spans: tuple[str, ...] = ()


@dataclass(frozen=True)
class SpanLength:
    """weight × Σ calendar length of the spans."""

    weight: int
    spans: tuple[str, ...]


@dataclass(frozen=True)
class Makespan:
    """The last calendar day on which any task works."""


@dataclass
class Moved:
    """Σ weight[t] over tasks whose first working day is not the calendar day baseline[t] (plan stability)."""

    weight: dict[str, int]
    baseline: dict[str, int]


Term = UnionDays | SpanLength | Makespan | Moved


@dataclass
class Objective:
    name: str
    terms: list[Term]
    constant: int = 0


@dataclass
class Problem:
    horizon: int  # calendar days 0 .. horizon-1
    calendars: dict[str, list[int]]  # key -> sorted working days
    tasks: list[Task]
    precedences: list[Precedence] = field(default_factory=list)
    capacities: dict[Group, int] = field(default_factory=dict)  # a resource is also the rule group of its cap
    spans: list[Span] = field(default_factory=list)
    # Rules over spans, each tagged with a group so a conflict can be traced to its rule.
    not_all_open: list[tuple[Group, tuple[str, ...]]] = field(default_factory=list)  # (group, spans)
    open_caps: list[tuple[Group, tuple[str, ...], int]] = field(default_factory=list)  # (group, spans, cap)
    span_clear_of: list[tuple[Group, str, str]] = field(default_factory=list)  # (group, span, task): disjoint
    # (group, span, first day, last day): the span holds none of these calendar days (e.g. a flood season)
    span_outside: list[tuple[Group, str, int, int]] = field(default_factory=list)
    spacing: list[tuple[Group, tuple[str, ...], int]] = field(default_factory=list)  # (group, tasks, gap days)
    objectives: list[Objective] = field(default_factory=list)
    hint: dict[str, int] = field(default_factory=dict)  # task -> calendar day to try as its start first
    deadline_group: Group = "deadline"  # rule group of every task's `due`
    precedence_group: Group = "precedence"  # named when precedences without a group cannot hold
    # resource -> calendar day -> units of its capacity held elsewhere that day (another compound of a
    # district programme): the tasks here share only what is left
    reserved: dict[Group, dict[int, int]] = field(default_factory=dict)

    def within(self, horizon: int) -> Problem:
        """The same problem on a shorter horizon (calendars cut at day `horizon`): a model over years of
        days is large, and a known schedule or a good guess says where the work can end."""
        if horizon >= self.horizon:
            return self
        cals = {k: days[:bisect_left(days, horizon)] for k, days in self.calendars.items()}
        outside = [x for x in self.span_outside if x[2] < horizon]
        return replace(self, horizon=horizon, calendars=cals, span_outside=outside)

    def task(self, tid: str) -> Task:
        return self._by_id()[tid]

    def _by_id(self) -> dict[str, Task]:
        if getattr(self, "_index", None) is None or len(self._index) != len(self.tasks):
            self._index = {t.id: t for t in self.tasks}
        return self._index

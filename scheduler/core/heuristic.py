"""A fast priority-rule schedule handed to CP-SAT as its first hint.

Serial schedule generation (SGS) in the compressed axis of one calendar, with two classic priority
rules — latest finish time (LFT) and most total successors (MTS) — each improved by forward–backward
passes: the backward pass right-justifies the schedule against its own finish, and sorting by those
late starts gives the next forward list. CP-SAT then starts from a good makespan instead of finding
its first schedule by search, which is what pays on RCPSP with only two workers.

It applies only when every task shares one calendar (then precedences and resources live on the same
index axis); mixed-calendar compounds are skipped. Start-domain rules (release, forbidden days, pins)
come in as each task's allowed start indices; everything the SGS does not model (spans, caps,
deadlines) is left to CP-SAT, which treats the hint as a suggestion only.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from typing import TYPE_CHECKING, Callable, Hashable, Iterator, Mapping, TypeVar

if TYPE_CHECKING:
    from scheduler.core.cpsat import CpBuilder
    from scheduler.core.problem import Group, Problem

PASSES = 8  # forward-backward rounds per rule; improvements stop well before on PSPLIB j30-j120
N = TypeVar("N", bound=Hashable)


@dataclass
class Network:
    """Tasks on one index axis 0..length-1: task i runs over [s, s + duration[i])."""

    duration: list[int]
    demand: list[dict[Group, int]]
    capacity: dict[Group, int]
    length: int
    preds: list[list[tuple[int, int]]]  # i -> [(predecessor, lag)]: s_i >= s_p + d_p + lag
    allowed: list[list[int]] | None = None  # sorted allowed start indices per task (None: any)
    succs: list[list[tuple[int, int]]] = field(init=False)

    def __post_init__(self) -> None:
        self.succs = [[] for _ in self.duration]
        for i, ps in enumerate(self.preds):
            for p, lag in ps:
                self.succs[p].append((i, lag))

    def reversed(self) -> Network:
        """The mirror network: successors become predecessors (start-domain rules dropped)."""
        return Network(self.duration, self.demand, self.capacity, self.length, self.succs)


def serial_sgs(net: Network, order: list[int]) -> list[int] | None:
    """Place tasks in `order` (precedence-feasible) each at its earliest feasible start; None if one
    does not fit on the axis."""
    n = net.length
    used = {r: [0] * n for r in net.capacity}
    start = [-1] * len(net.duration)
    for i in order:
        d, dem = net.duration[i], [(r, q) for r, q in net.demand[i].items() if q > 0 and r in used]
        s = max((start[p] + net.duration[p] + lag for p, lag in net.preds[i]), default=0)
        while True:
            if net.allowed is not None:
                k = bisect_left(net.allowed[i], s)
                if k == len(net.allowed[i]):
                    return None
                s = net.allowed[i][k]
            if s + d > n:
                return None
            clash = next((t for t in range(s + d - 1, s - 1, -1)
                          if any(used[r][t] + q > net.capacity[r] for r, q in dem)), None)
            if clash is None:
                break
            s = clash + 1
        for r, q in dem:
            row = used[r]
            for t in range(s, s + d):
                row[t] += q
        start[i] = s
    return start


def makespan(net: Network, start: list[int]) -> int:
    return max(s + d for s, d in zip(start, net.duration))


def by_priority(preds: Mapping[N, list[N]], key: Callable[[N], object]) -> Iterator[N]:
    """Every node after its predecessors, always the eligible one with the smallest `key` next. The key is
    read when the next node is chosen, so a caller may change what it depends on between two nodes.
    Raises graphlib.CycleError (a ValueError) on a cycle."""
    sorter = TopologicalSorter(preds)
    sorter.prepare()
    eligible: list[N] = []
    while sorter.is_active():
        eligible.extend(sorter.get_ready())
        node = min(eligible, key=key)
        eligible.remove(node)
        yield node
        sorter.done(node)


def priority_order(net: Network, key: list[float]) -> list[int]:
    """Topological order that always takes the eligible task with the smallest key (ties: index)."""
    preds = {i: [p for p, _ in ps] for i, ps in enumerate(net.preds)}
    return list(by_priority(preds, lambda j: (key[j], j)))


def _latest_finish(net: Network) -> list[int]:
    """Latest finish times from a backward critical-path pass (no resources)."""
    order = priority_order(net, [0] * len(net.duration))
    est = [0] * len(net.duration)
    for i in order:
        est[i] = max((est[p] + net.duration[p] + lag for p, lag in net.preds[i]), default=0)
    horizon = max(e + d for e, d in zip(est, net.duration))
    lft = [horizon] * len(net.duration)
    for i in reversed(order):
        lft[i] = min((lft[j] - net.duration[j] - lag for j, lag in net.succs[i]), default=horizon)
    return lft


def _total_successors(net: Network) -> list[int]:
    reach: list[set[int]] = [set() for _ in net.duration]
    for i in reversed(priority_order(net, [0] * len(net.duration))):
        for j, _ in net.succs[i]:
            reach[i] |= reach[j] | {j}
    return [len(r) for r in reach]


def improve(net: Network, start: list[int]) -> list[int]:
    """Forward-backward improvement: alternate right- and left-justified serial passes while the
    makespan shrinks."""
    best, best_ms = start, makespan(net, start)
    back = net.reversed()
    for _ in range(PASSES):
        fin = [s + d for s, d in zip(best, net.duration)]
        late = serial_sgs(back, sorted(range(len(fin)), key=lambda i: (-fin[i], i)))
        if late is None:
            break
        late_start = [-(s + d) for s, d in zip(late, net.duration)]  # mirrored back to forward time
        fwd = serial_sgs(net, sorted(range(len(fin)), key=lambda i: (late_start[i], i)))
        if fwd is None or makespan(net, fwd) >= best_ms:
            break
        best, best_ms = fwd, makespan(net, fwd)
    return best


def best_schedule(net: Network) -> list[int] | None:
    """The shortest of the LFT and MTS schedules after forward-backward improvement, or None."""
    lft = _latest_finish(net)
    mts = _total_successors(net)
    best = None
    for key in (lft, [-m for m in mts]):
        start = serial_sgs(net, priority_order(net, key))
        if start is None:
            continue
        start = improve(net, start)
        if best is None or makespan(net, start) < makespan(net, best):
            best = start
    return best


def complete(problem: Problem) -> bool:
    """Whether `problem` is a plain RCPSP (one calendar, every day working, no deadlines, spans, span
    rules, spacing or reserved capacity): the SGS then models every rule, so its schedule is feasible and its
    makespan a valid upper bound, and the solver picks its RCPSP parameters."""
    cals = {t.calendar for t in problem.tasks}
    if len(cals) != 1:
        return False
    days = problem.calendars[next(iter(cals))]
    return (days == list(range(len(days))) and not (problem.spans or problem.not_all_open or problem.open_caps
                                                     or problem.span_clear_of or problem.span_outside
                                                     or problem.spacing)
            and all(t.due is None for t in problem.tasks) and not problem.reserved)


def hint_starts(builder: CpBuilder) -> dict[str, int] | None:
    """Start indices for a `CpBuilder`'s tasks from the SGS, or None when it does not apply (several
    calendars) or finds no schedule on the axis."""
    tasks = builder.p.tasks
    cals = {t.calendar for t in tasks}
    if len(cals) != 1 or not tasks:
        return None
    index = {t.id: i for i, t in enumerate(tasks)}
    preds: list[list[tuple[int, int]]] = [[] for _ in tasks]
    for pr in builder.prec:
        preds[index[pr.after]].append((index[pr.before], pr.lag))
    net = Network([t.duration for t in tasks], [t.demands for t in tasks],
                  {r: c for r, c in builder.p.capacities.items() if r not in builder.disabled},
                  len(builder.cal[next(iter(cals))]), preds, [builder.dom[t.id] for t in tasks])
    start = best_schedule(net)
    return None if start is None else {t.id: s for t, s in zip(tasks, start)}

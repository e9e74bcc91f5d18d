"""A first schedule that keeps every rule of a core `Problem`: serial generation over units.

CP-SAT on two busy cores finds its first schedule of a compound late and far from the best, and a hint
that breaks the span rules (the greedy levelling plan) does not help it much. This builds a schedule that
already obeys them, so it can be the hint and, when it also meets every deadline, an upper bound on the
finish that shrinks the model.

A *unit* is what must be placed as a whole: a span (a trench opening) together with every task that lies
between its first and its last task (the underground work of the zone), or a single task. Units are taken
in a priority order (each after the units it depends on); a unit's tasks are placed one after another at
their earliest start that keeps precedences, calendars, start-domain rules, resources, spacing and clear-of
rules. Then its spans are checked against those already placed — never-all-open rows, open caps, dates to
stay clear of, maximum lengths, tasks to stay clear of — and on a clash the whole unit is placed again from
a later day. Deadlines are not enforced on the way: a schedule that misses one is still a hint, not a bound.

Passes alternate two priority rules — latest start from a backward pass (where an opening that can close
before a date range it must avoid is due before it; in the first pass a unit is at least as urgent as any
unit waiting on it) and longest tail of successors — with random noise
from the third pass on, each followed by forward-backward improvement; the number of passes is a fixed
share of a work budget, so the same seed gives the same schedule. The shortest valid one is kept.
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from scheduler.core import packing
from scheduler.core.problem import Group, Precedence, Problem, Span, Task

PASS_WORK = 30_000  # task placements: ~90 passes on the sample (338 tasks), at least MIN_PASSES
MIN_PASSES, MAX_PASSES = 8, 90
NOISE = 0.3  # relative noise on the latest-start rule of the exploring passes…
SHAKE = 0.05  # …and on the best schedule's start days of the others
FB_ROUNDS = 3  # forward-backward rounds (two passes each) after each randomised pass, at most


@dataclass
class Built:
    """A constructed schedule: start index per task, its finish day, and whether it keeps every rule."""

    starts: dict[str, int]
    finish: int  # last calendar day on which a task works
    valid: bool  # every deadline met, no work under way on an overloaded crew (the rest holds by construction)
    days: dict[str, tuple[int, int]] = field(default_factory=dict)  # task -> first and last calendar day


@dataclass
class _Unit:
    tasks: list[str]  # in placement order (each after its predecessors inside the unit)
    spans: list[Span] = field(default_factory=list)


class _Placement:
    """One serial pass: the resource use, spans and task days placed so far."""

    def __init__(self, net: _Net):
        self.n = net
        held = net.p.reserved  # capacity other compounds of a programme hold: in use from the start
        self.used: dict[Group, list[int]] = {r: [held.get(r, {}).get(d, 0) for d in range(net.horizon)]
                                             for r in net.p.capacities}
        self.start: dict[str, int] = {}
        self.days: dict[str, tuple[int, int]] = {}  # task -> (first, last) calendar day
        self.span: dict[str, tuple[int, int]] = {}
        self.open_count = [[0] * net.horizon for _ in net.p.open_caps]
        self.broken = False  # work under way overloads a resource: the schedule is a hint, not a solution

    def earliest(self, tid: str, floor: int) -> int:
        """Earliest start index after the placed predecessors and the calendar day `floor`."""
        n = self.n
        w = n.cal[tid]
        s = bisect_left(w, floor)
        for before, lag in n.preds[tid]:
            if before in self.days:
                s = max(s, bisect_right(w, self.days[before][1]) + lag)
        return s

    def place_task(self, tid: str, floor: int) -> bool:
        """Put the task at its earliest feasible start at or after `floor`; False if it does not fit."""
        n = self.n
        t, w, allowed = n.task[tid], n.cal[tid], n.allowed[tid]
        s = self.earliest(tid, floor)
        if t.pinned:
            s = allowed[0] if allowed else s
        while True:
            k = bisect_left(allowed, s)
            if k == len(allowed):
                return False
            s = allowed[k]
            nxt = self._clash(tid, s)
            if nxt == s or t.pinned:  # work under way stays where it is, even on a crew it overloads
                self.broken |= nxt != s
                break
            s = nxt
        self._put(tid, s)
        return True

    def _put(self, tid: str, s: int) -> None:
        n = self.n
        w, d = n.cal[tid], n.task[tid].duration
        self.start[tid] = s
        self.days[tid] = (w[s], w[s + d - 1])
        for r, q in n.demand[tid]:
            row = self.used[r]
            for day in w[s:s + d]:
                row[day] += q

    def _clash(self, tid: str, s: int) -> int:
        """`s` if the task may start there as far as resources, spacing and clear-of rules go, else a later
        start index worth trying."""
        n = self.n
        t, w = n.task[tid], n.cal[tid]
        days = w[s:s + t.duration]
        for r, q in n.demand[tid]:
            row, cap = self.used[r], n.p.capacities[r]
            late = next((i for i in range(len(days) - 1, -1, -1) if row[days[i]] + q > cap), None)
            if late is not None:
                return s + late + 1
        first, last = days[0], days[-1]
        for other, gap in n.spaced[tid]:
            if other in self.days:
                a, b = self.days[other]
                if first < b + gap and a < last + gap:
                    return max(s + 1, bisect_left(w, b + gap))
        for sid in n.clear_spans[tid]:
            if sid in self.span:
                a, b = self.span[sid]
                if first <= b and a <= last:
                    return max(s + 1, bisect_right(w, b))
        return s

    def unplace(self, tid: str) -> None:
        n = self.n
        s = self.start.pop(tid)
        self.days.pop(tid)
        for r, q in n.demand[tid]:
            row = self.used[r]
            for d in n.cal[tid][s:s + n.task[tid].duration]:
                row[d] -= q

    def place_unit(self, unit: _Unit) -> bool:
        """Place the unit at the earliest day from which its tasks fit and its spans clash with nothing."""
        floor = 0
        while floor < self.n.horizon:
            placed = []
            for tid in unit.tasks:
                if not self.place_task(tid, floor):
                    break
                placed.append(tid)
            if len(placed) == len(unit.tasks) and unit.spans:
                self._compress(unit)
            later = None if len(placed) < len(unit.tasks) else self._span_clash(unit)
            if len(placed) == len(unit.tasks) and later is None:
                for sp in unit.spans:
                    self._open(sp)
                return True
            for tid in reversed(placed):
                self.unplace(tid)
            if later is None:
                return False
            floor = max(later, floor + 1)
        return False

    def _compress(self, unit: _Unit) -> None:
        """Move the unit's tasks whose successors all lie inside it as late as those successors allow (last
        first): the trench is then dug just before the work that needs it, and stays open no longer."""
        n, inside = self.n, set(unit.tasks)
        for tid in reversed(unit.tasks):
            succs = n.succs[tid]
            if not succs or any(x not in inside for x in succs) or n.task[tid].pinned:
                continue
            w, d = n.cal[tid], n.task[tid].duration
            due = min(n.cal[x][self.start[x] - lag] - 1 if self.start[x] >= lag else -1
                      for x in succs for b, lag in n.preds[x] if b == tid)
            here = self.start[tid]
            self.unplace(tid)
            allowed = n.allowed[tid]
            k = bisect_right(allowed, bisect_right(w, due) - d) - 1
            while k >= 0 and allowed[k] > here and self._clash(tid, allowed[k]) != allowed[k]:
                k -= 1
            self._put(tid, allowed[k] if k >= 0 and allowed[k] > here else here)

    def interval(self, sp: Span) -> tuple[int, int]:
        first = sp.since if sp.since is not None else self.days[sp.first][0]
        return first, self.days[sp.last][1]

    def _span_clash(self, unit: _Unit) -> int | None:
        """None if the unit's spans keep every span rule with what is placed, else a later day to try from."""
        mine = {sp.id: self.interval(sp) for sp in unit.spans}
        for sp in unit.spans:
            later = self.n.span_rules(self, sp, mine)
            if later is not None:
                return later
        return None

    def _open(self, sp: Span) -> None:
        a, b = self.interval(sp)
        self.span[sp.id] = (a, b)
        for i in self.n.caps_of[sp.id]:
            row = self.open_count[i]
            for d in range(max(0, a), min(b + 1, self.n.horizon)):
                row[d] += 1


class _Net:
    """What every pass shares: calendars, allowed starts, precedences, the units and the span rules."""

    def __init__(self, p: Problem, unit_of: dict[str, str] | None = None):
        """`unit_of`: the units of another net of the same tasks (the mirror keeps the forward units)."""
        self.p = p
        self.horizon = p.horizon
        self.task: dict[str, Task] = {t.id: t for t in p.tasks}
        self.cal = {t.id: p.calendars[t.calendar] for t in p.tasks}
        self.allowed = {t.id: allowed_starts(t, p.calendars[t.calendar]) for t in p.tasks}
        self.demand = {t.id: [(r, q) for r, q in t.demands.items() if q > 0 and r in p.capacities]
                       for t in p.tasks}
        self.preds: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.succs: dict[str, list[str]] = defaultdict(list)
        for pr in p.precedences:
            self.preds[pr.after].append((pr.before, pr.lag))
            self.succs[pr.before].append(pr.after)
        self.spaced: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for _, ids, gap in p.spacing:
            for a in ids:
                self.spaced[a] += [(b, gap) for b in ids if b != a]
        self.spans = {sp.id: sp for sp in p.spans}
        self.clear_spans: dict[str, list[str]] = defaultdict(list)  # task -> spans it must stay clear of
        self.clear_tasks: dict[str, list[str]] = defaultdict(list)  # span -> tasks it must stay clear of
        for _, sid, tid in p.span_clear_of:
            self.clear_spans[tid].append(sid)
            self.clear_tasks[sid].append(tid)
        self.rows: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for _, row in p.not_all_open:
            for sid in row:
                self.rows[sid].append(row)
        self.caps_of: dict[str, list[int]] = defaultdict(list)
        for i, (_, sids, _) in enumerate(p.open_caps):
            for sid in sids:
                self.caps_of[sid].append(i)
        self.outside: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for _, sid, first, last in p.span_outside:
            self.outside[sid].append((first, last))
        self.tail = self._tails()
        self.unit_of = unit_of if unit_of is not None else _partition(p, self.preds, self.succs)
        self.units, self.unit_preds = _units(p, self.unit_of, self.preds)

    def _tails(self) -> dict[str, int]:
        """Working days from a task's start to the end of the longest chain of successors (its own included)."""
        from scheduler.core.heuristic import by_priority

        order = list(by_priority({t: [b for b, _ in self.preds[t]] for t in self.task}, lambda t: t))
        tail: dict[str, int] = {}
        for tid in reversed(order):
            tail[tid] = self.task[tid].duration + max((tail[s] for s in self.succs[tid]), default=0)
        return tail

    def latest_starts(self) -> dict[str, int]:
        """Each task's latest start day in a backward pass from its successors (no resources), where a span
        that can close before a date range it must stay clear of (a flood season) is due the day before it:
        the priority that puts such openings before the season while there is time."""
        from scheduler.core.heuristic import by_priority

        order = list(by_priority({t: [b for b, _ in self.preds[t]] for t in self.task}, lambda t: t))
        est: dict[str, int] = {}
        for tid in order:
            w, allowed = self.cal[tid], self.allowed[tid]
            k = max([bisect_right(w, est[b] + self._length(b) - 1) + lag for b, lag in self.preds[tid]], default=0)
            k = allowed[bisect_left(allowed, k)] if allowed and k <= allowed[-1] else k
            est[tid] = w[min(k, len(w) - 1)]
        due = {t.id: t.due for t in self.p.tasks if t.due is not None}
        for sp in self.p.spans:
            close = est[sp.last] + self._length(sp.last) - 1
            for first, _ in self.outside[sp.id]:
                if close < first:
                    due[sp.last] = min(due.get(sp.last, first - 1), first - 1)
        end = max(e + self._length(t) for t, e in est.items())
        lst: dict[str, int] = {}
        for tid in reversed(order):
            lft = min([due.get(tid, end)] + [lst[s] - 1 for s in self.succs[tid]])
            lst[tid] = lft - self._length(tid) + 1
        return lst

    def _length(self, tid: str) -> int:
        """Calendar days a task spans when it starts on its calendar's first day (an estimate for priorities)."""
        w, d = self.cal[tid], self.task[tid].duration
        return w[d - 1] - w[0] + 1 if len(w) >= d else d

    def span_rules(self, pl: _Placement, sp: Span, mine: dict[str, tuple[int, int]]) -> int | None:
        """None if span `sp` (at mine[sp.id]) keeps its rules, else a later day to place its unit from."""
        a, b = mine[sp.id]
        if sp.max_length is not None and b - a + 1 > sp.max_length:
            return a + 1
        for first, last in self.outside[sp.id]:
            if a <= last and first <= b:
                return last + 1
        for tid in self.clear_tasks[sp.id]:
            if tid in pl.days:
                x, y = pl.days[tid]
                if a <= y and x <= b:
                    return y + 1
        for row in self.rows[sp.id]:
            lo, hi = a, b
            for other in row:
                if other == sp.id:
                    continue
                iv = mine.get(other) or pl.span.get(other)
                if iv is None:
                    break
                lo, hi = max(lo, iv[0]), min(hi, iv[1])
            else:
                if lo <= hi:
                    return hi + 1
        for i in self.caps_of[sp.id]:
            cap, row = self.p.open_caps[i][2], pl.open_count[i]
            own = [mine[o] for o in mine if o != sp.id and i in self.caps_of[o]]  # the unit's other spans
            full = next((d for d in range(max(0, a), min(b + 1, self.horizon))
                         if row[d] + sum(x <= d <= y for x, y in own) >= cap), None)
            if full is not None:
                return full + 1
        return None


def allowed_starts(t: Task, w: list[int]) -> list[int]:
    """Start indices on calendar `w` that keep the task's start-domain rules (release, forbidden days it may
    neither work on nor span, days it may not start on, pinned work); deadlines are not applied here."""
    forbidden = frozenset().union(*t.forbidden.values()) if t.forbidden else frozenset()
    no_start = frozenset().union(*t.no_start.values()) if t.no_start else frozenset()
    bad = [0] * (len(w) + 1)
    for i, day in enumerate(w):
        bad[i + 1] = bad[i] + (day in forbidden)
    first = bisect_left(w, t.release)
    last = first if t.pinned else len(w) - t.duration  # work under way continues on the first day it can
    return [s for s in range(first, min(last, len(w) - t.duration) + 1)
            if bad[s + t.duration] == bad[s] and w[s] not in no_start]


def _reach(start: str, step: dict[str, list[str]], within: set[str] | None = None) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in step[todo.pop()]:
            if nxt not in seen and (within is None or nxt in within):
                seen.add(nxt)
                todo.append(nxt)
    return seen


def partition(p: Problem) -> dict[str, str]:
    """Each task's unit (a representative task of it), see the module doc."""
    preds: dict[str, list[tuple[str, int]]] = defaultdict(list)
    succs: dict[str, list[str]] = defaultdict(list)
    for pr in p.precedences:
        preds[pr.after].append((pr.before, pr.lag))
        succs[pr.before].append(pr.after)
    return _partition(p, preds, succs)


def _partition(p: Problem, preds: dict[str, list[tuple[str, int]]], succs: dict[str, list[str]]) -> dict[str, str]:
    """Each task's unit (a representative task): a span with every task between its first and last one;
    spans whose tasks overlap, and units that depend on each other both ways, become one unit."""
    back = defaultdict(list, {t: [b for b, _ in ps] for t, ps in preds.items()})
    parent = {t.id: t.id for t in p.tasks}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for sp in p.spans:
        anchor = sp.first if sp.first in parent else sp.last  # an opening begun in the past: no first task
        inside = _reach(anchor, succs) & _reach(sp.last, back) | {anchor, sp.last}
        for tid in inside:
            parent[find(tid)] = find(sp.last)
    while True:  # merge units that depend on each other both ways (rare: a cycle through two openings)
        cycle = _unit_cycle(p, preds, find)
        if not cycle:
            break
        for u in cycle[1:]:
            parent[find(u)] = find(cycle[0])
    return {t.id: find(t.id) for t in p.tasks}


def _units(p: Problem, unit_of: dict[str, str], preds: dict[str, list[tuple[str, int]]]):
    """The units of a partition with their spans, and each unit's predecessor units."""
    units: dict[str, _Unit] = {}
    for t in p.tasks:
        units.setdefault(unit_of[t.id], _Unit([])).tasks.append(t.id)
    for sp in p.spans:
        units[unit_of[sp.last]].spans.append(sp)
    unit_preds: dict[str, set[str]] = {u: set() for u in units}
    for t in p.tasks:
        for b, _ in preds[t.id]:
            if unit_of[b] != unit_of[t.id]:
                unit_preds[unit_of[t.id]].add(unit_of[b])
    return units, unit_preds


def _unit_cycle(p: Problem, preds: dict[str, list[tuple[str, int]]], find) -> list[str] | None:
    """Some cycle of units (their root tasks), or None."""
    from graphlib import CycleError, TopologicalSorter

    graph: dict[str, set[str]] = defaultdict(set)
    for t in p.tasks:
        graph[find(t.id)]
        for b, _ in preds[t.id]:
            if find(b) != find(t.id):
                graph[find(t.id)].add(find(b))
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        return list(dict.fromkeys(exc.args[1]))
    return None


def _order_inside(net: _Net, unit: _Unit, key) -> list[str]:
    """The unit's tasks, each after its predecessors inside the unit, by `key` among the eligible."""
    from scheduler.core.heuristic import by_priority

    inside = set(unit.tasks)
    return list(by_priority({t: [b for b, _ in net.preds[t] if b in inside] for t in unit.tasks}, key))


def one_pass(net: _Net, key: dict[str, float], inherit: bool = False) -> Built | None:
    """One serial pass, the smallest `key` first among the eligible units (a unit's key is its tasks'
    least); None if a unit does not fit on the horizon. `inherit`: a unit's key is also no larger than
    that of any unit waiting on it (`_inherit`)."""
    from scheduler.core.heuristic import by_priority

    task_key = lambda t: (key[t], t)  # noqa: E731
    unit_key = {u: min(task_key(t) for t in unit.tasks) for u, unit in net.units.items()}
    if inherit:
        _inherit(net, unit_key)
    pl = _Placement(net)
    for u in by_priority({u: sorted(ps) for u, ps in net.unit_preds.items()}, lambda u: unit_key[u]):
        unit = net.units[u]
        unit.tasks = _order_inside(net, unit, task_key)
        if not pl.place_unit(unit):
            return None
    finish = max((b for _, b in pl.days.values()), default=0)
    valid = not pl.broken and all(net.task[t].due is None or pl.days[t][1] <= net.task[t].due for t in net.task)
    return Built(dict(pl.start), finish, valid, dict(pl.days))


def _inherit(net: _Net, unit_key: dict[str, tuple[float, str]]) -> None:
    """Lower each unit's key to the least of the units that wait on it. A unit is urgent through one of its
    tasks, but it waits for its predecessor units through others, which may not be urgent at all: an
    elevator's apron zone must be dug early for the lift, yet waits for the sewer run laid through the
    zones before it. Without this those zones go in their own (late) turn, the open cap fills meanwhile,
    and the apron, which must stay open from its early dig to the run's arrival, finds no room before
    the flood season (the sample's plain pass: 155 days, with this 144; the optimum is 140)."""
    from graphlib import TopologicalSorter

    for u in reversed(list(TopologicalSorter(net.unit_preds).static_order())):  # a unit's waiters before it
        for b in net.unit_preds[u]:
            if unit_key[u] < unit_key[b]:
                unit_key[b] = (unit_key[u][0], unit_key[b][1])


def mirror(p: Problem, end: int, pad: int) -> Problem:
    """The problem backwards in time from day `end` (day d becomes end - d), with `pad` more days (before
    day 0 of the original, every one working): successors first, spans from their last task to their
    first. Releases, deadlines, pins and days it may not start on are left out, and lags are read on the
    other task's calendar: the mirror only orders tasks for the next forward pass."""
    flip = lambda days: frozenset(end - d for d in days if d <= end)  # noqa: E731
    tail = list(range(end + 1, end + 1 + pad))
    cals = {k: [end - d for d in reversed(w) if d <= end] + tail for k, w in p.calendars.items()}
    tasks = [Task(t.id, t.duration, t.calendar, dict(t.demands), forbidden={g: flip(d) for g, d in t.forbidden.items()})
             for t in p.tasks]
    known = {t.id for t in p.tasks}
    spans = [Span(sp.id, sp.last, sp.first if sp.first in known else sp.last, sp.max_length) for sp in p.spans]
    outside = [(g, sid, end - last, end - first) for g, sid, first, last in p.span_outside if first <= end]
    return Problem(end + 1 + pad, cals, tasks, [Precedence(pr.after, pr.before, pr.lag) for pr in p.precedences],
                   dict(p.capacities), spans, list(p.not_all_open), list(p.open_caps), list(p.span_clear_of),
                   outside, list(p.spacing))


def improve(net: _Net, built: Built, passes: int) -> tuple[Built, int]:
    """Forward-backward passes: right-justify the schedule against its finish (a pass of the mirror in
    order of latest finish), then place forward again in order of those late starts; while it shortens
    and `passes` are left. Returns the schedule and the passes used."""
    used = 0
    while used + 2 <= passes:
        end = built.finish
        back = _Net(mirror(net.p, end, end + 1), net.unit_of)
        late = one_pass(back, {t: -built.days[t][1] for t in net.task})
        fwd = None if late is None else one_pass(net, {t: end - late.days[t][1] for t in net.task})
        used += 2
        if fwd is None or (not fwd.valid, fwd.finish) >= (not built.valid, built.finish):
            break
        built = fwd
    return built, used


def construct(p: Problem, seed: int = 0, work: int = PASS_WORK, order: dict[str, int] | None = None) -> Built | None:
    """The best of randomised passes (valid first, then the earliest finish), each improved by forward-
    backward passes, within `work` task placements (a count, not seconds: the same seed gives the same
    schedule however busy the machine is); None if no pass fits the horizon. `order`: a start day per task
    (a re-plan's baseline) that the first pass follows.

    After the two plain rules, every other pass shakes the best schedule's own order a little (small noise
    on its start days) and the others explore (large noise on the latest-start rule): on the synthetic
    compounds the forward-backward passes turn some noisy orders into far shorter schedules than any plain
    rule gives, so the best one found is worth exploring around."""
    net = _Net(p)
    lst = net.latest_starts()
    spread = max(lst.values(), default=0) - min(lst.values(), default=0)
    passes = max(MIN_PASSES, min(MAX_PASSES, work // max(1, len(p.tasks))))
    rng = random.Random(seed)
    best: Built | None = None
    k = 0
    while passes > 0:
        if k == 0:
            key = {t: order.get(t, lst[t]) for t in net.task} if order else dict(lst)
        elif k == 1:
            key = {t: -net.tail[t] for t in net.task}
        elif k % 2 == 0 and best is not None:
            key = {t: best.days[t][0] + rng.uniform(-1.0, 1.0) * SHAKE * spread for t in net.task}
        else:
            key = {t: lst[t] + rng.uniform(-1.0, 1.0) * NOISE * spread for t in net.task}
        built = one_pass(net, key, inherit=k == 0)
        passes, k = passes - 1, k + 1
        if built is None:
            continue
        built, used = improve(net, built, min(passes, 2 * FB_ROUNDS))
        passes -= used
        if best is None or (not built.valid, built.finish) < (not best.valid, best.finish):
            best = built
    return None if best is None else _repack(net, best, seed)


def _repack(net: _Net, built: Built, seed: int) -> Built:
    """The tasks of a resource that touch nothing else (`packing.independent`) packed onto its crews, where
    that ends them earlier: a serial pass places them one by one and leaves crews short of a whole task
    before a break in their season (a generated 40-building compound's facades end on day 150 that way,
    packed on day 140). The resource serves no other task, so the rest of the schedule stays valid."""
    starts, days = dict(built.starts), dict(built.days)
    for r, tasks in packing.independent(net.p).items():
        packed = packing.pack(net.p, tasks, r, net.allowed, seed)
        if packed is None:
            continue
        ends = {tid: net.cal[tid][k + net.task[tid].duration - 1] for tid, k in packed.items()}
        if max(ends.values()) >= max(days[t.id][1] for t in tasks):
            continue
        for tid, k in packed.items():
            starts[tid], days[tid] = k, (net.cal[tid][k], ends[tid])
    return Built(starts, max((b for _, b in days.values()), default=0), built.valid, days)

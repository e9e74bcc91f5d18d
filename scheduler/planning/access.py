"""R6 as sets of zones that must never be open all at once: minimal cuts of the zone graph.

For an entrance, a cut is a set of diggable zones whose simultaneous opening leaves no way from
the entrance's zone to any gate; forbidding every minimal cut from being open on one day is
exactly R6. Cuts are enumerated by branching on the removable zones of a path that still gets
through (the path with fewest removable zones first). That is quick on a compound of a dozen buildings,
but the number of minimal cuts grows exponentially with the road grid (a 60-building grid has over
5,000, most of 13–14 zones). So enumeration runs on a budget; past it, only cuts of up to SMALL_CUT
zones go into the model, and `violated_cuts` finds any larger cut a schedule opens all at once, for
the solver to add and solve again (exact once no cut is violated).
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Iterable

from models.project import Project
from models.site_graph import Access, adjacency, fire_engine, walker

from scheduler.planning.rules import Rule, RuleGroup

CUT_BUDGET = 20_000  # path searches for the full enumeration (a few seconds); beyond it, cuts go lazy
SMALL_CUT = 4  # cuts up to this many zones are always enumerated


def _entrance(eid: str) -> RuleGroup:
    return RuleGroup(Rule.R6, "access", eid)


def _fire(bid: str) -> RuleGroup:
    return RuleGroup(Rule.R6, "fire", bid)


class TooManyCuts(Exception):
    """The full enumeration would exceed its budget of path searches."""


class _Graph:
    """The zone graph restricted to `nodes`, on integer indices: the cut enumeration runs hundreds of
    thousands of path searches at 200 buildings, which took 95 s on dicts keyed by zone name."""

    def __init__(self, adj: dict[str, set[str]], nodes: set[str], targets: set[str], removable: set[str]):
        self.names = [z for z in adj if z in nodes]
        self.index = {z: i for i, z in enumerate(self.names)}
        self.nbrs = [[self.index[n] for n in adj[z] if n in nodes] for z in self.names]
        self.cost = [int(z in removable) for z in self.names]
        self.target = [z in targets for z in self.names]

    def cheapest_path(self, sources: list[int], removed: bytearray) -> list[str] | None:
        """0-1 BFS avoiding the `removed` nodes; cost = removable zones on the path."""
        big = 1 << 30
        dist, prev, cost = [big] * len(self.names), [-2] * len(self.names), self.cost
        dq: deque[tuple[int, int]] = deque()
        for s in sources:
            if not removed[s] and cost[s] < dist[s]:
                dist[s], prev[s] = cost[s], -1
                (dq.appendleft if cost[s] == 0 else dq.append)((s, cost[s]))
        while dq:
            z, c = dq.popleft()
            if c > dist[z]:
                continue
            if self.target[z]:
                path = [z]
                while prev[path[-1]] != -1:
                    path.append(prev[path[-1]])
                return [self.names[k] for k in path]
            for n in self.nbrs[z]:
                if not removed[n]:
                    nc = c + cost[n]
                    if nc < dist[n]:
                        dist[n], prev[n] = nc, z
                        (dq.appendleft if nc == c else dq.append)((n, nc))
        return None


def minimal_cuts(adj: dict[str, set[str]], nodes: set[str], sources: Iterable[str], targets: set[str],
                 removable: set[str], max_size: int | None = None,
                 budget: list[int] | None = None) -> list[frozenset[str]]:
    """Every inclusion-minimal set of removable nodes separating all sources from all targets.

    Cuts larger than `max_size` are skipped. `budget` ([searches left], shared between calls) raises
    TooManyCuts when spent. A set is extended from one that still had a path, so a cut found earlier
    can lie inside it only if it holds the zone added last: only those cuts are compared.
    """
    graph = _Graph(adj, nodes, targets, removable)
    starts = [graph.index[z] for z in sources if z in graph.index]
    found: set[frozenset[str]] = set()
    holding: dict[str, list[frozenset[str]]] = defaultdict(list)  # zone -> the cuts found that hold it
    seen: set[frozenset[str]] = set()
    stack: list[tuple[frozenset[str], str | None]] = [(frozenset(), None)]
    while stack:
        removed, added = stack.pop()
        if removed in seen or (added is not None and any(c <= removed for c in holding[added])):
            continue
        seen.add(removed)
        if budget is not None:
            budget[0] -= 1
            if budget[0] < 0:
                raise TooManyCuts
        mask = bytearray(len(graph.names))
        for z in removed:
            mask[graph.index[z]] = 1
        path = graph.cheapest_path(starts, mask)
        if path is None:
            found.add(removed)
            for z in removed:
                holding[z].append(removed)
            continue
        if max_size is not None and len(removed) >= max_size:
            continue
        stack.extend((removed | {z}, z) for z in path if z in removable)
    return _minimal(found)


def _minimal(cuts: set[frozenset[str]]) -> list[frozenset[str]]:
    """The inclusion-minimal sets among `cuts`, smallest first. Each kept cut is filed under its zone that
    the fewest cuts hold, so a candidate is compared only with the kept cuts filed under its own zones."""
    freq: dict[str, int] = defaultdict(int)
    for c in cuts:
        for z in c:
            freq[z] += 1
    filed: dict[str, list[frozenset[str]]] = defaultdict(list)
    out: list[frozenset[str]] = []
    for c in sorted(cuts, key=lambda c: (len(c), sorted(c))):
        if not any(o <= c for z in c for o in filed.get(z, ())) and not (c and frozenset() in cuts):
            out.append(c)
            filed[min(c, key=lambda z: (freq[z], z), default="")].append(c)
    return out


def access_cuts(project: Project, dug: set[str], max_size: int | None = None, budget: int | None = None,
                occupied: set[str] = frozenset()) -> list[tuple[RuleGroup, frozenset[str]]]:
    """(rule instance, cut) pairs: pedestrian access per entrance over the `dug` zones, fire access per
    building over the dug and the `occupied` ones (a crane's cordon stops fire engines, not people).

    All minimal cuts, or those of at most `max_size` zones; TooManyCuts past `budget` path searches.
    """
    adj = adjacency(project)
    zones = {z.id: z for z in project.site.zones}
    caps = [c for c in (project.site.max_open_zones, max_size) if c is not None]
    cap = min(caps) if caps else None
    left = [budget] if budget is not None else None
    gates = {g.zone for g in project.site.gates}
    walk_nodes = {z for z, zz in zones.items() if zz.kind != "green"}
    walk_removable = {z for z in dug if zones[z].passable_when_open != "people"}
    out: list[tuple[RuleGroup, frozenset[str]]] = []
    by_source: dict[str, list[frozenset[str]]] = {}
    for b in project.site.buildings:
        for e in b.entrances:
            if e.zone not in by_source:
                by_source[e.zone] = minimal_cuts(adj, walk_nodes, [e.zone], gates & walk_nodes, walk_removable, cap,
                                             left)
            out += [(_entrance(e.id), c) for c in by_source[e.zone]]
    road_nodes = {z for z, zz in zones.items() if zz.kind == "road"}
    road_removable = (dug | occupied) & road_nodes
    for b in project.site.buildings:
        if b.fire_zones:
            cuts = minimal_cuts(adj, road_nodes, sorted(gates & road_nodes), set(b.fire_zones), road_removable, cap,
                                left)
            out += [(_fire(b.id), c) for c in cuts]
    return out


def _shrink(blocked, open_zones: set[str]) -> frozenset[str]:
    """A minimal subset of `open_zones` that still blocks (deletion: drop each zone it can do without)."""
    cut = set(open_zones)
    for z in sorted(open_zones):
        if blocked(cut - {z}):
            cut.discard(z)
    return frozenset(cut)


def violated_cuts(project: Project, open_by_day: dict[object, set[str]],
                  occupied_by_day: dict[object, set[str]] | None = None) -> list[tuple[RuleGroup, frozenset[str]]]:
    """The minimal cuts (rule instance, zones) that a schedule blocks all at once on some day: open zones
    for people; open or occupied (a crane without a fire plan) zones for fire engines."""
    acc = Access(project)
    occupied_by_day = occupied_by_day or {}
    found: set[tuple[RuleGroup, frozenset[str]]] = set()
    for open_zones in {frozenset(z) for z in open_by_day.values() if z}:
        reach = acc.from_gates(walker, open_zones)  # one search a day, not one per entrance (200 buildings)
        for b in project.site.buildings:
            for e in b.entrances:
                if e.zone not in reach:
                    found.add((_entrance(e.id), _shrink(lambda s, e=e: not acc.entrance_ok(e, s), open_zones)))
    days = set(open_by_day) | set(occupied_by_day)
    for blocked in {frozenset(open_by_day.get(d, set()) | occupied_by_day.get(d, set())) for d in days}:
        reach = acc.from_gates(fire_engine, blocked) if blocked else set()
        for b in project.site.buildings:
            if blocked and b.fire_zones and not any(f in reach for f in b.fire_zones):
                found.add((_fire(b.id), _shrink(lambda s, b=b: not acc.fire_ok(b, s), blocked)))
    return sorted(found, key=lambda gc: (str(gc[0]), sorted(gc[1])))

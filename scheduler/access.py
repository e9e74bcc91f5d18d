"""R6 as sets of zones that must never be open all at once: minimal cuts of the zone graph.

For an entrance, a cut is a set of diggable zones whose simultaneous opening leaves no way from
the entrance's zone to any gate; forbidding every minimal cut from being open on one day is
exactly R6. Cuts are enumerated by branching on the removable zones of a path that still gets
through (the path with fewest removable zones first), which stays small on compound-sized graphs.
"""

from __future__ import annotations

from collections import deque
from typing import Iterable

from models.project import Project
from models.site_graph import adjacency


def _cheapest_path(adj: dict[str, set[str]], nodes: set[str], sources: Iterable[str], targets: set[str],
                   removable: set[str], removed: frozenset[str]) -> list[str] | None:
    """0-1 BFS over `nodes` minus `removed`; cost = removable zones on the path."""
    dist: dict[str, int] = {}
    prev: dict[str, str | None] = {}
    dq: deque[tuple[str, int]] = deque()
    for s in sources:
        if s in nodes and s not in removed:
            c = int(s in removable)
            if c < dist.get(s, 1 << 30):
                dist[s], prev[s] = c, None
                (dq.appendleft if c == 0 else dq.append)((s, c))
    while dq:
        z, c = dq.popleft()
        if c > dist[z]:
            continue
        if z in targets:
            path = [z]
            while prev[path[-1]] is not None:
                path.append(prev[path[-1]])
            return path
        for n in adj[z]:
            if n in nodes and n not in removed:
                nc = c + int(n in removable)
                if nc < dist.get(n, 1 << 30):
                    dist[n], prev[n] = nc, z
                    (dq.appendleft if nc == c else dq.append)((n, nc))
    return None


def minimal_cuts(adj: dict[str, set[str]], nodes: set[str], sources: Iterable[str], targets: set[str],
                 removable: set[str], max_size: int | None = None) -> list[frozenset[str]]:
    """Every inclusion-minimal set of removable nodes separating all sources from all targets.

    Cuts larger than `max_size` are skipped: they can never be open all at once anyway.
    """
    sources = list(sources)
    found: set[frozenset[str]] = set()
    seen: set[frozenset[str]] = set()
    stack = [frozenset()]
    while stack:
        removed = stack.pop()
        if removed in seen or any(c <= removed for c in found):
            continue
        seen.add(removed)
        path = _cheapest_path(adj, nodes, sources, targets, removable, removed)
        if path is None:
            found.add(removed)
            continue
        if max_size is not None and len(removed) >= max_size:
            continue
        stack.extend(removed | {z} for z in path if z in removable)
    minimal = sorted(found, key=lambda c: (len(c), sorted(c)))
    out: list[frozenset[str]] = []
    for c in minimal:
        if not any(o <= c for o in out):
            out.append(c)
    return out


def access_cuts(project: Project, dug: set[str]) -> list[tuple[str, frozenset[str]]]:
    """(rule instance, cut) pairs: pedestrian access per entrance, fire access per building."""
    adj = adjacency(project)
    zones = {z.id: z for z in project.site.zones}
    cap = project.site.max_open_zones
    gates = {g.zone for g in project.site.gates}
    walk_nodes = {z for z, zz in zones.items() if zz.kind != "green"}
    walk_removable = {z for z in dug if zones[z].passable_when_open != "people"}
    out: list[tuple[str, frozenset[str]]] = []
    by_source: dict[str, list[frozenset[str]]] = {}
    for b in project.site.buildings:
        for e in b.entrances:
            if e.zone not in by_source:
                by_source[e.zone] = minimal_cuts(adj, walk_nodes, [e.zone], gates & walk_nodes, walk_removable, cap)
            out += [(f"R6 access {e.id}", c) for c in by_source[e.zone]]
    road_nodes = {z for z, zz in zones.items() if zz.kind == "road"}
    road_removable = dug & road_nodes
    for b in project.site.buildings:
        if b.fire_zones:
            cuts = minimal_cuts(adj, road_nodes, sorted(gates & road_nodes), set(b.fire_zones), road_removable, cap)
            out += [(f"R6 fire {b.id}", c) for c in cuts]
    return out

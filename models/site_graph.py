"""The compound's zone graph and who can pass where (SPEC §5 R6).

People cross road, path and apron zones (never green), and an open zone only when it is plated
(`passable_when_open: people`). Fire engines cross road zones that are not open.
"""

from __future__ import annotations

from collections import deque
from typing import Callable, Iterable

from .project import Building, Entrance, Project, Zone

Passable = Callable[[Zone], bool]


def adjacency(project: Project) -> dict[str, set[str]]:
    """Symmetric neighbour sets; links to unknown zones are ignored (validation reports them)."""
    ids = {z.id for z in project.site.zones}
    adj: dict[str, set[str]] = {z: set() for z in ids}
    for z in project.site.zones:
        for other in z.links:
            if other in ids and other != z.id:
                adj[z.id].add(other)
                adj[other].add(z.id)
    return adj


def walker(zone: Zone, open_zones: set[str]) -> bool:
    return zone.kind != "green" and (zone.id not in open_zones or zone.passable_when_open == "people")


def fire_engine(zone: Zone, open_zones: set[str]) -> bool:
    return zone.kind == "road" and zone.id not in open_zones


def reachable(adj: dict[str, set[str]], sources: Iterable[str], ok: Callable[[str], bool]) -> set[str]:
    """Zones reachable from the passable sources through passable zones."""
    seen = {s for s in sources if s in adj and ok(s)}
    queue = deque(seen)
    while queue:
        z = queue.popleft()
        for n in adj[z]:
            if n not in seen and ok(n):
                seen.add(n)
                queue.append(n)
    return seen


class Access:
    """Answers R6 questions for a given set of open zones."""

    def __init__(self, project: Project):
        self.project = project
        self.adj = adjacency(project)
        self.zones = {z.id: z for z in project.site.zones}
        self.order = {zid: i for i, zid in enumerate(self.zones)}  # site order breaks ties between routes
        self.gate_zones = [g.zone for g in project.site.gates if g.zone in self.zones]

    def _ok(self, rule: Callable[[Zone, set[str]], bool], open_zones: set[str]) -> Callable[[str], bool]:
        return lambda zid: rule(self.zones[zid], open_zones)

    def entrance_ok(self, entrance: Entrance, open_zones: set[str] = frozenset()) -> bool:
        if entrance.zone not in self.zones:
            return False
        seen = reachable(self.adj, [entrance.zone], self._ok(walker, open_zones))
        return any(g in seen for g in self.gate_zones)

    def from_gates(self, rule: Callable[[Zone, set[str]], bool], open_zones: set[str]) -> set[str]:
        """Zones reachable from a gate under `rule` (`walker` or `fire_engine`). The graph is undirected, so
        one search answers every entrance (is its zone in here?) and every building on a day."""
        return reachable(self.adj, self.gate_zones, self._ok(rule, open_zones))

    def fire_ok(self, building: Building, open_zones: set[str] = frozenset()) -> bool:
        """True when some fire zone is reachable from a gate over open-free roads (or none is listed)."""
        if not building.fire_zones:
            return True
        seen = self.from_gates(fire_engine, open_zones)
        return any(f in seen for f in building.fire_zones)

    def route(self, start: str, open_zones: set[str] = frozenset(),
              closed: set[str] = frozenset()) -> list[str] | None:
        """The walk a resident takes from `start` to the nearest gate while `open_zones` are dug open and
        `closed` zones may not be walked at all, steel plates or not (a crane's cordon).

        Zone ids from `start` to a gate zone, both included (just `[start]` when it is a gate zone), or
        None when no gate can be reached on foot. Fewest zones wins; ties go to the neighbour listed first
        in the site, so the same site always gives the same route (notices print it).
        """
        def walk(zid: str) -> bool:
            return zid not in closed and walker(self.zones[zid], open_zones)

        if start not in self.zones or not walk(start):
            return None
        gates = set(self.gate_zones)
        came_from: dict[str, str | None] = {start: None}
        queue = deque([start])
        while queue:
            z = queue.popleft()
            if z in gates:
                return _walk_back(came_from, z)
            for n in sorted(self.adj[z], key=self.order.__getitem__):
                if n not in came_from and walk(n):
                    came_from[n] = z
                    queue.append(n)
        return None


def _walk_back(came_from: dict[str, str | None], end: str) -> list[str]:
    path = [end]
    while (prev := came_from[path[-1]]) is not None:
        path.append(prev)
    return path[::-1]


def route(project: Project, start: str, open_zones: set[str] = frozenset()) -> list[str] | None:
    """`Access(project).route(start, open_zones)`, for a single question (build one Access for many)."""
    return Access(project).route(start, open_zones)

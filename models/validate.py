"""Cross-checks that a schema cannot express: ids that must exist, graph reachability, dates.

Each check has its own message and fix; all problems are collected, none stops the others.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from .problems import Problem, did_you_mean
from .project import TASK_KINDS, ElevatorWork, PipelineWork, Project, SurfaceWork, TaskWork
from .site_graph import Access
from .source import PathKey, SourceMap, path_str

RESTORE_TRADE = {"road": "paving", "path": "paving", "apron": "paving", "green": "greening"}


class _Collector:
    def __init__(self, smap: SourceMap):
        self.smap = smap
        self.problems: list[Problem] = []

    def add(self, path: PathKey, message: str, fix: str = "", warning: bool = False) -> None:
        self.problems.append(Problem(self.smap.place(path), path_str(path), message, fix, warning))

    def known(self, path: PathKey, value: str, choices: Iterable[str], what: str) -> bool:
        choices = list(choices)
        if value in choices:
            return True
        self.add(path, f"unknown {what} '{value}'", did_you_mean(value, choices, what))
        return False


def dug_zones(project: Project) -> list[str]:
    """Zones with underground work, in site order: each gets one excavate and one backfill."""
    used: set[str] = set()
    for w in project.works:
        if isinstance(w, PipelineWork):
            used.update(w.runs)
        elif isinstance(w, ElevatorWork):
            used.add(w.zone)
        elif isinstance(w, TaskWork) and w.underground and w.zone:
            used.add(w.zone)
    return [z.id for z in project.site.zones if z.id in used]


def surfaced_zones(project: Project) -> set[str]:
    return {z for w in project.works if isinstance(w, SurfaceWork) for z in w.zones}


def cross_check(project: Project, smap: SourceMap) -> list[Problem]:
    c = _Collector(smap)
    site = project.site
    zones = {z.id: z for z in site.zones}
    buildings = {b.id: b for b in site.buildings}

    if project.project.deadline and project.project.deadline < project.project.start:
        c.add(("project", "deadline"), f"deadline {project.project.deadline} is before start {project.project.start}",
              "move the deadline after the start, or remove it")

    def duplicates(items: list, path: PathKey, what: str, key=lambda x: x.id) -> None:
        counts = Counter(key(x) for x in items)
        seen: set[str] = set()
        for i, x in enumerate(items):
            if counts[key(x)] > 1 and key(x) in seen:
                c.add(path + (i, "id"), f"duplicate {what} id '{key(x)}'", f"give each {what} its own id")
            seen.add(key(x))

    duplicates(site.zones, ("site", "zones"), "zone")
    duplicates(site.gates, ("site", "gates"), "gate")
    duplicates(site.buildings, ("site", "buildings"), "building")
    duplicates(project.works, ("works",), "work")
    entrance_ids = Counter(e.id for b in site.buildings for e in b.entrances)
    for bi, b in enumerate(site.buildings):
        for ei, e in enumerate(b.entrances):
            if entrance_ids[e.id] > 1:
                c.add(("site", "buildings", bi, "entrances", ei, "id"), f"entrance id '{e.id}' is used more than once",
                      "entrance ids are unique across the compound, e.g. B1-1, B1-2")
    for name in (set(project.trades) & set(project.equipment)):
        c.add(("equipment", name), f"'{name}' is both a trade and a machine", "rename one of them")

    for zi, z in enumerate(site.zones):
        for li, other in enumerate(z.links):
            if other == z.id:
                c.add(("site", "zones", zi, "links", li), f"zone '{z.id}' links to itself", "remove it from its own links")
            else:
                c.known(("site", "zones", zi, "links", li), other, zones, "zone")
    for gi, g in enumerate(site.gates):
        if c.known(("site", "gates", gi, "zone"), g.zone, zones, "zone") and zones[g.zone].kind == "green":
            c.add(("site", "gates", gi, "zone"), f"gate '{g.id}' is on green zone '{g.zone}', which nobody can cross",
                  "put the gate on a road or path zone")

    for bi, b in enumerate(site.buildings):
        bp = ("site", "buildings", bi)
        for i, z in enumerate(b.near):
            c.known(bp + ("near", i), z, zones, "zone")
        for i, z in enumerate(b.fire_zones):
            if c.known(bp + ("fire_zones", i), z, zones, "zone") and zones[z].kind != "road":
                c.add(bp + ("fire_zones", i), f"fire zone '{z}' is a {zones[z].kind}, not a road",
                      "fire engines need road zones: list road zones next to the building")
        if not b.fire_zones:
            c.add(bp + ("fire_zones",), f"building '{b.id}' lists no fire_zones, so its fire access is not checked",
                  "list the road zones a fire engine can serve it from", warning=True)
        for ei, e in enumerate(b.entrances):
            if c.known(bp + ("entrances", ei, "zone"), e.zone, zones, "zone") and zones[e.zone].kind == "green":
                c.add(bp + ("entrances", ei, "zone"), f"entrance '{e.id}' is on green zone '{e.zone}'",
                      "put entrances on their apron, path or road zone")

    trades = project.trades
    kinds_or_trades = set(TASK_KINDS) | set(trades)
    for qi, q in enumerate(project.calendar.quiet):
        for i, b in enumerate(q.buildings or []):
            c.known(("calendar", "quiet", qi, "buildings", i), b, buildings, "building")
    for si, s in enumerate(project.calendar.seasons):
        for i, f in enumerate(s.forbid):
            if f not in kinds_or_trades:
                c.add(("calendar", "seasons", si, "forbid", i), f"'{f}' is neither a trade nor a task kind",
                      did_you_mean(f, kinds_or_trades, "trade or task kind"))
    if len(set(project.objective)) != len(project.objective):
        c.add(("objective",), "an objective is listed twice", "list each of finish, disruption, open_days at most once")

    for wi, w in enumerate(project.works):
        wp = ("works", wi)
        if w.deadline and w.deadline < project.project.start:
            c.add(wp + ("deadline",), f"deadline {w.deadline} is before the project start {project.project.start}",
                  "move it after project.start")
        c.known(wp + ("trade",), w.trade, trades, "trade")
        if isinstance(w, PipelineWork):
            for z in w.runs:
                c.known(wp + ("runs", z), z, zones, "zone")
            if w.cutover:
                for i, b in enumerate(w.cutover.serves):
                    c.known(wp + ("cutover", "serves", i), b, buildings, "building")
        elif isinstance(w, SurfaceWork):
            for z in w.zones:
                c.known(wp + ("zones", z), z, zones, "zone")
        elif isinstance(w, ElevatorWork):
            c.known(wp + ("zone",), w.zone, zones, "zone")
            for i, z in enumerate(w.crane_zones):
                c.known(wp + ("crane_zones", i), z, zones, "zone")
            if c.known(wp + ("building",), w.building, buildings, "building") and w.entrance:
                doors = [e.id for e in buildings[w.building].entrances]
                if w.entrance not in doors:
                    c.add(wp + ("entrance",), f"entrance '{w.entrance}' is not an entrance of building '{w.building}'",
                          did_you_mean(w.entrance, doors, "entrance"))
            if "crane" not in project.equipment:
                c.add(wp + ("crane_zones",), "no 'crane' in equipment, so shaft lifts are not limited by cranes",
                      "add equipment: {crane: N}", warning=True)
        else:
            if getattr(w, "building", None):
                c.known(wp + ("building",), w.building, buildings, "building")
            if isinstance(w, TaskWork):
                if w.zone:
                    c.known(wp + ("zone",), w.zone, zones, "zone")
                for i, m in enumerate(w.equipment):
                    c.known(wp + ("equipment", i), m, project.equipment, "machine")

    dug = dug_zones(project)
    if dug and "civil" not in trades:
        c.add(("trades",), f"zones {', '.join(dug)} are dug, and excavation and backfill are done by trade 'civil'",
              "add trades: {civil: {crews: 2, excavate_rate: 40, backfill_rate: 60}}")
    surfaced = surfaced_zones(project)
    for z in dug:
        zi = next(i for i, zz in enumerate(site.zones) if zz.id == z)
        if zones[z].length_m is None:
            c.add(("site", "zones", zi, "length_m"), f"zone '{z}' is dug but has no length_m",
                  "give its length in metres: excavate and backfill days come from it")
        restore = RESTORE_TRADE[zones[z].kind]
        if z not in surfaced and restore not in trades:
            c.add(("site", "zones", zi), f"zone '{z}' is dug and, with no surface work listed for it, is restored "
                  f"by trade '{restore}', which is not in trades",
                  f"add trade '{restore}', or a surface work for '{z}'")
    if not c.problems:  # reachability only makes sense on a consistent site
        access = Access(project)
        for bi, b in enumerate(site.buildings):
            for ei, e in enumerate(b.entrances):
                if not access.entrance_ok(e):
                    c.add(("site", "buildings", bi, "entrances", ei, "zone"),
                          f"entrance '{e.id}' cannot reach any gate even with no trench open",
                          "link its zone to the road/path network (site.zones[].links) or add a gate")
            if b.fire_zones and not access.fire_ok(b):
                c.add(("site", "buildings", bi, "fire_zones"),
                      f"no fire zone of '{b.id}' can be reached from a gate over road zones, even with no trench open",
                      "list a road zone connected by roads to a gate on a road")
    return c.problems

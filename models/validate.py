"""Cross-checks that a schema cannot express: ids that must exist, graph reachability, dates.

Each check has its own message and fix; all problems are collected, none stops the others.
"""

from __future__ import annotations

from typing import Iterable

from .problems import Problem, did_you_mean
from .project import OPEN, TASK_KINDS, ElevatorWork, PipelineWork, Project, SurfaceWork, TaskWork
from .site_graph import Access, fire_engine, reachable, walker
from .source import PathKey, SourceMap, path_str

RESTORE_TRADE = {"road": "paving", "path": "paving", "apron": "paving", "green": "greening"}


class _Collector:
    def __init__(self, smap: SourceMap):
        self.smap = smap
        self.problems: list[Problem] = []

    def add(self, path: PathKey, message: str, fix: str = "", warning: bool = False) -> None:
        self.problems.append(Problem(self.smap.place(path), path_str(path), message, fix, warning))

    def known(self, path: PathKey, value: str, choices: Iterable, what: str) -> bool:
        """True when `value` is one of the ids; else report it, suggesting the id whose name it is, if any."""
        if value in choices:
            return True
        if isinstance(choices, dict):
            named = [k for k, v in choices.items() if getattr(v, "name", None) and v.name == value]
            if named:
                self.add(path, f"unknown {what} '{value}': that is the name of {what} '{named[0]}'",
                         f"refer to a {what} by its id: write {named[0]}")
                return False
        self.add(path, f"unknown {what} '{value}'", did_you_mean(value, list(choices), what))
        return False


def _ids(ids: Iterable[str], limit: int = 8) -> str:
    ids = sorted(ids)
    return ", ".join(ids[:limit]) + (", …" if len(ids) > limit else "")


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
    """Every problem that needs more than one field to see, in the order a reader meets them in project.yaml."""
    return _CrossCheck(project, smap).run()


class _CrossCheck:
    """The cross-checks, one method per part of project.yaml; the ids seen first are the ones that count."""

    def __init__(self, project: Project, smap: SourceMap) -> None:
        self.project, self.smap, self.c = project, smap, _Collector(smap)
        self.zones: dict = {}
        for z in project.site.zones:  # the first of duplicate ids counts (the later ones are reported below)
            self.zones.setdefault(z.id, z)
        self.buildings: dict = {}
        for b in project.site.buildings:
            self.buildings.setdefault(b.id, b)

    def run(self) -> list[Problem]:
        for part in (self.ids, self.zones_and_gates, self.site_buildings, self.calendar, self.works, self.dug):
            part()
        if not self.c.problems:  # reachability only makes sense on a consistent site
            self.reachability()
        return self.c.problems

    def where(self, path: PathKey) -> str:
        """A short reference to another place: `line 12` in the same file, else the full place."""
        place = self.smap.place(path)
        if place.line is not None and place.file == self.smap.default.file:
            return f"line {place.line}"
        return str(place)

    def duplicates(self, items: list, path: PathKey, what: str) -> None:
        first: dict[str, int] = {}
        for i, x in enumerate(items):
            if x.id in first:
                seen_at = self.where(path + (first[x.id], "id"))
                self.c.add(path + (i, "id"), f"duplicate {what} id '{x.id}' (first at {seen_at})",
                           f"give each {what} its own id")
            else:
                first[x.id] = i

    def ids(self) -> None:
        project, site, c = self.project, self.project.site, self.c
        if project.project.deadline and project.project.deadline < project.project.start:
            c.add(("project", "deadline"), f"deadline {project.project.deadline} is before start {project.project.start}",
                  "move the deadline after the start, or remove it")
        self.duplicates(site.zones, ("site", "zones"), "zone")
        self.duplicates(site.gates, ("site", "gates"), "gate")
        self.duplicates(site.buildings, ("site", "buildings"), "building")
        self.duplicates(project.works, ("works",), "work")
        first_door: dict[str, tuple[str, PathKey]] = {}
        for bi, b in enumerate(site.buildings):
            for ei, e in enumerate(b.entrances):
                path = ("site", "buildings", bi, "entrances", ei, "id")
                if e.id in first_door:
                    owner, fpath = first_door[e.id]
                    c.add(path, f"duplicate entrance id '{e.id}' (already used by building '{owner}' at {self.where(fpath)})",
                          "entrance ids are unique across the compound, e.g. B1-1, B1-2")
                else:
                    first_door[e.id] = (b.id, path)
        for name in (set(project.trades) & set(project.equipment)):
            c.add(("equipment", name), f"'{name}' is both a trade and a machine", "rename one of them")
        if OPEN in project.trades:
            c.add(("trades", OPEN), f"'{OPEN}' is reserved: in a season's forbid it means a trench left open",
                  "give the trade another id, e.g. open-space")


    def zones_and_gates(self) -> None:
        site, c, zones = self.project.site, self.c, self.zones
        for zi, z in enumerate(site.zones):
            for li, other in enumerate(z.links):
                if other == z.id:
                    c.add(("site", "zones", zi, "links", li), f"zone '{z.id}' links to itself", "remove it from its own links")
                else:
                    c.known(("site", "zones", zi, "links", li), other, zones, "zone")
        for zi, z in enumerate(site.zones):
            if z.kind == "green" and z.passable_when_open == "people":
                c.add(("site", "zones", zi, "passable_when_open"), f"green zone '{z.id}' is never passable, plated or not",
                      "remove passable_when_open, or change its kind if people do walk there", warning=True)
        for gi, g in enumerate(site.gates):
            if c.known(("site", "gates", gi, "zone"), g.zone, zones, "zone") and zones[g.zone].kind == "green":
                c.add(("site", "gates", gi, "zone"), f"gate '{g.id}' is on green zone '{g.zone}', which nobody can cross",
                      "put the gate on a road or path zone")

    def site_buildings(self) -> None:
        c, zones = self.c, self.zones
        for bi, b in enumerate(self.project.site.buildings):
            bp = ("site", "buildings", bi)
            for i, z in enumerate(b.near):
                c.known(bp + ("near", i), z, zones, "zone")
            for i, z in enumerate(b.fire_zones):
                if c.known(bp + ("fire_zones", i), z, zones, "zone") and zones[z].kind != "road":
                    article = "an" if zones[z].kind[0] in "aeiou" else "a"
                    roads = sorted(zid for zid, zz in zones.items() if zz.kind == "road")
                    c.add(bp + ("fire_zones", i), f"fire zone '{z}' is {article} {zones[z].kind} zone, not a road",
                          "fire engines drive on road zones only: list road zones next to the building"
                          + (f" ({', '.join(roads[:8])}{', …' if len(roads) > 8 else ''})" if roads else ""))
            if not b.fire_zones:
                c.add(bp + ("fire_zones",), f"building '{b.id}' lists no fire_zones, so its fire access is not checked",
                      "list the road zones a fire engine can serve it from", warning=True)
            for ei, e in enumerate(b.entrances):
                if c.known(bp + ("entrances", ei, "zone"), e.zone, zones, "zone") and zones[e.zone].kind == "green":
                    c.add(bp + ("entrances", ei, "zone"), f"entrance '{e.id}' is on green zone '{e.zone}'",
                          "put entrances on their apron, path or road zone")

    def calendar(self) -> None:
        project, c = self.project, self.c
        kinds_or_trades = set(TASK_KINDS) | set(project.trades) | {OPEN}
        for qi, q in enumerate(project.calendar.quiet):
            if q.buildings == []:
                c.add(("calendar", "quiet", qi, "buildings"), f"quiet period '{q.name}' lists no buildings, so it applies "
                      "to none", "remove 'buildings:' to make it apply to the whole compound, or list the buildings",
                      warning=True)
            for i, b in enumerate(q.buildings or []):
                c.known(("calendar", "quiet", qi, "buildings", i), b, self.buildings, "building")
        for si, s in enumerate(project.calendar.seasons):
            for i, f in enumerate(s.forbid):
                if f not in kinds_or_trades:
                    c.add(("calendar", "seasons", si, "forbid", i), f"'{f}' is not a trade, a task kind or open",
                          did_you_mean(f, kinds_or_trades, "trade or task kind"))
        if len(set(project.objective)) != len(project.objective):
            c.add(("objective",), "an objective is listed twice", "list each of finish, disruption, open_days at most once")


    def works(self) -> None:
        project, smap, c, trades = self.project, self.smap, self.c, self.project.trades
        for wi, w in enumerate(project.works):
            wp = ("works", wi)
            if w.deadline and w.deadline < project.project.start:
                c.add(wp + ("deadline",), f"deadline {w.deadline} is before the project start {project.project.start}",
                      "move it after project.start")
            if isinstance(w, ElevatorWork) and w.trade not in trades and ("works", wi, "trade") not in smap.places:
                c.add(wp, f"elevator work '{w.id}' is done by trade '{w.trade}' (the default), which is not in trades",
                      f"add trades: {{{w.trade}: {{crews: 1}}}}, or set trade: to the elevator installer's trade id")
            else:
                c.known(wp + ("trade",), w.trade, trades, "trade")
            for ai, dep in enumerate(w.after):
                if dep.id == w.id:
                    c.add(wp + ("after", ai), f"work '{w.id}' lists itself in 'after'", "remove it from its own 'after'")
            if w.earliest and project.project.deadline and w.earliest > project.project.deadline:
                c.add(wp + ("earliest",), f"earliest {w.earliest} is after the project deadline {project.project.deadline}",
                      "move 'earliest' before the deadline, or move project.deadline")
            self.work_places(wp, w)

    def work_places(self, wp: PathKey, w) -> None:
        """The zones, buildings, entrances and machines a work names exist (and belong together)."""
        project, c, zones, buildings = self.project, self.c, self.zones, self.buildings
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
            if w.relocate_trade != "civil":  # a missing civil trade is reported once, with the dug zones
                c.known(wp + ("relocate_trade",), w.relocate_trade, project.trades, "trade")
            for i, z in enumerate(w.crane_zones):
                c.known(wp + ("crane_zones", i), z, zones, "zone")
            if c.known(wp + ("building",), w.building, buildings, "building") and w.entrance:
                doors = [e.id for e in buildings[w.building].entrances]
                if w.entrance not in doors:
                    owner = next((b.id for b in project.site.buildings if any(e.id == w.entrance for e in b.entrances)), None)
                    what = (f"entrance '{w.entrance}' belongs to building '{owner}', not to '{w.building}'" if owner
                            else f"entrance '{w.entrance}' is not an entrance of building '{w.building}'")
                    hint = did_you_mean(w.entrance, doors, "entrance")
                    if owner:
                        hint = (f"use an entrance of '{w.building}' ({', '.join(doors)}), "
                                f"or set building: {owner}")
                    c.add(wp + ("entrance",), what, hint)
            if "crane" not in project.equipment:
                c.add(wp + ("crane_zones",), "no 'crane' in equipment, so lifts are not limited by cranes",
                      "add equipment: {crane: N}", warning=True)
        else:
            if getattr(w, "building", None):
                c.known(wp + ("building",), w.building, buildings, "building")
            if isinstance(w, TaskWork):
                if w.zone:
                    c.known(wp + ("zone",), w.zone, zones, "zone")
                for i, m in enumerate(w.equipment):
                    c.known(wp + ("equipment", i), m, project.equipment, "machine")

    def dug(self) -> None:
        project, site, c, zones, trades = self.project, self.project.site, self.c, self.zones, self.project.trades
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
                      f"add trades: {{{restore}: {{crews: 1}}}}, or a surface work for it "
                      f"(type: surface, zones: {{{z}: <days>}})")

    def reachability(self) -> None:
        site, c, zones = self.project.site, self.c, self.zones
        access = Access(self.project)
        for bi, b in enumerate(site.buildings):
            for ei, e in enumerate(b.entrances):
                if not access.entrance_ok(e):
                    seen = reachable(access.adj, [e.zone], lambda z: walker(zones[z], set()))
                    c.add(("site", "buildings", bi, "entrances", ei, "zone"),
                          f"entrance '{e.id}' cannot reach any gate even with no trench open: from its zone "
                          f"'{e.zone}' people can only walk to {_ids(seen)} (green zones cannot be crossed)",
                          "link its zone to the road/path network (site.zones[].links) or add a gate")
            if b.fire_zones and not access.fire_ok(b):
                roads = reachable(access.adj, access.gate_zones, lambda z: fire_engine(zones[z], set()))
                c.add(("site", "buildings", bi, "fire_zones"),
                      f"no fire zone of '{b.id}' can be reached from a gate over road zones, even with no trench open",
                      (f"list a road zone a fire engine reaches from a gate ({_ids(roads)}), or link "
                       f"{_ids(b.fire_zones)} to them by road zones") if roads else
                      "put a gate on a road zone (fire engines drive on road zones only)")

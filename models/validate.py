"""Cross-checks that a schema cannot express: ids that must exist, graph reachability, dates.

Each check has its own message and fix; all problems are collected, none stops the others.
"""

from __future__ import annotations

from typing import Iterable

from scheduler.text import Msg

from .problems import Problem, did_you_mean, shown_ids
from .project import OPEN, TASK_KINDS, ElevatorWork, PipelineWork, Project, SurfaceWork, TaskWork
from .site_graph import Access, fire_engine, reachable, walker
from .problems import Place
from .source import PathKey, SourceMap, path_str

RESTORE_TRADE = {"road": "paving", "path": "paving", "apron": "paving", "green": "greening"}


class _Collector:
    def __init__(self, smap: SourceMap):
        self.smap = smap
        self.problems: list[Problem] = []

    def add(self, path: PathKey, message: Msg, fix: Msg | str = "", warning: bool = False) -> None:
        self.problems.append(Problem(self.smap.place(path), path_str(path), message, fix, warning))

    def known(self, path: PathKey, value: str, choices: Iterable, what: str) -> bool:
        """True when `value` is one of the ids; else report it, suggesting the id whose name it is, if any.
        `what`: zone, building, trade or machine (input.noun)."""
        if value in choices:
            return True
        noun = Msg(f"input.noun.{what}")
        if isinstance(choices, dict):
            named = [k for k, v in choices.items() if getattr(v, "name", None) and v.name == value]
            if named:
                self.add(path, Msg("validate.unknown_named", what=noun, value=value, id=named[0]),
                         Msg("validate.unknown_named_fix", what=noun, id=named[0]))
                return False
        self.add(path, Msg("validate.unknown", what=noun, value=value), did_you_mean(value, list(choices), what))
        return False


def _ids(ids: Iterable[str], limit: int = 8) -> list[str]:
    return shown_ids(sorted(ids), limit)


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

    def where(self, path: PathKey) -> Msg | Place:
        """A short reference to another place: `line 12` in the same file, else the full place."""
        place = self.smap.place(path)
        if place.line is not None and place.file == self.smap.default.file:
            return Msg("input.at.line", line=place.line)
        return place

    def duplicates(self, items: list, path: PathKey, what: str) -> None:
        first: dict[str, int] = {}
        for i, x in enumerate(items):
            if x.id in first:
                seen_at = self.where(path + (first[x.id], "id"))
                noun = Msg(f"input.noun.{what}")
                self.c.add(path + (i, "id"), Msg("validate.duplicate", what=noun, id=x.id, first=seen_at),
                           Msg("validate.duplicate_fix", what=noun))
            else:
                first[x.id] = i

    def ids(self) -> None:
        project, site, c = self.project, self.project.site, self.c
        if project.project.deadline and project.project.deadline < project.project.start:
            c.add(("project", "deadline"), Msg("validate.deadline", deadline=project.project.deadline,
                                                start=project.project.start), Msg("validate.deadline_fix"))
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
                    c.add(path, Msg("validate.duplicate_entrance", id=e.id, owner=owner, first=self.where(fpath)),
                          Msg("validate.duplicate_entrance_fix"))
                else:
                    first_door[e.id] = (b.id, path)
        for name in (set(project.trades) & set(project.equipment)):
            c.add(("equipment", name), Msg("validate.trade_and_machine", name=name), Msg("validate.rename"))
        if OPEN in project.trades:
            c.add(("trades", OPEN), Msg("validate.open_reserved", open=OPEN), Msg("validate.open_reserved_fix"))


    def zones_and_gates(self) -> None:
        site, c, zones = self.project.site, self.c, self.zones
        for zi, z in enumerate(site.zones):
            for li, other in enumerate(z.links):
                if other == z.id:
                    c.add(("site", "zones", zi, "links", li), Msg("validate.self_link", zone=z.id),
                          Msg("validate.self_link_fix"))
                else:
                    c.known(("site", "zones", zi, "links", li), other, zones, "zone")
        for zi, z in enumerate(site.zones):
            if z.kind == "green" and z.passable_when_open == "people":
                c.add(("site", "zones", zi, "passable_when_open"), Msg("validate.green_passable", zone=z.id),
                      Msg("validate.green_passable_fix"), warning=True)
        for gi, g in enumerate(site.gates):
            if c.known(("site", "gates", gi, "zone"), g.zone, zones, "zone") and zones[g.zone].kind == "green":
                c.add(("site", "gates", gi, "zone"), Msg("validate.gate_on_green", gate=g.id, zone=g.zone),
                      Msg("validate.gate_on_green_fix"))

    def site_buildings(self) -> None:
        c, zones = self.c, self.zones
        for bi, b in enumerate(self.project.site.buildings):
            bp = ("site", "buildings", bi)
            for i, z in enumerate(b.near):
                c.known(bp + ("near", i), z, zones, "zone")
            for i, z in enumerate(b.fire_zones):
                if c.known(bp + ("fire_zones", i), z, zones, "zone") and zones[z].kind != "road":
                    roads = sorted(zid for zid, zz in zones.items() if zz.kind == "road")
                    c.add(bp + ("fire_zones", i), Msg("validate.fire_not_road", zone=z,
                                                     kind=Msg(f"validate.zone_kind.{zones[z].kind}")),
                          Msg("validate.fire_not_road_fix_roads", roads=_ids(roads)) if roads
                          else Msg("validate.fire_not_road_fix"))
            if not b.fire_zones:
                c.add(bp + ("fire_zones",), Msg("validate.no_fire_zones", building=b.id),
                      Msg("validate.no_fire_zones_fix"), warning=True)
            for ei, e in enumerate(b.entrances):
                if c.known(bp + ("entrances", ei, "zone"), e.zone, zones, "zone") and zones[e.zone].kind == "green":
                    c.add(bp + ("entrances", ei, "zone"), Msg("validate.entrance_on_green", entrance=e.id, zone=e.zone),
                          Msg("validate.entrance_on_green_fix"))

    def calendar(self) -> None:
        project, c = self.project, self.c
        kinds_or_trades = set(TASK_KINDS) | set(project.trades) | {OPEN}
        for qi, q in enumerate(project.calendar.quiet):
            if q.buildings == []:
                c.add(("calendar", "quiet", qi, "buildings"), Msg("validate.quiet_no_buildings", name=q.name),
                      Msg("validate.quiet_no_buildings_fix"), warning=True)
            for i, b in enumerate(q.buildings or []):
                c.known(("calendar", "quiet", qi, "buildings", i), b, self.buildings, "building")
        for si, s in enumerate(project.calendar.seasons):
            for i, f in enumerate(s.forbid):
                if f not in kinds_or_trades:
                    c.add(("calendar", "seasons", si, "forbid", i), Msg("validate.forbid_unknown", value=f),
                          did_you_mean(f, kinds_or_trades, "trade_or_kind"))
        if len(set(project.objective)) != len(project.objective):
            c.add(("objective",), Msg("validate.objective_twice"), Msg("validate.objective_twice_fix"))


    def works(self) -> None:
        project, smap, c, trades = self.project, self.smap, self.c, self.project.trades
        for wi, w in enumerate(project.works):
            wp = ("works", wi)
            if w.deadline and w.deadline < project.project.start:
                c.add(wp + ("deadline",), Msg("validate.work_deadline", deadline=w.deadline,
                                              start=project.project.start), Msg("validate.work_deadline_fix"))
            if isinstance(w, ElevatorWork) and w.trade not in trades and ("works", wi, "trade") not in smap.places:
                c.add(wp, Msg("validate.elevator_trade", work=w.id, trade=w.trade),
                      Msg("validate.elevator_trade_fix", example=f"trades: {{{w.trade}: {{crews: 1}}}}"))
            else:
                c.known(wp + ("trade",), w.trade, trades, "trade")
            for ai, dep in enumerate(w.after):
                if dep.id == w.id:
                    c.add(wp + ("after", ai), Msg("validate.after_itself", work=w.id), Msg("validate.after_itself_fix"))
            if w.earliest and project.project.deadline and w.earliest > project.project.deadline:
                c.add(wp + ("earliest",), Msg("validate.earliest", earliest=w.earliest,
                                              deadline=project.project.deadline), Msg("validate.earliest_fix"))
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
                    what = (Msg("validate.entrance_owner", entrance=w.entrance, owner=owner, building=w.building)
                            if owner else Msg("validate.entrance_not_of", entrance=w.entrance, building=w.building))
                    hint = did_you_mean(w.entrance, doors, "entrance")
                    if owner:
                        hint = Msg("validate.entrance_owner_fix", building=w.building, doors=doors, owner=owner)
                    c.add(wp + ("entrance",), what, hint)
            if "crane" not in project.equipment:
                c.add(wp + ("crane_zones",), Msg("validate.no_crane"),
                      Msg("validate.no_crane_fix", example="equipment: {crane: N}"), warning=True)
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
            c.add(("trades",), Msg("validate.no_civil", zones=dug),
                  Msg("input.schema.add", example="trades: {civil: {crews: 2, excavate_rate: 40, backfill_rate: 60}}"))
        surfaced = surfaced_zones(project)
        for z in dug:
            zi = next(i for i, zz in enumerate(site.zones) if zz.id == z)
            if zones[z].length_m is None:
                c.add(("site", "zones", zi, "length_m"), Msg("validate.no_length", zone=z),
                      Msg("validate.no_length_fix"))
            restore = RESTORE_TRADE[zones[z].kind]
            if z not in surfaced and restore not in trades:
                c.add(("site", "zones", zi), Msg("validate.no_restore_trade", zone=z, trade=restore),
                      Msg("validate.no_restore_trade_fix", trades=f"trades: {{{restore}: {{crews: 1}}}}",
                          surface=f"type: surface, zones: {{{z}: <days>}}"))

    def reachability(self) -> None:
        site, c, zones = self.project.site, self.c, self.zones
        access = Access(self.project)
        for bi, b in enumerate(site.buildings):
            for ei, e in enumerate(b.entrances):
                if not access.entrance_ok(e):
                    seen = reachable(access.adj, [e.zone], lambda z: walker(zones[z], set()))
                    c.add(("site", "buildings", bi, "entrances", ei, "zone"),
                          Msg("validate.entrance_unreachable", entrance=e.id, zone=e.zone, seen=_ids(seen)),
                          Msg("validate.entrance_unreachable_fix"))
            if b.fire_zones and not access.fire_ok(b):
                roads = reachable(access.adj, access.gate_zones, lambda z: fire_engine(zones[z], set()))
                c.add(("site", "buildings", bi, "fire_zones"), Msg("validate.fire_unreachable", building=b.id),
                      Msg("validate.fire_unreachable_fix", roads=_ids(roads), fire_zones=_ids(b.fire_zones)) if roads
                      else Msg("validate.fire_unreachable_no_road_fix"))

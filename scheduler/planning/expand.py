"""Works → concrete tasks (SPEC §4 "Expansion rules").

The same input always gives the same tasks, in the same order, with the same readable ids:
`<zone>:excavate`, `<work>@<zone>:lay`, `<work>@<zone>:test`, `<zone>:inspect`, `E1:lift`, `<zone>:restore`…
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from graphlib import CycleError, TopologicalSorter

from models.problems import InputError, Place, Problem, did_you_mean
from models.project import (BuildingWork, ElevatorWork, PipelineWork, Project, SurfaceWork, TaskWork, Zone)
from models.source import path_str
from models.validate import RESTORE_TRADE, dug_zones, surfaced_zones

from scheduler.planning.calendars import ALL_DAYS, PROJECT
from scheduler.text import Msg, section

NOISY_KINDS = {"excavate", "backfill", "foundation", "lift", "shaft", "paving"}
SURFACE_KINDS = {"paving", "greening", "surface", "restore"}
DEFAULT_EXCAVATE_RATE = 40.0
DEFAULT_BACKFILL_RATE = 60.0

@dataclass(frozen=True)
class Outage:
    type: str
    serves: tuple[str, ...]
    hours: str
    notice_days: int


@dataclass
class Task:
    """One schedulable piece of work: `days` working days of its calendar, uninterrupted."""

    id: str
    name: str
    kind: str
    trade: str | None
    days: int
    calendar: str
    work: str | None = None
    zone: str | None = None
    building: str | None = None
    noisy: bool = False
    underground: bool = False
    surface: bool = False
    equipment: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)  # predecessor id → lag in working days
    earliest: date | None = None
    deadline: date | None = None
    outage: Outage | None = None
    crane_zones: tuple[str, ...] = ()  # a lift: the zones its crane occupies from its first to its last day
    fire_plan: bool = False  # a lift with an approved temporary fire-safety plan: fire engines may pass
    depth: float | None = None  # metres below ground: pipeline lays and elevator foundations (depth order, R8)
    hours: tuple[str, ...] = ()
    disturbs: tuple[str, ...] = ()  # buildings whose residents hear it (zone near/at an entrance, or at it)

    def needs(self, pred: str, lag: int = 0) -> None:
        if pred != self.id:
            self.after[pred] = max(lag, self.after.get(pred, 0))


def calendar_key(project: Project, trade: str | None, kind: str) -> str:
    """Curing counts calendar days; a task without a crew (an inspection nobody is listed for) works on the
    project calendar; a trade with its own workweek has its own calendar."""
    if kind == "curing":
        return ALL_DAYS
    if trade is None:
        return PROJECT
    t = project.trades.get(trade)
    return f"trade:{trade}" if t is not None and t.workweek is not None else PROJECT


class _Expander:
    def __init__(self, project: Project):
        self.p = project
        self.labels = section("common.kind", project.project.lang)
        self.zones: dict[str, Zone] = {z.id: z for z in project.site.zones}
        self.tasks: dict[str, Task] = {}
        self.by_work: dict[str, list[str]] = {}
        self.underground: dict[str, list[str]] = {}
        self.surfaces: dict[str, list[str]] = {}
        self.cranes: dict[str, list[str]] = {}  # zone → the lifts whose crane stands on it

    def zname(self, zid: str) -> str:
        return self.zones[zid].name or zid

    def add(self, tid: str, kind: str, trade: str | None, days: int, name: str, *, work=None, zone=None,
            building=None, underground=False, noisy: bool | None = None, equipment=None) -> Task:
        if noisy is None:
            noisy = kind in NOISY_KINDS or (kind == "restore" and zone and self.zones[zone].kind == "road")
        t = Task(id=tid, name=name, kind=kind, trade=trade, days=max(1, int(days)),
                 calendar=calendar_key(self.p, trade, kind), zone=zone, building=building, noisy=noisy,
                 underground=underground, surface=kind in SURFACE_KINDS, equipment=equipment or {})
        if work is not None:
            t.work = work.id
            t.earliest, t.deadline = work.earliest, work.deadline
            if work.noisy is not None:
                t.noisy = work.noisy
            self.by_work.setdefault(work.id, []).append(tid)
        if underground:
            self.underground.setdefault(zone, []).append(tid)
        if t.surface and zone:
            self.surfaces.setdefault(zone, []).append(tid)
        self.tasks[tid] = t
        return t

    def machine(self, name: str) -> dict[str, int]:
        return {name: 1} if name in self.p.equipment else {}

    def run(self) -> list[Task]:
        p, lab = self.p, self.labels
        civil = p.trades.get("civil")
        ex_rate = (civil.excavate_rate if civil else None) or DEFAULT_EXCAVATE_RATE
        bf_rate = (civil.backfill_rate if civil else None) or DEFAULT_BACKFILL_RATE
        dug = dug_zones(p)
        for z in dug:
            length = self.zones[z].length_m or 0
            self.add(f"{z}:excavate", "excavate", "civil", math.ceil(length / ex_rate),
                     f"{self.zname(z)}{lab['excavate']}", zone=z, equipment=self.machine("excavator"))
            self.add(f"{z}:backfill", "backfill", "civil", math.ceil(length / bf_rate),
                     f"{self.zname(z)}{lab['backfill']}", zone=z)
        for w in p.works:
            getattr(self, f"_{w.type}")(w)
        self._inspections(dug)
        surfaced = surfaced_zones(p)
        for z in dug:
            if z not in surfaced:
                zk = self.zones[z].kind
                label = lab["restore_green"] if zk == "green" else lab["restore_road"]
                self.add(f"{z}:restore", "restore", RESTORE_TRADE[zk],
                         math.ceil((self.zones[z].length_m or 0) / bf_rate), f"{self.zname(z)}{label}", zone=z)
        self._wire(dug)
        self._after()
        self._disturbs()
        self._check_cycles()
        return list(self.tasks.values())

    def _pipeline(self, w: PipelineWork) -> None:
        """A lay per run, then its pressure / closed-water test in the same open trench (GB 50268: before
        backfill), one commission after every test, and the cutover last."""
        name, lab = w.name or w.id, self.labels
        lays, tests = [], []
        for z, metres in w.runs.items():
            t = self.add(f"{w.id}@{z}:lay", "lay", w.trade, math.ceil(metres / w.rate),
                         f"{name}·{self.zname(z)}{lab['lay']}", work=w, zone=z, underground=True)
            t.depth = w.depth_m
            if w.downstream_first and lays:
                t.needs(lays[-1].id)
            lays.append(t)
        if w.test_days:
            for lay in lays:
                test = self.add(f"{w.id}@{lay.zone}:test", "test", w.trade, w.test_days,
                                f"{name}·{self.zname(lay.zone)}{lab['test']}", work=w, zone=lay.zone, underground=True)
                test.needs(lay.id)
                tests.append(test)
        last = tests or lays
        if w.commission_days:
            commission = self.add(f"{w.id}:commission", "commission", w.trade, w.commission_days,
                                  f"{name}{lab['commission']}", work=w)
            for t in last:
                commission.needs(t.id)
            last = [commission]
        if w.cutover:
            c = w.cutover
            cut = self.add(f"{w.id}:cutover", "cutover", w.trade, c.days, f"{name}{lab['cutover']}", work=w)
            cut.outage = Outage(c.outage, tuple(c.serves), c.hours, c.notice_days)
            cut.hours = (c.hours,)
            for t in last:
                cut.needs(t.id)

    def _elevator(self, w: ElevatorWork) -> None:
        """relocate → foundation → curing → lift (the crane, on its crane zones) → shaft → install → acceptance."""
        name, prev = w.name or w.id, None
        steps = [("relocate", w.relocate_trade, True), ("foundation", "civil", True), ("curing", None, False),
                 ("lift", w.trade, False), ("shaft", w.trade, False), ("install", w.trade, False),
                 ("acceptance", w.trade, False)]
        for step, trade, underground in steps:
            t = self.add(f"{w.id}:{step}", step, trade, getattr(w.days, step), f"{name}{self.labels[step]}",
                         work=w, zone=w.zone, building=w.building, underground=underground,
                         equipment=self.machine("crane") if step == "lift" else None)
            if step == "foundation":
                t.depth = w.depth_m
            if step == "lift":
                t.crane_zones, t.fire_plan = tuple(w.crane_zones), w.fire_plan
                for z in w.crane_zones:
                    self.cranes.setdefault(z, []).append(t.id)
            if prev:
                t.needs(prev.id)
            prev = t

    def _inspections(self, dug: list[str]) -> None:
        """The 隐蔽工程验收 hold point of every opened zone, after all its other underground work (see _wire)."""
        days = self.p.site.inspection_days
        if not days:
            return
        inspector = "supervision" if "supervision" in self.p.trades else None
        for z in dug:
            self.add(f"{z}:inspect", "inspect", inspector, days, f"{self.zname(z)}{self.labels['inspect']}", zone=z,
                     underground=True, noisy=False)

    def _surface(self, w: SurfaceWork) -> None:
        kind = w.trade if w.trade in ("paving", "greening") else "surface"
        for z, days in w.zones.items():
            self.add(f"{w.id}@{z}:{kind}", kind, w.trade, days, f"{w.name or w.id}·{self.zname(z)}",
                     work=w, zone=z)

    def _building(self, w: BuildingWork) -> None:
        self.add(f"{w.id}:building", "building", w.trade, w.days, w.name or w.id, work=w, building=w.building)

    def _task(self, w: TaskWork) -> None:
        self.add(f"{w.id}:task", "task", w.trade, w.days, w.name or w.id, work=w, zone=w.zone, building=w.building,
                 underground=w.underground, equipment={m: 1 for m in w.equipment})

    def _wire(self, dug: list[str]) -> None:
        """Dig once: excavate → underground work → inspection → backfill → surface; lifts before the surface
        they stand on; inside a zone, deeper work before shallower."""
        for z in dug:
            inspect = self.tasks.get(f"{z}:inspect")
            for tid in self.underground.get(z, []):
                self.tasks[tid].needs(f"{z}:excavate")
                self.tasks[f"{z}:backfill"].needs(tid)
                if inspect is not None:
                    inspect.needs(tid)
            for tid in self.surfaces.get(z, []):
                self.tasks[tid].needs(f"{z}:backfill")
        for z, lifts in self.cranes.items():
            for tid in self.surfaces.get(z, []):
                for c in lifts:
                    self.tasks[tid].needs(c)
        for ts in self.underground.values():
            deep = [t for t in map(self.tasks.get, ts) if t.depth is not None]
            for a in deep:
                for b in deep:
                    if a.depth > b.depth:
                        b.needs(a.id)

    def _place(self, path: tuple) -> Place:
        """Where a field was written; a project built in code (no source map) points at its file."""
        src = self.p.source
        return src.place(path) if src is not None else Place(self.p._file)

    def _after(self) -> None:
        problems = []
        for wi, w in enumerate(self.p.works):
            own = self.by_work.get(w.id, [])
            for ai, dep in enumerate(w.after):
                if dep.id == w.id or dep.id in own:
                    path = ("works", wi, "after", ai)
                    what = "validate.after_own_task" if dep.id != w.id else "validate.after_itself"
                    problems.append(Problem(self._place(path), path_str(path), Msg(what, work=w.id, task=dep.id),
                                            Msg("validate.after_remove", task=dep.id)))
                    continue
                if dep.id in self.by_work:
                    preds = self.by_work[dep.id]
                elif dep.id in self.tasks:
                    preds = [dep.id]
                else:
                    path = ("works", wi, "after", ai)
                    hint = did_you_mean(dep.id, list(self.by_work) + list(self.tasks), "work_or_task")
                    problems.append(Problem(self._place(path), path_str(path),
                                            Msg("validate.unknown_after", value=dep.id), hint))
                    continue
                for tid in self.by_work.get(w.id, []):
                    for pred in preds:
                        if pred == tid:
                            continue
                        self.tasks[tid].needs(pred, dep.lag)
        if problems:
            raise InputError(problems)

    def _disturbs(self) -> None:
        near: dict[str, set[str]] = {}
        for b in self.p.site.buildings:
            for z in set(b.near) | {e.zone for e in b.entrances}:
                near.setdefault(z, set()).add(b.id)
        order = [b.id for b in self.p.site.buildings]
        for t in self.tasks.values():
            hit = set(near.get(t.zone, ())) | ({t.building} if t.building else set())
            t.disturbs = tuple(b for b in order if b in hit)
            if not t.hours:
                h = self.p.calendar.hours
                t.hours = tuple(h.noisy if t.noisy else h.work)

    def _check_cycles(self) -> None:
        """Reports one cycle of the dependencies in dependency order (each task before the next), from its
        task that comes first in the expansion, so the same input always gives the same message."""
        try:
            TopologicalSorter({tid: t.after for tid, t in self.tasks.items()}).prepare()
        except CycleError as exc:
            cycle = exc.args[1][:-1]  # the first node is repeated at the end
            rank = {tid: i for i, tid in enumerate(self.tasks)}
            k = min(range(len(cycle)), key=lambda i: rank[cycle[i]])
            self._report_cycle(cycle[k:] + cycle[:k + 1])

    def _report_cycle(self, cycle: list[str]) -> None:
        works = [w for w in self.p.works if w.after and any(self.tasks[t].work == w.id for t in cycle)]
        path = ("works", self.p.works.index(works[0]), "after") if works else ("works",)
        raise InputError([Problem(self._place(path), path_str(path),
                                  Msg("validate.cycle", cycle=" → ".join(cycle)), Msg("validate.cycle_fix"))])


def zone_depths(tasks: list[Task]) -> dict[str, float]:
    """Zone → the depth of its deepest depth-carrying underground task (lays, foundations); zones without
    one are left out (SPEC R8 `min_depth_m`)."""
    out: dict[str, float] = {}
    for t in tasks:
        if t.underground and t.zone is not None and t.depth is not None:
            out[t.zone] = max(out.get(t.zone, 0.0), t.depth)
    return out


def expand(project: Project) -> list[Task]:
    """All tasks of the project; raises InputError for unknown `after` ids and dependency cycles."""
    return _Expander(project).run()

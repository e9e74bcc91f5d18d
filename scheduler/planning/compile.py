"""Domain → core: turn an expanded project into the generic `Problem` (rules R1–R10, objectives §6).

Every rule instance is tagged with a `RuleGroup` (R4 quiet 高考, R2 crews civil, R6 access B3-2) so a
conflict can be traced back to what the project manager wrote.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import product
from datetime import date, timedelta
from typing import Callable

from models.project import OPEN, Project
from models.validate import dug_zones

from scheduler.core import problem as core
from scheduler.planning import rules
from scheduler.planning.access import CUT_BUDGET, SMALL_CUT, TooManyCuts, access_cuts
from scheduler.planning.calendars import Calendars
from scheduler.planning.expand import Task, zone_depths
from scheduler.planning.rules import Rule, RuleGroup
from scheduler.planning.summary import upper_bound_end

OUTAGE_SPACING_DAYS = 7


@dataclass
class Compiled:
    project: Project
    tasks: list[Task]
    calendars: Calendars
    problem: core.Problem
    access_complete: bool = True  # False: only small access cuts are in the problem (see access.py)
    # zone → the spans that stop fire engines on it: its opening, the lifts standing there without a fire plan
    fire_blockers: dict[str, list[str]] = field(default_factory=dict)
    # start indices → every task dated, when the problem does not hold them all (a re-plan's history)
    dating: Callable[[dict[str, int]], list] | None = None

    def cut_rows(self, group: RuleGroup, zones: frozenset[str] | tuple[str, ...]) -> list[tuple[str, ...]]:
        """An access cut (zones that must not all be blocked on one day) as never-all-open rows of spans. A
        pedestrian cut is made of openings; a fire cut zone is blocked while any of its blockers is, so the
        cut holds exactly when no choice of one blocker per zone is open all at once."""
        if group.kind != "fire":
            return [tuple(sorted(zones))]
        return sorted({tuple(sorted(row)) for row in product(*(self.fire_blockers.get(z, []) for z in sorted(zones)))})

    @property
    def day0(self) -> date:
        return self.project.project.start

    def date(self, day: int) -> date:
        return self.day0 + timedelta(days=day)

    def offset(self, d: date) -> int:
        return (d - self.day0).days


def _forbidden(project: Project, t: Task, off: Callable[[date], int]) -> dict[RuleGroup, frozenset[int]]:
    """R4 quiet days of a noisy task, R8 seasons of its trade or kind, R9 quiet days of an outage."""
    groups: dict[RuleGroup, frozenset[int]] = {}
    if t.noisy:
        for q in project.calendar.quiet:
            if q.buildings is None or set(t.disturbs) & set(q.buildings):
                groups[RuleGroup(Rule.R4, "quiet", q.name)] = frozenset(off(d) for d in q.days())
    for s in project.calendar.seasons:
        if t.kind in s.forbid or (t.trade is not None and t.trade in s.forbid):
            what = t.trade if t.trade is not None and t.trade in s.forbid else t.kind
            groups[RuleGroup(Rule.R8, "season", (s.name, what))] = frozenset(off(d) for d in s.days())
    if t.outage:
        for q in project.calendar.quiet:
            if q.buildings is None or set(t.outage.serves) & set(q.buildings):
                groups[RuleGroup(Rule.R9, "outage quiet", q.name)] = frozenset(off(d) for d in q.days())
    return groups


def _dig_once_group(a: Task, b: Task) -> RuleGroup | None:
    """R5 names the precedences that keep a zone's underground work inside its one opening: excavate →
    underground work → backfill, and deeper pipes before shallower ones of another work."""
    if a.zone is None or a.zone != b.zone:
        return None
    if ((a.kind == "excavate" and b.underground) or (a.underground and b.kind == "backfill")
            or (a.underground and b.underground and a.work != b.work)):
        return RuleGroup(Rule.R5, "dig-once", a.zone)
    return None


def weight(project: Project, building_id: str) -> int:
    b = project.building(building_id)
    return b.households * (2 if b.sensitive else 1)


# R2 resource (rules.crews / rules.machine) → date → units held elsewhere (a district programme's shared pool)
Reserved = dict[RuleGroup, dict[date, int]]


def compile_project(project: Project, tasks: list[Task], end: date | None = None,
                    reserved: Reserved | None = None) -> Compiled:
    """`reserved`: capacity of shared crews and machines other compounds hold on given days (SPEC §9)."""
    start = project.project.start
    end = end or upper_bound_end(project, tasks)
    cals = Calendars(project, end)
    off = lambda d: (d - start).days  # noqa: E731
    calendars = {k: [off(d) for d in cals.days(k)] for k in sorted({t.calendar for t in tasks})}
    by_id = {t.id: t for t in tasks}
    precedences = [core.Precedence(p, t.id, lag, _dig_once_group(by_id[p], t))
                   for t in tasks for p, lag in t.after.items()]
    dug = dug_zones(project)
    zones = {z.id: z for z in project.site.zones}
    spans = [core.Span(z, f"{z}:excavate", f"{z}:backfill", zones[z].max_open_days, rules.MAX_OPEN_DAYS)
             for z in dug]
    lifts = [t for t in tasks if t.crane_zones]
    spans += [core.Span(t.id, t.id, t.id) for t in lifts]  # a lift occupies its crane zones (R6, R10)
    prob = core.Problem(off(end) + 1, calendars, [_core_task(project, t, off) for t in tasks], precedences,
                        _capacities(project, tasks), spans, deadline_group=rules.DEADLINE,
                        precedence_group=rules.ORDER)
    prob.reserved = {g: {off(d): n for d, n in days.items() if 0 <= off(d) < prob.horizon and n > 0}
                     for g, days in (reserved or {}).items() if g in prob.capacities}
    compiled = Compiled(project, tasks, cals, prob, fire_blockers=_fire_blockers(dug, lifts))
    compiled.access_complete = _access(compiled, dug)
    if project.site.max_open_zones and dug:
        prob.open_caps.append((rules.MAX_OPEN_ZONES, tuple(dug), project.site.max_open_zones))
    for t in lifts:
        for z in t.crane_zones:
            if z in dug:
                prob.span_clear_of.append((RuleGroup(Rule.R10, "crane", t.id), z, t.id))
    prob.span_outside = _open_seasons(project, tasks, dug, off, prob.horizon)
    prob.spacing = _outage_spacing(project, tasks)
    prob.objectives = [_objective(name, project, tasks, dug) for name in project.objective]
    return compiled


def _fire_blockers(dug: list[str], lifts: list[Task]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {z: [z] for z in dug}
    for t in lifts:
        if not t.fire_plan:
            for z in t.crane_zones:
                out.setdefault(z, []).append(t.id)
    return out


def _open_seasons(project: Project, tasks: list[Task], dug: list[str], off: Callable[[date], int],
                  horizon: int) -> list[tuple[RuleGroup, str, int, int]]:
    """R8 `forbid: [open]`: each zone deep enough stays shut over every calendar day of the season."""
    depth = zone_depths(tasks)
    out = []
    for s in project.calendar.seasons:
        first, last = off(s.from_), off(s.to)
        if OPEN not in s.forbid or last < 0 or first >= horizon:
            continue
        out += [(RuleGroup(Rule.R8, "open", s.name), z, first, last) for z in dug if s.forbids_open(depth.get(z))]
    return out


def _core_task(project: Project, t: Task, off: Callable[[date], int]) -> core.Task:
    """R2 demands (a crew of its trade, its machines), R3 release and deadline, the forbidden days."""
    demands: dict[core.Group, int] = {rules.crews(t.trade): 1} if t.trade else {}
    demands.update({rules.machine(m): n for m, n in t.equipment.items() if m in project.equipment})
    release = off(t.earliest) if t.earliest and t.earliest > project.project.start else 0
    dues = [d for d in (project.project.deadline, t.deadline) if d]
    return core.Task(t.id, t.days, t.calendar, demands, release, off(min(dues)) if dues else None,
                     _forbidden(project, t, off), release_group=RuleGroup(Rule.RELEASE, "release", t.work or t.id))


def _capacities(project: Project, tasks: list[Task]) -> dict[core.Group, int]:
    """R2: each trade's crews and each kind of equipment, as core resources named by their rule group."""
    capacities: dict[core.Group, int] = {
        rules.crews(tr): project.trades[tr].crews for tr in sorted({t.trade for t in tasks if t.trade})}
    capacities.update({rules.machine(m): n for m, n in project.equipment.items()})
    return capacities


def _access(c: Compiled, dug: list[str]) -> bool:
    """R6 cuts into the problem; False when only the small ones are (a large grid: larger ones come lazily
    when a schedule blocks one, see planner.solve_with_access)."""
    occupied = {z for z, spans in c.fire_blockers.items() if any(span != z for span in spans)}
    try:
        cuts, complete = access_cuts(c.project, set(dug), budget=CUT_BUDGET, occupied=occupied), True
    except TooManyCuts:
        cuts, complete = access_cuts(c.project, set(dug), max_size=SMALL_CUT, occupied=occupied), False
    seen: set[tuple[str, ...]] = set()
    for group, cut in cuts:
        for row in c.cut_rows(group, cut):
            if row not in seen:
                seen.add(row)
                c.problem.not_all_open.append((group, row))
    return complete


def _outage_spacing(project: Project, tasks: list[Task]) -> list[tuple[RuleGroup, tuple[str, ...], int]]:
    """R9: one outage of a type per building per OUTAGE_SPACING_DAYS (one group per distinct set of outages)."""
    out: list[tuple[RuleGroup, tuple[str, ...], int]] = []
    seen: set[tuple[str, ...]] = set()
    for b in project.site.buildings:
        by_type: dict[str, list[str]] = defaultdict(list)
        for t in tasks:
            if t.outage and b.id in t.outage.serves:
                by_type[t.outage.type].append(t.id)
        for kind, ids in by_type.items():
            if len(ids) > 1 and tuple(ids) not in seen:
                seen.add(tuple(ids))
                out.append((RuleGroup(Rule.R9, "outage spacing", (kind, b.id)), tuple(ids), OUTAGE_SPACING_DAYS))
    return out


def _objective(name: str, project: Project, tasks: list[Task], dug: list[str]) -> core.Objective:
    if name == "finish":
        return core.Objective(name, [core.Makespan()])
    if name == "open_days":
        return core.Objective(name, [core.SpanLength(1, tuple(dug))] if dug else [])
    terms: list[core.Term] = []
    constant = 0
    for b in project.site.buildings:
        w = weight(project, b.id)
        if w == 0:
            continue
        noisy = tuple(t.id for t in tasks if t.noisy and b.id in t.disturbs)
        if noisy:
            terms.append(core.UnionDays(w, tasks=noisy))
        entrance_zones = {e.zone for e in b.entrances}
        doors = tuple(sorted(entrance_zones & set(dug)))  # an open or occupied entrance zone
        doors += tuple(t.id for t in tasks if entrance_zones & set(t.crane_zones))
        if doors:
            terms.append(core.UnionDays(w, spans=doors))
        constant += w * sum(t.days for t in tasks if t.outage and b.id in t.outage.serves)
    return core.Objective(name, terms, constant)

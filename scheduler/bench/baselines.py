"""What project managers do today, measured against digonce on the same compound.

(a) **trade by trade**: every pipeline trade digs its own trenches — per zone it excavates, lays and
    backfills as one block with its own crew — and a zone holds one trench at a time, so the second
    trade re-opens the road the first one closed (the 马路拉链). Everything else (elevators, facades,
    final surfaces after the last trench of a zone) is as in the expanded project.
(b) **greedy levelling**: the expanded digonce tasks (so dig-once holds by construction) levelled by a
    serial priority rule over crews, machines, calendars, quiet days and seasons — and nothing else.
Both are placed by `scheduler.greedy` and scored by the SPEC §6 definitions; (b) also goes through
`check`, which counts the access and open-zone rules a levelling tool knows nothing about.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta

from models.project import Project
from models.schedule import Schedule

from scheduler.core import problem as core
from scheduler.core.greedy import greedy_starts
from scheduler.planning.compile import Compiled, compile_project, weight
from scheduler.planning.expand import Task
from scheduler.planning.result import disruptions, objective_values, openings, scheduled_tasks
from scheduler.planning.rules import crews
from scheduler.review.check import check_schedule

WIDE_DAYS = 3 * 365  # baselines ignore deadlines: give them room to finish late


@dataclass
class Figures:
    plan: str
    openings: int
    open_days: int
    finish: date
    disruption: int
    violations: dict[str, int]  # rule → count, from `check` (trade-by-trade breaks R5 by design: not checked)

    def row(self) -> dict:
        return {"plan": self.plan, "openings": self.openings, "open_days": self.open_days,
                "finish": self.finish.isoformat(), "disruption": self.disruption, "violations": self.violations}


def _wide(project: Project, tasks: list[Task]) -> Compiled:
    c = compile_project(project, tasks, project.project.start + timedelta(days=WIDE_DAYS))
    no_due = [replace(t, due=None) for t in c.problem.tasks]
    return replace(c, problem=replace(c.problem, tasks=no_due))


def score(plan: str, project: Project, tasks: list[Task], c: Compiled, starts: dict[str, int]) -> Figures:
    """Figures of a plan of the expanded tasks (digonce's or the greedy one)."""
    st = scheduled_tasks(c, starts)
    by_id = {t.id: t for t in st}
    opens = openings(project, by_id)
    disr = disruptions(project, tasks, by_id, opens)
    values = objective_values(project, st, disr, opens)
    sched = Schedule(project=project.project.id, tasks=st, openings=opens, disruptions=disr)
    counts: dict[str, int] = defaultdict(int)
    for v in check_schedule(project, tasks, sched):
        counts[v.rule] += 1
    return Figures(plan, len(opens), values["open_days"], values["finish"], values["disruption"], dict(counts))


def greedy(project: Project, tasks: list[Task]) -> Figures:
    c = _wide(project, tasks)
    return score("greedy levelling", project, tasks, c, greedy_starts(c.problem))


def _blocks(c: Compiled) -> tuple[core.Problem, dict[str, tuple[str, list[Task]]]]:
    """The trade-by-trade problem: each (zone, trade) trench one block; block id → (zone, its tasks)."""
    tasks = c.tasks
    by_zone: dict[str, list[Task]] = defaultdict(list)
    for t in tasks:
        if t.zone and (t.underground or t.kind in ("excavate", "backfill")):
            by_zone[t.zone].append(t)
    replaced: dict[str, list[str]] = {}  # original task → the block(s) standing for it
    blocks: dict[str, tuple[str, list[Task]]] = {}
    for zone, zone_tasks in by_zone.items():
        dig = [t for t in zone_tasks if t.kind == "excavate"]
        fill = [t for t in zone_tasks if t.kind in ("inspect", "backfill")]  # each trench is inspected, filled
        laid: dict[str, list[Task]] = defaultdict(list)
        for t in zone_tasks:
            if t.underground and t.kind != "inspect":
                laid[t.trade or "civil"].append(t)
        for trade, lays in (laid or {"civil": []}).items():
            bid = f"{zone}|{trade}"
            blocks[bid] = (zone, dig + lays + fill)
            for t in lays:
                replaced[t.id] = [bid]
        for t in dig + fill:
            replaced[t.id] = [f"{zone}|{trade}" for trade in (laid or {"civil": []})]
    core_by_id = {t.id: t for t in c.problem.tasks}
    new_tasks = [t for t in c.problem.tasks if t.id not in replaced]
    for bid, (zone, parts) in blocks.items():
        lead = next((t for t in parts if t.underground), parts[0])
        forbidden: dict[str, frozenset[int]] = {}
        for t in parts:
            for g, days in core_by_id[t.id].forbidden.items():
                forbidden[g] = forbidden.get(g, frozenset()) | days
        new_tasks.append(core.Task(bid, sum(t.days for t in parts), lead.calendar,
                                   {crews(lead.trade): 1, f"trench {zone}": 1} if lead.trade
                                   else {f"trench {zone}": 1}, forbidden=forbidden))
    zone_of = {t.id: zone for zone, zone_tasks in by_zone.items() for t in zone_tasks}
    precedences = set()
    for pr in c.problem.precedences:
        if pr.before in zone_of and zone_of[pr.before] == zone_of.get(pr.after):
            continue  # inside one zone each trade's block is its own trench: no order between trades
        for a in replaced.get(pr.before, [pr.before]):
            for b in replaced.get(pr.after, [pr.after]):
                if a != b:
                    precedences.add(core.Precedence(a, b, pr.lag))
    capacities = dict(c.problem.capacities) | {f"trench {z}": 1 for z in by_zone}
    prob = core.Problem(c.problem.horizon, c.problem.calendars, new_tasks, sorted(precedences, key=str),
                        capacities)
    return prob, blocks


def trade_by_trade(project: Project, tasks: list[Task]) -> Figures:
    c = _wide(project, tasks)
    prob, blocks = _blocks(c)
    starts = greedy_starts(prob)
    days_of = {t.id: prob.calendars[t.calendar][starts[t.id]: starts[t.id] + t.duration] for t in prob.tasks}
    noise: dict[str, set[int]] = defaultdict(set)
    doors: dict[str, set[int]] = defaultdict(set)
    entrance_zones = {b.id: {e.zone for e in b.entrances} for b in project.site.buildings}
    open_days = 0
    for bid, (zone, parts) in blocks.items():
        days = days_of[bid]
        open_days += days[-1] - days[0] + 1
        k = 0
        for t in parts:  # excavate and backfill are the noisy parts of a block
            if t.noisy:
                for b in t.disturbs:
                    noise[b].update(days[k:k + t.days])
            k += t.days
        for b, zones in entrance_zones.items():
            if zone in zones:
                doors[b].update(range(days[0], days[-1] + 1))
    for t in tasks:
        if t.id in days_of and t.noisy:
            for b in t.disturbs:
                noise[b].update(days_of[t.id])
    outages = sum(weight(project, b) * t.days for t in tasks if t.outage for b in t.outage.serves)
    disruption = outages + sum(weight(project, b.id) * (len(noise[b.id]) + len(doors[b.id]))
                               for b in project.site.buildings)
    finish = c.date(max(d[-1] for d in days_of.values()))
    return Figures("trade by trade", len(blocks), open_days, finish, disruption, {})

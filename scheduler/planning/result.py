"""Core solution → `Schedule`: dates, working days, openings, per-building disruptions, objective values.

Objective values are recomputed here from the dated schedule (SPEC §6 definitions), independently of
the CP model's own expressions, so the two can be compared in tests.
"""

from __future__ import annotations

from datetime import date, timedelta

from models.project import Project
from models.schedule import Disruption, Occupation, Opening, OutageInfo, Schedule, ScheduledTask, SolverInfo
from models.validate import dug_zones

from scheduler.core.solve import CoreSolution
from scheduler.planning.compile import Compiled, weight
from scheduler.planning.expand import Task


def scheduled_tasks(c: Compiled, starts: dict[str, int]) -> list[ScheduledTask]:
    out = []
    for t in c.tasks:
        w = c.problem.calendars[t.calendar]
        days = [c.date(d) for d in w[starts[t.id]: starts[t.id] + t.days]]
        out.append(ScheduledTask(
            id=t.id, name=t.name, trade=t.trade, kind=t.kind, work=t.work, zone=t.zone, building=t.building,
            start=days[0], finish=days[-1], days=days, noisy=t.noisy, underground=t.underground,
            surface=t.surface, hours=list(t.hours),
            outage=OutageInfo(type=t.outage.type, serves=list(t.outage.serves), hours=t.outage.hours,
                              notice_days=t.outage.notice_days) if t.outage else None,
            equipment=sorted(m for m in t.equipment if m in c.project.equipment), after=sorted(t.after)))
    return out


def openings(project: Project, by_id: dict[str, ScheduledTask]) -> list[Opening]:
    return [Opening(zone=z, from_=by_id[f"{z}:excavate"].start, to=by_id[f"{z}:backfill"].finish)
            for z in dug_zones(project)]


def occupations(tasks: list[Task], by_id: dict[str, ScheduledTask]) -> list[Occupation]:
    """Every lift's crane zones, occupied from its first to its last working day."""
    return [Occupation(zone=z, from_=by_id[t.id].start, to=by_id[t.id].finish, task=t.id, fire_plan=t.fire_plan)
            for t in tasks if t.crane_zones for z in t.crane_zones]


def disruptions(project: Project, tasks: list[Task], by_id: dict[str, ScheduledTask],
                opens: list[Opening], occupied: list[Occupation] = ()) -> list[Disruption]:
    """Per building and day: noise it hears, an entrance zone open or occupied by a crane, an outage."""
    out: list[Disruption] = []
    for b in project.site.buildings:
        for t in tasks:
            if t.noisy and b.id in t.disturbs:
                st = by_id[t.id]
                out += [Disruption(building=b.id, date=d, kind="noise", hours=list(t.hours), task=t.id, zone=t.zone)
                        for d in st.days]
        doors = {e.zone for e in b.entrances}
        for o in opens:
            if o.zone in doors:
                out += [Disruption(building=b.id, date=o.from_ + timedelta(n), kind="entrance", zone=o.zone)
                        for n in range((o.to - o.from_).days + 1)]
        for o in occupied:
            if o.zone in doors:
                out += [Disruption(building=b.id, date=o.from_ + timedelta(n), kind="entrance", zone=o.zone,
                                   task=o.task) for n in range((o.to - o.from_).days + 1)]
        for t in tasks:
            if t.outage and b.id in t.outage.serves:
                out += [Disruption(building=b.id, date=d, kind="outage", hours=[t.outage.hours], task=t.id)
                        for d in by_id[t.id].days]
    out.sort(key=lambda d: (d.building, d.date, d.kind, d.task or "", d.zone or ""))
    return out


def objective_values(project: Project, sched_tasks: list[ScheduledTask], disr: list[Disruption],
                     opens: list[Opening]) -> dict[str, int | date]:
    """SPEC §6, straight from the dated schedule."""
    per_day: dict[tuple[str, date], set[str]] = {}
    outages = 0
    for d in disr:
        if d.kind == "outage":
            outages += weight(project, d.building)
        else:
            per_day.setdefault((d.building, d.date), set()).add(d.kind)
    disruption = outages + sum(weight(project, b) * len(kinds) for (b, _), kinds in per_day.items())
    return {"finish": max(t.finish for t in sched_tasks), "disruption": disruption,
            "open_days": sum((o.to - o.from_).days + 1 for o in opens)}


def dated_schedule(project: Project, tasks: list[Task], schedule: Schedule) -> Schedule:
    """A schedule whose tasks carry dates only (an edited ledger read back) completed with what follows from
    them: openings, crane occupations, disruptions and the objective values (SPEC §6), no solver figures."""
    by_id = {t.id: t for t in schedule.tasks}
    opens = openings(project, by_id)
    occupied = occupations(tasks, by_id)
    disr = disruptions(project, tasks, by_id, opens, occupied)
    values = objective_values(project, schedule.tasks, disr, opens)
    solver = SolverInfo(status="EDITED", wall_s=0.0, objective={k: v.isoformat() if isinstance(v, date) else v
                                                                 for k, v in values.items()})
    return schedule.model_copy(update={"openings": opens, "occupations": occupied, "disruptions": disr,
                                       "solver": solver})


def build_schedule(c: Compiled, sol: CoreSolution, tasks: list[ScheduledTask] | None = None) -> Schedule:
    """`tasks`: the dated tasks when they are not all the solver's (a re-plan keeps reported history)."""
    st = tasks if tasks is not None else scheduled_tasks(c, sol.starts)
    by_id = {t.id: t for t in st}
    opens = openings(c.project, by_id)
    occupied = occupations(c.tasks, by_id)
    disr = disruptions(c.project, c.tasks, by_id, opens, occupied)
    values = objective_values(c.project, st, disr, opens)
    objective, bound, gap = {}, {}, {}
    for stage in sol.stages:
        name, value = stage.name, values.get(stage.name, stage.value)  # e.g. a re-plan's `moved`
        if value is None:
            continue
        objective[name] = value.isoformat() if isinstance(value, date) else value
        if stage.bound is None:
            continue
        b = int(-(-stage.bound // 1))  # ceil: the bound of an integer objective
        true = c.offset(value) if isinstance(value, date) else value
        bound[name] = c.date(b).isoformat() if isinstance(value, date) else b
        gap[name] = round(max(0.0, (true - b) / max(1, abs(true))), 4)
    solver = SolverInfo(status=sol.status, wall_s=round(sol.wall_s, 2), objective=objective, bound=bound, gap=gap,
                        stages=[{"name": s.name, "status": s.status, "value": s.value, "bound": s.bound,
                                 "bound_from": s.bound_from, "wall_s": round(s.wall_s, 2)} for s in sol.stages])
    return Schedule(project=c.project.project.id, input_sha256=c.project.input_sha256, solver=solver, tasks=st,
                    openings=opens, occupations=occupied, disruptions=disr)

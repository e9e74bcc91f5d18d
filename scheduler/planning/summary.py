"""Horizon estimates and the `digonce validate` summary."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, timedelta

from models.problems import Place, Problem
from models.project import Project
from models.validate import dug_zones

from scheduler.planning.calendars import unpublished_years
from scheduler.planning.expand import Task


def lower_bound_days(project: Project, tasks: list[Task]) -> int:
    """Working days the project needs at least: longest precedence chain, or busiest trade's load."""
    by_id = {t.id: t for t in tasks}
    finish: dict[str, int] = {}

    def ef(tid: str) -> int:  # earliest finish, iterative to survive long chains
        stack = [tid]
        while stack:
            cur = stack[-1]
            pending = [p for p in by_id[cur].after if p not in finish]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            t = by_id[cur]
            finish[cur] = max((finish[p] + lag for p, lag in t.after.items()), default=0) + t.days
        return finish[tid]

    chain = max((ef(t.id) for t in tasks), default=0)
    load: dict[str, int] = defaultdict(int)
    for t in tasks:
        if t.trade:
            load[t.trade] += t.days
    busiest = max((math.ceil(n / project.trades[tr].crews) for tr, n in load.items() if tr in project.trades),
                  default=0)
    return max(chain, busiest)


def upper_bound_end(project: Project, tasks: list[Task], ignore_deadline: bool = False) -> date:
    """A last day by which some schedule surely fits (all tasks one after another, seasons waited out)."""
    if project.project.deadline and not ignore_deadline:
        return project.project.deadline
    start = max([project.project.start] + [t.earliest for t in tasks if t.earliest])
    work = sum(t.days + max(t.after.values(), default=0) for t in tasks)
    waits = sum((p.to - p.from_).days + 1 for p in [*project.calendar.quiet, *project.calendar.seasons])
    return start + timedelta(days=math.ceil(work * 1.5) + waits + 60)


def holiday_warnings(project: Project, last: date) -> list[Problem]:
    if project.calendar.holidays != "CN":
        return []
    years = unpublished_years(project.project.start, last)
    if not years:
        return []
    src = project.source
    place = src.place(("calendar", "holidays")) if src else Place(project._file)
    return [Problem(place, "calendar.holidays",
                    f"the official CN holiday and 调休 list for {', '.join(map(str, years))} is not published yet "
                    "(statutory holidays are estimated, make-up working days are unknown)",
                    "check the State Council notice and add make-up days to calendar.work_days, "
                    "extra days off to calendar.days_off", warning=True)]


def estimated_last_day(project: Project, tasks: list[Task]) -> date:
    if project.project.deadline:
        return project.project.deadline
    return project.project.start + timedelta(days=math.ceil(lower_bound_days(project, tasks) * 7 / 6))


def summary(project: Project, tasks: list[Task], warnings: list[Problem]) -> str:
    site = project.site
    households = sum(b.households for b in site.buildings)
    kinds = Counter(z.kind for z in site.zones)
    works = Counter(w.type for w in project.works)
    trades = Counter(t.trade or "(no crew)" for t in tasks)
    crew_days = Counter()
    for t in tasks:
        crew_days[t.trade or "(no crew)"] += t.days
    lb = lower_bound_days(project, tasks)
    warnings = warnings + holiday_warnings(project, estimated_last_day(project, tasks))
    dug = dug_zones(project)
    lines = [
        f"{project.project.name} ({project.project.id}) — valid",
        f"  buildings  {len(site.buildings)} with {households} households, "
        f"{sum(len(b.entrances) for b in site.buildings)} entrances, "
        f"{sum(b.sensitive for b in site.buildings)} sensitive",
        f"  zones      {len(site.zones)} (" + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) +
        f"), {len(dug)} dug, {len(site.gates)} gates",
        "  works      " + ", ".join(f"{k} {n}" for k, n in sorted(works.items())),
        f"  tasks      {len(tasks)}; by trade (tasks / crew-days):",
    ]
    for trade in sorted(trades):
        crews = project.trades[trade].crews if trade in project.trades else "-"
        lines.append(f"    {trade:<12} {trades[trade]:>4} / {crew_days[trade]:>5}   crews {crews}")
    deadline = project.project.deadline.isoformat() if project.project.deadline else "none"
    earliest = project.project.start + timedelta(days=math.ceil(lb * 7 / 6))
    lines.append(f"  horizon    start {project.project.start}, deadline {deadline}, "
                 f"needs at least {lb} working days (finish ≈ {earliest} at the earliest)")
    if warnings:
        lines.append(f"  warnings   {len(warnings)}")
        lines += [f"    {w}" for w in warnings]
    return "\n".join(lines)

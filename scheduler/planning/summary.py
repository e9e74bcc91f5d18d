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
from scheduler.text import PLAIN_LANG, Msg, section, t, words


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
    return [Problem(place, "calendar.holidays", Msg("summary.holidays", years=[str(y) for y in years]),
                    Msg("summary.holidays_fix"), warning=True)]


def estimated_last_day(project: Project, tasks: list[Task]) -> date:
    if project.project.deadline:
        return project.project.deadline
    return project.project.start + timedelta(days=math.ceil(lower_bound_days(project, tasks) * 7 / 6))


def summary(project: Project, tasks: list[Task], warnings: list[Problem], lang: str = PLAIN_LANG) -> str:
    """What `digonce validate` prints about a valid project, in `lang` (text/*/summary.yaml)."""
    site = project.site
    say = (lambda key, **values: t(f"summary.{key}", lang, **values))
    sep = t("common.list_sep", lang)
    no_crew = say("no_crew")
    trades = Counter(t.trade or no_crew for t in tasks)
    crew_days: Counter = Counter()
    for task in tasks:
        crew_days[task.trade or no_crew] += task.days
    lb = lower_bound_days(project, tasks)
    warnings = warnings + holiday_warnings(project, estimated_last_day(project, tasks))
    kinds, works = section("summary.zone_kind", lang), section("summary.work_type", lang)
    lines = [
        say("valid", name=project.project.name, id=project.project.id),
        say("buildings", buildings=len(site.buildings), households=sum(b.households for b in site.buildings),
            entrances=sum(len(b.entrances) for b in site.buildings),
            sensitive=sum(b.sensitive for b in site.buildings)),
        say("zones", zones=len(site.zones), dug=len(dug_zones(project)), gates=len(site.gates),
            kinds=sep.join(f"{kinds.get(k, k)} {n}" for k, n in sorted(Counter(z.kind for z in site.zones).items()))),
        say("works", works=sep.join(f"{works.get(k, k)} {n}"
                                    for k, n in sorted(Counter(w.type for w in project.works).items()))),
        say("tasks", tasks=len(tasks)),
    ]
    for trade in sorted(trades):
        crews = project.trades[trade].crews if trade in project.trades else "-"
        lines.append(say("trade", trade=f"{trade:<12}", tasks=f"{trades[trade]:>4}", days=f"{crew_days[trade]:>5}",
                         crews=crews))
    deadline = project.project.deadline.isoformat() if project.project.deadline else t("common.none", lang)
    lines.append(say("horizon", start=project.project.start, deadline=deadline, days=lb,
                     earliest=project.project.start + timedelta(days=math.ceil(lb * 7 / 6))))
    if warnings:
        lines.append(say("warnings", count=len(warnings)))
        lines += [f"    {words(w, lang)}" for w in warnings]
    return "\n".join(lines)

"""`digonce export`: the schedule for other planning tools (MS Project XML for MS Project, P6, GanttProject)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from scheduler import api
from scheduler.cli.common import Failure, lang, load, read_schedule
from scheduler.publishing.files import write_atomic
from scheduler.text import t


def say(key: str, **values: Any) -> str:
    """The command's message `key` (scheduler/text/<lang>/export.yaml, section cli)."""
    return t(f"export.cli.{key}", lang(), **values)


@click.group()
def export() -> None:
    """Write a schedule in another tool's format (see `digonce export mspdi --help`)."""


@export.command()
@click.argument("schedule", type=click.Path())
@click.option("-p", "--project", "project_path", type=click.Path(),
              help="The project the schedule belongs to (default: inputs/<project id>).")
@click.option("-o", "--out", default="plan.xml", show_default=True, type=click.Path(), help="The XML file to write.")
@click.option("--baseline", type=click.Path(),
              help="The schedule before a re-plan (schedule.json or an edited ledger): its dates become each "
                   "task's baseline, so MS Project shows what moved.")
@click.option("--outline", type=click.Choice(["zone", "trade"]), default="zone", show_default=True,
              help="Summary tasks per zone (tasks without one: per building) or per trade.")
def mspdi(schedule: str, project_path: str | None, out: str, baseline: str | None, outline: str) -> None:
    """SCHEDULE as Microsoft Project XML (MSPDI), for MS Project, Primavera P6 and GanttProject.

    \b
    What the file holds (docs/export.md says more):
      tasks        under a summary per zone (or --outline trade), each on its scheduled days,
                   auto-scheduled with "Start No Earlier Than" our start on its own calendar,
                   so the tool computes the same dates; notes and Text1-3 carry id, zone, building
      links        finish-to-start from every `after`, with the lags in working days
      calendars    the project's workweek, CN holidays and 调休 make-up days, days_off and
                   work_days; each trade's own workweek; 7 days a week for curing; noisy work
                   on a twin calendar with the noisy hours
      resources    every trade (max units = crews) and machine, assigned to their tasks
      baseline     with --baseline, the earlier schedule's dates
    SCHEDULE may be a schedule.json or, with -p, an edited csv/xlsx ledger that `digonce check` reads.

    \b
      digonce export mspdi out/schedule.json -o plan.xml
      digonce export mspdi out/schedule.json --baseline out/releases/0001/schedule.json -o plan.xml
    Exit 0 written, 2 invalid input (nothing written).
    """
    p, tasks, sched = _schedule(schedule, project_path)
    base = _baseline(baseline, p, tasks, sched) if baseline else None
    target = Path(out)
    if target.is_dir():
        raise Failure(say("is_folder", path=out))
    data = api.export_mspdi(sched, p, tasks, baseline=base, outline=outline)
    try:
        write_atomic(target, data)
    except OSError as exc:
        raise Failure(say("cannot_write", path=out, reason=exc.strerror or exc)) from None
    click.echo(say("wrote", path=out, tasks=len(sched.tasks), groups=data.count(b"<Summary>1<"),
                   links=data.count(b"<PredecessorLink>"), calendars=data.count(b"<IsBaseCalendar>1<"),
                   resources=data.count(b"<Resource>")))


def _read(path: str, p: api.Project, tasks: list[api.Task]) -> api.Schedule:
    if not Path(path.split("#")[0]).exists():
        raise Failure(say("missing", path=path))
    try:
        return api.read_schedule(path, p, tasks)
    except api.InputError as exc:
        raise Failure(*(str(problem) for problem in exc.problems)) from None


def _schedule(path: str, project_path: str | None) -> tuple[api.Project, list[api.Task], api.Schedule]:
    """The project (given, or the schedule's own under inputs/) and the schedule, which must be of its tasks."""
    if project_path is None:
        if not Path(path).exists():
            raise Failure(say("missing", path=path))
        project_id = read_schedule(path).project
        project_path = f"inputs/{project_id}"
        if not Path(project_path).exists():
            raise Failure(t("cli.which_project", lang(), path=path, project=project_id))
    elif not Path(project_path).exists():
        raise Failure(say("missing", path=project_path))
    p, tasks, _warnings = load(project_path)
    sched = _read(path, p, tasks)
    have, want = {s.id for s in sched.tasks}, {x.id for x in tasks}
    extra, missing = sorted(have - want), sorted(want - have)
    if extra or missing:
        raise Failure(say("tasks_differ", path=path, project=p.project.id, extra=len(extra), missing=len(missing),
                          extra_ids=", ".join(extra[:3]) or "—", missing_ids=", ".join(missing[:3]) or "—"))
    return p, tasks, sched


def _baseline(path: str, p: api.Project, tasks: list[api.Task], sched: api.Schedule) -> api.Schedule:
    """The schedule before a re-plan, of the same project; tasks it lacks just get no baseline dates."""
    base = _read(path, p, tasks)
    lacking = {s.id for s in sched.tasks} - {b.id for b in base.tasks}
    if lacking:
        click.echo(say("baseline_partial", path=path, count=len(lacking)), err=True)
    return base


COMMANDS = (export,)

"""The commands about one project: validate, schema, solve, check, publish, explain, diff, replan."""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import date
from pathlib import Path

import click

from models.problems import did_you_mean
from models.schedule import SolverInfo
from models.tables import split_sheet
from scheduler import api
from scheduler.publishing.public import normal_url
from scheduler.cli.common import (EXIT_INFEASIBLE, EXIT_VIOLATIONS, Failure, in_force, in_lang, input_failure,
                                  keep_option, lang, load, read_schedule, ready_out, release, say, search_options,
                                  shown, timeout)
from scheduler.cli.status import gap_words, status


def public_url_option(f):
    """--public-url on every command that publishes: QR codes on the notices, remembered in OUT."""
    return click.option("--public-url", metavar="URL",
                        help="Where residents reach `digonce serve` (e.g. https://gaizao.example.org): every notice "
                             "gets a QR code of its building's short link URL/b/<building>, the index one of URL/. "
                             "Remembered in OUT (OUT/.serve/site.json) for later releases and `serve`; "
                             "default: the one remembered, else no QR codes.")(f)


def check_public_url(url: str | None) -> None:
    """A --public-url that is no full http(s) address is refused before any search (exit 2)."""
    if url is not None and normal_url(url) is None:
        raise Failure(say("serve_public_url", url=url))


@click.command()
@click.argument("project", type=click.Path(exists=True))
def validate(project: str) -> None:
    """Load, validate and expand PROJECT; print a summary. Exit 0 ok, 2 invalid input."""
    from scheduler.planning.summary import summary

    p, tasks, warnings = load(project)
    click.echo(summary(p, tasks, warnings, lang()))


@click.command()
@click.argument("project", type=click.Path(exists=True))
@click.option("-o", "--out", default="out", show_default=True, type=click.Path(), help="Output folder.")
@search_options
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False),
              help="A previous schedule.json: its folder's feeds are the reference for SEQUENCE numbers "
                   "(default: the release in force in OUT), and the Gantt shows it as ghost bars.")
@keep_option
@public_url_option
def solve(project: str, out: str, time_limit: float, workers: int, seed: int, quiet: bool, as_json: bool,
          baseline: str | None, keep: int, public_url: str | None) -> None:
    """Schedule PROJECT and write schedule.json, schedule.csv and schedule.xlsx into OUT.

    \b
    Also writes gantt.html, feeds/*.ics and notices/*.html.

    \b
    Objectives, in order (change with `objective:` in project.yaml):
      finish      the last working day, as early as possible
      disruption  households x days of noise, blocked doors and outages
      open_days   calendar days trenches stay open
    Each run into OUT is one release (OUT/releases/NNNN), put in force in one step: OUT/schedule.json,
    OUT/feeds/… always show the whole release in force; a failed run leaves it untouched.
    Exit 0 schedule found (optimal or best within the limit, with its gap), 2 invalid input,
    3 infeasible (the rules in conflict are named), 4 nothing found within the time limit.
    """
    from scheduler.planning.summary import holiday_warnings

    p, tasks, warnings = load(project)
    ready_out(out)
    check_public_url(public_url)
    if not quiet and not as_json:
        click.echo(say("solving", project=p.project.id, tasks=len(tasks), limit=f"{time_limit:g}", workers=workers),
                   err=True)
    with status(quiet, as_json, time_limit, list(p.objective), p.project.start) as st:
        result = api.plan(p, tasks, time_limit=time_limit, workers=workers, seed=seed, progress=st.callback)
    if result.solution.status == "INFEASIBLE":
        raise _infeasible(p, tasks, result)
    if result.schedule is None:
        timeout(time_limit)
    sched = result.schedule
    for w in warnings + holiday_warnings(p, max(t.finish for t in sched.tasks)):
        click.echo(in_lang(w), err=True)
    ref = read_schedule(baseline) if baseline else (in_force(out, p) or (None,))[0]
    written = release(sched, p, out, baseline=ref, baseline_dir=Path(baseline).resolve().parent if baseline else None,
                      keep=keep, public_url=public_url)
    _report_solved(sched.solver, written, out, as_json)


def _report_solved(s: SolverInfo, written: api.Published, out: str, as_json: bool) -> None:
    """The figures of a solve, each gap also in words; with --json one JSON object instead."""
    if as_json:
        click.echo(json.dumps({**s.model_dump(include={"status", "wall_s", "objective", "bound", "gap"}),
                               "saveable": {n: _saveable(s, n) for n in s.gap}, "files": len(written), "out": out,
                               "release": written.release.version}, ensure_ascii=False))
        return
    click.echo(say("solved", status=s.status, wall=s.wall_s, finish=s.objective.get("finish"),
                   disruption=s.objective.get("disruption"), open_days=s.objective.get("open_days")))
    for name, gap in s.gap.items():
        click.echo(say("stage_gap", name=name, value=s.objective.get(name), bound=s.bound.get(name), gap=gap,
                       words=gap_words(name, _saveable(s, name))))
    for line in _what_is_left(s):
        click.echo(line)
    click.echo(say("wrote", count=len(written), out=out, release=written.release.version))


def _saveable(s: SolverInfo, name: str) -> int:
    """Value minus bound of a stage: days for the finish (ISO dates), units otherwise."""
    value, bound = s.objective.get(name), s.bound.get(name)
    if isinstance(value, str):
        return (date.fromisoformat(value) - date.fromisoformat(str(bound))).days
    return int(value) - int(bound)


def _what_is_left(s: SolverInfo) -> list[str]:
    """Where the bounds behind "could still be saved" came from (the search, per building, crews' packing)."""
    lines = []
    for name in ("finish", "disruption"):
        value, bound = s.objective.get(name), s.bound.get(name)
        source = next((st.get("bound_from", "search") for st in s.stages if st.get("name") == name), "search")
        if value is not None and bound is not None and value != bound and (name == "disruption" or source != "search"):
            lines.append(say(f"{name}_left", source=say(f"bound_{source}")))
    return lines


def _infeasible(p: api.Project, tasks: list[api.Task], result: api.Plan) -> Failure:
    """No schedule obeys every rule: name the rules in conflict, explained when the conflict was proven."""
    sol = result.solution
    lines = [say("infeasible", groups=", ".join(map(str, sol.conflict)) or say("infeasible_unknown"))]
    if result.conflict is not None and result.conflict.status == "INFEASIBLE":
        lines.append(api.explain_conflict(p, tasks, result.conflict, lang()).render())
    elif sol.detail:
        lines.append(f"  {sol.detail}")
    return Failure(*lines, say("infeasible_relax"), code=EXIT_INFEASIBLE)


@click.command()
@click.argument("schedule", type=click.Path(dir_okay=False))  # not exists=True: ledger.xlsx#sheet
@click.option("-o", "--out", default="out", show_default=True, type=click.Path(), help="Output folder.")
@click.option("-p", "--project", "project_path", type=click.Path(exists=True),
              help="The project the schedule belongs to (default for a schedule.json: inputs/<project id>; "
                   "a ledger names no project, so give it).")
@keep_option
@public_url_option
def publish(schedule: str, out: str, project_path: str | None, keep: int, public_url: str | None) -> None:
    """Publish every output (ledger, Gantt, feeds, notices) from SCHEDULE as the next release of OUT: a
    schedule.json, or the ledger (schedule.csv / schedule.xlsx, UTF-8 or GBK) after a hand edit.

    \b
    The schedule is checked first, as `digonce check` does: one that breaks a rule is refused with
    its violations and nothing is written. Openings, crane occupations and disruptions follow from
    the edited dates. Feeds keep their UIDs; moved events get a higher SEQUENCE.
      digonce publish out/schedule.xlsx -p inputs/hepingli -o out
    Exit 0 published, 1 the schedule breaks a rule, 2 invalid input.
    """
    ledger = Path(split_sheet(schedule)[0]).suffix.lower() != ".json"
    check_public_url(public_url)
    if project_path is None:
        if ledger:
            raise Failure(say("ledger_project", path=schedule))
        found = read_schedule(schedule).project
        project_path = f"inputs/{found}"
        if not Path(project_path).exists():
            raise Failure(say("which_project", path=schedule, project=found))
    p, tasks, _ = load(project_path)
    try:
        sched = api.read_schedule(schedule, p, tasks)  # dates in the project's window, each task once
    except api.InputError as exc:
        raise Failure(*(in_lang(problem) for problem in exc.problems)) from None
    force = in_force(out, p)
    if ledger:
        sched = _with_history(api.complete(p, tasks, sched), force[0] if force else None)
    violations = api.check(p, tasks, sched)
    if violations:
        raise Failure(*(in_lang(v) for v in violations), say("publish_refused", count=len(violations)),
                      code=EXIT_VIOLATIONS)
    ready_out(out)
    written = release(sched, p, out, baseline=force[0] if force else None, baseline_dir=None, keep=keep,
                      public_url=public_url)
    click.echo(say("wrote", count=len(written), out=out, release=written.release.version))


def _with_history(edited: api.Schedule, current: api.Schedule | None) -> api.Schedule:
    """A ledger edited from a re-planned release keeps that re-plan's as-of date and each task's reported
    progress (the ledger has no columns for them), so the history before as-of stays accepted as it happened."""
    if current is None or current.as_of is None:
        return edited
    status = {t.id: t.status for t in current.tasks}
    return edited.model_copy(update={"as_of": current.as_of, "tasks": [
        t.model_copy(update={"status": status.get(t.id)}) for t in edited.tasks]})


@click.command()
@click.argument("project", type=click.Path(exists=True))
@click.option("--schedule", "schedule_path", type=click.Path(exists=True, dir_okay=False),
              help="A schedule.json of PROJECT: explain what holds --task where it is instead.")
@click.option("--task", "task_id", help="With --schedule: the task id to explain (e.g. R1:excavate).")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON data.")
@click.option("--time-limit", default=60.0, show_default=True, type=float,
              help="Wall-clock seconds for the conflict search, all solves together.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed of the (1-worker) solves.")
def explain(project: str, schedule_path: str | None, task_id: str | None, as_json: bool, time_limit: float,
            seed: int) -> None:
    """Why PROJECT cannot be scheduled: the smallest set of rules in conflict, in plain words.

    \b
    Every rule instance (each entrance's and each building's fire access, each zone's dig-once
    opening, the deadline, each season x trade, each quiet period, each trade's crews, each
    machine, max_open_zones, each work's release date) can be switched off; the answer is a set
    of them that cannot all hold, and without any one of them a schedule exists. Each comes with
    the ways out. A feasible project says so.

    \b
    With --schedule S.json --task ID: what holds that task where it is (the predecessor, crew,
    machine, quiet days, season or access rule that forbids starting a working day earlier), and
    the chain of such reasons back to the project start:
      digonce explain inputs/hepingli --schedule out/schedule.json --task E1:shaft
    Exit 0 (2 on invalid input).
    """
    p, tasks, _ = load(project)
    if schedule_path or task_id:
        if not (schedule_path and task_id):
            raise Failure(say("explain_pair"))
        _explain_task(p, tasks, schedule_path, task_id, as_json)
        return
    with status(as_json, False, time_limit, [], p.project.start, waiting="cli.status.conflict"):
        result = api.explain(p, tasks, time_limit=time_limit, seed=seed, lang=lang())
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(result.render())
        click.echo(say("explain_stats", solves=result.solves, wall=result.wall_s), err=True)


def _explain_task(p: api.Project, tasks: list[api.Task], schedule_path: str, task_id: str, as_json: bool) -> None:
    sched = read_schedule(schedule_path)
    ids = [t.id for t in sched.tasks]
    if sched.project != p.project.id or {t.id for t in tasks} != set(ids):
        raise Failure(say("stale_schedule", path=schedule_path, project=p.project.id))
    if task_id not in ids:
        raise Failure(say("unknown_task", task=task_id, hint=did_you_mean(task_id, ids, "task")))
    result = api.explain_task(p, tasks, sched, task_id, lang())
    click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1) if as_json else result.render())


@click.command()
@click.argument("a", type=click.Path(exists=True, dir_okay=False))
@click.argument("b", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON data.")
def diff(a: str, b: str, as_json: bool) -> None:
    """What moved from schedule A to schedule B (two schedule.json files), and who must be told.

    \b
    Contractors: per trade, each task that moved, was added or removed, old -> new dates.
    Residents: per building, the disrupted days (noise, blocked door, outage) that appear or
    disappear, and the outages serving it that moved. Exit 0 (2 on unreadable input).
    """
    from scheduler.review.diff import render

    d = api.diff(read_schedule(a), read_schedule(b))
    click.echo(d.model_dump_json(indent=1) if as_json else render(d, lang()))


@click.command()
@click.argument("project", type=click.Path(exists=True))
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False),
              help="The schedule.json residents and contractors were told (its folder's feeds are the "
                   "reference for SEQUENCE numbers); default: the release in force in OUT.")
@click.option("--progress", "progress_path", required=True, type=click.Path(dir_okay=False),
              help="progress.csv or .xlsx (progress.xlsx#sheet picks a sheet): task, status (done|started|not_started), actual_start, "
                   "actual_finish, remaining_days.")
@click.option("--as-of", "as_of", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First day of the new plan (YYYY-MM-DD); progress reports what happened before it.")
@click.option("-o", "--out", default="out", show_default=True, type=click.Path(), help="Output folder.")
@search_options
@keep_option
@public_url_option
def replan(project: str, baseline: str | None, progress_path: str, as_of, out: str, time_limit: float, workers: int,
           seed: int, quiet: bool, as_json: bool, keep: int, public_url: str | None) -> None:
    """Re-plan PROJECT from progress, keeping what was announced where possible; write every output to OUT.

    \b
    Done work stays on its actual dates, started work continues from --as-of without a gap for
    its remaining_days, nothing else starts before --as-of, and an outage never moves into its
    notice period (notice_days after --as-of) unless the baseline already announced that day.
    Tasks progress does not list went as planned if the baseline finished them before --as-of,
    otherwise they have not started (a task the baseline had under way is late).
    Objectives: finish, then moved (announced starts changed: the next 14 days weigh 10, each
    building whose notice shows the task adds as much again, outages double), then the project's
    others (disruption, open_days).

    \b
      digonce replan inputs/hepingli --progress progress.csv --as-of 2027-04-12 -o out
    re-plans from the release in force in OUT and makes the next release there: contractors keep
    their secret links, and every earlier release's schedule.json stays in OUT/releases/ for diff.
    Feeds keep their UIDs; moved events get a higher SEQUENCE. The Gantt shows the baseline as
    ghost bars. `digonce check` accepts the reported history before --as-of as it happened.
    Exit 0 schedule found, 2 invalid input, 3 infeasible, 4 nothing found within the time limit.
    """
    p, tasks, warnings = load(project)
    ready_out(out)
    check_public_url(public_url)
    if baseline is None:
        found = in_force(out, p)
        if found is None:
            raise Failure(say("replan_no_baseline", out=out))
        baseline = str(found[1])
    baseline = os.path.realpath(baseline)  # the release's own file: OUT/schedule.json moves on with the release
    base = read_schedule(baseline)
    if base.project != p.project.id:
        raise Failure(say("wrong_project_replan", path=baseline, found=base.project, project=p.project.id))
    day = as_of.date()
    try:
        reported = api.read_progress(progress_path, [t.id for t in tasks], day, p.project.start)
    except api.InputError as exc:
        raise input_failure(exc, progress_path) from None
    stages = list(p.objective)
    stages.insert(stages.index("finish") + 1 if "finish" in stages else 0, "moved")
    with status(quiet, as_json, time_limit, stages, p.project.start) as st:
        result = api.replan(p, tasks, base, reported, day, time_limit=time_limit, workers=workers, seed=seed,
                            on_progress=st.callback)
    sol = result.solution
    if sol.status == "INFEASIBLE":
        raise Failure(say("replan_infeasible", groups=", ".join(map(str, sol.conflict)) or say("replan_unknown")),
                      *([f"  {sol.detail}"] if sol.detail else []), say("replan_relax"), code=EXIT_INFEASIBLE)
    if result.schedule is None:
        timeout(time_limit)
    for w in warnings:
        click.echo(in_lang(w), err=True)
    written = release(result.schedule, p, out, baseline=base, baseline_dir=Path(baseline).parent, keep=keep,
                      public_url=public_url)
    _report_replan(result, base, baseline, written.release.folder / "schedule.json")
    click.echo(say("wrote", count=len(written), out=out, release=written.release.version))


def _report_replan(result: api.Replan, base: api.Schedule, baseline: str, new: Path) -> None:
    h, s = result.history, result.schedule.solver
    d = api.diff(base, result.schedule)
    click.echo(say("replanned", status=s.status, wall=s.wall_s, as_of=h.as_of, done=len(h.done),
                   started=len(h.started), finish=s.objective.get("finish"),
                   baseline=max(t.finish for t in base.tasks)))
    click.echo(say("replan_moved", moved=len(d.changes), days=d.announced_days_changed, baseline=shown(baseline),
                   new=shown(new), disruption=s.objective.get("disruption"),
                   open_days=s.objective.get("open_days")))


@click.command()
def schema() -> None:
    """Print the JSON Schema of project.yaml (for editors with YAML schema support)."""
    from models.project import Project

    click.echo(json.dumps(Project.model_json_schema(by_alias=True), ensure_ascii=False, indent=1))


@click.command()
@click.argument("project", type=click.Path(exists=True))
@click.argument("schedule", type=click.Path(dir_okay=False))  # not exists=True: ledger.xlsx#sheet
def check(project: str, schedule: str) -> None:
    """Check SCHEDULE (schedule.json, or an edited schedule.csv/.xlsx ledger) against every rule R1–R10.

    Each violation is printed as: rule, task, day, what is wrong. Exit 0 valid, 1 violations, 2 invalid input.
    """
    p, tasks, _ = load(project)
    try:
        sched = api.read_schedule(schedule, p, tasks)
    except api.InputError as exc:
        raise Failure(*(in_lang(p) for p in exc.problems)) from None
    violations = api.check(p, tasks, sched)
    for v in violations:
        click.echo(in_lang(v))
    if violations:
        rules = sorted(Counter(v.rule for v in violations).items(), key=lambda kv: api.RULES.index(kv[0]))
        click.echo(say("violations", count=len(violations), rules=[f"{r} ×{n}" for r, n in rules]))
        raise click.exceptions.Exit(EXIT_VIOLATIONS)
    click.echo(say("valid", count=len(sched.tasks)))


COMMANDS = (validate, schema, solve, check, publish, explain, diff, replan)

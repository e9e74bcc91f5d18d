"""The `digonce` command line: the only place that prints or exits."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import click

from models import InputError, load_project
from models.problems import Problem

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_TIMEOUT = 0, 1, 2, 3, 4


def _print_problems(problems: list[Problem]) -> None:
    for p in problems:
        click.echo(str(p), err=True)


def _load(path: str):
    """Load + expand, or print every problem and exit 2."""
    from scheduler.expand import expand

    try:
        project, warnings = load_project(path)
        tasks = expand(project)
    except InputError as exc:
        _print_problems(exc.problems)
        errors = sum(not p.warning for p in exc.problems)
        click.echo(f"{errors} problem(s) in {path}; nothing was written.", err=True)
        sys.exit(EXIT_INPUT)
    return project, tasks, warnings


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="digonce")
def main() -> None:
    """digonce — schedule an old-compound renovation so that every trench is dug only once.

    \b
    A project is a folder with project.yaml (see docs/input-format.md).
    Typical flow:
      digonce validate inputs/hepingli          check the input, see a summary
      digonce solve inputs/hepingli -o out      schedule it and write every output
      digonce check inputs/hepingli out/schedule.json   referee a (hand-edited) schedule
    """


@main.command()
@click.argument("project", type=click.Path(exists=True))
def validate(project: str) -> None:
    """Load, validate and expand PROJECT; print a summary. Exit 0 ok, 2 invalid input."""
    from scheduler.summary import summary

    p, tasks, warnings = _load(project)
    click.echo(summary(p, tasks, warnings))


@main.command()
@click.argument("project", type=click.Path(exists=True))
@click.option("-o", "--out", default="out", show_default=True, type=click.Path(), help="Output folder.")
@click.option("--time-limit", default=60.0, show_default=True, type=float,
              help="Wall-clock seconds for the whole solve, all objective stages together.")
@click.option("--workers", default=2, show_default=True, type=int, help="CP-SAT search workers (1 = deterministic).")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed; with --workers 1 the result repeats.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False),
              help="A previous schedule.json: its folder's feeds are the reference for SEQUENCE numbers "
                   "(default: the previous output in OUT), and the Gantt shows it as ghost bars.")
def solve(project: str, out: str, time_limit: float, workers: int, seed: int, quiet: bool,
          baseline: str | None) -> None:
    """Schedule PROJECT and write schedule.json, schedule.csv and schedule.xlsx into OUT.

    \b
    Also writes gantt.html, feeds/*.ics and notices/*.html.

    \b
    Objectives, in order (change with `objective:` in project.yaml):
      finish      the last working day, as early as possible
      disruption  households x days of noise, blocked doors and outages
      open_days   calendar days trenches stay open
    Exit 0 schedule found (optimal or best within the limit, with its gap), 2 invalid input,
    3 infeasible (the rules in conflict are named), 4 nothing found within the time limit.
    """
    from scheduler.plan import plan
    from scheduler.publish import publish
    from scheduler.summary import holiday_warnings

    p, tasks, warnings = _load(project)
    show = not quiet and sys.stderr.isatty()
    progress = None
    if show:
        def progress(stage: str, best: int, bound: float, elapsed: float) -> None:
            click.echo(f"  [{elapsed:6.1f}s] {stage:<10} best {best}  bound {bound:.0f}", err=True)
    if not quiet:
        click.echo(f"solving {p.project.id}: {len(tasks)} tasks, limit {time_limit:g}s, {workers} worker(s)", err=True)
    result = plan(p, tasks, time_limit, workers, seed, progress)
    sol = result.solution
    if sol.status == "INFEASIBLE":
        click.echo(f"infeasible: no schedule obeys every rule. Rules in conflict: "
                   f"{', '.join(sol.conflict) or 'not identified within the time limit'}", err=True)
        if sol.detail:
            click.echo(f"  {sol.detail}", err=True)
        click.echo("  Relax one of them (see `digonce explain`); nothing was written.", err=True)
        sys.exit(EXIT_INFEASIBLE)
    if result.schedule is None:
        click.echo(f"no schedule found within {time_limit:g}s; try a longer --time-limit. Nothing was written.",
                   err=True)
        sys.exit(EXIT_TIMEOUT)
    sched = result.schedule
    for w in warnings + holiday_warnings(p, max(t.finish for t in sched.tasks)):
        click.echo(str(w), err=True)
    ref = _read_schedule(baseline) if baseline else None
    written = publish(sched, p, out, baseline_dir=Path(baseline).parent if baseline else None, baseline=ref)
    s = sched.solver
    click.echo(f"{s.status} in {s.wall_s:.1f}s: finish {s.objective.get('finish')}, "
               f"disruption {s.objective.get('disruption')}, open_days {s.objective.get('open_days')}")
    for name, gap in s.gap.items():
        click.echo(f"  {name:<10} value {s.objective.get(name)}  bound {s.bound.get(name)}  gap {gap:.1%}")
    click.echo(f"wrote {len(written)} files to {out}/")


def _read_schedule(path: str):
    from models.schedule import Schedule

    try:
        return Schedule.read(path)
    except (ValueError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        click.echo(f"{path}: not a digonce schedule.json ({first}) — pass the schedule.json that "
                   "`digonce solve` wrote", err=True)
        sys.exit(EXIT_INPUT)


@main.command()
@click.argument("schedule", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--out", default="out", show_default=True, type=click.Path(), help="Output folder.")
@click.option("-p", "--project", "project_path", type=click.Path(exists=True),
              help="The project the schedule belongs to (default: inputs/<project id>).")
def publish(schedule: str, out: str, project_path: str | None) -> None:
    """Re-publish every output (ledger, Gantt, feeds, notices) from an existing SCHEDULE json.

    Use it after a hand edit that `digonce check` accepted. Run `digonce check` first: publish does
    not re-check the rules. Feeds keep their UIDs; moved events get a higher SEQUENCE.
    """
    from scheduler.publish import publish as write_all

    sched = _read_schedule(schedule)
    if project_path is None:
        project_path = f"inputs/{sched.project}"
        if not Path(project_path).exists():
            click.echo(f"{schedule}: which project? inputs/{sched.project} does not exist — pass --project PATH",
                       err=True)
            sys.exit(EXIT_INPUT)
    p, tasks, _ = _load(project_path)
    if sched.project != p.project.id:
        click.echo(f"{schedule}: schedule of project '{sched.project}', not '{p.project.id}' — pass the right "
                   "--project", err=True)
        sys.exit(EXIT_INPUT)
    written = write_all(sched, p, out)
    click.echo(f"wrote {len(written)} files to {out}/")


@main.command()
def schema() -> None:
    """Print the JSON Schema of project.yaml (for editors with YAML schema support)."""
    from models.project import Project

    click.echo(json.dumps(Project.model_json_schema(by_alias=True), ensure_ascii=False, indent=1))


@main.command()
@click.argument("project", type=click.Path(exists=True))
@click.argument("schedule", type=click.Path(exists=True))
def check(project: str, schedule: str) -> None:
    """Check SCHEDULE (schedule.json, or an edited schedule.csv/.xlsx ledger) against every rule R1–R10.

    Each violation is printed as: rule, task, day, what is wrong. Exit 0 valid, 1 violations, 2 invalid input.
    """
    from scheduler.check import RULES, check_schedule, read_schedule_file

    p, tasks, _ = _load(project)
    try:
        sched = read_schedule_file(schedule, p, tasks)
    except InputError as exc:
        _print_problems(exc.problems)
        sys.exit(EXIT_INPUT)
    violations = check_schedule(p, tasks, sched)
    for v in violations:
        click.echo(str(v))
    if violations:
        rules = Counter(v.rule for v in violations)
        click.echo(f"{len(violations)} violation(s): " + ", ".join(f"{r} ×{n}" for r, n in
                                                          sorted(rules.items(), key=lambda kv: RULES.index(kv[0]))))
        sys.exit(EXIT_VIOLATIONS)
    click.echo(f"valid: {len(sched.tasks)} tasks obey R1–R10")


@main.command()
@click.option("--buildings", "-n", required=True, type=click.IntRange(2, 2000), help="Number of buildings.")
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed, same compound.")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="Folder to write into.")
def generate(buildings: int, seed: int, out: str) -> None:
    """Write a synthetic compound (project.yaml + zones.csv) with BUILDINGS buildings into OUT.

    \b
    Modelled on inputs/hepingli: building rows on a grid of road loops, plated aprons, a kindergarten
    on a split stub road, every pipeline trade per district, elevators, facades, roofs, paving and
    greening, quiet periods and seasons; no deadline, so it is always feasible. For benchmarks.
    """
    from scheduler.generate import write_project

    folder = write_project(out, buildings, seed)
    click.echo(f"wrote {folder}/project.yaml and {folder}/zones.csv ({buildings} buildings, seed {seed})")


@main.group()
def bench() -> None:
    """Benchmarks: PSPLIB instances in the core, synthetic compounds, peers and baselines.

    Figures depend on the machine: compare runs made side by side, quote medians and ratios.
    """


if __name__ == "__main__":
    main()

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
    from scheduler.check import check_schedule, read_schedule_file

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
        click.echo(f"{len(violations)} violation(s): " + ", ".join(f"{r} ×{n}" for r, n in sorted(rules.items())))
        sys.exit(EXIT_VIOLATIONS)
    click.echo(f"valid: {len(sched.tasks)} tasks obey R1–R10")


if __name__ == "__main__":
    main()

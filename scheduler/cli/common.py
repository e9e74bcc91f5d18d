"""What every command shares: the one error type with its exit code, loading, messages, search options."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn

import click

from models import InputError, Problem
from scheduler import api
from scheduler.text import t

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_TIMEOUT = 0, 1, 2, 3, 4
LANG = "en"  # the CLI's language; a --lang option and the locale come with the project manager's week issue


def say(key: str, **values: Any) -> str:
    """The CLI message `key` from the catalogue (scheduler/text/<lang>/cli.yaml)."""
    return t(f"cli.{key}", LANG, **values)


class Failure(click.ClickException):
    """A run that ends early for a reason the user can act on: its lines go to stderr, then the exit code
    SPEC §8 gives it. Commands raise it; click prints it and exits once, so nothing else calls sys.exit."""

    def __init__(self, *lines: str, code: int = EXIT_INPUT) -> None:
        super().__init__("\n".join(lines))
        self.exit_code = code

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


def input_failure(exc: InputError, path: str | Path) -> Failure:
    """Every problem of a bad input, one line each, then how many and that nothing was written."""
    errors = sum(not p.warning for p in exc.problems)
    return Failure(*(str(p) for p in exc.problems), say("problems_in", count=errors, path=path))


def echo_problems(problems: list[Problem]) -> None:
    for p in problems:
        click.echo(str(p), err=True)


def load(path: str) -> tuple[api.Project, list[api.Task], list[Problem]]:
    """Load + expand PROJECT, or fail with every problem (exit 2)."""
    try:
        project, warnings = api.load_project(path)
        return project, api.expand(project), warnings
    except InputError as exc:
        raise input_failure(exc, path) from None


def read_schedule(path: str) -> api.Schedule:
    """A schedule.json that `digonce solve` wrote, or exit 2 saying so."""
    try:
        return api.Schedule.read(path)
    except (ValueError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise Failure(say("not_a_schedule", path=path, first=first)) from None


def timeout(time_limit: float) -> NoReturn:
    raise Failure(say("timeout", limit=f"{time_limit:g}"), code=EXIT_TIMEOUT)


def search_options(f: Callable) -> Callable:
    """--time-limit, --workers, --seed, --quiet and --json, shared by every command that searches for a schedule."""
    for option in reversed([
        click.option("--time-limit", default=60.0, show_default=True, type=float,
                     help="Wall-clock seconds for the whole search, all objective stages together."),
        click.option("--workers", default=2, show_default=True, type=int,
                     help="CP-SAT search workers (1 = deterministic)."),
        click.option("--seed", default=0, show_default=True, type=int,
                     help="Random seed; with --workers 1 the result repeats."),
        click.option("--quiet", is_flag=True, help="No status line."),
        click.option("--json", "as_json", is_flag=True,
                     help="Status as JSON lines on stderr (event, elapsed, stage, best, bound), for scripts."),
    ]):
        f = option(f)
    return f


def ready_out(out: str) -> None:
    """OUT can take a release (a writable folder with room), asked before any search; else exit 2."""
    why = api.check_out(out)
    if why:
        raise Failure(say("out_unusable", why=why))


def release(schedule: api.Schedule, project: api.Project, out: str, *, baseline: api.Schedule | None,
            baseline_dir: str | Path | None, keep: int, public_url: str | None = None) -> api.Published:
    """Publish as the next release of OUT, or exit 2 with one line (the release in force stays)."""
    try:
        return api.publish(schedule, project, out, baseline=baseline, baseline_dir=baseline_dir, keep=keep,
                           public_url=public_url)
    except api.ReleaseError as exc:
        raise Failure(str(exc)) from None


def in_force(out: str, project: api.Project) -> tuple[api.Schedule, Path] | None:
    """The schedule in force in OUT (for ghost bars and as replan's baseline), if it is one of this project."""
    path = api.schedule_in_force(out)
    if path is None:
        return None
    try:
        sched = api.Schedule.read(path)
    except (ValueError, OSError):
        return None
    return (sched, path) if sched.project == project.project.id else None


def shown(path: str | Path) -> str:
    """A path as short as it is clear: relative to the working folder when it lies below it."""
    real = os.path.realpath(path)
    rel = os.path.relpath(real)
    return real if rel.startswith("..") else rel


def keep_option(f: Callable) -> Callable:
    return click.option("--keep-releases", "keep", default=api.KEEP, show_default=True, type=click.IntRange(1),
                        help="Keep this many newest releases whole in OUT; older ones keep only their "
                             "schedule.json (for diff). The release in force is never pruned.")(f)

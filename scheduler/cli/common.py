"""What every command shares: the one error type with its exit code, loading, messages, search options."""

from __future__ import annotations

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

"""What every command shares: the one error type with its exit code, loading, the language of the run and its
messages, search options."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn

import click

from models import InputError, Problem
from scheduler import api
from scheduler.text import DEFAULT_LANG, LANGS, Msg, normal_lang, words

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_TIMEOUT = 0, 1, 2, 3, 4
LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")  # POSIX order: the first one set decides


def lang_option(f: Callable) -> Callable:
    """The global --lang (also DIGONCE_LANG): the language of every line the CLI prints."""
    return click.option("--lang", "lang", type=click.Choice(LANGS), envvar="DIGONCE_LANG",
                        help="Language of every message printed (zh-CN or en; also DIGONCE_LANG). Default: the "
                             "project's lang, else the locale (LC_ALL, LC_MESSAGES, LANG).")(f)


def set_lang(chosen: str | None) -> None:
    """Record --lang for this run (the group's callback)."""
    click.get_current_context().ensure_object(dict)["lang"] = chosen


def use_project_lang(project_lang: str | None) -> None:
    """The project's `lang` decides the run's language unless --lang did (call once the project is known)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and project_lang in LANGS:
        ctx.find_root().ensure_object(dict).setdefault("project", project_lang)


def lang() -> str:
    """The language of this run's messages: --lang (or DIGONCE_LANG), else the project's, else the locale."""
    ctx = click.get_current_context(silent=True)
    settings = ctx.find_root().obj if ctx is not None else None
    if isinstance(settings, dict):
        chosen = settings.get("lang") or settings.get("project")
        if chosen:
            return chosen
    elif os.environ.get("DIGONCE_LANG") in LANGS:  # outside a command (a Status made by a script)
        return os.environ["DIGONCE_LANG"]
    return locale_lang()


def locale_lang() -> str:
    """The locale's language (zh_CN.UTF-8 → zh-CN, en_US → en); zh-CN when no locale is set."""
    for var in LOCALE_VARS:
        if os.environ.get(var):
            return normal_lang(os.environ[var])
    return DEFAULT_LANG


def say(key: str, **values: Any) -> str:
    """The CLI message `key` from the catalogue (scheduler/text/<lang>/cli.yaml), in the run's language; values
    that are messages too (a Msg) are put into words in that language."""
    return Msg(f"cli.{key}", **values).text(lang())


def in_lang(message: Any) -> str:
    """A problem, violation or message (or plain text) in the run's language."""
    return words(message, lang())


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
    return Failure(*(in_lang(p) for p in exc.problems), say("problems_in", count=errors, path=path))


def echo_problems(problems: list[Problem]) -> None:
    for p in problems:
        click.echo(in_lang(p), err=True)


def load(path: str) -> tuple[api.Project, list[api.Task], list[Problem]]:
    """Load + expand PROJECT, or fail with every problem (exit 2), in the project's language unless --lang."""
    try:
        project, warnings = api.load_project(path)
        use_project_lang(project.project.lang)
        return project, api.expand(project), warnings
    except InputError as exc:
        use_project_lang(_written_lang(path))
        raise input_failure(exc, path) from None


def _written_lang(path: str) -> str | None:
    """`project.lang` as written in a project that did not load, when the YAML itself can be read."""
    import yaml

    file = Path(path) / "project.yaml" if Path(path).is_dir() else Path(path)
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # every value as text
        return data["project"]["lang"]
    except Exception:  # noqa: BLE001 — any unreadable project simply has no language of its own
        return None


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
        raise Failure(in_lang(exc.args[0] if exc.args else exc)) from None


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

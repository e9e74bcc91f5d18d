"""`digonce programme validate|solve|check|publish DIR`: a district programme of many compounds (SPEC §9)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from models import InputError
from scheduler.cli.common import EXIT_INFEASIBLE, EXIT_TIMEOUT, EXIT_VIOLATIONS, Failure, in_lang, input_failure, lang
from scheduler.text import t


def say(key: str, **values) -> str:
    """A message of `digonce programme` (scheduler/text/<lang>/programme.yaml) in the run's language."""
    return t(f"programme.cli.{key}", lang(), **values)


def _load(folder: str):
    from models.programme import load_programme

    try:
        return load_programme(folder)
    except InputError as exc:
        raise input_failure(exc, folder) from None


def _pools(prog) -> str:
    from scheduler.programme.gantt import pool_label

    return ", ".join(f"{pool_label(p, lang())} {cap}" for p, cap in sorted(prog.pools.items())) or say("no_pools")


@click.group("programme")
def programme() -> None:
    """District programmes: many compounds, shared contractors and machines, one plan (programme.yaml).

    \b
    DIR holds programme.yaml; each compound is an ordinary project folder it names (see docs/programme.md):
      digonce programme validate inputs/district
      digonce programme solve inputs/district -o out-district
      digonce programme check inputs/district out-district
    """


@programme.command()
@click.argument("folder", metavar="DIR", type=click.Path(exists=True))
def validate(folder: str) -> None:
    """Load programme.yaml and every compound; print one line per compound. Exit 0 ok, 2 invalid input."""
    from scheduler import api

    prog = _load(folder)
    for w in prog.warnings:
        click.echo(in_lang(w), err=True)
    click.echo(say("loaded", programme=prog.info.id, compounds=len(prog.compounds), pools=_pools(prog)))
    for c in prog.compounds:
        info = c.project.project
        deadline = say("deadline", date=info.deadline) if info.deadline else say("no_deadline")
        click.echo(say("compound_line", id=c.id, tasks=len(api.expand(c.project)), start=info.start,
                       deadline=deadline, weight=c.weight))


def _progress(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None

    def show(e) -> None:
        pools = "  ".join(say("pool_use", pool=p[1], peak=peak, cap=cap) for p, (peak, cap) in sorted(e.peak.items()))
        click.echo(say("progress", elapsed=e.elapsed, phase=e.phase, done=e.done, total=e.total,
                       finish=e.finish or "—", pools=pools), err=True)
    return show


@programme.command()
@click.argument("folder", metavar="DIR", type=click.Path(exists=True))
@click.option("-o", "--out", default="out", show_default=True, type=click.Path(), help="Output folder.")
@click.option("--time-limit", default=600.0, show_default=True, type=float,
              help="Wall-clock seconds for the whole programme, every round together.")
@click.option("--sub-limit", default=60.0, show_default=True, type=float,
              help="Wall-clock seconds for one compound's solve (a sub-problem).")
@click.option("--sub-det", type=float, help="CP-SAT deterministic time per sub-problem (repeatable runs).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 256),
              help="Worker processes of the embedded local cluster (ignored with --address).")
@click.option("--address", help="A running Dask scheduler to use instead, e.g. tcp://10.0.0.5:8786.")
@click.option("--rounds", type=click.IntRange(0, 10_000), help="At most this many repair rounds (default: until "
                                                                 "no gain or the time limit).")
@click.option("--no-polish", is_flag=True, help="Skip the last round (disruption and open days within the finish).")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed of every sub-problem.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def solve(folder: str, out: str, time_limit: float, sub_limit: float, sub_det: float | None, workers: int,
          address: str | None, rounds: int | None, no_polish: bool, seed: int, quiet: bool) -> None:
    """Schedule every compound of DIR so that the shared pools hold on every day; write OUT.

    \b
    OUT/<compound>/ is each compound's release (schedule.json, ledger, Gantt, feeds, notices);
    OUT/programme.json, OUT/gantt.html and OUT/feeds/trade-<shared trade>.ics cover the programme.
    Objectives: the latest weighted compound finish, then total disruption, then total open days.
    Runs on Dask distributed: an embedded local cluster of --workers processes, or --address.
    Exit 0 programme found, 2 invalid input, 3 infeasible, 4 nothing complete within the time limit.
    """
    from scheduler.programme.coordinate import Settings, solve_programme
    from scheduler.programme.engine import Engine

    prog = _load(folder)
    settings = Settings(time_limit, sub_limit, sub_det, seed, rounds, not no_polish)
    try:
        engine = Engine(address, workers)
    except (OSError, TimeoutError, ValueError) as exc:
        raise Failure(say("bad_address", address=address, error=str(exc).splitlines()[0][:200])) from None
    with engine:
        where = say("cluster_remote", address=address) if address else say("cluster_local")
        if not quiet:
            click.echo(say("solving", programme=prog.info.id, compounds=len(prog.compounds), workers=engine.workers,
                           where=where, limit=f"{time_limit:g}", sub=f"{sub_limit:g}"), err=True)
        result = solve_programme(prog, engine, settings, _progress(quiet))
    if result.status != "OK":
        lines = [say("failed", id=c, why=say(f"why.{why}")) for c, why in sorted(result.failed.items())]
        if result.status == "INFEASIBLE":
            raise Failure(*lines, say("infeasible"), code=EXIT_INFEASIBLE)
        raise Failure(*lines, say("timeout", limit=f"{time_limit:g}"), code=EXIT_TIMEOUT)
    schedules = {c: o.schedule for c, o in result.outcomes.items()}
    written = _write(prog, schedules, out, result)
    _report(prog, result, schedules)
    click.echo(say("wrote", count=len(written), out=out))


def _write(prog, schedules, out: str, result=None) -> list:
    """Every compound's next release and the programme's files; a release that cannot be made is one line."""
    from scheduler import api
    from scheduler.programme.outputs import write

    try:
        return write(prog, schedules, out, result)
    except api.ReleaseError as exc:
        raise Failure(in_lang(exc.args[0] if exc.args else exc)) from None
    except OSError as exc:
        raise Failure(f"{exc.filename or out}: {exc.strerror or exc}") from None


def _report(prog, result, schedules) -> None:
    from scheduler.programme.outputs import summary, usages_of

    s = summary(prog, schedules, usages_of(prog, schedules), result)
    bounds = s["bound"]["weighted_finish"]
    click.echo(say("solved", status=result.status, compounds=len(schedules), finish=s["objective"]["finish"],
                   weighted=s["objective"]["weighted_finish"], bound=bounds if bounds is not None else "—",
                   disruption=s["objective"]["disruption"], open_days=s["objective"]["open_days"]))
    for c in s["compounds"]:
        click.echo(say("compound_result", id=c["id"], status=c["status"], finish=c["finish"],
                       bound=c["bound"]["finish"] or "—", disruption=c["disruption"], open_days=c["open_days"]))
    click.echo(say("first_valid", first=result.first_valid_s or 0.0, solves=result.solves, wall=result.wall_s))


def _read(prog, source: str):
    from scheduler.programme.check import read_schedules

    try:
        return read_schedules(prog, source, lang())
    except InputError as exc:
        raise input_failure(exc, source) from None


def _referee(prog, schedules) -> None:
    """Print every violation (compound rules and pools) and exit 1 when there is one."""
    from scheduler.programme.check import check_programme

    report = check_programme(prog, schedules)
    if not report.ok:
        for line in report.lines():
            click.echo(line)
        click.echo(say("violations", count=len(report.lines())))
        raise click.exceptions.Exit(EXIT_VIOLATIONS)
    click.echo(say("checked", compounds=len(schedules), days=report.days))


@programme.command()
@click.argument("folder", metavar="DIR", type=click.Path(exists=True))
@click.argument("out", default="out", type=click.Path())
def check(folder: str, out: str) -> None:
    """Check the programme written in OUT: every compound against §5 and every shared pool on every day.

    Reads OUT/<compound>/schedule.json for each compound of DIR. Exit 0 valid, 1 violations, 2 invalid input.
    """
    prog = _load(folder)
    _referee(prog, _read(prog, out))


@programme.command()
@click.argument("folder", metavar="DIR", type=click.Path(exists=True))
@click.option("-o", "--out", default="out", show_default=True, type=click.Path(), help="Output folder.")
@click.option("--from", "source", type=click.Path(exists=True, file_okay=False),
              help="Where the compounds' schedule.json are (<SOURCE>/<compound>/); default OUT itself.")
def publish(folder: str, out: str, source: str | None) -> None:
    """Re-publish the programme from its schedules (e.g. after a hand edit): refuses one that `check` rejects.

    Exit 0 written, 1 violations (nothing written), 2 invalid input.
    """
    prog = _load(folder)
    schedules = _read(prog, source or out)
    _referee(prog, schedules)
    written = _write(prog, schedules, out)
    click.echo(say("wrote", count=len(written), out=out))


COMMANDS = (programme,)

"""`digonce generate` and `digonce bench …`: synthetic compounds and benchmarks (figures depend on the machine)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from scheduler.cli.common import Failure, say


@click.command()
@click.option("--buildings", "-n", type=click.IntRange(2, 2000), help="Number of buildings.")
@click.option("--district", type=click.IntRange(1, 1000),
              help="Instead: a district programme of this many small compounds (programme.yaml + one folder each).")
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed, same compound.")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="Folder to write into.")
def generate(buildings: int | None, district: int | None, seed: int, out: str) -> None:
    """Write a synthetic compound (project.yaml + zones.csv) with BUILDINGS buildings into OUT.

    \b
    Modelled on inputs/hepingli: building rows on a grid of road loops, plated aprons, a kindergarten
    on a split stub road, every pipeline trade per district, elevators, facades, roofs, paving and
    greening, quiet periods and seasons; no deadline, so it is always feasible. For benchmarks.

    \b
    With --district N: a district programme (SPEC §9) of N small compounds (2-4 buildings on a ring road,
    gas, water, elevators, facades) sharing the gas company, the elevator installer and the cranes,
    with fewer crews and cranes than the compounds would bring on their own (scheduler/bench/district.py).
    """
    if (buildings is None) == (district is None):
        raise click.UsageError(say("generate_one_of"))
    if district is not None:
        from scheduler.bench.district import write_district

        folder = write_district(out, district, seed)
        click.echo(say("generated_district", folder=folder, compounds=district, seed=seed))
        return
    from scheduler.bench.generate import write_project

    folder = write_project(out, buildings, seed)
    click.echo(say("generated", folder=folder, buildings=buildings, seed=seed))


@click.group()
def bench() -> None:
    """Benchmarks: PSPLIB instances in the core, synthetic compounds, peers and baselines.

    Figures depend on the machine: compare runs made side by side, quote medians and ratios.
    """



@bench.command("serve")
@click.argument("out", type=click.Path(exists=True, file_okay=False))
@click.option("--requests", default=2000, show_default=True, type=click.IntRange(1, 1_000_000),
              help="Requests per phase (cold, then polling with If-None-Match).")
@click.option("--clients", default=50, show_default=True, type=click.IntRange(1, 500), help="Concurrent clients.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Also write every figure as JSON here.")
def bench_serve(out: str, requests: int, clients: int, json_out: str | None) -> None:
    """Load `digonce serve OUT` (started as a child process) from this process over loopback.

    \b
    Two phases of REQUESTS each: cold (every answer a 200) and polling (clients send back the ETag
    they saw, as calendar apps do). Per phase: requests/s, p50/p95/max latency, share of 304s,
    errors (target: none); and whether the server logged one line per request. Markdown on stdout.
      digonce solve inputs/hepingli -o /tmp/hp && digonce bench serve /tmp/hp
    """
    from scheduler.bench.serve import run, table

    result = run(Path(out), requests, clients, echo=lambda m: click.echo(m, err=True))
    info = result["machine"] | {"urls": result["urls"], "largest feed KiB": result["feed_kb_max"]}
    click.echo(" · ".join(f"{k} {v}" for k, v in info.items()) + "\n")
    click.echo(table(result))
    click.echo("\n" + say("serve_log_lines", lines=result["log_lines"], requests=result["requests_total"]))
    for row in result["rows"]:
        for e in row["first_errors"]:
            click.echo(say("serve_bench_error", phase=row["phase"], error=e), err=True)
    if json_out:
        Path(json_out).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@bench.command("psplib")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--time-limit", default=10.0, show_default=True, type=float, help="Seconds per instance and solver.")
@click.option("--workers", default=2, show_default=True, type=int, help="CP-SAT search workers (both solvers).")
@click.option("--seed", default=0, show_default=True, type=int, help="digonce's solver seed.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Also write every row and the summary here.")
@click.option("--peer", type=click.Choice(["pyjobshop"]),
              help="Also solve each instance with this peer, same limit and workers, and compare mean gaps.")
@click.option("--reference", type=click.Path(exists=True, file_okay=False),
              help="Folder of PSPLIB tables (j30opt.sm, j60hrs.sm, j60lb.sm, ...). Default: `solutions/` next to "
                   "the instances' folder.")
def bench_psplib(files: tuple[str, ...], time_limit: float, workers: int, seed: int, json_out: str | None,
                 peer: str | None, reference: str | None) -> None:
    """Solve PSPLIB single-mode RCPSP instances (.sm FILES or folders of them) in digonce's generic core.

    \b
    The very code that schedules compounds: one calendar with every day working, the renewable
    resources as capacities, one makespan stage. Per instance: makespan, lower bound, status, time to
    the best schedule, wall time, gap to the best-known makespan; per set: proven optima and mean gap.
    Markdown tables on stdout, one progress line per instance on stderr when it is a terminal.
    Example (every j30 instance against PyJobShop, `make bench` installs it):
      digonce bench psplib ../shared/benchmarks/psplib/j30 --time-limit 10 --peer pyjobshop
    """
    from scheduler.bench.compound import machine
    from scheduler.bench.psplib import (ROW_COLUMNS, SUMMARY_COLUMNS, SmError, gap_ratio, instance_files,
                                        load_reference, run, summary, table)
    from scheduler.publishing.files import write_atomic

    paths = instance_files(list(files))
    if not paths:
        raise Failure(say("no_sm_files", files=" ".join(files)))
    ref_dir = Path(reference) if reference else paths[0].resolve().parent.parent / "solutions"
    ref = load_reference(ref_dir) if ref_dir.is_dir() else {}
    if not ref:
        click.echo(say("no_reference", folder=ref_dir), err=True)
    echo = (lambda m: click.echo(m, err=True)) if sys.stderr.isatty() else None
    try:
        rows = run(paths, time_limit, workers, seed, ref, peer, echo)
    except (SmError, RuntimeError) as exc:
        raise Failure(str(exc)) from None
    summ = summary(rows)
    info = machine() | {"time_limit": time_limit, "workers": workers, "seed": seed}
    if peer:
        import importlib.metadata

        info[peer] = importlib.metadata.version(peer)
    click.echo(" · ".join(f"{k} {v}" for k, v in info.items()) + "\n")
    click.echo(table(rows, ROW_COLUMNS) + "\n\n" + table(summ, SUMMARY_COLUMNS))
    if peer:
        for family in sorted({s["set"] for s in summ}):
            ratio = gap_ratio(summ, family, peer)
            shown = "—" if ratio is None else f"{ratio:.2f}"
            click.echo("\n" + say("gap_ratio", family=family, peer=peer, ratio=shown))
    if json_out:
        write_atomic(json_out, json.dumps({"machine": info, "rows": rows, "summary": summ}, indent=1) + "\n")


@bench.command("compound")
@click.argument("projects", nargs=-1, type=click.Path(exists=True, file_okay=False))
@click.option("--buildings", default="10,40,100", show_default=True,
              help="Synthetic compounds to add (comma-separated building counts, see `digonce generate`); "
                   "empty for none.")
@click.option("--time-limit", default=60.0, show_default=True, type=float, help="Seconds per solve.")
@click.option("--workers", default=2, show_default=True, type=int, help="CP-SAT search workers.")
@click.option("--seed", default=0, show_default=True, type=int, help="Solver seed and generator seed.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Also write every figure as JSON here.")
@click.option("--robust", type=click.IntRange(1, 100),
              help="Robustness mode: solve each compound with this many solver seeds (0, 1, …) at --workers 1 "
                   "while one CPU-bound process runs beside them; report the spread (median, worst).")
def bench_compound(projects: tuple[str, ...], buildings: str, time_limit: float, workers: int, seed: int,
                   json_out: str | None, robust: int | None) -> None:
    """Solve PROJECTS (default: the sample inputs/hepingli) and synthetic compounds, one child process each.

    \b
    Per compound: tasks, time to the first schedule, time to the proven-optimal finish, the gap of every
    objective stage, wall time, peak memory, and whether `check` accepts the schedule; then, against the
    same compound, the trade-by-trade plan (every trade digs its own trenches) and a greedy levelling plan
    (crews and calendars only), as ratios. Markdown tables on stdout, ready for docs/benchmarks.md.
    With --robust N: N seeds per compound on a busy machine (the bench starts a CPU-bound process and
    stops it at the end), one row per run and one per compound with medians and worst cases of the time to
    the first schedule, the finish's days above the best bound any run proved, the disruption gap and peak
    memory.
    """
    import tempfile

    from scheduler.bench.compound import BASELINE_COLUMNS, compare, machine, run, table
    from scheduler.bench.generate import write_project

    try:
        counts = [int(n) for n in buildings.split(",") if n.strip()]
    except ValueError:
        raise click.BadParameter(say("bad_buildings", value=repr(buildings)), param_hint="--buildings") from None
    with tempfile.TemporaryDirectory() as tmp:
        paths = list(projects) or ["inputs/hepingli"]
        paths += [str(write_project(Path(tmp) / f"synthetic-{n}", n, seed)) for n in counts]
        if robust:
            _robust(paths, robust, time_limit, json_out)
            return
        rows = run(paths, time_limit, workers, seed, echo=lambda m: click.echo(m, err=True))
        against = [r for p, row in zip(paths, rows) if row.get("status") != "ERROR" for r in compare(p, row)]
    info = machine() | {"time_limit": time_limit, "workers": workers, "seed": seed}
    click.echo(" · ".join(f"{k} {v}" for k, v in info.items()) + "\n")
    click.echo(table(rows) + "\n\n" + table(against, BASELINE_COLUMNS))
    if json_out:
        Path(json_out).write_text(json.dumps({"machine": info, "solves": rows, "baselines": against},
                                             ensure_ascii=False, indent=1) + "\n", encoding="utf-8")



ROBUST_RUN_COLUMNS = [("instance", "project"), ("seed", "seed"), ("status", "status"), ("first_s", "first s"),
                      ("finish", "finish"), ("finish_bound", "finish bound"), ("disruption_gap", "disruption gap"),
                      ("peak_mb", "peak MB"), ("violations", "check"), ("load", "load")]


def _robust(paths: list[str], seeds: int, time_limit: float, json_out: str | None) -> None:
    """`bench compound --robust`: every seed at 1 worker beside a CPU-bound process, then the spread."""
    from scheduler.bench.compound import SPREAD_COLUMNS, machine, robustness, table

    runs, spreads = robustness(paths, seeds, time_limit, 1, echo=lambda m: click.echo(m, err=True))
    info = machine() | {"time_limit": time_limit, "workers": 1, "seeds": seeds, "burner": "1 CPU-bound process"}
    click.echo(" · ".join(f"{k} {v}" for k, v in info.items()) + "\n")
    click.echo(table(runs, ROBUST_RUN_COLUMNS) + "\n\n" + table(spreads, SPREAD_COLUMNS))
    if json_out:
        Path(json_out).write_text(json.dumps({"machine": info, "runs": runs, "spread": spreads},
                                             ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@bench.command("programme")
@click.option("--sizes", default="20,50", show_default=True, help="District sizes to scale to (compounds).")
@click.option("--speedup-size", default=20, show_default=True, type=int, help="District size of the 1 vs 2 workers run.")
@click.option("--time-limit", default=900.0, show_default=True, type=float,
              help="Wall-clock seconds per decomposition run (and the monolith's budget in the quality run).")
@click.option("--sub-limit", default=60.0, show_default=True, type=float, help="Wall-clock seconds per sub-problem.")
@click.option("--sub-det", default=10.0, show_default=True, type=float,
              help="CP-SAT deterministic time per sub-problem (the same work with 1 and 2 workers).")
@click.option("--seed", default=0, show_default=True, type=int, help="District generator and solver seed.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Also write every figure as JSON here.")
def bench_programme(sizes: str, speedup_size: int, time_limit: float, sub_limit: float, sub_det: float, seed: int,
                    json_out: str | None) -> None:
    """District programmes on Dask: quality against one CP-SAT model, scale, speed-up, projection.

    \b
    In one run: a 3-compound district against a single monolithic model of the same programme (ratio of
    the weighted programme finish); districts of --sizes compounds (time to the first valid programme,
    programme finish against compounds one after another and against a fixed share of the pools, peak
    memory); the --speedup-size district's first rounds on 1 and on 2 local workers; and, from the
    measured per-compound times, the run time on 8 and 32 workers. JSON with every figure via --json.
    """
    from scheduler.bench import programme as bp
    from scheduler.programme.coordinate import Settings

    try:
        counts = [int(n) for n in sizes.split(",") if n.strip()]
    except ValueError:
        raise click.BadParameter(say("bad_buildings", value=repr(sizes)), param_hint="--sizes") from None
    echo = lambda m: click.echo(m, err=True)  # noqa: E731
    settings = Settings(time_limit, sub_limit, sub_det, seed)
    info = bp.machine() | {"time_limit": time_limit, "sub_limit": sub_limit, "sub_det": sub_det, "seed": seed}
    result: dict = {"machine": info}

    def keep(name: str, value: object) -> None:  # every section as soon as it is measured: a long run may stop
        result[name] = value
        info["load_1m_after"] = bp.machine()["load_1m"]
        if json_out:
            Path(json_out).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    keep("scale", [])
    for n in counts:
        keep("scale", result["scale"] + [bp.scale(n, seed, settings, echo)])
    keep("speedup", bp.speedup(speedup_size, seed, settings, echo) if speedup_size else None)
    # last: the monolith solves in this process, and the scale runs report this process's peak memory
    keep("quality", bp.quality(seed, settings, min(time_limit, 300.0), echo))
    click.echo(json.dumps(result, ensure_ascii=False, indent=1))

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
    from scheduler.plan.expand import expand

    try:
        project, warnings = load_project(path)
        tasks = expand(project)
    except InputError as exc:
        _print_problems(exc.problems)
        errors = sum(not p.warning for p in exc.problems)
        click.echo(f"{errors} problem(s) in {path}; nothing was written.", err=True)
        sys.exit(EXIT_INPUT)
    return project, tasks, warnings


def _progress_lines(quiet: bool):
    """A progress callback printing stage, best and bound on a terminal (None when quiet or piped)."""
    if quiet or not sys.stderr.isatty():
        return None

    def progress(stage: str, best: int, bound: float, elapsed: float) -> None:
        click.echo(f"  [{elapsed:6.1f}s] {stage:<10} best {best}  bound {bound:.0f}", err=True)
    return progress


def _exit_timeout(time_limit: float) -> None:
    click.echo(f"no schedule found within {time_limit:g}s; try a longer --time-limit. Nothing was written.", err=True)
    sys.exit(EXIT_TIMEOUT)


def _search_options(f):
    """--time-limit, --workers, --seed and --quiet, shared by every command that searches for a schedule."""
    for option in reversed([
        click.option("--time-limit", default=60.0, show_default=True, type=float,
                     help="Wall-clock seconds for the whole search, all objective stages together."),
        click.option("--workers", default=2, show_default=True, type=int,
                     help="CP-SAT search workers (1 = deterministic)."),
        click.option("--seed", default=0, show_default=True, type=int,
                     help="Random seed; with --workers 1 the result repeats."),
        click.option("--quiet", is_flag=True, help="No progress lines."),
    ]):
        f = option(f)
    return f


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
    from scheduler.plan.summary import summary

    p, tasks, warnings = _load(project)
    click.echo(summary(p, tasks, warnings))


@main.command()
@click.argument("project", type=click.Path(exists=True))
@click.option("-o", "--out", default="out", show_default=True, type=click.Path(), help="Output folder.")
@_search_options
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
    from scheduler.plan.planner import plan
    from scheduler.publish import publish
    from scheduler.plan.summary import holiday_warnings

    p, tasks, warnings = _load(project)
    progress = _progress_lines(quiet)
    if not quiet:
        click.echo(f"solving {p.project.id}: {len(tasks)} tasks, limit {time_limit:g}s, {workers} worker(s)", err=True)
    result = plan(p, tasks, time_limit, workers, seed, progress)
    sol = result.solution
    if sol.status == "INFEASIBLE":
        from scheduler.review.explain import explain_conflict

        click.echo(f"infeasible: no schedule obeys every rule. Rules in conflict: "
                   f"{', '.join(sol.conflict) or 'not identified within the time limit'}", err=True)
        if result.conflict is not None and result.conflict.status == "INFEASIBLE":
            click.echo(explain_conflict(p, tasks, result.conflict).render(), err=True)
        elif sol.detail:
            click.echo(f"  {sol.detail}", err=True)
        click.echo("  Relax one of them; nothing was written.", err=True)
        sys.exit(EXIT_INFEASIBLE)
    if result.schedule is None:
        _exit_timeout(time_limit)
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
    p, tasks, _ = _load(project)
    if schedule_path or task_id:
        if not (schedule_path and task_id):
            click.echo("explain: --schedule and --task go together — pass both, e.g. "
                       "--schedule out/schedule.json --task R1:excavate", err=True)
            sys.exit(EXIT_INPUT)
        _explain_task(p, tasks, schedule_path, task_id, as_json)
        return
    from scheduler.review.explain import explain_conflict
    from scheduler.plan.planner import diagnose

    result = explain_conflict(p, tasks, diagnose(p, tasks, time_limit, seed))
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(result.render())
        click.echo(f"({result.solves} solve(s), {result.wall_s:.1f}s)", err=True)


def _explain_task(p, tasks, schedule_path: str, task_id: str, as_json: bool) -> None:
    from models.problems import did_you_mean
    from scheduler.review.hold import explain_task

    sched = _read_schedule(schedule_path)
    ids = [t.id for t in sched.tasks]
    if sched.project != p.project.id or {t.id for t in tasks} != set(ids):
        click.echo(f"{schedule_path}: not a schedule of this version of project '{p.project.id}' — solve it "
                   "again or pass the matching project", err=True)
        sys.exit(EXIT_INPUT)
    if task_id not in ids:
        click.echo(f"--task {task_id}: not a task of the schedule — {did_you_mean(task_id, ids, 'task')}", err=True)
        sys.exit(EXIT_INPUT)
    result = explain_task(p, tasks, sched, task_id)
    click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1) if as_json else result.render())


@main.command()
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
    from scheduler.review.diff import diff as compare, render

    d = compare(_read_schedule(a), _read_schedule(b))
    click.echo(d.model_dump_json(indent=1) if as_json else render(d))


@main.command()
@click.argument("project", type=click.Path(exists=True))
@click.option("--baseline", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The schedule.json residents and contractors were told (its folder's feeds are the "
                   "reference for SEQUENCE numbers).")
@click.option("--progress", "progress_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="progress.csv or .xlsx: task, status (done|started|not_started), actual_start, "
                   "actual_finish, remaining_days.")
@click.option("--as-of", "as_of", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First day of the new plan (YYYY-MM-DD); progress reports what happened before it.")
@click.option("-o", "--out", default="out", show_default=True, type=click.Path(), help="Output folder.")
@_search_options
def replan(project: str, baseline: str, progress_path: str, as_of, out: str, time_limit: float, workers: int,
           seed: int, quiet: bool) -> None:
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
      digonce replan inputs/hepingli --baseline out/schedule.json --progress progress.csv \\
          --as-of 2027-04-12 -o out-0412
    Feeds keep their UIDs; moved events get a higher SEQUENCE. The Gantt shows the baseline as
    ghost bars. `digonce check` accepts the reported history before --as-of as it happened.
    Exit 0 schedule found, 2 invalid input, 3 infeasible, 4 nothing found within the time limit.
    """
    from scheduler.plan.progress import read_progress
    from scheduler.publish import publish as write_all
    from scheduler.review.diff import diff as compare
    from scheduler.plan.replan import replan as run_replan

    p, tasks, warnings = _load(project)
    base = _read_schedule(baseline)
    if base.project != p.project.id:
        click.echo(f"{baseline}: schedule of project '{base.project}', not '{p.project.id}' — pass the "
                   "schedule.json of this project", err=True)
        sys.exit(EXIT_INPUT)
    day = as_of.date()
    try:
        reported = read_progress(progress_path, [t.id for t in tasks], day, p.project.start)
    except InputError as exc:
        _print_problems(exc.problems)
        click.echo(f"{len(exc.problems)} problem(s) in {progress_path}; nothing was written.", err=True)
        sys.exit(EXIT_INPUT)
    result = run_replan(p, tasks, base, reported, day, time_limit, workers, seed, _progress_lines(quiet))
    sol = result.solution
    if sol.status == "INFEASIBLE":
        click.echo("infeasible: no re-plan obeys every rule with this progress. Rules in conflict: "
                   f"{', '.join(sol.conflict) or 'not identified'}", err=True)
        if sol.detail:
            click.echo(f"  {sol.detail}", err=True)
        click.echo("  Check the reported progress (remaining_days, dates) or relax a rule; nothing was written.",
                   err=True)
        sys.exit(EXIT_INFEASIBLE)
    if result.schedule is None:
        _exit_timeout(time_limit)
    sched = result.schedule
    for w in warnings:
        click.echo(str(w), err=True)
    written = write_all(sched, p, out, baseline_dir=Path(baseline).parent, baseline=base)
    h, s = result.history, sched.solver
    d = compare(base, sched)
    click.echo(f"{s.status} in {s.wall_s:.1f}s as of {day}: {len(h.done)} done, {len(h.started)} started; "
               f"finish {s.objective.get('finish')} (baseline {max(t.finish for t in base.tasks)})")
    click.echo(f"  {len(d.changes)} task(s) moved, {d.announced_days_changed} announced building-day(s) changed "
               f"(`digonce diff {baseline} {Path(out) / 'schedule.json'}` says who to tell); "
               f"disruption {s.objective.get('disruption')}, open_days {s.objective.get('open_days')}")
    click.echo(f"wrote {len(written)} files to {out}/")


@main.command()
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 for every interface (put a TLS reverse proxy in front).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--public-url", help="The address people reach this server at, used in every link, e.g. "
                                   "https://feeds.example.org (default: http://HOST:PORT).")
@click.option("--show-links", is_flag=True, help="Print every link to hand out (with the secret ones) and exit.")
@click.option("--rotate-token", "rotate", multiple=True, metavar="TRADE",
              help="Give TRADE (or `office`) a new secret link, print it and exit; the old link stops working "
                   "at once, also in a running server. Repeatable.")
def serve(out: str, host: str, port: int, public_url: str | None, show_links: bool, rotate: tuple[str, ...]) -> None:
    """Serve OUT's calendar feeds and notices over HTTP, for phones and calendar apps to subscribe to.

    \b
    What to give to whom (`--show-links` prints the exact links):
      residents       /feeds/building-<b>.ics and the short notice URL /b/<b> (put it in a QR code
                      on the notice board); public, like the notice itself. The index page /
                      lists them with webcal:// "subscribe" links.
      each contractor /t/<token>/trade-<trade>.ics: only its own tasks and contacts, behind a secret
                      token. Send it privately; it stays valid for the whole project.
      project office  /t/<token>/all.ics and /t/<token>/gantt.html: every contractor's work and
                      phone numbers, so behind the office token too.
    A wrong or missing token gets 404, like a missing file. A leaked link: --rotate-token TRADE,
    then send the new link to that contractor only.

    \b
    Tokens are created on first start (and for trades that appear later, by --show-links) and
    kept in OUT/.serve/tokens.json, which is never served. Re-publishing into OUT (solve, replan,
    publish) while the server runs is safe: subscribers see the new plan at their next poll.
    Plain http is fine on 127.0.0.1; on a network put a TLS reverse proxy in front and pass
    --public-url https://… so the printed and index links say https.
      digonce serve out --show-links
      digonce serve out --port 8080
    Exit 0 after Ctrl-C, 2 on a missing OUT, an unknown trade or a port that cannot be opened.
    """
    from scheduler.serve.server import links, serve_out
    from scheduler.serve.tokens import OFFICE, TokenFileError, TokenStore, trades_in

    folder = Path(out)
    if not (folder / "feeds").is_dir() and not (folder / "notices").is_dir():
        click.echo(f"{out}: no feeds/ or notices/ here — publish first (digonce solve PROJECT -o {out}) "
                   "or pass the folder solve wrote", err=True)
        sys.exit(EXIT_INPUT)
    if public_url and not public_url.startswith(("http://", "https://")):
        click.echo(f"--public-url {public_url}: give a full address such as https://feeds.example.org", err=True)
        sys.exit(EXIT_INPUT)
    base = public_url or f"http://{host}:{port}"
    try:
        for name in rotate:
            if name != OFFICE and name not in trades_in(folder):
                from models.problems import did_you_mean

                click.echo(f"--rotate-token {name}: no feeds/trade-{name}.ics in {out} — "
                           f"{did_you_mean(name, trades_in(folder) + [OFFICE], 'trade')}", err=True)
                sys.exit(EXIT_INPUT)
            TokenStore(folder).rotate(name)
            for who, what, url in links(folder, base):
                if who in (f"contractor {name}", "project office" if name == OFFICE else ""):
                    click.echo(f"new link for {who} ({what}): {url}")
        if show_links:
            for who, what, url in links(folder, base):
                click.echo(f"{who:<20} {what:<22} {url}")
        if rotate or show_links:
            return
        TokenStore(folder).ensure(trades_in(folder))
    except TokenFileError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    except OSError as exc:
        click.echo(f"{folder / '.serve'}: cannot keep the tokens there ({exc.strerror or exc}) — make {out} "
                   "writable for this user", err=True)
        sys.exit(EXIT_INPUT)
    try:
        server = serve_out(folder, host, port, public_url)
    except OSError as exc:
        click.echo(f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc}) — pick another "
                   "--port, or stop the program using it", err=True)
        sys.exit(EXIT_INPUT)
    click.echo(f"serving {out} at {server.url}/ (Ctrl-C stops; `digonce serve {out} --show-links` lists the links)",
               err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.server_close()


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
    from scheduler.review.check import RULES, check_schedule, read_schedule_file

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
    from scheduler.bench.generate import write_project

    folder = write_project(out, buildings, seed)
    click.echo(f"wrote {folder}/project.yaml and {folder}/zones.csv ({buildings} buildings, seed {seed})")


@main.group()
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
    click.echo(f"\nserver log lines: {result['log_lines']} for {result['requests_total']} requests")
    for row in result["rows"]:
        for e in row["first_errors"]:
            click.echo(f"  error ({row['phase']}): {e}", err=True)
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
    from scheduler.publish.files import write_atomic

    paths = instance_files(list(files))
    if not paths:
        click.echo(f"no .sm files in {' '.join(files)}; give PSPLIB instances or folders of them", err=True)
        sys.exit(EXIT_INPUT)
    ref_dir = Path(reference) if reference else paths[0].resolve().parent.parent / "solutions"
    ref = load_reference(ref_dir) if ref_dir.is_dir() else {}
    if not ref:
        click.echo(f"warning: no PSPLIB tables in {ref_dir}; gaps are left out (see --reference)", err=True)
    echo = (lambda m: click.echo(m, err=True)) if sys.stderr.isatty() else None
    try:
        rows = run(paths, time_limit, workers, seed, ref, peer, echo)
    except SmError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
    except RuntimeError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INPUT)
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
            click.echo(f"\n{family}: digonce mean gap / {peer} mean gap = "
                       + ("—" if ratio is None else f"{ratio:.2f}"))
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
def bench_compound(projects: tuple[str, ...], buildings: str, time_limit: float, workers: int, seed: int,
                   json_out: str | None) -> None:
    """Solve PROJECTS (default: the sample inputs/hepingli) and synthetic compounds, one child process each.

    \b
    Per compound: tasks, time to the first schedule, time to the proven-optimal finish, the gap of every
    objective stage, wall time, peak memory, and whether `check` accepts the schedule; then, against the
    same compound, the trade-by-trade plan (every trade digs its own trenches) and a greedy levelling plan
    (crews and calendars only), as ratios. Markdown tables on stdout, ready for docs/benchmarks.md.
    """
    import tempfile

    from scheduler.bench.compound import BASELINE_COLUMNS, compare, machine, run, table
    from scheduler.bench.generate import write_project

    try:
        counts = [int(n) for n in buildings.split(",") if n.strip()]
    except ValueError:
        raise click.BadParameter(f"{buildings!r}: give building counts like 10,40,100", param_hint="--buildings")
    with tempfile.TemporaryDirectory() as tmp:
        paths = list(projects) or ["inputs/hepingli"]
        paths += [str(write_project(Path(tmp) / f"synthetic-{n}", n, seed)) for n in counts]
        rows = run(paths, time_limit, workers, seed, echo=lambda m: click.echo(m, err=True))
        against = [r for p, row in zip(paths, rows) if row.get("status") != "ERROR" for r in compare(p, row)]
    info = machine() | {"time_limit": time_limit, "workers": workers, "seed": seed}
    click.echo(" · ".join(f"{k} {v}" for k, v in info.items()) + "\n")
    click.echo(table(rows) + "\n\n" + table(against, BASELINE_COLUMNS))
    if json_out:
        Path(json_out).write_text(json.dumps({"machine": info, "solves": rows, "baselines": against},
                                             ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

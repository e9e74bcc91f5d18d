"""Replan benchmark: one early trench runs late; how much of what was announced changes?

    python -m scheduler.bench.replan [PROJECT] [--delay 5] [--time-limit S] [--workers N] [--seed N]

Solves PROJECT (default inputs/hepingli) as the baseline, then reports progress at as-of = the working day
after the earliest excavation started: every task the baseline has under way is `started` with its planned
remaining days, except that excavation, which needs `--delay` more working days. The same progress is
re-planned three ways and each result is checked by the referee:
  replan           finish, then fewest changed announced starts (moved), then disruption, open_days
  finish only      a plain re-solve for finish alone, not hinted with the baseline
  plain objectives a plain re-solve with the project's objectives (finish, disruption, open_days)
Prints a Markdown table: tasks moved, moved within 14 days of as-of, outages moved, announced building-days
changed (`diff`), finish, wall time; then the re-solves' counts as multiples of the replan's.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

from models import load_project
from models.schedule import Schedule
from scheduler.bench.compound import machine
from scheduler.planning.planner import plan
from scheduler.planning.progress import Progress
from scheduler.planning.replan import NEAR_DAYS, replan
from scheduler.review.check import check_schedule
from scheduler.review.diff import diff

VARIANTS = [("replan", None), ("finish only", ["finish"]), ("plain objectives", ["finish", "disruption", "open_days"])]


def delayed_progress(base: Schedule, delay: int) -> tuple[str, date, dict[str, Progress]]:
    """(trench, as-of, progress): everything under way at as-of as planned, the earliest trench `delay` days late."""
    trench = min((t for t in base.tasks if t.kind == "excavate"), key=lambda t: (t.start, t.id))
    as_of = next(d for d in sorted({d for t in base.tasks for d in t.days}) if d > trench.start)
    progress = {}
    for t in base.tasks:
        if t.start < as_of <= t.finish or t.id == trench.id:
            left = sum(d >= as_of for d in t.days) + (delay if t.id == trench.id else 0)
            progress[t.id] = Progress(t.id, "started", t.start, None, left, 0)
    return trench.id, as_of, progress


def measure(base: Schedule, new: Schedule, as_of: date) -> dict:
    d = diff(base, new)
    return {"moved": len(d.changes),
            "moved_14d": sum(c.old_start is not None and c.old_start < as_of + timedelta(NEAR_DAYS)
                             for c in d.changes),
            "outages_moved": sum(c.outage is not None for c in d.changes),
            "notice_days": d.announced_days_changed,
            "finish": max(t.finish for t in new.tasks).isoformat()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project", nargs="?", default="inputs/hepingli")
    ap.add_argument("--delay", type=int, default=5, help="extra working days of the trench")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    project, _ = load_project(args.project)
    from scheduler.planning.expand import expand

    tasks = expand(project)
    t0 = time.time()
    base = plan(project, tasks, args.time_limit, args.workers, args.seed).schedule
    assert base is not None, "the baseline found no schedule: raise --time-limit"
    print(f"{' · '.join(f'{k} {v}' for k, v in machine().items())} · time_limit {args.time_limit:g} · "
          f"workers {args.workers} · seed {args.seed}\n")
    print(f"baseline: {len(tasks)} tasks, {base.solver.status}, finish {base.solver.objective['finish']}, "
          f"{time.time() - t0:.1f}s")
    trench, as_of, progress = delayed_progress(base, args.delay)
    print(f"as-of {as_of}: {trench} started {base.task(trench).start}, needs {args.delay} more working days; "
          f"{len(progress) - 1} other task(s) under way as planned\n")
    rows = []
    for name, stages in VARIANTS:
        r = replan(project, tasks, base, progress, as_of, args.time_limit, args.workers, args.seed, stages=stages)
        if r.schedule is None:
            rows.append({"variant": name, "status": r.solution.status})
            continue
        bad = check_schedule(project, tasks, r.schedule)
        rows.append({"variant": name, "status": r.solution.status, **measure(base, r.schedule, as_of),
                     "wall_s": round(r.solution.wall_s, 1), "check": "ok" if not bad else f"{len(bad)} violations"})
    cols = ["variant", "status", "finish", "moved", "moved_14d", "outages_moved", "notice_days", "wall_s", "check"]
    print("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    ref = rows[0]
    for r in rows[1:]:
        if "moved" in r and "moved" in ref:
            ratios = [f"{c} ×{r[c] / ref[c]:.1f}" if ref[c] else f"{c} {r[c]} vs 0"
                      for c in ("moved", "moved_14d", "notice_days")]
            print(f"\n{r['variant']} against replan: " + ", ".join(ratios))


if __name__ == "__main__":
    main()

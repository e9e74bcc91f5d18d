"""`digonce bench compound`: compounds solved end to end, one child process each.

A child process per project keeps the figures honest: peak memory is that solve's own (OR-Tools
allocates in-process), and nothing is cached from an earlier run. Per project: tasks, load + expand
time, time to the first schedule, time to the proven-optimal finish, every stage's value, bound and
gap, and whether `check` accepts the schedule.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any, Callable

from models import load_project
from scheduler.planning.expand import expand
from scheduler.planning.planner import plan
from scheduler.review.check import check_schedule

from scheduler.bench.baselines import greedy, trade_by_trade


def measure(project_dir: str, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    """Solve one project in this process and return its figures (run it in a fresh child process)."""
    t0 = time.time()
    project, _ = load_project(project_dir)
    tasks = expand(project)
    load_s = time.time() - t0
    first: list[float] = []

    def progress(stage: str, best: int, bound: float, elapsed: float) -> None:
        if not first:
            first.append(time.time() - t0)

    result = plan(project, tasks, time_limit, workers, seed, progress)
    wall = time.time() - t0
    sol = result.solution
    row: dict[str, Any] = {
        "instance": Path(project_dir).name, "tasks": len(tasks), "buildings": len(project.site.buildings),
        "zones": len(project.site.zones), "status": sol.status, "load_s": round(load_s, 2),
        "first_s": round(first[0], 2) if first else None, "wall_s": round(wall, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    solve_start = wall - sol.wall_s
    stages = {s.name: s for s in sol.stages}
    fin = stages.get("finish")
    row["finish_proven_s"] = round(solve_start + fin.wall_s, 2) if fin and fin.status == "OPTIMAL" else None
    if result.schedule is not None:
        info = result.schedule.solver
        for name in ("finish", "disruption", "open_days"):
            row[name] = info.objective.get(name)
            row[f"{name}_bound"] = info.bound.get(name)
            row[f"{name}_gap"] = info.gap.get(name)
        row["openings"] = len(result.schedule.openings)
        row["violations"] = len(check_schedule(project, tasks, result.schedule))
    return row


def run(projects: list[str], time_limit: float, workers: int, seed: int,
        echo: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Each project in its own child process, one after another."""
    rows = []
    for p in projects:
        echo(f"  {p}: solving (limit {time_limit:g}s, {workers} worker(s))…")
        cmd = [sys.executable, "-m", "scheduler.bench.compound", p, str(time_limit), str(workers), str(seed)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=time_limit * 3 + 120)
        except subprocess.TimeoutExpired:
            rows.append({"instance": Path(p).name, "status": "ERROR",
                         "error": f"no answer within {time_limit * 3 + 120:g}s (model building?)"})
            continue
        if done.returncode != 0:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            rows.append({"instance": Path(p).name, "status": "ERROR", "error": tail})
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        echo(f"    {json.dumps(rows[-1], ensure_ascii=False)}")
    return rows


BURN = """import os, sys
parent = int(sys.argv[1])
while os.getppid() == parent:  # ends when the bench does, even a bench killed before it could stop it
    for _ in range(1_000_000):
        pass
"""


class Burner:
    """A CPU-bound process beside the solves (a busy laptop), started and stopped by its PID."""

    def __enter__(self) -> Burner:
        self.proc = subprocess.Popen([sys.executable, "-c", BURN, str(os.getpid())])
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()


def robustness(projects: list[str], seeds: int, time_limit: float, workers: int = 1,
               echo: Callable[[str], None] = print) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each project solved with solver seeds 0..seeds-1 (a child process each) while one CPU-bound process
    runs beside them. Returns every run's figures and, per project, their spread (median and worst)."""
    runs: list[dict[str, Any]] = []
    with Burner():
        for p in projects:
            for seed in range(seeds):
                row = run([p], time_limit, workers, seed, echo)[0]
                runs.append(row | {"seed": seed, "load": round(os.getloadavg()[0], 1)})
    return runs, [spread([r for r in runs if r["instance"] == Path(p).name]) for p in projects]


def spread(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and worst over one project's runs: time to the first schedule, finish days above the best
    finish bound any run proved, disruption gap, peak memory; how many runs reached that bound; and the
    best finish any run found, which is the proven optimum when it equals that bound."""
    ok = [r for r in rows if r.get("finish")]
    best = max((date.fromisoformat(r["finish_bound"]) for r in ok if r.get("finish_bound")), default=None)
    found = min((date.fromisoformat(r["finish"]) for r in ok), default=None)
    above = [(date.fromisoformat(r["finish"]) - best).days for r in ok] if best else []
    out: dict[str, Any] = {"instance": rows[0]["instance"], "runs": len(rows), "schedules": len(ok),
                           "valid": sum(r.get("violations") == 0 for r in ok),
                           "best_bound": best.isoformat() if best else None,
                           "best_finish": found.isoformat() if found else None,
                           "optimum_proven": bool(best and found and best >= found),
                           "at_bound": sum(a == 0 for a in above)}
    for key, values, worst in (("first_s", [r["first_s"] for r in ok if r.get("first_s") is not None], max),
                               ("finish_proven_s", [r["finish_proven_s"] for r in ok if r.get("finish_proven_s")], max),
                               ("finish_above", above, max),
                               ("disruption_gap", [r["disruption_gap"] for r in ok if r.get("disruption_gap") is not None], max),
                               ("peak_mb", [r["peak_mb"] for r in rows if r.get("peak_mb")], max),
                               ("load", [r["load"] for r in rows], max)):
        out[f"{key}_median"] = round(statistics.median(values), 3) if values else None
        out[f"{key}_worst"] = worst(values) if values else None
    return out


SPREAD_COLUMNS = [("instance", "project"), ("runs", "seeds"), ("valid", "valid"), ("best_bound", "best finish bound"),
                  ("best_finish", "best finish found"), ("optimum_proven", "proven"),
                  ("at_bound", "finish = bound"), ("finish_proven_s_median", "proven s, median"),
                  ("finish_proven_s_worst", "worst"), ("finish_above_median", "days above, median"),
                  ("finish_above_worst", "worst"), ("first_s_median", "first s, median"), ("first_s_worst", "worst"),
                  ("disruption_gap_median", "disruption gap, median"), ("disruption_gap_worst", "worst"),
                  ("peak_mb_median", "peak MB, median"), ("peak_mb_worst", "worst"), ("load_median", "load, median")]


def machine() -> dict[str, Any]:
    import ortools

    return {"python": platform.python_version(), "ortools": ortools.__version__,
            "cpu": platform.processor() or platform.machine(), "cores": len(os.sched_getaffinity(0))}


COLUMNS = [("instance", "project"), ("buildings", "bldg"), ("tasks", "tasks"), ("status", "status"),
           ("first_s", "first s"), ("finish_proven_s", "finish proven s"), ("finish", "finish"),
           ("disruption_gap", "disruption gap"), ("open_days_gap", "open_days gap"), ("wall_s", "wall s"),
           ("peak_mb", "peak MB"), ("violations", "check")]


BASELINE_COLUMNS = [("instance", "project"), ("plan", "plan"), ("openings", "openings"),
                    ("open_days", "open days"), ("finish", "finish"), ("finish_days_late", "days later"),
                    ("disruption", "disruption"), ("disruption_ratio", "disruption ×"),
                    ("open_days_ratio", "open days ×"), ("broken", "rules broken")]


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]] = COLUMNS) -> str:
    """A Markdown table of the rows (gaps as percentages, missing figures as —)."""
    def cell(key: str, v: Any) -> str:
        if v is None:
            return "—"
        if key.endswith("_gap") or "_gap_" in key:
            return f"{v:.1%}"
        if key.endswith("_ratio"):
            return f"{v:.2f}"
        return str(v)

    head = "| " + " | ".join(h for _, h in columns) + " |"
    rule = "|" + "---|" * len(columns)
    body = ["| " + " | ".join(cell(k, r.get(k)) for k, _ in columns) + " |" for r in rows]
    return "\n".join([head, rule, *body])


def compare(project_dir: str, ours: dict[str, Any]) -> list[dict[str, Any]]:
    """digonce's figures (a row of `measure`) next to the trade-by-trade and greedy plans, with ratios."""
    project, _ = load_project(project_dir)
    tasks = expand(project)
    name = Path(project_dir).name
    rows = [{"instance": name, "plan": "digonce", "openings": ours.get("openings"),
             "open_days": ours.get("open_days"), "finish": ours.get("finish"), "disruption": ours.get("disruption"),
             "broken": "none" if ours.get("violations") == 0 else ours.get("violations")}]
    for plan in (trade_by_trade(project, tasks), greedy(project, tasks)):
        row = {"instance": name, **plan.row()}
        row["broken"] = ", ".join(f"{r} ×{n}" for r, n in sorted(plan.violations.items())) or (
            "R5 by design" if plan.plan == "trade by trade" else "none")
        del row["violations"]
        if ours.get("finish"):
            row["finish_days_late"] = (date.fromisoformat(row["finish"]) - date.fromisoformat(ours["finish"])).days
            row["disruption_ratio"] = row["disruption"] / max(1, ours["disruption"])
            row["open_days_ratio"] = row["open_days"] / max(1, ours["open_days"])
        rows.append(row)
    return rows


if __name__ == "__main__":  # the child process of `run`
    path, limit, n_workers, rnd = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    print(json.dumps(measure(path, limit, n_workers, rnd), ensure_ascii=False))

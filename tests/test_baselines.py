"""The greedy levelling planner (core) and the trade-by-trade and greedy baselines of `digonce bench compound`.

The greedy plan is checked independently here: predecessors with lags, crew capacity per day, forbidden
days neither worked nor spanned. The trade-by-trade plan must re-open a road once per trade (the 马路拉链
that digonce exists to avoid), while digonce opens it once.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date

import pytest
from click.testing import CliRunner

from models import load_project
from scheduler.bench.baselines import greedy, trade_by_trade
from scheduler.cli import main
from scheduler.core import problem as core
from scheduler.core.greedy import NoRoom, greedy_starts
from scheduler.planning.expand import expand

from test_solve import ROAD, TINY, pipeline, proj, solve_ok, write

EVERY_DAY = list(range(60))
WEEKDAYS = [d for d in range(60) if d % 7 < 5]


def days_of(p: core.Problem, starts: dict[str, int], tid: str) -> list[int]:
    t = p.task(tid)
    return p.calendars[t.calendar][starts[tid]: starts[tid] + t.duration]


def test_greedy_honours_precedence_lag_capacity_and_forbidden_days():
    p = core.Problem(
        horizon=60, calendars={"all": EVERY_DAY, "wk": WEEKDAYS},
        tasks=[core.Task("a", 3, "all", {"crew": 1}), core.Task("b", 2, "all", {"crew": 1}),
               core.Task("c", 2, "wk", {"crew": 1}, forbidden={"quiet": frozenset({8, 9})}),
               core.Task("d", 4, "all", {"crew": 2}, release=2)],
        precedences=[core.Precedence("a", "c", lag=1)], capacities={"crew": 2})
    s = greedy_starts(p)
    days = {t.id: days_of(p, s, t.id) for t in p.tasks}
    # c: after a's finish (day 2), one weekday of lag strictly between, not spanning 8-9, weekdays only
    assert days["c"][0] > days["a"][-1] + 1
    assert not set(range(days["c"][0], days["c"][-1] + 1)) & {8, 9}
    assert all(d % 7 < 5 for d in days["c"])
    assert days["d"][0] >= 2
    use = Counter(d for t in p.tasks for d in days[t.id] for _ in range(t.demands["crew"]))
    assert max(use.values()) <= 2
    assert days["a"] == [0, 1, 2] and days["b"] == [0, 1]  # levelling starts what it can at once


def test_greedy_says_when_the_horizon_is_too_short():
    p = core.Problem(horizon=3, calendars={"all": [0, 1, 2]}, tasks=[core.Task("a", 4, "all")])
    with pytest.raises(NoRoom):
        greedy_starts(p)


def two_trades_one_road() -> dict:
    return proj([pipeline("w", {"R1": 40}), pipeline("g", {"R1": 40}, trade="gas")],
                zones=[ROAD("R1")], trades={"gas": {"crews": 1}})


def test_trade_by_trade_reopens_the_road_for_each_trade(tmp_path):
    folder = write(tmp_path, two_trades_one_road())
    ours = solve_ok(folder)
    assert len(ours.sched.openings) == 1  # digonce: one trench for both mains
    project, _ = load_project(folder)
    tasks = expand(project)
    tbt = trade_by_trade(project, tasks)
    assert tbt.openings == 2  # water digs R1, closes it, then gas digs it again
    assert tbt.open_days > ours.sched.solver.objective["open_days"]


def test_greedy_baseline_is_scored_and_checked():
    """The leveller honours precedences, dig once, crews, machines, calendars, quiet days and seasons by
    construction: `check` may only find the rules it knows nothing about (access, open zones, outage
    spacing, crane zones)."""
    project, _ = load_project(TINY)
    tasks = expand(project)
    g = greedy(project, tasks)
    assert g.openings == 2 and g.open_days > 0 and g.disruption > 0
    assert set(g.violations) <= {"R6", "R7", "R9", "R10"}, g.violations
    # A bound worked out by hand: tiny's one civil crew has R2 and A1's excavations and backfills (1 day each:
    # 40 and 30 m at 40 and 60 m/day) and the 10-day facade of B1: 14 working days that cannot overlap. From
    # Mon 03-01 on the Mon–Sat calendar (no holiday in March) the 14th working day is Tue 03-16, so no plan
    # that respects the crew finishes earlier; levelling that ignored crews would (the facade alone ends 03-11).
    assert g.finish >= date(2027, 3, 16)


def test_greedy_baseline_opens_both_paths_and_cuts_the_second_door_off(tmp_path):
    """Hand-worked: B1-2 reaches the gate over path P1 or P2, both dug by the water main (2 crews of each
    trade, 2 excavators). Levelling starts what it can at once: both openings are excavate Mon 03-01, lay
    Tue 03-02, backfill Wed 03-03 (3 + 3 open days), both restores Thu 03-04, the finish. The door is cut
    off on 03-01..03-03: one R6 violation (one run of days)."""
    from test_solve import two_doors_project

    project, _ = load_project(write(tmp_path, two_doors_project(True)))
    g = greedy(project, expand(project))
    assert (g.openings, g.open_days, g.finish) == (2, 6, date(2027, 3, 4))
    assert g.violations == {"R6": 1}


def test_generate_is_deterministic_and_valid(tmp_path):
    runner = CliRunner()
    for name in ("a", "b"):
        r = runner.invoke(main, ["generate", "-n", "12", "--seed", "3", "-o", str(tmp_path / name)])
        assert r.exit_code == 0, r.output
    for f in ("project.yaml", "zones.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    project, _ = load_project(tmp_path / "a")
    assert len(project.site.buildings) == 12
    assert len(expand(project)) > 100


def test_bench_compound_prints_both_tables(tmp_path):
    out = tmp_path / "bench.json"
    r = CliRunner().invoke(main, ["bench", "compound", str(TINY), "--buildings", "", "--time-limit", "5",
                                  "--json", str(out)])
    assert r.exit_code == 0, r.output
    assert re.search(r"\| tiny \| 2 \| 15 \| (OPTIMAL|FEASIBLE) \|", r.output), r.output  # wall clock: not a proof
    assert "| tiny | trade by trade |" in r.output and "| tiny | greedy levelling |" in r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["solves"][0]["violations"] == 0 and data["machine"]["workers"] == 2


def test_bench_compound_robust_reports_the_spread(tmp_path):
    """Robustness mode: every seed at 1 worker beside a CPU-bound process, one row per run, then the spread.
    Wall clock: only that each run found a valid schedule is asserted, not how good it is."""
    out = tmp_path / "robust.json"
    r = CliRunner().invoke(main, ["bench", "compound", str(TINY), "--buildings", "", "--time-limit", "5",
                                  "--robust", "2", "--json", str(out)])
    assert r.exit_code == 0, r.output
    assert "| tiny | 0 |" in r.output and "| tiny | 1 |" in r.output and "days above, median" in r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["machine"]["workers"] == 1 and len(data["runs"]) == 2
    assert data["spread"][0]["valid"] == 2 and data["spread"][0]["runs"] == 2


def test_the_burner_is_stopped():
    from scheduler.bench.compound import Burner

    with Burner() as b:
        assert b.proc.poll() is None  # running beside the solves
    assert b.proc.poll() is not None


def test_the_burner_ends_with_a_killed_bench():
    """A bench killed outright (no chance to stop it) leaves no CPU-bound process behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    code = "from scheduler.bench.compound import Burner\nimport time\nwith Burner() as b:\n" \
           "    print(b.proc.pid, flush=True)\n    time.sleep(600)\n"
    bench = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    pid = int(bench.stdout.readline())
    os.kill(pid, 0)  # running
    bench.send_signal(signal.SIGKILL)
    bench.wait()
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
        try:  # reaped by init in a container without one: a zombie counts as gone
            if open(f"/proc/{pid}/stat").read().split()[2] == "Z":
                return
        except FileNotFoundError:
            return
    raise AssertionError(f"burner {pid} still running")


def test_the_spread_counts_runs_at_the_proven_optimum():
    """The best finish found is the proven optimum when some run's bound reaches it; runs above it count."""
    from scheduler.bench.compound import spread

    def row(finish, bound, proven_s=None):
        return {"instance": "x", "finish": finish, "finish_bound": bound, "finish_proven_s": proven_s,
                "violations": 0, "load": 1.0, "first_s": 1.0, "peak_mb": 100, "disruption_gap": 0.2}

    out = spread([row("2027-07-19", "2027-07-19", 8.0), row("2027-07-21", "2027-07-10"),
                  row("2027-07-19", "2027-07-15")])
    assert out["best_finish"] == "2027-07-19" and out["optimum_proven"] is True
    assert out["at_bound"] == 2 and out["finish_above_worst"] == 2 and out["finish_proven_s_worst"] == 8.0
    unproven = spread([row("2027-07-21", "2027-07-10"), row("2027-07-20", "2027-07-12")])
    assert unproven["best_finish"] == "2027-07-20" and unproven["optimum_proven"] is False
    assert unproven["at_bound"] == 0

"""District programmes (SPEC §9): programme.yaml, the coordination on Dask, the outputs, `programme check`.

The sample district (inputs/district: tiny, hepingli and four generated compounds sharing gas crews, elevator
crews and cranes) is solved once, through the embedded local cluster, and one worker process is killed while
it solves: every test of the outputs then reads that run back from disk. Sub-problems get a deterministic
CP-SAT budget and a generous wall clock, and no test compares a figure with the clock.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import threading
import time
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from icalendar import Calendar

from models import InputError
from models.programme import load_programme
from models.schedule import Schedule, ScheduledTask
from scheduler.cli import main
from scheduler.programme import pools as P
from scheduler.programme.check import check_programme, read_schedules
from scheduler.programme.coordinate import Settings, solve_programme
from scheduler.programme.engine import Engine
from scheduler.programme.gantt import programme_figure
from scheduler.programme.outputs import usages_of, write

ROOT = Path(__file__).resolve().parent.parent
DISTRICT = ROOT / "inputs" / "district"
SUB_DET = 3.0  # deterministic seconds per sub-problem
SUB_WALL = 900.0  # a backstop only: on a busy machine the deterministic budget must be what binds


class Killer(threading.Thread):
    """Kills one worker process (SIGKILL) as soon as it is running a sub-problem of one of `small`."""

    def __init__(self, engine: Engine, small: set[str]):
        super().__init__(daemon=True)
        self.engine, self.small = engine, small
        self.killed: tuple[str, int] | None = None  # (compound, pid)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set() and self.killed is None:
            try:
                pids = self.engine.worker_pids()
                for worker, keys in self.engine.processing().items():
                    hit = next((k for k in keys if any(f"-{c}-" in str(k) for c in self.small)), None)
                    if hit and worker in pids:
                        time.sleep(0.5)  # well inside the solve
                        os.kill(pids[worker], signal.SIGKILL)
                        self.killed = (next(c for c in self.small if f"-{c}-" in str(hit)), pids[worker])
                        return
            except Exception:  # noqa: BLE001 — the cluster is busy or shutting down: look again
                pass
            self.stop.wait(0.2)


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """The sample district solved through the embedded local cluster (2 worker processes), a worker killed
    mid-solve, the outputs written to OUT."""
    prog = load_programme(DISTRICT)
    out = tmp_path_factory.mktemp("district") / "out"
    settings = Settings(time_limit=3600, sub_time=SUB_WALL, sub_det=SUB_DET, seed=0, max_rounds=0, polish=False)
    with Engine(workers=2) as engine:
        killer = Killer(engine, {c.id for c in prog.compounds if c.id.startswith("d2027")})
        killer.start()
        result = solve_programme(prog, engine, settings)
        killer.stop.set()
    assert result.status == "OK", result.failed
    write(prog, {c: o.schedule for c, o in result.outcomes.items()}, out, result)
    return prog, result, out, killer.killed


def test_every_release_read_back_passes_check_and_no_pool_is_exceeded(solved):
    prog, result, out, _ = solved
    schedules = read_schedules(prog, out)
    assert set(schedules) == {c.id for c in prog.compounds}
    report = check_programme(prog, schedules)
    assert report.violations == {c.id: [] for c in prog.compounds}
    assert report.pools == [] and report.days > 0
    whole = P.total([P.usage(s, prog.pools) for s in schedules.values()])
    for pool, cap in prog.pools.items():
        assert max(whole.get(pool, {0: 0}).values()) <= cap


def test_a_worker_killed_mid_solve_does_not_stop_the_programme(solved):
    prog, result, _, killed = solved
    assert killed is not None, "the test never caught a worker running a small compound"
    compound, pid = killed
    assert result.outcomes[compound].status in ("OPTIMAL", "FEASIBLE")
    assert not result.alone[compound].worker.endswith(f":{pid}")  # re-run elsewhere (or on the restarted worker)


def test_the_cli_checks_the_written_programme(solved):
    _, _, out, _ = solved
    run = CliRunner().invoke(main, ["programme", "check", str(DISTRICT), str(out)])
    assert run.exit_code == 0, run.output
    assert "valid" in run.output


def test_programme_json_has_every_compound_and_each_pool_per_day(solved):
    prog, result, out, _ = solved
    data = json.loads((out / "programme.json").read_text(encoding="utf-8"))
    assert data["format"] == "digonce-programme/1" and data["programme"] == "chaoyang-2027"
    assert [c["id"] for c in data["compounds"]] == [c.id for c in prog.compounds]
    for c in data["compounds"]:
        assert c["status"] in ("OPTIMAL", "FEASIBLE") and c["finish"] and c["disruption"] is not None
        assert (out / c["release"] / "schedule.json").is_file()
    pools = {(p["kind"], p["id"]): p for p in data["pools"]}
    assert set(pools) == set(prog.pools)
    for key, p in pools.items():
        assert p["capacity"] == prog.pools[key]
        for day, use in p["days"].items():
            assert use["in_use"] == sum(use["by"].values()) <= p["capacity"]
    assert data["objective"]["finish"] == max(c["finish"] for c in data["compounds"])
    assert data["solver"]["rounds"][0]["phase"] == "alone"


def test_one_feed_per_shared_trade_spans_the_compounds(solved):
    prog, _, out, _ = solved
    for trade in prog.programme.shared.trades:
        cal = Calendar.from_ical((out / "feeds" / f"trade-{trade}.ics").read_bytes())
        uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
        assert len(uids) == len(set(uids))
        compounds = {u.rsplit("@", 1)[1] for u in uids}
        users = {c.id for c in prog.compounds
                 if any(t.trade == trade for t in read_schedules(prog, out)[c.id].tasks)}
        assert compounds == users and len(users) >= 2
        first = next(e for e in cal.walk("VEVENT"))
        name = prog.compound(str(first["UID"]).rsplit("@", 1)[1]).project.project.name
        assert name in str(first["SUMMARY"])


def test_republishing_an_unchanged_programme_keeps_the_feeds(solved, tmp_path):
    prog, _, out, _ = solved
    copy = tmp_path / "out"
    shutil.copytree(out, copy, symlinks=True)  # OUT's stable paths are symlinks to the release in force
    before = (copy / "feeds" / "trade-gas.ics").read_bytes()
    run = CliRunner().invoke(main, ["programme", "publish", str(DISTRICT), "-o", str(copy)])
    assert run.exit_code == 0, run.output
    assert (copy / "feeds" / "trade-gas.ics").read_bytes() == before


def test_the_programme_gantt_shows_pools_against_capacity(solved):
    prog, _, out, _ = solved
    page = (out / "gantt.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, flags=re.I) and "<link" not in page.lower()
    assert prog.info.name in page
    fig = programme_figure(prog, read_schedules(prog, out), usages_of(prog, read_schedules(prog, out)))
    roles = [(tr.meta or {}).get("role") for tr in fig.data]
    assert roles.count("capacity") == roles.count("use") == len(prog.pools)
    assert {tr.name for tr in fig.data if (tr.meta or {}).get("role") == "works"} and len(fig.data[0].y) == 6
    for tr in fig.data:
        if (tr.meta or {}).get("role") == "capacity":
            assert set(tr.y) == {prog.pools[tuple(tr.meta["pool"])]}


def test_check_reports_an_overbooked_pool(solved, tmp_path):
    """The same written programme against a district whose elevator pool is one crew smaller than its peak."""
    prog, _, out, _ = solved
    data = yaml.safe_load((DISTRICT / "programme.yaml").read_text(encoding="utf-8"))
    for c in data["compounds"]:
        c["path"] = str((DISTRICT / c["path"]).resolve())
    peak = json.loads((out / "programme.json").read_text(encoding="utf-8"))["pools"]
    elevator = next(p for p in peak if p["id"] == "elevator")
    assert elevator["peak"] >= 2
    data["shared"]["trades"]["elevator"]["crews"] = elevator["peak"] - 1
    (tmp_path / "programme.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run = CliRunner().invoke(main, ["programme", "check", str(tmp_path), str(out)])
    assert run.exit_code == 1, run.output
    assert "R2 pool elevator" in run.output
    again = tmp_path / "again"
    run = CliRunner().invoke(main, ["programme", "publish", str(tmp_path), "--from", str(out), "-o", str(again)])
    assert run.exit_code == 1 and not again.exists()  # publish refuses what check rejects


def test_pool_check_counts_across_compounds():
    d = date(2027, 4, 1)
    gas = lambda tid: ScheduledTask(id=tid, trade="gas", start=d, finish=d, days=[d])  # noqa: E731
    a = Schedule(project="a", tasks=[gas("a:lay"), gas("a:test")])
    b = Schedule(project="b", tasks=[gas("b:lay")])
    pools = {("trade", "gas"): 2}
    usages = {"a": P.usage(a, pools), "b": P.usage(b, pools)}
    [v] = P.check_pools(usages, pools)
    assert (v.day, v.used, v.capacity, v.compounds) == (d, 3, 2, ("a", "b"))
    assert P.check_pools({"a": usages["a"]}, pools) == []
    assert not P.fits(usages["b"], usages["a"], pools)


# ---- programme.yaml ---------------------------------------------------------------------------------------

def _programme(tmp_path: Path, text: str) -> Path:
    (tmp_path / "programme.yaml").write_text(text, encoding="utf-8")
    return tmp_path


HEAD = f"""version: 1
programme: {{id: demo, name: 示例, start: 2027-03-01}}
"""


def test_shared_entries_replace_the_compounds_own(tmp_path):
    folder = _programme(tmp_path, HEAD + f"""compounds:
  - {{path: {DISTRICT / 'd2027-c01'}, earliest: 2027-04-01, deadline: 2027-11-30, weight: 3}}
shared:
  trades: {{gas: {{crews: 4, contractor: 燃气集团}}}}
  equipment: {{crane: 5}}
""")
    prog = load_programme(folder)
    [c] = prog.compounds
    gas = c.project.trades["gas"]
    assert (gas.crews, gas.contractor) == (4, "燃气集团") and gas.contact  # the compound's contact stays
    assert c.project.trades["elevator"].workweek[-1] == "sun"  # untouched trades stay as they were
    assert c.project.equipment["crane"] == 5
    assert (c.project.project.start, c.project.project.deadline, c.weight) == (date(2027, 4, 1), date(2027, 11, 30), 3)
    assert prog.pools == {("trade", "gas"): 4, ("equipment", "crane"): 5}


@pytest.mark.parametrize("body, expected", [
    ("compounds:\n  - {path: nowhere}\n", "programme.yaml:4:12: compounds[0].path: no project.yaml in"),
    ("compounds:\n  - {pth: ../x}\n", "compounds[0].pth: unknown field 'pth' in a compound — did you mean 'path'?"),
    ("compounds: []\n", "compounds: 'compounds' is empty"),
    ("compunds: []\n", "unknown field 'compunds' in the programme file — did you mean 'compounds'?"),
    ("compounds:\n  - {path: D, weight: 0}\n", "compounds[0].weight: 'weight' must be ≥ 1"),
    ("compounds:\n  - {path: D, earliest: 2027-13-01}\n", "'2027-13-01' is not a date"),
    ("compounds:\n  - {path: D, earliest: 2027-06-01, deadline: 2027-05-01}\n",
     "compounds[0].deadline: deadline 2027-05-01 is before earliest 2027-06-01"),
    ("compounds:\n  - {path: D}\n  - {path: D}\n", "compounds[1].path: project id 'd2027-c01' is already the id of compounds[0]"),
    ("compounds:\n  - {path: D}\nshared: {trades: {gas: {crews: -1}}}\n", "shared.trades.gas.crews: 'crews' must be greater than 0"),
])
def test_programme_errors_name_file_place_and_fix(tmp_path, body, expected):
    folder = _programme(tmp_path, HEAD + body.replace("D", str(DISTRICT / "d2027-c01")))
    with pytest.raises(InputError) as exc:
        load_programme(folder)
    assert expected in str(exc.value)
    run = CliRunner().invoke(main, ["programme", "validate", str(folder)])
    assert run.exit_code == 2 and run.exception is None or isinstance(run.exception, SystemExit)
    assert "Traceback" not in run.output and expected in run.output


def test_a_broken_compound_is_reported_in_its_own_file(tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "project.yaml").write_text("version: 1\nproject: {id: x}\n", encoding="utf-8")
    folder = _programme(tmp_path, HEAD + "compounds:\n  - {path: broken}\n")
    run = CliRunner().invoke(main, ["programme", "validate", str(folder)])
    assert run.exit_code == 2
    assert "broken/project.yaml" in run.output and "Traceback" not in run.output


def test_validate_lists_the_sample_district():
    run = CliRunner().invoke(main, ["programme", "validate", str(DISTRICT)])
    assert run.exit_code == 0, run.output
    assert "chaoyang-2027: 6 compounds" in run.output and "hepingli" in run.output


def test_address_joins_a_running_cluster(tmp_path):
    """`--address` takes the same code path on a cluster someone else started (here: one local worker)."""
    from distributed import LocalCluster

    folder = _programme(tmp_path, HEAD + f"compounds:\n  - {{path: {ROOT / 'inputs' / 'tiny'}}}\n")
    out = tmp_path / "out"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        run = CliRunner().invoke(main, ["programme", "solve", str(folder), "-o", str(out), "--address",
                                        cluster.scheduler_address, "--sub-det", "5", "--sub-limit", "300",
                                        "--no-polish", "--quiet"])
    assert run.exit_code == 0, run.output
    assert (out / "tiny" / "schedule.json").is_file() and (out / "programme.json").is_file()
    assert CliRunner().invoke(main, ["programme", "check", str(folder), str(out)]).exit_code == 0


def test_a_compound_that_cannot_meet_its_deadline_ends_in_exit_3(tmp_path):
    folder = _programme(tmp_path, HEAD + f"compounds:\n  - {{path: {ROOT / 'inputs' / 'tiny'}, deadline: 2027-03-03}}\n")
    run = CliRunner().invoke(main, ["programme", "solve", str(folder), "-o", str(tmp_path / "out"), "--workers", "1",
                                    "--sub-det", "5", "--quiet"])
    assert run.exit_code == 3, run.output
    assert "tiny: its own rules conflict" in run.output and not (tmp_path / "out").exists()


def test_generate_writes_a_district_that_loads(tmp_path):
    run = CliRunner().invoke(main, ["generate", "--district", "3", "--seed", "5", "-o", str(tmp_path / "d")])
    assert run.exit_code == 0, run.output
    prog = load_programme(tmp_path / "d")
    assert len(prog.compounds) == 3 and prog.pools == {("trade", "gas"): 1, ("trade", "elevator"): 1,
                                                        ("equipment", "crane"): 1}
    again = tmp_path / "again"
    CliRunner().invoke(main, ["generate", "--district", "3", "--seed", "5", "-o", str(again)])
    for c in prog.compounds:  # same seed, same files
        assert (again / c.id / "project.yaml").read_bytes() == (tmp_path / "d" / c.id / "project.yaml").read_bytes()


# ---- the core: capacity held elsewhere ---------------------------------------------------------------------

def _two_tasks_one_crew():
    from scheduler.core.problem import Makespan, Objective, Problem, Task

    cal = {"all": list(range(30))}
    tasks = [Task("a", 3, "all", {"crew": 1}), Task("b", 2, "all", {"crew": 1})]
    p = Problem(30, cal, tasks, capacities={"crew": 1}, objectives=[Objective("finish", [Makespan()])])
    p.reserved = {"crew": {d: 1 for d in range(0, 10)}}  # another compound holds the only crew on days 0–9
    return p


def test_cpsat_leaves_held_capacity_alone():
    from scheduler.core.solve import solve

    sol = solve(_two_tasks_one_crew(), time_limit=30, workers=1, deterministic_limit=5)
    assert sol.status == "OPTIMAL"
    assert min(sol.starts.values()) >= 10 and sol.stages[0].value == 14  # days 10–14: both, one after another


def test_the_constructive_schedule_leaves_held_capacity_alone():
    from scheduler.core.construct import construct

    built = construct(_two_tasks_one_crew())
    assert built is not None and built.valid and min(built.starts.values()) >= 10

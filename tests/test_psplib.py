"""PSPLIB in the generic core (`digonce bench psplib`) and the priority-rule SGS hint.

tests/psplib holds j301_1.sm, an original PSPLIB j30 instance (optimum 43), and a one-row extract of
j30opt.sm. Solves: 1 worker, seed 0 and a deterministic budget (the optimum asserted does not depend on
machine load), well under a second each.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.bench.psplib import SmError, parse, run_digonce, run_pyjobshop, to_problem
from scheduler.cli import main
from scheduler.core.heuristic import Network, best_schedule, makespan, serial_sgs
from scheduler.core.problem import Problem

DATA = Path(__file__).resolve().parent / "psplib"
DET_LIMIT = 10.0  # deterministic seconds per solve
WALL_BACKSTOP = 300.0  # never reached before DET_LIMIT
J301_1 = DATA / "j301_1.sm"
J3013_2 = DATA / "j3013_2.sm"  # optimal makespan 62, which no 10 s run here has proven


def sm_text(durations: list[int], demands: list[list[int]], successors: list[list[int]], caps: list[int]) -> str:
    """A .sm file in PSPLIB's layout (jobs 1-based, dummies included by the caller)."""
    n, r = len(durations), len(caps)
    prec = [f"{k + 1:4d}        1 {len(s):10d}   " + " ".join(str(j) for j in s) for k, s in enumerate(successors)]
    req = [f"{k + 1:3d}      1 {d:5d}   " + " ".join(f"{q:4d}" for q in demands[k]) for k, d in enumerate(durations)]
    return "\n".join([
        "*" * 72, "projects                      :  1", f"jobs (incl. supersource/sink ):  {n}",
        f"horizon                       :  {sum(durations)}", "RESOURCES",
        f"  - renewable                 :  {r}   R", "  - nonrenewable              :  0   N",
        "  - doubly constrained        :  0   D", "*" * 72, "PRECEDENCE RELATIONS:",
        "jobnr.    #modes  #successors   successors", *prec, "*" * 72, "REQUESTS/DURATIONS:",
        "jobnr. mode duration  " + "  ".join(f"R {i + 1}" for i in range(r)), "-" * 72, *req, "*" * 72,
        "RESOURCEAVAILABILITIES:", "  ".join(f"R {i + 1}" for i in range(r)), " ".join(f"{c:4d}" for c in caps),
        "*" * 72, ""])


def test_parse_j30_instance_and_core_reaches_the_known_optimum() -> None:
    inst = parse(J301_1)
    assert len(inst.durations) == 32 and inst.capacities == [12, 13, 4, 12]
    assert inst.durations[0] == inst.durations[-1] == 0 and inst.durations[1] == 8
    assert inst.successors[0] == [1, 2, 3] and inst.demands[2] == [10, 0, 0, 0]
    problem = to_problem(inst)
    assert len(problem.tasks) == 30 and min(t.duration for t in problem.tasks) >= 1
    arcs = {(p.before, p.after) for p in problem.precedences}
    assert ("2", "6") in arcs and not any("1" in a or "32" in a for a in arcs)
    row = run_digonce(J301_1, time_limit=WALL_BACKSTOP, workers=1, seed=0, deterministic_limit=DET_LIMIT)
    assert row["makespan"] == 43 and row["status"] == "OPTIMAL" and row["lower_bound"] == 43


def test_successor_may_start_the_day_its_predecessor_finishes(tmp_path: Path) -> None:
    """PSPLIB's finish = start + duration: a 3-day job then a 2-day job give makespan 5, not 6; a zero-
    duration job between them is bridged, and two jobs that overload the resource run one after the other."""
    f = tmp_path / "chain.sm"
    f.write_text(sm_text([0, 3, 0, 2, 4, 0], [[0], [1], [0], [1], [2], [0]],
                         [[2, 5], [3], [4], [6], [6], []], [2]))
    problem = to_problem(parse(f))
    assert [(p.before, p.after) for p in problem.precedences] == [("2", "4")]
    row = run_digonce(f, time_limit=WALL_BACKSTOP, workers=1, seed=0, deterministic_limit=DET_LIMIT)
    assert row["makespan"] == 3 + 2 + 4 and row["status"] == "OPTIMAL"


def test_cli_json_rows_carry_the_contract_fields(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The figures asserted need an optimal solve: 1 worker and a deterministic budget besides --time-limit."""
    import scheduler.bench.psplib as psplib

    real = psplib.run_digonce
    monkeypatch.setattr(psplib, "run_digonce", lambda *a, **kw: real(*a, **kw, deterministic_limit=DET_LIMIT))
    out = tmp_path / "bench.json"
    res = CliRunner().invoke(main, ["bench", "psplib", str(J301_1), "--time-limit", "10", "--json", str(out),
                                    "--reference", str(DATA), "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "| j301_1 | digonce | 43 | 43 | 43 | 0.00% | OPTIMAL |" in res.output
    doc = json.loads(out.read_text())
    row = doc["rows"][0]
    assert {"instance", "makespan", "lower_bound", "status", "wall_s"} <= row.keys()
    assert (row["instance"], row["makespan"], row["best_known"], row["gap"]) == ("j301_1", 43, 43, 0.0)
    assert doc["summary"][0]["proven_optimal"] == 1 and doc["machine"]["workers"] == 1


@pytest.mark.parametrize("line, text, message", [
    (21, "   3        1          3           7   x  13", ":21: '3        1          3           7   x  13' is not"),
    (21, "   3        1          3           7   8", ":21: precedence row of job 3 should read"),
    (57, "  3      1     4      99    0    0    0", ":57: job 3 needs 99 of R1 but only 12 exist"),
])
def test_malformed_sm_is_one_line_with_file_and_line_exit_2(tmp_path: Path, line: int, text: str,
                                                            message: str) -> None:
    lines = J301_1.read_text().splitlines()
    lines[line - 1] = text
    bad = tmp_path / "bad.sm"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(SmError):
        parse(bad)
    res = CliRunner().invoke(main, ["bench", "psplib", str(bad), "--reference", str(DATA)])
    assert res.exit_code == 2
    assert f"{bad}{message}" in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_missing_peer_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyjobshop", None)  # import fails as if not installed
    with pytest.raises(RuntimeError, match=r"pip install -e '\.\[bench\]'"):
        run_pyjobshop(J301_1, 1, 1)


def assert_feasible(net: Network, start: list[int]) -> None:
    """Independent referee: every arc, every allowed start, every resource on every time unit."""
    for i, ps in enumerate(net.preds):
        for p, lag in ps:
            assert start[i] >= start[p] + net.duration[p] + lag, (p, i)
    for i, s in enumerate(start):
        assert 0 <= s and s + net.duration[i] <= net.length
        assert net.allowed is None or s in net.allowed[i]
    for r, cap in net.capacity.items():
        for t in range(net.length):
            assert sum(net.demand[i].get(r, 0) for i, s in enumerate(start) if s <= t < s + net.duration[i]) <= cap


def test_sgs_on_j30_is_feasible_and_not_below_the_optimum() -> None:
    inst = parse(J301_1)
    real = [k for k, d in enumerate(inst.durations) if d]
    idx = {k: i for i, k in enumerate(real)}
    preds: list[list[tuple[int, int]]] = [[] for _ in real]
    for a in real:
        for b in inst.successors[a]:
            if b in idx:
                preds[idx[b]].append((idx[a], 0))
    net = Network([inst.durations[k] for k in real], [{f"R{r}": q for r, q in enumerate(inst.demands[k])}
                                                      for k in real],
                  {f"R{r}": c for r, c in enumerate(inst.capacities)}, inst.horizon, preds)
    start = best_schedule(net)
    assert start is not None
    assert_feasible(net, start)
    assert 43 <= makespan(net, start) <= 43 * 1.2


@pytest.mark.parametrize("seed", range(5))
def test_sgs_honours_lags_allowed_starts_and_capacities_on_random_networks(seed: int) -> None:
    rng = random.Random(seed)
    n, length = 25, 400
    preds = [[(p, rng.randint(0, 2)) for p in rng.sample(range(i), min(i, rng.randint(0, 3)))] for i in range(n)]
    allowed = [sorted(rng.sample(range(length), 300)) for _ in range(n)]
    net = Network([rng.randint(1, 6) for _ in range(n)], [{"a": rng.randint(0, 3), "b": rng.randint(0, 2)}
                                                          for _ in range(n)],
                  {"a": 4, "b": 2}, length, preds, allowed)
    start = best_schedule(net)
    assert start is not None
    assert_feasible(net, start)
    order = sorted(range(n), key=lambda i: start[i])
    assert serial_sgs(net, order) is not None


def test_sgs_reports_no_schedule_when_the_axis_is_too_short() -> None:
    net = Network([3, 3], [{"a": 1}, {"a": 1}], {"a": 1}, 5, [[], []])
    assert serial_sgs(net, [0, 1]) is None and best_schedule(net) is None


def test_one_worker_runs_ordered_steps_on_a_pure_rcpsp(tmp_path: Path, ordered_steps: list[bool]) -> None:
    """A random 60-job RCPSP that CP-SAT's own search does not close in half a deterministic second: on one
    worker the finish stage goes on with ordered neighbourhood steps, and the schedule keeps its precedences
    and capacities."""
    from scheduler.core.solve import solve

    rng = random.Random(0)
    n = 60
    durations = [0] + [rng.randint(1, 10) for _ in range(n)] + [0]
    demands = [[0, 0, 0]] + [[rng.randint(0, 6) for _ in range(3)] for _ in range(n)] + [[0, 0, 0]]
    successors = [[2, 3, 4]] + [[j + 1 for j in range(k + 1, n + 1) if rng.random() < 3 / n] or [n + 2]
                                for k in range(1, n + 1)] + [[]]
    path = tmp_path / "r60.sm"
    path.write_text(sm_text(durations, demands, successors, [8, 8, 8]))
    problem = to_problem(parse(path))
    sol = solve(problem, time_limit=WALL_BACKSTOP, workers=1, seed=0, deterministic_limit=0.5)
    assert True in ordered_steps and sol.starts
    assert_keeps_precedences_and_capacities(problem, sol.starts)


def assert_keeps_precedences_and_capacities(problem: Problem, starts: dict[str, int]) -> None:
    """A core schedule of a PSPLIB problem: every successor after its predecessor, every capacity every day."""
    end = {t.id: starts[t.id] + t.duration for t in problem.tasks}
    assert all(starts[pr.after] >= end[pr.before] for pr in problem.precedences)
    for day in range(max(end.values())):
        for res, cap in problem.capacities.items():
            assert sum(t.demands.get(res, 0) for t in problem.tasks if starts[t.id] <= day < end[t.id]) <= cap


def test_two_workers_improve_by_neighbourhoods_first_then_prove(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain RCPSP on two workers: CP-SAT's whole portfolio briefly (here made to look unproven), its
    neighbourhood workers alone, then both workers as complete searches, which prove the bound; the schedule
    keeps every precedence and capacity. (Two workers do not repeat exactly, so only rules and the bound's
    validity are asserted, not the optimum.)"""
    import scheduler.core.solve as core_solve

    calls: list[str] = []
    real, real_params = core_solve._Search.cpsat, core_solve._params
    settings: list[tuple[bool, bool, int]] = []

    def spy(self, *a, mode: str = "portfolio", **kw):
        calls.append(mode)
        found = real(self, *a, mode=mode, **kw)
        if len(calls) == 1:  # as if the first run had not proven it (j301_1 is proven in presolve)
            return dataclasses.replace(found, status="FEASIBLE", bound=0.0)
        return found

    def params_spy(solver, *a, **kw):
        real_params(solver, *a, **kw)
        p = solver.parameters
        settings.append((p.use_lns_only, p.use_lns, p.num_full_subsolvers))

    monkeypatch.setattr(core_solve, "_params", params_spy)
    monkeypatch.setattr(core_solve._Search, "cpsat", spy)
    problem = to_problem(parse(J301_1))
    sol = core_solve.solve(problem, time_limit=WALL_BACKSTOP, workers=2, seed=0, deterministic_limit=DET_LIMIT)
    assert calls == ["portfolio", "neighbourhoods", "proof"]
    assert settings[1][0] and not settings[2][0]  # neighbourhoods alone, then none of them…
    assert not settings[2][1] and settings[2][2] == 2  # …and both workers complete searches
    assert_keeps_precedences_and_capacities(problem, sol.starts)
    stage = sol.stages[0]
    assert stage.bound is not None and stage.bound + 1 <= 43 <= stage.value + 1  # PSPLIB's optimum is 43


def test_neighbourhoods_hand_over_when_they_find_nothing_better(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the neighbourhood workers find nothing better than the first schedule, they hand over to the proof
    after PLAIN_PATIENCE of the time instead of searching on for PLAIN_LNS of it. Here nothing can be better
    (the value to beat is 0), so the rule binds whatever the first part found on a busy machine; j3013_2
    because neither its neighbourhoods nor its proof end by themselves within the limit."""
    import scheduler.core.solve as core_solve

    spent: dict[str, float] = {}
    real = core_solve._Search.cpsat

    def spy(self, *a, mode: str = "portfolio", **kw):
        if mode == "neighbourhoods":
            kw["beat"] = 0
        t = time.time()
        found = real(self, *a, mode=mode, **kw)
        spent[mode] = time.time() - t
        return found

    monkeypatch.setattr(core_solve._Search, "cpsat", spy)
    problem = to_problem(parse(J3013_2))
    sol = core_solve.solve(problem, time_limit=12.0, workers=2, seed=0)
    assert spent["neighbourhoods"] < 12.0 * core_solve.PLAIN_LNS * 0.75  # stopped near 1.2 s, not at 7.2
    stage = sol.stages[0]
    assert stage.bound is not None and stage.bound + 1 <= 62 <= stage.value + 1  # PSPLIB's optimum is 62

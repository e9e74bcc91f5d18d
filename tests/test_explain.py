"""`digonce explain`: minimal conflicts per rule family, in words; what holds a task on a solved schedule.

Each conflict project is small (seconds at most). "Minimal" is checked independently of the
assumption search: through the builder's `disabled` switch, the named groups alone are infeasible and
each of them, taken away, leaves a feasible problem. Every search has a deterministic budget (DET_LIMIT,
1 worker, seed 0; CLI runs through the `deterministic_cli` fixture), so the conflict named does not depend
on machine load. Calendar: 2027-03-01 is a Monday; 03-07 a Sunday.
"""

from __future__ import annotations

import json
import string
from dataclasses import replace

import pytest
from test_solve import ROAD, B1, cli, pipeline, proj, solve_ok, task, write

from models import load_project
from scheduler.core.conflict import minimal_conflict
from scheduler.core.cpsat import CpBuilder
from scheduler.core.problem import Objective
from scheduler.core.solve import solve
from scheduler.planning.compile import compile_project
from scheduler.planning.expand import expand
from scheduler.planning.summary import upper_bound_end
from scheduler.review.explain import explain_conflict
from scheduler.review.hold import explain_task
from scheduler.text import section

LIMIT = 300.0  # wall-clock backstop: DET_LIMIT ends every search first
DET_LIMIT = 10.0


def wide_problem(folder):
    project, _ = load_project(folder)
    tasks = expand(project)
    wide = compile_project(project, tasks, upper_bound_end(project, tasks, ignore_deadline=True))
    return project, tasks, replace(wide.problem, objectives=[])


def feasible_with(problem, on: set[str], everything: set[str]) -> bool:
    """A plain solve (no assumption literals) with every rule group outside `on` switched off."""
    problem = replace(problem, objectives=[Objective("feasible", [])])
    sol = solve(problem, LIMIT, 1, 0, disabled=frozenset(everything - on), deterministic_limit=DET_LIMIT)
    assert sol.status in ("OPTIMAL", "FEASIBLE", "INFEASIBLE"), sol.status
    return sol.status != "INFEASIBLE"


def conflict_of(folder):
    """The explained conflict, after checking it is a real, minimal conflict."""
    project, tasks, problem = wide_problem(folder)
    c = minimal_conflict(problem, LIMIT, deterministic_limit=DET_LIMIT)
    assert c.status == "INFEASIBLE" and c.minimal, c
    everything = set(CpBuilder(problem, assume=True).lits)
    core = set(c.groups)
    assert not feasible_with(problem, core, everything), "the named rules alone must be infeasible"
    for g in core:
        assert feasible_with(problem, core - {g}, everything), f"without {g} it must be feasible"
    return explain_conflict(project, tasks, c)


def en(data: dict) -> dict:
    data["project"]["lang"] = "en"
    return data


# ------------------------------------------------------------------------------------------ one family each

def test_access_door_on_dug_apron(tmp_path):
    data = proj([pipeline("w", {"A0": 10})], zones=[])
    data["site"]["zones"][1]["length_m"] = 10
    e = conflict_of(write(tmp_path, en(data)))
    assert [r.group for r in e.reasons] == ["R6 access B1-1"]
    r = e.reasons[0]
    assert "A0 must be dug for w" in r.text
    assert any("passable_when_open: people" in f for f in r.fixes)


def test_fire_single_fire_zone_that_must_be_dug(tmp_path):
    data = proj([pipeline("gas-main", {"R1": 40}, trade="gas", name="燃气主管")], zones=[ROAD("R1", name="西侧路")],
                buildings=[{**B1, "name": "12号楼", "fire_zones": ["R1"]}], trades={"gas": {"crews": 1}})
    e = conflict_of(write(tmp_path, data))
    assert [r.group for r in e.reasons] == ["R6 fire B1"]
    text = e.render()
    assert "12号楼 只有一个消防区域 R1 西侧路" in text and "燃气主管" in text
    assert "增加一个消防区域" in text and "半幅" in text
    data = en(data)
    e = conflict_of(write(tmp_path, data, "en"))
    assert e.reasons[0].text == "12号楼 has one fire zone, R1 西侧路, and R1 西侧路 must be dug for 燃气主管"
    assert e.reasons[0].fixes[0] == "add another fire zone for 12号楼 (fire_zones)"


def test_crane_on_the_only_fire_route(tmp_path):
    """The crane of E1's lift stands on R1, the only road from the gate to B1's fire zone F."""
    zones = [{"id": "A1", "kind": "apron", "length_m": 10, "links": ["G"], "passable_when_open": "people"},
             {"id": "F", "kind": "road"}, ROAD("R1", links=["G", "F"], name="北路")]
    lift = {"id": "E1", "type": "elevator", "name": "1号楼加装电梯", "building": "B1", "zone": "A1",
            "crane_zones": ["R1"]}
    data = proj([lift], zones=zones, buildings=[{**B1, "name": "1号楼", "fire_zones": ["F"]}],
                trades={"elevator": {"crews": 1}}, equipment={"crane": 1})
    e = conflict_of(write(tmp_path, data))
    assert [r.group for r in e.reasons] == ["R6 fire B1"]
    r = e.reasons[0]
    assert r.text == "1号楼 只有一个消防区域 F，而E1:lift 吊装时吊车停在 R1 北路，设警戒区封闭，消防车无法通过"
    assert r.fixes[0] == "为 1号楼加装电梯 的吊装制定经消防部门同意的临时消防保障方案（fire_plan: true）"
    assert r.fixes[1] == "让 E1:lift 的吊车停在不挡消防通道的区域（crane_zones）"
    e = conflict_of(write(tmp_path, en(data), "en"))
    assert e.reasons[0].text == ("1号楼 has one fire zone, F, and the crane of E1:lift stands on R1 北路, fenced off: "
                                 "fire engines cannot pass")
    assert "fire_plan: true" in e.reasons[0].fixes[0]


def test_flood_season_and_deadline(tmp_path):
    """A 2 m trench needs three working days open; the season leaves two before it and the deadline none after."""
    season = {"name": "主汛期", "from": "2027-03-03", "to": "2027-03-20", "forbid": ["open"], "min_depth_m": 1.5}
    data = proj([pipeline("sewer", {"R1": 40}, depth_m=2.0)], zones=[ROAD("R1", name="北路")],
                calendar={"seasons": [season]}, deadline="2027-03-15")
    e = conflict_of(write(tmp_path, data))
    assert "R8 open 主汛期" in [r.group for r in e.reasons] and "deadline" in [r.group for r in e.reasons]
    r = next(r for r in e.reasons if r.rule == "R8")
    assert r.text == ("主汛期（2027-03-03～2027-03-20）期间深度 1.5 m 及以上的沟槽不得敞开：R1 北路 必须在此之前"
                      "回填完毕或在此之后才开挖")
    assert r.fixes[0] == "提前开工或增加班组，让 R1 北路 在 2027-03-03 前开挖、回填完毕"


def test_dig_once_and_deadline(tmp_path):
    """Two mains in R1, deeper first: excavate 1 + 4 + 4 + backfill 1 + restore 1 = 11 working days in one
    opening; the deadline gives 8. Were R1 allowed a second opening, the lays could run side by side."""
    works = [pipeline("water", {"R1": 40}, rate=10, depth_m=1.2),
             pipeline("gas", {"R1": 40}, trade="gas", rate=10, depth_m=0.8)]
    data = proj(works, zones=[ROAD("R1")], trades={"gas": {"crews": 1}}, deadline="2027-03-09")
    e = conflict_of(write(tmp_path, en(data)))
    assert [r.group for r in e.reasons] == ["R5 dig-once R1", "deadline"]
    assert "the underground work of gas and water" in e.reasons[0].text
    assert "2027-03-09" in e.reasons[1].text


def test_season_and_deadline(tmp_path):
    season = {"name": "不植树", "from": "2027-03-01", "to": "2027-03-10", "forbid": ["greening"]}
    data = proj([task("plant", "greening", 3), task("pave", "paving", 2)], calendar={"seasons": [season]},
                deadline="2027-03-06")
    e = conflict_of(write(tmp_path, data))
    assert [r.group for r in e.reasons] == ["R8 season 不植树 greening", "deadline"]
    assert "不植树（2027-03-01～2027-03-10）期间不得进行 greening 施工" in e.reasons[0].text


def test_quiet_period_and_deadline(tmp_path):
    quiet = {"name": "高考", "from": "2027-03-01", "to": "2027-03-10"}
    data = proj([task("drill", "civil", 3, noisy=True), task("paint", "civil", 2)], calendar={"quiet": [quiet]},
                deadline="2027-03-06")
    e = conflict_of(write(tmp_path, en(data)))
    assert [r.group for r in e.reasons] == ["R4 quiet 高考", "deadline"]
    assert "quiet period 高考" in e.reasons[0].text


def test_crews_and_deadline(tmp_path):
    data = proj([task("a", "civil", 3), task("b", "civil", 3), task("c", "water", 3)],
                trades={"civil": {"crews": 1, "contractor": "城建一公司"}}, deadline="2027-03-05")
    e = conflict_of(write(tmp_path, en(data)))
    assert [r.group for r in e.reasons] == ["R2 crews civil", "deadline"]
    assert "城建一公司" in e.reasons[0].text and "trades.civil.crews" in e.reasons[0].fixes[0]


def test_release_and_deadline(tmp_path):
    data = proj([task("late", "civil", 3, earliest="2027-03-04"), task("other", "water", 1)], deadline="2027-03-05")
    e = conflict_of(write(tmp_path, en(data)))
    assert [r.group for r in e.reasons] == ["deadline", "release late"]


# ------------------------------------------------------------------------------------------ command line

def test_explain_cli_feasible_and_json(tmp_path, deterministic_cli):
    ok = write(tmp_path, proj([task("a", "civil", 3)]))
    res = cli("--lang", "zh-CN", "explain", ok)  # the project's language; the suite's default is --lang en
    assert res.exit_code == 0 and "没有冲突" in res.output, res.output
    data = proj([task("a", "civil", 3), task("b", "civil", 3)], trades={"civil": {"crews": 1}},
                deadline="2027-03-05")
    bad = write(tmp_path, data, "bad")
    res = cli("explain", bad, "--json", "--time-limit", 10)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["feasible"] is False and out["minimal"] is True
    assert [r["group"] for r in out["conflict"]] == ["R2 crews civil", "deadline"]
    assert all(r["text"] and r["fixes"] for r in out["conflict"])


def test_solve_exit_3_prints_the_explanation(tmp_path, deterministic_cli):
    data = proj([pipeline("w", {"R1": 40})], zones=[ROAD("R1")], buildings=[{**B1, "fire_zones": ["R1"]}])
    res = cli("--lang", "zh-CN", "solve", write(tmp_path, data), "-o", tmp_path / "out", "--workers", 1,
              "--time-limit", 10)
    assert res.exit_code == 3, res.output
    assert "只有一个消防区域 R1" in res.output and "Traceback" not in res.output


# ------------------------------------------------------------------------------------------ what holds a task

def held_project() -> dict:
    """One civil crew: a (3 d) then c (2 d) on it; b (water, 2 d) after a; n (greening, noisy, 2 d) kept out of
    the quiet days 03-01..03-03. The only schedule finishing 03-05: a 01–03, b, c and n 04–05."""
    quiet = {"name": "考试", "from": "2027-03-01", "to": "2027-03-03"}
    return proj([task("a", "civil", 3), task("b", "water", 2, after=["a"]), task("c", "civil", 2),
                 task("n", "greening", 2, noisy=True)], trades={"civil": {"crews": 1}},
                calendar={"quiet": [quiet]})


@pytest.fixture(scope="module")
def held(tmp_path_factory):
    s = solve_ok(write(tmp_path_factory.mktemp("held"), held_project()))
    assert {t.id: str(t.start) for t in s.sched.tasks} == {
        "a:task": "2027-03-01", "b:task": "2027-03-04", "c:task": "2027-03-04", "n:task": "2027-03-04"}
    return s


def test_task_held_by_predecessor_back_to_start(held):
    e = explain_task(held.project, held.tasks, held.sched, "b:task")
    assert [k.task for k in e.chain] == ["b:task", "a:task"]
    assert [(h.rule, h.by) for h in e.chain[0].holds] == [("R1", "a:task")]
    assert "a:task finishes on 2027-03-03" in e.chain[0].holds[0].text
    assert [h.rule for h in e.chain[1].holds] == ["R3"]  # a starts on the project's first working day


def test_task_held_by_crew(held):
    e = explain_task(held.project, held.tasks, held.sched, "c:task")
    assert [(h.rule, h.by) for h in e.chain[0].holds] == [("R2", "a:task")]
    assert [k.task for k in e.chain] == ["c:task", "a:task"]


def test_task_held_by_quiet_days(held):
    e = explain_task(held.project, held.tasks, held.sched, "n:task")
    assert [h.rule for h in e.chain[0].holds] == ["R4"] and "考试" in e.chain[0].holds[0].text
    assert len(e.chain) == 1


def test_explain_task_cli(held, tmp_path):
    path = tmp_path / "schedule.json"
    path.write_text(held.sched.to_json(), encoding="utf-8")
    res = cli("explain", held.folder, "--schedule", path, "--task", "b:task", "--json")
    assert res.exit_code == 0, res.output
    assert [k["task"] for k in json.loads(res.output)["chain"]] == ["b:task", "a:task"]
    res = cli("explain", held.folder, "--schedule", path, "--task", "b")
    assert res.exit_code == 2 and "b:task" in res.output and "Traceback" not in res.output
    res = cli("explain", held.folder, "--task", "b:task")
    assert res.exit_code == 2 and "--schedule" in res.output


def test_explain_words_have_the_same_keys_and_placeholders_in_each_language():
    def shape(lang: str) -> dict:
        out = {}
        for key, value in section("explain", lang).items():
            texts = value if isinstance(value, list) else [value]
            fields = {f for text in texts for _, f, _, _ in string.Formatter().parse(text) if f}
            out[key] = (len(value) if isinstance(value, list) else None, fields)
        return out

    assert shape("zh-CN") == shape("en")

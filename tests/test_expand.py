"""Works → tasks (SPEC §4 "Expansion rules"), one test per rule, on tiny projects written to tmp_path.

The site used by every test (gate N on R1):

    R1 road 130 m ── R2 road 120 m ── A1 apron 10 m      B1: near R1, entrance B1-1 on A1
     └── P1 path 30 m ── G1 green 25 m                   B2: near R2 and A1, entrance B2-1 on P1

civil digs 40 m/day and backfills 60 m/day, so R1 (130 m) takes 4 + 3 days (ceil, not round:
130/40 = 3.25, 130/60 = 2.17), R2 (120 m) exactly 3 + 2, A1, P1 and G1 1 + 1.
"""

from __future__ import annotations

import copy
import dataclasses
import re

import pytest
import yaml

from models import InputError, load_project
from scheduler.planning.expand import Outage, Task, expand

SEVEN = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

BASE = {
    "version": 1,
    "project": {"id": "exp", "name": "展开测试", "start": "2027-03-01", "lang": "zh-CN"},
    "calendar": {"hours": {"work": ["07:30-11:30", "13:30-17:30"], "noisy": ["08:00-12:00", "14:00-18:00"]}},
    "trades": {
        "civil": {"crews": 2, "excavate_rate": 40, "backfill_rate": 60},
        "water": {"crews": 1},
        "gas": {"crews": 1},
        "sewer": {"crews": 1},
        "heating": {"crews": 1},
        "paving": {"crews": 1},
        "greening": {"crews": 1},
        "elevator": {"crews": 1},
    },
    "equipment": {"excavator": 2, "crane": 1},
    "site": {
        "gates": [{"id": "N", "name": "北门", "zone": "R1"}],
        "zones": [
            {"id": "R1", "name": "北门路", "kind": "road", "length_m": 130, "links": ["R2", "P1"]},
            {"id": "R2", "name": "东路", "kind": "road", "length_m": 120, "links": ["A1"]},
            {"id": "A1", "name": "入户前区", "kind": "apron", "length_m": 10},
            {"id": "P1", "name": "步道", "kind": "path", "length_m": 30, "links": ["G1"]},
            {"id": "G1", "name": "绿地", "kind": "green", "length_m": 25},
        ],
        "buildings": [
            {"id": "B1", "name": "1号楼", "households": 10, "near": ["R1"], "fire_zones": ["R1"],
             "entrances": [{"id": "B1-1", "zone": "A1"}]},
            {"id": "B2", "name": "2号楼", "households": 5, "near": ["R2", "A1"], "fire_zones": ["R2"],
             "entrances": [{"id": "B2-1", "zone": "P1"}]},
        ],
    },
}

WATER = {"id": "water", "type": "pipeline", "trade": "water", "runs": {"R1": 130, "A1": 10}, "rate": 40}


def write(tmp_path, works: list | str = (), change=None):
    """Write project.yaml (works as a list, or as raw YAML text of the `works:` section) and load it."""
    data = copy.deepcopy(BASE)
    if change:
        change(data)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if isinstance(works, str):
        text += "works:\n" + works
    else:
        text += yaml.safe_dump({"works": list(works)}, allow_unicode=True, sort_keys=False)
    (tmp_path / "project.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def load(tmp_path, works: list | str = (), change=None):
    project, _warnings = load_project(write(tmp_path, works, change))
    return project


def tasks(tmp_path, works: list | str = (), change=None) -> dict[str, Task]:
    return {t.id: t for t in expand(load(tmp_path, works, change))}


def of_kind(ts: dict[str, Task], kind: str) -> list[str]:
    return [t.id for t in ts.values() if t.kind == kind]


# ------------------------------------------------------------------------------- excavate / backfill


def test_excavate_and_backfill_per_dug_zone(tmp_path):
    ts = tasks(tmp_path, [WATER])
    assert of_kind(ts, "excavate") == ["R1:excavate", "A1:excavate"]  # site order, dug zones only
    assert of_kind(ts, "backfill") == ["R1:backfill", "A1:backfill"]
    ex, bf = ts["R1:excavate"], ts["R1:backfill"]
    assert (ex.trade, ex.days, ex.zone, ex.noisy, ex.underground, ex.surface) == ("civil", 4, "R1", True, False, False)
    assert (bf.trade, bf.days, bf.zone, bf.noisy, bf.underground, bf.surface) == ("civil", 3, "R1", True, False, False)
    assert ex.equipment == {"excavator": 1}
    assert bf.equipment == {}
    assert (ts["A1:excavate"].days, ts["A1:backfill"].days) == (1, 1)
    assert ex.work is None and ex.calendar == "project"
    for z in ("R2", "P1", "G1"):  # not dug: nothing implicit
        assert not [t for t in ts.values() if t.zone == z], z


def test_excavate_days_are_exact_when_the_length_divides(tmp_path):
    ts = tasks(tmp_path, [{"id": "w", "type": "pipeline", "trade": "water", "runs": {"R2": 120}, "rate": 40}])
    assert (ts["R2:excavate"].days, ts["R2:backfill"].days, ts["R2:restore"].days) == (3, 2, 2)


def test_default_rates_and_no_excavator(tmp_path):
    def change(data):
        data["trades"]["civil"] = {"crews": 1}  # default rates: 40 m/day dig, 60 m/day backfill
        data["equipment"] = {"crane": 1}
    ts = tasks(tmp_path, [WATER], change)
    assert (ts["R1:excavate"].days, ts["R1:backfill"].days) == (4, 3)
    assert ts["R1:excavate"].equipment == {}  # no excavator in equipment: not limited by one


def test_other_rates(tmp_path):
    def change(data):
        data["trades"]["civil"].update({"excavate_rate": 100, "backfill_rate": 20})
    ts = tasks(tmp_path, [WATER], change)
    # 130/100 → 2, 130/20 = 6.5 → 7; the implicit restore takes as long as the backfill
    assert (ts["R1:excavate"].days, ts["R1:backfill"].days, ts["R1:restore"].days) == (2, 7, 7)


# ------------------------------------------------------------------------------- dig once: order


def test_underground_between_excavate_and_backfill_surface_after(tmp_path):
    works = [
        WATER,
        {"id": "E1", "type": "elevator", "building": "B1", "entrance": "B1-1", "zone": "A1"},
        {"id": "dig", "type": "task", "trade": "civil", "days": 2, "zone": "R1", "underground": True},
        {"id": "kiosk", "type": "task", "trade": "civil", "days": 1, "zone": "R1"},  # on the surface
    ]
    ts = tasks(tmp_path, works)
    assert ts["R1:excavate"].after == {} and ts["A1:excavate"].after == {}
    assert ts["R1:backfill"].after == {"water@R1:lay": 0, "dig:task": 0, "R1:inspect": 0}
    assert ts["A1:backfill"].after == {"water@A1:lay": 0, "E1:relocate": 0, "E1:foundation": 0, "A1:inspect": 0}
    underground = [t for t in ts.values() if t.underground]
    assert sorted(t.id for t in underground) == sorted(
        ["water@R1:lay", "water@A1:lay", "E1:relocate", "E1:foundation", "dig:task", "R1:inspect", "A1:inspect"])
    for t in underground:
        assert t.after.get(f"{t.zone}:excavate") == 0, t.id
        assert ts[f"{t.zone}:backfill"].after.get(t.id) == 0, t.id
    # the hold point comes after every other underground task of its zone
    assert ts["R1:inspect"].after == {"R1:excavate": 0, "water@R1:lay": 0, "dig:task": 0}
    assert ts["A1:inspect"].after == {"A1:excavate": 0, "water@A1:lay": 0, "E1:relocate": 0, "E1:foundation": 0}
    assert ts["dig:task"].after == {"R1:excavate": 0}
    # surface: after the backfill
    assert ts["R1:restore"].after == {"R1:backfill": 0}
    assert ts["A1:restore"].after == {"A1:backfill": 0}
    # a zone task that is not underground is not tied to the opening
    assert ts["kiosk:task"].after == {}


def test_restore_for_dug_zones_without_surface_work(tmp_path):
    water = {**WATER, "runs": {"R1": 130, "A1": 10, "P1": 30, "G1": 25}}
    ts = tasks(tmp_path, [water])
    assert of_kind(ts, "restore") == ["R1:restore", "A1:restore", "P1:restore", "G1:restore"]
    expected = {  # trade, days (= ceil(length / backfill_rate)), noisy (road only)
        "R1": ("paving", 3, True), "A1": ("paving", 1, False), "P1": ("paving", 1, False), "G1": ("greening", 1, False)}
    for z, (trade, days, noisy) in expected.items():
        r = ts[f"{z}:restore"]
        assert (r.trade, r.days, r.noisy, r.zone, r.kind) == (trade, days, noisy, z, "restore"), z
        assert (r.surface, r.underground, r.work) == (True, False, None), z
        assert r.after == {f"{z}:backfill": 0}, z
    assert ts["R1:restore"].name == "北门路路面恢复"
    assert ts["G1:restore"].name == "绿地绿地恢复"
    assert "R2:restore" not in ts


def test_surface_work_replaces_restore_and_has_its_kind(tmp_path):
    water = {**WATER, "runs": {"R1": 130, "A1": 10, "P1": 30, "G1": 25}}
    works = [
        water,
        {"id": "pave", "type": "surface", "trade": "paving", "zones": {"R1": 4}},
        {"id": "green", "type": "surface", "trade": "greening", "zones": {"G1": 2}},
        {"id": "curb", "type": "surface", "trade": "civil", "zones": {"P1": 1, "R2": 2}},
    ]
    ts = tasks(tmp_path, works)
    assert of_kind(ts, "restore") == ["A1:restore"]  # the only dug zone without surface work
    pave, green, curb = ts["pave@R1:paving"], ts["green@G1:greening"], ts["curb@P1:surface"]
    assert (pave.kind, pave.trade, pave.days, pave.noisy, pave.surface) == ("paving", "paving", 4, True, True)
    assert (green.kind, green.trade, green.days, green.noisy, green.surface) == (
        "greening", "greening", 2, False, True)
    assert (curb.kind, curb.trade, curb.days, curb.noisy, curb.surface) == ("surface", "civil", 1, False, True)
    assert pave.after == {"R1:backfill": 0}
    assert green.after == {"G1:backfill": 0}
    assert curb.after == {"P1:backfill": 0}
    assert ts["curb@R2:surface"].after == {}  # R2 is not dug: nothing to wait for
    assert "R2:excavate" not in ts


# ------------------------------------------------------------------------------- pipelines


def test_pipeline_lays_tests_in_the_trench_and_cutover(tmp_path):
    water = {**WATER, "runs": {"R1": 130, "R2": 80, "A1": 10}, "test_days": 2,
             "cutover": {"outage": "water", "serves": ["B1", "B2"], "hours": "10:00-14:00", "days": 2,
                         "notice_days": 3}}
    ts = tasks(tmp_path, [water])
    assert of_kind(ts, "lay") == ["water@R1:lay", "water@R2:lay", "water@A1:lay"]  # listed order
    # ceil(metres / rate), at least one day: 130/40 → 4, 80/40 → 2 exactly, 10/40 → 1
    assert [ts[i].days for i in of_kind(ts, "lay")] == [4, 2, 1]
    for z in ("R1", "R2", "A1"):
        lay = ts[f"water@{z}:lay"]
        assert (lay.trade, lay.zone, lay.work, lay.underground, lay.surface, lay.noisy) == (
            "water", z, "water", True, False, False)
        assert lay.after == {f"{z}:excavate": 0}  # no order between the runs of one pipeline
    # GB 50268: each run is tested in its own open trench, after its lay and before its zone's backfill
    assert of_kind(ts, "test") == ["water@R1:test", "water@R2:test", "water@A1:test"]
    for z in ("R1", "R2", "A1"):
        test = ts[f"water@{z}:test"]
        assert (test.kind, test.trade, test.days, test.zone, test.underground, test.work, test.noisy) == (
            "test", "water", 2, z, True, "water", False)
        assert test.after == {f"water@{z}:lay": 0, f"{z}:excavate": 0}
        assert ts[f"{z}:inspect"].after.get(test.id) == 0
        assert ts[f"{z}:backfill"].after.get(test.id) == 0
    assert ts["water@R1:test"].name == "water·北门路试压闭水试验"
    assert "water:commission" not in ts
    cut = ts["water:cutover"]
    assert (cut.kind, cut.trade, cut.days, cut.zone) == ("cutover", "water", 2, None)
    assert cut.after == {"water@R1:test": 0, "water@R2:test": 0, "water@A1:test": 0}
    assert cut.outage == Outage(type="water", serves=("B1", "B2"), hours="10:00-14:00", notice_days=3)
    assert cut.hours == ("10:00-14:00",)
    assert [t.outage for t in ts.values() if t.id != "water:cutover"] == [None] * (len(ts) - 1)


def test_pipeline_without_test_cuts_over_after_the_lays(tmp_path):
    works = [
        {"id": "gas", "type": "pipeline", "trade": "gas", "runs": {"R1": 60, "R2": 10}, "rate": 30,
         "cutover": {"outage": "gas", "serves": ["B1"]}},
        {"id": "heat", "type": "pipeline", "trade": "heating", "runs": {"R1": 10}, "rate": 30, "test_days": 0,
         "cutover": {"outage": "heating", "serves": ["B2"]}},
        {"id": "tel", "type": "pipeline", "trade": "water", "runs": {"A1": 10}, "rate": 30},
        {"id": "irr", "type": "pipeline", "trade": "water", "runs": {"A1": 5}, "rate": 30, "test_days": 1},
    ]
    ts = tasks(tmp_path, works)
    assert "gas:test" not in ts and "heat:test" not in ts and "tel:test" not in ts
    assert (ts["gas@R1:lay"].days, ts["gas@R2:lay"].days) == (2, 1)
    assert ts["gas:cutover"].after == {"gas@R1:lay": 0, "gas@R2:lay": 0}
    assert ts["gas:cutover"].days == 1
    assert ts["gas:cutover"].outage == Outage("gas", ("B1",), "09:00-15:00", 1)  # the defaults
    assert ts["heat:cutover"].after == {"heat@R1:lay": 0}
    assert [t.id for t in ts.values() if t.work == "tel"] == ["tel@A1:lay"]  # no test, no cutover
    assert [t.id for t in ts.values() if t.work == "irr"] == ["irr@A1:lay", "irr@A1:test"]


def test_downstream_first_chains_the_lays_in_listed_order(tmp_path):
    works = [
        {"id": "sewer", "type": "pipeline", "trade": "sewer", "runs": {"P1": 30, "R2": 40, "R1": 100},
         "rate": 50, "downstream_first": True},
        {"id": "water", "type": "pipeline", "trade": "water", "runs": {"R2": 40, "R1": 100}, "rate": 50},
    ]
    ts = tasks(tmp_path, works)
    assert of_kind(ts, "lay")[:3] == ["sewer@P1:lay", "sewer@R2:lay", "sewer@R1:lay"]
    assert ts["sewer@P1:lay"].after == {"P1:excavate": 0}
    assert ts["sewer@R2:lay"].after == {"R2:excavate": 0, "sewer@P1:lay": 0}
    assert ts["sewer@R1:lay"].after == {"R1:excavate": 0, "sewer@R2:lay": 0}  # a chain, listed (not site) order
    assert ts["water@R1:lay"].after == {"R1:excavate": 0}  # downstream_first: false → any order
    assert ts["water@R2:lay"].after == {"R2:excavate": 0}


def test_deeper_pipes_are_laid_first_in_a_shared_zone(tmp_path):
    works = [
        {"id": "gas", "type": "pipeline", "trade": "gas", "runs": {"R1": 40, "R2": 40}, "rate": 40, "depth_m": 0.8},
        {"id": "water", "type": "pipeline", "trade": "water", "runs": {"R1": 40, "A1": 10}, "rate": 40,
         "depth_m": 1.2},
        {"id": "heat", "type": "pipeline", "trade": "heating", "runs": {"R1": 40}, "rate": 40, "depth_m": 1.2},
        {"id": "sewer", "type": "pipeline", "trade": "sewer", "runs": {"R1": 40}, "rate": 40},  # no depth
    ]
    ts = tasks(tmp_path, works)
    # the shallow gas main waits for both 1.2 m pipes, whatever the listed order
    assert ts["gas@R1:lay"].after == {"R1:excavate": 0, "water@R1:lay": 0, "heat@R1:lay": 0}
    assert ts["water@R1:lay"].after == {"R1:excavate": 0}  # equal depth with heat: no order
    assert ts["heat@R1:lay"].after == {"R1:excavate": 0}
    assert ts["sewer@R1:lay"].after == {"R1:excavate": 0}  # missing depth: no order
    assert ts["gas@R2:lay"].after == {"R2:excavate": 0}  # zones not shared: no order
    assert ts["water@A1:lay"].after == {"A1:excavate": 0}


def test_commission_after_every_test_and_the_cutover_after_it(tmp_path):
    works = [
        {**WATER, "test_days": 1, "commission_days": 3, "cutover": {"outage": "water", "serves": ["B1"]}},
        # no test: the commission follows the lays
        {"id": "gas", "type": "pipeline", "trade": "gas", "runs": {"R2": 40}, "rate": 40, "commission_days": 2,
         "cutover": {"outage": "gas", "serves": ["B2"]}},
        # no cutover: the commission is its last step
        {"id": "heat", "type": "pipeline", "trade": "heating", "runs": {"P1": 30}, "rate": 30, "test_days": 2,
         "commission_days": 1},
    ]
    ts = tasks(tmp_path, works)
    c = ts["water:commission"]
    assert (c.kind, c.trade, c.days, c.zone, c.underground, c.noisy, c.work) == (
        "commission", "water", 3, None, False, False, "water")
    assert c.after == {"water@R1:test": 0, "water@A1:test": 0}
    assert ts["water:cutover"].after == {"water:commission": 0}
    assert ts["gas:commission"].after == {"gas@R2:lay": 0}
    assert ts["gas:cutover"].after == {"gas:commission": 0}
    assert ts["heat:commission"].after == {"heat@P1:test": 0}
    assert [t.id for t in ts.values() if t.work == "heat"] == ["heat@P1:lay", "heat@P1:test", "heat:commission"]
    # zone-less: not part of any opening
    assert all("water:commission" not in ts[f"{z}:backfill"].after for z in ("R1", "A1"))


def test_inspection_hold_point_in_every_opened_zone(tmp_path):
    works = [{**WATER, "test_days": 1}, {"id": "E1", "type": "elevator", "building": "B1", "zone": "A1"}]
    ts = tasks(tmp_path, works)  # no supervision trade: nobody's crew, on the project calendar
    assert of_kind(ts, "inspect") == ["R1:inspect", "A1:inspect"]
    i = ts["R1:inspect"]
    assert (i.trade, i.days, i.zone, i.underground, i.noisy, i.surface, i.work, i.calendar) == (
        None, 1, "R1", True, False, False, None, "project")
    assert i.name == "北门路隐蔽工程验收"
    assert i.after == {"R1:excavate": 0, "water@R1:lay": 0, "water@R1:test": 0}
    assert ts["R1:backfill"].after["R1:inspect"] == 0
    # the elevator's underground steps are inspected before the pit is filled; curing and later are not
    assert ts["A1:inspect"].after == {"A1:excavate": 0, "water@A1:lay": 0, "water@A1:test": 0,
                                      "E1:relocate": 0, "E1:foundation": 0}


def test_inspection_by_the_supervision_trade_and_its_days(tmp_path):
    def change(data):
        data["trades"]["supervision"] = {"crews": 1, "workweek": SEVEN}
        data["site"]["inspection_days"] = 2
    ts = tasks(tmp_path, [WATER], change)
    i = ts["A1:inspect"]
    assert (i.trade, i.days, i.calendar) == ("supervision", 2, "trade:supervision")


def test_no_inspection_when_its_days_are_zero(tmp_path):
    def change(data):
        data["site"]["inspection_days"] = 0
    ts = tasks(tmp_path, [WATER], change)
    assert of_kind(ts, "inspect") == []
    assert ts["R1:backfill"].after == {"water@R1:lay": 0}


def test_depth_order_covers_elevator_foundations(tmp_path):
    works = [
        # 2.5 m sewer is deeper than the 2 m pit, 1.2 m water shallower; the deep one comes first
        {"id": "sewer", "type": "pipeline", "trade": "sewer", "runs": {"A1": 10}, "rate": 40, "depth_m": 2.5},
        {**WATER, "depth_m": 1.2},
        {"id": "E1", "type": "elevator", "building": "B1", "zone": "A1"},
        {"id": "E2", "type": "elevator", "building": "B2", "zone": "R1", "depth_m": 1.0},
    ]
    ts = tasks(tmp_path, works)
    assert ts["E1:foundation"].after == {"E1:relocate": 0, "A1:excavate": 0, "sewer@A1:lay": 0}
    assert ts["water@A1:lay"].after == {"A1:excavate": 0, "sewer@A1:lay": 0, "E1:foundation": 0}
    # a 1 m pit is shallower than the 1.2 m water main: the pipe goes in first
    assert ts["E2:foundation"].after == {"E2:relocate": 0, "R1:excavate": 0, "water@R1:lay": 0}
    assert ts["water@R1:lay"].after == {"R1:excavate": 0}


def test_zone_depth_is_its_deepest_depth_carrying_task(tmp_path):
    from scheduler.planning.expand import zone_depths
    works = [
        {"id": "sewer", "type": "pipeline", "trade": "sewer", "runs": {"R1": 40}, "rate": 40},  # no depth
        {**WATER, "depth_m": 1.2},
        {"id": "E1", "type": "elevator", "building": "B1", "zone": "A1", "depth_m": 3.0},
        {"id": "dig", "type": "task", "trade": "civil", "days": 1, "zone": "P1", "underground": True},
    ]
    assert zone_depths(list(tasks(tmp_path, works).values())) == {"R1": 1.2, "A1": 3.0}  # P1: no depth known


def test_relocation_by_the_gas_company_and_a_fire_plan(tmp_path):
    works = [{**ELEVATOR, "relocate_trade": "gas", "fire_plan": True, "depth_m": 2.4}]
    ts = tasks(tmp_path, works)
    assert (ts["E1:relocate"].trade, ts["E1:relocate"].underground) == ("gas", True)
    assert ts["E1:lift"].fire_plan is True
    assert ts["E1:foundation"].depth == 2.4


def test_relocate_trade_must_be_a_trade(tmp_path):
    with pytest.raises(InputError) as e:
        load(tmp_path, [{**ELEVATOR, "relocate_trade": "gass"}])
    assert "unknown trade 'gass'" in str(e.value) and "did you mean 'gas'?" in str(e.value)


def test_open_season_needs_open_for_a_depth_and_accepts_open(tmp_path):
    def season(**extra):
        def change(data):
            data["calendar"]["seasons"] = [{"name": "汛期", "from": "2027-07-15", "to": "2027-08-15", **extra}]
        return change
    project = load(tmp_path, [WATER], season(forbid=["open"], min_depth_m=1.5))
    s = project.calendar.seasons[0]
    assert (s.forbids_open(2.0), s.forbids_open(1.5), s.forbids_open(1.2), s.forbids_open(None)) == (
        True, True, False, False)
    everything = load(tmp_path, [WATER], season(forbid=["open"])).calendar.seasons[0]
    assert everything.forbids_open(None) and everything.forbids_open(0.3)
    with pytest.raises(InputError) as e:
        load(tmp_path, [WATER], season(forbid=["excavate"], min_depth_m=1.5))
    assert "has no 'open'" in str(e.value) and "add open to forbid" in str(e.value)


# ------------------------------------------------------------------------------- elevators


ELEVATOR = {"id": "E1", "type": "elevator", "building": "B1", "entrance": "B1-1", "zone": "A1", "crane_zones": ["R1"]}
STEPS = ["relocate", "foundation", "curing", "lift", "shaft", "install", "acceptance"]


def test_elevator_chain(tmp_path):
    works = [ELEVATOR, {"id": "pave", "type": "surface", "trade": "paving", "zones": {"R1": 3}}]
    ts = tasks(tmp_path, works)
    ids = [f"E1:{s}" for s in STEPS]
    assert [t.id for t in ts.values() if t.work == "E1"] == ids
    e = [ts[i] for i in ids]
    assert [t.kind for t in e] == STEPS
    assert [t.days for t in e] == [3, 5, 7, 2, 8, 15, 5]
    assert [t.trade for t in e] == ["civil", "civil", None, "elevator", "elevator", "elevator", "elevator"]
    assert [t.underground for t in e] == [True, True, False, False, False, False, False]
    assert [t.noisy for t in e] == [False, True, False, True, True, False, False]
    assert [t.calendar for t in e] == ["project", "project", "days", "project", "project", "project", "project"]
    assert {(t.zone, t.building) for t in e} == {("A1", "B1")}
    # only the lift holds the crane and occupies the crane zones; the shaft work after it needs neither
    assert [t.equipment for t in e] == [{}, {}, {}, {"crane": 1}, {}, {}, {}]
    assert [t.crane_zones for t in e] == [(), (), (), ("R1",), (), (), ()]
    assert [t.fire_plan for t in e] == [False] * 7
    assert [t.depth for t in e] == [None, 2.0, None, None, None, None, None]  # the foundation pit, default 2 m
    assert ts["E1:relocate"].after == {"A1:excavate": 0}
    assert ts["E1:foundation"].after == {"E1:relocate": 0, "A1:excavate": 0}
    for prev, step in zip(STEPS[1:], STEPS[2:]):
        assert ts[f"E1:{step}"].after == {f"E1:{prev}": 0}, step
    # its zone is dug: excavate/backfill/restore exist, the backfill waits for the underground steps only
    assert ts["A1:backfill"].after == {"E1:relocate": 0, "E1:foundation": 0, "A1:inspect": 0}
    assert ts["A1:restore"].after == {"A1:backfill": 0}
    # the crane stands on R1: R1's surface work waits for the lift
    assert ts["pave@R1:paving"].after == {"E1:lift": 0}
    assert "R1:excavate" not in ts


def test_elevator_days_override_and_trade_calendar(tmp_path):
    def change(data):
        data["trades"]["elevator"] = {"crews": 1, "workweek": SEVEN}
    works = [{**ELEVATOR, "days": {"shaft": 12, "curing": 10, "lift": 1}}, WATER]
    ts = tasks(tmp_path, works, change)
    e = [ts[f"E1:{s}"] for s in STEPS]
    assert [t.days for t in e] == [3, 5, 10, 1, 12, 15, 5]
    assert [t.calendar for t in e] == ["project", "project", "days"] + ["trade:elevator"] * 4
    # the crane zone R1 is also dug: its restore waits for the backfill and for the lift
    assert ts["R1:restore"].after == {"R1:backfill": 0, "E1:lift": 0}


def test_elevator_without_crane_machine(tmp_path):
    def change(data):
        data["equipment"] = {"excavator": 1}
    ts = tasks(tmp_path, [ELEVATOR], change)
    assert ts["E1:lift"].equipment == {}
    assert ts["E1:lift"].crane_zones == ("R1",)


# ------------------------------------------------------------------------------- after


AFTER_WORKS = """\
  - {id: water, type: pipeline, trade: water, runs: {R1: 130, A1: 10}, rate: 40, test_days: 1,
     cutover: {outage: water, serves: [B1]}}
  - {id: facade, type: building, trade: civil, building: B1, days: 5, after: [water]}
  - {id: shed, type: task, trade: civil, days: 2, zone: R2, after: ["R1:excavate"]}
  - {id: roof, type: building, trade: civil, building: B2, days: 3, after: [{id: water, lag: 2}]}
  - {id: fence, type: building, trade: civil, building: B2, days: 1, after: [water+2, "shed:task"]}
  - {id: pave, type: surface, trade: paving, zones: {R1: 3, R2: 2}, after: [{id: facade, lag: 1}]}
  - {id: curb, type: surface, trade: civil, zones: {A1: 1}, after: [{id: "A1:backfill", lag: 3}]}
"""
WATER_TASKS = ["water@R1:lay", "water@A1:lay", "water@R1:test", "water@A1:test", "water:cutover"]


def test_after_a_work_means_after_all_its_tasks(tmp_path):
    ts = tasks(tmp_path, AFTER_WORKS)
    assert ts["facade:building"].after == {t: 0 for t in WATER_TASKS}
    # every task of the successor work gets the predecessor
    assert ts["pave@R1:paving"].after == {"R1:backfill": 0, "facade:building": 1}
    assert ts["pave@R2:paving"].after == {"facade:building": 1}


def test_after_a_task_id(tmp_path):
    ts = tasks(tmp_path, AFTER_WORKS)
    assert ts["shed:task"].after == {"R1:excavate": 0}


def test_after_with_lag_in_both_forms(tmp_path):
    ts = tasks(tmp_path, AFTER_WORKS)
    assert ts["roof:building"].after == {t: 2 for t in WATER_TASKS}  # {id: water, lag: 2}
    assert ts["fence:building"].after == {**{t: 2 for t in WATER_TASKS}, "shed:task": 0}  # "water+2"
    # the same predecessor from expansion (lag 0) and from `after` (lag 3): the larger lag holds
    assert ts["curb@A1:surface"].after == {"A1:backfill": 3}


def test_work_release_and_deadline_are_carried_by_its_tasks(tmp_path):
    water = {**WATER, "earliest": "2027-03-15", "deadline": "2027-06-30", "test_days": 1}
    ts = tasks(tmp_path, [water])
    for tid in ("water@R1:lay", "water@A1:lay", "water@R1:test", "water@A1:test"):
        assert (str(ts[tid].earliest), str(ts[tid].deadline)) == ("2027-03-15", "2027-06-30"), tid
    assert (ts["R1:excavate"].earliest, ts["R1:excavate"].deadline) == (None, None)


# ------------------------------------------------------------------------------- noise and hours


NOISE_WORKS = [
    {**WATER, "test_days": 1, "cutover": {"outage": "water", "serves": ["B1"]}},
    {"id": "E1", "type": "elevator", "building": "B1", "zone": "A1"},
    {"id": "pave", "type": "surface", "trade": "paving", "zones": {"R2": 2}},
    {"id": "green", "type": "surface", "trade": "greening", "zones": {"G1": 1}},
    {"id": "curb", "type": "surface", "trade": "civil", "zones": {"P1": 1}},
    {"id": "facade", "type": "building", "trade": "civil", "building": "B1", "days": 5},
    {"id": "shed", "type": "task", "trade": "civil", "days": 1, "zone": "R2"},
]
NOISY_HOURS = ("08:00-12:00", "14:00-18:00")
WORK_HOURS = ("07:30-11:30", "13:30-17:30")


def test_default_noise_by_kind(tmp_path):
    ts = tasks(tmp_path, NOISE_WORKS)
    noisy = {t.id for t in ts.values() if t.noisy}
    assert noisy == {"R1:excavate", "R1:backfill", "A1:excavate", "A1:backfill", "E1:foundation", "E1:lift",
                     "E1:shaft", "pave@R2:paving", "R1:restore"}  # A1:restore (apron) is quiet, so are lay/test,
    # inspect, cutover…
    for t in ts.values():
        if t.kind == "cutover":
            assert t.hours == ("09:00-15:00",)
        else:
            assert t.hours == (NOISY_HOURS if t.noisy else WORK_HOURS), t.id


def test_noisy_on_a_work_overrides_all_its_tasks(tmp_path):
    works = copy.deepcopy(NOISE_WORKS)
    for w in works:
        if w["id"] in ("water", "facade"):
            w["noisy"] = True
        if w["id"] in ("E1", "pave"):
            w["noisy"] = False
    ts = tasks(tmp_path, works)
    assert [ts[t].noisy for t in WATER_TASKS] == [True] * 5
    assert [ts[f"E1:{s}"].noisy for s in STEPS] == [False] * 7
    assert ts["pave@R2:paving"].noisy is False
    assert ts["facade:building"].noisy is True
    # the implicit tasks of the zones keep their defaults
    assert (ts["R1:excavate"].noisy, ts["A1:excavate"].noisy, ts["R1:restore"].noisy, ts["A1:restore"].noisy) == (
        True, True, True, False)
    assert ts["water@R1:lay"].hours == NOISY_HOURS
    assert ts["E1:shaft"].hours == WORK_HOURS
    assert ts["water:cutover"].hours == ("09:00-15:00",)  # the outage's hours


# ------------------------------------------------------------------------------- disturbs


def test_disturbs_near_zones_entrance_zones_and_the_building(tmp_path):
    works = [{"id": f"t-{z}", "type": "task", "trade": "civil", "days": 1, "zone": z}
             for z in ("R1", "R2", "A1", "P1", "G1")]
    works += [
        {"id": "roof-B2", "type": "building", "trade": "civil", "building": "B2", "days": 1},
        {"id": "lift", "type": "task", "trade": "civil", "days": 1, "zone": "R1", "building": "B2"},
        {"id": "noz", "type": "task", "trade": "civil", "days": 1},
        {**WATER, "test_days": 1},
    ]
    ts = tasks(tmp_path, works)
    assert ts["t-R1:task"].disturbs == ("B1",)  # near B1
    assert ts["t-R2:task"].disturbs == ("B2",)  # near B2
    assert ts["t-A1:task"].disturbs == ("B1", "B2")  # B1's entrance zone, near B2; site order
    assert ts["t-P1:task"].disturbs == ("B2",)  # B2's entrance zone (not in its near list)
    assert ts["t-G1:task"].disturbs == ()
    assert ts["roof-B2:building"].disturbs == ("B2",)  # at the building
    assert ts["lift:task"].disturbs == ("B1", "B2")
    assert ts["noz:task"].disturbs == ()
    assert ts["R1:excavate"].disturbs == ("B1",)
    assert ts["water@A1:lay"].disturbs == ("B1", "B2")
    assert ts["water@A1:test"].disturbs == ("B1", "B2")  # tested in the trench at B1's door


# ------------------------------------------------------------------------------- ids, determinism


ALL_WORKS = [
    {"id": "water", "type": "pipeline", "trade": "water", "runs": {"R1": 130, "A1": 10}, "rate": 40,
     "depth_m": 1.2, "test_days": 2, "cutover": {"outage": "water", "serves": ["B1", "B2"]}},
    {"id": "gas", "type": "pipeline", "trade": "gas", "runs": {"R1": 60}, "rate": 30, "depth_m": 0.8,
     "cutover": {"outage": "gas", "serves": ["B1"]}},
    {"id": "E1", "type": "elevator", "building": "B1", "entrance": "B1-1", "zone": "A1", "crane_zones": ["R2"]},
    {"id": "green", "type": "surface", "trade": "greening", "zones": {"G1": 2}},
    {"id": "facade", "type": "building", "trade": "civil", "building": "B1", "days": 20, "noisy": True,
     "after": ["water"]},
    {"id": "shed", "type": "task", "trade": "civil", "days": 3, "zone": "P1", "underground": True},
]


def test_stable_readable_ids(tmp_path):
    ids = [t.id for t in expand(load(tmp_path, ALL_WORKS))]
    assert ids == [
        "R1:excavate", "R1:backfill", "A1:excavate", "A1:backfill", "P1:excavate", "P1:backfill",
        "water@R1:lay", "water@A1:lay", "water@R1:test", "water@A1:test", "water:cutover",
        "gas@R1:lay", "gas:cutover",
        "E1:relocate", "E1:foundation", "E1:curing", "E1:lift", "E1:shaft", "E1:install", "E1:acceptance",
        "green@G1:greening",
        "facade:building",
        "shed:task",
        "R1:inspect", "A1:inspect", "P1:inspect",
        "R1:restore", "A1:restore", "P1:restore",
    ]
    pattern = re.compile(r"^[^@:]+(@[^@:]+)?:[a-z]+$")  # <work>@<zone>:<step> | <work or zone>:<step>
    assert all(pattern.match(i) for i in ids)


def test_same_input_same_tasks(tmp_path):
    a = tmp_path / "a"
    b = tmp_path / "b"
    a.mkdir()
    b.mkdir()
    project = load(a, ALL_WORKS)
    first = [dataclasses.asdict(t) for t in expand(project)]
    again = [dataclasses.asdict(t) for t in expand(project)]
    other = [dataclasses.asdict(t) for t in expand(load(b, ALL_WORKS))]
    assert first == again == other
    # …including the order of each task's predecessors
    assert [list(t["after"]) for t in first] == [list(t["after"]) for t in other]
    assert len({t["id"] for t in first}) == len(first)


# ------------------------------------------------------------------------------- errors


def test_unknown_after_id_is_an_input_error_with_did_you_mean(tmp_path):
    works = """\
  - {id: water, type: pipeline, trade: water, runs: {R1: 130}, rate: 40}
  - id: facade
    type: building
    trade: civil
    building: B1
    days: 5
    after: [watr, "R9:excavate"]
"""
    write(tmp_path, works)
    with pytest.raises(InputError) as exc:  # found by expand (or earlier, if validation learns task ids)
        expand(load_project(tmp_path)[0])
    problems = exc.value.problems
    assert [p.path for p in problems] == ["works[1].after[0]", "works[1].after[1]"]
    assert problems[0].message == "unknown work or task 'watr'"
    assert "did you mean 'water'" in problems[0].fix
    assert problems[1].message == "unknown work or task 'R9:excavate'"
    assert "'R1:excavate'" in problems[1].fix
    line = next(n for n, text in enumerate((tmp_path / "project.yaml").read_text().splitlines(), 1)
                if "after: [watr" in text)
    assert problems[0].place.line == line
    assert "project.yaml" in str(problems[0])


def _cycle(message: str) -> list[str]:
    cycle = message.split("cycle: ", 1)[1].split(" → ")
    assert cycle[0] == cycle[-1], message
    return cycle


def test_cycle_in_after_is_reported_with_the_cycle(tmp_path):
    works = [
        {"id": "a", "type": "building", "trade": "civil", "building": "B1", "days": 1, "after": ["c"]},
        {"id": "b", "type": "building", "trade": "civil", "building": "B1", "days": 1, "after": ["a"]},
        {"id": "c", "type": "building", "trade": "civil", "building": "B1", "days": 1, "after": ["b"]},
        {"id": "d", "type": "building", "trade": "civil", "building": "B1", "days": 1, "after": ["a"]},
    ]
    with pytest.raises(InputError) as exc:
        expand(load(tmp_path, works))
    [problem] = exc.value.problems
    assert problem.path.startswith("works[")
    cycle = _cycle(problem.message)
    # printed in the order things must happen: each task comes after the one before it
    assert len(cycle) == 4
    assert set(zip(cycle, cycle[1:])) == {("a:building", "b:building"), ("b:building", "c:building"),
                                          ("c:building", "a:building")}
    assert "d:building" not in cycle  # only the cycle, not what hangs off it


def test_cycle_through_the_dig_once_order(tmp_path):
    water = {**WATER, "runs": {"R1": 130}, "after": ["R1:backfill"]}  # lay after the backfill: impossible
    with pytest.raises(InputError) as exc:
        expand(load(tmp_path, [water]))
    [problem] = exc.value.problems
    assert problem.path == "works[0].after"
    assert set(zip(_cycle(problem.message), _cycle(problem.message)[1:])) == {
        ("R1:backfill", "water@R1:lay"), ("water@R1:lay", "R1:backfill")}


@pytest.mark.parametrize("dep", ["facade", "facade:building"])
def test_a_work_after_itself_is_an_input_error(tmp_path, dep):
    works = [{"id": "facade", "type": "building", "trade": "civil", "building": "B1", "days": 5, "after": [dep]}]
    with pytest.raises(InputError) as exc:
        expand(load(tmp_path, works))
    [problem] = exc.value.problems
    assert problem.path == "works[0].after[0]"
    assert "itself" in problem.message


def test_expand_without_source_map_still_raises_input_error(tmp_path):
    """A Project built in code (no source map) gets located problems too, not an AttributeError."""
    from models.project import Project

    data = copy.deepcopy(BASE)
    data["works"] = [{"id": "facade", "type": "building", "trade": "civil", "building": "B1", "days": 5,
                      "after": ["nope"]}]
    with pytest.raises(InputError) as exc:
        expand(Project.model_validate(data))
    assert exc.value.problems[0].path == "works[0].after[0]"


def test_building_and_task_works_by_hand(tmp_path):
    """SPEC §4 ids and kinds: a `building` work gives `<id>:building` (kind building), a `task` work
    `<id>:task` (kind task), both of the work's trade, named by the work's name or else its id; a task work's
    machines are one unit each; a predecessor named twice keeps its larger lag."""
    works = [
        {"id": "facade", "type": "building", "trade": "civil", "building": "B1", "days": 4, "name": "外墙保温"},
        {"id": "roof", "type": "building", "trade": "civil", "building": "B2", "days": 2},
        {"id": "shed", "type": "task", "trade": "civil", "days": 3, "zone": "R2", "equipment": ["excavator"],
         "after": [{"id": "roof", "lag": 3}, "roof:building"]},
        {"id": "sign", "type": "task", "trade": "paving", "days": 1, "name": "标牌", "after": ["roof:building", "roof+2"]},
    ]
    ts = tasks(tmp_path, works)
    got = {tid: (t.kind, t.trade, t.name, t.days, t.building, t.zone, t.equipment) for tid, t in ts.items()}
    assert got == {
        "facade:building": ("building", "civil", "外墙保温", 4, "B1", None, {}),
        "roof:building": ("building", "civil", "roof", 2, "B2", None, {}),
        "shed:task": ("task", "civil", "shed", 3, None, "R2", {"excavator": 1}),
        "sign:task": ("task", "paving", "标牌", 1, None, None, {}),
    }
    assert ts["shed:task"].after == {"roof:building": 3} and ts["sign:task"].after == {"roof:building": 2}


def test_generated_task_names(tmp_path):
    """The names people read in feeds, notices and the ledger: zone name + step for digging, work name (or id)
    + zone + step for a pipeline's lays and tests, work name + step for its cutover, elevator name + step,
    surface work name + zone; without a work name its id stands in (catalogue: text/zh-CN/common.yaml kind)."""
    works = [
        {**WATER, "name": "给水", "test_days": 1, "cutover": {"outage": "water", "serves": ["B1"]}},
        {"id": "gas", "type": "pipeline", "trade": "gas", "runs": {"R2": 120}, "rate": 40},
        {"id": "E1", "type": "elevator", "building": "B1", "entrance": "B1-1", "zone": "A1"},
        {"id": "pave", "type": "surface", "trade": "paving", "zones": {"A1": 1}},
        {"id": "green", "type": "surface", "trade": "greening", "name": "补绿", "zones": {"R2": 1}},
    ]
    ts = tasks(tmp_path, works)
    names = {tid: ts[tid].name for tid in ("R1:excavate", "R1:backfill", "water@R1:lay", "water@R1:test",
                                          "water:cutover", "gas@R2:lay", "E1:foundation", "E1:lift", "E1:shaft",
                                          "R1:inspect", "pave@A1:paving", "green@R2:greening", "R1:restore")}
    assert names == {
        "R1:excavate": "北门路开挖", "R1:backfill": "北门路回填", "water@R1:lay": "给水·北门路敷设",
        "water@R1:test": "给水·北门路试压闭水试验", "water:cutover": "给水切改接驳", "gas@R2:lay": "gas·东路敷设",
        "E1:foundation": "E1基础施工", "E1:lift": "E1井道吊装", "E1:shaft": "E1井道施工",
        "R1:inspect": "北门路隐蔽工程验收", "pave@A1:paving": "pave·入户前区",
        "green@R2:greening": "补绿·东路", "R1:restore": "北门路路面恢复",
    }

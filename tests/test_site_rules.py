"""Site rules v2 in the solver (SPEC §4 expansion, §5 R5/R6/R8/R10, §6): pipes tested in the open trench,
inspection hold points, seasons that forbid open trenches, lifts that occupy their crane zones.

Each test builds a small project where the rule binds, solves it (1 worker, seed 0, deterministic budget:
see test_solve.py) and asserts dates worked out by hand; `solve_ok` also runs the referee on every
schedule. Calendar: 2027-03-01 is a Monday, the workweek Mon–Sat, 2027-03-07/14/21 are Sundays. Unless
a test says otherwise a 40 m zone is excavated in 1 day and backfilled in 1 day (civil 40 m/day both), and
its implicit restore takes 1 day.
"""

from __future__ import annotations

from datetime import date

from models.schedule import Occupation
from test_solve import B1, ROAD, D, SEVEN_DAYS, days_between, disjoint, pipeline, proj, solve_infeasible, \
    solve_ok, spec_objectives, write

APRON = {"id": "A1", "kind": "apron", "length_m": 10, "links": ["G"], "passable_when_open": "people"}


def elevator(**kw) -> dict:
    """E1 at B1's apron A1: relocate 1, foundation 1, curing 2 calendar days, lift 1, shaft 1, install 2,
    acceptance 1 (the elevator crew works Sundays)."""
    return {"id": "E1", "type": "elevator", "building": "B1", "zone": "A1",
            "days": {"relocate": 1, "foundation": 1, "curing": 2, "lift": 1, "shaft": 1, "install": 2,
                     "acceptance": 1}, **kw}


# ------------------------------------------------------------------------------------------ tests in the trench

def test_each_run_is_tested_before_its_trench_is_backfilled(tmp_path):
    """R1: excavate 03-01, lay 03-02, test 03-03..04, backfill 03-05, restore 03-06; without the test the
    trench closes on 03-03."""
    s = solve_ok(write(tmp_path, proj([pipeline("w", {"R1": 40}, test_days=2)], zones=[ROAD("R1")])))
    assert s.t("w@R1:test").days == [D("2027-03-03"), D("2027-03-04")]
    assert s.t("R1:backfill").start == D("2027-03-05")
    assert (s.opening("R1").from_, s.opening("R1").to) == (D("2027-03-01"), D("2027-03-05"))
    untested = solve_ok(write(tmp_path, proj([pipeline("w", {"R1": 40})], zones=[ROAD("R1")]), "untested"))
    assert untested.opening("R1").to == D("2027-03-03")


def test_commission_and_cutover_follow_the_tests(tmp_path):
    """Tests of R1 and R2 on 03-03 (two water crews), commission 03-04..05, cutover 03-06."""
    works = [pipeline("w", {"R1": 40, "R2": 40}, test_days=1, commission_days=2,
                      cutover={"outage": "water", "serves": ["B1"], "notice_days": 0})]
    s = solve_ok(write(tmp_path, proj(works, zones=[ROAD("R1"), ROAD("R2")])))
    assert s.t("w@R1:test").start == s.t("w@R2:test").start == D("2027-03-03")
    assert s.t("w:commission").days == [D("2027-03-04"), D("2027-03-05")]
    assert s.t("w:cutover").start == D("2027-03-06")


# ------------------------------------------------------------------------------------------ hold points

def inspection_project(supervision: bool) -> dict:
    trades = {"supervision": {"crews": 1}} if supervision else {}
    return proj([pipeline("w", {"R1": 40, "R2": 40})], zones=[ROAD("R1"), ROAD("R2")], trades=trades,
                inspection_days=1)


def test_inspection_holds_the_backfill_and_one_supervisor_inspects_one_zone_a_day(tmp_path):
    """Both trenches: excavate 03-01, lay 03-02. Without a supervision trade nobody's crew inspects, both on
    03-03, backfills 03-04, restores 03-05. One supervisor: the second inspection waits a day (finish 03-06)."""
    free = solve_ok(write(tmp_path, inspection_project(False), "free"))
    assert free.t("R1:inspect").start == free.t("R2:inspect").start == D("2027-03-03")
    assert free.t("R1:inspect").trade is None
    assert free.finish == D("2027-03-05")
    s = solve_ok(write(tmp_path, inspection_project(True)))
    inspections = [s.t(f"{z}:inspect") for z in ("R1", "R2")]
    assert sorted(t.start for t in inspections) == [D("2027-03-03"), D("2027-03-04")]
    for t in inspections:
        assert s.t(f"{t.zone}:backfill").start > t.finish > s.t(f"w@{t.zone}:lay").finish
        assert set(t.days) <= s.open_days(t.zone)
    assert s.finish == D("2027-03-06")


# ------------------------------------------------------------------------------------------ R8 open seasons

def flood_project(depth: float | None = 2.0, min_depth: float | None = None, deadline: str | None = None) -> dict:
    season = {"name": "汛期", "from": "2027-03-03", "to": "2027-03-20", "forbid": ["open"]}
    if min_depth is not None:
        season["min_depth_m"] = min_depth
    work = pipeline("w", {"R1": 40}, **({"depth_m": depth} if depth is not None else {}))
    return proj([work], zones=[ROAD("R1")], calendar={"seasons": [season]}, deadline=deadline)


def test_no_trench_open_on_any_day_of_a_flood_season(tmp_path):
    """Excavate, lay, backfill need three working days; only 03-01..02 come before the season, so the trench
    opens on Monday 03-22 (Sunday 03-21 is no working day): 03-22..24, restore 03-25."""
    s = solve_ok(write(tmp_path, flood_project()))
    assert (s.opening("R1").from_, s.opening("R1").to) == (D("2027-03-22"), D("2027-03-24"))
    assert disjoint(s.open_days("R1"), set(days_between(D("2027-03-03"), D("2027-03-20"))))
    assert s.finish == D("2027-03-25")
    deep = solve_ok(write(tmp_path, flood_project(min_depth=1.5), "deep"))  # 2.0 m ≥ 1.5 m: covered
    assert deep.opening("R1").from_ == D("2027-03-22")


def test_min_depth_spares_shallow_trenches_and_those_of_unknown_depth(tmp_path):
    for name, data in (("shallow", flood_project(depth=1.2, min_depth=1.5)),
                       ("unknown", flood_project(depth=None, min_depth=1.5))):
        s = solve_ok(write(tmp_path, data, name))
        assert (s.opening("R1").from_, s.opening("R1").to) == (D("2027-03-01"), D("2027-03-03")), name


def test_flood_season_against_a_deadline_is_a_named_conflict(tmp_path):
    conflict = solve_infeasible(write(tmp_path, flood_project(deadline="2027-03-15")))
    assert "R8 open 汛期" in conflict and "deadline" in conflict


# ------------------------------------------------------------------------------------------ lifts

def crane_fire_project(fire_plan: bool, second_route: bool = False) -> dict:
    """B1's fire zone F is reached from the gate road G over R1 (and R2 when `second_route`); the crane of
    E1's lift stands on R1. With a second route, a water main is dug along R2 at 5 m/day: R2 is open 03-01..11
    (excavate 03-01, lay 03-02..10 without Sunday 03-07, backfill 03-11) and restored 03-12."""
    zones = [APRON, {"id": "F", "kind": "road"}, ROAD("R1", links=["G", "F"])]
    works = [elevator(crane_zones=["R1"], fire_plan=fire_plan)]
    if second_route:
        zones.append(ROAD("R2", links=["G", "F"]))
        works.append(pipeline("w", {"R2": 40}, rate=5))
    b1 = {**B1, "fire_zones": ["F"], "entrances": [{"id": "B1-1", "zone": "A1"}]}
    return proj(works, zones=zones, buildings=[b1], trades={"elevator": SEVEN_DAYS}, equipment={"crane": 1})


def test_a_crane_on_the_only_fire_route_needs_a_fire_plan(tmp_path):
    assert solve_infeasible(write(tmp_path, crane_fire_project(False))) == ["R6 fire B1"]
    s = solve_ok(write(tmp_path, crane_fire_project(True), "plan"))
    lift = s.t("E1:lift")
    assert s.sched.occupations == [Occupation(zone="R1", from_=lift.start, to=lift.finish, task="E1:lift",
                                              fire_plan=True)]


def test_a_crane_and_an_open_trench_never_close_both_fire_routes(tmp_path):
    """Without a fire plan the lift waits until R2 is backfilled: lift 03-12, shaft 03-13, install 03-14..15,
    acceptance 03-16. With one it may stand on R1 while R2 is open, and the compound finishes with R2's
    restore on 03-12 (the lift then falls inside R2's opening, 03-06..08)."""
    s = solve_ok(write(tmp_path, crane_fire_project(False, second_route=True)))
    assert s.t("E1:lift").start == D("2027-03-12")
    assert s.finish == D("2027-03-16")
    occupied = set(days_between(s.sched.occupations[0].from_, s.sched.occupations[0].to))
    assert disjoint(occupied, s.open_days("R2"))
    planned = solve_ok(write(tmp_path, crane_fire_project(True, second_route=True), "plan"))
    assert planned.finish == D("2027-03-12")
    assert planned.days("E1:lift") <= planned.open_days("R2")


def test_a_crane_at_the_door_leaves_the_way_out_and_counts_as_disruption(tmp_path):
    """The crane stands on A0, B1's only entrance zone, on the lift day: people are escorted past the
    cordon (no access conflict, unlike an open unplated zone), and the day counts in B1's disruption."""
    zones = [APRON]
    works = [elevator(crane_zones=["A0"])]
    s = solve_ok(write(tmp_path, proj(works, zones=zones, trades={"elevator": SEVEN_DAYS}, equipment={"crane": 1})))
    lift = s.t("E1:lift")
    entrance = [d for d in s.sched.disruptions if d.kind == "entrance"]
    assert [(d.building, d.date, d.zone, d.task) for d in entrance] == [("B1", lift.start, "A0", "E1:lift")]
    ours = spec_objectives_with_occupations(s.project, s.sched)
    assert s.sched.solver.objective["disruption"] == ours


def spec_objectives_with_occupations(project, sched) -> int:
    """SPEC §6 disruption from the dated schedule and the input alone: households × (noise day + entrance
    zone open *or occupied* day + outage day), sensitive buildings twice."""
    opened = {o.zone: set(days_between(o.from_, o.to)) for o in sched.openings}
    total = 0
    for b in project.site.buildings:
        doors = {e.zone for e in b.entrances}
        hears = set(b.near) | doors
        noise = {d for t in sched.tasks if t.noisy and (t.zone in hears or t.building == b.id) for d in t.days}
        blocked: set[date] = set()
        for z in doors & set(opened):
            blocked |= opened[z]
        for o in sched.occupations:
            if o.zone in doors:
                blocked |= set(days_between(o.from_, o.to))
        outages = sum(len(t.days) for t in sched.tasks if t.outage is not None and b.id in t.outage.serves)
        total += b.households * (2 if b.sensitive else 1) * (len(noise) + len(blocked) + outages)
    return total


def test_disruption_without_cranes_is_unchanged(tmp_path):
    """The occupation-aware recomputation agrees with test_solve's for a project without lifts."""
    s = solve_ok(write(tmp_path, proj([pipeline("w", {"A1": 10})], zones=[APRON])))
    assert spec_objectives_with_occupations(s.project, s.sched) == spec_objectives(s.project, s.sched)["disruption"]


# ------------------------------------------------------------------------------------------ depth order

def test_the_elevator_pit_is_dug_deeper_first_with_the_pipes(tmp_path):
    """In A1: a 2.5 m sewer, then the 2 m foundation, then the 1.2 m water main."""
    works = [elevator(), pipeline("sewer", {"A1": 10}, trade="sewer", depth_m=2.5),
             pipeline("w", {"A1": 10}, depth_m=1.2)]
    s = solve_ok(write(tmp_path, proj(works, zones=[APRON], trades={"elevator": SEVEN_DAYS, "sewer": {"crews": 1}})))
    assert s.t("sewer@A1:lay").finish < s.t("E1:foundation").start
    assert s.t("E1:foundation").finish < s.t("w@A1:lay").start

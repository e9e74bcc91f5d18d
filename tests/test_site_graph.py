"""models/site_graph.py: the walk to a gate that notices print as the detour."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import load_project
from models.site_graph import Access, route

TINY = Path(__file__).resolve().parents[1] / "inputs" / "tiny"


@pytest.fixture(scope="module")
def tiny():
    project, _warnings = load_project(TINY)
    return project


# tiny: gate N on R1; R1–R2, R1–R3, R2–R3, R2–A1, R3–A1, R3–G1 (green). A1 is plated when open.

def test_shortest_walk_to_the_gate(tiny):
    # A1's neighbours are R2 and R3, both one step from R1; R2 comes first in the site
    assert route(tiny, "A1") == ["A1", "R2", "R1"]


def test_detour_around_an_open_road(tiny):
    assert route(tiny, "A1", {"R2"}) == ["A1", "R3", "R1"]


def test_start_on_the_gate_zone(tiny):
    assert route(tiny, "R1") == ["R1"]


def test_a_plated_zone_is_walked_over_a_closed_one_is_not(tiny):
    assert route(tiny, "A1", {"A1", "R3"}) == ["A1", "R2", "R1"]  # A1 is plated: residents step out
    assert route(tiny, "R2", {"R1"}) is None  # the only gate zone is dug open
    closed = tiny.model_copy(deep=True)
    next(z for z in closed.site.zones if z.id == "A1").passable_when_open = "none"
    assert route(closed, "A1", {"A1"}) is None


def test_a_closed_zone_is_not_walked_even_when_plated(tiny):
    """A crane's cordon: closed to walkers whatever the zone's plates (notices look for a way round it)."""
    access = Access(tiny)
    assert access.route("R2", set(), {"R1"}) is None  # the gate zone itself is cordoned off
    assert access.route("A1", {"A1"}, {"R2"}) == ["A1", "R3", "R1"]
    assert access.route("A1", set(), {"A1"}) is None  # a cordon at the door: no way round it
    assert access.route("A1", {"R3"}, {"R2"}) is None


def test_green_and_unknown_zones_have_no_route(tiny):
    assert route(tiny, "G1") is None  # nobody walks across the lawn
    assert route(tiny, "nowhere") is None


def test_walk_around_two_open_roads(tiny):
    # R2 and R3 open: A1 is boxed in
    assert Access(tiny).route("A1", {"R2", "R3"}) is None


# ------------------------------------------------------------------------------------------ access cuts
# scheduler/planning/access.py turns R6 into sets of zones that must never be open on the same day. A ladder
# of roads, worked out by hand:
#
#   gate N on G ── A ── B ── E (apron: B1's door)        F (apron: B2's door) hangs off A only
#                  │    │    │                           L (green) links E and G: nobody walks across it
#                  └ C ── D ─┘   and G ── C
#
# edges G-A, G-C, A-B, A-C, C-D, B-D, B-E, D-E, A-F, E-L, L-G; A, B, C, D are the zones dug open.
# From E every walk to G passes {A or C} (the rungs next to the gate) and {B or D} (next to the door); the
# sets that meet every walk are {A,C}, {A,D}, {B,C} and {B,D}, and no single zone does. From F every walk
# starts with A: {A}. A fire engine from G to B1's fire zone B: B itself, or {A,C}, or {A,D} (G-C-D-B
# and G-A-B, G-C-A-B). B2's fire zone is G, the gate's own zone, never dug: no cut.

def ladder(tmp_path):
    import yaml

    road = lambda zid, links: {"id": zid, "kind": "road", "length_m": 20, "links": links}  # noqa: E731
    data = {
        "version": 1, "project": {"id": "ladder", "name": "梯子", "start": "2027-03-01"},
        "trades": {"civil": {"crews": 1}},
        "site": {
            "gates": [{"id": "N", "zone": "G"}],
            "zones": [road("G", ["A", "C"]), road("A", ["B", "C", "F"]), road("B", ["D", "E"]), road("C", ["D"]),
                      road("D", ["E"]), {"id": "E", "kind": "apron", "links": ["L"]}, {"id": "F", "kind": "apron"},
                      {"id": "L", "kind": "green", "links": ["G"]}],
            "buildings": [
                {"id": "B1", "households": 1, "fire_zones": ["B"], "entrances": [{"id": "B1-1", "zone": "E"}]},
                {"id": "B2", "households": 1, "fire_zones": ["G"], "entrances": [{"id": "B2-1", "zone": "F"}]}],
        },
        "works": [{"id": "w", "type": "task", "trade": "civil", "days": 1}],
    }
    (tmp_path / "project.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    project, _ = load_project(tmp_path)
    return project


def named(pairs) -> list[tuple[str, list[str]]]:
    return [(str(group), sorted(cut)) for group, cut in pairs]


def test_minimal_cuts_of_a_ladder(tmp_path):
    from scheduler.planning.access import access_cuts

    project = ladder(tmp_path)
    dug = {"A", "B", "C", "D"}
    assert named(access_cuts(project, dug)) == [
        ("R6 access B1-1", ["A", "C"]), ("R6 access B1-1", ["A", "D"]), ("R6 access B1-1", ["B", "C"]),
        ("R6 access B1-1", ["B", "D"]), ("R6 access B2-1", ["A"]),
        ("R6 fire B1", ["B"]), ("R6 fire B1", ["A", "C"]), ("R6 fire B1", ["A", "D"])]
    # only cuts of at most one zone (what the model keeps when the full enumeration is too big)
    assert named(access_cuts(project, dug, max_size=1)) == [("R6 access B2-1", ["A"]), ("R6 fire B1", ["B"])]
    # B on steel plates: people cross it open, so E-B-A-G is cut only by A, and what is left (E-D-C-G,
    # E-B-D-C-G) by C or D: {A,C} and {A,D}. Fire engines cannot cross plates: the fire cuts stay.
    plated = project.model_copy(deep=True)
    next(z for z in plated.site.zones if z.id == "B").passable_when_open = "people"
    cuts = named(access_cuts(plated, dug))
    assert [c for g, c in cuts if g == "R6 access B1-1"] == [["A", "C"], ["A", "D"]]
    assert [c for g, c in cuts if g == "R6 fire B1"] == [["B"], ["A", "C"], ["A", "D"]]


def test_cuts_a_schedule_opens_at_once(tmp_path):
    """A, B and C open on one day: B1-1's way out is cut by {B,C} (A is not needed: with B and C open the
    door reaches D only), B2-1's by {A}, B1's fire access by {B} (its only fire zone is dug). Days with
    nothing or less open add nothing."""
    from scheduler.planning.access import violated_cuts

    project = ladder(tmp_path)
    got = violated_cuts(project, {1: {"A", "B", "C"}, 2: set(), 3: {"C"}, 4: {"A", "B", "C"}})
    assert named(got) == [("R6 access B1-1", ["B", "C"]), ("R6 access B2-1", ["A"]), ("R6 fire B1", ["B"])]


def test_links_to_unknown_zones_are_ignored(tmp_path):
    from models.site_graph import adjacency

    project = ladder(tmp_path).model_copy(deep=True)
    next(z for z in project.site.zones if z.id == "F").links = ["nowhere", "F"]
    adj = adjacency(project)
    assert adj["F"] == {"A"} and "nowhere" not in adj


def brute_force_cuts(adj, nodes, sources, targets, removable) -> set[frozenset[str]]:
    """Every inclusion-minimal separating set, by trying all subsets of the removable zones (small graphs)."""
    from itertools import combinations

    def separated(removed: set[str]) -> bool:
        seen = {s for s in sources if s in nodes and s not in removed}
        todo = list(seen)
        while todo:
            z = todo.pop()
            for n in adj[z]:
                if n in nodes and n not in removed and n not in seen:
                    seen.add(n)
                    todo.append(n)
        return not seen & targets

    cuts: list[frozenset[str]] = []
    for k in range(len(removable) + 1):
        for combo in combinations(sorted(removable), k):
            c = frozenset(combo)
            if separated(set(c)) and not any(o <= c for o in cuts):
                cuts.append(c)
    return set(cuts)


@pytest.mark.parametrize("seed", range(6))
def test_minimal_cuts_agree_with_brute_force(seed):
    """On a 3×3 grid of zones with a few diagonals (a different set per seed), the cut enumeration finds
    exactly the minimal separating sets that trying every subset finds."""
    import random

    from scheduler.planning.access import minimal_cuts

    rng = random.Random(seed)
    cells = [f"{r}{c}" for r in "abc" for c in "123"]
    adj = {z: set() for z in cells}

    def link(x, y):
        adj[x].add(y)
        adj[y].add(x)

    for r in "abc":
        for c in "123":
            if c != "3":
                link(f"{r}{c}", f"{r}{int(c) + 1}")
            if r != "c":
                link(f"{r}{c}", f"{chr(ord(r) + 1)}{c}")
    for _ in range(2):
        r, c = rng.choice("ab"), rng.choice("12")
        link(f"{r}{c}", f"{chr(ord(r) + 1)}{int(c) + 1}")
    removable = set(cells) - {"a1", "c3"} - {rng.choice(["b2", "a2", "c2"])}
    got = minimal_cuts(adj, set(cells), ["a1"], {"c3"}, removable)
    assert set(got) == brute_force_cuts(adj, set(cells), ["a1"], {"c3"}, removable)
    assert len(got) == len(set(got))


def test_cut_budget_covers_entrances_and_fire_access(tmp_path):
    """The enumeration budget counts path searches of both the entrance and the fire enumerations."""
    from scheduler.planning.access import TooManyCuts, access_cuts

    project = ladder(tmp_path)
    dug = {"A", "B", "C", "D"}
    no_fire = project.model_copy(deep=True)
    for b in no_fire.site.buildings:
        b.fire_zones = []
    with pytest.raises(TooManyCuts):
        access_cuts(no_fire, dug, budget=3)  # B1-1's door alone needs more searches
    doors_at_the_gate = project.model_copy(deep=True)
    for b in doors_at_the_gate.site.buildings:
        for e in b.entrances:
            e.zone = "G"
    with pytest.raises(TooManyCuts):
        access_cuts(doors_at_the_gate, dug, budget=3)  # one search for the doors; B1's fire access needs more
    assert len(access_cuts(project, dug, budget=1000)) == 8


def test_a_building_without_fire_zones_has_fire_access(tmp_path):
    project = ladder(tmp_path).model_copy(deep=True)
    b2 = project.building("B2")
    b2.fire_zones = []
    assert Access(project).fire_ok(b2, {"A", "B", "C", "D", "G"})


def test_routes_break_ties_in_site_order(tmp_path):
    """From E two walks of four zones reach G: over B and A, or over D and C. The site's own order decides
    (B is listed before D); listed the other way round, the other walk is printed."""
    project = ladder(tmp_path)
    assert Access(project).route("E") == ["E", "B", "A", "G"]
    swapped = project.model_copy(deep=True)
    order = ["G", "C", "D", "A", "B", "E", "F", "L"]
    swapped.site.zones = sorted(swapped.site.zones, key=lambda z: order.index(z.id))
    assert Access(swapped).route("E") == ["E", "D", "C", "G"]

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

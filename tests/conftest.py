"""Fixtures shared by the publishing tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import load_project
from scheduler.planning.expand import expand
from scheduler.planning.planner import plan

TINY = Path(__file__).resolve().parent.parent / "inputs" / "tiny"


@pytest.fixture(scope="session")
def tiny():
    """inputs/tiny and its schedule (1 worker, seed 0: the same every run)."""
    project, _ = load_project(TINY)
    result = plan(project, expand(project), time_limit=10, workers=1, seed=0)
    assert result.schedule is not None
    return project, result.schedule

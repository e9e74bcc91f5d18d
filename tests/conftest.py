"""Fixtures shared by the publishing tests; the language the suite's pinned CLI lines are in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models import load_project
from scheduler.planning.expand import expand
from scheduler.planning.planner import plan

TINY = Path(__file__).resolve().parent.parent / "inputs" / "tiny"
# The CLI speaks the project's language (zh-CN for inputs/) unless told: the suite pins English lines, so every
# run, subprocesses included, says DIGONCE_LANG=en (as --lang en); tests of other languages pass --lang or clear it.
os.environ["DIGONCE_LANG"] = "en"
CLI_DET_LIMIT = 10.0  # deterministic seconds the `deterministic_cli` fixture gives each CLI search


@pytest.fixture
def deterministic_cli(monkeypatch):
    """CLI commands search with a deterministic budget besides their wall-clock --time-limit (which then never
    binds on these small projects): for CLI tests that assert a conflict or a figure, so that the answer
    does not depend on machine load. The CLI itself offers only the wall clock."""
    import scheduler.api as api

    def with_budget(real, positional: int):
        return lambda *a, **kw: real(*a[:positional], **{**kw, "deterministic_limit": CLI_DET_LIMIT})

    monkeypatch.setattr(api, "_plan", with_budget(api._plan, 6))
    monkeypatch.setattr(api, "_replan", with_budget(api._replan, 9))
    monkeypatch.setattr(api, "diagnose", with_budget(api.diagnose, 4))


@pytest.fixture(scope="session")
def tiny():
    """inputs/tiny and its schedule (1 worker, seed 0, a deterministic budget: the same every run, however
    busy the machine)."""
    project, _ = load_project(TINY)
    result = plan(project, expand(project), time_limit=300, workers=1, seed=0, deterministic_limit=10)
    assert result.schedule is not None
    return project, result.schedule

"""The public Python API (scheduler/api.py, re-exported from `scheduler`): the README's script works."""

from __future__ import annotations

from pathlib import Path

import pytest

import scheduler as digonce
from scheduler import api

ROOT = Path(__file__).resolve().parent.parent


def test_the_root_re_exports_exactly_the_api() -> None:
    assert sorted(digonce.__all__) == sorted(api.__all__)
    for name in digonce.__all__:
        assert getattr(digonce, name) is getattr(api, name), name
        assert getattr(api, name).__doc__, f"{name} has no docstring"
    with pytest.raises(AttributeError):
        digonce.no_such_thing  # noqa: B018


def test_the_readme_script_plans_checks_and_publishes(tmp_path: Path) -> None:
    project, warnings = digonce.load_project(ROOT / "inputs" / "tiny")
    tasks = digonce.expand(project)
    result = digonce.plan(project, tasks, time_limit=30, workers=1)
    assert result.schedule is not None
    assert digonce.check(project, tasks, result.schedule) == []
    written = digonce.publish(result.schedule, project, tmp_path)
    assert tmp_path / "schedule.json" in written and (tmp_path / "notices" / "index.html").is_file()
    again = digonce.read_schedule(tmp_path / "schedule.json", project, tasks)
    assert digonce.diff(result.schedule, again).changes == []


def test_bad_input_raises_input_error_with_located_problems(tmp_path: Path) -> None:
    (tmp_path / "project.yaml").write_text("version: 1\nproject: {id: x}\n", encoding="utf-8")
    with pytest.raises(digonce.InputError) as caught:
        digonce.load_project(tmp_path)
    assert caught.value.problems and all(str(tmp_path) in str(p) for p in caught.value.problems)

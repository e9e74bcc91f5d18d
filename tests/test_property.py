"""Property: whatever names, ids and dates a project file holds, validate → solve → publish → check on inputs/tiny
ends either in one-line problems (InputError) or in a whole, consistent release that `check` accepts — never
a traceback. Hypothesis with a fixed derandomised search and a few dozen examples (well under a minute).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from models import InputError, load_project
from scheduler.planning.expand import expand
from scheduler.planning.planner import plan
from scheduler.publishing import publish
from scheduler.publishing.release import MANIFEST, folder_in_force, in_force
from scheduler.review.check import check_schedule, read_schedule_file

from conftest import TINY

TEXT = (TINY / "project.yaml").read_text(encoding="utf-8")
NASTY = ["=HYPERLINK(\"http://x\",\"y\")", "-1层车库防水", "+1", "@A1", "'", "index", "CON", "a/b", "a_b", "..",
         "楼" * 100, "B\u000b1", "\u2028", "\u202e", "\x00", " ", "Ａ", "é", "e\u0301", "%2f", "~", "\\"]
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn"))
texts = st.one_of(st.sampled_from(NASTY), st.text(PRINTABLE, max_size=24), st.text(PRINTABLE, max_size=24),
                  st.text(max_size=24))
ids = st.one_of(st.sampled_from(NASTY + ["B2", "b1", "B3"]), st.text(PRINTABLE, min_size=1, max_size=40),
                st.text(PRINTABLE, min_size=1, max_size=40), st.text(min_size=1, max_size=40))
deadlines = st.one_of(st.none(), st.dates(date(2027, 4, 1), date(2031, 12, 31)), st.dates(date(1, 1, 1), date(9999, 12, 31)))


def quoted(value: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's); raw characters YAML refuses stay raw."""
    return json.dumps(value, ensure_ascii=False)


def project_text(building: str, name: str, contractor: str, work: str, deadline: date | None) -> str:
    text = TEXT.replace("- id: B2\n", f"- id: {quoted(building)}\n").replace("serves: [B1, B2]",
                                                                             f"serves: [B1, {quoted(building)}]")
    text = text.replace("name: 1号楼\n", f"name: {quoted(name)}\n", 1)
    text = text.replace("contractor: 示例城建公司", f"contractor: {quoted(contractor)}")
    text = text.replace("name: 给水管更换", f"name: {quoted(work)}")
    return text.replace("deadline: 2027-06-30", f"deadline: {deadline.isoformat()}" if deadline else "")


def consistent(out: Path) -> None:
    """The release in force is whole: every file its manifest lists, with that SHA-256, and no other; the
    stable paths show the same bytes."""
    folder = folder_in_force(out)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert manifest["files"] == {k: hashlib.sha256(v).hexdigest() for k, v in files.items() if k != MANIFEST}
    for rel, data in files.items():
        assert (out / rel).read_bytes() == data, rel


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("property")


@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(building=ids, name=texts, contractor=texts, work=texts,
       deadline=deadlines)
def test_any_names_ids_and_dates_end_in_problems_or_a_whole_release(base, building, name, contractor, work, deadline):
    folder = Path(tempfile.mkdtemp(dir=base))
    (folder / "project.yaml").write_text(project_text(building, name, contractor, work, deadline), encoding="utf-8")
    try:
        project, _ = load_project(folder)
    except InputError as exc:
        assert exc.problems and all("\n" not in str(p) and str(p) for p in exc.problems)
        event("refused with one-line problems")
        return
    tasks = expand(project)
    result = plan(project, tasks, time_limit=60, workers=1, seed=0, deterministic_limit=5)
    if result.schedule is None:
        assert result.solution.status in ("INFEASIBLE", "UNKNOWN")
        event("no schedule")
        return
    out = folder / "out"
    published = publish(result.schedule, project, out)
    assert in_force(out).version == published.release.version == 1
    consistent(out)
    for ledger in ("schedule.json", "schedule.csv", "schedule.xlsx"):
        back = read_schedule_file(out / ledger, project, tasks)
        assert [t.id for t in back.tasks] == [t.id for t in result.schedule.tasks]
        assert not check_schedule(project, tasks, back), ledger
    event("published and checked")

"""`digonce export mspdi`: the file's shape (MSPDI's element order, one element per task, sorted calendar
exceptions, the same bytes every run) and bad input (one line each, exit 2, nothing written). What the file
means is proven by an independent reader in tests/test_mspdi_mpxj.py.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import scheduler as digonce
from scheduler.cli import main
from scheduler.planning.expand import expand

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "inputs" / "tiny"
BASIC = REPO / "tests" / "projects" / "check_basic"
NS = {"p": "http://schemas.microsoft.com/project"}


def run(*args: str):
    return CliRunner().invoke(main, ["export", "mspdi", *map(str, args)])


@pytest.fixture
def sched_file(tiny, tmp_path) -> Path:
    path = tmp_path / "schedule.json"
    path.write_text(tiny[1].to_json(), encoding="utf-8")
    return path


def children(el: ET.Element) -> list[str]:
    return [c.tag.split("}")[1] for c in el]


def test_export_tiny(tiny, sched_file, tmp_path):
    out = tmp_path / "plan.xml"
    r = run(sched_file, "-p", TINY, "-o", out)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"wrote {out}: 15 tasks in 5 groups") and r.stderr == ""
    first = out.read_bytes()
    assert run(sched_file, "-p", TINY, "-o", tmp_path / "again.xml").exit_code == 0
    assert (tmp_path / "again.xml").read_bytes() == first  # no clock in the file
    root = ET.fromstring(first)
    assert root.tag == "{http://schemas.microsoft.com/project}Project"
    top = children(root)
    assert top[0] == "SaveVersion" and top[-5:] == ["ExtendedAttributes", "Calendars", "Tasks", "Resources",
                                                   "Assignments"]
    ids = [e.text for e in root.iterfind("p:Tasks/p:Task/p:ExtendedAttribute[p:FieldID='188743731']/p:Value", NS)]
    assert sorted(ids) == sorted(t.id for t in tiny[1].tasks)
    for task in root.iterfind("p:Tasks/p:Task", NS):  # the schema's sequence, as MS Project writes it
        tags = children(task)
        assert tags[:4] == ["UID", "ID", "Name", "Active"] and tags.index("Start") < tags.index("Finish")
        if task.find("p:Summary", NS).text == "0":
            assert tags.index("ConstraintType") < tags.index("CalendarUID") < tags.index("ConstraintDate") \
                < tags.index("Notes")
    rows = [int(e.text) for e in root.iterfind("p:Tasks/p:Task/p:ID", NS)]
    assert rows == list(range(1, 21))
    for calendar in root.iterfind("p:Calendars/p:Calendar", NS):  # MS Project ignores exceptions out of order
        starts = [e.text for e in calendar.iterfind("p:Exceptions/p:Exception/p:TimePeriod/p:FromDate", NS)]
        legacy = [e.text for e in calendar.iterfind("p:WeekDays/p:WeekDay/p:TimePeriod/p:FromDate", NS)]
        assert starts == sorted(starts) == legacy


def test_api_and_outline_by_trade(tiny):
    project, schedule = tiny
    tasks = expand(project)
    root = ET.fromstring(digonce.export_mspdi(schedule, project, tasks, outline="trade"))
    summaries = [t.find("p:Name", NS).text for t in root.iterfind("p:Tasks/p:Task", NS)
                 if t.find("p:Summary", NS).text == "1"]
    assert summaries == ["土建（示例城建公司）", "给水（示例自来水公司）", "路面（示例路面公司）",
                         "绿化（示例园林公司）", "无专业班组（验收、养护）"]
    with pytest.raises(ValueError, match="outline"):
        digonce.export_mspdi(schedule, project, tasks, outline="building")
    odd = schedule.model_copy(update={"tasks": schedule.tasks + [schedule.tasks[0].model_copy(update={"id": "X"})]})
    with pytest.raises(ValueError, match="X"):
        digonce.export_mspdi(odd, project, tasks)


def test_english_names_and_control_characters(tiny, tmp_path):
    project, schedule = tiny
    english = project.model_copy(update={"project": project.project.model_copy(update={"lang": "en"})})
    first = schedule.tasks[0]
    named = schedule.model_copy(update={"tasks": [first.model_copy(update={"name": "bell\x07 name"})]
                                        + schedule.tasks[1:]})
    root = ET.fromstring(digonce.export_mspdi(named, english, expand(project)))
    names = [e.text for e in root.iterfind("p:Tasks/p:Task/p:Name", NS)]
    assert names[0] == "Zone R2 东路" and "bell name" in names
    assert [e.text for e in root.iterfind("p:Calendars/p:Calendar/p:Name", NS)][:2] == \
        ["Project calendar", "Project calendar, noisy 08:00-12:00,14:00-18:00"]


def _other_project(tmp_path: Path, tiny) -> Path:
    path = tmp_path / "other.json"
    data = json.loads(tiny[1].to_json())
    data["project"] = "check-basic"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _stale(tmp_path: Path, tiny) -> Path:
    path = tmp_path / "stale.json"
    path.write_text(tiny[1].model_copy(update={"tasks": tiny[1].tasks[1:]}).to_json(), encoding="utf-8")
    return path


@pytest.mark.parametrize("case, args, says", [
    ("missing", ["{tmp}/nope.json", "-p", TINY], "nope.json: no such file"),
    ("no project", ["{sched}", "-p", "{tmp}/nowhere"], "nowhere: no such file"),
    ("not a schedule", [TINY / "project.yaml"], "not a digonce schedule.json"),
    ("garbage", ["{tmp}/garbage.json", "-p", TINY], "garbage.json"),
    ("other project", ["{sched}", "-p", BASIC], "schedule of project 'tiny', not of 'check-basic'"),
    ("other project's id", ["{other}", "-p", TINY], "schedule of project 'check-basic', not of 'tiny'"),
    ("stale", ["{stale}", "-p", TINY], "does not match the tasks project 'tiny' expands to now (0 extra"),
    ("baseline missing", ["{sched}", "-p", TINY, "--baseline", "{tmp}/nope.json"], "nope.json: no such file"),
    ("baseline of another project", ["{sched}", "-p", TINY, "--baseline", "{other}"], "'check-basic', not of"),
])
def test_bad_input_one_line_exit_2_nothing_written(tiny, sched_file, tmp_path, case, args, says):
    (tmp_path / "garbage.json").write_text("{not json", encoding="utf-8")
    subs = {"{tmp}": str(tmp_path), "{sched}": str(sched_file), "{other}": str(_other_project(tmp_path, tiny)),
            "{stale}": str(_stale(tmp_path, tiny))}
    argv = [str(a) for a in args]
    for key, value in subs.items():
        argv = [a.replace(key, value) for a in argv]
    out = tmp_path / "plan.xml"
    r = run(*argv, "-o", out)
    assert r.exit_code == 2, (case, r.output)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in r.output, (case, r.stderr)
    assert r.stdout == "" and not out.exists() and list(tmp_path.glob(".plan.xml*")) == []


def test_output_folder_and_unchanged_file(tiny, sched_file, tmp_path):
    r = run(sched_file, "-p", TINY, "-o", tmp_path)
    assert r.exit_code == 2 and r.stderr.strip() == f"-o {tmp_path}: is a folder — give a file name, e.g. " \
                                                     f"{tmp_path}/plan.xml"
    out = tmp_path / "plan.xml"
    out.write_text("the PM's own file", encoding="utf-8")
    assert run(_stale(tmp_path, tiny), "-p", TINY, "-o", out).exit_code == 2
    assert out.read_text(encoding="utf-8") == "the PM's own file"


def test_baseline_with_fewer_tasks_warns(tiny, sched_file, tmp_path):
    out = tmp_path / "plan.xml"
    r = run(sched_file, "-p", TINY, "-o", out, "--baseline", _stale(tmp_path, tiny))
    assert r.exit_code == 0, r.output
    assert r.stderr.strip().endswith("1 task(s) are not in the baseline; they are exported without baseline dates")
    root = ET.fromstring(out.read_bytes())
    assert len(root.findall("p:Tasks/p:Task/p:Baseline", NS)) == 15 - 1 + 5  # tasks with one, every summary


def test_edited_ledger_as_schedule(tiny, tmp_path):
    """With -p, SCHEDULE may be the ledger a PM edited (what `digonce check` reads)."""
    project, schedule = tiny
    ledger = tmp_path / "schedule.csv"
    ledger.write_text("id,start,finish\n" + "".join(f"{t.id},{t.start},{t.finish}\n" for t in schedule.tasks),
                      encoding="utf-8")
    out = tmp_path / "plan.xml"
    r = run(ledger, "-p", TINY, "-o", out)
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == digonce.export_mspdi(schedule, project, expand(project))

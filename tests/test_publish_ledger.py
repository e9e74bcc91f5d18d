"""`digonce publish` from what the project manager edited: the ledger (CSV in UTF-8 or GBK, the XLSX workbook)
is checked like `digonce check` does, refused with its violations when it breaks a rule (nothing written),
and otherwise published with the openings, occupations and disruptions that follow from the edited dates."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from click.testing import CliRunner
from openpyxl import load_workbook

from models.schedule import Schedule
from scheduler.cli import main
from scheduler.publishing import publish
from conftest import TINY


def ledger_rows(out) -> list[dict]:
    return list(csv.DictReader(io.StringIO((out / "schedule.csv").read_text(encoding="utf-8-sig"))))


def write_csv(path, rows: list[dict], encoding: str) -> None:
    with path.open("w", newline="", encoding=encoding) as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_publish_an_edited_gbk_csv(tiny, tmp_path):
    """The greening moves one week later in Excel (saved as GBK, as Chinese Windows does): published, and the
    new schedule.json has it there, with its openings rebuilt from the unchanged trench dates."""
    project, schedule = tiny
    publish(schedule, project, tmp_path / "a")
    rows = ledger_rows(tmp_path / "a")
    green = next(r for r in rows if r["id"] == "green@G1:greening")
    old_start = schedule.task("green@G1:greening").start
    green["start"] = (old_start + timedelta(7)).isoformat()
    green["finish"] = (schedule.task("green@G1:greening").finish + timedelta(7)).isoformat()
    edited = tmp_path / "edited.csv"
    write_csv(edited, rows, "gbk")
    r = CliRunner().invoke(main, ["publish", str(edited), "-p", str(TINY), "-o", str(tmp_path / "b")])
    assert r.exit_code == 0, r.output
    new = Schedule.read(tmp_path / "b" / "schedule.json")
    assert new.task("green@G1:greening").start == old_start + timedelta(7)
    assert [(o.zone, o.from_, o.to) for o in new.openings] == [(o.zone, o.from_, o.to) for o in schedule.openings]
    assert new.solver.status == "EDITED" and new.solver.objective["finish"] == max(t.finish for t in new.tasks).isoformat()


def test_publish_refuses_a_ledger_that_breaks_a_rule(tiny, tmp_path):
    """A lay moved before its trench is excavated is R5: exit 1, the violations listed, nothing written."""
    project, schedule = tiny
    publish(schedule, project, tmp_path / "a")
    wb = load_workbook(tmp_path / "a" / "schedule.xlsx")
    ws = wb["台账"]
    excavate = schedule.task("R2:excavate").start
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "water@R2:lay":
            row[6].value, row[7].value = excavate, excavate  # 开始, 完成
    wb.save(tmp_path / "edited.xlsx")
    r = CliRunner().invoke(main, ["publish", str(tmp_path / "edited.xlsx"), "-p", str(TINY), "-o",
                                  str(tmp_path / "b")])
    assert r.exit_code == 1, r.output
    assert "R5 water@R2:lay" in r.output and "nothing was published" in r.output
    assert not (tmp_path / "b").exists()


def test_a_ledger_needs_its_project(tiny, tmp_path):
    project, schedule = tiny
    publish(schedule, project, tmp_path / "a")
    r = CliRunner().invoke(main, ["publish", str(tmp_path / "a" / "schedule.csv"), "-o", str(tmp_path / "b")])
    assert r.exit_code == 2 and "pass -p" in r.output

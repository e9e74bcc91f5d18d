"""The one table reader (models/tables.py): input tables, ledgers and progress sheets in the encodings and
workbook layouts a project manager's Excel or WPS produces, and one-line problems for the rest."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from models import load_project
from models.problems import InputError
from models.tables import cell_text, parse_date, read_table, split_sheet
from scheduler.planning.progress import read_progress

VALID_TABLES = Path(__file__).parent / "broken" / "_valid-tables"


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "p"
    shutil.copytree(VALID_TABLES, folder)
    return folder


def zones_rows(folder: Path) -> list[list[str]]:
    text = (folder / "zones.csv").read_text(encoding="utf-8")
    return [line.split(",") for line in text.splitlines()]


def point_zones_at(folder: Path, ref: str) -> None:
    """project.yaml's site.zones names `ref` instead of zones.csv."""
    text = (folder / "project.yaml").read_text(encoding="utf-8")
    (folder / "project.yaml").write_text(text.replace("zones: zones.csv", f"zones: {ref}"), encoding="utf-8")


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)


def test_gbk_input_table_loads(project_dir: Path) -> None:
    """Excel's plain 'CSV' on a Chinese Windows is GBK: the zone names come out right."""
    text = (project_dir / "zones.csv").read_text(encoding="utf-8")
    (project_dir / "zones.csv").write_bytes(text.encode("gbk"))
    project, problems = load_project(project_dir)
    assert not [p for p in problems if not p.warning]
    assert [z.name for z in project.site.zones] == ["北路", "中路", "门前", "绿地"]


def test_xlsx_sheet_chosen_with_hash(project_dir: Path) -> None:
    rows = zones_rows(project_dir)
    other = [["id", "name"], ["X9", "别的表"]]
    write_xlsx(project_dir / "zones.xlsx", {"说明": other, "区域": rows})
    point_zones_at(project_dir, "zones.xlsx#区域")
    (project_dir / "zones.csv").unlink()
    project, problems = load_project(project_dir)
    assert not [p for p in problems if not p.warning]
    assert [z.id for z in project.site.zones] == ["R1", "R2", "A1", "G1"]
    assert project.site.zones[1].max_open_days == 20  # a number typed in Excel is an int cell


def test_problem_in_a_chosen_sheet_names_the_sheet(project_dir: Path) -> None:
    rows = zones_rows(project_dir)
    rows[2][2] = "raod"
    write_xlsx(project_dir / "zones.xlsx", {"区域": rows})
    point_zones_at(project_dir, "zones.xlsx#区域")
    with pytest.raises(InputError) as exc:
        load_project(project_dir)
    assert any(str(p).startswith(f"{project_dir / 'zones.xlsx#区域'}:row 3, column kind: site.zones[1].kind: ")
               for p in exc.value.problems), exc.value


def test_unknown_sheet_is_one_clear_problem(project_dir: Path) -> None:
    write_xlsx(project_dir / "zones.xlsx", {"说明": [["x"]], "区域": zones_rows(project_dir)})
    point_zones_at(project_dir, "zones.xlsx#区")
    with pytest.raises(InputError) as exc:
        load_project(project_dir)
    line, = [str(p) for p in exc.value.problems]
    assert line == (f"{project_dir / 'zones.xlsx#区'}: site.zones: table 'zones.xlsx#区' has no sheet '区'"
                    " — did you mean '区域'?")


def test_missing_workbook_named_with_a_sheet(project_dir: Path) -> None:
    point_zones_at(project_dir, "zone.xlsx#区域")
    with pytest.raises(InputError) as exc:
        load_project(project_dir)
    line, = [str(p) for p in exc.value.problems]
    assert "table file 'zone.xlsx' not found" in line


def test_gbk_progress_reads(tmp_path: Path) -> None:
    path = tmp_path / "progress.csv"
    path.write_bytes("task,status,actual_start,actual_finish,remaining_days\n"
                     "A:dig,done,2027/3/1,2027/3/2,\nB:lay,started,2027-03-03,,2\n".encode("gbk"))
    got = read_progress(path, ["A:dig", "B:lay"], date(2027, 3, 5), date(2027, 3, 1))
    assert (got["A:dig"].status, got["A:dig"].actual_finish) == ("done", date(2027, 3, 2))
    assert (got["B:lay"].status, got["B:lay"].remaining_days) == ("started", 2)


def test_progress_sheet_found_by_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "progress.xlsx"
    write_xlsx(path, {"封面": [["周报"]], "进度": [["Task", "Status", "actual_start", "remaining_days"],
                                                 ["A:dig", "started", datetime(2027, 3, 1), 4.0]]})
    got = read_progress(path, ["A:dig"], date(2027, 3, 5), date(2027, 3, 1))
    assert (got["A:dig"].actual_start, got["A:dig"].remaining_days) == (date(2027, 3, 1), 4)


def test_not_utf8_nor_gbk(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("id,name\nR1,北路\n".encode("utf-16"))
    with pytest.raises(InputError) as exc:
        read_table(path)
    assert str(exc.value) == (f"{path}: is neither UTF-8 nor GBK text (byte 0 cannot be read) — "
                              "in Excel use Save As → 'CSV UTF-8 (逗号分隔)', or save it as .xlsx")


def test_rows_keep_their_spreadsheet_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("\ufeffid, note,\nA,\"two\nlines\",\n,,\nB, x ,extra\n", encoding="utf-8")
    table = read_table(path)
    assert table.header == ["id", "note", ""]
    assert list(table.records()) == [(2, {"id": "A", "note": "two\nlines"}), (4, {"id": "B", "note": "x"})]


def test_cells_and_dates() -> None:
    assert [cell_text(v) for v in (None, float("nan"), 60.0, 2.5, " a ", datetime(2027, 3, 8),
                                   datetime(2027, 3, 8, 9, 30), date(2027, 3, 8))] == [
        "", "", "60", "2.5", "a", "2027-03-08", "2027-03-08 09:30:00", "2027-03-08"]
    assert parse_date("2027.3.8") == parse_date(datetime(2027, 3, 8, 9, 30)) == date(2027, 3, 8)
    assert split_sheet("a/b.XLSX#进度 表") == ("a/b.XLSX", "进度 表")
    assert split_sheet("a#b.csv") == ("a#b.csv", None)


def test_ledger_sheet_found_by_its_columns_or_named(tmp_path: Path) -> None:
    path = tmp_path / "schedule.xlsx"
    ledger = [["ID", "Start", "Finish"], ["R1:excavate", "2027-03-01", "2027-03-02"]]
    write_xlsx(path, {"说明": [["本表由 digonce 生成"]], "台账": ledger})
    required = ("id", "start", "finish")
    assert read_table(path, required=required).header == ["ID", "Start", "Finish"]
    assert read_table(path).header == ["本表由 digonce 生成"]  # nothing required: the first sheet
    assert read_table(f"{path}#说明", required=required).header == ["本表由 digonce 生成"]  # a named sheet wins


def test_input_table_with_a_column_twice(project_dir: Path) -> None:
    text = (project_dir / "zones.csv").read_text(encoding="utf-8")
    (project_dir / "zones.csv").write_text(text.replace("max_open_days", "kind", 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_project(project_dir)
    line, = [str(p) for p in exc.value.problems]
    assert line == (f"{project_dir / 'zones.csv'}:row 1, column kind: site.zones: table 'zones.csv' has the column "
                    "'kind' twice — keep one column of each name")

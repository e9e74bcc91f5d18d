"""The one reader of CSV/XLSX tables: input tables, ledgers and progress sheets all come through here.

Project managers save tables from Excel or WPS, so a CSV may be UTF-8 (with or without BOM) or, from
Excel's plain "CSV" on a Chinese Windows, GBK; a workbook may hold several sheets. Every cell comes out
as stripped text ("" when empty), every problem as one `Problem` line naming the file, never a traceback.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from scheduler.text import Msg

from .problems import InputError, Place, Problem, did_you_mean

TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
ENCODINGS = ("utf-8-sig", "gb18030")  # gb18030 is a superset of GBK, what Excel writes on a Chinese Windows
_SHEET_REF = re.compile(r"(.+\.xls[xm])#(.+)", re.IGNORECASE)
MAX_TABLE_BYTES = 64 << 20  # a table of a compound is kilobytes; this refuses a wrong file before reading it
_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
                   r"|(\d{4})年(\d{1,2})月(\d{1,2})日")  # 2027年3月8日, as a Chinese sheet may write it


@dataclass(frozen=True)
class Table:
    """A header and the non-blank rows below it, every cell as text; `rows` pairs each with its
    spreadsheet row number (the header is row 1), which is what a PM sees in Excel."""

    shown: str
    header: list[str]
    rows: list[tuple[int, list[str]]]

    def columns(self, fold: bool = False) -> dict[str, int]:
        """Column name → index; the first of two same-named columns wins, unnamed columns are left out."""
        out: dict[str, int] = {}
        for i, name in enumerate(self.header):
            if name:
                out.setdefault(name.lower() if fold else name, i)
        return out

    def records(self, fold: bool = False) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, column → cell) per row with a filled named column; a short row reads as empty cells.
        `fold` lower-cases the column names."""
        cols = self.columns(fold)
        for n, cells in self.rows:
            record = {name: cells[i] if i < len(cells) else "" for name, i in cols.items()}
            if any(record.values()):
                yield n, record


def cell_text(value: Any) -> str:
    """One cell as text: empty for None/NaN, 60 for the float 60.0, a date without its midnight time."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value: Any) -> date:
    """A cell as a date: a date/datetime cell, or text 2027-03-08, 2027/3/8, 2027.3.8, 2027年3月8日 (a time is
    ignored).
    Raises ValueError whose argument is a Msg saying what the cell is instead ("is empty")."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        raise ValueError(Msg("input.cell.empty"))
    m = _DATE.fullmatch(text)
    if not m:
        raise ValueError(Msg("input.cell.not_a_date", text=text))
    try:
        return date(*(int(g) for g in m.groups() if g is not None))
    except ValueError:
        raise ValueError(Msg("input.cell.not_a_real_date", text=text)) from None


def split_sheet(ref: str | Path) -> tuple[str, str | None]:
    """`works.xlsx#工程` → ('works.xlsx', '工程'); anything else → (ref, None)."""
    m = _SHEET_REF.fullmatch(str(ref))
    return (m.group(1), m.group(2)) if m else (str(ref), None)


def is_table_ref(ref: str) -> bool:
    """Whether a project.yaml value names a table file (possibly with a `#sheet`)."""
    return split_sheet(ref)[0].lower().endswith(TABLE_SUFFIXES)


def read_table(path: str | Path, shown: str | None = None, *, required: Iterable[str] = (),
               canonical: Callable[[str], str] = str.lower) -> Table:
    """Read a CSV or XLSX table; `path` may end in `#sheet` to choose a workbook's sheet.

    Without a sheet, a workbook's table is the first sheet whose header has every `required` column
    (each header cell read through `canonical`: lower-cased, or a translated header's SPEC name), else its first
    sheet. Raises InputError (one problem) when the file cannot be read.
    """
    name, sheet = split_sheet(path)
    file, shown = Path(name), shown or str(path)
    if not file.is_file():
        raise InputError([Problem(Place(shown), "", Msg("input.file.missing"), Msg("input.file.missing_fix"))])
    suffix = file.suffix.lower()
    try:
        if file.stat().st_size > MAX_TABLE_BYTES:
            raise InputError([Problem(Place(shown), "", Msg("input.file.too_large", mb=file.stat().st_size >> 20),
                                      Msg("input.file.too_large_fix"))])
        if suffix == ".csv":  # never with a sheet: split_sheet only splits workbook names
            grid = _csv_grid(file, shown)
        elif suffix in (".xlsx", ".xlsm"):
            grid = _xlsx_grid(file, shown, sheet, [c.lower() for c in required], canonical)
        else:
            raise InputError([Problem(Place(shown), "", Msg("input.file.not_table", suffix=file.suffix or file.name),
                                      Msg("input.file.not_table_fix"))])
    except OSError as exc:
        raise InputError([Problem(Place(shown), "", Msg("input.file.unreadable", why=exc.__class__.__name__),
                                  Msg("input.file.unreadable_fix"))]) from None
    return _table(grid, shown)


def _table(grid: list[list[Any]], shown: str) -> Table:
    cells = [[cell_text(c) for c in row] for row in grid]
    header = [h.lstrip("\ufeff") for h in cells[0]] if cells else []
    rows = [(n, row) for n, row in enumerate(cells[1:], start=2) if any(row)]
    return Table(shown, header, rows)


def _csv_grid(file: Path, shown: str) -> list[list[str]]:
    raw = file.read_bytes()
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError as exc:
            error = exc
    else:
        raise InputError([Problem(Place(shown), "", Msg("input.file.encoding", byte=error.start),
                                  Msg("input.file.encoding_fix"))])
    try:
        return list(csv.reader(io.StringIO(text, newline=""), skipinitialspace=True))
    except csv.Error as exc:
        raise InputError([Problem(Place(shown), "", Msg("input.file.bad_csv", why=str(exc)),
                                  Msg("input.file.bad_csv_fix"))]) from None


def _xlsx_grid(file: Path, shown: str, sheet: str | None, required: list[str],
               canonical: Callable[[str], str]) -> list[list[Any]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError([Problem(Place(shown), "", Msg("input.file.bad_xlsx", why=exc.__class__.__name__),
                                  Msg("input.file.bad_xlsx_fix"))]) from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise InputError([Problem(Place(shown), "", Msg("input.file.no_sheet", sheet=sheet),
                                          did_you_mean(sheet, wb.sheetnames, "sheet"))])
            return [list(r) for r in wb[sheet].iter_rows(values_only=True)]
        grids = []
        for ws in wb.worksheets:
            grid = [list(r) for r in ws.iter_rows(values_only=True)]
            if not required or (grid and set(required) <= {canonical(cell_text(c)) for c in grid[0]}):
                return grid
            grids.append(grid)
        return grids[0] if grids else []
    finally:
        wb.close()

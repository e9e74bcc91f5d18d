"""The ledger (台账): one row per task, as CSV (UTF-8 with BOM, so Excel opens Chinese text) and XLSX.

No text from the input ever becomes a formula (SPEC §7). In the CSV a cell that starts with `=`, `+`, `-`,
`@`, a tab, a carriage return or `'` gets a leading `'` (what Excel and WPS show as "text"; `check`
removes it again when it reads the ledger back), so `=HYPERLINK(…)` stays text and `-1层车库防水` is no
`#NAME?`. In the XLSX every text cell is stored as a string (never a formula) and such cells also carry
Excel's quote-prefix style, so that editing one in Excel or WPS keeps it text.
"""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from models.project import Project
from models.schedule import LEDGER_COLUMNS, Schedule

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
TEXT_PREFIX = "'"


def as_text(value: str) -> str:
    """A CSV cell that no spreadsheet reads as a formula: `'` before a formula-like start (and before `'`,
    so that reading back is exact: `from_text(as_text(v)) == v`)."""
    return TEXT_PREFIX + value if value.startswith(FORMULA_START) else value


def from_text(cell: str) -> str:
    """The value `as_text` wrote."""
    return cell[1:] if cell.startswith(TEXT_PREFIX) else cell


def ledger_frame(schedule: Schedule, project: Project) -> pd.DataFrame:
    rows = []
    for t in schedule.tasks:
        trade = project.trades.get(t.trade) if t.trade else None
        rows.append({
            "id": t.id, "name": t.name, "trade": t.trade or "", "contractor": trade.contractor if trade else "",
            "zone": t.zone or "", "building": t.building or "", "start": t.start.isoformat(),
            "finish": t.finish.isoformat(), "days": len(t.days), "noisy": "yes" if t.noisy else "no",
            "underground": "yes" if t.underground else "no",
            "outage": f"{t.outage.type} {t.outage.hours} → {';'.join(t.outage.serves)}" if t.outage else "",
            "predecessors": ";".join(t.after)})
    return pd.DataFrame(rows, columns=list(LEDGER_COLUMNS))


def ledger_csv(schedule: Schedule, project: Project) -> bytes:
    df = ledger_frame(schedule, project)
    for col in LEDGER_COLUMNS:
        df[col] = [as_text(v) if isinstance(v, str) else v for v in df[col]]
    return df.to_csv(index=False).encode("utf-8-sig")


def ledger_xlsx(schedule: Schedule, project: Project) -> bytes:
    df = ledger_frame(schedule, project)
    wb = Workbook()
    sheet = wb.active
    sheet.title = "台账"
    sheet.append(list(LEDGER_COLUMNS))
    for r, values in enumerate(df.itertuples(index=False), start=2):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(r, c)
            if isinstance(value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)  # validation keeps these out; never crash
                cell.data_type = "s"  # text, even when it starts with '=': openpyxl would make that a formula
                cell.quotePrefix = value.startswith(FORMULA_START)
            else:
                cell.value = int(value)
    for i, col in enumerate(LEDGER_COLUMNS):
        width = max([len(col)] + [len(str(v)) for v in df[col].head(200)])
        sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = min(60, width + 2)
    sheet.freeze_panes = "B2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

"""The ledger (台账): one row per task with the columns of SPEC §7, as CSV (UTF-8 with BOM, so Excel opens
Chinese text); the workbook (workbook.py) holds the same rows on its first sheet.

No text from the input ever becomes a formula (SPEC §7). In the CSV a cell that starts with `=`, `+`, `-`,
`@`, a tab, a carriage return or `'` gets a leading `'` (what Excel and WPS show as "text"; `check`
removes it again when it reads the ledger back), so `=HYPERLINK(…)` stays text and `-1层车库防水` is no
`#NAME?`. In the XLSX every text cell is stored as a string (never a formula) and such cells also carry
Excel's quote-prefix style, so that editing one in Excel or WPS keeps it text.
"""

from __future__ import annotations

import pandas as pd

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

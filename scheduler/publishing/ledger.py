"""The ledger (台账): one row per task, as CSV (UTF-8 with BOM, so Excel opens Chinese text) and XLSX."""

from __future__ import annotations

import io

import pandas as pd

from models.project import Project
from models.schedule import LEDGER_COLUMNS, Schedule


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
    return ledger_frame(schedule, project).to_csv(index=False).encode("utf-8-sig")


def ledger_xlsx(schedule: Schedule, project: Project) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        df = ledger_frame(schedule, project)
        df.to_excel(xl, index=False, sheet_name="台账")
        sheet = xl.sheets["台账"]
        for i, col in enumerate(LEDGER_COLUMNS):
            width = max([len(col)] + [len(str(v)) for v in df[col].head(200)])
            sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = min(60, width + 2)
        sheet.freeze_panes = "B2"
    return buf.getvalue()

"""The ledger (台账): one row per task with the columns of SPEC §7, as CSV (UTF-8 with BOM, so Excel opens
Chinese text); the workbook (workbook.py) holds the same rows on its first sheet."""

from __future__ import annotations

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

"""Everything digonce writes for people: ledger, and (soon) Gantt, feeds and notices. Atomic writes only."""

from __future__ import annotations

from pathlib import Path

from models.project import Project
from models.schedule import Schedule

from .files import write_atomic
from .ledger import ledger_csv, ledger_xlsx


def publish(schedule: Schedule, project: Project, out: str | Path) -> list[Path]:
    """Write every output for this schedule into `out`; returns the paths written."""
    out = Path(out)
    files = {
        out / "schedule.json": schedule.to_json(),
        out / "schedule.csv": ledger_csv(schedule, project),
        out / "schedule.xlsx": ledger_xlsx(schedule, project),
    }
    for path, data in files.items():  # render everything first, then write: a failure writes nothing
        write_atomic(path, data)
    return list(files)

"""Everything digonce writes for people: ledger, Gantt, calendar feeds, resident notices.

Every file is rendered in memory first and then written atomically, so a failed run never leaves a
half-written feed or notice behind, and a server reading OUT sees the old file or the new one.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from models.project import Project
from models.schedule import Schedule

from scheduler.publishing.feeds import render_feeds
from scheduler.publishing.files import write_atomic
from scheduler.publishing.gantt import gantt_html
from scheduler.publishing.ledger import ledger_csv
from scheduler.publishing.notices import render_notices
from scheduler.publishing.workbook import ledger_workbook


def publish(schedule: Schedule, project: Project, out: str | Path, baseline_dir: str | Path | None = None,
            now: datetime | None = None, baseline: Schedule | None = None) -> list[Path]:
    """Write every output for this schedule into `out`; returns the paths written.

    The previous feeds (in `baseline_dir`, else in `out` itself) are the reference for SEQUENCE
    numbers and change times, so re-publishing an unchanged schedule rewrites identical bytes.
    A `baseline` schedule is drawn as ghost bars in the Gantt chart.
    """
    out = Path(out)
    now = now or datetime.now(timezone.utc).replace(microsecond=0)
    previous = Path(baseline_dir) if baseline_dir else out
    version = f"{schedule.input_sha256[:8] or 'local'}-{now.date().isoformat()}"
    files: dict[Path, str | bytes] = {
        out / "schedule.json": schedule.to_json(),
        out / "schedule.csv": ledger_csv(schedule, project),
        out / "schedule.xlsx": ledger_workbook(schedule, project, now.date()),
        out / "gantt.html": gantt_html(schedule, project, baseline=baseline),
    }
    files.update({out / rel: data for rel, data in render_feeds(schedule, project, previous, now).items()})
    files.update({out / rel: data for rel, data in
                  render_notices(schedule, project, issued=now.date(),
                                 version=version).items()})
    for path, data in files.items():
        write_atomic(path, data)
    return list(files)

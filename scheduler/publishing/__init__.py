"""Everything digonce writes for people: ledger, Gantt, calendar feeds, resident notices.

Every file is rendered in memory first; the whole set then becomes the next release of OUT and is put
in force in one step (`release.py`), so a failed run leaves the previous set in force, and a server
reading OUT sees the whole old set or the whole new one.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from models.project import Project
from models.schedule import Schedule

from scheduler.publishing.feeds import render_feeds
from scheduler.publishing.gantt import gantt_html
from scheduler.publishing.ledger import ledger_csv
from scheduler.publishing.notices import render_notices
from scheduler.publishing.release import KEEP, Published, write_release
from scheduler.publishing.workbook import ledger_workbook


def render(schedule: Schedule, project: Project, version: int, previous: Path | None, now: datetime,
           baseline: Schedule | None = None) -> dict[str, bytes]:
    """Every output of release `version`, relative path → bytes; `previous` is the folder whose feeds are the
    reference for SEQUENCE numbers and change times (None: none)."""
    files: dict[str, bytes] = {
        "schedule.json": schedule.to_json().encode("utf-8"),
        "schedule.csv": ledger_csv(schedule, project),
        "schedule.xlsx": ledger_workbook(schedule, project, now.date()),
        "gantt.html": gantt_html(schedule, project, baseline=baseline).encode("utf-8"),
    }
    files.update(render_feeds(schedule, project, previous, now, release=version))
    files.update({rel: text.encode("utf-8") for rel, text in
                  render_notices(schedule, project, issued=now.date(), version=version).items()})
    return files


def publish(schedule: Schedule, project: Project, out: str | Path, baseline_dir: str | Path | None = None,
            now: datetime | None = None, baseline: Schedule | None = None, keep: int = KEEP) -> Published:
    """Make every output for this schedule the next release of `out`; returns the stable paths written
    (`.release` says which release). Raises ReleaseError, with the release in force untouched, on failure.

    The feeds in force (or those in `baseline_dir`) are the reference for SEQUENCE numbers and change times,
    so re-publishing an unchanged schedule keeps every event's SEQUENCE. A `baseline` schedule is drawn as
    ghost bars in the Gantt chart. Releases beyond the `keep` newest are pruned to their schedule.json.
    """
    now = now or datetime.now(timezone.utc).replace(microsecond=0)
    ref = Path(baseline_dir) if baseline_dir else None
    return write_release(out, lambda version, previous: render(schedule, project, version, ref or previous, now,
                                                               baseline), keep=keep, now=now)

"""Everything digonce writes for people: ledger, Gantt (with plotly.js once per release), calendar feeds,
resident notices.

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
from scheduler.publishing.gantt import PLOTLY_JS, gantt_html, plotly_js
from scheduler.publishing.ledger import ledger_csv
from scheduler.publishing.notices import building_names, render_notices
from scheduler.publishing.public import normal_url, remember, remembered
from scheduler.publishing.release import KEEP, Published, ReleaseError, write_release
from scheduler.publishing.workbook import ledger_workbook


def render(schedule: Schedule, project: Project, version: int, previous: Path | None, now: datetime,
           baseline: Schedule | None = None, public_url: str | None = None) -> dict[str, bytes]:
    """Every output of release `version`, relative path → bytes; `previous` is the folder whose feeds are the
    reference for SEQUENCE numbers and change times (None: none). `baseline`: the schedule people were told
    before (ghost bars and late work in the Gantt, change marks on the notices); `public_url`: where `serve`
    is reached (QR codes on the notices)."""
    files: dict[str, bytes] = {
        "schedule.json": schedule.to_json().encode("utf-8"),
        "schedule.csv": ledger_csv(schedule, project),
        "schedule.xlsx": ledger_workbook(schedule, project, now.date()),
        "gantt.html": gantt_html(schedule, project, baseline=baseline, plotlyjs=PLOTLY_JS).encode("utf-8"),
        PLOTLY_JS: plotly_js(),
    }
    files.update(render_feeds(schedule, project, previous, now, release=version))
    files.update({rel: text.encode("utf-8") for rel, text in
                  render_notices(schedule, project, issued=now.date(), version=version, public_url=public_url,
                                 baseline=baseline).items()})
    return files


def publish(schedule: Schedule, project: Project, out: str | Path, baseline_dir: str | Path | None = None,
            now: datetime | None = None, baseline: Schedule | None = None, keep: int = KEEP,
            public_url: str | None = None) -> Published:
    """Make every output for this schedule the next release of `out`; returns the stable paths written
    (`.release` says which release). Raises ReleaseError, with the release in force untouched, on failure.

    The feeds in force (or those in `baseline_dir`) are the reference for SEQUENCE numbers and change times,
    so re-publishing an unchanged schedule keeps every event's SEQUENCE. A `baseline` schedule is drawn as
    ghost bars in the Gantt chart and marks what changed on the notices. `public_url` (where residents reach
    `digonce serve`) puts a QR code on every notice and is remembered in OUT for later releases and `serve`;
    without it, the one remembered is used. Releases beyond the `keep` newest are pruned to their schedule.json.
    """
    now = now or datetime.now(timezone.utc).replace(microsecond=0)
    ref = Path(baseline_dir) if baseline_dir else None
    url = _public_url(out, public_url)
    return write_release(out, lambda version, previous: render(schedule, project, version, ref or previous, now,
                                                               baseline, url),
                         keep=keep, now=now, notes={**({"public_url": url} if url else {}),
                                                    "buildings": building_names(project)})


def _public_url(out: str | Path, given: str | None) -> str | None:
    """The public URL for this release: `given` (then remembered in OUT), else the one OUT remembers."""
    if given is None:
        return remembered(out)
    url = normal_url(given)
    if url is None:
        raise ReleaseError(f"--public-url {given}: give a full address such as https://feeds.example.org")
    try:
        remember(out, url)
    except OSError as exc:
        raise ReleaseError(f"{out}: cannot remember the public URL ({exc.strerror or type(exc).__name__}) — "
                           f"nothing was written") from exc
    return url

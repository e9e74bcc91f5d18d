"""The Python API: what the `digonce` CLI does, for people who script it.

    import scheduler as digonce

    project, warnings = digonce.load_project("inputs/hepingli")
    tasks = digonce.expand(project)
    result = digonce.plan(project, tasks, time_limit=60)
    assert not digonce.check(project, tasks, result.schedule)
    digonce.publish(result.schedule, project, "out")

Every function here is re-exported from the package root; the modules behind it may move, these names
do not. Bad input raises `InputError` (its `.problems` say file, place, what is wrong and the fix).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

from models import InputError, Problem, Project, load_project
from models.schedule import Schedule
from scheduler.planning.compile import Reserved
from scheduler.planning.expand import Task, expand
from scheduler.planning.planner import Plan, diagnose
from scheduler.planning.planner import plan as _plan
from scheduler.planning.progress import Progress, read_progress
from scheduler.planning.replan import Replan
from scheduler.planning.replan import replan as _replan
from scheduler.planning.result import dated_schedule
from scheduler.publishing import publish as _publish
from scheduler.publishing.mspdi import export_mspdi as _export_mspdi
from scheduler.publishing.release import KEEP, Published, Release, ReleaseError, check_out, in_force, schedule_in_force
from scheduler.review.check import RULES, Violation, check_schedule, read_schedule_file
from scheduler.review.diff import Diff, diff
from scheduler.review.explain import Explanation, explain_conflict
from scheduler.review.hold import TaskExplanation, explain_task

__all__ = [
    "Diff", "Explanation", "InputError", "Plan", "Problem", "Progress", "Project", "Published", "RULES", "Release",
    "ReleaseError", "Replan", "Schedule", "Task", "TaskExplanation", "Violation", "check", "check_out", "complete",
    "diff", "expand", "explain", "explain_task", "export_mspdi", "load_project", "plan", "publish", "read_progress",
    "read_schedule", "release_in_force", "replan", "schedule_in_force",
]

# (stage, best value, bound, elapsed seconds), called whenever the search finds a better schedule
ProgressCallback = Callable[[str, int, float, float], None]


def plan(project: Project, tasks: list[Task], *, time_limit: float = 60.0, workers: int = 2, seed: int = 0,
         progress: ProgressCallback | None = None, deterministic_limit: float | None = None,
         reserved: Reserved | None = None, end: date | None = None, explain: bool = True) -> Plan:
    """Schedule the expanded tasks. `.schedule` is None when nothing was found; when the rules conflict,
    `.solution.status` is "INFEASIBLE" and `.conflict` holds the smallest set of rule groups in conflict.
    `time_limit` is the wall-clock budget of the whole search. `deterministic_limit` (CP-SAT deterministic
    time, None: none) bounds the search by work done instead: with workers=1 and a seed, the result then
    repeats on a busy machine too. `reserved` (a district programme, SPEC §9): per shared crew or machine
    (`crews(trade)`, `machine(name)`) and date, the units other compounds hold; `end`: the last day of the
    working horizon (default: the planner's own); `explain=False`: no conflict search when infeasible."""
    return _plan(project, tasks, time_limit, workers, seed, progress, end=end,
                 deterministic_limit=deterministic_limit, reserved=reserved, explain=explain)


def replan(project: Project, tasks: list[Task], baseline: Schedule, progress: dict[str, Progress], as_of: date,
           *, time_limit: float = 60.0, workers: int = 2, seed: int = 0,
           on_progress: ProgressCallback | None = None, deterministic_limit: float | None = None) -> Replan:
    """Re-plan from reported progress (`read_progress`): nothing new before `as_of`, done work where it
    happened, started work without a gap, announced days kept where possible (SPEC §8 `replan`).
    `deterministic_limit` as in `plan`."""
    return _replan(project, tasks, baseline, progress, as_of, time_limit, workers, seed, on_progress,
                   deterministic_limit=deterministic_limit)


def read_schedule(path: str | Path, project: Project, tasks: list[Task]) -> Schedule:
    """A schedule.json, or a ledger (CSV in UTF-8 or GBK, XLSX) a project manager edited by hand."""
    return read_schedule_file(path, project, tasks)


def complete(project: Project, tasks: list[Task], schedule: Schedule) -> Schedule:
    """An edited ledger's dated tasks completed with its openings, occupations, disruptions and objective
    values, ready to check and publish."""
    return dated_schedule(project, tasks, schedule)


def check(project: Project, tasks: list[Task], schedule: Schedule) -> list[Violation]:
    """Every violation of SPEC §5 (rules R1–R10, and every task scheduled once); empty means valid."""
    return check_schedule(project, tasks, schedule)


def explain(project: Project, tasks: list[Task], *, time_limit: float = 60.0, seed: int = 0,
            deterministic_limit: float | None = None, lang: str | None = None) -> Explanation:
    """Why the project cannot be scheduled: a minimal set of rules in conflict, in words (in `lang`, default the
    project's), with the ways out. `deterministic_limit` as in `plan`."""
    return explain_conflict(project, tasks, diagnose(project, tasks, time_limit, seed, deterministic_limit), lang)


def publish(schedule: Schedule, project: Project, out: str | Path, *, baseline: Schedule | None = None,
            baseline_dir: str | Path | None = None, keep: int = KEEP, public_url: str | None = None) -> Published:
    """Make the ledger, Gantt, feeds and notices the next release of `out`, put in force in one step
    (SPEC §7); returns the stable paths written, `.release` the release. The feeds in `baseline_dir`
    (default: the release in force) are the reference for SEQUENCE numbers; `baseline` draws ghost bars and
    late work in the Gantt and marks each change on the notices; `public_url` (where `digonce serve` is
    reached) puts QR codes on the notices and is remembered in `out` (default: the one remembered);
    releases beyond the `keep` newest keep only their schedule.json. Raises ReleaseError (one line; the
    release in force stays) when the release cannot be made."""
    return _publish(schedule, project, out, baseline_dir=baseline_dir, baseline=baseline, keep=keep,
                    public_url=public_url)


def release_in_force(out: str | Path) -> Release | None:
    """The release of `out` in force (its version and folder), or None before the first."""
    return in_force(out)


def export_mspdi(schedule: Schedule, project: Project, tasks: list[Task], *, baseline: Schedule | None = None,
                 outline: str = "zone") -> bytes:
    """The schedule as Microsoft Project XML (MSPDI) for MS Project, Primavera P6 and GanttProject: tasks under
    a summary per zone (`outline="trade"`: per trade), links with lags, the calendars with CN holidays and 调休,
    trades and machines as resources, and `baseline`'s dates as each task's baseline. `tasks` is the project's
    expansion; a scheduled task that is not one of them raises ValueError."""
    return _export_mspdi(schedule, project, tasks, baseline=baseline, outline=outline)

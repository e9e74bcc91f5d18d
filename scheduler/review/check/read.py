"""Reading a schedule for the referee: schedule.json, or a ledger (schedule.csv / .xlsx) a PM edited by hand.

A ledger gives only id, start and finish per row; the rest of each task comes from the project's
expansion, and its working days are rebuilt from its calendar. Every problem is one line: file, place, fix.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from models.problems import InputError, Place, Problem
from models.project import Project
from models.sanity import date_window
from models.schedule import LEDGER_COLUMNS, OutageInfo, Schedule, ScheduledTask
from models.source import path_str
from models.tables import TABLE_SUFFIXES, Table, parse_date, read_table, split_sheet

from scheduler.planning.calendars import Calendars
from scheduler.planning.expand import Task
from scheduler.text import LANGS, section

LEDGER_REQUIRED = ("id", "start", "finish")


def _problem(file: str, message: str, fix: str = "", *, row: int | None = None, field: str | None = None,
             line: int | None = None, column: int | None = None, path: str = "") -> Problem:
    return Problem(Place(file, line=line, column=column, row=row, field=field), path, message, fix)


def read_schedule_file(path: str | Path, project: Project, tasks: list[Task]) -> Schedule:
    """A schedule.json, or a ledger (schedule.csv / schedule.xlsx[#sheet]: only id, start and finish matter).

    Ledger rows are completed from the expansion (name, trade, kind, zone…, and the working days rebuilt
    from the task's calendar). Raises InputError with one line per problem: file, row/column, fix.
    """
    shown = str(path)
    file = Path(split_sheet(path)[0])
    suffix = file.suffix.lower()
    if not file.is_file():
        raise InputError([_problem(shown, "does not exist", "give the path of schedule.json, .csv or .xlsx")])
    window = date_window(project.project.start)
    if suffix == ".json":
        sched, rows = _read_json(file, shown)
        where = [f"tasks[{i}]" for i in range(len(sched.tasks))]
        _check_window([(None, f"tasks[{i}].{c}", t.id, c, getattr(t, c)) for i, t in enumerate(sched.tasks)
                       for c in ("start", "finish")], window, shown)
    elif suffix in TABLE_SUFFIXES:
        parsed = _ledger_tasks(read_table(path, shown, required=LEDGER_REQUIRED), {t.id for t in tasks}, window)
        rows = [n for n, _ in parsed]
        where = [""] * len(parsed)
        sched = Schedule(project=project.project.id, input_sha256=project.input_sha256,
                         tasks=_complete(project, tasks, [t for _, t in parsed]))
    else:
        raise InputError([_problem(shown, f"'{file.suffix or file.name}' is not a schedule file",
                                   "give schedule.json, or the ledger schedule.csv / schedule.xlsx")])
    problems = _identity_problems(sched, project, shown)
    problems += _duplicate_problems(sched, rows, where, shown)
    if problems:
        raise InputError(problems)
    return sched


def _identity_problems(sched: Schedule, project: Project, shown: str) -> list[Problem]:
    if sched.project == project.project.id:
        return []
    return [_problem(shown, f"is the schedule of project '{sched.project}', not of '{project.project.id}'",
                     "check it against its own project folder", path="project")]


def _duplicate_problems(sched: Schedule, rows: list[int | None], where: list[str], shown: str) -> list[Problem]:
    """A task listed twice, named by its ledger row or its tasks[i] entry in schedule.json."""
    problems = []
    first: dict[str, int] = {}
    for i, t in enumerate(sched.tasks):
        if t.id not in first:
            first[t.id] = i
            continue
        j = first[t.id]
        also = f"row {rows[j]}" if rows[j] is not None else f"tasks[{j}]"
        problems.append(_problem(shown, f"task '{t.id}' is listed twice (also {also})", "keep one entry per task",
                                 row=rows[i], field="id" if rows[i] is not None else None,
                                 path=f"{where[i]}.id" if where[i] else ""))
    return problems


def _check_window(dates: list[tuple[int | None, str, str, str, date]], window: tuple[date, date], shown: str) -> None:
    """Every date (row, path, task, column, value) within the project's window, else one line each: a finish
    in 9999 would have the referee build calendars for eight thousand years."""
    lo, hi = window
    problems = [_problem(shown, f"task '{tid}': {col} {value} lies outside the project's dates ({lo} to {hi})",
                         "correct the year", row=row, field=col if row is not None else None, path=path)
                for row, path, tid, col, value in dates if not lo <= value <= hi]
    if problems:
        raise InputError(problems)


def _ledger_tasks(table: Table, known: set[str], window: tuple[date, date]) -> list[tuple[int, ScheduledTask]]:
    """(row number, task) per ledger row; every problem found is raised at once. An id written with the
    ledger's leading `'` (which keeps `=…`, `-…` from being a formula) reads as the id it stands for."""
    shown = table.shown
    if not any(table.header):
        raise InputError([_problem(shown, "has no header row", "the first row names the columns: "
                                   + ",".join(LEDGER_COLUMNS), row=1)])
    header = [_canonical(h) for h in table.header]
    table = replace(table, header=header)
    missing = [c for c in LEDGER_REQUIRED if c not in header]
    if missing:
        raise InputError([_problem(shown, f"missing column '{c}'",
                                   f"add a '{c}' column to the header row (the ledger needs id, start, finish)"
                                   + "".join(f"; did you mean '{h}'?" for h in
                                             difflib.get_close_matches(c, [h for h in header if h], n=1)),
                                   row=1) for c in missing])
    problems: list[Problem] = []
    out: list[tuple[int, ScheduledTask]] = []
    for n, cells in table.records(fold=True):
        tid = cells["id"]
        if tid.startswith("'") and tid not in known and tid[1:] in known:
            tid = tid[1:]
        if not tid:
            problems.append(_problem(shown, "this row has no task id", "fill in the id, or delete the row",
                                     row=n, field="id"))
            continue
        dates = {}
        for c in ("start", "finish"):
            try:
                dates[c] = parse_date(cells[c])
            except ValueError as exc:
                problems.append(_problem(shown, f"task '{tid}': {c} {exc}",
                                         "write dates as YYYY-MM-DD, e.g. 2027-03-08", row=n, field=c))
        if len(dates) == 2:
            out.append((n, ScheduledTask(id=tid, name=cells.get("name", ""), start=dates["start"],
                                         finish=dates["finish"])))
    if problems:
        raise InputError(problems)
    _check_window([(n, "", t.id, c, getattr(t, c)) for n, t in out for c in ("start", "finish")], window, shown)
    return out


def _canonical(header: str) -> str:
    """A ledger column by its SPEC name, whatever language the workbook's header row is in (任务编号 → id)."""
    name = header.strip().lower()
    for lang in LANGS:
        for key, word in section("ledger.column", lang).items():
            if str(word).strip().lower() == name:
                return key
    return name


def _pydantic_problems(exc: ValidationError, data: Any, shown: str) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        last = str(loc[-1]) if loc else ""
        who = ""
        if len(loc) >= 2 and loc[0] == "tasks" and isinstance(loc[1], int):
            try:
                who = f"task '{data['tasks'][loc[1]]['id']}': "
            except (KeyError, IndexError, TypeError):
                pass
        kind, value = err["type"], err.get("input")
        if kind == "missing":
            message, fix = f"required field '{last}' is missing", f"add \"{last}\""
        elif kind.startswith(("date_", "datetime_")):
            message, fix = f"'{value}' is not a date", "write dates as YYYY-MM-DD, e.g. 2027-03-08"
        elif kind == "literal_error" and loc == ("format",):
            message, fix = f"'{value}' is not a digonce schedule format", "this reads format digonce-schedule/1"
        else:
            message, fix = err["msg"], "correct the value (see SPEC §7 schedule.json)"
        out.append(_problem(shown, who + message, fix, path=path_str(loc)))
    return out


def _read_json(file: Path, shown: str) -> tuple[Schedule, list[int | None]]:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([_problem(shown, f"cannot be read ({exc.__class__.__name__})",
                                   "give a schedule.json written by digonce solve")]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([_problem(shown, f"is not valid JSON: {exc.msg}", "fix the JSON syntax here",
                                   line=exc.lineno, column=exc.colno)]) from None
    except RecursionError:
        raise InputError([_problem(shown, "nests lists or objects too deeply to be a schedule",
                                   "give a schedule.json written by digonce solve")]) from None
    if not isinstance(data, dict):
        raise InputError([_problem(shown, "is not a schedule object", "give a schedule.json written by digonce solve")])
    try:
        sched = Schedule.model_validate(data)
    except ValidationError as exc:
        raise InputError(_pydantic_problems(exc, data, shown)) from None
    return sched, [None] * len(sched.tasks)


def _complete(project: Project, tasks: list[Task], rows: list[ScheduledTask]) -> list[ScheduledTask]:
    """Fill ledger rows from the expansion; their `days` are the working days between start and finish."""
    by_id = {t.id: t for t in tasks}
    dates = [d for r in rows for d in (r.start, r.finish)]
    cal = Calendars(project, max(dates + [project.project.start, project.project.deadline or date.min]))
    out = []
    for r in rows:
        t = by_id.get(r.id)
        if t is None:
            out.append(r)
            continue
        outage = (OutageInfo(type=t.outage.type, serves=list(t.outage.serves), hours=t.outage.hours,
                             notice_days=t.outage.notice_days) if t.outage else None)
        out.append(ScheduledTask(
            id=t.id, name=t.name, trade=t.trade, kind=t.kind, work=t.work, zone=t.zone, building=t.building,
            start=r.start, finish=r.finish, days=cal.span(t.calendar, r.start, r.finish), noisy=t.noisy,
            underground=t.underground, surface=t.surface, hours=list(t.hours), outage=outage,
            equipment=sorted(t.equipment), after=list(t.after)))
    return out

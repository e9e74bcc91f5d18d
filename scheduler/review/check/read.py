"""Reading a schedule for the referee: schedule.json, or a ledger (schedule.csv / .xlsx) a PM edited by hand.

A ledger gives only id, start and finish per row; the rest of each task comes from the project's
expansion, and its working days are rebuilt from its calendar. Its header may be in either language, as the
workbook writes it (text/*/ledger.yaml `column`) or as a site office retitles it (text/*/check.yaml
`read.header`: 任务, 开始日期, 完成日期 …). Every problem is one line: file, place, fix (text/*/check.yaml `read`).
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
from scheduler.text import LANGS, Msg, section

LEDGER_REQUIRED = ("id", "start", "finish")


def _problem(file: str, message: Msg, fix: Msg | str = "", *, row: int | None = None, field: str | None = None,
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
        raise InputError([_problem(shown, Msg("input.file.missing"), Msg("check.read.missing_fix"))])
    window = date_window(project.project.start)
    if suffix == ".json":
        sched, rows = _read_json(file, shown)
        where = [f"tasks[{i}]" for i in range(len(sched.tasks))]
        _check_window([(None, f"tasks[{i}].{c}", t.id, c, getattr(t, c)) for i, t in enumerate(sched.tasks)
                       for c in ("start", "finish")], window, shown)
    elif suffix in TABLE_SUFFIXES:
        parsed = _ledger_tasks(read_table(path, shown, required=LEDGER_REQUIRED, canonical=_canonical),
                               {t.id for t in tasks}, window)
        rows = [n for n, _ in parsed]
        where = [""] * len(parsed)
        sched = Schedule(project=project.project.id, input_sha256=project.input_sha256,
                         tasks=_complete(project, tasks, [t for _, t in parsed]))
    else:
        raise InputError([_problem(shown, Msg("check.read.not_schedule_file", suffix=file.suffix or file.name),
                                   Msg("check.read.not_schedule_file_fix"))])
    problems = _identity_problems(sched, project, shown)
    problems += _duplicate_problems(sched, rows, where, shown)
    if problems:
        raise InputError(problems)
    return sched


def _identity_problems(sched: Schedule, project: Project, shown: str) -> list[Problem]:
    if sched.project == project.project.id:
        return []
    return [_problem(shown, Msg("check.read.other_project", found=sched.project, project=project.project.id),
                     Msg("check.read.other_project_fix"), path="project")]


def _duplicate_problems(sched: Schedule, rows: list[int | None], where: list[str], shown: str) -> list[Problem]:
    """A task listed twice, named by its ledger row or its tasks[i] entry in schedule.json."""
    problems = []
    first: dict[str, int] = {}
    for i, t in enumerate(sched.tasks):
        if t.id not in first:
            first[t.id] = i
            continue
        j = first[t.id]
        also = Msg("input.at.row", row=rows[j]) if rows[j] is not None else f"tasks[{j}]"
        problems.append(_problem(shown, Msg("check.read.twice", task=t.id, also=also), Msg("check.read.twice_fix"),
                                 row=rows[i], field="id" if rows[i] is not None else None,
                                 path=f"{where[i]}.id" if where[i] else ""))
    return problems


def _check_window(dates: list[tuple[int | None, str, str, str, date]], window: tuple[date, date], shown: str) -> None:
    """Every date (row, path, task, column, value) within the project's window, else one line each: a finish
    in 9999 would have the referee build calendars for eight thousand years."""
    lo, hi = window
    problems = [_problem(shown, Msg("check.read.outside", task=tid, column=_column(col), date=value, lo=lo, hi=hi),
                         Msg("check.read.outside_fix"), row=row, field=col if row is not None else None, path=path)
                for row, path, tid, col, value in dates if not lo <= value <= hi]
    if problems:
        raise InputError(problems)


def _ledger_tasks(table: Table, known: set[str], window: tuple[date, date]) -> list[tuple[int, ScheduledTask]]:
    """(row number, task) per ledger row; every problem found is raised at once. An id written with the
    ledger's leading `'` (which keeps `=…`, `-…` from being a formula) reads as the id it stands for."""
    shown = table.shown
    if not any(table.header):
        raise InputError([_problem(shown, Msg("check.read.no_header"),
                                   Msg("check.read.no_header_fix", columns=",".join(LEDGER_COLUMNS)), row=1)])
    header = [_canonical(h) for h in table.header]
    table = replace(table, header=header)
    missing = [c for c in LEDGER_REQUIRED if c not in header]
    if missing:
        raise InputError([_problem(shown, Msg("check.read.missing_column", column=_column(c)),
                                   _missing_column_fix(c, [h for h in header if h]), row=1) for c in missing])
    problems: list[Problem] = []
    out: list[tuple[int, ScheduledTask]] = []
    for n, cells in table.records(fold=True):
        tid = cells["id"]
        if tid.startswith("'") and tid not in known and tid[1:] in known:
            tid = tid[1:]
        if not tid:
            problems.append(_problem(shown, Msg("check.read.no_id"), Msg("check.read.no_id_fix"), row=n, field="id"))
            continue
        dates = {}
        for c in ("start", "finish"):
            try:
                dates[c] = parse_date(cells[c])
            except ValueError as exc:
                problems.append(_problem(shown, Msg("check.read.cell", task=tid, column=_column(c), what=exc.args[0]),
                                         Msg("check.read.date_fix"), row=n, field=c))
        if len(dates) == 2:
            out.append((n, ScheduledTask(id=tid, name=cells.get("name", ""), start=dates["start"],
                                         finish=dates["finish"])))
    if problems:
        raise InputError(problems)
    _check_window([(n, "", t.id, c, getattr(t, c)) for n, t in out for c in ("start", "finish")], window, shown)
    return out


def _canonical(header: str) -> str:
    """A ledger column by its SPEC name, whatever language the workbook's header row is in (任务编号 → id), or
    as a site office retitled it (任务 → id, 开始日期 → start)."""
    name = header.strip().lower()
    for lang in LANGS:
        for key, word in section("ledger.column", lang).items():
            if str(word).strip().lower() == name:
                return key
        for key, words in section("check.read.header", lang).items():
            if name in (w.strip().lower() for w in str(words).split("|")):
                return key
    return name


def _column(name: str) -> Msg:
    """A ledger column in words, as the workbook names it (start; 开始)."""
    return Msg(f"ledger.column.{name}")


def _missing_column_fix(column: str, header: list[str]) -> Msg:
    close = difflib.get_close_matches(column, header, n=1)
    return (Msg("check.read.missing_column_close", column=_column(column), close=close[0]) if close
            else Msg("check.read.missing_column_fix", column=_column(column)))


def _pydantic_problems(exc: ValidationError, data: Any, shown: str) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        last = str(loc[-1]) if loc else ""
        who = None
        if len(loc) >= 2 and loc[0] == "tasks" and isinstance(loc[1], int):
            try:
                who = data['tasks'][loc[1]]['id']
            except (KeyError, IndexError, TypeError):
                pass
        kind, value = err["type"], err.get("input")
        if kind == "missing":
            message, fix = Msg("input.schema.missing", field=last), Msg("check.read.add_field", field=last)
        elif kind.startswith(("date_", "datetime_")):
            message, fix = Msg("input.schema.not_a_date", value=value), Msg("check.read.date_fix")
        elif kind == "literal_error" and loc == ("format",):
            message, fix = Msg("check.read.format", value=value), Msg("check.read.format_fix")
        else:
            message, fix = err["msg"], Msg("check.read.json_other_fix")  # a library's own words
        if who is not None:
            message = Msg("check.read.of_task", task=who, message=message)
        out.append(_problem(shown, message, fix, path=path_str(loc)))
    return out


def _read_json(file: Path, shown: str) -> tuple[Schedule, list[int | None]]:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([_problem(shown, Msg("input.file.unreadable", why=exc.__class__.__name__),
                                   Msg("check.read.json_fix"))]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([_problem(shown, Msg("check.read.bad_json", why=exc.msg), Msg("check.read.bad_json_fix"),
                                   line=exc.lineno, column=exc.colno)]) from None
    except RecursionError:
        raise InputError([_problem(shown, Msg("check.read.too_deep"), Msg("check.read.json_fix"))]) from None
    if not isinstance(data, dict):
        raise InputError([_problem(shown, Msg("check.read.not_object"), Msg("check.read.json_fix"))])
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

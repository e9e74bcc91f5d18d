"""Read `progress.csv` / `progress.xlsx` for `digonce replan` (SPEC §8): what happened before the as-of date.

One row per reported task: `task`, `status` (done | started | not_started), `actual_start`, `actual_finish`,
`remaining_days`. Headers and status words may also be written in Chinese, as a site office does (任务, 状态,
实际开始, 实际完成, 剩余工日; 已完成, 进行中, 未开始 …: text/*/progress.yaml `column` and `status`). Every
problem in the file is reported at once, one line each, with its row and column (as the sheet names it), so
the project manager fixes the sheet in one round.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path

from models.problems import InputError, Place, Problem, did_you_mean
from models.sanity import date_window
from models.tables import TABLE_SUFFIXES, parse_date, read_table, split_sheet

from scheduler.text import LANGS, Msg, section

COLUMNS = ("task", "status", "actual_start", "actual_finish", "remaining_days")
MAX_REMAINING = 2000  # working days: about eight years, far beyond any renovation
STATUSES = ("done", "started", "not_started")


@dataclass(frozen=True)
class Progress:
    """One row of progress.csv: what happened to a task before the as-of date."""
    task: str
    status: str  # done | started | not_started
    actual_start: date | None
    actual_finish: date | None
    remaining_days: int | None
    row: int


@cache
def _words(kind: str) -> dict[str, str]:
    """Every language's words of a `kind` (column, status: progress.<kind>; `a | b` lists several), folded, each →
    the SPEC name it stands for."""
    out: dict[str, str] = {}
    for lang in LANGS:
        for name, alternatives in section(f"progress.{kind}", lang).items():
            for word in str(alternatives).split("|"):
                out.setdefault(_fold(word), name)
    return out


def _fold(word: str) -> str:
    return word.strip().lower().replace(" ", "_")


def column_name(header: str) -> str:
    """A progress sheet's column by its SPEC name (任务 → task, 实际开始 → actual_start); unknown ones as written."""
    return _words("column").get(_fold(header), header.strip().lower())


def status_name(written: str) -> str:
    """A status by its SPEC name (已完成 → done, 进行中 → started, not started → not_started)."""
    return _words("status").get(_fold(written), _fold(written))


def read_progress(path: str | Path, task_ids: list[str], as_of: date, project_start: date) -> dict[str, Progress]:
    """Task id → its reported progress. Raises InputError listing every bad row."""
    shown = str(path)
    if not split_sheet(path)[0].lower().endswith(TABLE_SUFFIXES):
        suffix = Path(path).suffix or Path(path).name
        raise InputError([Problem(Place(shown), "", Msg("progress.not_table", suffix=suffix),
                                  Msg("progress.not_table_fix"))])
    table = read_table(path, shown, required=("task", "status"), canonical=column_name)
    sheet = _Sheet(shown, as_of, project_start)
    header = sheet.check_header(table.header)
    if sheet.problems:
        raise InputError(sheet.problems)
    known = set(task_ids)
    out: dict[str, Progress] = {}
    for n, cell in replace(table, header=header).records():
        tid, written = cell.get("task", ""), cell.get("status", "")
        status = status_name(written)
        if not sheet.identified(n, tid, status, written, task_ids, known, out):
            continue
        values = sheet.values(n, tid, cell)
        if values is None:
            continue
        progress = Progress(tid, status, *values, n)
        before = len(sheet.problems)
        sheet.check_row(progress)
        if len(sheet.problems) == before:
            out[tid] = progress
    if sheet.problems:
        raise InputError(sheet.problems)
    return out


def _name(column: str) -> Msg:
    """A column in words (actual_start; 实际开始)."""
    return Msg(f"progress.name.{column}")


def _status(status: str) -> Msg:
    return Msg(f"progress.status_name.{status}")


@dataclass
class _Sheet:
    """A progress sheet being read: its problems pile up, so the PM fixes them all in one round."""

    shown: str
    as_of: date
    project_start: date
    problems: list[Problem] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)  # SPEC name → the column's header as the sheet has it

    def bad(self, row: int, col: str | None, message: Msg, fix: Msg) -> None:
        col = self.written.get(col, col) if col else col
        self.problems.append(Problem(Place(self.shown, row=row, field=col), "", message, fix))

    def check_header(self, header: list[str]) -> list[str]:
        """The header by SPEC names; a missing task or status column and each unknown column are problems."""
        names = [column_name(h) if h else "" for h in header]
        for h, name in zip(header, names):
            self.written.setdefault(name, h.strip())
        for c in ("task", "status"):
            if c not in names:
                self.bad(1, None, Msg("progress.missing_column", column=_name(c)),
                         Msg("progress.columns_are", columns=[_name(c) for c in COLUMNS]))
        for name in names:
            if name and name not in COLUMNS:
                close = difflib.get_close_matches(name, list(_words("column")), n=1)
                self.bad(1, name, Msg("progress.unknown_column", column=name),
                         Msg("input.hint.close", choice=close[0]) if close
                         else Msg("progress.columns_are", columns=[_name(c) for c in COLUMNS]))
        return names

    def identified(self, n: int, tid: str, status: str, written: str, task_ids: list[str], known: set[str],
                   seen: dict[str, Progress]) -> bool:
        """Whether row n names a task of the project, once, with a known status."""
        if not tid:
            self.bad(n, "task", Msg("progress.no_task"), Msg("progress.no_task_fix"))
        elif tid not in known:
            self.bad(n, "task", Msg("progress.unknown_task", task=tid), did_you_mean(tid, task_ids, "task"))
        elif tid in seen:
            self.bad(n, "task", Msg("progress.twice", task=tid, row=seen[tid].row), Msg("progress.twice_fix"))
        elif status not in STATUSES:
            close = difflib.get_close_matches(status, STATUSES, n=1)
            self.bad(n, "status", Msg("progress.bad_status", status=written, task=tid, statuses=" | ".join(STATUSES)),
                     Msg("input.hint.close", choice=close[0]) if close else Msg("progress.bad_status_fix"))
        else:
            return True
        return False

    def values(self, n: int, tid: str, cell: dict[str, str]) -> tuple[date | None, date | None, int | None] | None:
        """actual_start, actual_finish, remaining_days of row n; None when one of them cannot be read."""
        dates: dict[str, date | None] = {}
        readable = True
        lo, hi = date_window(self.project_start)
        for c in ("actual_start", "actual_finish"):
            dates[c] = None
            if cell.get(c):
                try:
                    dates[c] = parse_date(cell[c])
                except ValueError as exc:
                    self.bad(n, c, Msg("progress.cell", column=_name(c), task=tid, what=exc.args[0]),
                             Msg("progress.date_fix"))
                    readable = False
                    continue
                if not lo <= dates[c] <= hi:  # 0001-01-01 is what many exports write for "no date"
                    self.bad(n, c, Msg("progress.outside", column=_name(c), task=tid, date=dates[c], lo=lo, hi=hi),
                             Msg("progress.outside_fix"))
                    readable = False
        remaining = self.remaining(n, tid, cell.get("remaining_days", ""))
        if not readable or remaining is False:
            return None
        return dates["actual_start"], dates["actual_finish"], remaining

    def remaining(self, n: int, tid: str, text: str) -> int | None | bool:
        """remaining_days as a whole number of days (None when empty), or False after reporting why not."""
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or value != value or value in (float("inf"), float("-inf")):
            self.bad(n, "remaining_days", Msg("progress.remaining_not_number", task=tid, text=text),
                     Msg("progress.remaining_not_number_fix"))
            return False
        if not value.is_integer() or not 0 <= value <= MAX_REMAINING:
            self.bad(n, "remaining_days", Msg("progress.remaining_not_whole", task=tid, text=text, max=MAX_REMAINING),
                     Msg("progress.remaining_not_whole_fix"))
            return False
        return int(value)

    def check_row(self, p: Progress) -> None:
        """The dates and remaining days fit the status and the as-of date."""
        n, tid, status, remaining = p.row, p.task, p.status, p.remaining_days
        start, finish = p.actual_start, p.actual_finish
        if status in ("done", "started") and start is None:
            self.bad(n, "actual_start", Msg("progress.no_start", task=tid, status=_status(status)),
                     Msg("progress.no_start_fix"))
        if status == "done" and finish is None:
            self.bad(n, "actual_finish", Msg("progress.no_finish", task=tid), Msg("progress.no_finish_fix"))
        if status == "not_started" and (start or finish):
            c = "actual_start" if start else "actual_finish"
            self.bad(n, c, Msg("progress.not_started_dated", task=tid, column=_name(c)),
                     Msg("progress.not_started_dated_fix"))
        if status == "started":
            if finish is not None:
                self.bad(n, "actual_finish", Msg("progress.started_finished", task=tid),
                         Msg("progress.started_finished_fix"))
            if remaining is None or remaining <= 0:
                self.bad(n, "remaining_days", Msg("progress.started_remaining", task=tid,
                                                  remaining=remaining if remaining is not None
                                                  else Msg("progress.missing")),
                         Msg("progress.started_remaining_fix"))
        if status == "done" and remaining:
            self.bad(n, "remaining_days", Msg("progress.done_remaining", task=tid, remaining=remaining),
                     Msg("progress.done_remaining_fix"))
        self.check_dates(p)

    def check_dates(self, p: Progress) -> None:
        n, tid, start, finish, as_of = p.row, p.task, p.actual_start, p.actual_finish, self.as_of
        if start is not None and start > as_of:
            self.bad(n, "actual_start", Msg("progress.start_after_as_of", task=tid, start=start, as_of=as_of),
                     Msg("progress.start_after_as_of_fix"))
        if start is not None and start < self.project_start:
            self.bad(n, "actual_start", Msg("progress.start_before_project", task=tid, start=start,
                                            project_start=self.project_start), Msg("progress.correct_date"))
        if finish is not None and finish >= as_of:
            self.bad(n, "actual_finish", Msg("progress.finish_not_before_as_of", task=tid, finish=finish, as_of=as_of),
                     Msg("progress.finish_not_before_as_of_fix"))
        if start is not None and finish is not None and finish < start:
            self.bad(n, "actual_finish", Msg("progress.finish_before_start", task=tid, finish=finish, start=start),
                     Msg("progress.correct_dates"))

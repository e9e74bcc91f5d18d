"""Read `progress.csv` / `progress.xlsx` for `digonce replan` (SPEC §8): what happened before the as-of date.

One row per reported task: `task`, `status` (done | started | not_started), `actual_start`, `actual_finish`,
`remaining_days`. Every problem in the file is reported at once, one line each, with its row and column,
so the project manager fixes the sheet in one round.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from models.problems import InputError, Place, Problem, did_you_mean
from models.sanity import date_window
from models.tables import TABLE_SUFFIXES, parse_date, read_table, split_sheet

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


def read_progress(path: str | Path, task_ids: list[str], as_of: date, project_start: date) -> dict[str, Progress]:
    """Task id → its reported progress. Raises InputError listing every bad row."""
    shown = str(path)
    if not split_sheet(path)[0].lower().endswith(TABLE_SUFFIXES):
        raise InputError([Problem(Place(shown), "", f"'{Path(path).suffix or Path(path).name}' is not a progress "
                                  "table", "give progress.csv or progress.xlsx")])
    table = read_table(path, shown, required=("task", "status"))
    sheet = _Sheet(shown, as_of, project_start)
    sheet.check_header([h.lower() for h in table.header])
    if sheet.problems:
        raise InputError(sheet.problems)
    known = set(task_ids)
    out: dict[str, Progress] = {}
    for n, cell in table.records(fold=True):
        tid, status = cell.get("task", ""), cell.get("status", "").lower().replace(" ", "_")
        if not sheet.identified(n, tid, status, cell.get("status", ""), task_ids, known, out):
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


@dataclass
class _Sheet:
    """A progress sheet being read: its problems pile up, so the PM fixes them all in one round."""

    shown: str
    as_of: date
    project_start: date
    problems: list[Problem] = field(default_factory=list)

    def bad(self, row: int, col: str | None, message: str, fix: str) -> None:
        self.problems.append(Problem(Place(self.shown, row=row, field=col), "", message, fix))

    def check_header(self, header: list[str]) -> None:
        for c in ("task", "status"):
            if c not in header:
                self.bad(1, None, f"missing column '{c}'", "the header row names the columns " + ", ".join(COLUMNS))
        for h in header:
            if h and h not in COLUMNS:
                close = difflib.get_close_matches(h, COLUMNS, n=1)
                self.bad(1, h, f"unknown column '{h}'", f"did you mean '{close[0]}'?" if close
                         else "the columns are " + ", ".join(COLUMNS))

    def identified(self, n: int, tid: str, status: str, written: str, task_ids: list[str], known: set[str],
                   seen: dict[str, Progress]) -> bool:
        """Whether row n names a task of the project, once, with a known status."""
        if not tid:
            self.bad(n, "task", "this row has no task id", "fill in the task id, or delete the row")
        elif tid not in known:
            self.bad(n, "task", f"'{tid}' is not a task of this project", did_you_mean(tid, task_ids, "task"))
        elif tid in seen:
            self.bad(n, "task", f"task '{tid}' is reported twice (also row {seen[tid].row})", "keep one row per task")
        elif status not in STATUSES:
            close = difflib.get_close_matches(status, STATUSES, n=1)
            self.bad(n, "status", f"status '{written}' of {tid} is not one of " + " | ".join(STATUSES),
                     f"did you mean '{close[0]}'?" if close else "write done, started or not_started")
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
                    self.bad(n, c, f"{c} of {tid} {exc}", "write dates as YYYY-MM-DD, e.g. 2027-03-08")
                    readable = False
                    continue
                if not lo <= dates[c] <= hi:  # 0001-01-01 is what many exports write for "no date"
                    self.bad(n, c, f"{c} of {tid} is {dates[c]}, not a day of this project ({lo} to {hi})",
                             "leave the cell empty when there is no date, else correct the year")
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
            self.bad(n, "remaining_days", f"remaining_days of {tid} is '{text}', not a number",
                     "write the working days still needed, e.g. 5")
            return False
        if not value.is_integer() or not 0 <= value <= MAX_REMAINING:
            self.bad(n, "remaining_days", f"remaining_days of {tid} is {text}, not a whole number of days from 0 "
                     f"to {MAX_REMAINING}", "write whole working days, e.g. 3 (round 2.9 up: work left is a "
                     "day's work)")
            return False
        return int(value)

    def check_row(self, p: Progress) -> None:
        """The dates and remaining days fit the status and the as-of date."""
        n, tid, status, remaining = p.row, p.task, p.status, p.remaining_days
        start, finish = p.actual_start, p.actual_finish
        if status in ("done", "started") and start is None:
            self.bad(n, "actual_start", f"{tid} is {status} but has no actual_start",
                     "fill in the day work began (YYYY-MM-DD)")
        if status == "done" and finish is None:
            self.bad(n, "actual_finish", f"{tid} is done but has no actual_finish", "fill in the day work ended")
        if status == "not_started" and (start or finish):
            c = "actual_start" if start else "actual_finish"
            self.bad(n, c, f"{tid} is not_started but has an {c}", "clear the date, or set status started or done")
        if status == "started":
            if finish is not None:
                self.bad(n, "actual_finish", f"{tid} is started but has an actual_finish",
                         "set status done if it is finished, else clear actual_finish")
            if remaining is None or remaining <= 0:
                self.bad(n, "remaining_days", f"{tid} is started but remaining_days is "
                         f"{'missing' if remaining is None else remaining}",
                         "give the working days still needed (at least 1), or set status done")
        if status == "done" and remaining:
            self.bad(n, "remaining_days", f"{tid} is done but remaining_days is {remaining}",
                     "clear remaining_days, or set status started")
        self.check_dates(p)

    def check_dates(self, p: Progress) -> None:
        n, tid, start, finish, as_of = p.row, p.task, p.actual_start, p.actual_finish, self.as_of
        if start is not None and start > as_of:
            self.bad(n, "actual_start", f"{tid} started on {start}, after the as-of date {as_of}",
                     "report only what happened up to --as-of, or pass a later --as-of")
        if start is not None and start < self.project_start:
            self.bad(n, "actual_start", f"{tid} started on {start}, before the project start {self.project_start}",
                     "correct the date")
        if finish is not None and finish >= as_of:
            self.bad(n, "actual_finish", f"{tid} finished on {finish}, not before the as-of date {as_of}",
                     "the re-plan starts on --as-of: a task still working then is started, with its remaining_days")
        if start is not None and finish is not None and finish < start:
            self.bad(n, "actual_finish", f"{tid} finished on {finish}, before it started on {start}",
                     "correct the dates")

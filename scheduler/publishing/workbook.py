"""schedule.xlsx: the workbook a site office files and prints on Monday.

台账 is the ledger (one row per task, the columns of schedule.csv with headers in the project's language,
real date cells; `digonce check` and `publish` read it back). Beside it: the three-week look-ahead per
trade, the openings (开挖台账: what was laid, tested and inspected in each trench), the outages with the day
their notice must be posted, and a weekly bar chart drawn with cell fills so that it prints. Every sheet
has a frozen header, filters and an A3 landscape print set-up. Text from the input is always stored as
text, never as a formula.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from models.project import Project
from models.schedule import LEDGER_COLUMNS, Schedule, ScheduledTask

from scheduler.publishing.gantt import trade_colour
from scheduler.publishing.ledger import FORMULA_START, ledger_frame
from scheduler.publishing.words import outage_name
from scheduler.text import section, t

LOOKAHEAD_DAYS = 21
DATE_FORMAT = "yyyy-mm-dd"
HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE4EE")


def ledger_workbook(schedule: Schedule, project: Project, issued: date) -> bytes:
    """The whole workbook as bytes; `issued` (the publish date) starts the look-ahead unless the schedule is a
    re-plan (its as-of date) or the work has not begun yet (its first day)."""
    lang = project.project.lang
    wb = Workbook()
    sheets = section("ledger.sheet", lang)
    _ledger(wb.active, schedule, project, lang)
    wb.active.title = sheets["ledger"]
    first = schedule.as_of or max(issued, min(s.start for s in schedule.tasks))
    _lookahead(wb.create_sheet(sheets["lookahead"]), schedule, project, lang, first)
    _openings(wb.create_sheet(sheets["openings"]), schedule, project, lang)
    _outages(wb.create_sheet(sheets["outages"]), schedule, project, lang)
    _chart(wb.create_sheet(sheets["chart"]), schedule, project, lang)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _ledger(ws: Worksheet, schedule: Schedule, project: Project, lang: str) -> None:
    names = section("ledger.column", lang)
    words = {"yes": t("ledger.yes", lang), "no": t("ledger.no", lang)}
    rows = []
    for rec in ledger_frame(schedule, project).to_dict("records"):
        rec["start"], rec["finish"] = date.fromisoformat(rec["start"]), date.fromisoformat(rec["finish"])
        rec["noisy"], rec["underground"] = words[rec["noisy"]], words[rec["underground"]]
        rows.append([rec[c] for c in LEDGER_COLUMNS])
    _table(ws, [names[c] for c in LEDGER_COLUMNS], rows)


def _lookahead(ws: Worksheet, schedule: Schedule, project: Project, lang: str, first: date) -> None:
    """Every task working in the three weeks from `first`, by trade, with what must be finished before it."""
    last = first + timedelta(LOOKAHEAD_DAYS - 1)
    by_id = {s.id: s for s in schedule.tasks}
    order = {trade: i for i, trade in enumerate(project.trades)}
    soon = sorted((s for s in schedule.tasks if s.start <= last and s.finish >= first and s.status != "done"),
                  key=lambda s: (order.get(s.trade, len(order)), s.start, s.id))
    rows = []
    for s in soon:
        trade = project.trades.get(s.trade) if s.trade else None
        before = [f"{p} ({by_id[p].finish.isoformat()})" for p in s.after if p in by_id and by_id[p].finish >= first]
        rows.append([_trade(s.trade, lang), trade.contractor if trade else "", trade.contact if trade else "", s.id,
                     s.name, _zone(project, s.zone), _building(project, s.building), s.start, s.finish,
                     "; ".join(before)])
    title = t("ledger.lookahead.title", lang, first=first.isoformat(), last=last.isoformat(), n=len(rows))
    _table(ws, t("ledger.lookahead.head", lang), rows, title=title)


def _openings(ws: Worksheet, schedule: Schedule, project: Project, lang: str) -> None:
    """Each trench: when it was open and what went on in it (开挖台账)."""
    rows = []
    for o in schedule.openings:
        inside = [s for s in schedule.tasks if s.zone == o.zone]
        rows.append([o.zone, _zone(project, o.zone), o.from_, o.to, (o.to - o.from_).days + 1,
                     _list(s for s in inside if s.kind == "lay"), _list(s for s in inside if s.kind == "test"),
                     _list(s for s in inside if s.kind == "inspect"), _list(s for s in inside if s.surface)])
    _table(ws, t("ledger.openings.head", lang), rows)


def _outages(ws: Worksheet, schedule: Schedule, project: Project, lang: str) -> None:
    """Every outage, with the last day its notice may be posted (notice_days before it)."""
    rows = []
    for s in sorted((s for s in schedule.tasks if s.outage), key=lambda s: (s.start, s.id)):
        trade = project.trades.get(s.trade) if s.trade else None
        rows.append([outage_name(s.outage.type, lang), s.id, s.name, s.start, s.finish, s.outage.hours,
                     "、".join(_building(project, b) for b in s.outage.serves),
                     s.start - timedelta(s.outage.notice_days), trade.contractor if trade else "",
                     trade.contact if trade else ""])
    _table(ws, t("ledger.outages.head", lang), rows)


def _chart(ws: Worksheet, schedule: Schedule, project: Project, lang: str) -> None:
    """A weekly bar chart: one row per task, one column per week, the cell filled in the trade's colour
    with the task's working days that week."""
    monday = min(s.start for s in schedule.tasks)
    monday -= timedelta(monday.weekday())
    weeks = [monday + timedelta(7 * k) for k in range((max(s.finish for s in schedule.tasks) - monday).days // 7 + 1)]
    zone_rank = {z.id: i for i, z in enumerate(project.site.zones)}
    tasks = sorted(schedule.tasks, key=lambda s: (zone_rank.get(s.zone, len(zone_rank)), s.start, s.id))
    head = t("ledger.chart.head", lang) + [t("ledger.chart.week", lang, m=w.month, d=w.day) for w in weeks]
    rows = [[s.id, s.name, _trade(s.trade, lang), _zone(project, s.zone)] + [None] * len(weeks) for s in tasks]
    title = t("ledger.chart.title", lang, first=monday.isoformat())
    _table(ws, head, rows, title=title)
    fixed = len(head) - len(weeks)
    for r, s in enumerate(tasks, start=3):
        fill = PatternFill("solid", fgColor=trade_colour(s.trade).lstrip("#").upper())
        for k, w in enumerate(weeks):
            n = sum(1 for d in (s.days or [s.start, s.finish]) if w <= d < w + timedelta(7))
            if n:
                cell = ws.cell(r, fixed + k + 1, n)
                cell.fill, cell.font = fill, Font(color="FFFFFF", bold=True)
                cell.alignment = Alignment(horizontal="center")
    for k in range(len(weeks)):
        ws.column_dimensions[get_column_letter(fixed + k + 1)].width = 5.5


def _table(ws: Worksheet, head: list[str], rows: list[list[Any]], title: str | None = None) -> None:
    """Header (below an optional title row), rows, real date cells, text kept as text; frozen header,
    filters, widths, A3 landscape fitted to the page width with the header repeated on every page."""
    top = 1
    if title:
        ws.cell(1, 1, title).font = Font(bold=True, size=13)
        top = 2
    for c, name in enumerate(head, start=1):
        cell = _put(ws, top, c, name)
        cell.font, cell.fill = HEAD_FONT, HEAD_FILL
    for r, row in enumerate(rows, start=top + 1):
        for c, value in enumerate(row, start=1):
            if value is not None and value != "":
                _put(ws, r, c, value)
    ws.freeze_panes = ws.cell(top + 1, 3)
    ws.auto_filter.ref = f"A{top}:{get_column_letter(len(head))}{top + max(1, len(rows))}"
    for c, name in enumerate(head, start=1):
        width = max([_width(name)] + [_width(row[c - 1]) for row in rows[:300]])
        ws.column_dimensions[get_column_letter(c)].width = min(48, width + 2)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{top}:{top}"


def _put(ws: Worksheet, row: int, col: int, value: Any):
    """A cell holding `value`: dates as dates, numbers as numbers, everything else as text — a name starting
    with = stays a name (openpyxl would otherwise store it as a formula)."""
    cell = ws.cell(row, col)
    if isinstance(value, date):
        cell.value, cell.number_format = value, DATE_FORMAT
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
    else:
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))  # validation keeps these out; never crash
        cell.value = text
        cell.data_type = "s"
        cell.quotePrefix = text.startswith(FORMULA_START)  # edited in Excel or WPS, it stays text
    return cell


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return 10
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(value))


def _list(tasks: Iterable[ScheduledTask]) -> str:
    return "; ".join(f"{s.id} {s.start.isoformat()}" + (f"~{s.finish.isoformat()}" if s.finish != s.start else "")
                     for s in tasks)


def _trade(trade: str | None, lang: str) -> str:
    if not trade:
        return ""
    name = section("common.trade", lang).get(trade)
    return f"{name} ({trade})" if name and name != trade else trade


def _zone(project: Project, zid: str | None) -> str:
    if not zid:
        return ""
    z = next((z for z in project.site.zones if z.id == zid), None)
    return f"{zid} {z.name}" if z is not None and z.name else zid


def _building(project: Project, bid: str | None) -> str:
    if not bid:
        return ""
    b = next((b for b in project.site.buildings if b.id == bid), None)
    return (b.name or b.id) if b is not None else bid

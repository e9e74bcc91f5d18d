"""schedule.xlsx, the workbook a site office files: 台账 with Chinese headers and real dates (read back by
`check`), the three-week look-ahead, the openings, the outages with their notice dates, a weekly bar chart.

The schedule is written by hand (the workbook renders whatever it is given; rules are the referee's
business), on the tiny project's trades, zones and buildings. Calendar: 2027-03-01 is a Monday.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from models import load_project
from models.schedule import Opening, OutageInfo, Schedule, ScheduledTask
from scheduler.publishing.workbook import ledger_workbook
from scheduler.review.check import read_schedule_file
from scheduler.planning.expand import expand
from conftest import TINY

D = date.fromisoformat
WORKDAYS = lambda a, b: [D(a) + timedelta(n) for n in range((D(b) - D(a)).days + 1)  # noqa: E731
                         if (D(a) + timedelta(n)).weekday() != 6]


def task(tid, start, finish, trade=None, zone=None, after=(), **kw) -> ScheduledTask:
    return ScheduledTask(id=tid, name=kw.pop("name", tid), trade=trade, zone=zone, start=D(start), finish=D(finish),
                         days=WORKDAYS(start, finish), after=list(after), **kw)


SCHEDULE = Schedule(project="tiny", tasks=[
    task("R2:excavate", "2027-03-01", "2027-03-01", "civil", "R2", kind="excavate"),
    task("water@R2:lay", "2027-03-02", "2027-03-03", "water", "R2", ["R2:excavate"], kind="lay", underground=True),
    task("water@R2:test", "2027-03-04", "2027-03-05", "water", "R2", ["water@R2:lay"], kind="test", underground=True),
    task("R2:inspect", "2027-03-06", "2027-03-06", None, "R2", ["water@R2:test"], kind="inspect", underground=True),
    task("R2:backfill", "2027-03-08", "2027-03-08", "civil", "R2", ["R2:inspect"], kind="backfill"),
    task("water:cutover", "2027-03-10", "2027-03-10", "water", None, ["water@R2:test"], kind="cutover",
         outage=OutageInfo(type="water", serves=["B1", "B2"], hours="09:00-15:00", notice_days=3)),
    task("paving@R2:paving", "2027-03-09", "2027-03-10", "paving", "R2", ["R2:backfill"], kind="paving", surface=True),
    task("facade-B1:building", "2027-03-15", "2027-03-27", "civil", building="B1", kind="building",
         name="=HYPERLINK(\"http://x\")外墙"),
    task("green@G1:greening", "2027-04-05", "2027-04-06", "greening", "G1", kind="greening", surface=True),
], openings=[Opening(zone="R2", from_=D("2027-03-01"), to=D("2027-03-08"))])


@pytest.fixture(scope="module")
def book():
    project, _ = load_project(TINY)
    return project, load_workbook(io.BytesIO(ledger_workbook(SCHEDULE, project, D("2027-03-08"))))


def rows(ws, first: int):
    return [list(r) for r in ws.iter_rows(min_row=first, values_only=True)]


def test_sheets_headers_dates_and_print_set_up(book):
    _, wb = book
    assert wb.sheetnames == ["台账", "三周滚动计划", "开挖台账", "停水停电一览", "横道图"]
    ws = wb["台账"]
    assert [c.value for c in ws[1]] == ["任务编号", "任务名称", "专业", "施工单位", "区域", "楼栋", "开始", "完成",
                                        "工日", "噪声作业", "地下作业", "停供", "前置任务"]
    first = rows(ws, 2)[0]
    assert first[:9] == ["R2:excavate", "R2:excavate", "civil", "示例城建公司", "R2", None,
                         datetime(2027, 3, 1), datetime(2027, 3, 1), 1]
    assert ws["G2"].is_date and ws["G2"].number_format == "yyyy-mm-dd"
    assert first[9:11] == ["否", "否"]
    for sheet in wb.worksheets:
        assert sheet.freeze_panes is not None and sheet.auto_filter.ref, sheet.title
        assert (sheet.page_setup.orientation, int(sheet.page_setup.paperSize)) == ("landscape", int(sheet.PAPERSIZE_A3))
        assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage


def test_a_name_starting_with_equals_stays_text(book):
    _, wb = book
    ws = wb["台账"]
    cell = next(r[1] for r in ws.iter_rows(min_row=2) if r[0].value == "facade-B1:building")
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"http://x\")外墙"


def test_three_week_look_ahead_from_the_publish_date(book):
    """Published Monday 03-08: the window is 03-08..03-28. Working in it: the backfill (03-08), the surface
    (03-09..10), the cutover (03-10) and the facade (03-15..27); the work of 03-01..06 and the greening of
    April are not. Rows by the project's trade order (civil, water, paving), then start. The surface must
    wait for the backfill, which ends in the window; the backfill's inspection ended before it."""
    _, wb = book
    ws = wb["三周滚动计划"]
    assert ws["A1"].value == "三周滚动计划：2027-03-08 至 2027-03-28（4 项工作）"
    got = [(r[0], r[1], r[2], r[3], r[9]) for r in rows(ws, 3)]
    assert got == [
        ("土建 (civil)", "示例城建公司", "张工 138-0000-0001", "R2:backfill", None),
        ("土建 (civil)", "示例城建公司", "张工 138-0000-0001", "facade-B1:building", None),
        ("给水 (water)", "示例自来水公司", "王工 139-0000-0002", "water:cutover", None),
        ("路面 (paving)", "示例路面公司", "李工 139-0000-0003", "paving@R2:paving", "R2:backfill (2027-03-08)"),
    ]


def test_openings_say_what_was_laid_tested_and_inspected(book):
    _, wb = book
    (row,) = rows(wb["开挖台账"], 2)
    assert row == ["R2", "R2 东路", datetime(2027, 3, 1), datetime(2027, 3, 8), 8,
                   "water@R2:lay 2027-03-02~2027-03-03", "water@R2:test 2027-03-04~2027-03-05",
                   "R2:inspect 2027-03-06", "paving@R2:paving 2027-03-09~2027-03-10"]


def test_outages_with_the_day_the_notice_must_be_posted(book):
    _, wb = book
    (row,) = rows(wb["停水停电一览"], 2)
    # a 3-day notice for Wednesday 03-10: posted on Sunday 03-07 at the latest
    assert row == ["停水", "water:cutover", "water:cutover", datetime(2027, 3, 10), datetime(2027, 3, 10),
                   "09:00-15:00", "1号楼、2号楼", datetime(2027, 3, 7), "示例自来水公司", "王工 139-0000-0002"]


def test_weekly_bar_chart_counts_working_days_per_week(book):
    """Weeks from Monday 03-01 to the week of 04-05: six columns. The facade works 03-15..20 and 03-22..27
    (Sundays off): 6 + 6."""
    _, wb = book
    ws = wb["横道图"]
    assert [c.value for c in ws[2]][4:] == ["3/1", "3/8", "3/15", "3/22", "3/29", "4/5"]
    by_id = {r[0]: r[4:] for r in rows(ws, 3)}
    assert by_id["facade-B1:building"] == [None, None, 6, 6, None, None]
    assert by_id["water@R2:lay"] == [2, None, None, None, None, None]
    assert by_id["green@G1:greening"] == [None, None, None, None, None, 2]
    facade = next(r for r in ws.iter_rows(min_row=3) if r[0].value == "facade-B1:building")
    assert facade[6].fill.fgColor.rgb.endswith(facade[7].fill.fgColor.rgb[-6:])  # the trade's colour


def test_check_reads_the_chinese_ledger_back(tmp_path):
    project, _ = load_project(TINY)
    tasks = expand(project)
    by_id = {t.id: t for t in SCHEDULE.tasks}
    sched = SCHEDULE.model_copy(update={"tasks": [by_id.get(t.id) or task(t.id, "2027-05-03", "2027-05-03")
                                                  for t in tasks]})
    path = tmp_path / "schedule.xlsx"
    path.write_bytes(ledger_workbook(sched, project, D("2027-03-08")))
    back = read_schedule_file(path, project, tasks)
    assert [(t.id, t.start, t.finish) for t in back.tasks] == [(t.id, t.start, t.finish) for t in sched.tasks]


def test_english_project_gets_english_headers(tmp_path):
    project, _ = load_project(TINY)
    project.project.lang = "en"
    wb = load_workbook(io.BytesIO(ledger_workbook(SCHEDULE, project, D("2027-03-08"))))
    assert wb.sheetnames[0] == "Ledger" and [c.value for c in wb["Ledger"][1]][:3] == ["id", "name", "trade"]
    assert wb["Ledger"]["J2"].value == "no"

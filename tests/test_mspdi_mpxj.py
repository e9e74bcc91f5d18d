"""`digonce export mspdi` read back by an independent reader: MPXJ (the Java library GanttProject imports
MS Project files with, and which reads MSPDI the way MS Project and P6 write it), through JPype.

Every task's start and finish, every link with its lag, every resource with its max units and assignments,
and every calendar day of every calendar are compared with what digonce planned. Beyond the stored values,
MPXJ's own calendar arithmetic checks that MS Project's auto-scheduling would keep our dates: on its calendar
each task's start plus its duration is its finish, and no link with its lag lets MS Project start a task
later than our start (Start No Earlier Than then holds it there).

MPXJ needs a Java runtime (`apt-get install default-jre-headless`, done by .ci/run) and the `mpxj` and JPype1
packages (the `test` extra). Without them the module is skipped on a developer's machine, but fails under CI
(the CI environment variable set), so that CI cannot pass without really reading the file.
"""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "inputs" / "tiny"
BASIC = REPO / "tests" / "projects" / "check_basic"
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")

if shutil.which("java") is None:
    if IN_CI:
        raise RuntimeError("CI is set but no `java` is on PATH: .ci/run must apt-get install default-jre-headless")
    pytest.skip("no Java runtime (apt-get install default-jre-headless)", allow_module_level=True)
try:
    import jpype
    import mpxj  # noqa: F401  (puts MPXJ's jars on JPype's class path)
except ImportError:
    if IN_CI:
        raise
    pytest.skip("mpxj / JPype1 not installed (pip install -e '.[test]')", allow_module_level=True)

from models import load_project  # noqa: E402
from models.schedule import Schedule  # noqa: E402
from scheduler.cli import main  # noqa: E402
from scheduler.planning.calendars import Calendars, daterange  # noqa: E402
from scheduler.planning.expand import expand  # noqa: E402
from scheduler.planning.planner import plan  # noqa: E402
from scheduler.planning.progress import read_progress  # noqa: E402
from scheduler.planning.replan import replan  # noqa: E402
from scheduler.publishing.mspdi import windows_of  # noqa: E402
from scheduler.review.check import check_schedule  # noqa: E402

D = date.fromisoformat
DET_LIMIT = 10.0  # deterministic seconds per solve: the same schedule however busy the machine


@pytest.fixture(scope="module")
def java():
    """MPXJ's classes, the JVM started once for the whole test run (JPype cannot restart it)."""
    if not jpype.isJVMStarted():
        jpype.startJVM(convertStrings=True)
    from org.mpxj import Duration, TimeUnit  # noqa: F401
    from org.mpxj.reader import UniversalProjectReader

    import org.mpxj as m
    return m, UniversalProjectReader


def solved(folder: Path, tmp_path: Path, edit=None):
    """A project (optionally edited: a function of its YAML data) solved deterministically and checked."""
    if edit is not None:
        data = yaml.safe_load((folder / "project.yaml").read_text(encoding="utf-8"))
        edit(data)
        folder = tmp_path / folder.name
        folder.mkdir()
        (folder / "project.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    project, _ = load_project(folder)
    tasks = expand(project)
    result = plan(project, tasks, 300, 1, 0, deterministic_limit=DET_LIMIT)
    assert result.schedule is not None, result.solution.status
    assert check_schedule(project, tasks, result.schedule) == []
    return folder, project, tasks, result.schedule


def export(tmp_path: Path, folder: Path, schedule: Schedule, *extra: str, name: str = "plan.xml") -> Path:
    src = tmp_path / f"{name}.json"
    src.write_text(schedule.to_json(), encoding="utf-8")
    out = tmp_path / name
    r = CliRunner().invoke(main, ["export", "mspdi", str(src), "-p", str(folder), "-o", str(out), *extra])
    assert r.exit_code == 0, r.output
    return out


def py(ldt) -> datetime | None:
    return None if ldt is None else datetime.fromisoformat(str(ldt.toString()))


class Read:
    """plan.xml as MPXJ reads it, in plain Python: tasks by digonce id (Text1), summaries, resources, calendars."""

    def __init__(self, java, path: Path):
        m, reader = java
        self.m = m
        self.file = reader().read(str(path))
        self.props = self.file.getProjectProperties()
        all_tasks = list(self.file.getTasks())
        self.tasks = {str(t.getText(1)): t for t in all_tasks if t.getText(1) is not None}
        self.summaries = [t for t in all_tasks if t.getSummary() and t.getUniqueID().intValue() != 0]
        self.by_uid = {t.getUniqueID().intValue(): str(t.getText(1)) for t in all_tasks if t.getText(1) is not None}
        self.resources = {str(r.getInitials()): r for r in self.file.getResources() if r.getInitials() is not None}

    def hours(self, duration) -> float:
        return float(duration.convertUnits(self.m.TimeUnit.HOURS, self.props).getDuration())

    def links(self, tid: str) -> dict[str, int]:
        """Predecessor digonce id → lag in working days, for finish-to-start links."""
        out = {}
        for r in self.tasks[tid].getPredecessors():
            assert str(r.getType()) == "FS"
            lag = r.getLag().convertUnits(self.m.TimeUnit.DAYS, self.props).getDuration()
            out[self.by_uid[r.getPredecessorTask().getUniqueID().intValue()]] = round(float(lag))
        return out

    def assigned(self, tid: str) -> dict[str, float]:
        return {str(a.getResource().getInitials()): float(a.getUnits()) / 100
                for a in self.tasks[tid].getResourceAssignments()}


def windows(project, scheduled) -> tuple[tuple[int, int], ...]:
    hours = project.calendar.hours
    return windows_of(hours.noisy if scheduled.noisy else hours.work)


def at(d: date, minute: int) -> datetime:
    return datetime(d.year, d.month, d.day) + timedelta(minutes=minute)


def assert_same_plan(read: Read, project, tasks, schedule: Schedule) -> None:
    """Every task's dates, duration, calendar, links, constraint and assignments as digonce planned them."""
    by_id = {t.id: t for t in tasks}
    cal = Calendars(project, max(s.finish for s in schedule.tasks))
    assert set(read.tasks) == {s.id for s in schedule.tasks}
    for s in schedule.tasks:
        t, x, win = read.tasks[s.id], by_id[s.id], windows(project, s)
        assert py(t.getStart()) == at(s.start, win[0][0]), s.id
        assert py(t.getFinish()) == at(s.finish, win[-1][1]), s.id
        working = len(cal.span(x.calendar, s.start, s.finish))
        assert read.hours(t.getDuration()) == working * sum(b - a for a, b in win) / 60, s.id
        assert str(t.getName()) == s.name and str(t.getNotes()).find(s.id) >= 0
        assert (t.getText(2) and str(t.getText(2))) == (s.zone or None)
        assert (t.getText(3) and str(t.getText(3))) == (s.building or None)
        assert str(t.getConstraintType()) == "START_NO_EARLIER_THAN" and py(t.getConstraintDate()) == py(t.getStart())
        assert not t.getSummary() and t.getOutlineLevel().intValue() == 2 and t.getParentTask().getSummary()
        assert read.links(s.id) == x.after, s.id
        expected = ({s.trade: 1.0} if s.trade else {}) | {e: float(n) for e, n in x.equipment.items()}
        assert read.assigned(s.id) == expected, s.id


def assert_dates_kept(read: Read) -> None:
    """MS Project's forward pass cannot move anything: with MPXJ's arithmetic on each task's own calendar,
    start + duration = finish, the start is working time, and every predecessor's finish plus the lag (then
    the next working time) is no later than the start, which Start No Earlier Than holds."""
    for tid, t in read.tasks.items():
        c = t.getEffectiveCalendar()
        assert py(c.getDate(t.getStart(), t.getDuration())) == py(t.getFinish()), tid
        assert py(c.getNextWorkStart(t.getStart())) == py(t.getStart()), tid
        for r in t.getPredecessors():
            after = c.getDate(r.getPredecessorTask().getFinish(), r.getLag())
            assert py(c.getNextWorkStart(after)) <= py(t.getStart()), (tid, str(r))


def assert_calendars(read: Read, project, tasks, schedule: Schedule, first: date, last: date) -> None:
    """Every day from `first` to `last` is working in each task's and each resource's calendar as MPXJ reads
    it exactly when digonce's calendar says so."""
    cal = Calendars(project, last)
    keys = {}  # MPXJ calendar name → digonce calendar key
    by_id = {t.id: t for t in tasks}
    for s in schedule.tasks:
        keys[str(read.tasks[s.id].getEffectiveCalendar().getName())] = by_id[s.id].calendar
    for tid, trade in project.trades.items():
        keys[str(read.resources[tid].getCalendar().getName())] = f"trade:{tid}" if trade.workweek else "project"
    from java.time import LocalDate
    mpxj_cals = {str(c.getName()): c for c in read.file.getCalendars()}
    for name, key in keys.items():
        c = mpxj_cals[name]
        wrong = [d for d in daterange(first, last)
                 if bool(c.isWorkingDate(LocalDate.of(d.year, d.month, d.day))) != cal.is_working(key, d)]
        assert wrong == [], (name, key, wrong[:5])


def schema_problems(path: Path) -> list[str]:
    """Elements of the file that MSPDI's schema does not have where they stand, or that come out of its
    sequence: MPXJ's JAXB classes carry the schema (one nested class per complex element, propOrder = the
    xsd:sequence), so each element is checked against its parent's class."""
    from java.lang import Class, ClassNotFoundException

    xml_type = Class.forName("jakarta.xml.bind.annotation.XmlType")
    xml_element = Class.forName("jakarta.xml.bind.annotation.XmlElement")
    problems: list[str] = []

    def sequence(path: list[str]) -> list[str] | None:
        try:
            cls = Class.forName("org.mpxj.mspdi.schema." + "$".join(path))
        except ClassNotFoundException:
            return None
        names = {}
        for f in cls.getDeclaredFields():
            a = f.getAnnotation(xml_element)
            names[str(f.getName())] = str(a.name()) if a is not None and str(a.name()) != "##default" else None
        return [names.get(str(p)) or str(p)[:1].upper() + str(p)[1:] for p in cls.getAnnotation(xml_type).propOrder()]

    def walk(el: ET.Element, path: list[str]) -> None:
        tags = [c.tag.split("}")[1] for c in el]
        order = sequence(path)
        if order is None:
            if tags:
                problems.append(f"{'/'.join(path)}: has children {tags} but is a simple element")
            return
        positions = [order.index(tag) if tag in order else -1 for tag in tags]
        problems.extend(f"{'/'.join(path)}: no element {tag}" for tag, i in zip(tags, positions) if i < 0)
        problems.extend(f"{'/'.join(path)}: {tags[k + 1]} after {tags[k]}" for k in range(len(tags) - 1)
                        if 0 <= positions[k + 1] < positions[k])
        for child in el:
            walk(child, path + [child.tag.split("}")[1]])

    walk(ET.parse(path).getroot(), ["Project"])
    return problems


def exception_on(read: Read, calendar_name: str, d: date):
    from java.time import LocalDate
    c = next(c for c in read.file.getCalendars() if str(c.getName()) == calendar_name)
    return c.getException(LocalDate.of(d.year, d.month, d.day))


# ------------------------------------------------------------------------------------------- tests

def test_tiny_read_by_mpxj(java, tmp_path, tiny):
    """inputs/tiny: the file is recognised as MSPDI, every task, link, resource and calendar day matches, and
    清明 (2027-04-05) is a non-working exception of the project calendar."""
    project, schedule = tiny
    tasks = expand(project)
    plan_xml = export(tmp_path, TINY, schedule)
    assert schema_problems(plan_xml) == []
    read = Read(java, plan_xml)
    assert str(read.props.getFileType()) == "MSPDI"
    assert str(read.props.getProjectTitle()) == project.project.name
    assert_same_plan(read, project, tasks, schedule)
    assert_dates_kept(read)
    assert_calendars(read, project, tasks, schedule, D("2027-01-01"), D("2027-12-31"))
    qingming = exception_on(read, "项目日历", D("2027-04-05"))
    assert qingming is not None and not qingming.getWorking() and str(qingming.getName()) == "清明节"
    may_day = exception_on(read, "项目日历", D("2027-05-03"))
    assert str(may_day.getFromDate()) == "2027-05-01" and str(may_day.getToDate()) == "2027-05-04"
    for tid, trade in project.trades.items():
        assert float(read.resources[tid].getMaxUnits()) == trade.crews * 100
        assert str(read.resources[tid].getGroup()) == trade.contractor
    assert float(read.resources["excavator"].getMaxUnits()) == 100
    # summaries: one per zone (then building, then the rest), spanning their tasks, outline numbers as WBS
    names = [str(t.getName()) for t in read.summaries]
    assert names == ["区块 R2 东路", "区块 A1 入户前区", "区块 G1 小绿地", "楼栋 1号楼（B1）",
                     "其他（不属于某一区块或楼栋）"]
    for n, summary in enumerate(read.summaries, start=1):
        kids = list(summary.getChildTasks())
        assert str(summary.getWBS()) == str(n) and [str(k.getWBS()) for k in kids] == \
            [f"{n}.{i}" for i in range(1, len(kids) + 1)]
        assert py(summary.getStart()) == min(py(k.getStart()) for k in kids)
        assert py(summary.getFinish()) == max(py(k.getFinish()) for k in kids)


def test_hepingli_levelled_plan(java, tmp_path):
    """inputs/hepingli (338 tasks, 13 trades, two machines, the elevator trade's 7-day week, six curings) in
    its levelled plan — the greedy baseline of docs/benchmarks.md, which honours predecessors, lags,
    calendars and crews (all the export relies on) and takes a second where a solve takes minutes."""
    from scheduler.core.greedy import greedy_starts
    from scheduler.planning.compile import compile_project
    from scheduler.planning.result import scheduled_tasks

    project, _ = load_project(REPO / "inputs" / "hepingli")
    tasks = expand(project)
    compiled = compile_project(project, tasks, project.project.start + timedelta(days=3 * 365))
    schedule = Schedule(project=project.project.id,
                        tasks=scheduled_tasks(compiled, greedy_starts(compiled.problem)))
    plan_xml = export(tmp_path, REPO / "inputs" / "hepingli", schedule)
    assert schema_problems(plan_xml) == []
    read = Read(java, plan_xml)
    assert_same_plan(read, project, tasks, schedule)
    assert_dates_kept(read)
    assert_calendars(read, project, tasks, schedule, D("2027-01-01"), D("2027-12-31"))
    for tid, trade in project.trades.items():
        assert float(read.resources[tid].getMaxUnits()) == trade.crews * 100, tid
    assert {k: float(read.resources[k].getMaxUnits()) for k in project.equipment} == {"excavator": 200, "crane": 100}
    assert len(read.summaries) == len({s.zone or s.building or "" for s in schedule.tasks})


def test_trade_calendars_curing_and_machines(java, tmp_path):
    """tests/projects/check_basic: the elevator trade's 7-day workweek, curing on every calendar day, the
    crane and the excavator as resources, a lag of 2 working days; outline by trade."""
    folder, project, tasks, schedule = solved(BASIC, tmp_path)
    read = Read(java, export(tmp_path, folder, schedule, "--outline", "trade"))
    assert_same_plan(read, project, tasks, schedule)
    assert_dates_kept(read)
    assert_calendars(read, project, tasks, schedule, D("2027-01-01"), D("2027-12-31"))
    assert read.links("facade-B1:building") == {"plant-trees:task": 2}
    curing = read.tasks["E1:curing"].getEffectiveCalendar()
    from java.time import LocalDate
    assert all(curing.isWorkingDate(LocalDate.of(2027, 4, d)) for d in range(1, 8))  # 清明 and Sundays too
    lift = read.tasks["E1:lift"]
    assert str(lift.getEffectiveCalendar().getName()) == "电梯专业日历（噪声作业 08:00-12:00,14:00-18:00）"
    assert read.assigned("E1:lift") == {"elevator": 1.0, "crane": 1.0}
    assert float(read.resources["crane"].getMaxUnits()) == 100
    assert float(read.resources["elevator"].getMaxUnits()) == 100
    assert [str(t.getName()) for t in read.summaries][-1] == "无专业班组（验收、养护）"


def test_makeup_days_work_days_and_days_off(java, tmp_path):
    """A 2026 project (the `holidays` package knows 2026's 调休): on a Mon–Fri workweek the make-up Sunday
    2026-09-20 and Saturday 2026-10-10 are working exceptions, 国庆 is not working, a `work_days` Sunday
    works and a `days_off` Thursday does not; greening's own Mon–Sun workweek keeps the holidays."""
    def edit(data):
        data["project"].update(start="2026-09-14", deadline="2026-12-31")
        data["calendar"].update(workweek=["mon", "tue", "wed", "thu", "fri"], work_days=["2026-09-27"],
                                days_off=["2026-09-24"])
        data["trades"]["greening"]["workweek"] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    folder, project, tasks, schedule = solved(TINY, tmp_path, edit)
    read = Read(java, export(tmp_path, folder, schedule))
    assert_same_plan(read, project, tasks, schedule)
    assert_dates_kept(read)
    assert_calendars(read, project, tasks, schedule, D("2026-01-01"), D("2026-12-31"))
    cal = "项目日历"
    for day, working, name in [("2026-09-20", True, "调休上班"), ("2026-10-10", True, "调休上班"),
                               ("2026-09-27", True, "加班施工日"), ("2026-09-24", False, "停工日"),
                               ("2026-10-01", False, None)]:
        ex = exception_on(read, cal, D(day))
        assert ex is not None and bool(ex.getWorking()) == working, day
        assert name is None or str(ex.getName()) == name, (day, str(ex.getName()))
    assert "国庆节" in str(exception_on(read, cal, D("2026-10-01")).getName())


def test_replan_with_baseline(java, tmp_path, tiny):
    """After a re-plan (a lay reported late): Baseline = the announced dates, done work at 100 % with its
    actual dates, started work with its actual start; the new dates still hold in MS Project."""
    project, base = tiny
    tasks = expand(project)
    lay = base.task("water@R2:lay")
    progress = tmp_path / "progress.csv"
    progress.write_text(f"task,status,actual_start,remaining_days\n{lay.id},started,{lay.start},3\n",
                        encoding="utf-8")
    as_of = lay.finish
    reported = read_progress(progress, [t.id for t in tasks], as_of, project.project.start)
    result = replan(project, tasks, base, reported, as_of, 300, 1, 0, deterministic_limit=DET_LIMIT)
    new = result.schedule
    assert new is not None and check_schedule(project, tasks, new) == []
    base_file = tmp_path / "base.json"
    base_file.write_text(base.to_json(), encoding="utf-8")
    read = Read(java, export(tmp_path, TINY, new, "--baseline", str(base_file)))
    assert_same_plan(read, project, tasks, new)
    assert_dates_kept(read)
    assert py(read.props.getStatusDate()) == at(as_of, windows_of(project.calendar.hours.work)[0][0])
    moved = 0
    for s in new.tasks:
        t, b = read.tasks[s.id], base.task(s.id)
        assert py(t.getBaselineStart()) == at(b.start, windows(project, b)[0][0]), s.id
        assert py(t.getBaselineFinish()) == at(b.finish, windows(project, b)[-1][1]), s.id
        moved += (b.start, b.finish) != (s.start, s.finish)
        if s.status == "done":
            assert float(t.getPercentageComplete()) == 100 and py(t.getActualFinish()) == py(t.getFinish())
        if s.status in ("done", "started"):
            assert py(t.getActualStart()) == py(t.getStart()), s.id
    assert moved > 0 and new.task(lay.id).status == "started"
    assert 0 < float(read.tasks[lay.id].getPercentageComplete()) < 100


def test_the_checks_can_fail(java, tmp_path, tiny):
    """The reader-side checks are not vacuous: elements swapped or misnamed break the schema check, a lag made
    longer than planned breaks the kept dates, a missing 清明 exception breaks the calendar comparison."""
    project, schedule = tiny
    tasks = expand(project)
    text = export(tmp_path, TINY, schedule).read_text(encoding="utf-8")
    swapped = text.replace("<Active>1</Active>\n   <Manual>0</Manual>", "<Manual>0</Manual>\n   <Active>1</Active>", 1)
    misnamed = text.replace("<MaxUnits>", "<MaxUnit>").replace("</MaxUnits>", "</MaxUnit>")
    for name, changed in (("swapped.xml", swapped), ("misnamed.xml", misnamed)):
        assert changed != text
        (tmp_path / name).write_text(changed, encoding="utf-8")
    assert schema_problems(tmp_path / "swapped.xml") == ["Project/Tasks/Task: Active after Manual"]
    assert set(schema_problems(tmp_path / "misnamed.xml")) == {"Project/Resources/Resource: no element MaxUnit"}
    assert schema_problems(tmp_path / "misnamed.xml").count("Project/Resources/Resource: no element MaxUnit") == 5
    longer = text.replace("<LinkLag>4800</LinkLag>", "<LinkLag>14400</LinkLag>")  # green: 1 → 3 working days
    assert longer != text
    (tmp_path / "lag.xml").write_text(longer, encoding="utf-8")
    with pytest.raises(AssertionError):
        assert_dates_kept(Read(java, tmp_path / "lag.xml"))
    no_qingming = text.replace("2027-04-05T00:00:00", "2027-04-04T00:00:00").replace("2027-04-05T23:59:00",
                                                                                       "2027-04-04T23:59:00")
    assert no_qingming != text
    (tmp_path / "cal.xml").write_text(no_qingming, encoding="utf-8")
    with pytest.raises(AssertionError, match="2027, 4, 5"):
        assert_calendars(Read(java, tmp_path / "cal.xml"), project, tasks, schedule, D("2027-01-01"),
                         D("2027-12-31"))

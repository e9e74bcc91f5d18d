"""Resident notices (SPEC §7 `notices/<building>.html`, `notices/index.html`): scheduler/publishing/notices.py."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from models import load_project
from models.schedule import Disruption, Occupation, Opening, OutageInfo, Schedule, ScheduledTask
from scheduler.planning.expand import expand
from scheduler.planning.planner import plan
from scheduler.publishing.notices import render_notices

TINY = Path(__file__).resolve().parents[1] / "inputs" / "tiny"
ISSUED = date(2027, 2, 20)
VERSION = "8f7f9d63 2027-02-18"
WD_ZH = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


def zh(d: date, wd: bool = True) -> str:
    """A date as the zh-CN notice writes it (same year as the issue date)."""
    text = f"{d.month}月{d.day}日"
    return f"{text}（{WD_ZH[d.weekday()]}）" if wd else text


def runs(days) -> list[list[date]]:
    out: list[list[date]] = []
    for d in sorted(set(days)):
        if out and (d - out[-1][-1]).days == 1:
            out[-1].append(d)
        else:
            out.append([d])
    return out


def zh_days(days) -> str:
    """Days as a zh-CN notice lists them: runs of calendar days, a run within one month naming it once."""
    parts = []
    for r in runs(days):
        if len(r) == 1:
            parts.append(zh(r[0], wd=False))
        else:
            end = f"{r[-1].day}日" if r[-1].month == r[0].month else zh(r[-1], wd=False)
            parts.append(f"{zh(r[0], wd=False)}至{end}")
    return "、".join(parts)


def summary_lines(page: str) -> list[str]:
    summary = page[page.index('id="summary"'):page.index('id="timeline"')]
    return [re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li>(.*?)</li>", summary)]


def section(page: str, sid: str) -> str:
    start = page.index(f'id="{sid}"')
    return page[start:]


def timeline_rows(page: str) -> list[str]:
    tl = page[page.index('id="timeline"'):page.index('class="feed')]
    return re.findall(r"<tr>(.*?)</tr>", tl)


def week_sections(page: str) -> dict[str, str]:
    tl = page[page.index('id="timeline"'):page.index('class="feed')]
    return {m.group(1): m.group(2) for m in re.finditer(r"<h3>(.*?)</h3>(.*?)</table>", tl, re.S)}


@pytest.fixture(scope="module")
def project():
    p, _warnings = load_project(TINY)
    return p


@pytest.fixture(scope="module")
def solved(project):
    sched = plan(project, expand(project), time_limit=10, workers=1, seed=0).schedule
    assert sched is not None
    return sched


@pytest.fixture(scope="module")
def files(solved, project):
    return render_notices(solved, project, ISSUED, VERSION)


def hand_schedule() -> Schedule:
    """tiny by hand: R2 (road next to B2) open 1–4 Mar, A1 (the plated apron at every door) open 3–5 Mar,
    a two-day water cut 8–9 Mar (2 days' notice), a gas cut on 15 Mar (notice 3 days), noise."""
    d = date
    noisy = ["08:00-12:00", "14:00-18:00"]
    tasks = [
        ScheduledTask(id="R2:excavate", name="东路开挖", kind="excavate", zone="R2", start=d(2027, 3, 1),
                      finish=d(2027, 3, 1), days=[d(2027, 3, 1)], noisy=True, hours=noisy),
        ScheduledTask(id="A1:excavate", name="入户前区开挖", kind="excavate", zone="A1", start=d(2027, 3, 3),
                      finish=d(2027, 3, 3), days=[d(2027, 3, 3)], noisy=True, hours=noisy),
        ScheduledTask(id="water:cutover", name="给水切换", kind="cutover", start=d(2027, 3, 8), finish=d(2027, 3, 9),
                      days=[d(2027, 3, 8), d(2027, 3, 9)], hours=["09:00-15:00"],
                      outage=OutageInfo(type="water", serves=["B1", "B2"], hours="09:00-15:00", notice_days=2)),
        ScheduledTask(id="gas:cutover", name="燃气切换", kind="cutover", start=d(2027, 3, 15), finish=d(2027, 3, 15),
                      days=[d(2027, 3, 15)], hours=["08:00-18:00"],
                      outage=OutageInfo(type="gas", serves=["B1"], hours="08:00-18:00", notice_days=3)),
    ]
    dis = [Disruption(building="B2", date=d(2027, 3, 1), kind="noise", hours=noisy, task="R2:excavate", zone="R2")]
    for b in ("B1", "B2"):
        dis.append(Disruption(building=b, date=d(2027, 3, 3), kind="noise", hours=noisy, task="A1:excavate", zone="A1"))
        dis += [Disruption(building=b, date=d(2027, 3, n), kind="entrance", zone="A1") for n in (3, 4, 5)]
        dis += [Disruption(building=b, date=d(2027, 3, n), kind="outage", hours=["09:00-15:00"], task="water:cutover")
                for n in (8, 9)]
    dis.append(Disruption(building="B1", date=d(2027, 3, 15), kind="outage", hours=["08:00-18:00"], task="gas:cutover"))
    return Schedule(project="tiny", input_sha256="0" * 64, tasks=tasks,
                    openings=[Opening(zone="R2", from_=d(2027, 3, 1), to=d(2027, 3, 4)),
                              Opening(zone="A1", from_=d(2027, 3, 3), to=d(2027, 3, 5))],
                    disruptions=dis)


# ------------------------------------------------------------------------------------------- structure


def test_one_notice_per_building_and_an_index(files, project):
    assert set(files) == {f"notices/{b.id}.html" for b in project.site.buildings} | {"notices/index.html"}
    assert all(isinstance(v, str) and v.startswith("<!DOCTYPE html>") for v in files.values())


def test_header_has_building_hotline_issue_date_and_version(files, project):
    for b in project.site.buildings:
        page = files[f"notices/{b.id}.html"]
        header = page[page.index("<header>"):page.index("</header>")]
        assert b.name in header and project.project.name in header
        assert "010-0000-0000" in header and 'href="tel:01000000000"' in header
        assert "2027年2月20日" in header and VERSION in header
    index = files["notices/index.html"]
    assert "010-0000-0000" in index and "2027年2月20日" in index and VERSION in index


def test_summary_comes_before_the_timeline(files, project):
    for b in project.site.buildings:
        page = files[f"notices/{b.id}.html"]
        assert 0 < page.index('id="summary"') < page.index('id="timeline"')
        summary = page[page.index('id="summary"'):page.index('id="timeline"')]
        assert summary.count("<li>") >= 2


def test_every_outage_appears_with_date_hours_and_posting_date(files, solved, project):
    outages = [d for d in solved.disruptions if d.kind == "outage"]
    assert outages, "tiny has a water cutover"
    for d in outages:
        page = files[f"notices/{d.building}.html"]
        out = solved.task(d.task).outage
        post = d.date - timedelta(out.notice_days)
        rows = [r for r in timeline_rows(page) if "k-outage" in r and zh(d.date) in r]
        assert rows, f"no outage row for {d.building} on {d.date}"
        assert any(d.hours[0] in r and zh(post) in r and "停水" in r for r in rows)
        summary = page[page.index('id="summary"'):page.index('id="timeline"')]
        assert f"{zh(d.date)} {d.hours[0]} 停水" in summary
        # the advice that makes a water outage bearable: residents store water beforehand
        line = next(li for li in summary.split("<li>") if f"{zh(d.date)} {d.hours[0]} 停水" in li)
        assert "请提前储水" in line, f"no storage advice in {d.building}'s water outage line"


def test_posting_date_of_a_multi_day_outage_is_before_its_first_day(project):
    page = render_notices(hand_schedule(), project, ISSUED, VERSION)["notices/B1.html"]
    rows = [r for r in timeline_rows(page) if "k-outage" in r]
    water = [r for r in rows if "停水" in r]
    gas = [r for r in rows if "停气" in r]
    assert len(water) == 1 and zh(date(2027, 3, 8)) in water[0] and "9日（周二）" in water[0]
    assert "最晚3月6日（周六），提前2天" in water[0] and "09:00-15:00" in water[0]
    assert len(gas) == 1 and "最晚3月12日（周五），提前3天" in gas[0] and "08:00-18:00" in gas[0]
    summary = page[page.index('id="summary"'):page.index('id="timeline"')]
    assert "3月8日（周一）至9日（周二） 09:00-15:00 停水（连续2天）" in summary
    assert "3月15日（周一） 08:00-18:00 停气" in summary
    # B2 has no gas cut
    assert "k-outage\">停气" not in render_notices(hand_schedule(), project, ISSUED, VERSION)["notices/B2.html"]


def test_entrance_runs_on_plates_name_the_way_out(files, solved, project):
    for b in project.site.buildings:
        page = files[f"notices/{b.id}.html"]
        summary = page[page.index('id="summary"'):page.index('id="timeline"')]
        days = [d.date for d in solved.disruptions if d.building == b.id and d.kind == "entrance"]
        for run in runs(days):
            when = zh(run[0], wd=False) if len(run) == 1 else f"{zh(run[0], wd=False)}至"
            line = next(li for li in re.findall(r"<li>(.*?)</li>", summary) if "k-entrance" in li and when in li)
            assert "铺钢板，可步行通过" in line and "从北门出入" in line
            assert any("k-entrance" in r and "全天" in r for r in timeline_rows(page))
            # the trench stays open for A1's pipe test and its inspection (隐蔽工程验收): said, with their days
            test, inspect = solved.task("water@A1:test"), solved.task("A1:inspect")
            assert set(test.days) | set(inspect.days) <= set(run)
            assert f"期间含管道试压（{zh_days(test.days)}）、隐蔽工程验收（{zh_days(inspect.days)}）" in line


def test_noise_runs_appear_in_summary_and_every_noisy_week(files, solved, project):
    for b in project.site.buildings:
        page = files[f"notices/{b.id}.html"]
        noise = sorted({d.date for d in solved.disruptions if d.building == b.id and d.kind == "noise"})
        assert noise
        summary = page[page.index('id="summary"'):page.index('id="timeline"')]
        assert "k-noise" in summary and "08:00-12:00、14:00-18:00" in summary
        assert zh(noise[0], wd=False) in summary
        weeks = week_sections(page)
        for d in noise:
            monday = d - timedelta(d.weekday())
            body = weeks[f"{zh(monday)}起的一周"]
            assert "k-noise" in body and "08:00-12:00" in body


def test_road_closure_near_building_names_the_route_that_stays_open(project):
    page = render_notices(hand_schedule(), project, ISSUED, VERSION)["notices/B2.html"]
    summary = page[page.index('id="summary"'):page.index('id="timeline"')]
    line = next(li for li in re.findall(r"<li>(.*?)</li>", summary) if "k-closure" in li)
    # R2 (东路) open: from A1 the way out is 西路 (R3) → 北门路 (R1) → 北门
    assert "3月1日至4日 东路开挖封闭" in line and "请走 西路 → 北门路，从北门出入" in line
    # B1 is not next to R2: no closure line
    b1 = render_notices(hand_schedule(), project, ISSUED, VERSION)["notices/B1.html"]
    assert "chip k-closure" not in b1


def test_unplated_entrance_is_said_closed(project):
    p = project.model_copy(deep=True)
    next(z for z in p.site.zones if z.id == "A1").passable_when_open = "none"
    page = render_notices(hand_schedule(), p, ISSUED, VERSION)["notices/B1.html"]
    assert "开挖，暂不能通行" in page and "铺钢板，可步行通过" not in page
    assert "请按现场指引或拨打咨询热线" in page


def site_v2_schedule(fire_plan: bool = False) -> Schedule:
    """hand_schedule plus the new steps, by hand: water pipe tests in R2 (2 Mar) and A1 (4 Mar) and A1's
    inspection (5 Mar), all inside their openings; E1's crane on A1 (the plated apron at every door of B1
    and B2) Sat 13 – Mon 15 Mar (with or without a fire plan); E2's on R2 (next to B2 and on its way out:
    A1 → 东路 → 北门路) 22–23 Mar; E3's on R3 (next to B1, but off its way out) Wed 24 Mar."""
    d = date
    s = hand_schedule()

    def task(tid: str, kind: str, zone: str, *days: int, **more) -> ScheduledTask:
        ds = [d(2027, 3, n) for n in days]
        return ScheduledTask(id=tid, name=tid, kind=kind, zone=zone, start=ds[0], finish=ds[-1], days=ds, **more)
    s.tasks += [task("water@R2:test", "test", "R2", 2, trade="water"), task("water@A1:test", "test", "A1", 4, trade="water"),
                task("A1:inspect", "inspect", "A1", 5),
                task("E1:lift", "lift", "A1", 13, 15, trade="elevator", building="B1", noisy=True),
                task("E2:lift", "lift", "R2", 22, 23, trade="elevator", building="B2", noisy=True),
                task("E3:lift", "lift", "R3", 24, trade="elevator", building="B1", noisy=True)]
    s.occupations = [Occupation(zone="A1", from_=d(2027, 3, 13), to=d(2027, 3, 15), task="E1:lift", fire_plan=fire_plan),
                     Occupation(zone="R2", from_=d(2027, 3, 22), to=d(2027, 3, 23), task="E2:lift"),
                     Occupation(zone="R3", from_=d(2027, 3, 24), to=d(2027, 3, 24), task="E3:lift")]
    s.disruptions += [Disruption(building=b, date=d(2027, 3, n), kind="entrance", zone="A1", task="E1:lift")
                      for b in ("B1", "B2") for n in (13, 14, 15)]
    return s


@pytest.mark.parametrize("fire_plan", [False, True])
def test_a_crane_at_the_door_closes_it_with_an_escort(project, fire_plan):
    out = render_notices(site_v2_schedule(fire_plan), project, ISSUED, VERSION)
    for b in ("B1", "B2"):
        page = out[f"notices/{b}.html"]
        fire = "吊装期间实施临时消防保障方案；" if fire_plan else ""
        # A1 is the door itself: no way round the cordon, people are escorted through it
        assert ("吊装作业 3月13日至15日 吊装作业，入户前区封闭（设警戒区，有专人引导通行）；"
                f"{fire}请在专人引导下通过警戒区") in summary_lines(page)
        assert ("临时消防保障方案" in page) == fire_plan  # E2 and E3 have no plan: nothing to say for them
        notes = page[page.index('class="notes"'):]
        assert "吊装作业期间请勿进入警戒区，听从现场人员引导" in notes
        weeks = week_sections(page)  # every calendar day of the lift, Sunday too, all day
        for week, when in (("3月8日（周一）", "3月13日（周六）至14日（周日）"), ("3月15日（周一）", "3月15日（周一）")):
            row = next(r for r in re.findall(r"<tr>(.*?)</tr>", weeks[f"{week}起的一周"]) if "k-crane" in r)
            assert when in row and "全天" in row and "入户前区封闭" in row
        # the crane is not a trench: the trench line keeps its own days, 3–5 Mar
        assert [li for li in summary_lines(page) if li.startswith("楼门前开挖")] == [
            "楼门前开挖 3月3日至5日 楼门前（入户前区）开挖，铺钢板，可步行通过；期间含管道试压（3月4日）、"
            "隐蔽工程验收（3月5日）；请走 西路 → 北门路，从北门出入"]
    index = out["notices/index.html"]
    cell = re.search(r'<td data-label="3月14日（周日）">(.*?)</td>', section(index, "calendar")).group(1)
    assert "吊装" in cell and "门前" not in cell and "1号楼、2号楼" in cell
    b1 = next(r for r in re.findall(r"<tr>(.*?)</tr>", index) if 'href="B1.html"' in r)
    assert re.findall(r'data-label="门前开挖天数">(\d+)天', b1) == ["3"]  # trench days only


def test_a_crane_near_the_building_gives_the_detour_when_it_is_on_the_way_out(project):
    out = render_notices(site_v2_schedule(), project, ISSUED, VERSION)
    b1, b2 = (summary_lines(out[f"notices/{b}.html"]) for b in ("B1", "B2"))
    # R2 (东路) is next to B2 and its way out: the detour avoids the cordon
    assert "吊装作业 3月22日至23日 吊装作业，东路封闭（设警戒区，有专人引导通行）；请走 西路 → 北门路，从北门出入" in b2
    # R3 (西路) is next to B1 but off its way out (A1 → 东路 → 北门路): the closure only
    assert "吊装作业 3月24日（周三） 吊装作业，西路封闭（设警戒区，有专人引导通行）" in b1
    assert not [li for li in b1 if "3月22日" in li] and not [li for li in b2 if "3月24日" in li]  # not their zones


def test_no_crane_note_without_a_crane(files):
    for page in files.values():
        assert "警戒区" not in page and "chip k-crane" not in page


def test_pipe_tests_in_a_nearby_road_are_not_on_the_entrance_line(project):
    page = render_notices(site_v2_schedule(), project, ISSUED, VERSION)["notices/B2.html"]
    closure = next(li for li in summary_lines(page) if li.startswith("道路封闭"))
    assert closure == "道路封闭 3月1日至4日 东路开挖封闭；请走 西路 → 北门路，从北门出入"  # R2's test is not shown


def test_crane_and_checks_in_english(project):
    p = project.model_copy(deep=True)
    p.project.lang = "en"
    page = render_notices(site_v2_schedule(fire_plan=True), p, ISSUED, VERSION)["notices/B1.html"]
    assert ("13 Mar – 15 Mar: crane lift: 入户前区 is fenced off (a cordon; staff escort people past it); "
            "a temporary fire-safety plan is in force during the lift; pass the cordon with the staff on site") in page
    assert "open also for the pipe pressure test (4 Mar), the concealed-work inspection (5 Mar)" in page
    assert "临时消防保障方案" not in page and "吊装" not in page


def test_a_solved_lift_at_the_door_reaches_notices_and_feeds(tmp_path):
    """tiny with an elevator whose crane stands on A1 (the apron at every door), solved: both buildings'
    notices and feeds show the crane on the days the schedule's occupation says."""
    from icalendar import Calendar

    from scheduler.publishing.feeds import render_feeds

    text = (TINY / "project.yaml").read_text(encoding="utf-8")
    text = text.replace("equipment: {excavator: 1}", "equipment: {excavator: 1, crane: 1}")
    text = text.replace("  greening:", "  elevator: {crews: 1, contractor: 示例电梯公司}\n  greening:")
    text += ("  - {id: E1, type: elevator, name: 1号楼加装电梯, building: B1, entrance: B1-1, zone: A1,\n"
             "     crane_zones: [A1], fire_plan: true}\n")
    (tmp_path / "project.yaml").write_text(text, encoding="utf-8")
    p, _ = load_project(tmp_path)
    sched = plan(p, expand(p), time_limit=60, workers=1, seed=0, deterministic_limit=10).schedule
    [occ] = sched.occupations
    lift = sched.task("E1:lift")
    assert (occ.zone, occ.task, occ.from_, occ.to, occ.fire_plan) == ("A1", "E1:lift", lift.start, lift.finish, True)
    notices = render_notices(sched, p, ISSUED, VERSION)
    feeds = render_feeds(sched, p, None, datetime(2027, 2, 1, tzinfo=timezone.utc))
    when = zh_days([occ.from_ + timedelta(n) for n in range((occ.to - occ.from_).days + 1)])
    for b in ("B1", "B2"):
        assert (f"吊装作业 {when} 吊装作业，入户前区封闭（设警戒区，有专人引导通行）；吊装期间实施临时消防保障方案；"
                "请在专人引导下通过警戒区") in summary_lines(notices[f"notices/{b}.html"])
        [ev] = [e for e in Calendar.from_ical(feeds[f"feeds/building-{b}.ics"]).walk("VEVENT")
                if str(e["UID"]) == f"{b}-crane-E1:lift-A1-1@tiny"]
        assert (ev.decoded("DTSTART"), ev.decoded("DTEND")) == (occ.from_, occ.to + timedelta(1))
        assert "临时消防保障方案" in str(ev["DESCRIPTION"])


def test_feed_link_and_back_link(files, project):
    for b in project.site.buildings:
        page = files[f"notices/{b.id}.html"]
        assert f'href="../feeds/building-{b.id}.ics"' in page
        assert 'href="index.html"' in page


# ------------------------------------------------------------------------------------------- index


def test_index_lists_buildings_links_and_a_compound_calendar(files, solved, project):
    index = files["notices/index.html"]
    for b in project.site.buildings:
        assert f'href="{b.id}.html"' in index and f'href="../feeds/building-{b.id}.ics"' in index
        assert b.name in index and f"{b.households}户" in index
    cal = section(index, "calendar")
    for d in {x.date for x in solved.disruptions}:
        cell = re.search(rf'<td data-label="{re.escape(zh(d))}">(.*?)</td>', cal)
        assert cell, f"no calendar cell for {d}"
        kinds = {x.kind for x in solved.disruptions if x.date == d}
        for kind, word in (("noise", "噪声"), ("entrance", "门前"), ("outage", "停水")):
            assert (word in cell.group(1)) == (kind in kinds)
    outages = section(index, "outages")
    for d in (x for x in solved.disruptions if x.kind == "outage"):
        post = d.date - timedelta(solved.task(d.task).outage.notice_days)
        assert zh(d.date) in outages and zh(post) in outages


def test_index_marks_a_late_notice(project):
    index = render_notices(hand_schedule(), project, date(2027, 3, 7), VERSION)["notices/index.html"]
    outages = section(index, "outages")
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", outages) if "停水" in r)
    assert "已晚于告知日期" in row
    assert "已晚于告知日期" not in render_notices(hand_schedule(), project, ISSUED, VERSION)["notices/index.html"]


# ------------------------------------------------------------------------------------------- language


def test_chinese_by_default(files):
    for page in files.values():
        assert '<html lang="zh-CN">' in page
    assert "居民告知书" in files["notices/B1.html"] and "逐周安排" in files["notices/B1.html"]


def test_english_when_project_lang_is_en(solved, project):
    p = project.model_copy(deep=True)
    p.project.lang = "en"
    out = render_notices(solved, p, ISSUED, VERSION)
    for path, page in out.items():
        assert '<html lang="en">' in page
        for word in ("居民告知书", "逐周安排", "咨询热线", "发布", "要点", "施工噪声"):
            assert word not in page, (path, word)
    b1 = out["notices/B1.html"]
    assert "notice to residents" in b1 and "Week of" in b1 and "Hotline" in b1 and "20 February 2027" not in b1
    assert f"{VERSION} · issued 20 Feb 2027" in b1 and "Water outage" in b1 and "Notice posted by" in b1
    assert "steel plates" in b1


# ------------------------------------------------------------------------------------------- HTML


VOID = {"meta", "br", "link", "img", "hr", "input", "col", "wbr", "source", "area", "base", "embed", "track"}


class Balance(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.seen: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        self.seen[tag] = self.seen.get(tag, 0) + 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def test_valid_html_with_balanced_tags(files, project):
    pages = dict(files)
    pages.update({f"hand/{k}": v for k, v in render_notices(hand_schedule(), project, ISSUED, VERSION).items()})
    for path, page in pages.items():
        parser = Balance()
        parser.feed(page)
        parser.close()
        assert not parser.errors and not parser.stack, (path, parser.errors, parser.stack)
        for tag in ("html", "head", "body", "main", "header", "title", "style", "h1"):
            assert parser.seen.get(tag) == 1, (path, tag)
        assert parser.seen.get("script", 0) == 0


def test_self_contained_no_external_references(files):
    for path, page in files.items():
        low = page.lower()
        assert "http" not in low, path
        assert "<script" not in low and "@import" not in low and "<link" not in low and "src=" not in low
        assert all(u.startswith("data:") for u in re.findall(r"url\(\s*['\"]?([^)'\"]*)", low)), path
        for href in re.findall(r'href="([^"]*)"', page):
            assert href.startswith(("tel:", "../feeds/", "index.html")) or re.fullmatch(r"[\w%-]+\.html", href), href


def test_phone_and_print_layout(files):
    for path, page in files.items():
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
        assert "@media print" in page and "@page" in page and "size:A4" in page
        assert "@media (max-width:" in page and "table.stack td::before" in page  # tables become stacked rows
        sizes = [int(x) for x in re.findall(r"body\{[^}]*font-size:(\d+)px", page)]
        assert sizes and min(sizes) >= 18, path
        # no light grey text: every text colour is black or a dark colour
        for colour in re.findall(r"(?<![-\w])color:#([0-9a-f]{3,6})", page):
            full = colour if len(colour) == 6 else "".join(c * 2 for c in colour)
            lum = sum(int(full[i:i + 2], 16) for i in (0, 2, 4)) / 3
            assert lum < 80 or full == "ffffff", (path, colour)


def test_text_is_escaped(solved, project):
    p = project.model_copy(deep=True)
    p.project.name = '<b>小院</b> & "示例"'
    p.project.hotline = "010-<0000>"
    p.site.buildings[0].name = "<script>alert(1)</script>1号楼"
    next(z for z in p.site.zones if z.id == "R3").name = "西<路>"
    out = render_notices(solved, p, ISSUED, "v<1>")
    for page in out.values():
        assert "<b>小院</b>" not in page and "<script>" not in page and "v<1>" not in page
        assert "&lt;b&gt;小院&lt;/b&gt; &amp; &#34;示例&#34;" in page  # markupsafe writes " as &#34;
        assert "v&lt;1&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;1号楼" in out["notices/B1.html"]
    assert "西&lt;路&gt;" in out["notices/B1.html"]


def test_deterministic(solved, project, files):
    again = render_notices(Schedule.model_validate_json(solved.to_json()), project, ISSUED, VERSION)
    assert again == files
    hand = [render_notices(hand_schedule(), project, ISSUED, VERSION) for _ in range(2)]
    assert hand[0] == hand[1]


# ------------------------------------------------------------------------------------------- edge cases


def test_building_without_disruptions_still_gets_a_notice(project):
    sched = hand_schedule()
    sched.disruptions = [d for d in sched.disruptions if d.building != "B2"]
    sched.openings = [o for o in sched.openings if o.zone != "R2"]
    page = render_notices(sched, project, ISSUED, VERSION)["notices/B2.html"]
    assert "按本次施工计划，本楼没有" in page and 'id="timeline"' in page
    parser = Balance()
    parser.feed(page)
    assert not parser.errors and not parser.stack


def test_summary_leaves_out_what_is_over_at_issue(project):
    page = render_notices(hand_schedule(), project, date(2027, 3, 10), VERSION)["notices/B1.html"]
    summary = page[page.index('id="summary"'):page.index('id="timeline"')]
    assert "停水" not in summary and "停气" in summary
    assert "k-outage" in page[page.index('id="timeline"'):]  # the timeline keeps the whole record
    late = render_notices(hand_schedule(), project, date(2027, 4, 1), VERSION)["notices/B1.html"]
    assert "4月1日以后，本楼没有新的施工影响。" in late


def test_year_shown_when_it_differs_from_the_issue_year(project):
    page = render_notices(hand_schedule(), project, date(2026, 12, 20), VERSION)["notices/B1.html"]
    assert "2027年3月8日（周一）" in page and "2026年12月20日" in page


def test_ids_with_path_separators_stay_in_the_notices_folder(solved, project):
    p = project.model_copy(deep=True)
    p.site.buildings[0].id = "B/1"
    out = render_notices(solved, p, ISSUED, VERSION)
    assert "notices/B_2f_1.html" in out and not any(k.count("/") > 1 for k in out)
    assert 'href="../feeds/building-B_2f_1.ics"' in out["notices/B_2f_1.html"]
    assert 'href="B_2f_1.html"' in out["notices/index.html"]


# ------------------------------------------------------------------------------------------- hand-worked
# The compound HAND of conftest.py, whose schedule is worked out by hand there. Every expected value below
# is written out from that working and SPEC, never read back from the schedule's own disruption list.

def plain(html: str) -> str:
    """Text of an HTML fragment: tags dropped, runs of white space made one space."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def summary_lines(page: str) -> list[str]:
    summary = page[page.index('id="summary"'):page.index('id="timeline"')]
    return [plain(li) for li in re.findall(r"<li>(.*?)</li>", summary, re.S)]


def week_rows(page: str) -> dict[str, list[str]]:
    return {plain(head): [plain(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S) if "<td" in r]
            for head, body in week_sections(page).items()}


def test_hand_worked_schedule_and_disruptions(hand):
    """SPEC §6/§7 by hand. The dates are in conftest.HAND_DAYS. Disruptions:
    - noise (noisy tasks in a zone `near` the building): A1:excavate 03-04, A1:backfill 03-08 and the paving
      03-09 are noisy and in A1, which is near both B1 and B2;
    - entrance (the zone of one of its doors open, every calendar day): B1's door is on A1, open 03-04..03-08
      (Sat 03-06 and Sun 03-07 too); B2's door is on R1, never dug;
    - outage: water:cutover serves B1 only, on its one working day 03-08.
    disruption = B1 10 households × (03-04 noise+door 2, 03-05 1, 03-06 1, 03-07 1, 03-08 noise+door 2 + outage
    1, 03-09 noise 1 = 9) + B2 6 × 3 noisy days = 90 + 18 = 108; open_days = 5; finish 03-09."""
    from conftest import HAND_DAYS, HAND_EXTRA

    _project, _tasks, s = hand
    days = {t.id: [d.isoformat() for d in t.days] for t in s.tasks}
    assert {tid: days.get(tid) for tid in HAND_DAYS} == HAND_DAYS
    assert set(days) - set(HAND_DAYS) <= HAND_EXTRA
    assert days.get("A1:inspect", ["2027-03-06"]) == ["2027-03-06"]
    assert [(o.zone, o.from_.isoformat(), o.to.isoformat()) for o in s.openings] == [("A1", "2027-03-04", "2027-03-08")]
    noise = [("A1:excavate", "2027-03-04"), ("A1:backfill", "2027-03-08"), ("pave@A1:paving", "2027-03-09")]
    expected = {(b, day, "noise", tid) for b in ("B1", "B2") for tid, day in noise}
    expected |= {("B1", f"2027-03-0{n}", "entrance", None) for n in range(4, 9)}
    expected |= {("B1", "2027-03-08", "outage", "water:cutover")}
    got = [(d.building, d.date.isoformat(), d.kind, d.task) for d in s.disruptions]
    assert sorted(got) == sorted(expected)
    hours = {d.kind: d.hours for d in s.disruptions}
    assert hours == {"noise": ["08:00-12:00", "14:00-18:00"], "outage": ["09:00-15:00"], "entrance": []}
    assert s.solver.objective == {"finish": "2027-03-09", "disruption": 108, "open_days": 5}


def test_hand_worked_notices(hand):
    """The notices of HAND, issued 2027-02-20 (same year: no year in dates). Worked out by hand:
    - B1's door zone A1 is open Thu 03-04 .. Mon 03-08 on steel plates: people walk over it to R1 and the
      north gate (北门路 → 北门); in the week timeline the run is cut at the Monday: 03-04..03-07, then 03-08;
    - noise on 03-04, 03-08 and 03-09: a notice joins noisy days at most 4 calendar days apart into one
      summary line (a weekend between), so one line "3月4日至9日 … 共3天"; per week: 03-04, then 03-08..03-09;
    - water off for B1 on Mon 03-08 09:00-15:00, the notice posted at the latest on Sun 03-07 (1 day);
    - B2's door is on R1 (the gate's zone): A1 dug open next to it is a closure that people cross on plates,
      and B2 goes straight out of the north gate; B2 has the same noise and no outage."""
    project, _tasks, s = hand
    files = render_notices(s, project, ISSUED, VERSION)
    b1, b2 = files["notices/B1.html"], files["notices/B2.html"]
    assert summary_lines(b1) == [
        "楼门前开挖 3月4日至8日 楼门前（楼前）开挖，铺钢板，可步行通过；请走 北门路，从北门出入",
        "施工噪声 3月4日至9日 有施工噪声（共3天，08:00-12:00、14:00-18:00）：楼前开挖、楼前回填、楼前铺装·楼前",
        "停水 3月8日（周一） 09:00-15:00 停水，请提前储水",
    ]
    route = "楼门前（楼前）开挖，铺钢板，可步行通过；请走 北门路，从北门出入"
    assert week_rows(b1) == {
        "3月1日（周一）起的一周": [f"3月4日（周四）至7日（周日） 楼门前开挖 全天 {route}",
                              "3月4日（周四） 施工噪声 08:00-12:00、14:00-18:00 楼前开挖"],
        "3月8日（周一）起的一周": ["3月8日（周一） 停水 09:00-15:00 给水管更换切改接驳；告知张贴日期：最晚3月7日（周日），提前1天",
                              f"3月8日（周一） 楼门前开挖 全天 {route}",
                              "3月8日（周一）至9日（周二） 施工噪声 08:00-12:00、14:00-18:00 楼前回填、楼前铺装·楼前"],
    }
    assert summary_lines(b2) == [
        "道路封闭 3月4日至8日 楼前开挖，铺钢板，行人可通过；可直接从北门出入",
        "施工噪声 3月4日至9日 有施工噪声（共3天，08:00-12:00、14:00-18:00）：楼前开挖、楼前回填、楼前铺装·楼前",
    ]
    assert "chip k-outage" not in b2 and "chip k-entrance" not in b2
    for page in (b1, b2):
        header = plain(page[page.index("<header>"):page.index("</header>")])
        assert "手算小院" in header and "010-1234-5678" in header and 'href="tel:01012345678"' in page
        assert "有噪声的施工只在施工日 08:00-12:00、14:00-18:00 进行" in page  # the project's noisy hours
    # the steel-plate warning only where a door is on plates
    assert "楼门前铺钢板期间" in b1 and "楼门前铺钢板期间" not in b2


def test_hand_worked_index(hand):
    """notices/index.html of HAND: the outage table and the month calendar, cell by cell (see above)."""
    project, _tasks, s = hand
    index = render_notices(s, project, ISSUED, VERSION)["notices/index.html"]
    assert "施工影响总览" in plain(index[index.index("<header>"):index.index("</header>")])
    outages = section(index, "outages")
    rows = [plain(r) for r in re.findall(r"<tr>(.*?)</tr>", outages[:outages.index("</table>")], re.S) if "<td" in r]
    assert rows == ["3月8日（周一） 停水 09:00-15:00 1号楼 3月7日（周日）"]
    cells = {label: plain(body) for label, body in
             re.findall(r'<td data-label="([^"]*)"[^>]*>(.*?)</td>', section(index, "calendar"), re.S)}
    both, door = "噪声 1号楼、2号楼", "门前 1号楼"
    expected = {4: f"4 {door} {both}", 5: f"5 {door}", 6: f"6 {door}", 7: f"7 {door}",
                8: f"8 停水 1号楼 {door} {both}", 9: f"9 {both}"}
    for day in range(1, 32):
        d = date(2027, 3, day)
        assert cells[zh(d)] == expected.get(day, str(day)), d
    table = section(index, "buildings")
    b1, b2 = (plain(r) for r in re.findall(r"<tr>(.*?)</tr>", table[:table.index("</table>")], re.S) if "<td" in r)
    # households; noisy days (03-04, 03-08, 03-09); days with the door zone dug (03-04..03-08); outages
    assert b1.startswith("1号楼 10户 3天 5天 3月8日 停水"), b1
    assert b2.startswith("2号楼 6户 3天 0天 无"), b2


def month_grids(index: str) -> dict[str, list[list[str | None]]]:
    """The index calendar: month title → weeks → cells (None for a pad outside the month, else its text)."""
    cal = section(index, "calendar")
    out = {}
    for title, body in re.findall(r"<h3>(.*?)</h3>\s*<table class=\"cal\">(.*?)</table>", cal, re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", body[body.index("<tbody>"):], re.S)
        out[title] = [[None if 'class="pad"' in td else plain(td) for td in re.findall(r"<td.*?</td>", r, re.S)]
                      for r in rows]
    return out


def test_index_calendar_across_the_new_year(hand):
    """Noise at 2号楼 on Fri 2027-12-31 and water off at 1号楼 on Mon 2028-01-03 (hand-made): the calendar has
    both months, each in whole Monday-to-Sunday weeks. By the calendar: 2027-12-01 is a Wednesday, so
    December starts with two pads and ends Fri 31 with two; 2028-01-01 is a Saturday (five pads) and
    January ends with Mon 31 and six pads: 5 and 6 weeks."""
    project, _tasks, _s = hand
    d = date
    cut = ScheduledTask(id="water:cutover", name="给水切换", kind="cutover", start=d(2028, 1, 3), finish=d(2028, 1, 3),
                        days=[d(2028, 1, 3)], outage=OutageInfo(type="water", serves=["B1"], hours="09:00-15:00",
                                                                 notice_days=1))
    dig = ScheduledTask(id="A1:excavate", name="楼前开挖", kind="excavate", zone="A1", start=d(2027, 12, 31),
                        finish=d(2027, 12, 31), days=[d(2027, 12, 31)], noisy=True)
    sched = Schedule(project="hand", tasks=[dig, cut], disruptions=[
        Disruption(building="B2", date=d(2027, 12, 31), kind="noise", task="A1:excavate", zone="A1"),
        Disruption(building="B1", date=d(2028, 1, 3), kind="outage", hours=["09:00-15:00"], task="water:cutover")])
    index = render_notices(sched, project, ISSUED, VERSION)["notices/index.html"]
    grids = month_grids(index)
    assert list(grids) == ["2027年12月", "2028年1月"]
    dec, jan = grids["2027年12月"], grids["2028年1月"]
    assert dec[0] == [None, None, "1", "2", "3", "4", "5"]
    assert dec[-1] == ["27", "28", "29", "30", "31 噪声 2号楼", None, None] and len(dec) == 5
    assert jan[0] == [None] * 5 + ["1", "2"]
    assert jan[1] == ["3 停水 1号楼", "4", "5", "6", "7", "8", "9"]
    assert jan[-1] == ["31"] + [None] * 6 and len(jan) == 6
    assert all(len(week) == 7 for week in dec + jan)
    assert 'data-label="2028年1月3日（周一）"' in index  # another year than the issue date's: with its year
    jan3 = re.search(r'<td data-label="2028年1月3日（周一）">(.*?)</td>', index, re.S).group(1)
    assert 'class="chip k-outage">停水' in jan3
    outages = plain(section(index, "outages"))
    assert "2028年1月3日（周一） 停水 09:00-15:00 1号楼 2028年1月2日（周日）" in outages


def test_green_zone_dug_near_a_building_is_a_timeline_row(project):
    """tiny's green G1 is `near` 1号楼 (not 2号楼). Dug open Wed 03-10 .. Fri 03-12 (hand-made): 1号楼's week of
    03-08 gets an all-day green row that says passage is not affected; no summary line (nobody's way out
    changes); 2号楼 gets nothing."""
    sched = hand_schedule()
    sched.openings.append(Opening(zone="G1", from_=date(2027, 3, 10), to=date(2027, 3, 12)))
    files = render_notices(sched, project, ISSUED, VERSION)
    rows = week_rows(files["notices/B1.html"])["3月8日（周一）起的一周"]
    assert "3月10日（周三）至12日（周五） 绿地施工 全天 小绿地施工，不影响通行" in rows
    assert not any("绿地" in line for line in summary_lines(files["notices/B1.html"]))
    assert "chip k-green" not in files["notices/B2.html"]


def test_elevator_at_a_door(hand):
    """An elevator added at 1号楼's 1单元 (hand-made): its foundation Wed 03-10 .. Fri 03-12 and installation
    Mon 03-15 .. Tue 03-16 make one summary line from the first to the last day and one timeline row per
    week, at the project's working hours; 2号楼's notice does not mention it."""
    from models.project import ElevatorWork

    project, _tasks, s = hand
    p = project.model_copy(deep=True)
    p.works.append(ElevatorWork(type="elevator", id="E1", name="1号楼加装电梯", building="B1", entrance="B1-1",
                                zone="A1"))
    sched = s.model_copy(deep=True)
    for tid, first, n in (("E1:foundation", date(2027, 3, 10), 3), ("E1:install", date(2027, 3, 15), 2)):
        days = [first + timedelta(k) for k in range(n)]
        sched.tasks.append(ScheduledTask(id=tid, work="E1", kind=tid.split(":")[1], building="B1", zone="A1",
                                         start=days[0], finish=days[-1], days=days))
    files = render_notices(sched, p, ISSUED, VERSION)
    b1 = files["notices/B1.html"]
    assert "加装电梯 3月10日至16日 1单元加装电梯施工，请按现场指引出入" in summary_lines(b1)
    weeks = week_rows(b1)
    note = "加装电梯 07:30-11:30、13:30-17:30 1单元加装电梯施工，请按现场指引出入"
    assert f"3月10日（周三）至12日（周五） {note}" in weeks["3月8日（周一）起的一周"]
    assert weeks["3月15日（周一）起的一周"] == [f"3月15日（周一）至16日（周二） {note}"]
    assert "加装电梯" not in files["notices/B2.html"]


def test_a_closure_near_a_building_with_doors_on_two_zones(project):
    """tiny with a 3单元 of 1号楼 on 东路 (R2) besides 1单元 and 2单元 on the plated apron A1 (hand-made). 西路 (R3, near
    1号楼, no door on it) is dug Wed 03-10 .. Fri 03-12, and 东路 too on Thu 03-11 only. Worked out on the site
    graph (R1 gate road; R2 and R3 both link R1 and A1):
    - 03-10 and 03-12: from A1 the way out avoiding R3 is A1 → 东路 → 北门路; from R2 it is 东路 → 北门路;
    - 03-11: A1's two neighbours are both dug, and 3单元's own zone R2 is dug and not plated: no way out on
      foot for any door, so the notice sends people to the site staff and the hotline.
    One closure line over 03-10..03-12 that says per day and per door zone's units which way to take, one
    timeline row per stretch; 3单元's door zone dug on 03-11 is an entrance line of its own."""
    from models.project import Entrance

    p = project.model_copy(deep=True)
    p.site.buildings[0].entrances.append(Entrance(id="B1-3", name="3单元", zone="R2"))
    d = date
    sched = Schedule(project="tiny", tasks=[], openings=[Opening(zone="R3", from_=d(2027, 3, 10), to=d(2027, 3, 12)),
                                                         Opening(zone="R2", from_=d(2027, 3, 11), to=d(2027, 3, 11))],
                     disruptions=[Disruption(building="B1", date=d(2027, 3, 11), kind="entrance", zone="R2")])
    page = render_notices(sched, p, ISSUED, VERSION)["notices/B1.html"]
    out = "1单元、2单元：请走 东路 → 北门路，从北门出入；3单元：请走 北门路，从北门出入"
    stuck = "1单元、2单元：请按现场指引或拨打咨询热线；3单元：请按现场指引或拨打咨询热线"
    assert summary_lines(page) == [
        f"道路封闭 3月10日至12日 西路开挖封闭；3月10日（周三）{out}；3月11日（周四）{stuck}；3月12日（周五）{out}",
        "楼门前开挖 3月11日（周四） 3单元门前（东路）开挖，暂不能通行；请按现场指引或拨打咨询热线",
    ]
    assert week_rows(page)["3月8日（周一）起的一周"] == [
        f"3月10日（周三） 道路封闭 全天 西路开挖封闭；{out}",
        "3月11日（周四） 楼门前开挖 全天 3单元门前（东路）开挖，暂不能通行；请按现场指引或拨打咨询热线",
        f"3月11日（周四） 道路封闭 全天 西路开挖封闭；{stuck}",
        f"3月12日（周五） 道路封闭 全天 西路开挖封闭；{out}",
    ]


def test_late_notice_and_summary_bounds_are_inclusive(project):
    """hand_schedule's water cut Mon 03-08..Tue 03-09 must be posted by Sat 03-06 (2 days). Issued on 03-06 the
    notice is in time; issued on 03-08, the outage's first day, it is late. Issued on 03-09, the cut's last
    day, the summary still lists it."""
    def late(issued: date) -> bool:
        index = render_notices(hand_schedule(), project, issued, VERSION)["notices/index.html"]
        return "已晚于告知日期" in section(index, "outages")

    assert (late(date(2027, 3, 6)), late(date(2027, 3, 7)), late(date(2027, 3, 8))) == (False, True, True)
    page = render_notices(hand_schedule(), project, date(2027, 3, 9), VERSION)["notices/B1.html"]
    assert any("停水" in line for line in summary_lines(page))


def test_index_calendar_shows_every_month_between(hand):
    """Disruptions in February and April 2027 only: March is shown too. February 2027 starts on a Monday and
    has 28 days, so it is exactly four rows without pads."""
    project, _tasks, _s = hand
    d = date
    sched = Schedule(project="hand", tasks=[], disruptions=[
        Disruption(building="B1", date=d(2027, 2, 26), kind="entrance", zone="A1"),
        Disruption(building="B1", date=d(2027, 4, 2), kind="entrance", zone="A1")])
    grids = month_grids(render_notices(sched, project, ISSUED, VERSION)["notices/index.html"])
    assert list(grids) == ["2027年2月", "2027年3月", "2027年4月"]
    feb = grids["2027年2月"]
    assert len(feb) == 4 and feb[0] == ["1", "2", "3", "4", "5", "6", "7"] and feb[3][4] == "26 门前 1号楼"

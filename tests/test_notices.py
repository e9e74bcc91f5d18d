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

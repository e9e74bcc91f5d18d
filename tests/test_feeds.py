"""iCalendar feeds (SPEC §7): contents, stable UIDs, SEQUENCE on change, byte-identical regeneration, and the
files read by three parsers: icalendar, vobject and ical.js (the parser Thunderbird uses, under node).

The schedule is inputs/tiny solved in-test (deterministic: one worker, seed 0). Hand-made variants of it
cover moved tasks, English text, closed entrances, a lift's crane at the entrance and long Chinese text.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar

from models.schedule import Disruption, Occupation, Schedule, ScheduledTask
from scheduler.publishing.feeds import render_feeds

ROOT = Path(__file__).resolve().parent.parent
JS = Path(__file__).resolve().parent / "js"
NOW1 = datetime(2027, 2, 1, 8, 30, tzinfo=timezone.utc)
NOW2 = datetime(2027, 2, 9, 17, 5, 42, 123456, tzinfo=timezone.utc)
STAMP1, STAMP2 = "20270201T083000Z", "20270209T170542Z"


@pytest.fixture(scope="module")
def feeds(tiny):
    project, schedule = tiny
    return render_feeds(schedule, project, None, NOW1)


def write(files: dict[str, bytes], out: Path) -> Path:
    for rel, data in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    return out


def events(data: bytes) -> list:
    return Calendar.from_ical(data).walk("VEVENT")


def by_uid(data: bytes) -> dict:
    return {str(e["UID"]): e for e in events(data)}


def moved(schedule: Schedule, tid: str, days: int) -> Schedule:
    """A copy of the schedule with one task (and its disruptions) shifted by `days` calendar days."""
    s = schedule.model_copy(deep=True)
    t = s.task(tid)
    shift = timedelta(days)
    t.start, t.finish, t.days = t.start + shift, t.finish + shift, [d + shift for d in t.days]
    for d in s.disruptions:
        if d.task == tid:
            d.date += shift
    return s


# ---- files and contents ---------------------------------------------------------------------------------

def test_one_feed_per_trade_and_building_plus_all(tiny, feeds):
    project, schedule = tiny
    trades = {t.trade for t in schedule.tasks if t.trade}
    expected = ({f"feeds/trade-{t}.ics" for t in trades} | {f"feeds/building-{b.id}.ics" for b in project.site.buildings}
                | {"feeds/all.ics"})
    assert set(feeds) == expected
    for trade in trades:
        uids = [str(e["UID"]) for e in events(feeds[f"feeds/trade-{trade}.ics"])]
        assert sorted(uids) == sorted(f"{t.id}@tiny" for t in schedule.tasks if t.trade == trade)  # one per task
    assert sorted(str(e["UID"]) for e in events(feeds["feeds/all.ics"])) == sorted(f"{t.id}@tiny" for t in schedule.tasks)


def test_calendar_properties(feeds):
    for rel, data in feeds.items():
        text = data.decode("utf-8")
        cal = Calendar.from_ical(data)
        assert "METHOD" not in cal, rel
        assert "\r\nMETHOD" not in text
        assert str(cal["VERSION"]) == "2.0" and str(cal["CALSCALE"]) == "GREGORIAN" and str(cal["PRODID"])
        assert str(cal["NAME"]) == str(cal["X-WR-CALNAME"]) and str(cal["NAME"]).startswith("小院示例 · ")
        assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT4H\r\n" in text
        assert "\r\nX-PUBLISHED-TTL:PT4H\r\n" in text
        assert "BEGIN:VEVENT" in text
    assert str(Calendar.from_ical(feeds["feeds/trade-water.ics"])["NAME"]) == "小院示例 · 给水 water"
    assert str(Calendar.from_ical(feeds["feeds/building-B1.ics"])["X-WR-CALNAME"]) == "小院示例 · 1号楼"


def test_task_event_is_all_day_from_first_to_last_working_day(tiny, feeds):
    project, schedule = tiny
    evs = by_uid(feeds["feeds/trade-civil.ics"])
    t = schedule.task("facade-B1:building")  # 10 working days: more than a Mon–Sat week, so over a Sunday
    ev = evs["facade-B1:building@tiny"]
    assert ev.decoded("DTSTART") == t.start and type(ev.decoded("DTSTART")) is date
    assert ev.decoded("DTEND") == t.finish + timedelta(1)  # exclusive
    assert f"\r\nDTSTART;VALUE=DATE:{t.start:%Y%m%d}\r\n".encode() in feeds["feeds/trade-civil.ics"]
    assert str(ev["SUMMARY"]) == "1号楼外墙保温"
    assert str(ev["LOCATION"]) == "1号楼"
    desc = str(ev["DESCRIPTION"])
    assert "（共10天）" in desc and "08:00-12:00, 14:00-18:00" in desc
    assert "示例城建公司" in desc and "张工 138-0000-0001" in desc
    # working days, compactly: the Sundays in between are gaps between ranges
    ranges = desc.split("\n")[0].removeprefix("工作日：").split("（")[0].split("、")
    assert len(ranges) == len({d - timedelta(n) for n, d in enumerate(t.days)})  # one range per run
    assert ranges[0].startswith(t.start.isoformat())
    # predecessors with ids and names; zone / building location
    desc = str(by_uid(feeds["feeds/trade-water.ics"])["water@R2:test@tiny"]["DESCRIPTION"])
    assert "water@R2:lay 给水管更换·东路敷设" in desc  # the test of a run comes after that run's lay
    for pred in schedule.task("water@R2:test").after:
        assert f"{pred} {schedule.task(pred).name}" in desc
    assert str(by_uid(feeds["feeds/trade-civil.ics"])["A1:excavate@tiny"]["LOCATION"]) == "入户前区"


def test_building_feed_outages_noise_and_entrances(tiny, feeds):
    project, schedule = tiny
    cal = Calendar.from_ical(feeds["feeds/building-B1.ics"])
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    evs = cal.walk("VEVENT")
    mine = [d for d in schedule.disruptions if d.building == "B1"]

    outages = [e for e in evs if "-outage-" in str(e["UID"])]
    assert len(outages) == sum(1 for d in mine if d.kind == "outage") == 1
    ev = outages[0]
    assert str(ev["SUMMARY"]) == "停水 09:00-15:00"
    assert ev["DTSTART"].params["TZID"] == "Asia/Shanghai"
    cut = schedule.task("water:cutover").start
    assert ev.decoded("DTSTART").astimezone(timezone.utc) == datetime(cut.year, cut.month, cut.day, 1, tzinfo=timezone.utc)
    assert ev.decoded("DTEND").astimezone(timezone.utc) == datetime(cut.year, cut.month, cut.day, 7, tzinfo=timezone.utc)
    assert str(ev["UID"]) == "B1-outage-water:cutover-1@tiny"

    # noise: all-day runs of consecutive days, per task; together exactly the noisy days
    noise = [e for e in evs if "-noise-" in str(e["UID"])]
    assert noise and all(str(e["SUMMARY"]) == "噪声施工 08:00-12:00, 14:00-18:00" for e in noise)
    covered = set()
    for e in noise:
        tid = re.fullmatch(r"B1-noise-(.+)-\d+@tiny", str(e["UID"])).group(1)
        a, b = e.decoded("DTSTART"), e.decoded("DTEND")
        assert type(a) is date and type(b) is date
        days = {(tid, a + timedelta(n)) for n in range((b - a).days)}
        assert not days & covered
        covered |= days
    assert covered == {(d.task, d.date) for d in mine if d.kind == "noise"}
    facade = sorted((e for e in noise if "facade-B1" in str(e["UID"])), key=lambda e: e.decoded("DTSTART"))
    t = schedule.task("facade-B1:building")  # Mon–Sat, no holiday in March 2027: every Sunday cuts a run
    sundays = sum((t.start + timedelta(n)).weekday() == 6 for n in range((t.finish - t.start).days))
    assert sundays >= 1 and len(facade) == sundays + 1
    assert [str(e["UID"]) for e in facade] == [f"B1-noise-facade-B1:building-{n}@tiny" for n in range(1, sundays + 2)]

    # A1 is passable_when_open: people → the entrance is on steel plates
    ent = [e for e in evs if "-entrance-" in str(e["UID"])]
    opening = next(o for o in schedule.openings if o.zone == "A1")
    assert len(ent) == 1
    assert str(ent[0]["SUMMARY"]) == "单元门前开挖（铺钢板通行）"
    assert (ent[0].decoded("DTSTART"), ent[0].decoded("DTEND")) == (opening.from_, opening.to + timedelta(1))
    assert "1单元、2单元" in str(ent[0]["DESCRIPTION"]) and "010-0000-0000" in str(ent[0]["DESCRIPTION"])

    # sorted deterministically by start
    starts = [(e.decoded("DTSTART") if type(e.decoded("DTSTART")) is date else e.decoded("DTSTART").date()) for e in evs]
    assert starts == sorted(starts)


def test_english_and_closed_entrance(tiny):
    project, schedule = tiny
    p = project.model_copy(deep=True)
    p.project.lang = "en"
    p.zone("A1").passable_when_open = "none"
    files = render_feeds(schedule, p, None, NOW1)
    evs = events(files["feeds/building-B2.ics"])
    summaries = {str(e["SUMMARY"]) for e in evs}
    assert "Water outage 09:00-15:00" in summaries
    assert "Trench at the entrance (entrance closed, please detour)" in summaries
    assert "Noisy work 08:00-12:00, 14:00-18:00" in summaries
    assert str(Calendar.from_ical(files["feeds/trade-water.ics"])["NAME"]) == "小院示例 · water supply (water)"
    desc = str(by_uid(files["feeds/trade-water.ics"])["water:cutover@tiny"]["DESCRIPTION"])
    assert "Working days:" in desc and "Contractor: 示例自来水公司" in desc and "Water outage 09:00-15:00" in desc


LIFT_DAYS = [date(2027, 4, 10), date(2027, 4, 12)]  # Sat, Mon: the elevator trade rests on Sunday 11 Apr


def with_crane(schedule: Schedule, fire_plan: bool) -> Schedule:
    """tiny plus a hand-made lift whose crane stands on A1 (the apron at every door of B1 and B2) from Sat 10
    to Mon 12 Apr: occupied on all three calendar days, so both buildings' entrance zone is occupied then."""
    s = schedule.model_copy(deep=True)
    s.tasks.append(ScheduledTask(id="E1:lift", name="1号楼加装电梯井道吊装", trade="elevator", kind="lift",
                                 zone="A1", building="B1", start=LIFT_DAYS[0], finish=LIFT_DAYS[-1], days=LIFT_DAYS,
                                 noisy=True, equipment=["crane"]))
    s.occupations = [Occupation(zone="A1", from_=date(2027, 4, 10), to=date(2027, 4, 12), task="E1:lift",
                                fire_plan=fire_plan)]
    s.disruptions += [Disruption(building=b, date=date(2027, 4, n), kind="entrance", zone="A1", task="E1:lift")
                      for b in ("B1", "B2") for n in (10, 11, 12)]
    return s


@pytest.mark.parametrize("fire_plan", [False, True])
def test_a_crane_at_the_entrance_is_an_all_day_event_of_its_own(tiny, feeds, fire_plan):
    project, schedule = tiny
    files = render_feeds(with_crane(schedule, fire_plan), project, None, NOW1)
    for b, doors in (("B1", "1单元、2单元"), ("B2", "1单元")):
        evs = by_uid(files[f"feeds/building-{b}.ics"])
        ev = evs[f"{b}-crane-E1:lift-A1-1@tiny"]
        assert (ev.decoded("DTSTART"), ev.decoded("DTEND")) == (date(2027, 4, 10), date(2027, 4, 13))  # Sunday too
        assert str(ev["SUMMARY"]) == "单元门前吊装作业（设警戒区，专人引导通行）"
        assert str(ev["LOCATION"]) == "入户前区"
        desc = str(ev["DESCRIPTION"])
        assert f"入户前区吊装作业，设警戒区封闭，影响 {doors}" in desc
        assert "行人由现场专人引导通过警戒区" in desc and "原因：1号楼加装电梯井道吊装" in desc
        assert "日期：2027-04-10–04-12（共3天）" in desc and "010-0000-0000" in desc
        assert ("吊装期间实施临时消防保障方案。" in desc) == fire_plan
        # the trench event is untouched: same UID, same days, and it is still the only one
        old = by_uid(feeds[f"feeds/building-{b}.ics"])
        trench = [u for u in evs if "-entrance-" in u]
        assert trench == [u for u in old if "-entrance-" in u] and len(trench) == 1
        assert evs[trench[0]].to_ical() == old[trench[0]].to_ical()
    assert "crane" not in files["feeds/trade-civil.ics"].decode()
    v = vobject.readOne(files["feeds/building-B1.ics"].decode("utf-8"))  # a second parser reads it alike
    assert "B1-crane-E1:lift-A1-1@tiny" in {e.uid.value for e in v.vevent_list}


def test_a_moved_lift_keeps_its_crane_event_uid(tiny, tmp_path):
    project, schedule = tiny
    first = render_feeds(with_crane(schedule, False), project, None, NOW1)
    later = moved(with_crane(schedule, False), "E1:lift", 7)
    later.occupations[0].from_ += timedelta(7)
    later.occupations[0].to += timedelta(7)
    second = by_uid(render_feeds(later, project, write(first, tmp_path), NOW2)["feeds/building-B1.ics"])
    ev = second["B1-crane-E1:lift-A1-1@tiny"]
    assert ev.decoded("DTSTART") == date(2027, 4, 17) and int(ev["SEQUENCE"]) == 1


def test_english_crane_event(tiny):
    project, schedule = tiny
    p = project.model_copy(deep=True)
    p.project.lang = "en"
    ev = by_uid(render_feeds(with_crane(schedule, True), p, None, NOW1)["feeds/building-B2.ics"])["B2-crane-E1:lift-A1-1@tiny"]
    assert str(ev["SUMMARY"]) == "Crane lift at the entrance (cordon, people escorted past)"
    assert "A temporary fire-safety plan is in force during the lift." in str(ev["DESCRIPTION"])


def test_tasks_without_a_trade_publish(tiny, tmp_path):
    """tiny lists no supervision trade, so its inspections (隐蔽工程验收) have no trade: no trade feed for them,
    an event in the feed of all tasks, an empty trade and contractor in the ledger, and a Gantt bar."""
    import pandas as pd

    from scheduler.publishing import publish

    project, schedule = tiny
    inspections = [t for t in schedule.tasks if t.kind == "inspect"]
    assert {t.id for t in inspections} == {"R2:inspect", "A1:inspect"} and all(t.trade is None for t in inspections)
    written = {p.relative_to(tmp_path).as_posix() for p in publish(schedule, project, tmp_path, now=NOW1)}
    assert {f for f in written if f.startswith("feeds/trade-")} == {
        f"feeds/trade-{t}.ics" for t in ("civil", "water", "paving", "greening")}
    ev = by_uid((tmp_path / "feeds" / "all.ics").read_bytes())["A1:inspect@tiny"]
    assert str(ev["SUMMARY"]) == "入户前区隐蔽工程验收" and "施工单位" not in str(ev["DESCRIPTION"])
    ledger = pd.read_csv(tmp_path / "schedule.csv", encoding="utf-8-sig", keep_default_na=False).set_index("id")
    assert (ledger.loc["A1:inspect", "trade"], ledger.loc["A1:inspect", "contractor"]) == ("", "")
    assert ledger.loc["A1:inspect", "zone"] == "A1" and ledger.loc["A1:backfill", "predecessors"].count("A1:inspect") == 1
    xlsx = pd.read_excel(tmp_path / "schedule.xlsx", sheet_name="台账", keep_default_na=False).set_index("任务编号")
    assert xlsx.loc["R2:inspect", "专业"] == "" and xlsx.loc["R2:inspect", "地下作业"] == "是"
    assert '"A1:inspect"' in (tmp_path / "gantt.html").read_text(encoding="utf-8")


def test_building_without_disruptions_is_still_a_valid_feed(tiny):
    project, schedule = tiny
    s = schedule.model_copy(deep=True)
    s.disruptions = [d for d in s.disruptions if d.building != "B2"]
    cal = Calendar.from_ical(render_feeds(s, project, None, NOW1)["feeds/building-B2.ics"])
    assert cal.walk("VEVENT") == [] and len(cal.walk("VTIMEZONE")) == 1  # never an empty VCALENDAR


# ---- stability --------------------------------------------------------------------------------------------

def test_uids_are_stable_unique_and_never_random(tiny, feeds):
    project, schedule = tiny
    again = render_feeds(schedule, project, None, NOW2)
    for rel, data in feeds.items():
        uids = [str(e["UID"]) for e in events(data)]
        assert uids == [str(e["UID"]) for e in events(again[rel])]
        assert len(uids) == len(set(uids)), rel
        for uid in uids:
            assert uid.endswith("@tiny")
            assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-", uid), uid
    cal = Calendar.from_ical(feeds["feeds/all.ics"])
    assert "UID" not in cal  # no invented calendar UID either


def test_unchanged_schedule_is_byte_identical(tiny, feeds, tmp_path):
    project, schedule = tiny
    first = write(feeds, tmp_path / "run1")
    second = render_feeds(schedule, project, first, NOW2)  # a later run: nothing moved
    assert second == feeds
    third = render_feeds(Schedule.model_validate_json(schedule.to_json()), project, write(second, tmp_path / "run2"),
                         NOW2 + timedelta(days=3))
    assert third == feeds  # also after a round trip through schedule.json


def test_a_task_moved_earlier_is_a_change_too(tiny, feeds, tmp_path):
    """Moving work forward matters as much as a delay: the contractor must see it (SEQUENCE 1, new DTSTART)."""
    project, schedule = tiny
    earlier = render_feeds(moved(schedule, "water:cutover", -1), project, write(feeds, tmp_path / "run1"), NOW2)
    for rel in ("feeds/all.ics", "feeds/trade-water.ics"):
        old, ev = by_uid(feeds[rel])["water:cutover@tiny"], by_uid(earlier[rel])["water:cutover@tiny"]
        assert int(ev["SEQUENCE"]) == 1, rel
        assert ev.decoded("DTSTART") == old.decoded("DTSTART") - timedelta(days=1), rel
    outage = by_uid(earlier["feeds/building-B1.ics"])["B1-outage-water:cutover-1@tiny"]
    assert int(outage["SEQUENCE"]) == 1


def test_sequence_grows_exactly_for_moved_events(tiny, feeds, tmp_path):
    project, schedule = tiny
    first = write(feeds, tmp_path / "run1")
    second_s = moved(schedule, "water:cutover", 1)
    second = render_feeds(second_s, project, first, NOW2)
    changed = {"water:cutover@tiny", "B1-outage-water:cutover-1@tiny", "B2-outage-water:cutover-1@tiny"}
    for rel, data in second.items():
        old = by_uid(feeds[rel])
        for uid, ev in by_uid(data).items():
            seq, stamp, modified = int(ev["SEQUENCE"]), ev["DTSTAMP"].to_ical().decode(), ev["LAST-MODIFIED"].to_ical().decode()
            if uid in changed:
                assert (seq, stamp, modified) == (1, STAMP2, STAMP2), (rel, uid)
                assert ev.decoded("DTSTART") != old[uid].decoded("DTSTART")
            else:
                assert (seq, stamp, modified) == (0, STAMP1, STAMP1), (rel, uid)
                assert ev.to_ical() == old[uid].to_ical()
    assert {u for rel in second for u in by_uid(second[rel])} >= changed

    # moved again → 2; a run with nothing moved keeps 2 and the time of the change
    second_dir = write(second, tmp_path / "run2")
    third = render_feeds(moved(second_s, "water:cutover", 1), project, second_dir, NOW2 + timedelta(days=1))
    ev = by_uid(third["feeds/all.ics"])["water:cutover@tiny"]
    assert int(ev["SEQUENCE"]) == 2 and ev["DTSTAMP"].to_ical().decode() == "20270210T170542Z"
    assert int(by_uid(third["feeds/building-B2.ics"])["B2-outage-water:cutover-1@tiny"]["SEQUENCE"]) == 2
    assert render_feeds(second_s, project, second_dir, NOW2 + timedelta(days=5)) == second

    # a new task gets SEQUENCE 0 at `now`; a changed name (SUMMARY) is a change too
    s4 = second_s.model_copy(deep=True)
    s4.task("R2:excavate").name = "东路开挖（改）"
    s4.tasks.append(ScheduledTask(id="extra:task", name="加项", trade="civil", kind="task", start=date(2027, 3, 20),
                                  finish=date(2027, 3, 20), days=[date(2027, 3, 20)]))
    fourth = by_uid(render_feeds(s4, project, second_dir, NOW2 + timedelta(days=1))["feeds/trade-civil.ics"])
    assert int(fourth["R2:excavate@tiny"]["SEQUENCE"]) == 1
    assert (int(fourth["extra:task@tiny"]["SEQUENCE"]), fourth["extra:task@tiny"]["DTSTAMP"].to_ical()) == (
        0, b"20270210T170542Z")


def test_a_damaged_previous_feed_is_no_reference(tiny, feeds, tmp_path):
    project, schedule = tiny
    first = write(feeds, tmp_path / "run1")
    (first / "feeds" / "trade-civil.ics").write_bytes(b"not a calendar\r\n")
    (first / "feeds" / "all.ics").unlink()
    again = render_feeds(schedule, project, first, NOW2)
    ev = by_uid(again["feeds/trade-civil.ics"])["R2:excavate@tiny"]
    assert int(ev["SEQUENCE"]) == 0 and ev["DTSTAMP"].to_ical().decode() == STAMP2  # nothing to compare with
    assert again["feeds/trade-water.ics"] == feeds["feeds/trade-water.ics"]
    assert render_feeds(schedule, project, tmp_path / "nowhere", NOW1) == feeds


def test_now_must_be_timezone_aware(tiny):
    project, schedule = tiny
    with pytest.raises(ValueError):
        render_feeds(schedule, project, None, datetime(2027, 2, 1, 8, 30))
    local = NOW1.astimezone(timezone(timedelta(hours=8)))
    assert render_feeds(schedule, project, None, local) == render_feeds(schedule, project, None, NOW1)


# ---- bytes on the wire --------------------------------------------------------------------------------------

def long_schedule(schedule: Schedule) -> Schedule:
    s = schedule.model_copy(deep=True)
    t = s.task("facade-B1:building")
    t.name = "1号楼外墙保温🚧及节能改造（含屋面防水、雨落管更换、空调板封堵）" * 4
    s.task("water@R2:test").name = "给水管更换试验" * 12
    return s


def test_crlf_folding_and_utf8(tiny, feeds):
    project, schedule = tiny
    s = long_schedule(schedule)
    files = render_feeds(s, project, None, NOW1)
    for data in [*feeds.values(), *files.values()]:
        assert data.endswith(b"\r\n")
        lines = data.split(b"\r\n")[:-1]
        for line in lines:
            assert b"\n" not in line and b"\r" not in line
            assert len(line) <= 75, line
            line.decode("utf-8")  # no UTF-8 character is split by the folding
    all_evs = by_uid(files["feeds/all.ics"])
    assert str(all_evs["facade-B1:building@tiny"]["SUMMARY"]) == s.task("facade-B1:building").name
    desc = str(all_evs["R2:backfill@tiny"]["DESCRIPTION"])
    assert str(all_evs["water:cutover@tiny"]["DESCRIPTION"]).count("给水管更换试验" * 12) == 1
    assert "\n" in desc and len(desc.encode()) > 75
    folded = [ln for ln in files["feeds/all.ics"].split(b"\r\n") if ln.startswith(b" ")]
    assert folded  # long Chinese text really was folded
    v = vobject.readOne(files["feeds/all.ics"].decode("utf-8"))
    assert any(e.summary.value == s.task("facade-B1:building").name for e in v.vevent_list)


# ---- independent parsers ----------------------------------------------------------------------------------

def expected(data: bytes) -> list[dict]:
    """What every parser must read: UID, start/end (date, or UTC instant plus TZID), SEQUENCE, SUMMARY."""
    out = []
    for e in events(data):
        row = {"uid": str(e["UID"]), "sequence": int(e["SEQUENCE"]), "summary": str(e["SUMMARY"])}
        for key in ("DTSTART", "DTEND"):
            v = e.decoded(key)
            if type(v) is date:
                row[key] = v.isoformat()
            else:
                row[key] = (v.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"), e[key].params["TZID"])
        out.append(row)
    return out


def test_vobject_reads_every_feed(feeds):
    for rel, data in feeds.items():
        cal = vobject.readOne(data.decode("utf-8"))
        got = []
        for e in cal.contents.get("vevent", []):
            row = {"uid": e.uid.value, "sequence": int(e.sequence.value), "summary": e.summary.value}
            for key, comp in (("DTSTART", e.dtstart), ("DTEND", e.dtend)):
                v = comp.value
                if isinstance(v, datetime):
                    assert v.tzinfo is not None, (rel, row["uid"])  # built from the feed's own VTIMEZONE
                    tzid = vobject.icalendar.TimezoneComponent.pickTzid(v.tzinfo)
                    row[key] = (v.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"), tzid)
                else:
                    row[key] = v.isoformat()
            got.append(row)
        assert got == expected(data), rel
        assert "method" not in cal.contents
        assert cal.contents["refresh-interval"][0].params["VALUE"] == ["DURATION"]


@pytest.fixture(scope="module")
def icaljs():
    if not shutil.which("node") or not shutil.which("npm"):
        if os.environ.get("CI"):  # .ci/run installs them: in CI a missing parser is a failure, never a skip
            pytest.fail("node/npm not on PATH in CI: .ci/run should have installed nodejs and npm")
        pytest.skip("node/npm not on PATH (apt-get install nodejs npm)")
    if not (JS / "node_modules" / "ical.js").is_dir():
        subprocess.run(["npm", "install", "--prefix", str(JS), "--no-audit", "--no-fund"], check=True,
                       capture_output=True, timeout=300)

    def parse(paths: list[Path]) -> dict:
        done = subprocess.run(["node", str(JS / "parse.mjs"), *map(str, paths)], check=True, capture_output=True,
                              timeout=120)
        return json.loads(done.stdout)
    return parse


def test_icaljs_reads_every_feed(feeds, icaljs, tmp_path):
    out = write(feeds, tmp_path)
    parsed = icaljs([out / rel for rel in sorted(feeds)])
    timed = 0
    for rel in sorted(feeds):
        cal = parsed[str(out / rel)]
        assert cal["method"] is None
        assert cal["refresh"] == {"value": "PT4H", "type": "duration"}
        assert cal["name"]["value"] == cal["calname"]["value"] == str(Calendar.from_ical(feeds[rel])["NAME"])
        got = []
        for e in cal["events"]:
            row = {"uid": e["uid"], "sequence": e["sequence"], "summary": e["summary"]}
            for key, t in (("DTSTART", e["start"]), ("DTEND", e["end"])):
                if t["isDate"]:
                    row[key] = t["value"]
                else:
                    timed += 1
                    assert t["zone"] == "Asia/Shanghai", (rel, e["uid"], t)  # not "floating"
                    row[key] = (t["utc"][:19], t["zone"])
            got.append(row)
        assert got == expected(feeds[rel]), rel
    assert timed >= 4  # the two outages (start and end) of the tiny project were among them


def test_icaljs_reads_long_chinese_text(tiny, icaljs, tmp_path):
    project, schedule = tiny
    s = long_schedule(schedule)
    out = write(render_feeds(s, project, None, NOW1), tmp_path)
    cal = icaljs([out / "feeds" / "all.ics"])[str(out / "feeds" / "all.ics")]
    names = {e["uid"]: e["summary"] for e in cal["events"]}
    assert names["facade-B1:building@tiny"] == s.task("facade-B1:building").name
    descs = {e["uid"]: e["description"] for e in cal["events"]}
    assert ("给水管更换试验" * 12) in descs["water:cutover@tiny"]


def test_published_files_are_readable_like_any_other_file(tmp_path):
    """mkstemp creates 0600 files; a published feed must be readable by the web server and colleagues."""
    import os
    import stat

    from scheduler.publishing.files import UMASK, write_atomic

    target = tmp_path / "feeds" / "x.ics"
    write_atomic(target, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o666 & ~UMASK
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_republishing_the_same_bytes_keeps_the_file_time(tmp_path):
    """An unchanged feed keeps its Last-Modified, so clients polling with If-Modified-Since get 304."""
    import os

    from scheduler.publishing.files import write_atomic

    target = tmp_path / "x.ics"
    write_atomic(target, "A")
    os.utime(target, (1_000_000, 1_000_000))
    write_atomic(target, "A")
    assert os.stat(target).st_mtime == 1_000_000
    write_atomic(target, "B")
    assert os.stat(target).st_mtime != 1_000_000 and target.read_text() == "B"


# ---- hand-worked ------------------------------------------------------------------------------------------
# The compound HAND of conftest.py, scheduled by hand there; its re-plan (hand_replan) too. Expected events
# are written out from that working, not read from the schedule's disruption list.

def summary_of(data: bytes) -> dict[str, tuple]:
    """UID → (DTSTART, DTEND, SUMMARY), dates as ISO text, timed ones in UTC."""
    out = {}
    for e in events(data):
        ends = []
        for key in ("DTSTART", "DTEND"):
            v = e.decoded(key)
            ends.append(v.isoformat() if type(v) is date else v.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ"))
        out[str(e["UID"])] = (*ends, str(e["SUMMARY"]))
    return out


def test_hand_worked_feeds(hand):
    """All-day events end the day after their last day (DTEND is exclusive); B1's water outage on Mon 03-08
    09:00-15:00 in Asia/Shanghai (UTC+8) is 01:00-07:00 UTC; A1 (B1's door zone, on plates) is open
    03-04..03-08; noise per task: excavation 03-04, backfill 03-08, paving 03-09, heard in B1 and B2 (A1 is
    near both); B2 has no outage (the cutover serves B1 only) and no door on A1."""
    from conftest import HAND_EXTRA

    project, _tasks, s = hand
    files = render_feeds(s, project, None, NOW1)
    noise = "噪声施工 08:00-12:00, 14:00-18:00"
    heard = {"A1:excavate": ("2027-03-04", "2027-03-05"), "A1:backfill": ("2027-03-08", "2027-03-09"),
             "pave@A1:paving": ("2027-03-09", "2027-03-10")}
    assert summary_of(files["feeds/building-B1.ics"]) == {
        "B1-outage-water:cutover-1@hand": ("2027-03-08T01:00Z", "2027-03-08T07:00Z", "停水 09:00-15:00"),
        "B1-entrance-A1-1@hand": ("2027-03-04", "2027-03-09", "单元门前开挖（铺钢板通行）"),
        **{f"B1-noise-{tid}-1@hand": (*days, noise) for tid, days in heard.items()},
    }
    assert summary_of(files["feeds/building-B2.ics"]) == {
        f"B2-noise-{tid}-1@hand": (*days, noise) for tid, days in heard.items()}
    trades = {rel: {uid: v[:2] for uid, v in summary_of(data).items() if uid.split("@")[0] not in HAND_EXTRA}
              for rel, data in files.items() if rel.startswith("feeds/trade-")}
    assert trades == {
        "feeds/trade-civil.ics": {"A1:excavate@hand": ("2027-03-04", "2027-03-05"),
                                  "A1:backfill@hand": ("2027-03-08", "2027-03-09")},
        "feeds/trade-water.ics": {"water@A1:lay@hand": ("2027-03-05", "2027-03-06"),
                                  "water:cutover@hand": ("2027-03-08", "2027-03-09")},
        "feeds/trade-paving.ics": {"pave@A1:paving@hand": ("2027-03-09", "2027-03-10")},
    }
    desc = str(by_uid(files["feeds/trade-water.ics"])["water:cutover@hand"]["DESCRIPTION"])
    assert desc.startswith("工作日：2027-03-08（共1天）") and "自来水公司" in desc


def test_hand_worked_sequence_after_a_replan(hand_replan, tmp_path):
    """The re-plan (conftest: the lay runs to Fri 03-12) moves the backfill, the cutover and the paving a week
    later and lengthens the lay; the excavation stays. SEQUENCE 1 exactly for the events that changed:
    the lay (ends 03-12 instead of 03-05), backfill, cutover, paving; in B1's feed the outage (03-15), the
    door zone's opening (now 03-04..03-15) and the backfill and paving noise; in B2's the backfill and paving
    noise. The excavation and its noise keep SEQUENCE 0."""
    from conftest import HAND_EXTRA

    project, _tasks, base, new = hand_replan
    first = write(render_feeds(base, project, None, NOW1), tmp_path / "run1")
    files = render_feeds(new, project, first, NOW2)
    seq = {rel: {str(e["UID"]): int(e["SEQUENCE"]) for e in events(data)
                 if str(e["UID"]).split("@")[0] not in HAND_EXTRA} for rel, data in files.items()}
    assert seq == {
        "feeds/trade-civil.ics": {"A1:excavate@hand": 0, "A1:backfill@hand": 1},
        "feeds/trade-water.ics": {"water@A1:lay@hand": 1, "water:cutover@hand": 1},
        "feeds/trade-paving.ics": {"pave@A1:paving@hand": 1},
        "feeds/building-B1.ics": {"B1-outage-water:cutover-1@hand": 1, "B1-entrance-A1-1@hand": 1,
                                  "B1-noise-A1:excavate-1@hand": 0, "B1-noise-A1:backfill-1@hand": 1,
                                  "B1-noise-pave@A1:paving-1@hand": 1},
        "feeds/building-B2.ics": {"B2-noise-A1:excavate-1@hand": 0, "B2-noise-A1:backfill-1@hand": 1,
                                  "B2-noise-pave@A1:paving-1@hand": 1},
        "feeds/all.ics": {"A1:excavate@hand": 0, "A1:backfill@hand": 1, "water@A1:lay@hand": 1,
                          "water:cutover@hand": 1, "pave@A1:paving@hand": 1},
    }
    b1 = summary_of(files["feeds/building-B1.ics"])
    assert b1["B1-outage-water:cutover-1@hand"][:2] == ("2027-03-15T01:00Z", "2027-03-15T07:00Z")
    assert b1["B1-entrance-A1-1@hand"][:2] == ("2027-03-04", "2027-03-16")


def test_hand_worked_descriptions(hand):
    """What the events of HAND say, line by line (catalogue text/zh-CN/feed.yaml), worked out from the input:
    names are zone + step or work name + step, the contractor is the trade's, a cutover works in its outage
    window and noisy tasks in the noisy hours, predecessors by id and name in id order, the outage and whom it affects,
    days as ISO ranges with the year once; the building events end with the hotline."""
    project, _tasks, s = hand
    files = render_feeds(s, project, None, NOW1)
    hotline = "咨询电话：010-1234-5678"
    b1 = by_uid(files["feeds/building-B1.ics"])

    def said(ev) -> tuple[str, str]:
        return str(ev["DESCRIPTION"]), str(ev.get("LOCATION", ""))

    assert said(b1["B1-outage-water:cutover-1@hand"]) == (
        f"原因：给水管更换切改接驳\n施工单位：自来水公司\n{hotline}", "1号楼")
    assert said(b1["B1-entrance-A1-1@hand"]) == (
        f"楼前开挖，影响 1单元\n开挖期间铺设钢板，行人可通行；车辆请绕行。\n日期：2027-03-04–03-08（共5天）\n{hotline}", "楼前")
    assert said(b1["B1-noise-A1:excavate-1@hand"]) == (
        f"噪声施工：楼前开挖（楼前）\n日期：2027-03-04（共1天）\n时间：08:00-12:00, 14:00-18:00\n{hotline}", "楼前")
    tasks = by_uid(files["feeds/all.ics"])
    assert said(tasks["water:cutover@hand"]) == (
        "工作日：2027-03-08（共1天）\n作业时间：09:00-15:00\n前置工序：water@A1:lay 给水管更换·楼前敷设\n"
        "停水 09:00-15:00，影响 1号楼，提前 1 天通知居民\n施工单位：自来水公司\n工序编号：water:cutover", "")
    assert said(tasks["pave@A1:paving@hand"]) == (
        "工作日：2027-03-09（共1天）\n作业时间：08:00-12:00, 14:00-18:00（噪声作业）\n"
        "前置工序：A1:backfill 楼前回填；water:cutover 给水管更换切改接驳；water@A1:lay 给水管更换·楼前敷设\n"
        "工序编号：pave@A1:paving", "楼前")
    assert str(Calendar.from_ical(files["feeds/all.ics"])["NAME"]) == "手算小院 · 全部工序"
    # without a hotline, no empty hotline line
    quiet = project.model_copy(deep=True)
    quiet.project.hotline = ""
    assert "咨询电话" not in render_feeds(s, quiet, None, NOW1)["feeds/building-B1.ics"].decode("utf-8")


def test_outage_hours_to_midnight_and_days_across_the_new_year(hand):
    """A night outage 20:30-24:00 ends at midnight, the start of the next day (Asia/Shanghai, UTC+8: 12:30 to
    16:00 UTC); working days over the new year name each year where it changes."""
    from models.schedule import Disruption, OutageInfo

    project, _tasks, s = hand
    d = date
    days = [d(2027, 12, 30), d(2027, 12, 31), d(2028, 1, 1), d(2028, 1, 3)]
    cut = ScheduledTask(id="water:cutover", name="夜间切换", kind="cutover", trade="water", start=days[0],
                        finish=days[-1], days=days, outage=OutageInfo(type="water", serves=["B1"],
                                                                      hours="20:30-24:00", notice_days=1))
    sched = Schedule(project="hand", tasks=[cut], disruptions=[
        Disruption(building="B1", date=day, kind="outage", hours=["20:30-24:00"], task="water:cutover")
        for day in days])
    files = render_feeds(sched, project, None, NOW1)
    b1 = by_uid(files["feeds/building-B1.ics"])
    assert sorted(b1) == [f"B1-outage-water:cutover-{n}@hand" for n in (1, 2, 3, 4)]  # one event per night
    ev = b1["B1-outage-water:cutover-1@hand"]
    assert ev.decoded("DTSTART").astimezone(timezone.utc) == datetime(2027, 12, 30, 12, 30, tzinfo=timezone.utc)
    assert ev.decoded("DTEND").astimezone(timezone.utc) == datetime(2027, 12, 30, 16, 0, tzinfo=timezone.utc)
    desc = str(by_uid(files["feeds/trade-water.ics"])["water:cutover@hand"]["DESCRIPTION"])
    assert desc.startswith("工作日：2027-12-30–2028-01-01、01-03（共4天）")


def test_a_previous_feed_without_sequence_or_change_times(tiny, feeds, tmp_path):
    """Another tool's copy of the feeds without SEQUENCE, DTSTAMP or LAST-MODIFIED: events read as SEQUENCE 0;
    an unchanged one keeps 0 (and takes `now` as its change time), a moved one becomes 1."""
    project, schedule = tiny
    first = write(feeds, tmp_path / "run1")
    for path in (first / "feeds").glob("*.ics"):
        kept = [ln for ln in path.read_bytes().split(b"\r\n")
                if not ln.startswith((b"SEQUENCE", b"DTSTAMP", b"LAST-MODIFIED"))]
        path.write_bytes(b"\r\n".join(kept))
    evs = by_uid(render_feeds(moved(schedule, "water:cutover", 1), project, first, NOW2)["feeds/trade-water.ics"])
    assert int(evs["water:cutover@tiny"]["SEQUENCE"]) == 1
    unchanged = evs["water@R2:lay@tiny"]
    assert int(unchanged["SEQUENCE"]) == 0 and unchanged["DTSTAMP"].to_ical().decode() == STAMP2

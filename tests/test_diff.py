"""`digonce diff`: what moved, grouped by trade (contractors) and by building (residents, outages)."""

from __future__ import annotations

import json
from datetime import date, timedelta

from test_solve import cli

from models.schedule import Disruption, OutageInfo, Schedule, ScheduledTask
from scheduler.review.diff import Diff, diff, render

D = date.fromisoformat


def st(tid: str, trade: str, start: str, days: int, outage: OutageInfo | None = None) -> ScheduledTask:
    first = D(start)
    ds = [first + timedelta(i) for i in range(days)]
    return ScheduledTask(id=tid, trade=trade, start=first, finish=ds[-1], days=ds, outage=outage)


WATER_OUT = OutageInfo(type="water", serves=["B1", "B2"], hours="09:00-15:00", notice_days=1)


def schedules() -> tuple[Schedule, Schedule]:
    """B: the excavation moves two days later (B1's noise moves with it), the water cutover moves a day
    (B1 and B2 are served), the facade is unchanged, a greening task is removed and a paving task added."""
    a = Schedule(project="p", tasks=[
        st("R1:excavate", "civil", "2027-03-01", 2), st("w:cutover", "water", "2027-03-10", 1, WATER_OUT),
        st("facade", "civil", "2027-03-01", 5), st("green", "greening", "2027-03-20", 2)],
        disruptions=[Disruption(building="B1", date=D("2027-03-01"), kind="noise", task="R1:excavate"),
                     Disruption(building="B1", date=D("2027-03-02"), kind="noise", task="R1:excavate"),
                     Disruption(building="B1", date=D("2027-03-10"), kind="outage", task="w:cutover"),
                     Disruption(building="B2", date=D("2027-03-10"), kind="outage", task="w:cutover"),
                     Disruption(building="B3", date=D("2027-03-01"), kind="noise", task="facade")])
    b = Schedule(project="p", tasks=[
        st("R1:excavate", "civil", "2027-03-03", 2), st("w:cutover", "water", "2027-03-11", 1, WATER_OUT),
        st("facade", "civil", "2027-03-01", 5), st("pave", "paving", "2027-03-22", 1)],
        disruptions=[Disruption(building="B1", date=D("2027-03-03"), kind="noise", task="R1:excavate"),
                     Disruption(building="B1", date=D("2027-03-04"), kind="noise", task="R1:excavate"),
                     Disruption(building="B1", date=D("2027-03-11"), kind="outage", task="w:cutover"),
                     Disruption(building="B2", date=D("2027-03-11"), kind="outage", task="w:cutover"),
                     Disruption(building="B3", date=D("2027-03-01"), kind="noise", task="facade")])
    return a, b


def test_moves_grouped_by_trade_and_building():
    d = diff(*schedules())
    assert [(c.task, c.status, c.shift_days) for c in d.changes] == [
        ("R1:excavate", "moved", 2), ("w:cutover", "moved", 1), ("green", "removed", None), ("pave", "added", None)]
    assert d.unchanged == 1
    assert {tc.trade: [c.task for c in tc.changes] for tc in d.by_trade} == {
        "civil": ["R1:excavate"], "greening": ["green"], "paving": ["pave"], "water": ["w:cutover"]}
    by_b = {bc.building: bc for bc in d.by_building}
    assert set(by_b) == {"B1", "B2"}  # B3's facade noise did not move: nobody there to tell
    b1 = by_b["B1"]
    assert b1.days_added == [D("2027-03-03"), D("2027-03-04"), D("2027-03-11")]
    assert b1.days_removed == [D("2027-03-01"), D("2027-03-02"), D("2027-03-10")]
    assert [c.task for c in b1.outages] == ["w:cutover"] and b1.outages[0].outage == "water"
    assert [c.task for c in by_b["B2"].outages] == ["w:cutover"]
    assert d.announced_days_changed == 8
    text = render(d)
    assert "civil: 1 task(s)" in text and "R1:excavate: 2027-03-01..2027-03-02 → 2027-03-03..2027-03-04 (+2 d)" in text
    assert "outage water w:cutover: 2027-03-10 → 2027-03-11" in text


def test_same_schedule_has_no_changes():
    a, _ = schedules()
    d = diff(a, a)
    assert d.changes == [] and d.by_building == [] and d.unchanged == 4
    assert render(d).startswith("no changes")


def test_diff_cli_json_round_trips(tmp_path):
    a, b = schedules()
    (tmp_path / "a.json").write_text(a.to_json(), encoding="utf-8")
    (tmp_path / "b.json").write_text(b.to_json(), encoding="utf-8")
    res = cli("diff", tmp_path / "a.json", tmp_path / "b.json", "--json")
    assert res.exit_code == 0, res.output
    assert Diff.model_validate_json(res.output) == diff(a, b)
    assert json.loads(res.output)["changes"][0]["new_start"] == "2027-03-03"
    res = cli("diff", tmp_path / "a.json", tmp_path / "b.json")
    assert res.exit_code == 0 and "Residents to tell" in res.output and "B2" in res.output
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    res = cli("diff", tmp_path / "a.json", tmp_path / "bad.json")
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_hand_worked_diff_of_a_replan(hand_replan):
    """What the re-plan of conftest's HAND changes, by hand: the lay keeps its start (shift 0) but runs to
    03-12; backfill, cutover and paving move 7 days (03-08 → 03-15, 03-08 → 03-15, 03-09 → 03-16); the
    excavation is unchanged. Residents: B1 was disrupted 03-04..03-09 and now 03-04..03-16 (door zone open to
    03-15, paving noise 03-16): 7 new days 03-10..03-16. B2 hears the backfill and paving on 03-15 and 03-16
    instead of 03-08 and 03-09. 7 + 2 + 2 = 11 announced building-days changed."""
    from conftest import HAND_EXTRA

    _project, _tasks, base, new = hand_replan
    d = diff(base, new)
    assert [(c.task, c.status, c.old_start, c.old_finish, c.new_start, c.new_finish, c.shift_days)
            for c in d.changes if c.task not in HAND_EXTRA] == [
        ("A1:backfill", "moved", D("2027-03-08"), D("2027-03-08"), D("2027-03-15"), D("2027-03-15"), 7),
        ("water@A1:lay", "moved", D("2027-03-05"), D("2027-03-05"), D("2027-03-05"), D("2027-03-12"), 0),
        ("water:cutover", "moved", D("2027-03-08"), D("2027-03-08"), D("2027-03-15"), D("2027-03-15"), 7),
        ("pave@A1:paving", "moved", D("2027-03-09"), D("2027-03-09"), D("2027-03-16"), D("2027-03-16"), 7)]
    assert d.unchanged == 1  # A1:excavate
    by_b = {bc.building: bc for bc in d.by_building}
    assert by_b["B1"].days_added == [D("2027-03-04") + timedelta(n) for n in range(6, 13)]
    assert by_b["B1"].days_removed == []
    assert [c.task for c in by_b["B1"].outages] == ["water:cutover"]
    assert (by_b["B2"].days_added, by_b["B2"].days_removed) == ([D("2027-03-15"), D("2027-03-16")],
                                                              [D("2027-03-08"), D("2027-03-09")])
    assert by_b["B2"].outages == []
    assert d.announced_days_changed == 11

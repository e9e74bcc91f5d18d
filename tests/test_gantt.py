"""gantt.html (SPEC §7): the PM's plotly Gantt, one self-contained offline page.

The page is read without a browser: the figure passed to `Plotly.newPlot` is pulled out of the HTML and
parsed as JSON; the details are checked on the figure object from `gantt_figure`. Schedules: inputs/tiny
solved for real (1 worker, seed 0, a second); inputs/hepingli dated by a quick forward pass over its
expanded tasks (solving it takes too long for a test); 500 tasks made by repeating tiny's tasks.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date, timedelta
from pathlib import Path

import plotly.graph_objects as go
import pytest

from models import load_project
from models.schedule import Occupation, Opening, Schedule, ScheduledTask
from scheduler.planning.expand import expand
from scheduler.publishing.gantt import DAY_MS, GROUPINGS, NONE, ROW_PX, gantt_figure, gantt_html, trade_colour

D = date.fromisoformat
REPO = Path(__file__).resolve().parent.parent
TODAY = D("2027-03-05")


# ------------------------------------------------------------------------------------------ schedules

def forward_pass(project) -> Schedule:
    """A dated (not optimised) schedule: each task starts the day after its last predecessor finishes."""
    tasks = {t.id: t for t in expand(project)}
    start: dict[str, date] = {}

    def first(tid: str) -> date:
        if tid not in start:
            preds = [first(p) + timedelta(tasks[p].days + lag) for p, lag in tasks[tid].after.items() if p in tasks]
            start[tid] = max([project.project.start, *preds])
        return start[tid]

    out = []
    for t in tasks.values():
        days = [first(t.id) + timedelta(n) for n in range(t.days)]
        out.append(ScheduledTask(
            id=t.id, name=t.name, trade=t.trade, kind=t.kind, work=t.work, zone=t.zone, building=t.building,
            start=days[0], finish=days[-1], days=days, noisy=t.noisy, underground=t.underground, surface=t.surface,
            hours=list(t.hours), outage=None if t.outage is None else {
                "type": t.outage.type, "serves": list(t.outage.serves), "hours": t.outage.hours,
                "notice_days": t.outage.notice_days},
            equipment=sorted(t.equipment), after=sorted(t.after)))
    by_id = {t.id: t for t in out}
    openings = [Opening(zone=z.id, from_=by_id[f"{z.id}:excavate"].start, to=by_id[f"{z.id}:backfill"].finish)
                for z in project.site.zones if f"{z.id}:excavate" in by_id and f"{z.id}:backfill" in by_id]
    occupations = [Occupation(zone=z, from_=by_id[t.id].start, to=by_id[t.id].finish, task=t.id, fire_plan=t.fire_plan)
                   for t in tasks.values() for z in t.crane_zones]
    return Schedule(project=project.project.id, solver={"status": "FEASIBLE", "wall_s": 0.0}, tasks=out,
                    openings=openings, occupations=occupations)


@pytest.fixture(scope="module")
def hepingli():
    project, _ = load_project(REPO / "inputs" / "hepingli")
    return project, forward_pass(project)


def shifted(schedule: Schedule, moves: dict[str, int]) -> Schedule:
    """A copy of the schedule with some tasks moved by whole calendar days."""
    tasks = []
    for t in schedule.tasks:
        n = timedelta(moves.get(t.id, 0))
        tasks.append(t.model_copy(update={"start": t.start + n, "finish": t.finish + n,
                                          "days": [d + n for d in t.days]}))
    return schedule.model_copy(update={"tasks": tasks})


def scaled(schedule: Schedule, copies: int) -> Schedule:
    """`copies` × the tasks of `schedule`, each copy a week later, with its own ids."""
    tasks, openings = [], []
    for k in range(copies):
        n = timedelta(7 * k)
        for t in schedule.tasks:
            tasks.append(t.model_copy(update={
                "id": f"{t.id}#{k}", "start": t.start + n, "finish": t.finish + n, "days": [d + n for d in t.days],
                "after": [f"{a}#{k}" for a in t.after]}))
    openings = [o.model_copy(update={"from_": o.from_, "to": o.to + timedelta(7 * (copies - 1))})
                for o in schedule.openings]
    return schedule.model_copy(update={"tasks": tasks, "openings": openings})


# ------------------------------------------------------------------------------------------ figure reading

def by_role(fig: go.Figure, role: str) -> list:
    return [t for t in fig.data if (t.meta or {}).get("role") == role]


def bar_ids(fig: go.Figure) -> list[str]:
    return [i for t in by_role(fig, "task") for i in t.ids]


def shape(fig: go.Figure, name: str, shapes=None):
    found = [s for s in (shapes if shapes is not None else fig.layout.shapes) if s["name"] == name]
    assert len(found) == 1, f"{len(found)} shapes named {name}"
    return found[0]


def label_of(fig: go.Figure, tid: str) -> str:
    for t in by_role(fig, "task"):
        if tid in t.ids:
            return t.y[list(t.ids).index(tid)]
    raise KeyError(tid)


def hover_of(fig: go.Figure, tid: str) -> str:
    for t in by_role(fig, "task"):
        if tid in t.ids:
            return t.hovertext[list(t.ids).index(tid)]
    raise KeyError(tid)


def page_figure(page: str) -> tuple[list, dict, dict]:
    """data, layout and config of the `Plotly.newPlot` call in the page."""
    at = page.index("Plotly.newPlot(")
    dec = json.JSONDecoder()
    pos = at + len("Plotly.newPlot(")
    parts = []
    for _ in range(4):
        while page[pos] in " \n\t,":
            pos += 1
        value, pos = dec.raw_decode(page, pos)
        parts.append(value)
    div, data, layout, config = parts
    assert div == "digonce-gantt"
    return data, layout, config


def scripts(page: str) -> list[tuple[str, str]]:
    return re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)


# ------------------------------------------------------------------------------------------ the page

def test_page_is_self_contained_and_offline(tiny):
    project, schedule = tiny
    page = gantt_html(schedule, project, today=TODAY)
    assert re.match(r"\s*(<!doctype html>\s*)?<html", page, flags=re.I) and page.rstrip().endswith("</html>")
    assert "<script src" not in page.lower() and not re.search(r"<script[^>]*\bsrc\s*=", page, flags=re.I)
    assert "<link" not in page.lower() and "<iframe" not in page.lower()
    tags = scripts(page)
    library = [body for _, body in tags if len(body) > 1_000_000]
    assert len(library) == 1, "plotly.js must be inline, once"
    assert "plotly.js" in library[0][:2000].lower()
    # apart from plotly.js itself (whose source mentions URLs it never fetches here), no address at all
    rest = page
    for body in library:
        rest = rest.replace(body, "")
    assert "http://" not in rest and "https://" not in rest and "cdn" not in rest.lower()
    assert "mathjax" not in rest.lower().replace("mathjaxconfig: 'local'", "")
    assert project.project.name in page
    assert '<meta charset="utf-8"' in page


def test_page_holds_the_figure_with_every_task(tiny):
    project, schedule = tiny
    data, layout, config = page_figure(gantt_html(schedule, project, today=TODAY))
    ids = [i for tr in data if tr.get("meta", {}).get("role") == "task" for i in tr["ids"]]
    assert sorted(ids) == sorted(t.id for t in schedule.tasks)
    assert project.project.name in layout["title"]["text"]
    assert config["displaylogo"] is False
    assert not any(isinstance(v, str) and "://" in v for v in config.values())
    assert any("东路" in y for tr in data for y in tr.get("y", []))  # Chinese names travel as they are


def test_page_renders_hepingli(hepingli):
    project, schedule = hepingli
    t0 = time.time()
    page = gantt_html(schedule, project, today=D("2027-04-01"))
    assert time.time() - t0 < 20
    data, layout, _ = page_figure(page)
    ids = {i for tr in data if tr.get("meta", {}).get("role") == "task" for i in tr["ids"]}
    assert ids == {t.id for t in schedule.tasks}
    assert project.project.name in page


# ------------------------------------------------------------------------------------------ the figure

@pytest.mark.parametrize("which", ["tiny", "hepingli"])
def test_one_bar_per_task_spanning_its_calendar_days(which, request):
    project, schedule = request.getfixturevalue(which)
    fig = gantt_figure(schedule, project, today=TODAY)
    assert len(bar_ids(fig)) == len(schedule.tasks)
    assert sorted(bar_ids(fig)) == sorted(t.id for t in schedule.tasks)
    for tr in by_role(fig, "task"):
        assert tr.orientation == "h"
        for tid, base, width in zip(tr.ids, tr.base, tr.x):
            t = schedule.task(tid)
            assert base == t.start.isoformat()
            assert width == ((t.finish - t.start).days + 1) * DAY_MS
    labels = [y for tr in by_role(fig, "task") for y in tr.y]
    assert len(set(labels)) == len(labels), "every task has its own row"
    assert fig.layout.xaxis.type == "date" and fig.layout.yaxis.type == "category"


@pytest.mark.parametrize("which", ["tiny", "hepingli"])
def test_coloured_and_legended_by_trade(which, request):
    project, schedule = request.getfixturevalue(which)
    fig = gantt_figure(schedule, project, today=TODAY)
    traces = by_role(fig, "task")
    trades = [tr.meta["trade"] for tr in traces]
    assert len(trades) == len(set(trades)) == len({t.trade for t in schedule.tasks})
    for tr in traces:
        assert tr.marker.color == trade_colour(tr.meta["trade"])
        assert all(schedule.task(i).trade == tr.meta["trade"] for i in tr.ids)
        assert tr.showlegend is not False and tr.name.startswith(tr.meta["trade"] or NONE)
    # the colour of a trade does not depend on the project, the run or the other trades
    assert trade_colour("water") == "#1f77b4" and trade_colour("gas") != trade_colour("water")
    assert trade_colour("some-new-trade") == trade_colour("some-new-trade")
    assert trade_colour(None) != trade_colour("civil")


def test_switch_groups_rows_by_zone_trade_building(hepingli):
    project, schedule = hepingli
    fig = gantt_figure(schedule, project, today=TODAY)
    menu = fig.layout.updatemenus[0]
    assert [b.name for b in menu.buttons] == list(GROUPINGS) == ["zone", "trade", "building"]
    assert menu.active == 0
    assert fig.layout.yaxis.categoryarray == tuple(menu.buttons[0].args[0]["yaxis.categoryarray"])
    opening_rows = set(by_role(fig, "opening")[0].y) | set(by_role(fig, "occupation")[0].y)  # no task rows
    key = {"zone": lambda t: t.zone, "trade": lambda t: t.trade, "building": lambda t: t.building}
    label = {tid: label_of(fig, tid) for tid in bar_ids(fig)}
    task_of = {v: k for k, v in label.items()}
    for button in menu.buttons:
        order = button.args[0]["yaxis.categoryarray"]
        assert button.args[0]["yaxis.range"] == [len(order) - 0.5, -0.5]
        assert sorted(r for r in order if r in task_of) == sorted(label.values()), "every task once"
        assert opening_rows <= set(order)
        headers = [r for r in order if r not in task_of and r not in opening_rows]
        assert len(headers) == len(set(headers))
        # walk the rows: every task sits under the header of its group, and each group is one run
        groups: dict[str, set] = {}
        header = None
        for row in order:
            if row in task_of:
                groups.setdefault(header, set()).add(key[button.name](schedule.task(task_of[row])))
            elif row not in opening_rows:
                header = row
        assert all(len(v) == 1 for v in groups.values()), groups
        assert len(groups) == len({key[button.name](t) for t in schedule.tasks})
        none = [h for h, v in groups.items() if v == {None}]
        if None in {key[button.name](t) for t in schedule.tasks}:
            assert len(none) == 1 and NONE in none[0]
        if button.name == "zone":  # each zone's opening row comes right under its zone's header
            ops = by_role(fig, "opening")[0]
            for zone, row in zip(ops.customdata, ops.y):
                i = order.index(row)
                assert order[i - 1] in headers and project.zone(zone).name in order[i - 1]


def test_openings_shown(tiny):
    project, schedule = tiny
    fig = gantt_figure(schedule, project, today=TODAY)
    assert schedule.openings
    [ops] = by_role(fig, "opening")
    assert sorted(ops.customdata) == sorted(o.zone for o in schedule.openings)
    for zone, base, width in zip(ops.customdata, ops.base, ops.x):
        o = next(o for o in schedule.openings if o.zone == zone)
        assert base == o.from_.isoformat() and width == ((o.to - o.from_).days + 1) * DAY_MS
    assert ops.marker.pattern.shape == "/"
    zone_shapes = fig.layout.updatemenus[0].buttons[0].args[0]["shapes"]
    for o in schedule.openings:  # shaded span behind the zone's rows, in the zone grouping
        s = shape(fig, f"opening {o.zone}")
        assert (s.x0, s.x1) == (o.from_.isoformat(), (o.to + timedelta(1)).isoformat())
        assert s.layer == "below"
        assert shape(fig, f"opening {o.zone}", zone_shapes)["x0"] == o.from_.isoformat()
        order = list(fig.layout.yaxis.categoryarray)
        rows = [order.index(label_of(fig, t.id)) for t in schedule.tasks if t.zone == o.zone]
        assert s.y0 <= min(rows) - 0.5 and s.y1 >= max(rows) + 0.5


def with_lifts(schedule: Schedule) -> Schedule:
    """tiny plus two hand-made lifts: E1's crane on A1 (dug, with tasks) 22–23 Mar without a fire plan, E2's on
    R3 (never dug, no task of its own) 29–31 Mar with one."""
    lifts = [("E1:lift", "A1", "B1", D("2027-03-22"), D("2027-03-23"), False),
             ("E2:lift", "R3", "B2", D("2027-03-29"), D("2027-03-31"), True)]
    tasks = [ScheduledTask(id=tid, name=f"{b}加装电梯井道吊装", trade="elevator", kind="lift", zone=zone, building=b,
                           start=a, finish=z, days=[a + timedelta(n) for n in range((z - a).days + 1)], noisy=True,
                           equipment=["crane"]) for tid, zone, b, a, z, _ in lifts]
    occupations = [Occupation(zone=zone, from_=a, to=z, task=tid, fire_plan=plan) for tid, zone, _, a, z, plan in lifts]
    return schedule.model_copy(update={"tasks": schedule.tasks + tasks, "occupations": occupations})


def test_occupations_shown_in_every_grouping(tiny):
    project, schedule = tiny
    s = with_lifts(schedule)
    fig = gantt_figure(s, project, today=TODAY)
    [occ] = by_role(fig, "occupation")
    assert list(occ.customdata) == ["E1:lift", "E2:lift"]
    assert list(occ.base) == ["2027-03-22", "2027-03-29"] and list(occ.x) == [2 * DAY_MS, 3 * DAY_MS]
    assert occ.name == "吊装占用" and occ.showlegend is not False
    [ops] = by_role(fig, "opening")
    assert occ.marker.pattern.shape == "x" != ops.marker.pattern.shape  # told apart from trench openings
    a1, r3 = occ.y
    assert a1 == "🏗 A1 入户前区 · 吊装占用" and r3 == "🏗 R3 西路 · 吊装占用"
    assert "B1加装电梯井道吊装 · E1:lift" in occ.hovertext[0] and "临时消防保障方案: 否" in occ.hovertext[0]
    assert "2027-03-29 → 2027-03-31" in occ.hovertext[1] and "临时消防保障方案: 是" in occ.hovertext[1]
    menu = fig.layout.updatemenus[0]
    for button in menu.buttons:
        order = button.args[0]["yaxis.categoryarray"]
        assert a1 in order and r3 in order, button.name
        names = [sh["name"] for sh in button.args[0]["shapes"]]
        if button.name == "zone":  # each under its zone's header (A1's after its opening row), and a band
            assert "R3 西路" in order[order.index(r3) - 1]
            assert order[order.index(a1) - 1] == ops.y[list(ops.customdata).index("A1")]
            band = shape(fig, "occupation A1 E1:lift", button.args[0]["shapes"])
            assert (band["x0"], band["x1"]) == ("2027-03-22", "2027-03-24") and band["layer"] == "below"
            rows = [order.index(label_of(fig, t.id)) for t in s.tasks if t.zone == "A1"]
            assert band["y0"] <= min(rows) - 0.5 and band["y1"] >= max(rows) + 0.5
            assert "occupation R3 E2:lift" in names
        else:  # a block of its own at the top, like the openings
            head = order[order.index(a1) - 1]
            assert "吊装占用" in head and "(2)" in head
            assert not [n for n in names if n.startswith("occupation ")]
    en = project.model_copy(update={"project": project.project.model_copy(update={"lang": "en"})})
    [occ_en] = by_role(gantt_figure(s, en, today=TODAY), "occupation")
    assert occ_en.name == "crane occupations" and "temporary fire-safety plan: yes" in occ_en.hovertext[1]


def test_occupations_on_hepingli(hepingli):
    project, schedule = hepingli
    lifts = [t for t in expand(project) if t.kind == "lift"]
    assert lifts and all(t.crane_zones for t in lifts)
    [occ] = by_role(gantt_figure(schedule, project, today=TODAY), "occupation")
    assert sorted(zip(occ.customdata, occ.base)) == sorted(
        (t.id, schedule.task(t.id).start.isoformat()) for t in lifts for _ in t.crane_zones)


def test_a_task_without_a_trade(tiny):
    """tiny lists no supervision trade: its inspections (隐蔽工程验收) have none and go to the "—" trade."""
    project, schedule = tiny
    fig = gantt_figure(schedule, project, today=TODAY)
    [none] = [tr for tr in by_role(fig, "task") if tr.meta["trade"] is None]
    assert sorted(none.ids) == ["A1:inspect", "R2:inspect"] and none.marker.color == trade_colour(None)
    trade_order = fig.layout.updatemenus[0].buttons[1].args[0]["yaxis.categoryarray"]
    first = min(trade_order.index(label_of(fig, tid)) for tid in none.ids)  # the group's rows follow its header
    head = trade_order[first - 1]
    assert NONE in head and "无专业" in head


def test_milestones_for_outages_and_acceptances(tiny):
    project, schedule = tiny
    # tiny has no elevator: call a water test an acceptance, for the marker
    schedule = schedule.model_copy(update={"tasks": [
        t.model_copy(update={"kind": "acceptance"}) if t.id == "water@R2:test" else t for t in schedule.tasks]})
    fig = gantt_figure(schedule, project, today=TODAY)
    [out] = by_role(fig, "outage")
    outage_tasks = [t for t in schedule.tasks if t.outage]
    assert outage_tasks
    assert len(out.x) == sum(len(t.days) for t in outage_tasks)
    cut = schedule.task("water:cutover")
    assert set(out.customdata) == {"water:cutover"}
    assert list(out.x) == [f"{d.isoformat()}T12:00" for d in cut.days]
    assert set(out.y) == {label_of(fig, "water:cutover")}
    assert "water" in out.hovertext[0] and "09:00-15:00" in out.hovertext[0] and "1号楼" in out.hovertext[0]
    [acc] = by_role(fig, "acceptance")
    assert list(acc.customdata) == ["water@R2:test"]
    assert list(acc.x) == [f"{schedule.task('water@R2:test').finish.isoformat()}T12:00"]
    assert out.marker.symbol != acc.marker.symbol


def test_milestones_on_hepingli(hepingli):
    project, schedule = hepingli
    fig = gantt_figure(schedule, project, today=TODAY)
    [acc] = by_role(fig, "acceptance")
    assert sorted(acc.customdata) == sorted(t.id for t in schedule.tasks if t.kind == "acceptance")
    assert len(acc.customdata) > 0
    [out] = by_role(fig, "outage")
    assert set(out.customdata) == {t.id for t in schedule.tasks if t.outage}


def test_finish_and_today_lines(tiny):
    project, schedule = tiny
    fig = gantt_figure(schedule, project, today=TODAY)
    finish = max(t.finish for t in schedule.tasks)
    assert schedule.solver.objective["finish"] == finish.isoformat()
    f = shape(fig, "finish")
    assert f.type == "line" and f.x0 == f.x1 == (finish + timedelta(1)).isoformat()  # where the last bar ends
    assert (f.yref, f.y0, f.y1) == ("paper", 0, 1) and f.visible
    t = shape(fig, "today")
    assert t.type == "line" and t.x0 == t.x1 == TODAY.isoformat() and t.visible
    notes = {a.name: a for a in fig.layout.annotations}
    assert finish.isoformat() in notes["finish"].text and notes["finish"].x == f.x0
    assert TODAY.isoformat() in notes["today"].text and notes["today"].x == t.x0
    deadline = project.project.deadline
    assert shape(fig, "deadline").x0 == (deadline + timedelta(1)).isoformat()
    # the switch keeps the lines in every grouping
    for b in fig.layout.updatemenus[0].buttons:
        names = [s["name"] for s in b.args[0]["shapes"]]
        assert "finish" in names and "today" in names
    # the title tells the project, the solver status and the finish
    assert project.project.name in fig.layout.title.text
    assert schedule.solver.status in fig.layout.title.text and finish.isoformat() in fig.layout.title.text


def test_today_defaults_to_the_real_today(tiny):
    project, schedule = tiny
    assert shape(gantt_figure(schedule, project), "today").x0 == date.today().isoformat()
    far = gantt_figure(schedule, project, today=D("2031-01-01"))  # far away: drawn hidden, zoom stays on the work
    assert shape(far, "today").x0 == "2031-01-01" and shape(far, "today").visible is False
    assert far.layout.xaxis.range[1] < "2028"


def test_hover_shows_every_field(tiny):
    project, schedule = tiny
    fig = gantt_figure(schedule, project, today=TODAY)
    for t in schedule.tasks:
        h = hover_of(fig, t.id)
        if t.trade is None:  # the inspections: tiny lists no supervision trade
            assert t.kind == "inspect" and f"专业: {NONE}" in h and "施工单位" not in h
        else:
            assert t.trade in h and project.trades[t.trade].contractor in h
        for part in (t.id, t.name, t.start.isoformat(), t.finish.isoformat(), f"{len(t.days)} ("):
            assert part in h, (part, h)
        if t.zone:
            assert project.zone(t.zone).name in h
        if t.building:
            assert project.building(t.building).name in h
        for pred in t.after:
            assert pred in h
    cut = hover_of(fig, "water:cutover")
    assert all(part in cut for part in ("water", "09:00-15:00", "1号楼", "2号楼", "water@R2:test", "water@A1:test"))
    lay = hover_of(fig, "water@R2:lay")
    assert "东路" in lay and "R2:excavate" in lay
    for field in ("编号", "专业", "施工单位", "区段", "楼栋", "开始", "完成", "工作日", "噪声", "地下", "停供", "前置"):
        assert field in lay


def test_baseline_ghosts_only_for_moved_tasks(tiny):
    project, schedule = tiny
    assert not by_role(gantt_figure(schedule, project, baseline=schedule, today=TODAY), "baseline")
    baseline = shifted(schedule, {"water:cutover": -2, "facade-B1:building": 3})
    fig = gantt_figure(schedule, project, baseline=baseline, today=TODAY)
    [ghost] = by_role(fig, "baseline")
    assert sorted(ghost.customdata) == ["facade-B1:building", "water:cutover"]
    assert fig.data[0] is ghost or fig.data.index(ghost) < min(fig.data.index(t) for t in by_role(fig, "task"))
    for tid, base, width, y in zip(ghost.customdata, ghost.base, ghost.x, ghost.y):
        b = baseline.task(tid)
        assert base == b.start.isoformat() and width == ((b.finish - b.start).days + 1) * DAY_MS
        assert y == label_of(fig, tid)
    assert "rgba(" in ghost.marker.color and ghost.width > by_role(fig, "task")[0].width
    assert "基线" in hover_of(fig, "water:cutover") and "基线" not in hover_of(fig, "water@R2:test")
    assert "2 项较基线变动" in fig.layout.title.text


def test_scales_to_500_tasks(tiny):
    project, schedule = tiny
    big = scaled(schedule, 42)  # 42 × 15 = 630 tasks
    assert len(big.tasks) >= 500
    t0 = time.time()
    fig = gantt_figure(big, project, today=TODAY)
    page = gantt_html(big, project, today=TODAY)
    assert time.time() - t0 < 20
    assert len(bar_ids(fig)) == len(big.tasks)
    assert fig.layout.height >= len(big.tasks) * ROW_PX
    assert fig.layout.xaxis.rangeslider.visible
    assert fig.layout.xaxis.rangeslider.thickness * fig.layout.height < 120  # a slider, not a second chart
    assert fig.layout.yaxis.range == (len(fig.layout.yaxis.categoryarray) - 0.5, -0.5)
    assert all(len(y) <= 80 for y in fig.layout.yaxis.categoryarray)
    assert len(page) < 15_000_000


def test_odd_inputs(tiny):
    project, schedule = tiny
    # nothing scheduled: still a page, with today's line and an empty chart
    empty = schedule.model_copy(update={"tasks": [], "openings": [], "solver": None})
    fig = gantt_figure(empty, project, today=TODAY)
    assert shape(fig, "today").x0 == TODAY.isoformat() and not by_role(fig, "task")
    assert "<html" in gantt_html(empty, project, today=TODAY)
    # markup in a name is text, not markup; an English project gets English labels
    odd = schedule.model_copy(update={"tasks": [
        t.model_copy(update={"name": "<b>x</b> & y"}) if t.id == "water@R2:test" else t for t in schedule.tasks]})
    en = project.model_copy(update={"project": project.project.model_copy(update={"lang": "en"})})
    fig = gantt_figure(odd, en, today=TODAY)
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in label_of(fig, "water@R2:test")
    assert "&lt;b&gt;" in hover_of(fig, "water@R2:test") and "predecessors" in hover_of(fig, "water@R2:test")
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["by zone", "by trade", "by building"]

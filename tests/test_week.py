"""The project manager's week (issue 15, items 6 and 7), without a browser: notices residents trust (version
line, QR codes to the public URL, what a re-plan changed) and the Gantt for the week (as-of line, done /
started / late work, crews and trenches per day, plotly.js once per release).

Every expected value is worked out by hand from small schedules written here (a few tasks of inputs/tiny,
dated by hand), never from the code under test; no test reads the wall clock. The QR codes are decoded from
a real browser's screenshot in tests/test_browser.py.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from models import load_project
from models.schedule import Disruption, Opening, OutageInfo, Schedule, ScheduledTask
from scheduler.cli import main
from scheduler.publishing import publish
from scheduler.publishing.gantt import PLOTLY_JS, gantt_figure, gantt_html, gantt_usage
from scheduler.publishing.notices import render_notices
from scheduler.publishing.public import normal_url, qr_svg, remembered
from scheduler.publishing.usage import crews_in_use, trenches_open
from test_notices import hand_schedule

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "inputs" / "tiny"
URL = "https://gaizao.example.org"
MONDAY = date(2027, 3, 8)
NOW = datetime(2027, 3, 8, 7, 30, tzinfo=timezone.utc)
D = date


@pytest.fixture(scope="module")
def project():
    return load_project(TINY)[0]


def moved(schedule: Schedule, tid: str, n: int) -> Schedule:
    """A copy of `schedule` with task `tid` and its disruptions `n` calendar days later."""
    s = schedule.model_copy(deep=True)
    t = s.task(tid)
    t.start, t.finish, t.days = t.start + timedelta(n), t.finish + timedelta(n), [d + timedelta(n) for d in t.days]
    for d in s.disruptions:
        if d.task == tid:
            d.date += timedelta(n)
    return s


def summary_items(page: str) -> list[str]:
    part = page[page.index('id="summary"'):page.index('id="timeline"')]
    return [re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li[^>]*>(.*?)</li>", part, re.S)]


def marks(page: str) -> list[str]:
    return re.findall(r'<span class="mark">(.*?)</span>', page)


def header(page: str) -> str:
    return page[page.index("<header>"):page.index("</header>")]


# ------------------------------------------------------------------------------------ version line


def test_the_version_line_says_release_and_issue_date(project):
    out = render_notices(hand_schedule(), project, MONDAY, 3)
    for rel, page in out.items():
        assert '<p class="meta version">第3版 · 2027年3月8日发布</p>' in header(page), rel
    p = project.model_copy(deep=True)
    p.project.lang = "en"
    page = render_notices(hand_schedule(), p, MONDAY, 3)["notices/B1.html"]
    assert "release 3 · issued 8 Mar 2027" in header(page)


def test_a_release_prints_its_number_and_date(project, tmp_path):
    publish(hand_schedule(), project, tmp_path, now=NOW)
    publish(hand_schedule(), project, tmp_path, now=NOW + timedelta(days=7))
    page = (tmp_path / "notices" / "B2.html").read_text(encoding="utf-8")
    assert "第2版 · 2027年3月15日发布" in header(page)


# ------------------------------------------------------------------------------------ QR codes


def test_every_notice_and_the_index_carry_an_inline_qr_code_of_their_link(project):
    out = render_notices(hand_schedule(), project, MONDAY, 1, public_url=URL + "/")
    for b in project.site.buildings:
        head = header(out[f"notices/{b.id}.html"])
        assert head.count("<svg") == 1 and 'class="qr-code"' in head and 'viewBox="0 0 ' in head
        assert f'<span class="url">{URL}/b/{b.id}</span>' in head
    head = header(out["notices/index.html"])
    assert head.count("<svg") == 1 and f'<span class="url">{URL}/</span>' in head
    for page in out.values():  # nothing to fetch: no image file, no external reference
        assert "<img" not in page and "xlink:href" not in page and 'src="' not in page
        assert page.count("https://") == 1  # the link printed under the code, nowhere else


def test_the_qr_code_is_segnos_svg_of_the_short_link(project):
    page = render_notices(hand_schedule(), project, MONDAY, 1, public_url=URL)["notices/B1.html"]
    assert qr_svg(f"{URL}/b/B1") in page
    assert qr_svg(f"{URL}/b/B1") == qr_svg(f"{URL}/b/B1")  # deterministic


def test_a_building_id_that_is_no_plain_name_gets_the_link_serve_answers(project):
    p = project.model_copy(deep=True)
    p.site.buildings[0].id = "B 1/北"
    s = hand_schedule()
    for d in s.disruptions:
        d.building = "B 1/北" if d.building == "B1" else d.building
    out = render_notices(s, p, MONDAY, 1, public_url=URL)
    # file part: ' ' → _20_, '/' → _2f_; the URL quotes the rest (北, and _ stays)
    assert f"{URL}/b/B_20_1_2f_%E5%8C%97" in out["notices/B_20_1_2f_北.html"]


def test_without_a_public_url_no_qr_code(project):
    for page in render_notices(hand_schedule(), project, MONDAY, 1).values():
        assert "<svg" not in page and 'class="qr"' not in page and "https://" not in page


@pytest.mark.parametrize("given, kept", [
    ("https://gaizao.example.org/", "https://gaizao.example.org"),
    ("http://10.1.2.3:8080/digonce", "http://10.1.2.3:8080/digonce"),
    ("gaizao.example.org", None), ("https://x.org/?a=1", None), ("https://x.org/#top", None),
    ("https://x .org", None), ("ftp://x.org", None), ("", None)])
def test_public_urls(given, kept):
    assert normal_url(given) == kept


def test_the_public_url_is_remembered_for_later_releases(project, tmp_path):
    publish(hand_schedule(), project, tmp_path, now=NOW, public_url=URL)
    assert remembered(tmp_path) == URL
    publish(hand_schedule(), project, tmp_path, now=NOW)  # no URL given: the remembered one
    assert f"{URL}/b/B1" in (tmp_path / "notices" / "B1.html").read_text(encoding="utf-8")
    manifest = json.loads((tmp_path / "release.json").read_text(encoding="utf-8"))
    assert manifest["version"] == 2 and manifest["public_url"] == URL
    assert not any(name.startswith(".serve") for name in manifest["files"])


def test_cli_public_url_reaches_the_notices_serve_and_later_releases(tmp_path, deterministic_cli):
    out = tmp_path / "out"
    run = CliRunner().invoke
    r = run(main, ["solve", str(TINY), "-o", str(out), "--time-limit", "60", "--workers", "1", "--quiet",
                   "--public-url", URL + "/"])
    assert r.exit_code == 0, r.output
    assert f"{URL}/b/B2" in (out / "notices" / "B2.html").read_text(encoding="utf-8")
    r = run(main, ["publish", str(out / "schedule.json"), "-p", str(TINY), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert f"{URL}/b/B2" in (out / "notices" / "B2.html").read_text(encoding="utf-8")
    links = run(main, ["serve", str(out), "--show-links"])
    assert links.exit_code == 0 and f"{URL}/b/B1" in links.output and f"{URL}/t/" in links.output
    other = run(main, ["serve", str(out), "--show-links", "--public-url", "https://other.example.org"])
    assert other.exit_code == 0 and "https://other.example.org/b/B1" in other.output
    assert f"QR codes to {URL}" in other.output  # the notices in force still lead elsewhere
    bad = run(main, ["publish", str(out / "schedule.json"), "-p", str(TINY), "-o", str(out), "--public-url",
                     "gaizao.example.org"])
    assert bad.exit_code == 2 and "give a full address" in bad.output
    assert json.loads((out / "release.json").read_text())["version"] == 2  # nothing written


# ------------------------------------------------------------------------------------ change markers


def test_a_task_moved_two_days_is_marked_on_its_notice_only(project):
    """hand_schedule's gas cut (B1 only) moves from Mon 15 Mar to Wed 17 Mar."""
    old = hand_schedule()
    out = render_notices(moved(old, "gas:cutover", 2), project, MONDAY, 2, baseline=old)
    b1 = out["notices/B1.html"]
    items = summary_items(b1)
    gas = [i for i in items if "停气" in i]
    assert gas == ["停气 3月17日（周三） 08:00-18:00 停气，请关好家中燃气阀门，恢复供气后按燃气公司指引使用 "
                   "原定3月15日 → 改为3月17日"]
    assert marks(b1[b1.index('id="summary"'):b1.index('id="timeline"')]) == ["原定3月15日 → 改为3月17日"]
    assert "本版与上一版相比有调整" in b1
    # the timeline: the gas row of the week of 15 March, and nothing else
    rows = re.findall(r'<tr class="changed">(.*?)</tr>', b1, re.S)
    assert len(rows) == 1 and "3月17日（周三）" in rows[0] and "有调整" in rows[0]
    b2 = out["notices/B2.html"]
    assert marks(b2) == [] and "本版与上一版相比，本楼的安排没有变化。" in b2
    index = out["notices/index.html"]
    assert re.search(r">1号楼</a><span[^>]*>（本版有调整）", index) and "2号楼</a><span" not in index


def test_an_outage_run_moved_names_both_runs(project):
    old = hand_schedule()
    b2 = render_notices(moved(old, "water:cutover", 2), project, MONDAY, 2, baseline=old)["notices/B2.html"]
    assert "原定3月8日至9日 → 改为3月10日至11日" in marks(b2)


def test_cancelled_and_new_entries_are_marked(project):
    old = hand_schedule()
    new = old.model_copy(deep=True)
    new.tasks = [t for t in new.tasks if t.id != "gas:cutover"]
    new.disruptions = [d for d in new.disruptions if d.task != "gas:cutover"]
    day = D(2027, 3, 20)
    new.tasks.append(ScheduledTask(id="power:cutover", name="供电切换", kind="cutover", start=day, finish=day,
                                   days=[day], hours=["09:00-12:00"],
                                   outage=OutageInfo(type="power", serves=["B1"], hours="09:00-12:00", notice_days=3)))
    new.disruptions.append(Disruption(building="B1", date=day, kind="outage", hours=["09:00-12:00"],
                                      task="power:cutover"))
    b1 = render_notices(new, project, MONDAY, 2, baseline=old)["notices/B1.html"]
    power = next(i for i in summary_items(b1) if "停电" in i)
    assert power.endswith("新增")
    cancelled = b1[b1.index("已取消的安排"):b1.index('id="timeline"')]
    assert "停气" in cancelled and "已取消" in cancelled and "3月15日（周一）" in cancelled


def test_what_is_over_is_not_listed_as_cancelled(project):
    """A cancelled entry that was over before the issue date is history: not on the notice."""
    old = hand_schedule()
    new = old.model_copy(deep=True)
    new.disruptions = [d for d in new.disruptions if d.task != "gas:cutover"]
    page = render_notices(new, project, D(2027, 3, 20), 2, baseline=old)["notices/B1.html"]
    assert "已取消的安排" not in page


def test_same_schedule_or_no_baseline_marks_nothing(project):
    s = hand_schedule()
    for page in render_notices(s, project, MONDAY, 2, baseline=hand_schedule()).values():
        assert marks(page) == [] and "有调整" not in page
    for page in render_notices(s, project, MONDAY, 1).values():
        assert marks(page) == [] and "上一版" not in page


def test_change_markers_in_english(project):
    p = project.model_copy(deep=True)
    p.project.lang = "en"
    old = hand_schedule()
    b1 = render_notices(moved(old, "gas:cutover", 2), p, MONDAY, 2, baseline=old)["notices/B1.html"]
    assert "was 15 Mar → now 17 Mar" in marks(b1)


def test_a_replan_release_compares_with_the_release_before(project, tmp_path):
    old = hand_schedule()
    publish(old, project, tmp_path, now=NOW)
    publish(moved(old, "gas:cutover", 2), project, tmp_path, now=NOW, baseline=old)
    page = (tmp_path / "notices" / "B1.html").read_text(encoding="utf-8")
    assert "原定3月15日 → 改为3月17日" in marks(page) and "第2版" in header(page)


# ------------------------------------------------------------------------------------ the Gantt's week


def week_schedules(tiny) -> tuple[Schedule, Schedule, date]:
    """tiny's schedule as the baseline, and a re-plan as of the day water@R2:test was to start: what the
    baseline finished before that day done, what it had under way started, and the test itself not started
    and moved 3 days later (late)."""
    _project, base = tiny
    test = base.task("water@R2:test")
    as_of = test.start
    new = moved(base, test.id, 3)
    new.as_of = as_of
    for t in new.tasks:
        b = base.task(t.id)
        t.status = "done" if b.finish < as_of else "started" if b.start < as_of else None
    return base, new, as_of


def test_as_of_line_and_history_shading(tiny):
    project, _ = tiny
    base, new, as_of = week_schedules(tiny)
    fig = gantt_figure(new, project, baseline=base, today=as_of + timedelta(2))
    line = [s for s in fig.layout.shapes if s["name"] == "as_of"]
    assert len(line) == 1 and line[0]["x0"] == line[0]["x1"] == as_of.isoformat()
    note = [a for a in fig.layout.annotations if a["name"] == "as_of"]
    assert len(note) == 1 and f"状态日期 {as_of.isoformat()}" in note[0]["text"]
    history = [s for s in fig.layout.shapes if s["name"] == "history"]
    assert len(history) == 1 and history[0]["x1"] == as_of.isoformat()
    plain = gantt_figure(base, project, today=as_of)
    assert not [s for s in plain.layout.shapes if s["name"] in ("as_of", "history")]


def task_points(data: list) -> dict[str, dict]:
    """Per task id: its status, late flag and bar style, from the figure's JSON."""
    out = {}
    for tr in data:
        meta = tr.get("meta") or {}
        if meta.get("role") != "task":
            continue
        m = tr["marker"]
        for k, tid in enumerate(tr["ids"]):
            out[tid] = {"status": meta["status"][k], "late": meta["late"][k], "opacity": m["opacity"][k],
                        "pattern": m["pattern"]["shape"][k], "line": m["line"]["width"][k],
                        "colour": m["line"]["color"][k]}
    return out


def plotly_call(page: str, div: str) -> tuple[list, dict]:
    """data and layout of the `Plotly.newPlot` call for `div` in the page."""
    found = re.search(r'Plotly\.newPlot\(\s*"' + re.escape(div) + '"', page)
    assert found, div
    dec = json.JSONDecoder()
    pos, parts = found.end(), []
    for _ in range(2):
        while page[pos] in " \n\t,":
            pos += 1
        value, pos = dec.raw_decode(page, pos)
        parts.append(value)
    return parts[0], parts[1]


def test_done_started_and_late_styling_in_the_figure_json(tiny):
    project, _ = tiny
    base, new, as_of = week_schedules(tiny)
    done = [t.id for t in new.tasks if t.status == "done"]
    started = [t.id for t in new.tasks if t.status == "started"]
    assert done and started
    data, layout = plotly_call(gantt_html(new, project, baseline=base, today=as_of, plotlyjs=PLOTLY_JS),
                               "digonce-gantt")
    points = task_points(data)
    for tid in done:
        assert points[tid] == {"status": "done", "late": False, "opacity": 0.35, "pattern": "", "line": 0.5,
                               "colour": "rgba(0,0,0,0.35)"}, tid
    for tid in started:
        assert points[tid]["status"] == "started" and points[tid]["pattern"] == "/" and points[tid]["opacity"] == 1
    late = points["water@R2:test"]  # the baseline had it start on the as-of day; it now starts 3 days later
    assert late["status"] == "planned" and late["late"] and late["line"] == 2.5 and late["colour"] == "#c00000"
    assert [tid for tid, p in points.items() if p["late"]] == ["water@R2:test"]  # nothing else moved
    legend = {tr["meta"]["state"] for tr in data if (tr.get("meta") or {}).get("role") == "state"}
    assert legend == {"done", "started", "late"}
    title = layout["title"]["text"]
    assert f"已完成 {len(done)}" in title and f"进行中 {len(started)}" in title and "滞后（晚于基线） 1" in title


def test_a_task_not_started_that_the_baseline_had_started_is_late(tiny):
    """Not started, not moved in the plan… but the baseline had it under way before the as-of date."""
    project, _ = tiny
    base, new, _ = week_schedules(tiny)
    first = sorted(base.tasks, key=lambda t: (t.start, t.id))[0]
    new.task(first.id).status = None
    new.as_of = first.start + timedelta(1)
    points = task_points(plotly_call(gantt_html(new, project, baseline=base, plotlyjs=PLOTLY_JS,
                                                today=new.as_of), "digonce-gantt")[0])
    assert points[first.id]["late"] and points[first.id]["status"] == "planned"


def usage_schedule() -> Schedule:
    """civil: A on 1, 2, 3 Mar; B on 2 and 4 Mar (not the 3rd). water: C on 3 Mar. Trenches: R2 open 1–3 Mar,
    A1 2–5 Mar (calendar days)."""
    def task(tid, trade, days):
        return ScheduledTask(id=tid, trade=trade, start=days[0], finish=days[-1], days=days)
    m = [D(2027, 3, n) for n in range(1, 7)]
    return Schedule(project="tiny", tasks=[task("A", "civil", m[0:3]), task("B", "civil", [m[1], m[3]]),
                                           task("C", "water", [m[2]])],
                    openings=[Opening(zone="R2", from_=m[0], to=m[2]), Opening(zone="A1", from_=m[1], to=m[4])])


def test_crews_and_trenches_per_day_worked_by_hand(project):
    s = usage_schedule()
    assert crews_in_use(s) == {"civil": {D(2027, 3, 1): 1, D(2027, 3, 2): 2, D(2027, 3, 3): 1, D(2027, 3, 4): 1},
                               "water": {D(2027, 3, 3): 1}}
    assert trenches_open(s) == {D(2027, 3, 1): 1, D(2027, 3, 2): 2, D(2027, 3, 3): 2, D(2027, 3, 4): 1,
                                D(2027, 3, 5): 1}


def test_the_usage_panel_draws_those_figures_against_what_is_available(project):
    p = project.model_copy(deep=True)
    p.trades["civil"].crews = 2
    p.site.max_open_zones = 2
    page = gantt_html(usage_schedule(), p, today=D(2027, 3, 1), plotlyjs=PLOTLY_JS)
    data, layout = plotly_call(page, "digonce-usage")
    role = {}
    for tr in data:
        role.setdefault((tr["meta"]["role"], tr["meta"].get("trade")), []).append(dict(zip(tr["x"], tr["y"])))
    civil = role[("crews", "civil")][0]
    assert [civil[f"2027-03-0{n}"] for n in (1, 2, 3, 4, 5)] == [1, 2, 1, 1, 0]
    assert set(role[("crews_available", "civil")][0].values()) == {2}
    assert set(role[("crews_available", "water")][0].values()) == {1}  # tiny's water trade: 1 crew
    water = role[("crews", "water")][0]
    assert water["2027-03-03"] == 1 and water["2027-03-02"] == 0 and water["2027-03-04"] == 0
    trenches = role[("trenches", None)][0]
    assert [trenches[f"2027-03-0{n}"] for n in range(1, 6)] == [1, 2, 2, 1, 1]
    assert set(role[("max_open", None)][0].values()) == {2}
    assert layout["meta"]["role"] == "usage"


def test_no_max_open_zones_no_limit_line(project):
    fig = gantt_usage(usage_schedule(), project, today=D(2027, 3, 1))
    assert [t for t in fig.data if t.meta["role"] == "trenches"]
    assert not [t for t in fig.data if t.meta["role"] == "max_open"]


# ------------------------------------------------------------------------------------ page sizes


def test_plotly_js_is_written_once_per_release_and_each_page_is_small(tiny, tmp_path):
    project, schedule = tiny
    published = publish(schedule, project, tmp_path, now=NOW)
    folder = published.release.folder
    manifest = json.loads((folder / "release.json").read_text(encoding="utf-8"))
    assert PLOTLY_JS in manifest["files"]
    big = [p for p in folder.rglob("*") if p.is_file() and p.stat().st_size > 1_000_000]
    assert big == [folder / PLOTLY_JS]  # the library, once; no page holds it
    page = (folder / "gantt.html").read_text(encoding="utf-8")
    assert len(page.encode("utf-8")) < 200_000, len(page)
    assert re.search(r'<script[^>]*\bsrc="plotly\.min\.js"', page)
    assert not re.search(r"<script[^>]*\bsrc=\"(?!plotly\.min\.js\")", page)
    assert "http://" not in page and "https://" not in page
    assert (folder / PLOTLY_JS).read_bytes()[:200].lower().find(b"plotly") >= 0
    assert (tmp_path / PLOTLY_JS).read_bytes() == (folder / PLOTLY_JS).read_bytes()  # stable path beside gantt.html


def test_a_standalone_page_still_carries_plotly_inline(tiny):
    project, schedule = tiny
    page = gantt_html(schedule, project, today=D(2027, 3, 1))
    assert len(page) > 3_000_000 and 'src="plotly.min.js"' not in page


def test_serve_hands_the_library_to_the_office_beside_the_gantt(tiny, tmp_path):
    from test_serve import start, tokens

    project, schedule = tiny
    publish(schedule, project, tmp_path, now=NOW)
    srv = start(tmp_path)
    try:
        office = tokens(tmp_path).office
        status, h, body = srv.get(f"/t/{office}/{PLOTLY_JS}")
        assert status == 200 and h["content-type"] == "text/javascript; charset=utf-8"
        assert body == (tmp_path / PLOTLY_JS).read_bytes()
        assert srv.get(f"/t/{tokens(tmp_path).trades['civil']}/{PLOTLY_JS}")[0] == 404
        assert srv.get(f"/{PLOTLY_JS}")[0] == 404
        page = srv.get("/")[2].decode("utf-8")
        # residents read building names, in the site's order
        assert page.index("1号楼") < page.index("2号楼") and ">B1 " not in page and "<li>B1" not in page
    finally:
        srv.stop()


def test_a_ledger_edited_after_a_replan_keeps_its_history(tmp_path, deterministic_cli):
    """The ledger has no as-of or progress columns: published from a re-planned OUT, it keeps the release's
    as-of date and reported progress, so the dig that took two days instead of one is still history, not a
    broken rule."""
    out, run = tmp_path / "out", CliRunner().invoke
    assert run(main, ["solve", str(TINY), "-o", str(out), "--time-limit", "60", "--workers", "1", "--quiet"]).exit_code == 0
    first = Schedule.read(out / "schedule.json").task("R2:excavate")
    progress = tmp_path / "progress.csv"
    progress.write_text("task,status,actual_start,actual_finish,remaining_days\n"
                        f"R2:excavate,done,{first.start},{first.start + timedelta(1)},\n", encoding="utf-8")
    as_of = first.start + timedelta(7)
    r = run(main, ["replan", str(TINY), "--progress", str(progress), "--as-of", as_of.isoformat(), "-o", str(out),
                   "--time-limit", "60", "--workers", "1", "--quiet"])
    assert r.exit_code == 0, r.output
    ledger = tmp_path / "台账.csv"
    ledger.write_bytes((out / "schedule.csv").read_bytes())
    assert run(main, ["check", str(TINY), str(ledger)]).exit_code == 1  # alone, the ledger has no history
    r = run(main, ["publish", str(ledger), "-p", str(TINY), "-o", str(out)])
    assert r.exit_code == 0, r.output
    published = Schedule.read(out / "schedule.json")
    assert published.as_of == as_of and published.task("R2:excavate").status == "done"

"""The published pages in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by playwright.

inputs/tiny is solved and published into a temporary folder; gantt.html and the resident notices are then
opened from file:// URLs on a phone-sized viewport (390×844) and on a desktop (1280×900). Every request the
pages make is routed: only file:, data: and blob: URLs may load, anything else (http, https, ws…) is
aborted, recorded and fails the test, so the pages are proven to work offline and to leak nothing. Console
errors and uncaught page errors fail the test too. Screenshots and the printed A4 PDF are kept under
tests/artifacts/ (git-ignored) for a person to look at.

Chromium comes from Debian (`apt-get install chromium fonts-noto-cjk`, done by .ci/run), never from
`playwright install`. Without /usr/bin/chromium the module is skipped on a developer's machine, but fails
under CI (the CI environment variable set), so that CI cannot pass without really running it. The printed
notice is read back with pdfinfo and pdftotext (Debian's poppler-utils, also installed by .ci/run): without
them that one test is skipped on a developer's machine and fails under CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "inputs" / "tiny"
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
# Chromium runs as root here: no sandbox; no GPU; and none of its own background traffic (updates,
# sync, field trials), which would otherwise show up as refused connections on a machine without network.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ALLOWED_SCHEMES = {"file", "data", "blob"}
PUBLIC_URL = "https://gaizao.example.org"
MONDAY = date(2027, 3, 8)
WEEK_PROGRESS = """task,status,actual_start,actual_finish,remaining_days
R2:excavate,done,2027-03-01,2027-03-01,
A1:excavate,done,2027-03-02,2027-03-02,
water@R2:lay,done,2027-03-02,2027-03-04,
water@A1:lay,done,2027-03-05,2027-03-05,
facade-B1:building,started,2027-03-03,,8
"""

if not CHROMIUM.exists() and not IN_CI:
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium fonts-noto-cjk)", allow_module_level=True)
try:
    from playwright.sync_api import sync_playwright
except ImportError:
    if IN_CI:
        raise
    pytest.skip("playwright not installed (pip install -e '.[test]')", allow_module_level=True)

from models import load_project  # noqa: E402
from scheduler.planning.expand import expand  # noqa: E402
from scheduler.planning.planner import plan  # noqa: E402
from scheduler.publishing import publish  # noqa: E402


# ------------------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """inputs/tiny solved (1 worker, seed 0) and published with a public URL (QR codes on the notices):
    (project, schedule, output folder)."""
    project, _warnings = load_project(TINY)
    result = plan(project, expand(project), time_limit=10, workers=1, seed=0)
    assert result.schedule is not None, result.solution.status
    out = tmp_path_factory.mktemp("site")
    publish(result.schedule, project, out, public_url=PUBLIC_URL)
    return project, result.schedule, out


@pytest.fixture(scope="module")
def week(site, tmp_path_factory):
    """Monday's re-plan of the published tiny: progress reported on Monday 8 March 2027 (the first digs and
    lays done, one a day late; the facade work started, 8 days to go), re-planned and published as the next
    release of a copy of the site: (project, baseline, re-plan, output folder)."""
    from scheduler import api

    project, schedule, out = site
    folder = tmp_path_factory.mktemp("week")
    issued = datetime(2027, 3, 1, 8, 0, tzinfo=timezone.utc)
    publish(schedule, project, folder, public_url=PUBLIC_URL, now=issued)
    progress = folder.parent / "progress.csv"
    progress.write_text(WEEK_PROGRESS, encoding="utf-8")
    tasks = expand(project)
    reported = api.read_progress(progress, [t.id for t in tasks], MONDAY, project.project.start)
    result = api.replan(project, tasks, schedule, reported, MONDAY, workers=1, seed=0, deterministic_limit=10)
    assert result.schedule is not None, result.solution.status
    publish(result.schedule, project, folder, baseline=schedule, now=issued.replace(day=MONDAY.day))
    return project, schedule, result.schedule, folder


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"CI is set but {CHROMIUM} is missing: .ci/run must apt-get install chromium")
    # playwright gives every launch a fresh temporary profile (--user-data-dir) and removes it afterwards
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class Watched:
    """A page whose every request is routed (only file:/data:/blob: may load) and whose errors are kept."""

    def __init__(self, browser, viewport: dict):
        self.errors: list[str] = []
        self.outgoing: list[str] = []
        self.context = browser.new_context(viewport=viewport, service_workers="block")
        self.context.route("**/*", self._route)
        self.context.on("request", self._request)
        if hasattr(self.context, "route_web_socket"):   # playwright >= 1.48; older ones only record them
            self.context.route_web_socket(re.compile(r".*"), self._websocket)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("websocket", lambda ws: self.outgoing.append(ws.url) if ws.url not in self.outgoing else None)

    @staticmethod
    def _allowed(url: str) -> bool:
        return urlsplit(url).scheme.lower() in ALLOWED_SCHEMES

    def _route(self, route):
        url = route.request.url
        if self._allowed(url):
            route.continue_()
        else:
            if url not in self.outgoing:
                self.outgoing.append(url)
            route.abort("blockedbyclient")

    def _websocket(self, ws):   # never connected to a server: recorded, then closed
        if ws.url not in self.outgoing:
            self.outgoing.append(ws.url)
        ws.close()

    def _request(self, request):   # also catches any request that would bypass routing
        if not self._allowed(request.url) and request.url not in self.outgoing:
            self.outgoing.append(request.url)

    def goto(self, path: Path):
        self.page.goto(path.as_uri(), wait_until="load")
        return self.page

    def assert_clean(self):
        assert self.outgoing == [], f"requests left the machine: {self.outgoing}"
        assert self.errors == [], f"errors in the browser console: {self.errors}"

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser):
    opened: list[Watched] = []

    def open_(viewport: dict) -> Watched:
        w = Watched(browser, viewport)
        opened.append(w)
        return w

    yield open_
    for w in opened:
        w.close()


def scroll_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def wait_for_gantt(page) -> None:
    page.wait_for_selector("#digonce-gantt.js-plotly-plot .barlayer .point path", state="attached", timeout=30_000)


def strip_tags(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


# ---------------------------------------------------------------------------------------------- gantt

def test_gantt_renders_offline_on_a_phone(site, watched, artifacts):
    project, schedule, out = site
    w = watched(PHONE)
    page = w.goto(out / "gantt.html")
    wait_for_gantt(page)
    assert project.project.name in page.title()
    chart = page.locator("#digonce-gantt.js-plotly-plot")
    assert chart.count() == 1 and chart.is_visible()
    # one SVG bar per task at least (zone openings add their own hatched bars)
    bars = page.locator("#digonce-gantt .barlayer .trace.bars .point path")
    assert bars.count() >= len(schedule.tasks)
    assert page.evaluate("""() => [...document.querySelectorAll('#digonce-gantt .barlayer .point path')]
                                    .filter(p => p.getBBox().width > 0).length""") >= len(schedule.tasks)
    assert page.locator("#digonce-gantt .main-svg").first.is_visible()
    assert scroll_width(page) <= PHONE["width"]
    # the phone layout: the plot keeps most of the width (short y labels) and the legend sits under the
    # chart instead of beside it; the grouping buttons stay on screen
    page.wait_for_function("document.getElementById('digonce-gantt').layout.legend.x === 0")
    plot = page.locator("#digonce-gantt .nsewdrag").first.bounding_box()
    assert plot["width"] >= 0.55 * PHONE["width"], plot
    legend = page.locator("#digonce-gantt .legend").first.bounding_box()
    assert legend["y"] > plot["y"] + plot["height"], (legend, plot)
    for box in page.locator("#digonce-gantt g.updatemenu-button").all():
        b = box.bounding_box()
        assert 0 <= b["x"] and b["x"] + b["width"] <= PHONE["width"], b
    page.screenshot(path=str(artifacts / "gantt-390x844.png"))
    w.assert_clean()


def test_gantt_group_by_trade(site, watched):
    project, schedule, out = site
    w = watched(PHONE)
    page = w.goto(out / "gantt.html")
    wait_for_gantt(page)
    gd = "document.getElementById('digonce-gantt')"
    buttons = page.locator("#digonce-gantt g.updatemenu-button")
    assert buttons.count() == 3
    names = page.evaluate(f"{gd}.layout.updatemenus[0].buttons.map(b => b.name)")
    assert names == ["zone", "trade", "building"]
    label = page.evaluate(f"{gd}.layout.updatemenus[0].buttons[1].label")
    before = page.locator("#digonce-gantt .yaxislayer-above .ytick text").all_text_contents()

    buttons.filter(has_text=label).click()
    page.wait_for_function(f"{gd}.layout.updatemenus[0].active === 1")

    want = page.evaluate(f"{gd}.layout.updatemenus[0].buttons[1].args[0]['yaxis.categoryarray']")
    assert page.evaluate(f"{gd}.layout.yaxis.categoryarray") == want
    # on a phone the switch re-applies the short labels of the new grouping
    short = page.evaluate(f"{gd}.layout.meta.phone.short")
    page.wait_for_function(f"JSON.stringify({gd}.layout.yaxis.tickvals) === JSON.stringify({gd}.layout.yaxis.categoryarray)")
    after = page.locator("#digonce-gantt .yaxislayer-above .ytick text").all_text_contents()
    assert after != before
    assert set(after) == {strip_tags(short[c]) for c in want}
    trades = {t.trade for t in schedule.tasks if t.trade}
    for trade in trades:   # one group header row per trade
        assert any(text.startswith(trade) for text in after), (trade, after)
    bars = page.locator("#digonce-gantt .barlayer .trace.bars .point path")
    assert bars.count() >= len(schedule.tasks)
    w.assert_clean()


def test_gantt_desktop(site, watched, artifacts):
    _project, schedule, out = site
    w = watched(DESKTOP)
    page = w.goto(out / "gantt.html")
    wait_for_gantt(page)
    assert page.locator("#digonce-gantt .barlayer .trace.bars .point path").count() >= len(schedule.tasks)
    assert page.locator("#digonce-gantt .legend").count() == 1
    assert scroll_width(page) <= DESKTOP["width"]
    page.screenshot(path=str(artifacts / "gantt-1280x900.png"))
    w.assert_clean()


# -------------------------------------------------------------------------------------------- notices

def test_notice_on_a_phone(site, watched, artifacts):
    project, _schedule, out = site
    building = project.site.buildings[0]
    w = watched(PHONE)
    page = w.goto(out / "notices" / f"{building.id}.html")
    h1 = page.locator("h1")
    assert h1.is_visible() and building.name in h1.inner_text()
    summary = page.locator("#summary")
    assert summary.is_visible() and summary.locator("li").count() >= 1
    timeline = page.locator("#timeline")
    assert timeline.is_visible()
    rows = timeline.locator("tbody tr")
    assert rows.count() >= 1 and rows.first.is_visible()
    assert page.locator(".hotline a[href^='tel:']").is_visible()
    # readable without zooming: no horizontal scroll, body text not shrunk
    assert scroll_width(page) <= PHONE["width"], f"notice scrolls sideways: {scroll_width(page)} px"
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
    page.screenshot(path=str(artifacts / f"notice-{building.id}-390x844.png"))
    page.screenshot(path=str(artifacts / f"notice-{building.id}-390-full.png"), full_page=True)
    w.assert_clean()


def test_other_notices_fit_a_phone(site, watched):
    project, _schedule, out = site
    w = watched(PHONE)
    for path in [out / "notices" / "index.html",
                 *(out / "notices" / f"{b.id}.html" for b in project.site.buildings[1:])]:
        page = w.goto(path)
        assert page.locator("h1").is_visible(), path.name
        assert scroll_width(page) <= PHONE["width"], (path.name, scroll_width(page))
    w.assert_clean()


def test_crane_pages_on_a_phone(site, watched, tmp_path):
    """The solved tiny plus a hand-made lift whose crane stands on A1 (every door) for two days with a fire
    plan: the notice's crane line and the Gantt's occupation bar render offline and fit a phone."""
    from datetime import timedelta

    from models.schedule import Disruption, Occupation, ScheduledTask

    project, schedule, _out = site
    day = max(t.finish for t in schedule.tasks) + timedelta(7)
    s = schedule.model_copy(deep=True)
    s.tasks.append(ScheduledTask(id="E1:lift", name="1号楼加装电梯井道吊装", trade="elevator", kind="lift", zone="A1",
                                 building="B1", start=day, finish=day + timedelta(1),
                                 days=[day, day + timedelta(1)], noisy=True))
    s.occupations = [Occupation(zone="A1", from_=day, to=day + timedelta(1), task="E1:lift", fire_plan=True)]
    s.disruptions += [Disruption(building=b.id, date=day + timedelta(n), kind="entrance", zone="A1", task="E1:lift")
                      for b in project.site.buildings for n in (0, 1)]
    publish(s, project, tmp_path)
    w = watched(PHONE)
    page = w.goto(tmp_path / "notices" / "B1.html")
    chip = page.locator("#summary .chip.k-crane")
    assert chip.count() == 1 and chip.is_visible() and chip.inner_text() == "吊装作业"
    assert "临时消防保障方案" in page.locator("#summary").inner_text()
    assert scroll_width(page) <= PHONE["width"], scroll_width(page)
    page = w.goto(tmp_path / "gantt.html")
    wait_for_gantt(page)
    gd = "document.getElementById('digonce-gantt')"
    roles = page.evaluate(f"{gd}.data.map(t => t.meta && t.meta.role)")
    assert "occupation" in roles
    assert page.locator("#digonce-gantt .barlayer .trace.bars .point path").count() >= len(s.tasks) + 1
    assert scroll_width(page) <= PHONE["width"]
    w.assert_clean()
A4_PT = (595.0, 842.0)  # 210 × 297 mm in PostScript points (595.28 × 841.89), as the brief rounds them
A4_SLACK = 1.0  # Chromium sizes the page in whole CSS pixels: 595.92 × 842.88


def poppler(tool: str) -> str:
    """pdftotext / pdfinfo from Debian's poppler-utils (.ci/run installs it): a skip on a developer's machine
    without it, a failure in CI."""
    path = shutil.which(tool)
    if path is None:
        if IN_CI:
            pytest.fail(f"CI is set but {tool} is missing: .ci/run must apt-get install poppler-utils")
        pytest.skip(f"{tool} not installed (apt-get install poppler-utils)")
    return path


def pdf_pages(pdf: Path) -> list[tuple[float, float, float, float]]:
    """Every page's MediaBox (x0, y0, x1, y1), as poppler reads the file."""
    info = subprocess.run([poppler("pdfinfo"), str(pdf)], check=True, capture_output=True, text=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1))
    boxes = subprocess.run([poppler("pdfinfo"), "-f", "1", "-l", str(count), "-box", str(pdf)], check=True,
                           capture_output=True, text=True).stdout
    found = {int(m.group(1)): tuple(float(v) for v in m.group(2).split())
             for m in re.finditer(r"^Page\s+(\d+) MediaBox:\s+(.+)$", boxes, re.M)}
    assert sorted(found) == list(range(1, count + 1)), boxes
    return [found[n] for n in sorted(found)]


def pdf_text(pdf: Path) -> str:
    """The PDF's text with all white space removed (table cells wrap anywhere)."""
    text = subprocess.run([poppler("pdftotext"), "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return re.sub(r"\s+", "", text)


def test_notice_prints_to_a4(site, watched, artifacts):
    """What a resident reads on the notice board: every page A4, and the words on them (pdftotext reads
    the PDF back, so a page that printed blank or in tofu fails). The outage date is worked out here from
    the input and the dated cutover task, not from the schedule's own disruption list: tiny's water main
    serves both buildings (project.yaml `cutover.serves`), so 1号楼 has water off on every working day of
    `water:cutover`, at the cutover's hours, with the storage advice (SPEC §7: date, hours, what)."""
    project, schedule, out = site
    building = project.site.buildings[0]
    w = watched(PHONE)
    page = w.goto(out / "notices" / f"{building.id}.html")
    pdf = artifacts / f"notice-{building.id}.pdf"
    pdf.unlink(missing_ok=True)
    page.pdf(path=str(pdf), format="A4", print_background=True)
    w.assert_clean()
    assert pdf.read_bytes().startswith(b"%PDF-")

    pages = pdf_pages(pdf)
    assert pages, "no page"
    for n, (x0, y0, x1, y1) in enumerate(pages, 1):
        width, height = x1 - x0, y1 - y0
        assert abs(width - A4_PT[0]) <= A4_SLACK and abs(height - A4_PT[1]) <= A4_SLACK, (n, width, height)

    text = pdf_text(pdf)
    assert building.name in text and project.project.name in text and "居民告知书" in text
    assert project.project.hotline in text  # 010-0000-0000
    water = next(wk for wk in project.works if wk.id == "water")
    assert building.id in water.cutover.serves and water.cutover.hours == "09:00-15:00"
    cut = schedule.task("water:cutover")  # the dated task: its working days are the days without water
    assert len(cut.days) == water.cutover.days == 1
    day = cut.days[0]
    weekday = "一二三四五六日"[day.weekday()]
    assert f"{day.month}月{day.day}日（周{weekday}）09:00-15:00停水" in text, text
    assert "请提前储水" in text
    # and the posting date, notice_days (1) calendar days before
    post = day - timedelta(days=water.cutover.notice_days)
    assert f"最晚{post.month}月{post.day}日" in text or f"最晚{post.year}年{post.month}月{post.day}日" in text, text


# ---------------------------------------------------------------------------------- the manager's week

def qr_reader():
    """zxing-cpp (a wheel, no system library) reads QR codes from an image; under CI its absence fails."""
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        if IN_CI:
            raise
        pytest.skip("zxing-cpp and pillow not installed (pip install -e '.[test]')")

    def read(png: bytes) -> list[str]:
        import io
        image = Image.open(io.BytesIO(png)).convert("L")
        return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
    return read


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_notices_qr_codes_decode_to_their_links(site, watched, artifacts, viewport):
    """The QR code on every notice, as Chromium draws it, decodes to the building's short link; the index's
    to the site root. A screenshot of the whole first screen is decoded, as a phone camera would see it."""
    read = qr_reader()
    project, _schedule, out = site
    w = watched(viewport)
    pages = [(out / "notices" / f"{b.id}.html", f"{PUBLIC_URL}/b/{b.id}") for b in project.site.buildings]
    for path, want in pages + [(out / "notices" / "index.html", f"{PUBLIC_URL}/")]:
        page = w.goto(path)
        code = page.locator("header figure.qr svg")
        assert code.count() == 1 and code.is_visible(), path.name
        box = code.bounding_box()
        assert box["width"] >= 120 and abs(box["width"] - box["height"]) < 1, box  # square, big enough to scan
        shot = page.screenshot()
        assert read(shot) == [want], path.name
        assert scroll_width(page) <= viewport["width"], path.name
    (artifacts / f"notice-qr-{viewport['width']}.png").write_bytes(shot)
    w.assert_clean()


def test_the_qr_code_prints_on_a4(site, watched):
    """Printed, the code keeps its size (32 mm) on the first A4 page, beside the letterhead."""
    project, _schedule, out = site
    w = watched(PHONE)
    page = w.goto(out / "notices" / f"{project.site.buildings[0].id}.html")
    page.emulate_media(media="print")
    box = page.locator("header figure.qr svg").bounding_box()
    mm = 96 / 25.4
    assert abs(box["width"] - 32 * mm) < 2 and box["y"] < 297 * mm
    w.assert_clean()


def test_the_release_gantt_loads_plotly_from_beside_it_with_the_usage_panel(site, watched):
    project, schedule, out = site
    page_text = (out / "gantt.html").read_text(encoding="utf-8")
    assert 'src="plotly.min.js"' in page_text and len(page_text.encode()) < 200_000
    w = watched(DESKTOP)
    page = w.goto(out / "gantt.html")
    wait_for_gantt(page)
    page.wait_for_selector("#digonce-usage .main-svg", state="attached", timeout=30_000)
    usage = "document.getElementById('digonce-usage')"
    gantt = "document.getElementById('digonce-gantt')"
    trades = page.evaluate(f"{usage}.data.filter(t => t.meta.role === 'crews').map(t => t.meta.trade)")
    assert sorted(trades) == sorted({t.trade for t in schedule.tasks if t.trade})
    # the two charts put a day at the same place: same plot edges and dates, also after zooming
    page.wait_for_function(f"{usage}._fullLayout._size.l === {gantt}._fullLayout._size.l")
    for which in ("l", "r"):
        assert page.evaluate(f"{usage}._fullLayout._size.{which}") == page.evaluate(f"{gantt}._fullLayout._size.{which}")
    page.locator("#digonce-gantt .rangeselector .button").first.click()  # "2w"
    page.wait_for_function(f"JSON.stringify({usage}.layout.xaxis.range) === JSON.stringify({gantt}.layout.xaxis.range)")
    w.assert_clean()


def test_mondays_replan_as_the_manager_and_the_residents_see_it(week, watched, artifacts):
    """The notice of a building whose dates moved marks each change, and the Gantt shows the as-of line and
    done / started / late work; screenshots for docs/your-week.md (tests/artifacts/week-*.png)."""
    project, base, new, out = week
    moved = {t.building for t in new.tasks if t.building and (t.start, t.finish) != (base.task(t.id).start,
                                                                                       base.task(t.id).finish)}
    w = watched(PHONE)
    page = w.goto(out / "notices" / "B2.html")
    assert "第2版" in page.locator("header .version").inner_text()
    marks = page.locator("#summary li.changed .mark").all_inner_texts()
    assert marks and all(m.startswith("原定") and " → 改为" in m for m in marks), marks
    assert scroll_width(page) <= PHONE["width"]
    page.screenshot(path=str(artifacts / "week-notice-390.png"))  # the first screen: letterhead, QR code
    page.locator("#summary").screenshot(path=str(artifacts / "week-notice-summary.png"))
    w.assert_clean()
    w = watched(DESKTOP)
    page = w.goto(out / "gantt.html")
    wait_for_gantt(page)
    gd = "document.getElementById('digonce-gantt')"
    assert page.evaluate(f"{gd}.layout.shapes.filter(s => s.name === 'as_of')[0].x0") == MONDAY.isoformat()
    states = page.evaluate(f"{gd}.data.filter(t => t.meta && t.meta.role === 'task').flatMap(t => t.meta.status)")
    assert "done" in states and "started" in states
    page.locator("#digonce-usage").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "week-gantt-1280.png"), full_page=True)
    assert moved  # the re-plan moved something residents see
    w.assert_clean()

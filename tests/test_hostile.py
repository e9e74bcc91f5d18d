"""Input that passed validate but broke later, hostile files and hostile clients (issue 14), one test each:
every one ends in one line per problem (file, place, what, fix) and exit 2, or is served safely.
"""

from __future__ import annotations

import io
import json
import os
import socket
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from models import InputError, load_project
from scheduler.cli import main
from scheduler.planning.expand import expand
from scheduler.planning.progress import read_progress
from scheduler.publishing import release
from scheduler.publishing.ledger import as_text, from_text, ledger_csv
from scheduler.publishing.release import write_release
from scheduler.publishing.workbook import ledger_workbook
from scheduler.review.check import check_schedule, read_schedule_file
from scheduler.serve.server import FeedServer, Site, loggable
from scheduler.serve.tokens import Tokens

from conftest import TINY
from test_serve import Running

TEXT = (TINY / "project.yaml").read_text(encoding="utf-8")


def project_with(tmp_path: Path, *changes: tuple[str, str], name: str = "p") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    text = TEXT
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    (folder / "project.yaml").write_text(text, encoding="utf-8")
    return folder


def one_line_exit_2(result, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    line = next((ln for ln in result.output.splitlines() if all(n in ln for n in needles)), None)
    assert line is not None, (needles, result.output)
    return line


# ---- validate everything used later ------------------------------------------------------------------

@pytest.mark.parametrize("change, needles", [
    (("timezone: Asia/Shanghai", "timezone: Asia/Beijing"), ("project.timezone", "Asia/Shanghai")),
    (("timezone: Asia/Shanghai", "timezone: ../../etc/passwd"), ("project.timezone", "not a time zone")),
    (("name: 1号楼", 'name: "1号\\v楼"'), ("site.buildings[0].name", "U+000B")),
    (("name: 1号楼", 'name: "1号\\0楼"'), ("site.buildings[0].name", "U+0000")),
    (("name: 1号楼", 'name: "1号\\u2028楼"'), ("site.buildings[0].name", "U+2028")),
    (("name: 1号楼", 'name: "1号\\u202e楼"'), ("site.buildings[0].name", "bidirectional")),
    (("contractor: 示例城建公司", 'contractor: "示例\\t城建"'), ("trades.civil.contractor", "U+0009")),
    (("deadline: 2027-06-30", "deadline: 9999-12-31"), ("project.deadline", "after the project start")),
    (("start: 2027-03-01", "start: 0001-01-01"), ("project.start", "between 2000 and 2100")),
    (("- id: B2\n", "- id: b1\n"), ("site.buildings[1].id", "only in letter case")),
])
def test_validate_refuses_what_would_break_an_output(tmp_path, change, needles):
    extra = [("serves: [B1, B2]", "serves: [B1, b1]")] if change[1] == "- id: b1\n" else []
    folder = project_with(tmp_path, change, *extra)
    line = one_line_exit_2(CliRunner().invoke(main, ["validate", str(folder)]), *needles)
    assert str(folder / "project.yaml") in line and " — " in line  # file, place, what — fix
    solved = CliRunner().invoke(main, ["solve", str(folder), "-o", str(tmp_path / "out"), "--quiet"])
    assert solved.exit_code == 2 and not (tmp_path / "out").exists()  # before the solve: nothing written


def test_an_unusable_out_is_said_before_solving(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = CliRunner().invoke(main, ["solve", str(TINY), "-o", str(blocker / "out"), "--quiet"])
    line = one_line_exit_2(r, "is a file, not a folder")
    assert "solving" not in r.output and line.endswith("nothing was solved or written")
    monkeypatch.setattr(release, "_writable", lambda folder: False)  # a read-only disk (root ignores modes)
    r = CliRunner().invoke(main, ["solve", str(TINY), "-o", str(tmp_path / "ro"), "--quiet"])
    one_line_exit_2(r, "read-only")
    monkeypatch.undo()
    monkeypatch.setattr(release.shutil, "disk_usage", lambda p: release.shutil._ntuple_diskusage(1 << 30, 1 << 30, 1 << 20))
    one_line_exit_2(CliRunner().invoke(main, ["solve", str(TINY), "-o", str(tmp_path / "o"), "--quiet"]), "MB free")


# ---- parsers with limits --------------------------------------------------------------------------------

LAUGHS = "".join(f"{x}: &{x} [{', '.join(['*' + p] * 9 if p else ['lol'] * 9)}]\n"
                 for p, x in zip(["", "a", "b", "c", "d", "e", "f"], "abcdefg"))


@pytest.mark.parametrize("text, needle", [
    (LAUGHS, "expanding the aliases"),
    ("a: &a [1, *a]\n", "recursive alias"),
    ("a: &a {b: *a}\n", "recursive alias"),
    ("a: " + "[" * 500 + "]" * 500 + "\n", "nested more than 64 deep"),
    ("a:\n" + "".join("  " * i + f"- k{i}:\n" for i in range(1, 300)), "nested more than 64 deep"),
])
def test_hostile_yaml_is_one_line_soon(tmp_path, text, needle):
    assert len(LAUGHS) < 400
    (tmp_path / "project.yaml").write_text(text)
    t0 = time.process_time()
    line = one_line_exit_2(CliRunner().invoke(main, ["validate", str(tmp_path)]), needle)
    assert time.process_time() - t0 < 20 and str(tmp_path / "project.yaml") in line


def test_an_unreadable_project_file_is_one_line(tmp_path, monkeypatch):
    (tmp_path / "project.yaml").write_text(TEXT)
    real = Path.read_text

    def denied(self, *a, **kw):
        if self.name == "project.yaml":
            raise PermissionError(13, "Permission denied")
        return real(self, *a, **kw)

    monkeypatch.setattr(Path, "read_text", denied)
    one_line_exit_2(CliRunner().invoke(main, ["validate", str(tmp_path)]), "cannot be read (Permission denied)")


@pytest.mark.parametrize("kind", ["outside", "link-inside", "folder"])
def test_tables_are_regular_files_inside_the_project_and_never_quoted(tmp_path, kind):
    secret = tmp_path / "secret.csv"
    secret.write_text("id,kind\nSECRET-ROOT-PASSWORD,road\n")
    folder = project_with(tmp_path, ("equipment: {excavator: 1}", "equipment: machines.csv"))
    if kind == "outside":
        os.symlink(secret, folder / "machines.csv")
    elif kind == "link-inside":
        (folder / "real.csv").write_text("id,capacity\nexcavator,1\n")
        os.symlink(folder / "real.csv", folder / "machines.csv")
    else:
        (folder / "machines.csv").mkdir()
    r = CliRunner().invoke(main, ["validate", str(folder)])
    line = one_line_exit_2(r, "machines.csv", "equipment")
    assert "SECRET" not in r.output and ("outside the project folder" in line or "is a link" in line
                                         or "not a regular file" in line)


def test_a_table_outside_the_folder_by_path_is_refused(tmp_path):
    (tmp_path / "machines.csv").write_text("id,capacity\nSECRET,1\n")
    folder = project_with(tmp_path, ("equipment: {excavator: 1}", "equipment: ../machines.csv"))
    r = CliRunner().invoke(main, ["validate", str(folder)])
    assert "outside the project folder" in one_line_exit_2(r, "equipment") and "SECRET" not in r.output


@pytest.fixture(scope="module")
def tiny_tasks():
    project, _ = load_project(TINY)
    return project, expand(project)


@pytest.mark.parametrize("row, needle", [
    ("R2:excavate,started,2027-03-02,,inf", "'inf', not a number"),
    ("R2:excavate,started,2027-03-02,,nan", "'nan', not a number"),
    ("R2:excavate,started,2027-03-02,,2.9", "2.9, not a whole number"),
    ("R2:excavate,started,2027-03-02,,-1", "-1, not a whole number"),
    ("R2:excavate,started,2027-03-02,,1e9", "1e9, not a whole number"),
    ("R2:excavate,done,0001-01-01,2027-03-03,", "is 0001-01-01, not a day of this project"),
    ("R2:excavate,not_started,0001-01-01,,", "leave the cell empty"),
])
def test_progress_values_are_checked_for_range_and_type(tmp_path, tiny_tasks, row, needle):
    project, tasks = tiny_tasks
    p = tmp_path / "p.csv"
    p.write_text("task,status,actual_start,actual_finish,remaining_days\n" + row + "\n")
    with pytest.raises(InputError) as exc:
        read_progress(p, [t.id for t in tasks], date(2027, 3, 10), project.project.start)
    assert len(exc.value.problems) == 1 and needle in str(exc.value.problems[0]), str(exc.value)
    assert "row 2" in str(exc.value.problems[0])


def test_check_refuses_far_dates_at_once_and_deep_json(tmp_path, tiny):
    project, schedule = tiny
    ledger = tmp_path / "s.csv"
    text = ledger_csv(schedule, project).decode("utf-8-sig")
    first = schedule.tasks[0]
    ledger.write_text(text.replace(first.finish.isoformat(), "9999-12-31", 1), encoding="utf-8")
    t0 = time.process_time()
    r = CliRunner().invoke(main, ["check", str(TINY), str(ledger)])
    assert time.process_time() - t0 < 10
    one_line_exit_2(r, "9999-12-31", "outside the project's dates", "row 2")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    one_line_exit_2(CliRunner().invoke(main, ["check", str(TINY), str(deep)]), str(deep))
    for cmd in (["diff", str(deep), str(deep)], ["publish", str(deep), "-p", str(TINY), "-o", str(tmp_path / "o")]):
        one_line_exit_2(CliRunner().invoke(main, cmd), str(deep))
    far = tmp_path / "far.json"
    far.write_text(schedule.to_json().replace(f'"finish": "{first.finish}"', '"finish": "9999-12-31"', 1))
    one_line_exit_2(CliRunner().invoke(main, ["check", str(TINY), str(far)]), "9999-12-31")
    r = CliRunner().invoke(main, ["publish", str(far), "-p", str(TINY), "-o", str(tmp_path / "o")])
    one_line_exit_2(r, "9999-12-31")
    assert not (tmp_path / "o").exists()


# ---- ledger cells are never formulas --------------------------------------------------------------------

NASTY = ["=HYPERLINK(\"http://evil.example/\",\"点此\")", "-1层车库防水", "+86 138", "@SUM(A1)", "'quoted",
         "=1+1", "a,b\"c", "普通名称"]


def test_as_text_round_trips_and_defuses():
    for v in NASTY + ["", "'", "''", "="]:
        assert from_text(as_text(v)) == v
        assert not as_text(v).startswith(("=", "+", "-", "@"))


def test_formula_like_names_stay_text_and_check_accepts_its_own_ledger(tmp_path, tiny):
    project, schedule = tiny
    p = project.model_copy(deep=True)
    s = schedule.model_copy(deep=True)
    for task, name in zip(s.tasks, NASTY):
        task.name = name
    p.trades["civil"].contractor = "=cmd|' /C calc'!A0"
    csv_text = ledger_csv(s, p).decode("utf-8-sig")
    for name in NASTY:
        if name.startswith(("=", "+", "-", "@", "'")):
            assert f"'{name}" in csv_text.replace('""', '"'), name
    assert ",'=cmd|" in csv_text
    wb = load_workbook(io.BytesIO(ledger_workbook(s, p, date(2027, 3, 1))))
    sheet = wb["台账"]
    cells = {c.value: c for row in sheet.iter_rows(min_row=2) for c in row}
    for name in NASTY:
        assert cells[name].data_type == "s", name                     # a string, never a formula
    assert cells["=HYPERLINK(\"http://evil.example/\",\"点此\")"].quotePrefix
    tasks = expand(project)
    for name, data in (("s.csv", ledger_csv(s, p)), ("s.xlsx", ledger_workbook(s, p, date(2027, 3, 1)))):
        (tmp_path / name).write_bytes(data)
        back = read_schedule_file(tmp_path / name, project, tasks)
        assert [t.id for t in back.tasks] == [t.id for t in schedule.tasks]
        assert not check_schedule(project, tasks, back)


def test_ids_that_look_like_formulas_round_trip_through_check(tmp_path, deterministic_cli):
    folder = project_with(tmp_path, ("- id: paving\n", "- id: \"-paving\"\n"), ("{id: paving, lag: 1}", "{id: \"-paving\", lag: 1}"))
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["solve", str(folder), "-o", str(out), "--workers", "1", "--quiet"])
    assert r.exit_code == 0, r.output
    assert ",'-paving@" in (out / "schedule.csv").read_text(encoding="utf-8-sig")
    for ledger in ("schedule.csv", "schedule.xlsx", "schedule.json"):
        r = CliRunner().invoke(main, ["check", str(folder), str(out / ledger)])
        assert r.exit_code == 0, (ledger, r.output)


# ---- the server: tokens never logged, absolute form, per-client limits, the office --------------------

TOKENS = Tokens({"civil": "CIVILTOKEN0123456789abcdefghijkl", "office": "TRADEOFFICE0123456789abcdefghij"},
                "OFFICETOKEN0123456789abcdefghijk")


@pytest.mark.parametrize("line", [
    "GET /t/CIVILTOKEN0123456789abcdefghijkl//x HTTP/1.1",
    "GET /t/CIVILTOKEN0123456789abcdefghijkl/%01 HTTP/1.1",
    "GET /t/CIVILTOKEN0123456789abcdefghijkl/%ff HTTP/1.1",
    "GET http://host/t/CIVILTOKEN0123456789abcdefghijkl/trade-civil.ics HTTP/1.1",
    "GET /t/CIVILTOKEN0123456789abcdefghijkl/trade-civil.ics HTTP/9.9",
    "GET /t/%43IVILTOKEN0123456789abcdefghijkl/trade-civil.ics HTTP/1.1",
    "GET /%74/CIVILTOKEN0123456789abcdefghijkl/x/y HTTP/1.1",
    "GET /CIVILTOKEN0123456789abcdefghijkl HTTP/1.1",
    "GET /feeds/CIVILTOKEN0123456789abcdefghijkl HTTP/1.1",
    "CIVILTOKEN0123456789abcdefghijkl",
    "GET\t/t/OFFICETOKEN0123456789abcdefghijk/all.ics\tHTTP/1.1",
    "GET /t/CIVILTOKEN0123456789abcdefghijkl\\x HTTP/1.0",
])
def test_no_spelling_puts_a_token_in_the_log(line):
    logged = loggable(line, TOKENS)
    assert "TOKEN" not in logged and "IVILTOKEN" not in logged, logged


def served(tmp_path: Path, trades=("civil", "office"), **kw) -> Running:
    files = {"feeds/building-B1.ics": b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "notices/B1.html": b"<p>B1</p>",
             "feeds/all.ics": b"ALL", "gantt.html": b"GANTT", "schedule.json": b"{}"}
    files.update({f"feeds/trade-{t}.ics": f"TRADE {t}".encode() for t in trades})
    out = tmp_path / "out"
    write_release(out, lambda v, p: files)
    site = Site(out)
    site.tokens.ensure(list(trades))
    log: list[str] = []
    return Running(FeedServer(("127.0.0.1", 0), site, log.append, **kw), log)


def test_the_server_logs_no_token_for_malformed_requests(tmp_path):
    running = served(tmp_path)
    try:
        t = running.server.site.tokens.current()
        secret = t.trades["civil"]
        for target in (f"/t/{secret}//x", f"/t/{secret}/%01", f"/t/{secret}/%ff", f"/t/{secret}/trade-civil.ics%00"):
            assert running.raw(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())\
                .startswith(b"HTTP/1.1 404")
        running.raw(f"GET /t/{secret}/trade-civil.ics HTTP/9.9\r\nHost: x\r\n\r\n".encode())
        running.raw(f"GET http://x/t/{secret}/trade-civil.ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        running.raw(f"GARBAGE {secret}\r\n\r\n".encode())
        running.raw(b"GET /" + secret.encode() + b"x" * 9000 + b" HTTP/1.1\r\n\r\n")
        time.sleep(0.2)
        assert len(running.log) >= 8
        assert not any(secret in line or secret[:12] in line for line in running.log), running.log
    finally:
        running.stop()


def test_absolute_form_request_lines_are_served(tmp_path):
    running = served(tmp_path)
    try:
        t = running.server.site.tokens.current()
        for target, body in (("http://feeds.example.org/feeds/building-B1.ics", b"END:VCALENDAR"),
                             (f"HTTP://x:8080/t/{t.trades['civil']}/trade-civil.ics", b"TRADE civil"),
                             ("http://x/notices/B1.html?utm=1", b"<p>B1</p>")):
            answer = running.raw(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            assert answer.startswith(b"HTTP/1.1 200 ") and body in answer, (target, answer[:60])
        assert running.raw(b"GET http://x/.serve/tokens.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").startswith(b"HTTP/1.1 404")
    finally:
        running.stop()


def test_a_trade_called_office_and_the_office_token_stay_apart(tmp_path):
    running = served(tmp_path)
    try:
        t = running.server.site.tokens.current()
        assert t.trades["office"] != t.office
        assert running.get(f"/t/{t.trades['office']}/trade-office.ics")[2] == b"TRADE office"
        assert running.get(f"/t/{t.office}/trade-office.ics")[0] == 404      # the office token is not the trade's
        assert running.get(f"/t/{t.trades['office']}/all.ics")[0] == 404     # nor the other way round
        assert running.get(f"/t/{t.office}/all.ics")[0] == 200
        out = running.server.site.out
        r = CliRunner().invoke(main, ["serve", str(out), "--rotate-token", "trade:office"])
        assert r.exit_code == 0 and "contractor office" in r.output and "project office" not in r.output
        after = running.server.site.tokens.current()
        assert after.office == t.office and after.trades["office"] != t.trades["office"]
        r = CliRunner().invoke(main, ["serve", str(out), "--rotate-token", "office"])
        assert r.exit_code == 0 and "project office" in r.output
        assert running.server.site.tokens.current().trades["office"] == after.trades["office"]
    finally:
        running.stop()


def test_one_client_holding_connections_does_not_lock_out_the_others(tmp_path):
    running = served(tmp_path, max_connections=12, max_per_client=4, request_timeout=5)
    hogs = []
    try:
        for _ in range(20):  # one address opens far more idle connections than it may hold
            s = socket.create_connection(("127.0.0.1", running.port), timeout=5)
            hogs.append(s)
        time.sleep(0.3)
        other = socket.create_connection(("127.0.0.1", running.port), timeout=5, source_address=("127.0.0.2", 0))
        with other:
            other.sendall(b"GET /feeds/building-B1.ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := other.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:80]
        refused = sum(1 for line in running.log if " 503 " in line and "127.0.0.1" in line)
        assert refused >= 16 and not any("127.0.0.2" in line and " 503 " in line for line in running.log)
    finally:
        for s in hogs:
            s.close()
        running.stop()


# ---- file names from ids, through a real solve -------------------------------------------------------------

@pytest.mark.parametrize("b1, b2", [("a/b", "a_b"), ("楼" * 100, "index"), ("CON", "B2.html")])
def test_every_building_keeps_its_own_notice_and_feed(tmp_path, deterministic_cli, b1, b2):
    changes = [("- id: B1\n", f"- id: {json.dumps(b1, ensure_ascii=False)}\n"),
               ("- id: B2\n", f"- id: {json.dumps(b2, ensure_ascii=False)}\n"),
               ("serves: [B1, B2]", f"serves: [{json.dumps(b1, ensure_ascii=False)}, {json.dumps(b2, ensure_ascii=False)}]"),
               ("building: B1\n", f"building: {json.dumps(b1, ensure_ascii=False)}\n")]
    folder = project_with(tmp_path, *changes)
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["solve", str(folder), "-o", str(out), "--workers", "1", "--quiet"])
    assert r.exit_code == 0, r.output
    notices = sorted(p.name for p in (out / "notices").iterdir())
    feeds = sorted(p.name for p in (out / "feeds").glob("building-*.ics"))
    assert len(notices) == 3 and len(feeds) == 2 and "index.html" in notices  # two notices and the index page
    index = (out / "notices" / "index.html").read_text(encoding="utf-8")
    assert index.count('.html"') >= 2 and all(len(n.encode()) < 120 for n in notices + feeds)
    links = CliRunner().invoke(main, ["serve", str(out), "--show-links"])
    assert links.exit_code == 0 and links.output.count("building feed") == 2

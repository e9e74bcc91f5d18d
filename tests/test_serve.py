"""`digonce serve`: a real server on 127.0.0.1 (port 0) and real HTTP clients (http.client, raw sockets, node).

OUT is inputs/tiny solved in-test (one worker, seed 0) and published into a temporary folder.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from datetime import datetime, timezone
from email.utils import formatdate
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from scheduler.cli import main
from scheduler.publishing import publish
from scheduler.publishing.feeds import render_feeds
from scheduler.publishing.files import write_atomic
from scheduler.serve.server import NOT_FOUND, FeedServer, Site, etag_of, refresh_seconds, serve_out
from scheduler.serve.tokens import OFFICE, TokenStore

ROOT = Path(__file__).resolve().parent.parent
JS = Path(__file__).resolve().parent / "js"


@pytest.fixture(scope="module")
def out(tiny, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("out")
    publish(tiny[1], tiny[0], folder, now=datetime(2027, 2, 1, 8, 30, tzinfo=timezone.utc))
    return folder


class Running:
    """A server in a background thread, its log lines, and a tiny HTTP client."""

    def __init__(self, server: FeedServer, log: list[str]) -> None:
        self.server, self.log = server, log
        self.port = server.server_address[1]
        self.thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def get(self, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, headers=headers or {})
            res = conn.getresponse()
            return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
        finally:
            conn.close()

    def raw(self, data: bytes, timeout: float = 5) -> bytes:
        """Send raw bytes, return the whole answer (the server closes after an error)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(data)
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start(out: Path, **kw) -> Running:
    log: list[str] = []
    site = Site(out)
    site.tokens.ensure(["civil", "greening", "paving", "water"])
    return Running(FeedServer(("127.0.0.1", 0), site, log.append, **kw), log)


@pytest.fixture(scope="module")
def srv(out):
    running = start(out)
    yield running
    running.stop()


def tokens(out: Path):
    return TokenStore(out).current()


def test_200_then_304_on_either_conditional_header(srv):
    status, h, body = srv.get("/feeds/building-B1.ics")
    assert status == 200 and h["etag"] == etag_of(body) and h["etag"].startswith('"')  # strong
    assert srv.get("/feeds/building-B1.ics", {"If-None-Match": h["etag"]})[0] == 304
    assert srv.get("/feeds/building-B1.ics", {"If-None-Match": f'"x", W/{h["etag"]}'})[0] == 304
    assert srv.get("/feeds/building-B1.ics", {"If-Modified-Since": h["last-modified"]})[0] == 304
    status, h304, body304 = srv.get("/feeds/building-B1.ics", {"If-None-Match": h["etag"]})
    assert body304 == b"" and h304["etag"] == h["etag"] and "content-length" not in h304
    stale = srv.get("/feeds/building-B1.ics", {"If-None-Match": '"0123456789abcdef0123456789abcdef"'})
    assert stale[0] == 200 and stale[2] == body
    mtime = (Path(srv.server.site.out) / "feeds" / "building-B1.ics").stat().st_mtime
    assert srv.get("/feeds/building-B1.ics", {"If-Modified-Since": formatdate(mtime - 3600, usegmt=True)})[0] == 200
    assert srv.get("/feeds/building-B1.ics", {"If-Modified-Since": "yesterday-ish"})[0] == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110): a stale ETag is a 200 even with a recent date
    both = {"If-None-Match": '"stale"', "If-Modified-Since": formatdate(mtime + 3600, usegmt=True)}
    assert srv.get("/feeds/building-B1.ics", both)[0] == 200


def test_head_gives_the_headers_of_get_without_body(srv):
    _, get_h, body = srv.get("/notices/B1.html")
    status, h, head_body = srv.get("/notices/B1.html", method="HEAD")
    assert status == 200 and head_body == b""
    assert h["content-length"] == str(len(body)) and h["etag"] == get_h["etag"]


def test_content_types_caching_and_no_gzip(srv, out):
    status, h, body = srv.get("/feeds/building-B2.ics", {"Accept-Encoding": "gzip, deflate"})
    assert h["content-type"] == "text/calendar; charset=utf-8" and "content-encoding" not in h
    assert body.startswith(b"BEGIN:VCALENDAR")
    age = int(h["cache-control"].removeprefix("max-age="))
    assert 0 < age <= refresh_seconds(body) == 4 * 3600
    _, h, _ = srv.get("/notices/index.html")
    assert h["content-type"] == "text/html; charset=utf-8" and h["cache-control"] == "no-cache"
    assert h["x-content-type-options"] == "nosniff"


def test_index_links_every_public_feed_and_short_notice_urls(srv):
    status, h, body = srv.get("/", {"Host": "feeds.example.org:8080"})
    page = body.decode()
    assert status == 200 and h["content-type"].startswith("text/html")
    for b in ("B1", "B2"):
        assert f'href="webcal://feeds.example.org:8080/feeds/building-{b}.ics"' in page
        assert f'href="http://feeds.example.org:8080/feeds/building-{b}.ics"' in page
        assert f'href="http://feeds.example.org:8080/b/{b}"' in page
    assert "trade-" not in page and "all.ics" not in page and "/t/" not in page
    # a Host header that is not a host name is not echoed into links
    page = srv.get("/", {"Host": '"><script>'})[2].decode()
    assert "<script>" not in page and f"http://127.0.0.1:{srv.port}/feeds/building-B1.ics" in page


def test_short_url_redirects_to_the_notice(srv):
    status, h, _ = srv.get("/b/B1")
    assert status == 302 and h["location"] == "/notices/B1.html"
    assert srv.get(h["location"])[0] == 200
    assert srv.get("/b/B9")[0] == 404


def test_trade_feeds_only_with_their_token(srv, out):
    t = tokens(out)
    status, h, body = srv.get(f"/t/{t.trades['civil']}/trade-civil.ics")
    assert status == 200 and body == (out / "feeds" / "trade-civil.ics").read_bytes()
    assert h["cache-control"].startswith("private") and h["referrer-policy"] == "no-referrer"
    missing = srv.get("/feeds/no-such-file.ics")
    assert missing[0] == 404 and missing[2] == NOT_FOUND
    for path in ("/feeds/trade-civil.ics",                                  # no token
                 f"/t/{t.trades['civil']}x/trade-civil.ics",                # wrong token
                 f"/t/{t.trades['civil'][:-1]}/trade-civil.ics",            # a prefix of it
                 f"/t/{t.trades['water']}/trade-civil.ics",                 # another trade's token
                 f"/t/{t.office}/trade-civil.ics",                          # the office token
                 f"/t/{t.trades['civil']}/all.ics",                         # a trade token for all.ics
                 f"/t/{t.trades['civil']}/gantt.html",
                 f"/t/{t.trades['civil']}/trade-nosuch.ics",
                 "/feeds/all.ics", "/gantt.html", "/schedule.json", "/t//trade-civil.ics"):
        status, h, body = srv.get(path)
        assert (status, body, h["content-type"]) == (404, NOT_FOUND, missing[1]["content-type"]), path
    assert srv.get(f"/t/{t.office}/all.ics")[0] == 200
    status, h, _ = srv.get(f"/t/{t.office}/gantt.html")
    assert status == 200 and h["content-type"] == "text/html; charset=utf-8"
    assert not any(t.trades["civil"] in line or t.office in line for line in srv.log)  # tokens stay out of logs


def test_rotation_invalidates_the_old_token_in_the_running_server(out):
    running = start(out)
    try:
        old = tokens(out).trades["paving"]
        assert running.get(f"/t/{old}/trade-paving.ics")[0] == 200
        result = CliRunner().invoke(main, ["serve", str(out), "--rotate-token", "paving"])
        assert result.exit_code == 0, result.output
        new = tokens(out).trades["paving"]
        assert new != old and f"/t/{new}/trade-paving.ics" in result.output
        assert running.get(f"/t/{old}/trade-paving.ics")[0] == 404
        assert running.get(f"/t/{new}/trade-paving.ics")[0] == 200
        assert running.get(f"/t/{tokens(out).trades['civil']}/trade-civil.ics")[0] == 200  # others untouched
    finally:
        running.stop()


def test_tokens_are_created_once_kept_private_and_new_trades_get_one(out, tmp_path):
    folder = tmp_path / "o"
    shutil.copytree(out, folder)
    first = CliRunner().invoke(main, ["serve", str(folder), "--show-links", "--public-url", "https://f.example.org/"])
    assert first.exit_code == 0 and "https://f.example.org/t/" in first.output
    again = CliRunner().invoke(main, ["serve", str(folder), "--show-links", "--public-url", "https://f.example.org"])
    assert again.output == first.output  # generated once
    assert (folder / ".serve" / "tokens.json").stat().st_mode & 0o077 == 0
    (folder / "feeds" / "trade-gas.ics").write_bytes((folder / "feeds" / "trade-water.ics").read_bytes())
    later = CliRunner().invoke(main, ["serve", str(folder), "--show-links"])
    assert "contractor gas" in later.output and tokens(folder).trades["gas"]
    t = tokens(folder)
    assert t.opens_trade("gas", t.trades["gas"]) and not t.opens_trade("gas", "x")
    assert not t.opens_trade("nosuch", "") and t.opens_office(t.office) and not t.opens_trade(OFFICE, t.office)


@pytest.mark.parametrize("args, message", [
    (["--rotate-token", "civl"], "did you mean 'civil'?"),
    (["--public-url", "feeds.example.org"], "give a full address"),
])
def test_cli_refuses_bad_options_in_one_line(out, args, message):
    result = CliRunner().invoke(main, ["serve", str(out), *args])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_cli_refuses_a_folder_without_outputs(tmp_path):
    result = CliRunner().invoke(main, ["serve", str(tmp_path)])
    assert result.exit_code == 2 and "publish first" in result.output


def test_damaged_token_file_is_a_one_line_error(out, tmp_path):
    folder = tmp_path / "o"
    shutil.copytree(out, folder)
    (folder / ".serve" / "tokens.json").write_text("{nope")
    result = CliRunner().invoke(main, ["serve", str(folder), "--show-links"])
    assert result.exit_code == 2 and "delete it to issue new tokens" in result.output


TRAVERSAL = [
    "/../../../etc/passwd", "/feeds/../.serve/tokens.json", "/.serve/tokens.json", "/feeds/%2e%2e/.serve/tokens.json",
    "/feeds/%2E%2E%2F.serve%2Ftokens.json", "/%2e%2e/%2e%2e/etc/passwd", "/feeds/%252e%252e/%252e%252e/etc/passwd",
    "/feeds/..%5c..%5c.serve%5ctokens.json", "/feeds\\..\\.serve\\tokens.json", "/feeds/building-B1.ics%00.html",
    "/notices/%00", "//etc/passwd", "/feeds//etc/passwd", "/notices/%2fetc%2fpasswd", "/feeds/%c0%ae%c0%ae/passwd",
    "/b/..%2f.serve%2ftokens", "/b/%2e%2e", "/t/../feeds/trade-civil.ics", "/notices/./index.html%2f..%2f..%2fx.html",
    "http://127.0.0.1/.serve/tokens.json", "/feeds/building-B1.ics/..", "/feeds/.%2e/schedule.json",
    "/notices/evil.html", "/feeds/building-evil.ics", "/notices/evildir.html", "/b/evil",
]


def test_traversal_in_any_spelling_is_404(out, tmp_path):
    secret = tmp_path / "secret.html"
    secret.write_text("SECRET")
    folder = tmp_path / "o"
    shutil.copytree(out, folder)
    os.symlink(secret, folder / "notices" / "evil.html")              # symlinks pointing out of OUT
    os.symlink(secret, folder / "feeds" / "building-evil.ics")
    os.symlink(tmp_path, folder / "notices" / "evildir.html")
    running = start(folder)
    try:
        assert len(TRAVERSAL) >= 15
        for target in TRAVERSAL:
            answer = running.raw(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode("latin-1"))
            assert answer.startswith(b"HTTP/1.1 404 "), (target, answer[:80])
            assert b"SECRET" not in answer and b"office" not in answer
        assert running.get("/feeds/building-B1.ics")[0] == 200  # and the real files still come
    finally:
        running.stop()


def test_bad_requests_are_refused_and_others_still_served(srv):
    assert srv.raw(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 414 ")
    big = b"".join(b"X-Fill-%d: %s\r\n" % (i, b"y" * 1000) for i in range(40))
    assert srv.raw(b"GET / HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n").startswith(b"HTTP/1.1 431 ")
    assert srv.raw(b"GET / HTTP/1.1\r\nX: " + b"y" * 70000 + b"\r\n\r\n").split(b" ")[1] in (b"431", b"414")
    assert srv.raw(b"HELLO\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert srv.raw(b"GET / HTTP/9.9\r\n\r\n").split(b" ")[1] in (b"400", b"505")
    assert srv.raw(b"GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert srv.raw(b"GET / HTTP/1.1\r\n folded: x\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert srv.raw(b"GET / HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 400 ")  # no Host
    assert srv.raw(b"GET /feeds/building-B1.ics\r\n\r\n").startswith(b"HTTP/1.1 400 ")  # HTTP/0.9
    assert srv.raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)))[:12] in (b"HTTP/1.1 400", b"")
    post = srv.raw(b"POST /feeds/building-B1.ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert post.startswith(b"HTTP/1.1 405 ") and b"Allow: GET, HEAD" in post
    assert srv.get("/feeds/building-B1.ics")[0] == 200


def test_keep_alive_serves_several_requests_on_one_connection(srv):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        for path in ("/feeds/building-B1.ics", "/notices/B1.html", "/feeds/building-B2.ics"):
            conn.request("GET", path)
            res = conn.getresponse()
            assert res.status == 200 and res.read()
    finally:
        conn.close()


def test_a_slow_client_is_cut_off_and_does_not_block_others(out):
    running = start(out, request_timeout=0.5)
    try:
        with socket.create_connection(("127.0.0.1", running.port), timeout=5) as slow:
            slow.sendall(b"GET /feeds/building-B1.ics HT")  # ...and never finishes
            t0 = time.monotonic()
            assert running.get("/feeds/building-B1.ics")[0] == 200
            answer = slow.recv(4096)
            assert answer.startswith(b"HTTP/1.1 408 ") and time.monotonic() - t0 < 3
        with socket.create_connection(("127.0.0.1", running.port), timeout=5) as dripping:
            t0 = time.monotonic()
            answer = b""
            try:
                for c in b"GET / HTTP/1.1\r\nHost: x\r\n":
                    dripping.sendall(bytes([c]))
                    time.sleep(0.05)
                answer = dripping.recv(4096)
            except (BrokenPipeError, ConnectionResetError):
                pass
            assert time.monotonic() - t0 < 3 and not answer.startswith(b"HTTP/1.1 200")
    finally:
        running.stop()


def test_connections_beyond_the_cap_get_503(out):
    running = start(out, max_connections=2)
    try:
        idle = [socket.create_connection(("127.0.0.1", running.port), timeout=5) for _ in range(2)]
        time.sleep(0.2)
        assert running.raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 503 ")
        for s in idle:
            s.close()
        deadline = time.monotonic() + 3
        while running.raw(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").startswith(b"HTTP/1.1 503"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        running.stop()


def test_one_log_line_per_request(out):
    running = start(out)
    try:
        running.get("/feeds/building-B1.ics")
        running.get("/nope")
        running.raw(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n")
        deadline = time.time() + 5  # a thread logs after it answers: wait for all three, in any order
        while len(running.log) < 3 and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)
        assert len(running.log) == 3
        assert sum('"GET /feeds/building-B1.ics HTTP/1.1" 200 ' in line for line in running.log) == 1
        assert sum('"GET /nope HTTP/1.1" 404 ' in line for line in running.log) == 1
        assert sum(" 414 " in line for line in running.log) == 1
    finally:
        running.stop()


def test_republishing_while_clients_fetch_never_gives_a_mixed_file(tiny, tmp_path):
    project, schedule = tiny
    versions = [render_feeds(schedule, project, None, datetime(2027, 2, d, 8, 0, tzinfo=timezone.utc)) for d in (1, 2)]
    rel = "feeds/building-B1.ics"
    assert versions[0][rel] != versions[1][rel]
    folder = tmp_path / "o"
    for r, data in versions[0].items():
        write_atomic(folder / r, data)
    running = start(folder)
    stop, seen, bad = threading.Event(), [], []

    def fetch() -> None:
        while not stop.is_set() and len(seen) < 3000:
            status, h, body = running.get("/" + rel)
            seen.append(body)
            try:
                Calendar.from_ical(body)
            except ValueError as exc:
                bad.append(f"unparsable: {exc}")
            if status != 200 or h["etag"] != etag_of(body) or body not in (versions[0][rel], versions[1][rel]):
                bad.append(f"{status} {h.get('etag')} {len(body)} bytes")

    readers = [threading.Thread(target=fetch) for _ in range(4)]
    for t in readers:
        t.start()
    try:
        t0 = time.monotonic()
        for i in range(60):  # bounded: 60 re-publishes or 3 s
            for r, data in versions[(i + 1) % 2].items():
                write_atomic(folder / r, data)
            if time.monotonic() - t0 > 3:
                break
    finally:
        stop.set()
        for t in readers:
            t.join(timeout=20)
        running.stop()
    assert not bad, bad[:5]
    assert len(seen) > 20 and {versions[0][rel], versions[1][rel]} <= set(seen)


@pytest.fixture(scope="module")
def node_ready():
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node/npm not on PATH")
    if not (JS / "node_modules" / "ical.js").is_dir():
        subprocess.run(["npm", "install", "--prefix", str(JS), "--no-audit", "--no-fund"], check=True,
                       capture_output=True, timeout=300)


def test_icaljs_subscribes_over_http(srv, out, node_ready):
    t = tokens(out)
    for path, feed in ((f"/t/{t.trades['civil']}/trade-civil.ics", "trade-civil.ics"),
                       ("/feeds/building-B1.ics", "building-B1.ics")):
        done = subprocess.run(["node", str(JS / "fetch.mjs"), f"http://127.0.0.1:{srv.port}{path}"],
                              check=True, capture_output=True, timeout=60)
        got = json.loads(done.stdout)
        cal = Calendar.from_ical((out / "feeds" / feed).read_bytes())
        assert got["status"] == 200 and got["contentType"] == "text/calendar; charset=utf-8"
        assert got["calname"] == str(cal["X-WR-CALNAME"])
        assert sorted(e["uid"] for e in got["events"]) == sorted(str(e["UID"]) for e in cal.walk("VEVENT"))
        assert got["events"]


def test_serve_out_creates_missing_tokens(out, tmp_path):
    folder = tmp_path / "o"
    shutil.copytree(out, folder, ignore=shutil.ignore_patterns(".serve"))
    server = serve_out(folder, "127.0.0.1", 0, log=lambda m: None)
    try:
        assert set(tokens(folder).trades) == {"civil", "greening", "paving", "water"} and tokens(folder).office
    finally:
        server.server_close()


def test_bench_serve_loads_a_child_server_without_errors(out, tmp_path):
    from scheduler.bench.serve import run

    folder = tmp_path / "o"
    shutil.copytree(out, folder)
    result = run(folder, requests=40, clients=4, echo=lambda m: None)
    cold, polling = result["rows"]
    assert cold["errors"] == polling["errors"] == 0 and cold["share_304"] == 0 and polling["share_304"] == 1.0
    assert result["log_lines"] == result["requests_total"] == 80

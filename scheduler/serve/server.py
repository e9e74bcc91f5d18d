"""`digonce serve OUT`: the calendar feeds and resident notices over HTTP, for subscribers who poll for years.

What is served (nothing else; every other path is 404, like a missing file):

    /                               index: subscribe links for every public feed, short notice URLs
    /feeds/building-<b>.ics         public — the same facts are posted on the notice board
    /notices/<name>.html            public
    /b/<b>                          short, QR-friendly URL of building <b>'s notice (302 to it)
    /t/<token>/trade-<trade>.ics    a contractor's feed, only with that trade's token
    /t/<token>/all.ics              every contractor's work and contacts, only with the office token
    /t/<token>/gantt.html           the same, as a chart, only with the office token
    /t/<token>/plotly.min.js        the chart's library (the page loads it from beside itself), the same way

Calendar clients poll with conditional requests: a strong ETag (SHA-256 of the bytes) and Last-Modified
(the file's mtime) turn most polls into 304s. Each file is opened and read once per request; `publish`
replaces files by rename, so a reader gets the old bytes or the new ones, and the ETag is always the
hash of the bytes sent. Nothing is compressed (gzip on .ics breaks some Outlook versions).

Releases: OUT's files are those of the release in force (scheduler/publishing/release.py). Each request
reads the pointer once and takes every file it needs from that release's folder, so a response is a whole
file of the old release or of the new one, and a file the new release no longer has is gone (404) the
moment it is in force — also on file systems without symlinks, where the pointer is a small file.

Hostile clients: the path is percent-decoded exactly once and any segment that is empty, starts with a
dot, or holds a backslash, NUL or control character is refused; an absolute-form target
(`GET http://host/feeds/x.ics`, which HTTP/1.1 servers must accept) is served by its path. A file must
resolve (symlinks followed) inside OUT and outside OUT/.serve and be a regular file. A request line over
8 KiB gets 414, a request head over 32 KiB 431, a malformed one 400; a request must arrive within 10 s
(keep-alive idle time included) and a response be taken within 30 s, so a slow client holds a thread
for a bounded time; at most 256 connections are served at once, and at most 32 from one address, so
one client holding idle connections cannot lock the others out (503 beyond either).

The log never holds a token: a secret path is logged as /t/***/<file>, a path that is not a plain route
only by its first segment, a malformed request line by its length, and any token of the store that
still appears is replaced by *** before the line is written.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import socket
import stat
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import quote, unquote

from scheduler.publishing.files import id_of_part
from scheduler.publishing.gantt import PLOTLY_JS
from scheduler.publishing.pages import render_page
from scheduler.publishing.release import folder_in_force, read_manifest
from scheduler.serve.tokens import Tokens, TokenStore, trades_in
from scheduler.text import Msg

MAX_LINE = 8192            # request line, bytes
MAX_HEAD = 32768           # request line + headers, bytes
REQUEST_TIMEOUT = 10.0     # s from the end of the previous response to the end of the request head
WRITE_TIMEOUT = 30.0       # s for the client to take a whole response
MAX_CONNECTIONS = 256
MAX_PER_CLIENT = 32        # connections from one address
MAX_FILE = 64 << 20        # a file larger than this is not served (OUT holds nothing near it)
HTML_CACHE = "no-cache"    # notices change with every re-plan: revalidate (a cheap 304) on every view
ICS_MAX_AGE = 3600         # s; never longer than the feed's own REFRESH-INTERVAL
NOT_FOUND = b"Not found\n"  # one body for a missing file, a wrong token and a refused path alike

Log = Callable[[str], None]


@dataclass(frozen=True)
class File:
    """A file of OUT to send; `private` ones are reached through a token."""

    path: Path
    private: bool = False


@dataclass(frozen=True)
class Redirect:
    location: str


@dataclass(frozen=True)
class Index:
    pass


_ABSOLUTE = re.compile(r"https?://[^/?#\s]*", re.IGNORECASE)
PUBLIC = ("feeds", "notices", "b")


def origin_form(raw: str) -> str:
    """The path part of a request target: absolute-form `http://host/x?y` → `/x?y` (RFC 9112 §3.2.2)."""
    m = _ABSOLUTE.match(raw)
    if m:
        rest = raw[m.end():]
        return rest if rest.startswith("/") else "/" + rest
    return raw


def segments(raw: str) -> list[str] | None:
    """The decoded path segments of a request target, or None for anything that is not a plain path."""
    raw = origin_form(raw)
    if not raw.startswith("/"):
        return None  # authority-form or '*': not served
    path = raw.split("?", 1)[0].split("#", 1)[0]
    try:
        text = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if text == "/":
        return []
    parts = text[1:].split("/")
    for part in parts:
        if not part or part.startswith(".") or "\\" in part or any(ord(c) < 32 or ord(c) == 127 for c in part):
            return None
    return parts


class Site:
    """Maps request paths to files of OUT, and reads them safely."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.root = os.path.realpath(out)
        self.hidden = os.path.join(self.root, ".serve")
        self.tokens = TokenStore(out)

    def release(self) -> Path:
        """The folder of the release in force, read once per request (OUT itself for a plain folder)."""
        return folder_in_force(self.out)

    def route(self, raw: str) -> File | Redirect | Index | None:
        parts = segments(raw)
        if parts is None:
            return None
        root = self.release()
        match parts:
            case []:
                return Index()
            case ["feeds", name] if name.startswith("building-") and name.endswith(".ics"):
                return File(root / "feeds" / name)
            case ["notices", name] if name.endswith(".html"):
                return File(root / "notices" / name)
            case ["b", building] if self._inside(root / "notices" / f"{building}.html"):
                return Redirect(f"/notices/{quote(building, safe='')}.html")
            case ["t", token, name]:
                return self._private(root, token, name, self.tokens.current())
        return None

    def _private(self, root: Path, token: str, name: str, tokens: Tokens) -> File | None:
        if name in ("all.ics", "gantt.html", PLOTLY_JS):
            ok = tokens.opens_office(token)
            path = root / ("feeds/all.ics" if name == "all.ics" else name)
        elif name.startswith("trade-") and name.endswith(".ics"):
            ok = tokens.opens_trade(name[len("trade-"):-len(".ics")], token)
            path = root / "feeds" / name
        else:
            return None
        return File(path, private=True) if ok else None

    def read(self, path: Path) -> tuple[bytes, os.stat_result] | None:
        """The bytes and status of one regular file inside OUT (not OUT/.serve), read once, or None."""
        real = self._inside(path)
        if real is None:
            return None
        try:
            fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE:
                return None
            return f.read(MAX_FILE + 1), st

    def _inside(self, path: Path) -> str | None:
        """The real path of a regular file inside OUT and outside OUT/.serve (symlinks followed), or None."""
        real = os.path.realpath(path)
        inside = real.startswith(self.root + os.sep) and not real.startswith(self.hidden + os.sep)
        return real if inside and os.path.isfile(real) else None

    def buildings(self, root: Path | None = None) -> list[str]:
        """Buildings with a public feed in the release in force (or `root`), by file-name part, in order."""
        feeds = (root or self.release()) / "feeds"
        return sorted(p.name[len("building-"):-len(".ics")] for p in feeds.glob("building-*.ics")) \
            if feeds.is_dir() else []

    def names(self, root: Path) -> dict[str, str]:
        """The buildings' names by file-name part, in site order, as the release lists them for residents."""
        data = (read_manifest(root) or {}).get("buildings")
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} \
            if isinstance(data, dict) else {}

    def index(self, base: str) -> bytes:
        """The public landing page: what a resident or the neighbourhood committee may subscribe to."""
        def row(kind: str, building: str, path: str, webcal: bool) -> dict[str, str]:
            url = base + path
            return {"kind": kind, "building": building, "url": url, "webcal": as_webcal(url) if webcal else ""}

        root = self.release()
        rows = []
        names = self.names(root)
        order = {part: i for i, part in enumerate(names)}
        for b in sorted(self.buildings(root), key=lambda b: (order.get(b, len(order)), b)):
            q, label = quote(b, safe=""), names.get(b) or id_of_part(b) or b
            rows.append(row("calendar", label, f"/feeds/building-{q}.ics", True))
            if (root / "notices" / f"{b}.html").is_file():
                rows.append(row("notice", label, f"/b/{q}", False))
        if (root / "notices" / "index.html").is_file():
            rows.append(row("all_notices", "", "/notices/index.html", False))
        return render_page("scheduler.serve", "index.html", "zh-CN", rows=rows).encode("utf-8")


def as_webcal(url: str) -> str:
    """webcal:// makes phones offer “subscribe” instead of downloading; the client then polls over http(s)."""
    return "webcal://" + url.split("://", 1)[1]


def refresh_seconds(data: bytes) -> int | None:
    """The feed's REFRESH-INTERVAL in seconds (PT4H → 14400), if it states one in its first lines."""
    m = re.search(rb"\nREFRESH-INTERVAL[^:\r\n]*:P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?\r?\n",
                  data[:8192])
    if not m:
        return None
    w, d, h, mi, s = (int(g or 0) for g in m.groups())
    return (((w * 7 + d) * 24 + h) * 60 + mi) * 60 + s


def etag_of(data: bytes) -> str:
    """Strong ETag: equal exactly when the bytes are equal (publish rewrites unchanged feeds byte for byte)."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/"x" matches "x"; "*" matches any."""
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


def not_modified(headers, etag: str, mtime: int | None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since is used only without it."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        return etag_matches(inm, etag)
    ims = headers.get("If-Modified-Since")
    if ims is None or mtime is None:
        return False
    try:
        since = parsedate_to_datetime(ims)
    except (TypeError, ValueError, IndexError):
        return False  # an unreadable date is ignored, as the RFC says
    return since.tzinfo is not None and mtime <= since.timestamp()


def loggable(requestline: str, tokens: Tokens) -> str:
    """A request line as the log may show it: never a token, in whatever spelling or malformed line it came.

    A secret path becomes /t/***/<file>; a public route is logged as decoded and re-quoted; any other target
    only by its first segment (a token pasted elsewhere must not land in the log either), and a target that
    is no plain path only by its length. Method and version are kept only when they look like them."""
    words = requestline.strip("\r\n").split()
    method = words[0] if words and re.fullmatch(r"[A-Z]{1,12}", words[0]) else "?"
    version = words[2] if len(words) > 2 and re.fullmatch(r"HTTP/\d\.\d", words[2]) else "?"
    target = words[1] if len(words) > 1 else ""
    parts = segments(target)
    if parts is None:
        shown = f"<{len(target.encode('latin-1', 'replace'))}-byte target>"
    elif not parts or parts[0] in PUBLIC:
        shown = "/" + "/".join(quote(p) for p in parts)
    elif parts[0] == "t":
        shown = "/t/***" + (f"/{quote(parts[2])}" if len(parts) == 3 else "/…" if len(parts) > 1 else "")
    else:
        shown = "/" + (quote(parts[0][:24]) if len(parts[0]) <= 24 else "…") + ("/…" if len(parts) > 1 else "")
    line = f"{method} {shown[:300]} {version}" if words else ""
    for secret in [tokens.office, *tokens.trades.values()]:
        if secret:
            line = line.replace(secret, "***")
    return line.encode("unicode_escape").decode("ascii")


class _HeadTooLarge(Exception):
    pass


class _MeteredSocket(io.RawIOBase):
    """The request side of a connection, with a deadline and a byte budget per request.

    A socket timeout alone bounds each recv, so a client dripping a byte every few seconds could hold a
    thread for hours; the deadline bounds the whole request head, the budget its size."""

    def __init__(self, sock: socket.socket, handler: "Handler") -> None:
        self.sock, self.handler = sock, handler

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        h = self.handler
        left = h.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("request head not complete in time")
        if h.budget <= 0:
            raise _HeadTooLarge()
        self.sock.settimeout(left)
        n = self.sock.recv_into(memoryview(buf)[:h.budget])
        h.budget -= n
        return n


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD of the routes above; one log line per request."""

    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # errors to a request without a version still get a status line
    server: "FeedServer"

    def version_string(self) -> str:
        return "digonce"

    def setup(self) -> None:
        super().setup()
        self.rfile = io.BufferedReader(_MeteredSocket(self.connection, self))

    def handle_one_request(self) -> None:
        self.deadline = time.monotonic() + self.server.request_timeout
        self.budget = MAX_HEAD
        self.started, self.status, self.sent = 0.0, 0, 0
        self.requestline, self.command, self.request_version, self.raw_requestline = "", "", "", b""
        try:
            line = self.rfile.readline(MAX_LINE + 1)
            self.started = time.monotonic()
            if not line:
                self.close_connection = True
                return
            if len(line) > MAX_LINE:
                self.raw_requestline = line[:MAX_LINE]
                self._refuse(414, "Request line too long")
                return
            self.raw_requestline = line
            if not self.parse_request():  # sends 400, 431 or 505 itself
                self._drain()
                self._log()
                return
            if len(self.requestline.split()) < 3:
                self._refuse(400, "HTTP/0.9 requests are not served")
                return
            if self.headers.defects:  # a header line without a colon, a folded first line, …
                self._refuse(400, "Malformed header")
                return
            if self.request_version == "HTTP/1.1" and len(self.headers.get_all("Host", [])) != 1:
                self._refuse(400, "HTTP/1.1 needs exactly one Host header")  # RFC 9112 §3.2
                return
        except TimeoutError:
            if self.budget < MAX_HEAD:  # part of a request came, too slowly; an idle keep-alive just closes
                self._refuse(408, "Request not complete in time")
            self.close_connection = True
            return
        except ConnectionError:
            self.close_connection = True
            return
        except _HeadTooLarge:
            self._refuse(431, "Request header fields too large")
            return
        self.connection.settimeout(self.server.write_timeout)
        try:
            if self.command in ("GET", "HEAD"):
                if self.headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in self.headers:
                    self.close_connection = True  # a body we will not read: the connection cannot be reused
                self._serve()
            else:
                self._send(405, b"Method not allowed\n", {"Allow": "GET, HEAD"})
            self.wfile.flush()
        except (TimeoutError, ConnectionError):
            self.close_connection = True
        self._log()

    def _serve(self) -> None:
        target = self.server.site.route(self.path)
        if isinstance(target, Index):
            self._send_cached(self.server.site.index(self._base()), "text/html; charset=utf-8", None, HTML_CACHE, {})
        elif isinstance(target, Redirect):
            self._send(302, b"", {"Location": target.location, "Cache-Control": "no-cache"})
        elif isinstance(target, File) and (found := self.server.site.read(target.path)):
            data, st = found
            ics = target.path.suffix == ".ics"
            cache = f"max-age={min(ICS_MAX_AGE, refresh_seconds(data) or ICS_MAX_AGE)}" if ics else HTML_CACHE
            extra = {}
            if target.private:
                cache = "private, " + cache
                extra = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
            kind = "text/calendar; charset=utf-8" if ics else \
                "text/javascript; charset=utf-8" if target.path.suffix == ".js" else "text/html; charset=utf-8"
            self._send_cached(data, kind, int(st.st_mtime), cache, extra)
        else:
            self._send(404, NOT_FOUND, {"Cache-Control": "no-cache"})

    def _send_cached(self, data: bytes, kind: str, mtime: int | None, cache: str, extra: dict[str, str]) -> None:
        etag = etag_of(data)
        headers = {"ETag": etag, "Cache-Control": cache, **extra}
        if mtime is not None:
            headers["Last-Modified"] = formatdate(mtime, usegmt=True)
        if not_modified(self.headers, etag, mtime):
            self._send(304, None, headers)
        else:
            self._send(200, data, {"Content-Type": kind, **headers})

    def _send(self, code: int, body: bytes | None, headers: dict[str, str]) -> None:
        """One response; `body` None for 304 (no Content-Length), HEAD sends the headers of the GET."""
        self.send_response(code)
        if body is not None:
            headers = {"Content-Type": "text/plain; charset=utf-8", **headers, "Content-Length": str(len(body))}
        for k, v in {**headers, "X-Content-Type-Options": "nosniff"}.items():
            self.send_header(k, v)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
            self.sent = len(body)

    def _refuse(self, code: int, message: str) -> None:
        """Answer a request too large to read, then close without resetting the answer away."""
        self.connection.settimeout(self.server.write_timeout)
        try:
            self.send_error(code, message)
            self.wfile.flush()
        except (TimeoutError, ConnectionError):
            pass
        self.close_connection = True
        self._drain()
        self._log()

    def _drain(self) -> None:
        """Read (a bounded amount of) what the client is still sending: closing a socket with unread data
        sends a reset, and the client would lose the error response it has not read yet."""
        if not self.close_connection:
            return
        until = time.monotonic() + 1.0
        try:
            self.connection.shutdown(socket.SHUT_WR)
            for _ in range(16):
                self.connection.settimeout(max(0.01, until - time.monotonic()))
                if not self.connection.recv(65536):
                    break
        except OSError:
            pass

    def _base(self) -> str:
        """The server's own address for links: --public-url, else the Host the client used, else the socket's."""
        if self.server.public_url:
            return self.server.public_url
        host = self.headers.get("Host", "")
        if not re.fullmatch(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?", host):
            addr, port = self.server.server_address[:2]
            host = f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"
        return f"http://{host}"

    def log_request(self, code="-", size="-") -> None:
        self.status = int(code) if str(code).isdigit() else 0

    def log_message(self, format: str, *args) -> None:
        """Silenced: the stock handler logs errors twice and unredacted; `_log` writes the one line."""

    def _log(self) -> None:
        took = (time.monotonic() - self.started) * 1000 if self.started else 0.0
        raw = getattr(self, "raw_requestline", b"") or b""
        line = loggable(raw.decode("latin-1"), self.server.site.tokens.current())
        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        self.server.log(f'{stamp} {self.client_address[0]} "{line}" {self.status or "-"} {self.sent} {took:.1f}ms')


class FeedServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with a cap on concurrent connections and the site it serves."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the stock 5 drops SYNs as soon as a few dozen clients connect at once (1 s retries)

    def __init__(self, address: tuple[str, int], site: Site, log: Log, public_url: str | None = None,
                 request_timeout: float = REQUEST_TIMEOUT, write_timeout: float = WRITE_TIMEOUT,
                 max_connections: int = MAX_CONNECTIONS, max_per_client: int = MAX_PER_CLIENT) -> None:
        self.site, self.log, self.public_url = site, log, public_url.rstrip("/") if public_url else None
        self.request_timeout, self.write_timeout = request_timeout, write_timeout
        self._slots = threading.BoundedSemaphore(max_connections)
        self.max_per_client = max_per_client
        self._clients: dict[str, int] = {}
        self._clients_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def _take(self, client: str) -> bool:
        """A connection slot for `client`: one of its own (at most max_per_client) and one of the server's."""
        with self._clients_lock:
            if self._clients.get(client, 0) >= self.max_per_client:
                return False
            if not self._slots.acquire(blocking=False):
                return False
            self._clients[client] = self._clients.get(client, 0) + 1
            return True

    def _give_back(self, client: str) -> None:
        with self._clients_lock:
            left = self._clients.get(client, 1) - 1
            if left > 0:
                self._clients[client] = left
            else:
                self._clients.pop(client, None)
            self._slots.release()

    def process_request(self, request, client_address) -> None:
        client = client_address[0]
        if not self._take(client):
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\n"
                                b"Connection: close\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            stamp = datetime.now().astimezone().isoformat(timespec="seconds")
            self.log(f"{stamp} {client} - 503 0 (connection refused: server or client limit reached)")
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._give_back(client)
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._give_back(client_address[0])

    @property
    def url(self) -> str:
        """Where this server listens (the real port when it was started on port 0)."""
        addr, port = self.server_address[:2]
        return f"http://[{addr}]:{port}" if ":" in addr else f"http://{addr}:{port}"


def serve_out(out: Path, host: str, port: int, public_url: str | None = None,
              log: Log = lambda m: print(m, file=sys.stderr, flush=True)) -> FeedServer:
    """A server for OUT, bound and ready for serve_forever(); missing tokens are created first."""
    site = Site(out)
    site.tokens.ensure(trades_in(out))
    return FeedServer((host, port), site, log, public_url)


def links(out: Path, base: str) -> list[tuple[str, str, str]]:
    """(who, what, URL) for every link to hand out (who and what are Msgs: text/*/serve.yaml `link`); creates
    tokens for trades that have none yet."""
    tokens = TokenStore(out).ensure(trades_in(out))
    base = base.rstrip("/")
    site = Site(out)
    rows = [(Msg("serve.link.contractor", trade=id_of_part(t) or t), Msg("serve.link.trade_feed"),
             f"{base}/t/{tokens.trades[t]}/trade-{quote(t, safe='')}.ics") for t in trades_in(out)]
    rows += [(Msg("serve.link.office"), Msg("serve.link.all_feed"), f"{base}/t/{tokens.office}/all.ics"),
             (Msg("serve.link.office"), Msg("serve.link.gantt"), f"{base}/t/{tokens.office}/gantt.html"),
             (Msg("serve.link.everyone"), Msg("serve.link.index"), f"{base}/")]
    root = site.release()
    for b in site.buildings(root):
        q, label = quote(b, safe=""), id_of_part(b) or b
        rows.append((Msg("serve.link.residents", building=label), Msg("serve.link.building_feed"),
                     f"{base}/feeds/building-{q}.ics"))
        if (root / "notices" / f"{b}.html").is_file():
            rows.append((Msg("serve.link.residents", building=label), Msg("serve.link.notice"), f"{base}/b/{q}"))
    return rows

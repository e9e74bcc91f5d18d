"""Load on `digonce serve` from a second process, over loopback: throughput, latency, share of 304s, errors.

The server runs as a child process (`python -m scheduler.cli serve OUT --port 0`); this process is the
client. Each of `clients` threads stands for a stream of subscribers: it opens a new connection per
request (calendar apps poll every few hours, they do not keep connections) and asks for the public
building feeds, the token-protected trade feeds, the notices and the index in turn. The `cold` phase
asks without a validator (first subscriptions: every answer a full 200) and remembers the ETags; in the
`polling` phase every request sends back the ETag seen for its URL, as a calendar app re-polling an
unchanged feed does, so every answer should be a 304 (the share measures that it is).
"""

from __future__ import annotations

import http.client
import itertools
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from scheduler.serve.tokens import TokenStore, trades_in


def paths(out: Path) -> list[str]:
    """What subscribers ask for: every building feed and notice, every trade feed with its token, the index."""
    tokens = TokenStore(out).current()
    feeds = sorted(p.name for p in (out / "feeds").glob("building-*.ics"))
    notices = sorted(p.name for p in (out / "notices").glob("*.html"))
    return ([f"/feeds/{quote(f)}" for f in feeds] + [f"/notices/{quote(n)}" for n in notices] +
            [f"/t/{tokens.trades[t]}/trade-{quote(t)}.ics" for t in trades_in(out) if t in tokens.trades] + ["/"])


def start_server(out: Path) -> tuple[subprocess.Popen, int, list[int]]:
    """The server as a child process on a free port; its log lines are counted by a reader thread."""
    proc = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "serve", str(out), "--port", "0"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    first = proc.stderr.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
    if not m:
        proc.kill()
        raise RuntimeError(f"server did not start: {first.strip()}")
    lines = [0]

    def drain() -> None:
        for _ in proc.stderr:
            lines[0] += 1
    threading.Thread(target=drain, daemon=True).start()
    return proc, int(m.group(1)), lines


def load(port: int, targets: list[str], requests: int, clients: int, etags: dict[str, str],
         conditional: bool) -> dict[str, Any]:
    """`requests` GETs from `clients` threads; latency of each, from connect to last byte. Without
    `conditional` the ETags seen are stored in `etags`; with it they are sent as If-None-Match."""
    counter = itertools.count()
    lat: list[float] = []
    codes: dict[int, int] = {}
    errors: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        while (i := next(counter)) < requests:
            path = targets[i % len(targets)]
            headers = {"If-None-Match": etags[path]} if conditional and path in etags else {}
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers=headers)
                res = conn.getresponse()
                res.read()
                conn.close()
                took = time.perf_counter() - t0
                with lock:
                    if not conditional and res.getheader("ETag"):
                        etags[path] = res.getheader("ETag")
                    lat.append(took)
                    codes[res.status] = codes.get(res.status, 0) + 1
                    if res.status not in (200, 304):
                        errors.append(f"{res.status} {path[:40]}")
            except OSError as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
    return {"phase": "polling (If-None-Match)" if conditional else "cold (no validator)", "requests": requests,
            "clients": clients, "wall_s": round(wall, 2), "rps": round(len(lat) / wall),
            "p50_ms": round(q[49] * 1000, 1), "p95_ms": round(q[94] * 1000, 1), "max_ms": round(max(lat) * 1000, 1),
            "share_304": round(codes.get(304, 0) / max(1, len(lat)), 3), "errors": len(errors),
            "first_errors": errors[:3]}


def run(out: Path, requests: int, clients: int, echo: Callable[[str], None]) -> dict[str, Any]:
    """Both phases against one server; also checks the server wrote one log line per request."""
    proc, port, lines = start_server(out)
    try:
        targets = paths(out)
        rows, etags = [], {}
        for conditional in (False, True):
            echo(f"{'polling' if conditional else 'cold'}: {requests} requests, {clients} clients, "
                 f"{len(targets)} URLs")
            rows.append(load(port, targets, requests, clients, etags, conditional))
        time.sleep(0.5)
        logged = lines[0]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    sizes = [(out / "feeds" / p.name).stat().st_size for p in (out / "feeds").glob("*.ics")]
    return {"machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine(),
                        "cores": len(os.sched_getaffinity(0))},
            "out": str(out), "urls": len(targets), "feed_kb_max": round(max(sizes, default=0) / 1024, 1),
            "rows": rows, "log_lines": logged, "requests_total": 2 * requests}


def table(result: dict[str, Any]) -> str:
    cols = [("phase", "phase"), ("requests", "requests"), ("clients", "clients"), ("rps", "req/s"),
            ("p50_ms", "p50 ms"), ("p95_ms", "p95 ms"), ("max_ms", "max ms"), ("share_304", "304 share"),
            ("errors", "errors")]
    lines = ["| " + " | ".join(h for _, h in cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[k]) for k, _ in cols) + " |" for r in result["rows"]]
    return "\n".join(lines)

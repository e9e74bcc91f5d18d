"""The status of a long search: one rewritten line on a terminal, plain lines at least every 10 s when piped,
JSON lines with --json, nothing with --quiet; the gap in words a project manager can act on."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import scheduler.cli.status as status_mod
from scheduler.cli import main
from scheduler.cli.status import Status, gap_words

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "inputs" / "tiny"
START = date(2027, 3, 1)


def test_gap_in_words():
    assert gap_words("finish", 12) == "at most 12 day(s) could still be saved"
    assert gap_words("disruption", 1234) == "at most 1,234 household-day(s) of disruption could still be saved"
    assert gap_words("open_days", 0) == "proven best"
    assert gap_words("finish", 3, "zh-CN") == "最多还能提前 3 天"


def test_line_shows_stage_of_n_the_finish_as_a_date_and_what_could_be_saved():
    st = Status("plain", 60, ["finish", "disruption", "open_days"], START, stream=io.StringIO())
    assert st.line().endswith("searching for a first schedule…")
    st("finish", 30, 27.2, 1.0)  # day 30 = 2027-03-31; the bound rounds up to day 28
    assert "stage 1/3 finish: best 2027-03-31 — at most 2 day(s) could still be saved" in st.line()
    st("disruption", 900, 850.0, 2.0)
    assert "finish 2027-03-31 · stage 2/3 disruption: best 900 — at most 50 household-day(s)" in st.line()
    lines = st.stream.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].startswith("[")  # piped: one plain line per better schedule


def test_piped_status_speaks_at_least_every_interval(monkeypatch):
    """A silent search still prints: the ticker writes a line once PLAIN_EVERY_S passes without one."""
    monkeypatch.setattr(status_mod, "TICK_S", 0.01)
    monkeypatch.setattr(status_mod, "PLAIN_EVERY_S", 0.05)
    out = io.StringIO()
    with Status("plain", 60, ["finish"], START, stream=out):
        deadline = time.time() + 30  # generous: only the event matters, not how soon it comes
        while out.getvalue().count("\n") < 2 and time.time() < deadline:
            time.sleep(0.01)
    assert out.getvalue().count("searching for a first schedule") >= 2


def test_json_and_quiet_modes():
    out = io.StringIO()
    with Status("json", 60, ["finish", "disruption"], START, stream=out) as st:
        st("finish", 21, 21.0, 0.5)
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["event"] for e in events] == ["progress", "done"]
    assert events[0] | {"elapsed": 0} == {"event": "progress", "elapsed": 0, "limit": 60, "stage": "finish",
                                          "stage_index": 1, "stages": 2, "best": 21, "best_text": "2027-03-22",
                                          "bound": 21.0, "saveable": 0}
    assert Status("quiet", 60, ["finish"], START).callback is None


def test_cli_piped_prints_stage_lines_and_gaps_in_words(tmp_path, deterministic_cli):
    r = CliRunner().invoke(main, ["solve", str(TINY), "-o", str(tmp_path / "out"), "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "stage 1/3 finish: best 2027-" in r.output
    assert "gap 0.0% (proven best)" in r.output or "could still be saved)" in r.output


def test_cli_json_result_is_one_object(tmp_path, deterministic_cli):
    r = CliRunner().invoke(main, ["solve", str(TINY), "-o", str(tmp_path / "out"), "--workers", "1", "--json"])
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["status"] in ("OPTIMAL", "FEASIBLE") and result["files"] > 0
    assert set(result["saveable"]) == {"finish", "disruption", "open_days"}


def test_status_line_in_a_pseudo_terminal(tmp_path):
    """On a terminal the line is rewritten in place (carriage return + erase line) and ends with a newline."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "solve", str(TINY), "-o", str(tmp_path / "out"),
                             "--workers", "1", "--time-limit", "120"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=secondary, cwd=REPO)
    os.close(secondary)
    chunks = []
    while True:
        ready, _, _ = select.select([primary], [], [], 1.0)
        if ready:
            try:
                data = os.read(primary, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=300)
    os.close(primary)
    text = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0, text
    final = text.split("\r\x1b[2K")[-1]  # the last redraw is the final line, closed by a newline
    assert "stage 3/3 open days" in final.split("\n")[0] and "\n" in final


@pytest.mark.parametrize("flag", ["--quiet"])
def test_quiet_prints_no_status(tmp_path, flag, deterministic_cli):
    r = CliRunner().invoke(main, ["solve", str(TINY), "-o", str(tmp_path / "out"), "--workers", "1", flag])
    assert r.exit_code == 0 and "stage 1/3" not in r.output

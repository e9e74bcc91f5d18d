"""The status of a long search (solve, replan): elapsed against the limit, stage i of n, the best finish as a
date, the gap in words ("at most 12 days could still be saved").

On a terminal it is one line rewritten in place twice a second; piped, a plain line at each better schedule
and at least every 10 seconds, so a log shows the search is alive; `--json`, one JSON object per line
(event, elapsed, stage, best, bound) for scripts; `--quiet`, nothing.
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from datetime import date, timedelta
from typing import Any, TextIO

from scheduler.cli.common import lang as run_lang
from scheduler.text import t

TICK_S = 0.5  # terminal redraw
PLAIN_EVERY_S = 10.0  # longest silence when piped


class Status:
    """A progress callback for the API plus a ticker thread; use as a context manager around the search."""

    def __init__(self, mode: str, limit: float, stages: list[str], start: date, stream: TextIO | None = None,
                 lang: str | None = None, waiting: str = "cli.status.searching"):
        """`waiting`: the catalogue key of what the line says before any stage reports (explain's search)."""
        self.mode, self.limit, self.stages, self.start, self.lang = mode, limit, stages, start, lang or run_lang()
        self.waiting = waiting
        self.stream = stream or sys.stderr
        self.t0 = time.time()
        self.last_print = self.t0
        self.stage: str | None = None
        self.best: int | None = None
        self.bound: float | None = None
        self.finish: int | None = None  # the best finish so far (day offset), shown through the later stages
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def callback(self):
        """The API's progress callback, or None when nothing is shown."""
        return None if self.mode == "quiet" else self

    def __call__(self, stage: str, best: int, bound: float, elapsed: float) -> None:
        with self._lock:
            self.stage, self.best, self.bound = stage, best, bound
            if stage == "finish":
                self.finish = best
        if self.mode == "json":
            self._write(json.dumps(self.event("progress"), ensure_ascii=False) + "\n")
        elif self.mode == "plain":
            self._write(self.line() + "\n")

    def __enter__(self) -> Status:
        if self.mode in ("tty", "plain"):
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.mode == "tty":
            self._write("\r\x1b[2K" + self.line() + "\n")
        elif self.mode == "json":
            self._write(json.dumps(self.event("done"), ensure_ascii=False) + "\n")

    def _tick(self) -> None:
        while not self._stop.wait(TICK_S):
            if self.mode == "tty":
                self._write("\r\x1b[2K" + self.line())
            elif time.time() - self.last_print >= PLAIN_EVERY_S:
                self._write(self.line() + "\n")

    def _write(self, text: str) -> None:
        with self._lock:
            self.stream.write(text)
            self.stream.flush()
            self.last_print = time.time()

    # ---------------------------------------------------------------- what is shown
    def saveable(self) -> int | None:
        """How much the best schedule could still improve by the current bound (days, household-days…)."""
        if self.best is None or self.bound is None:
            return None
        return max(0, self.best - math.ceil(self.bound - 1e-9))

    def best_text(self) -> str:
        if self.best is None:
            return ""
        return (self.start + timedelta(self.best)).isoformat() if self.stage == "finish" else f"{self.best:,}"

    def gap_text(self) -> str:
        n = self.saveable()
        return "" if n is None else gap_words(self.stage or "", n, self.lang)

    def line(self) -> str:
        elapsed = time.time() - self.t0
        clock = t("cli.status.clock", self.lang, elapsed=f"{elapsed:.0f}", limit=f"{self.limit:g}")
        if self.stage is None:
            return clock + t(self.waiting, self.lang)
        i = self.stages.index(self.stage) + 1 if self.stage in self.stages else 0
        name = t(f"cli.status.stage.{self.stage}", self.lang) if self.stage in STAGES else self.stage
        finish = "" if self.finish is None or self.stage == "finish" else t(
            "cli.status.finish", self.lang, date=(self.start + timedelta(self.finish)).isoformat())
        return clock + finish + t("cli.status.line", self.lang, i=i, n=len(self.stages), stage=name,
                                  best=self.best_text(), gap=self.gap_text())

    def event(self, kind: str) -> dict[str, Any]:
        return {"event": kind, "elapsed": round(time.time() - self.t0, 2), "limit": self.limit, "stage": self.stage,
                "stage_index": self.stages.index(self.stage) + 1 if self.stage in self.stages else None,
                "stages": len(self.stages), "best": self.best, "best_text": self.best_text() or None,
                "bound": self.bound, "saveable": self.saveable()}


STAGES = ("finish", "disruption", "open_days", "moved")


def gap_words(stage: str, saveable: int, lang: str | None = None) -> str:
    """What a gap means to a project manager: "at most 12 days could still be saved", or "proven best"."""
    lang = lang or run_lang()
    if saveable <= 0:
        return t("cli.status.proven", lang)
    key = stage if stage in ("finish", "disruption", "open_days") else "other"
    return t(f"cli.status.gap.{key}", lang, n=f"{saveable:,}")


def status(quiet: bool, as_json: bool, limit: float, stages: list[str], start: date,
           waiting: str = "cli.status.searching") -> Status:
    """The status for a command's flags: --quiet wins, then --json, then terminal or pipe."""
    mode = "quiet" if quiet else "json" if as_json else "tty" if sys.stderr.isatty() else "plain"
    return Status(mode, limit, stages, start, waiting=waiting)

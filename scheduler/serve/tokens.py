"""Secret link tokens for `digonce serve`: one per trade feed, one for the project office.

A contractor's trade feed shows every task, date and contact of that contractor: it is reached only
through `/t/<token>/trade-<trade>.ics`. The office token opens `all.ics` (every contractor's work) and
`gantt.html`. Tokens live in OUT/.serve/tokens.json (0600, never served), are created once and stay
valid until rotated, so a contractor subscribes once for the whole project. Several processes may
touch the file (a running server, `digonce serve --show-links` or `--rotate-token` beside it): writes
are atomic under a file lock, and the server rereads the file whenever it changes.
"""

from __future__ import annotations

import fcntl
import hmac
import json
import os
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from scheduler.publishing.files import write_atomic
from scheduler.publishing.release import folder_in_force
from scheduler.text import Msg

OFFICE = "office"  # the key of the project-office token; trades live apart, under "trades", so a trade
                   # called `office` has its own token and never opens (or is opened by) the office's


class TokenFileError(ValueError):
    """tokens.json exists but cannot be used; the message says how to recover."""


@dataclass(frozen=True)
class Tokens:
    """The tokens in force: trade id → token, and the office token."""

    trades: dict[str, str] = field(default_factory=dict)
    office: str = ""

    def opens_trade(self, trade: str, given: str) -> bool:
        """Whether `given` is the token of `trade` (its file-name part), compared in constant time.

        An unknown trade is compared against a fresh random token, so the answer takes the same time
        whether or not the trade exists."""
        return _same(self.trades.get(trade, ""), given)

    def opens_office(self, given: str) -> bool:
        """Whether `given` is the project office's token (never a trade's, whatever the trade is called)."""
        return _same(self.office, given)


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest((expected or secrets.token_urlsafe(24)).encode(),
                               given.encode("utf-8", "surrogateescape")) and bool(expected)


def new_token() -> str:
    """192 random bits, URL-safe: unguessable, and short enough to type from a printed sheet if need be."""
    return secrets.token_urlsafe(24)


def trades_in(out: Path) -> list[str]:
    """The trades that have a feed in the release in force (feeds/trade-<part>.ics), by file-name part."""
    feeds = folder_in_force(out) / "feeds"
    if not feeds.is_dir():
        return []
    return sorted(p.name[len("trade-"):-len(".ics")] for p in feeds.glob("trade-*.ics") if p.is_file())


class TokenStore:
    """OUT/.serve/tokens.json, read lazily and reread when another process changed it."""

    def __init__(self, out: Path) -> None:
        self.dir = out / ".serve"
        self.path = self.dir / "tokens.json"
        self._seen: tuple[int, int, int] | None = None
        self._tokens = Tokens()
        self._mutex = threading.Lock()

    def current(self) -> Tokens:
        """The tokens in force now; a file damaged while serving keeps the last good tokens in force."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return Tokens()
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._mutex:
            if key != self._seen:
                try:
                    self._tokens = self._read()
                except TokenFileError:
                    pass
                self._seen = key
            return self._tokens

    def ensure(self, trades: list[str]) -> Tokens:
        """Create the missing tokens (office, and each of `trades`); existing tokens never change."""
        with self._locked():
            tokens = self._read()
            missing = [t for t in trades if t not in tokens.trades]
            if missing or not tokens.office:
                tokens = Tokens({**tokens.trades, **{t: new_token() for t in missing}}, tokens.office or new_token())
                self._write(tokens)
            return tokens

    def rotate(self, name: str, office: bool = False) -> Tokens:
        """Replace the token of trade `name`, or the office's (`office`): the old link stops working at once."""
        with self._locked():
            tokens = self._read()
            if office:
                tokens = Tokens(tokens.trades, new_token())
            else:
                tokens = Tokens({**tokens.trades, name: new_token()}, tokens.office)
            self._write(tokens)
            return tokens

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.dir.mkdir(mode=0o700, exist_ok=True)
        with open(self.dir / "lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _read(self) -> Tokens:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Tokens()
        except (OSError, ValueError) as exc:
            raise TokenFileError(Msg("serve.tokens.unreadable", path=str(self.path), why=str(exc))) from exc
        trades = raw.get("trades") if isinstance(raw, dict) else None
        office = raw.get("office") if isinstance(raw, dict) else None
        if not isinstance(trades, dict) or not isinstance(office, str) or \
                not all(isinstance(v, str) and v for v in trades.values()):
            raise TokenFileError(Msg("serve.tokens.not_tokens", path=str(self.path),
                                     expected='{"trades": {trade: token}, "office": token}'))
        return Tokens(dict(trades), office)

    def _write(self, tokens: Tokens) -> None:
        data = json.dumps({"trades": dict(sorted(tokens.trades.items())), "office": tokens.office}, indent=1) + "\n"
        write_atomic(self.path, data, mode=0o600)
        os.chmod(self.dir, 0o700)

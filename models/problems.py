"""Input problems: one line each, naming file, place, field path, what is wrong and how to fix it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Place:
    """Where a value came from: a YAML line/column or a table row/column."""

    file: str
    line: int | None = None
    column: int | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        if self.row is not None:
            where = f"{self.file}:row {self.row}"
            return f"{where}, column {self.field}" if self.field else where
        if self.line is not None:
            return f"{self.file}:{self.line}:{self.column or 1}"
        return self.file


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (file, line or row/column, field), what, and how to fix it."""
    place: Place
    path: str
    message: str
    fix: str = ""
    warning: bool = False

    def __str__(self) -> str:
        head = f"{self.place}: {'warning: ' if self.warning else ''}{self.path}: " if self.path else f"{self.place}: "
        line = head + self.message + (f" — {self.fix}" if self.fix else "")
        return " ".join(line.splitlines())  # one problem, one line, even when a library's message has several


class InputError(Exception):
    """Raised with every problem found, so the user fixes them all in one round."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


CLOSE = 0.75  # a typo (raod, stie, lenght_m) scores 0.75 or more; a different word (asphalt/shaft) less
CLOSE_SHORT = 0.5  # ids of up to 3 characters (B9 for B1, R0 for R2) differ in one character at 0.5


def _close(name: str, choices: list[str]) -> list[str]:
    """Up to two choices close enough to be a typo of `name` (case-folded), best first; a choice that `name`
    begins (zh for zh-CN) counts too."""
    cutoff = CLOSE_SHORT if len(name) <= 3 else CLOSE
    close = difflib.get_close_matches(name, choices, n=2, cutoff=cutoff)
    prefixed = [c for c in choices if len(name) >= 2 and c.startswith(name) and c not in close]
    return (close + prefixed)[:2]


def did_you_mean(name: str, choices: Iterable[str], what: str) -> str:
    """A fix hint for an unknown id: the closest known ids, or the list of known ones."""
    choices = sorted(set(map(str, choices)))
    same = [c for c in choices if c.casefold() == str(name).strip().casefold()]
    if same:  # ids are case-sensitive: 'a1' is not 'A1', but that is surely what was meant
        return f"did you mean '{same[0]}'? (case matters)"
    by_fold = {c.casefold(): c for c in choices}
    close = [by_fold[c] for c in _close(str(name).strip().casefold(), list(by_fold))]
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    if not choices:
        return f"no {what} is defined yet; define it first"
    shown = ", ".join(choices[:12]) + (", …" if len(choices) > 12 else "")
    return f"use one of the {what} ids: {shown}"

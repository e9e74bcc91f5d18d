"""Input problems: one line each, naming file, place, field path, what is wrong and how to fix it.

A problem's message and fix are catalogue messages (`scheduler.text.Msg`, or plain text from a library):
`str(problem)` is its line in PLAIN_LANG, `problem.text(lang)` the line in the reader's language.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable

from scheduler.text import PLAIN_LANG, Msg, catalogue, t, words


@dataclass(frozen=True)
class Place:
    """Where a value came from: a YAML line/column or a table row/column."""

    file: str
    line: int | None = None
    column: int | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        return self.text(PLAIN_LANG)

    def text(self, lang: str | None) -> str:
        """`file:row 3, column kind` (第3行), `file:12:5`, or the file alone."""
        if self.row is not None:
            return t("input.place.cell" if self.field else "input.place.row", lang, file=self.file, row=self.row,
                     field=self.field)
        if self.line is not None:
            return f"{self.file}:{self.line}:{self.column or 1}"
        return self.file


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (file, line or row/column, field), what, and how to fix it."""
    place: Place
    path: str
    message: str  # a Msg, or a library's own words
    fix: str = ""
    warning: bool = False

    def __str__(self) -> str:
        return self.text(PLAIN_LANG)

    def text(self, lang: str | None) -> str:
        """The problem's one line in `lang`."""
        line = t("input.line.head", lang, place=self.place.text(lang))
        if self.path:
            line += (t("input.line.warning", lang) if self.warning else "") + t("input.line.path", lang, path=self.path)
        line += words(self.message, lang) + (t("input.line.fix", lang, fix=words(self.fix, lang)) if self.fix else "")
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


def noun(what: str) -> str:
    """The catalogue's word for a kind of thing (`input.noun.zone`), or `what` itself when it has none."""
    key = f"input.noun.{what}"
    return Msg(key) if key in catalogue(PLAIN_LANG) else what


def did_you_mean(name: str, choices: Iterable[str], what: str) -> Msg:
    """A fix hint for an unknown id: the closest known ids, or the list of known ones. `what` names the kind
    of thing (`zone`, `task`, `work_or_task`: a key of input.noun)."""
    choices = sorted(set(map(str, choices)))
    same = [c for c in choices if c.casefold() == str(name).strip().casefold()]
    if same:  # ids are case-sensitive: 'a1' is not 'A1', but that is surely what was meant
        return Msg("input.hint.case", choice=same[0])
    by_fold = {c.casefold(): c for c in choices}
    close = [by_fold[c] for c in _close(str(name).strip().casefold(), list(by_fold))]
    if close:
        return Msg("input.hint.close_two", a=close[0], b=close[1]) if len(close) > 1 else \
            Msg("input.hint.close", choice=close[0])
    if not choices:
        return Msg("input.hint.none_defined", what=noun(what))
    return Msg("input.hint.one_of_ids", what=noun(what), ids=shown_ids(choices, 12))


def close_hint(hint: str) -> bool:
    """Whether a `did_you_mean` hint names a close choice (rather than listing every id)."""
    return getattr(hint, "key", "").startswith(("input.hint.case", "input.hint.close"))


def shown_ids(ids: Iterable[str], limit: int) -> list[str]:
    """Up to `limit` ids, then `…` when there are more: a Msg value, joined with the language's list separator."""
    ids = list(ids)
    return ids[:limit] + (["…"] if len(ids) > limit else [])

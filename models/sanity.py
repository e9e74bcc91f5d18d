"""Checks of values that the schema accepts but that would break an output after the whole solve.

Run by `load_project` with the cross-checks, so `validate` and every command see them before solving:

* the time zone is one the feeds can use (an IANA name, e.g. Asia/Shanghai — there is no Asia/Beijing);
* text holds no character that a file, a spreadsheet or a calendar cannot carry: control characters (a
  vertical tab pasted from Word, NUL), U+2028/U+2029 line and paragraph separators, unpaired surrogates,
  non-characters and bidirectional overrides (which make a name read differently from what it is); ids
  and names hold no line breaks or tabs either;
* building and trade ids, which name files, differ in more than letter case (Windows and macOS folders
  do not tell B1 from b1);
* every date lies in a sane window around the project: the start in 2000–2100, everything else at most
  YEARS_BEFORE years before it and YEARS_AFTER years after it (a deadline in 9999 is a typo, and would make
  every calendar and chart reach to it).

`date_window` is the same window for what comes later: progress sheets and hand-edited ledgers.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any, Iterator

from pydantic import BaseModel

from scheduler.text import Msg

from .problems import Problem
from .project import Project
from .source import PathKey, SourceMap, path_str

YEARS_BEFORE, YEARS_AFTER = 5, 15
FIRST_START, LAST_START = date(2000, 1, 1), date(2100, 12, 31)
_BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
_NAME_KEYS = {"id", "name", "contractor", "contact", "hotline"}
_ID_SECTIONS = {("trades",), ("equipment",)}  # mappings keyed by id


def date_window(start: date) -> tuple[date, date]:
    """The dates a project starting on `start` may mention: YEARS_BEFORE years before to YEARS_AFTER after."""
    lo = _years(start, -YEARS_BEFORE)
    return lo, _years(start, YEARS_AFTER)


def _years(d: date, n: int) -> date:
    try:
        return d.replace(year=max(1, min(9999, d.year + n)))
    except ValueError:  # 29 February
        return d.replace(year=max(1, min(9999, d.year + n)), day=28)


def bad_character(text: str, line_breaks: bool = True) -> Msg | None:
    """The first character of `text` that outputs cannot carry, as `U+000B (a control character)`, or None.
    `line_breaks` allows a newline and a tab (free text), not in ids and names."""
    for c in text:
        if c in "\n\t" and line_breaks:
            continue
        cat = unicodedata.category(c)
        kind = ("control" if cat == "Cc" else "separator" if cat in ("Zl", "Zp")
                else "surrogate" if cat == "Cs" else "bidi" if ord(c) in _BIDI
                else "non_character" if cat == "Cn" and (ord(c) & 0xFFFE == 0xFFFE or 0xFDD0 <= ord(c) <= 0xFDEF)
                else "bom" if c == "\ufeff" else None)
        if kind:
            return Msg("input.sanity.character", code=f"U+{ord(c):04X}", kind=Msg(f"input.sanity.kind.{kind}"))
    return None


def sanity_problems(project: Project, data: Any, smap: SourceMap) -> list[Problem]:
    """Every problem of the kinds above, one each, pointing at the value."""
    problems = _timezone(project, smap)
    problems += _characters(data, (), smap)
    problems += _case_twins(project, smap)
    problems += _dates(project, smap)
    return problems


def _problem(smap: SourceMap, path: PathKey, message: Msg, fix: Msg) -> Problem:
    return Problem(smap.place(path), path_str(path), message, fix)


def _timezone(project: Project, smap: SourceMap) -> list[Problem]:
    from zoneinfo import ZoneInfo

    name = project.project.timezone
    try:
        ZoneInfo(name)
        return []
    except Exception:  # noqa: BLE001 — ZoneInfoNotFoundError, ValueError for paths, OSError for folders
        pass
    return [_problem(smap, ("project", "timezone"), Msg("input.sanity.timezone", name=name),
                     Msg("input.sanity.timezone_fix"))]


def _characters(data: Any, path: PathKey, smap: SourceMap) -> list[Problem]:
    out: list[Problem] = []
    for where, text, strict in _texts(data, path):
        bad = bad_character(text, line_breaks=not strict)
        if bad:
            out.append(_problem(smap, where, Msg("input.sanity.bad_character", character=bad),
                                Msg("input.sanity.bad_character_fix")))
    return out


def _texts(data: Any, path: PathKey) -> Iterator[tuple[PathKey, str, bool]]:
    """(path, text, is an id or a name) for every text in the raw project data, mapping keys included."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str):
                yield path + (key,), key, True
            if isinstance(value, str) and (key in _NAME_KEYS or path in _ID_SECTIONS):
                yield path + (key,), value, True
            else:
                yield from _texts(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _texts(value, path + (i,))
    elif isinstance(data, str):
        yield path, data, False


def _case_twins(project: Project, smap: SourceMap) -> list[Problem]:
    out: list[Problem] = []
    groups: list[tuple[str, list[tuple[PathKey, str]]]] = [  # (input.noun.<what>, ids)
        ("building", [(("site", "buildings", i, "id"), b.id) for i, b in enumerate(project.site.buildings)]),
        ("trade", [(("trades", t), t) for t in project.trades]),
    ]
    for what, ids in groups:
        seen: dict[str, str] = {}
        for path, ident in ids:
            folded = ident.casefold()
            if folded in seen and seen[folded] != ident:
                out.append(_problem(smap, path, Msg("input.sanity.case_twin", what=Msg(f"input.noun.{what}"), id=ident,
                                                    other=seen[folded]),
                                    Msg("input.sanity.case_twin_fix", example=f"{ident}-2")))
            seen.setdefault(folded, ident)
    return out


def _dates(project: Project, smap: SourceMap) -> list[Problem]:
    start = project.project.start
    if not FIRST_START <= start <= LAST_START:
        return [_problem(smap, ("project", "start"), Msg("input.sanity.start", start=start),
                         Msg("input.sanity.start_fix", first=FIRST_START.year, last=LAST_START.year))]
    lo, hi = date_window(start)
    out = []
    for path, value in _model_dates(project, ()):
        if not lo <= value <= hi:
            out.append(_problem(smap, path, Msg("input.sanity.before" if value < lo else "input.sanity.after",
                                                value=value, years=YEARS_BEFORE if value < lo else YEARS_AFTER,
                                                start=start),
                                Msg("input.sanity.window_fix", lo=lo, hi=hi)))
    return out


def _model_dates(value: Any, path: PathKey) -> Iterator[tuple[PathKey, date]]:
    if isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            yield from _model_dates(getattr(value, name), path + (field.alias or name,))
    elif isinstance(value, dict):
        for key, v in value.items():
            yield from _model_dates(v, path + (key,))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _model_dates(v, path + (i,))
    elif isinstance(value, date):
        yield path, value

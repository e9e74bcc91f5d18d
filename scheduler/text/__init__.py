"""The message catalogue: every word a resident, contractor or project manager reads, in each language.

One catalogue per language, `text/<lang>/*.yaml` (one file per area: notice, feed, gantt, explain, cli),
nested keys read as dotted names (`notice.summary.title`). Code asks `t("notice.summary.title", lang)`;
a street office changes a sentence in the YAML without touching Python, and a test keeps the two
languages' key sets equal. Values are `str.format` templates (`{date}`), or lists/maps of them.

A message that travels before it is shown (an input problem, a referee's violation) is a `Msg`: its key and
values, put into words in a language only where a person reads it (`Msg.text(lang)`, or `words(x, lang)`
for text that may be a plain string). A `Msg` is also a `str` — its text in PLAIN_LANG — so code that
only passes it on, compares it or logs it needs no change.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

LANGS = ("zh-CN", "en")
DEFAULT_LANG = "zh-CN"
PLAIN_LANG = "en"  # the text of str(Msg): exceptions, logs, tests and scripts see one stable language
_HERE = Path(__file__).parent


def normal_lang(lang: str | None) -> str:
    """`zh`, `zh_CN.UTF-8`, `EN-us` … → one of LANGS (zh-CN when unknown: residents read Chinese)."""
    code = (lang or "").split(".")[0].replace("_", "-").lower()
    if code.startswith("en"):
        return "en"
    return DEFAULT_LANG


def _flatten(tree: dict, prefix: str, out: dict[str, Any]) -> None:
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, name + ".", out)
        else:
            out[name] = value


@cache
def catalogue(lang: str) -> dict[str, Any]:
    """All messages of one language as {dotted key: value}; each area file's top key is its file name."""
    out: dict[str, Any] = {}
    for file in sorted((_HERE / normal_lang(lang)).glob("*.yaml")):
        tree = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        _flatten({file.stem: tree}, "", out)
    return out


def t(key: str, lang: str | None = DEFAULT_LANG, /, **values: Any) -> Any:
    """The message `key` in `lang`, formatted with `values` (a missing key is a bug: KeyError names it)."""
    text = catalogue(normal_lang(lang))[key]
    return text.format(**values) if values and isinstance(text, str) else text


def section(prefix: str, lang: str | None = DEFAULT_LANG) -> dict[str, Any]:
    """Every message under `prefix.` as {rest of key: value}, e.g. section("notice.kind") for a lookup table."""
    head = prefix + "."
    return {k[len(head):]: v for k, v in catalogue(normal_lang(lang)).items() if k.startswith(head)}


class Msg(str):
    """A catalogue message as data (`key`, `values`) that is also a str: its text in PLAIN_LANG.

    Values that are Msgs are put into words in the same language; lists and tuples are joined with the
    language's list separator (`common.list_sep`): `Msg("check.r7.over", zones=["R1", "R2"], …)`."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, /, **values: Any) -> Msg:
        self = super().__new__(cls, _render(key, values, PLAIN_LANG))
        self.key, self.values = key, values
        return self

    def text(self, lang: str | None) -> str:
        """The message in `lang`."""
        return _render(self.key, self.values, normal_lang(lang))

    def __reduce__(self) -> tuple:
        return _rebuild, (self.key, self.values)


class Joined:
    """Items (Msgs or text) joined with the message `sep` of each language ("; ", " and " …): a Msg value."""

    def __init__(self, items: list[Any], sep: str) -> None:
        self.items, self.sep = list(items), sep

    def text(self, lang: str | None) -> str:
        return t(self.sep, lang).join(words(item, lang) for item in self.items)

    def __str__(self) -> str:
        return self.text(PLAIN_LANG)


def _rebuild(key: str, values: dict[str, Any]) -> Msg:
    return Msg(key, **values)


def words(value: Any, lang: str | None) -> str:
    """`value` in `lang` when it is a Msg or has its own `text(lang)` (a place); a list: each item, joined;
    anything else as it is written."""
    if isinstance(value, Msg) or (not isinstance(value, str) and callable(getattr(value, "text", None))):
        return value.text(lang)
    if isinstance(value, (list, tuple)):
        return t("common.list_sep", lang).join(words(v, lang) for v in value)
    return value if isinstance(value, str) else str(value)


def _render(key: str, values: dict[str, Any], lang: str) -> str:
    shown = {k: v if isinstance(v, (int, float)) else words(v, lang) for k, v in values.items()}
    return t(key, lang, **shown)

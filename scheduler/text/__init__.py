"""The message catalogue: every word a resident, contractor or project manager reads, in each language.

One catalogue per language, `text/<lang>/*.yaml` (one file per area: notice, feed, gantt, explain, cli),
nested keys read as dotted names (`notice.summary.title`). Code asks `t("notice.summary.title", lang)`;
a street office changes a sentence in the YAML without touching Python, and a test keeps the two
languages' key sets equal. Values are `str.format` templates (`{date}`), or lists/maps of them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

LANGS = ("zh-CN", "en")
DEFAULT_LANG = "zh-CN"
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

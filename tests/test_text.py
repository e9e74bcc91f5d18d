"""The message catalogue (scheduler/text): both languages complete, every key the code asks for present,
and templates that escape what comes from the input."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import pytest

from models import load_project
from models.schedule import Disruption, OutageInfo, Schedule, ScheduledTask
from scheduler.publishing.notices import render_notices
from scheduler.text import LANGS, catalogue

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [p for p in sorted((ROOT / "scheduler").rglob("*.py")) + sorted((ROOT / "scheduler").rglob("templates/*.html"))
           + sorted((ROOT / "models").rglob("*.py"))
           if "text" not in p.relative_to(ROOT).parts]  # the catalogue's own docstrings hold made-up examples
AREAS = sorted({f.stem for f in (ROOT / "scheduler" / "text").glob("*/*.yaml")})
# a literal naming a catalogue key, as in t("notice.summary.heading"), w("feed.date", v=…), section("common.trade"),
# "notice.outage.post_by" if notice else …; file names such as "notice.html" or "release.json" are not keys
KEY_USE = re.compile(r"""(\bsection\(\s*)?["']((?:%s)\.[\w.]+)(?<!\.html)(?<!\.css)(?<!\.ics)(?<!\.json)(?<!\.yaml)["']"""
                     % "|".join(AREAS))


def placeholders(value: object) -> set[str]:
    """The `{name}` fields of a message (of each message in a list)."""
    texts = value if isinstance(value, list) else [value]
    return {name for text in texts if isinstance(text, str)
            for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys():
    zh, en = catalogue("zh-CN"), catalogue("en")
    assert set(zh) == set(en), sorted(set(zh) ^ set(en))


# Messages where a language may leave out a value the code passes (the values passed, listed here): a Chinese
# range names its month once (3月8日至9日), an English one twice; a diff names an outage by its id in English
# ("outage water"), in words in Chinese (停水).
MAY_OMIT = {"notice.date.same_month_end": {"y", "mon", "d"}, "diff.outage_label": {"type", "name"}}


@pytest.mark.parametrize("key", sorted(catalogue("zh-CN")))
def test_same_placeholders_in_both_languages(key):
    zh, en = placeholders(catalogue("zh-CN")[key]), placeholders(catalogue("en")[key])
    if key in MAY_OMIT:
        assert zh | en <= MAY_OMIT[key], key
        return
    assert zh == en, key


def test_lists_have_the_same_length_in_both_languages():
    for key, value in catalogue("zh-CN").items():
        if isinstance(value, list):
            assert len(value) == len(catalogue("en")[key]), key


def test_every_key_the_code_asks_for_exists():
    used = {(path.relative_to(ROOT), "section" if m.group(1) else "t", m.group(2))
            for path in SOURCES for m in KEY_USE.finditer(path.read_text(encoding="utf-8"))}
    assert len(used) > 50, "the pattern no longer finds the catalogue's callers"
    for lang in LANGS:
        keys = catalogue(lang)
        for path, how, key in sorted(used):
            found = key in keys if how == "t" else any(k.startswith(key + ".") for k in keys)
            assert found, f"{path}: {how}({key!r}) is not in text/{lang}"


def test_outages_have_one_name_everywhere():
    zh = catalogue("zh-CN")
    assert zh["common.outage.telecom"] == "断网" and zh["common.outage.sewer"] == "停止排水"


def sewer_schedule() -> Schedule:
    """A sewer cutover and a telecom cut at B1 of inputs/tiny."""
    d = date(2027, 3, 8)
    tasks = [ScheduledTask(id=f"{kind}:cutover", name=f"{kind} cut", kind="cutover", start=d, finish=d, days=[d],
                           hours=["09:00-15:00"], outage=OutageInfo(type=kind, serves=["B1"], hours="09:00-15:00",
                                                                      notice_days=1))
             for kind in ("sewer", "telecom")]
    dis = [Disruption(building="B1", date=d, kind="outage", hours=["09:00-15:00"], task=t.id) for t in tasks]
    return Schedule(project="tiny", input_sha256="0" * 64, tasks=tasks, disruptions=dis)


def test_notices_and_feeds_name_outages_alike():
    from datetime import datetime, timezone

    from scheduler.publishing.feeds import render_feeds
    project, _ = load_project(ROOT / "inputs" / "tiny")
    page = render_notices(sewer_schedule(), project, date(2027, 3, 1), "v1")["notices/B1.html"]
    feed = render_feeds(sewer_schedule(), project, None, datetime(2027, 3, 1, tzinfo=timezone.utc))
    ics = feed["feeds/building-B1.ics"].decode()
    for word in ("停止排水", "断网"):
        assert word in page and word in ics
    assert "sewer暂停" not in page and "通信中断" not in ics


def test_templates_escape_input_text():
    project, _ = load_project(ROOT / "inputs" / "tiny")
    p = project.model_copy(deep=True)
    p.site.buildings[0].name = "<script>alert(1)</script>"
    out = render_notices(sewer_schedule(), p, date(2027, 3, 1), "v1")
    for path in ("notices/B1.html", "notices/index.html"):
        assert "<script>" not in out[path] and "&lt;script&gt;alert(1)&lt;/script&gt;" in out[path], path

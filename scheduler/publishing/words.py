"""Words the published files share, from the message catalogue (scheduler/text).

One name per trade and per outage everywhere (notice, feed, Gantt say 断网 alike), and dates written the
way a resident reads them. Python picks the key and the values; the catalogue holds the words.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from scheduler.text import normal_lang, section, t


def outage_name(kind: str, lang: str) -> str:
    """停水, 断网 …; an outage type the catalogue does not know reads "<type>停用"."""
    return section("common.outage", lang).get(kind) or t("common.outage_other", lang, type=kind)


def trade_name(trade: str, lang: str) -> str | None:
    """The catalogue's name of a well-known trade id (给水 for water) to show beside the id; None for any
    other trade, and where the name would only repeat the id (paving in English)."""
    name = section("common.trade", lang).get(trade)
    return name if name and name.casefold() != trade.casefold() else None


def capfirst(text: str) -> str:
    """The first letter upper case (a summary or a chip starts a sentence); Chinese is unchanged."""
    return text[:1].upper() + text[1:]


def runs(days: Iterable[date], gap: int = 1) -> list[list[date]]:
    """Sorted distinct days cut into runs whose neighbours are at most `gap` calendar days apart."""
    out: list[list[date]] = []
    for d in sorted(set(days)):
        if out and (d - out[-1][-1]).days <= gap:
            out[-1].append(d)
        else:
            out.append([d])
    return out


class Words:
    """One language's words for a page, with dates relative to the issue date (a year only when it differs)."""

    def __init__(self, lang: str, issued: date):
        self.lang = normal_lang(lang)
        self.issued = issued

    def __call__(self, key: str, /, **values: Any) -> Any:
        return t(key, self.lang, **values)

    def section(self, prefix: str) -> dict[str, Any]:
        return section(prefix, self.lang)

    def date(self, d: date, wd: bool = False, year: bool | None = None, key: str | None = None) -> str:
        """3月8日, 2027年3月8日, 3月8日（周一); `key` picks another pattern of notice.date (same_month_end)."""
        if year is None:
            year = d.year != self.issued.year
        parts = {"y": d.year, "mon": self("notice.date.months")[d.month - 1], "d": d.day}
        text = self(key or ("notice.date.day_year" if year else "notice.date.day"), **parts)
        if not wd:
            return text
        return self("notice.date.weekday", date=text, wd=self("common.weekdays")[d.weekday()])

    def span(self, a: date, b: date, wd: bool = False) -> str:
        """One day, or a range of days (a range within one month names its month once where the language does)."""
        if a == b:
            return self.date(a, wd)
        same = (a.year, a.month) == (b.year, b.month)
        end = self.date(b, wd, key="notice.date.same_month_end" if same else None)
        return self("notice.date.range", a=self.date(a, wd), b=end)

    def when(self, a: date, b: date) -> str:
        """A run in a summary line: a single day with its weekday, a range without."""
        return self.span(a, b, wd=a == b)

    def month(self, y: int, m: int) -> str:
        return self("notice.date.month", y=y, month=self("notice.date.months_long")[m - 1])

    def count(self, n: int) -> str:
        return self("notice.date.one_day" if n == 1 else "notice.date.days", n=n)

    def days(self, days: Iterable[date], wd: bool = True) -> str:
        """A list of days, consecutive calendar days written as ranges."""
        return self.join(self.span(r[0], r[-1], wd) for r in runs(days))

    def join(self, items: Iterable[str]) -> str:
        return self("common.list_sep").join(items)

    def clauses(self, items: Iterable[str]) -> str:
        return self("common.clause_sep").join(items)

    def outage(self, kind: str) -> str:
        """The outage's name, as notices, feeds and the Gantt say it."""
        return outage_name(kind, self.lang)

    def names(self, names: list[str], limit: int = 3) -> str:
        """The first `limit` names, and how many there are in all when there are more."""
        text = self.join(names[:limit])
        if len(names) > limit:
            text += self("notice.noise.and_more", total=len(names))
        return text

"""What moved between two schedules, and who must be told (`digonce diff A.json B.json`).

Contractors are told per trade (their tasks' old → new dates); residents per building: the days on
which their building is disrupted (noise, a blocked door, an outage — the `disruptions` of
schedule.json) that appear or disappear, and the outages serving them that moved. `replan` reuses
`diff(a, b)` to count changed announced days.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Literal

from pydantic import BaseModel

from models.schedule import Schedule, ScheduledTask

from scheduler.text import PLAIN_LANG, section, t


class Change(BaseModel):
    task: str
    name: str = ""
    trade: str | None = None
    status: Literal["moved", "added", "removed"]
    old_start: date | None = None
    old_finish: date | None = None
    new_start: date | None = None
    new_finish: date | None = None
    shift_days: int | None = None  # calendar days the start moved (+ later, - earlier)
    outage: str | None = None  # the outage type when the task is a cutover


class BuildingChange(BaseModel):
    building: str
    days_added: list[date] = []  # disrupted days that are new (any kind)
    days_removed: list[date] = []  # disrupted days that are no longer disrupted
    changes: list[Change] = []  # tasks whose disruption of this building moved
    outages: list[Change] = []  # the outages serving it that moved, were added or removed


class TradeChange(BaseModel):
    trade: str
    changes: list[Change]


class Diff(BaseModel):
    """What moved between two schedules: per task, per trade to tell, per building to tell."""
    a: str  # project id of A
    b: str
    unchanged: int
    changes: list[Change]
    by_trade: list[TradeChange]
    by_building: list[BuildingChange]

    @property
    def announced_days_changed(self) -> int:
        """Building-days whose disruption status changed: what residents were told that no longer holds."""
        return sum(len(bc.days_added) + len(bc.days_removed) for bc in self.by_building)


def _change(a: ScheduledTask | None, b: ScheduledTask | None) -> Change:
    s = b or a
    base = {"task": s.id, "name": s.name, "trade": s.trade, "outage": s.outage.type if s.outage else None}
    if a is None:
        return Change(**base, status="added", new_start=b.start, new_finish=b.finish)
    if b is None:
        return Change(**base, status="removed", old_start=a.start, old_finish=a.finish)
    return Change(**base, status="moved", old_start=a.start, old_finish=a.finish, new_start=b.start,
                  new_finish=b.finish, shift_days=(b.start - a.start).days)


def _disrupted(s: Schedule) -> dict[str, dict[tuple[date, str, str | None], None]]:
    out: dict[str, dict] = defaultdict(dict)
    for d in s.disruptions:
        out[d.building][(d.date, d.kind, d.task)] = None
    return out


def diff(a: Schedule, b: Schedule) -> Diff:
    """A → B: every task that moved (start, finish or working days), was added or was removed."""
    ta, tb = {t.id: t for t in a.tasks}, {t.id: t for t in b.tasks}
    order = list(ta) + [t for t in tb if t not in ta]
    changes = []
    for tid in order:
        x, y = ta.get(tid), tb.get(tid)
        if x is None or y is None or (x.start, x.finish, x.days) != (y.start, y.finish, y.days):
            changes.append(_change(x, y))
    by_id = {c.task: c for c in changes}
    trades: dict[str, list[Change]] = defaultdict(list)
    for c in changes:
        trades[c.trade or "-"].append(c)
    da, db = _disrupted(a), _disrupted(b)
    buildings = []
    for bid in sorted(set(da) | set(db)):
        old, new = da.get(bid, {}), db.get(bid, {})
        old_days, new_days = {k[0] for k in old}, {k[0] for k in new}
        moved_tasks = sorted({k[2] for k in set(old) ^ set(new) if k[2] in by_id}, key=order.index)
        served = {t.id for t in (*a.tasks, *b.tasks) if t.outage and bid in t.outage.serves}
        outages = [by_id[t] for t in order if t in served and t in by_id]
        if old_days != new_days or moved_tasks or outages:
            buildings.append(BuildingChange(
                building=bid, days_added=sorted(new_days - old_days), days_removed=sorted(old_days - new_days),
                changes=[by_id[t] for t in moved_tasks], outages=outages))
    return Diff(a=a.project, b=b.project, unchanged=len(order) - len(changes), changes=changes,
                by_trade=[TradeChange(trade=t, changes=cs) for t, cs in sorted(trades.items())],
                by_building=buildings)


def _when(start: date | None, finish: date | None) -> str:
    if start is None:
        return "—"
    return f"{start}" if start == finish else f"{start}..{finish}"


def _line(c: Change, lang: str) -> str:
    shift = t("diff.shift", lang, days=f"{c.shift_days:+d}") if c.shift_days else ""
    what = t(f"diff.{c.status}", lang) if c.status != "moved" else ""
    return t("diff.task", lang, task=c.task, old=_when(c.old_start, c.old_finish), new=_when(c.new_start, c.new_finish),
             shift=shift, what=what)


def _outage(c: Change, lang: str) -> str:
    name = section("common.outage", lang).get(c.outage) or t("common.outage_other", lang, type=c.outage)
    label = t("diff.outage_label", lang, type=c.outage, name=name)
    return t("diff.outage", lang, outage=label, task=c.task, old=_when(c.old_start, c.old_finish),
             new=_when(c.new_start, c.new_finish))


def render(d: Diff, lang: str = PLAIN_LANG) -> str:
    """The diff as text in `lang`: contractors to tell (per trade), then residents to tell (per building)."""
    if not d.changes:
        return t("diff.none", lang, unchanged=d.unchanged)
    lines = [t("diff.head", lang, changed=len(d.changes), unchanged=d.unchanged), "", t("diff.contractors", lang)]
    for tc in d.by_trade:
        lines.append(t("diff.trade", lang, trade=tc.trade, count=len(tc.changes)))
        lines += [_line(c, lang) for c in tc.changes]
    lines += ["", t("diff.residents", lang)]
    if not d.by_building:
        lines.append(t("diff.no_building", lang))
    for bc in d.by_building:
        days = []
        if bc.days_added:
            days.append(t("diff.days_added", lang, count=len(bc.days_added), first=bc.days_added[0]))
        if bc.days_removed:
            days.append(t("diff.days_removed", lang, count=len(bc.days_removed), first=bc.days_removed[0]))
        lines.append(t("diff.building", lang, building=bc.building,
                       days=t("common.clause_sep", lang).join(days) or t("diff.same_days", lang)))
        lines += [_outage(c, lang) for c in bc.outages]
        lines += [_line(c, lang) for c in bc.changes if c.outage is None]
    return "\n".join(lines)

"""The shared pools of a programme: who uses how much of each on which day, and whether it fits.

A pool is a shared trade's crews or a kind of shared machine: `("trade", "gas")`, `("equipment", "crane")`.
A task of the trade takes one crew on each of its working days, a machine one unit (SPEC §5 R2). This module
counts that from schedules, independently of the solver, so the same count serves the coordination (what a
compound holds, what is left) and the referee (`programme check`: no pool exceeded on any day).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from models.schedule import Schedule

from scheduler.api import Task
from scheduler.planning import rules
from scheduler.planning.compile import Reserved
from scheduler.text import t

Pool = tuple[str, str]  # ("trade", id) | ("equipment", id)
Usage = dict[Pool, dict[date, int]]  # pool → date → units in use


def pool_name(pool: Pool) -> str:
    return pool[1] if pool[0] == "trade" else f"{pool[1]} ({pool[0]})"


def usage(schedule: Schedule, pools: dict[Pool, int], tasks: list[Task] | None = None) -> Usage:
    """Units of each pool the schedule uses per day (machines per task from the expanded `tasks` if given)."""
    units = {t.id: t.equipment for t in tasks or []}
    out: Usage = {p: defaultdict(int) for p in pools}
    for t in schedule.tasks:
        days = t.days or []
        if t.trade and ("trade", t.trade) in pools:
            for d in days:
                out[("trade", t.trade)][d] += 1
        for m in t.equipment:
            if ("equipment", m) in pools:
                n = units.get(t.id, {}).get(m, 1)
                for d in days:
                    out[("equipment", m)][d] += n
    return {p: dict(v) for p, v in out.items()}


def total(usages: list[Usage]) -> Usage:
    out: dict[Pool, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for u in usages:
        for pool, days in u.items():
            for d, n in days.items():
                out[pool][d] += n
    return {p: dict(v) for p, v in out.items()}


def fits(extra: Usage, held: Usage, pools: dict[Pool, int]) -> bool:
    """Whether `extra` fits beside `held` in every pool on every day."""
    for pool, days in extra.items():
        base = held.get(pool, {})
        cap = pools[pool]
        if any(n + base.get(d, 0) > cap for d, n in days.items() if n):
            return False
    return True


def overloaded(extra: Usage, held: Usage, pools: dict[Pool, int]) -> dict[Pool, set[date]]:
    """The days on which `extra` beside `held` exceeds each pool."""
    out: dict[Pool, set[date]] = {}
    for pool, days in extra.items():
        base = held.get(pool, {})
        bad = {d for d, n in days.items() if n and n + base.get(d, 0) > pools[pool]}
        if bad:
            out[pool] = bad
    return out


def reserved(held: Usage) -> Reserved:
    """Held capacity as the planner's `reserved` argument (keyed by the R2 rule groups)."""
    out: Reserved = {}
    for (kind, name), days in held.items():
        group = rules.crews(name) if kind == "trade" else rules.machine(name)
        out[group] = {d: n for d, n in days.items() if n > 0}
    return out


@dataclass(frozen=True)
class PoolViolation:
    """A day on which the compounds together use more of a pool than it has."""
    pool: Pool
    day: date
    used: int
    capacity: int
    compounds: tuple[str, ...]  # who uses it that day

    def text(self, lang: str = "en") -> str:
        return t("programme.check.pool", lang, pool=pool_name(self.pool), day=self.day, used=self.used,
                 capacity=self.capacity, compounds=", ".join(self.compounds))

    def __str__(self) -> str:
        return self.text()


def check_pools(usages: dict[str, Usage], pools: dict[Pool, int]) -> list[PoolViolation]:
    """Every (pool, day) over capacity, with the compounds using it that day."""
    out = []
    whole = total(list(usages.values()))
    for pool in sorted(pools):
        for day in sorted(whole.get(pool, {})):
            used = whole[pool][day]
            if used > pools[pool]:
                who = tuple(sorted(c for c, u in usages.items() if u.get(pool, {}).get(day)))
                out.append(PoolViolation(pool, day, used, pools[pool], who))
    return out

"""Coordinating per-compound solves through the shared pools (SPEC §9); the method is docs/programme.md.

State: each compound has a committed schedule, and the committed schedules together never exceed a pool
on any day (checked with `pools.fits` before every commit — the invariant that makes every programme this
module hands out valid). Rounds:

0. **alone** — every compound in parallel with the whole pools: its best schedule ("wish") and a lower
   bound of its finish.
1. **first valid** — sequential greedy in priority order (latest weighted finish first): a compound whose
   latest schedule fits what is committed is committed; one that does not is re-solved against exactly
   what is committed (`reserved`), so it fits by construction. Re-solves of the next compounds run
   speculatively in parallel against the state they see; a stale one is simply solved again.
2. **repair** — the critical compound (latest weighted finish) gets a wish: solved with a deadline that beats
   the programme finish against all that others hold, then against the compounds with little slack only,
   then against nothing. The compounds whose capacity the wish takes ("donors") are re-planned in parallel,
   each against an exclusive grant (what it held where the wish leaves room, plus the free units nearest
   its own use) and a deadline that keeps it ahead of the programme finish — valid together by
   construction; a donor that misses its grant is re-solved against exactly what is then committed. All
   placed: kept. One not: everything put back, the next wish is tried.
3. **polish** — every compound in parallel against its own grant, deadline the programme finish,
   objectives disruption then open days: kept where better.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Callable

from models.programme import Compound, LoadedProgramme

from scheduler import api
from scheduler.programme import pools as P
from scheduler.programme.engine import Engine, Pending
from scheduler.programme.jobs import Job, Outcome

OK = ("OPTIMAL", "FEASIBLE")
HORIZON_SLACK = 1.25  # a re-solve's horizon: the last held day + its alone length × this + a month
ESSENTIAL = ("alone", "commit")  # purposes of the rounds a valid programme needs
MIN_LEFT = 5.0  # seconds: less than this left and no new round starts
SLACK_SHARE = 4  # a compound finishing more than 1/SLACK_SHARE of the programme finish early may give way


@dataclass
class Settings:
    time_limit: float = 600.0  # wall-clock seconds for the whole run
    sub_time: float = 60.0  # wall-clock seconds per sub-problem
    sub_det: float | None = None  # CP-SAT deterministic time per sub-problem (None: none)
    seed: int = 0
    max_rounds: int | None = None  # repair rounds (None: until nothing gains or time runs out)
    polish: bool = True
    lookahead: int | None = None  # speculative re-solves in flight while committing (None: workers − 1)


@dataclass
class Event:
    """Progress: what happened, compounds committed, the programme finish so far, each pool's peak use."""
    phase: str
    done: int
    total: int
    finish: date | None
    peak: dict[P.Pool, tuple[int, int]]  # pool → (peak units in use on one day, capacity)
    elapsed: float
    note: str = ""


@dataclass
class Round:
    phase: str
    wall_s: float
    solves: int
    objective: int | None  # weighted programme finish after it (days from the programme start)
    accepted: bool = True
    job_s: list[float] = field(default_factory=list)  # wall seconds of each sub-problem solved in it


@dataclass
class Result:
    status: str  # OK, INFEASIBLE (a compound has no schedule within its rules and the pools), UNKNOWN (time)
    outcomes: dict[str, Outcome]
    usages: dict[str, P.Usage]
    lower_bounds: dict[str, date | None]
    failed: dict[str, str] = field(default_factory=dict)  # compound → why
    rounds: list[Round] = field(default_factory=list)
    first_valid_s: float | None = None
    wall_s: float = 0.0
    solves: int = 0
    peak_mb: float = 0.0  # the largest worker process seen
    alone: dict[str, Outcome] = field(default_factory=dict)  # round 0: each compound with the whole pools


class Coordinator:
    def __init__(self, prog: LoadedProgramme, engine: Engine, settings: Settings,
                 on_event: Callable[[Event], None] | None = None):
        self.prog, self.engine, self.s, self.on_event = prog, engine, settings, on_event
        self.pools = prog.pools
        self.by_id: dict[str, Compound] = {c.id: c for c in prog.compounds}
        self.tasks = {c.id: api.expand(c.project) for c in prog.compounds}
        self.committed: dict[str, Outcome] = {}
        self.usage: dict[str, P.Usage] = {}
        self.alone: dict[str, Outcome] = {}
        self.failed: dict[str, str] = {}
        self.stuck: set[str] = set()
        self.rounds: list[Round] = []
        self.solves = 0
        self.job_s: list[float] = []  # of the round under way
        self.peak_mb = 0.0
        self.t0 = time.time()

    # ---------- figures ----------
    def wf(self, cid: str, finish: date | None = None) -> int:
        """Weighted finish: weight × days from the programme start to the compound's last working day."""
        if finish is None:
            finish = max(t.finish for t in self.committed[cid].schedule.tasks)
        return self.by_id[cid].weight * ((finish - self.prog.info.start).days + 1)

    def objective(self) -> int | None:
        return max((self.wf(c) for c in self.committed), default=None)

    def held(self, without: set[str] = frozenset()) -> P.Usage:
        return P.total([u for c, u in self.usage.items() if c not in without])

    def use(self, out: Outcome) -> P.Usage:
        return P.usage(out.schedule, self.pools, self.tasks[out.compound])

    def elapsed(self) -> float:
        return time.time() - self.t0

    def left(self) -> float:
        return self.s.time_limit - self.elapsed()

    def emit(self, phase: str, note: str = "") -> None:
        if self.on_event is None:
            return
        whole = self.held()
        peak = {p: (max(whole.get(p, {}).values(), default=0), cap) for p, cap in self.pools.items()}
        last = max((max(t.finish for t in o.schedule.tasks) for o in self.committed.values()), default=None)
        self.on_event(Event(phase, len(self.committed), len(self.prog.compounds), last, peak, self.elapsed(), note))

    # ---------- jobs ----------
    def job(self, cid: str, purpose: str, held: P.Usage | None = None, deadline: date | None = None,
            objective: list[str] | None = None, end: date | None = None) -> Job:
        """A sub-problem of compound `cid` against `held` (with `end`: a grant's complement up to that day)."""
        c = self.by_id[cid]
        if end is None and held and c.project.project.deadline is None and deadline is None:
            last_held = max((d for days in held.values() for d in days), default=c.project.project.start)
            alone = self.alone[cid].schedule
            length = (max(t.finish for t in alone.tasks) - c.project.project.start).days + 1
            end = max(last_held, c.project.project.start) + timedelta(days=math.ceil(length * HORIZON_SLACK) + 30)
        # the rounds that make the programme valid take their full budget even past the time limit
        limit = self.s.sub_time if purpose in ESSENTIAL else max(1.0, min(self.s.sub_time, self.left()))
        return Job(cid, c.project, P.reserved(held or {}), end, deadline, objective, limit, self.s.sub_det,
                   self.s.seed, purpose)

    def submit(self, job: Job) -> Pending:
        self.solves += 1
        return self.engine.submit(job)

    def result(self, pending: Pending) -> Outcome:
        out = self.engine.result(pending)
        self.peak_mb = max(self.peak_mb, out.peak_mb)
        self.job_s.append(out.wall_s)
        return out

    def run_all(self, jobs: list[Job]) -> list[Outcome]:
        pending = [self.submit(j) for j in jobs]
        return [self.result(p) for p in pending]

    def commit(self, out: Outcome) -> None:
        u = self.use(out)
        if not P.fits(u, self.held({out.compound}), self.pools):  # never: every path checks or grants first
            raise AssertionError(f"{out.compound}: a schedule that overbooks a shared pool was about to be committed")
        self.committed[out.compound] = out
        self.usage[out.compound] = u

    def record(self, phase: str, t0: float, solves: int, accepted: bool = True) -> None:
        self.rounds.append(Round(phase, time.time() - t0, self.solves - solves, self.objective(), accepted, self.job_s))
        self.job_s = []
        self.emit(phase, "" if accepted else "no gain")

    # ---------- the run ----------
    def run(self) -> Result:
        self.alone_round()
        if not self.failed:
            self.first_valid()
        first = self.elapsed() if not self.failed else None
        repairs = 0
        while not self.failed and self.left() > MIN_LEFT and (self.s.max_rounds is None or repairs < self.s.max_rounds):
            if not self.repair():
                break
            repairs += 1
        if not self.failed and self.s.polish and self.left() > MIN_LEFT:
            self.polish()
        status = "OK" if not self.failed else (
            "UNKNOWN" if all(r in ("time", "error") for r in self.failed.values()) else "INFEASIBLE")
        bounds = {c: o.finish_bound for c, o in self.alone.items()}
        return Result(status, dict(self.committed), dict(self.usage), bounds, dict(self.failed), self.rounds, first,
                      self.elapsed(), self.solves, self.peak_mb, dict(self.alone))

    def alone_round(self) -> None:
        """Round 0: every compound with the whole pools; one that found nothing in time gets a second try
        with twice the budget."""
        t0, n = time.time(), self.solves
        jobs = [self.job(c.id, "alone") for c in self.prog.compounds]
        for out in self.run_all(jobs):
            self.alone[out.compound] = out
        again = [replace(j, time_limit=2 * j.time_limit,
                         deterministic_limit=j.deterministic_limit and 2 * j.deterministic_limit)
                 for j in jobs if self.alone[j.compound].status in ("UNKNOWN", "ERROR")]
        for out in self.run_all(again):
            self.alone[out.compound] = out
        for cid, out in self.alone.items():
            if out.status not in OK:
                self.failed[cid] = _reason(out.status)
        self.record("alone", t0, n)

    def priority(self) -> list[str]:
        """Latest weighted finish alone first: the compounds that decide the programme finish choose first."""
        return sorted(self.alone, key=lambda c: (-self.wf(c, max(t.finish for t in self.alone[c].schedule.tasks)), c))

    def first_valid(self) -> None:
        """Round 1: sequential greedy in priority order (see `sequential`); valid by construction."""
        t0, n = time.time(), self.solves
        self.sequential(self.priority())
        self.record("first valid", t0, n)

    def sequential(self, order: list[str]) -> None:
        """Commit in order, each re-solved against exactly what is committed (so it fits); re-solves of the
        next ones run speculatively in parallel and are kept when they still fit."""
        latest: dict[str, Outcome | Pending] = {c: self.alone[c] for c in order}
        ahead = self.s.lookahead if self.s.lookahead is not None else self.engine.workers - 1  # a slot for the head
        for i, cid in enumerate(order):
            self.speculate(order[i + 1: i + 1 + ahead], latest)
            out = latest[cid] if isinstance(latest[cid], Outcome) else self.result(latest[cid])
            if out.status not in OK or not P.fits(self.use(out), self.held(), self.pools):
                out = self.exact(cid)
            if out.status not in OK and not (out.status == "INFEASIBLE" and self.try_bump(cid, self.alone[cid], None)[0]):
                self.failed[cid] = "pools" if out.status == "INFEASIBLE" else _reason(out.status)
                return
            if cid not in self.committed:
                self.commit(out)
            self.emit("first valid", cid)

    def exact(self, cid: str) -> Outcome:
        """`cid` re-solved against exactly what is committed (so it fits); once more with twice the budget
        when the first try found nothing in time."""
        job = self.job(cid, "commit", self.held())
        out = self.result(self.submit(job))
        if out.status in ("UNKNOWN", "ERROR"):
            out = self.result(self.submit(replace(job, time_limit=2 * job.time_limit, deterministic_limit=(
                job.deterministic_limit and 2 * job.deterministic_limit))))
        return out

    def speculate(self, upcoming: list[str], latest: dict[str, Outcome | Pending]) -> None:
        """Start re-solves for upcoming compounds whose latest schedule no longer fits what is committed."""
        held = self.held()
        for cid in upcoming:
            cur = latest[cid]
            if isinstance(cur, Pending):
                if not cur.future.done():
                    continue
                cur = latest[cid] = self.result(cur)
            if cur.status in OK and P.fits(self.use(cur), held, self.pools):
                continue
            latest[cid] = self.submit(self.job(cid, "commit", held))

    # ---------- repair ----------
    def critical(self) -> list[str]:
        z = self.objective()
        return sorted(c for c in self.committed if self.wf(c) == z)

    def target(self, cid: str, z: int) -> date:
        """The last finish day that keeps compound `cid`'s weighted finish below z."""
        days = (z - 1) // self.by_id[cid].weight
        return self.prog.info.start + timedelta(days=days - 1)

    def repair(self) -> bool:
        """One repair round on the critical compound; False when it cannot gain (the loop ends).

        Its wish is solved with the deadline that beats the programme finish against less and less of what
        others hold — all of it (is there room now?), the part of compounds with little slack, nothing —
        and the first wish whose donors can all move is committed."""
        crit = self.critical()
        if any(c in self.stuck for c in crit):
            return False
        cid, z = crit[0], self.objective()
        bound = self.alone[cid].finish_bound
        if bound is not None and self.wf(cid, bound) >= z:
            self.stuck.add(cid)  # at its own lower bound: the pools are not what holds it
            return False
        t0, n = time.time(), self.solves
        others = sorted(c for c in self.committed if c != cid)
        tight = {c for c in others if z - self.wf(c) < z // SLACK_SHARE}
        tried: set[frozenset[str]] = set()
        for keep in (set(others), tight, set()):
            if frozenset(keep) in tried or self.left() <= 0:
                continue
            tried.add(frozenset(keep))
            held = P.total([self.usage[c] for c in keep])
            wish = self.result(self.submit(self.job(cid, "wish", held, deadline=self.target(cid, z))))
            if wish.status in OK and self.try_bump(cid, wish, z)[0]:
                self.record("repair", t0, n)
                return True
        self.stuck.add(cid)
        self.record("repair", t0, n, accepted=False)
        return False

    def try_bump(self, cid: str, wish: Outcome, z: int | None) -> tuple[bool, set[str]]:
        """Commit `wish` for `cid`; the compounds whose capacity it takes ("donors") are re-planned in parallel
        within exclusive grants, and those that do not fit their grant one by one against exactly what is
        then committed. All placed (each before its target, when `z` is given): kept. Otherwise everything is
        put back. Returns (done, the donors that could not be placed)."""
        others = {c for c in self.committed if c != cid}
        over = P.overloaded(self.use(wish), self.held({cid}), self.pools)
        donors = sorted((c for c in others if any(self.usage[c].get(p, {}).keys() & days for p, days in over.items())),
                        key=self.priority().index)
        saved = dict(self.committed), dict(self.usage)
        old = {d: self.usage[d] for d in donors}
        for c in [cid, *donors]:
            self.committed.pop(c, None)
            self.usage.pop(c, None)
        self.commit(wish)
        if donors:
            grants, end = self.grants(donors, self.held(), old)
            outs = self.run_all([self.job(d, "donor", self.complement(grants[d], end), self.target(d, z) if z else None,
                                          end=end) for d in donors])
            for out in outs:
                if out.status in OK:
                    self.commit(out)
        for d in (d for d in donors if d not in self.committed):
            out = self.result(self.submit(self.job(d, "donor", self.held(), self.target(d, z) if z else None)))
            if out.status not in OK:
                self.committed, self.usage = saved
                return False, {d}
            self.commit(out)
        return True, set()

    def complement(self, grant: P.Usage, end: date) -> P.Usage:
        """What a compound may not use: each pool's capacity minus its grant, every day up to `end` (the
        horizon its job gets: a grant is all it may use)."""
        first = self.prog.info.start
        span = [first + timedelta(n) for n in range((end - first).days + 1)]
        return {p: {d: cap - grant.get(p, {}).get(d, 0) for d in span} for p, cap in self.pools.items()}

    # long: one pass over pools and days that hands out free capacity; splitting it would only pass the state around
    def grants(self, members: list[str], base: P.Usage,
               own: dict[str, P.Usage] | None = None) -> tuple[dict[str, P.Usage], date]:
        """Disjoint grants for compounds re-planned together: each keeps what it held where `base` leaves room
        (members in priority order), and each unit still free goes to the member that used that pool on the
        nearest day (round robin among equals), up to the last day any member may need (returned too).
        `own`: what each member holds now (default: its committed use)."""
        own = own if own is not None else {m: self.usage.get(m, {}) for m in members}
        out: dict[str, P.Usage] = {m: {p: {} for p in self.pools} for m in members}
        rank = {c: i for i, c in enumerate(self.priority())}
        members = sorted(members, key=lambda c: rank.get(c, 0))
        horizon = self._grant_horizon(members, own)
        start = self.prog.info.start
        for p, cap in self.pools.items():
            days_used = {m: sorted(own[m].get(p, {})) for m in members}
            for n in range((horizon - start).days + 1):
                d = start + timedelta(n)
                free = cap - base.get(p, {}).get(d, 0)
                for m in members:
                    keep = min(free, own[m].get(p, {}).get(d, 0))
                    if keep:
                        out[m][p][d] = keep
                        free -= keep
                if free <= 0:
                    continue
                near = sorted(members, key=lambda m: (_distance(days_used[m], d), rank.get(m, 0)))
                k = 0
                while free > 0:
                    m = near[k % len(near)]
                    out[m][p][d] = out[m][p].get(d, 0) + 1
                    free -= 1
                    k += 1
        return out, horizon

    def _grant_horizon(self, members: list[str], own: dict[str, P.Usage]) -> date:
        """The last day a grant needs to cover: past each member's finish or last held day by its alone length
        (with slack), so that it can always move later within its grant."""
        last = self.prog.info.start
        for m in members:
            alone = self.alone[m].schedule
            length = (max(t.finish for t in alone.tasks) - self.by_id[m].project.project.start).days + 1
            cur = max(t.finish for t in self.committed[m].schedule.tasks) if m in self.committed else last
            cur = max([cur] + [d for days in own[m].values() for d in days])
            last = max(last, cur + timedelta(days=math.ceil(length * HORIZON_SLACK) + 30))
        return last

    # ---------- polish ----------
    def polish(self) -> None:
        """Every compound at once within its grant: less disruption, fewer open days, the finish target kept."""
        t0, n, z = time.time(), self.solves, self.objective()
        members = sorted(self.committed)
        grants, end = self.grants(members, {})
        jobs = [self.job(c, "polish", self.complement(grants[c], end), self.target(c, z + 1),
                         ["disruption", "open_days", "finish"], end=end) for c in members]
        gained = 0
        for out in self.run_all(jobs):
            if out.status in OK and _gentler(out, self.committed[out.compound]):
                self.usage.pop(out.compound)
                self.committed.pop(out.compound)
                self.commit(out)
                gained += 1
        self.record("polish", t0, n, accepted=gained > 0)


def _finish(out: Outcome) -> date:
    return max(t.finish for t in out.schedule.tasks)


def _distance(days: list[date], d: date) -> int:
    """Calendar days from `d` to the span of `days` (0 inside it; far away when there are none)."""
    if not days:
        return 10 ** 6
    if days[0] <= d <= days[-1]:
        return 0
    return min(abs((days[0] - d).days), abs((d - days[-1]).days))


def _gentler(new: Outcome, old: Outcome) -> bool:
    def key(o: Outcome) -> tuple[int, int]:
        obj = o.schedule.solver.objective if o.schedule.solver else {}
        return int(obj.get("disruption", 0)), int(obj.get("open_days", 0))
    return key(new) < key(old)


def _reason(status: str) -> str:
    return {"INFEASIBLE": "rules", "UNKNOWN": "time"}.get(status, "error")


def solve_programme(prog: LoadedProgramme, engine: Engine, settings: Settings,
                    on_event: Callable[[Event], None] | None = None) -> Result:
    """Coordinate the compounds' solves on `engine` (see the module doc); the result is valid when OK."""
    return Coordinator(prog, engine, settings, on_event).run()

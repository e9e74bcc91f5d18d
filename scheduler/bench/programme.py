"""`digonce bench programme`: the decomposition measured in one run (docs/benchmarks.md, docs/programme.md).

1. quality — a district of 3 compounds: the decomposition against one monolithic CP-SAT model of the same
   programme (`programme.monolith`), same machine, same wall-clock budget;
2. scale — districts of 20 and 50 compounds: time to the first valid programme, the final programme
   finish against the two simple alternatives, peak memory of the coordinator and of a worker;
3. speed-up — the 20-compound district's alone and first-valid rounds with 1 and with 2 local workers,
   deterministic budgets per sub-problem so that both do the same work;
4. projection — from the measured per-compound solve times, how a run would grow on 8 and 32 workers.

The two simple alternatives, computed from the same compounds:
* one after another — each compound starts when the previous one has finished (its alone duration end to
  end, heaviest weight first): no sharing at all;
* fixed share — each pool's units dedicated to fixed groups of compounds, one unit of every pool per
  compound, and a unit serves its compounds one after another (the hand split a street office makes).
  Solved as real sub-problems against `reserved` capacity on the same engine.
"""

from __future__ import annotations

import heapq
import os
import resource
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from models.programme import LoadedProgramme, load_programme

from scheduler.bench.district import write_district
from scheduler.programme import pools as P
from scheduler.programme.check import check_programme
from scheduler.programme.coordinate import Coordinator, Result, Settings, solve_programme
from scheduler.programme.engine import Engine
from scheduler.programme.jobs import Job, Outcome
from scheduler.programme.monolith import solve_monolith

Echo = Callable[[str], None]


def _days(prog: LoadedProgramme, finish: date) -> int:
    return (finish - prog.info.start).days + 1


def weighted_finish(prog: LoadedProgramme, schedules: dict) -> int:
    return max(prog.compound(c).weight * _days(prog, max(t.finish for t in s.tasks)) for c, s in schedules.items())


def _valid(prog: LoadedProgramme, schedules: dict) -> bool:
    return len(schedules) == len(prog.compounds) and check_programme(prog, schedules).ok


def one_after_another(prog: LoadedProgramme, alone: dict[str, Outcome]) -> int:
    """Weighted programme finish when compounds follow each other (alone durations end to end)."""
    order = sorted(prog.compounds, key=lambda c: (-c.weight, c.id))
    day, worst = 0, 0
    for c in order:
        s = alone[c.id].schedule
        day += (max(t.finish for t in s.tasks) - c.project.project.start).days + 1
        worst = max(worst, c.weight * day)
    return worst


def fixed_share(prog: LoadedProgramme, engine: Engine, settings: Settings, alone: dict[str, Outcome]) -> dict:
    """Dedicated units: compound i (priority order) gets unit i mod capacity of each pool once the compound
    before it on that unit is done with it (with more units than compounds, an even split from the start).
    Compounds in a block of the smallest capacity wait on none of each other: a block is solved in parallel.
    Returns {"weighted_finish", "valid", "wall_s"}."""
    t0 = time.time()
    co = Coordinator(prog, engine, settings)
    co.alone = alone
    order = co.priority()
    block = max(1, min(prog.pools.values(), default=1))
    done: dict[str, Outcome] = {}
    last_use: dict[str, dict[P.Pool, date | None]] = {}
    for first in range(0, len(order), block):
        jobs = [co.job(cid, "fixed share", *_dedicated(prog, order, i, last_use, alone[cid]))
                for i, cid in enumerate(order[first:first + block], first)]
        for job, out in zip(jobs, co.run_all(jobs)):
            for more in (2, 4):  # a single dedicated crew makes a first schedule harder to find: more budget
                if out.status not in ("UNKNOWN", "ERROR"):
                    break
                out = co.result(co.submit(replace(job, time_limit=more * job.time_limit, deterministic_limit=(
                    job.deterministic_limit and more * job.deterministic_limit))))
            if out.status not in ("OPTIMAL", "FEASIBLE"):
                return {"weighted_finish": None, "valid": False, "wall_s": time.time() - t0,
                        "failed": f"{out.compound}: {out.status}"}
            done[out.compound] = out
            use = co.use(out)
            last_use[out.compound] = {p: max(use.get(p, {}), default=None) for p in prog.pools}
    schedules = {c: o.schedule for c, o in done.items()}
    return {"weighted_finish": weighted_finish(prog, schedules), "valid": _valid(prog, schedules),
            "wall_s": time.time() - t0}


def _dedicated(prog: LoadedProgramme, order: list[str], i: int, last_use: dict, alone: Outcome) -> tuple:
    """(held, deadline, objective, end) of compound order[i] under the fixed share: its job's arguments."""
    start = prog.info.start
    waits = []
    for pool, cap in prog.pools.items():
        before = order[i - cap] if cap < len(order) and i >= cap else None
        waits.append(last_use[before][pool] if before else None)
    length = (max(t.finish for t in alone.schedule.tasks) - start).days + 1
    end = max([start] + [w for w in waits if w]) + timedelta(days=2 * length + 30)
    held = {}
    for (pool, cap), free_from in zip(prog.pools.items(), waits):
        mine = cap // len(order) + (1 if i < cap % len(order) else 0) if cap >= len(order) else 1
        held[pool] = {start + timedelta(n): cap if free_from and start + timedelta(n) <= free_from else cap - mine
                      for n in range((end - start).days + 1)}
    return held, None, None, end


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def decompose(prog: LoadedProgramme, workers: int, settings: Settings) -> tuple[Result, float]:
    """One decomposition run on a fresh embedded cluster; also the cluster's start-up seconds."""
    t0 = time.time()
    with Engine(workers=workers) as engine:
        up = time.time() - t0
        return solve_programme(prog, engine, settings), up


def lpt(times: list[float], workers: int) -> float:
    """Makespan of the jobs on `workers` slots, longest first (how a round of parallel solves spreads)."""
    slots = [0.0] * workers
    for job in sorted(times, reverse=True):
        heapq.heappush(slots, heapq.heappop(slots) + job)
    return max(slots)


def projection(result: Result, workers: list[int]) -> dict[int, float]:
    """Seconds the measured run would take on each worker count: the rounds of independent solves (alone,
    polish) as their sub-problems' measured times spread longest first over the workers; the commit and
    repair rounds as measured (they are sequential at heart: more workers only run more speculation)."""
    parallel = [r for r in result.rounds if r.phase in ("alone", "polish")]
    rest = sum(r.wall_s for r in result.rounds if r not in parallel)
    return {w: round(rest + sum(lpt(r.job_s, w) for r in parallel), 1) for w in workers}


def quality(seed: int, settings: Settings, budget: float, echo: Echo) -> dict:
    """A 3-compound district: decomposition vs one monolithic model with the same wall-clock budget."""
    with tempfile.TemporaryDirectory() as tmp:
        prog = load_programme(write_district(Path(tmp), 3, seed))
        echo("quality: decomposition of 3 compounds")
        result, _ = decompose(prog, 2, Settings(**{**settings.__dict__, "time_limit": budget}))
        dec = {c: o.schedule for c, o in result.outcomes.items()}
        end = prog.info.start + timedelta(days=2 * max(_days(prog, max(t.finish for t in s.tasks)) for s in dec.values()))
        echo("quality: one CP-SAT model of the same 3 compounds")
        status, mono, wall = solve_monolith(prog, end, budget, workers=2, seed=settings.seed)
        row = {"compounds": 3, "budget_s": budget, "decomposition_weighted_finish": weighted_finish(prog, dec),
               "decomposition_wall_s": round(result.wall_s, 1), "decomposition_valid": _valid(prog, dec),
               "decomposition_disruption": _sum(dec, "disruption"), "monolith_status": status,
               "monolith_wall_s": round(wall, 1), "monolith_valid": bool(mono) and _valid(prog, mono),
               "monolith_weighted_finish": weighted_finish(prog, mono) if mono else None,
               "monolith_disruption": _sum(mono, "disruption") if mono else None}
        if mono:
            row["finish_ratio"] = round(row["decomposition_weighted_finish"] / row["monolith_weighted_finish"], 3)
        return row


def _median(xs: list[float]) -> float | None:
    return round(sorted(xs)[len(xs) // 2], 2) if xs else None


def _sum(schedules: dict, what: str) -> int:
    return sum(int(s.solver.objective.get(what, 0)) for s in schedules.values() if s.solver)


def scale(n: int, seed: int, settings: Settings, echo: Echo) -> dict:
    """A district of n compounds: first valid programme, final finish, the alternatives, memory."""
    with tempfile.TemporaryDirectory() as tmp:
        prog = load_programme(write_district(Path(tmp), n, seed))
        echo(f"scale: {n} compounds")
        rss0 = _rss_mb()
        result, up = decompose(prog, 2, settings)
        sched = {c: o.schedule for c, o in result.outcomes.items()}
        alone = result.alone
        row = {"compounds": n, "status": result.status, "cluster_up_s": round(up, 1),
               "first_valid_s": round(result.first_valid_s or 0, 1), "wall_s": round(result.wall_s, 1),
               "solves": result.solves, "rounds": len(result.rounds),
               "first_valid_weighted_finish": next((r.objective for r in result.rounds if r.phase == "first valid"), None),
               "weighted_finish": weighted_finish(prog, sched) if sched else None,
               "bound": max(prog.compound(c).weight * _days(prog, b) for c, b in result.lower_bounds.items() if b),
               "valid": _valid(prog, sched), "coordinator_peak_mb": round(max(rss0, _rss_mb()), 0),
               "worker_peak_mb": round(result.peak_mb, 0),
               "job_s_median": _median([j for r in result.rounds for j in r.job_s])}
        row["one_after_another"] = one_after_another(prog, alone)
        echo(f"scale: {n} compounds, fixed share")
        with Engine(workers=2) as engine:
            fs = fixed_share(prog, engine, Settings(**{**settings.__dict__, "time_limit": 10 ** 6}), alone)
        row["fixed_share"] = fs["weighted_finish"]
        row["fixed_share_valid"] = fs["valid"]
        row["fixed_share_wall_s"] = round(fs["wall_s"], 1)
        if "failed" in fs:
            row["fixed_share_failed"] = fs["failed"]
        if row["weighted_finish"]:
            row["vs_one_after_another"] = round(row["weighted_finish"] / row["one_after_another"], 3)
            row["vs_fixed_share"] = round(row["weighted_finish"] / fs["weighted_finish"], 3) if fs["weighted_finish"] else None
        row["projection_s"] = projection(result, [1, 2, 8, 32])
        row["rounds_detail"] = [{"phase": r.phase, "wall_s": round(r.wall_s, 1), "solves": r.solves,
                                 "weighted_finish": r.objective, "job_s": [round(j, 2) for j in r.job_s]}
                                for r in result.rounds]
        return row


def speedup(n: int, seed: int, settings: Settings, echo: Echo) -> dict:
    """The alone and first-valid rounds of an n-compound district with 1 and with 2 workers."""
    out = {"compounds": n}
    with tempfile.TemporaryDirectory() as tmp:
        prog = load_programme(write_district(Path(tmp), n, seed))
        for w in (1, 2):
            echo(f"speed-up: {n} compounds on {w} worker(s)")
            result, up = decompose(prog, w, Settings(**{**settings.__dict__, "max_rounds": 0, "polish": False,
                                                         "time_limit": 10 ** 6}))
            out[f"wall_s_{w}"] = round(result.wall_s, 1)
            out[f"first_valid_s_{w}"] = round(result.first_valid_s or 0, 1)
            out[f"alone_s_{w}"] = round(result.rounds[0].wall_s, 1)
    out["speedup"] = round(out["wall_s_1"] / out["wall_s_2"], 2)
    out["alone_speedup"] = round(out["alone_s_1"] / out["alone_s_2"], 2)
    return out


def machine() -> dict:
    load = os.getloadavg()
    return {"cpus": os.cpu_count(), "load_1m": round(load[0], 1), "load_15m": round(load[2], 1),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30, 1)}

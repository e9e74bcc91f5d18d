"""PSPLIB single-mode RCPSP (.sm) instances solved by digonce's generic core, and optionally by PyJobShop.

An instance maps straight onto `scheduler.problem.Problem`: one calendar whose every day works, the
renewable resources as capacities, the successor lists as precedences. The core's "after means a later
day" is PSPLIB's finish-to-start arc: a job on days s..s+d-1 lets its successor start on day s+d. The
dummy source and sink (duration 0; the core wants >= 1 day) are dropped, their arcs bridged, and the
core's makespan (the last working day, 0-based) plus one is PSPLIB's makespan.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from scheduler.core.problem import Makespan, Objective, Precedence, Problem, Task
from scheduler.core.solve import solve

NAME = re.compile(r"^(j30|j60|j90|j120)(\d+)_(\d+)$")  # set, parameter group, instance


class SmError(Exception):
    """A malformed .sm file: `file:line: what is wrong; how to fix`."""


@dataclass
class Instance:
    name: str
    durations: list[int]  # per job, dummies included (PSPLIB numbering minus one)
    demands: list[list[int]]  # per job, per renewable resource
    successors: list[list[int]]  # 0-based job indices
    capacities: list[int]
    horizon: int


class _SmLines:
    """The lines of one .sm file, with look-ups that fail naming the line that breaks the format."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.lines = path.read_text(encoding="latin-1").splitlines()
        except OSError as exc:
            raise SmError(f"{path}: cannot read ({exc.strerror}); give a PSPLIB .sm file") from None

    def fail(self, i: int, what: str) -> SmError:
        return SmError(f"{self.path}:{i + 1}: {what}; expected the PSPLIB single-mode .sm layout (see psplib README)")

    def header(self, label: str) -> tuple[int, int]:
        for i, line in enumerate(self.lines):
            if line.strip().startswith(label):
                m = re.search(r":\s*(\d+)", line)
                if not m:
                    raise self.fail(i, f"no number after '{label}'")
                return i, int(m.group(1))
        raise SmError(f"{self.path}: no '{label}' line; expected the PSPLIB single-mode .sm layout")

    def section(self, label: str) -> int:
        for i, line in enumerate(self.lines):
            if line.strip().startswith(label):
                return i
        raise SmError(f"{self.path}: no '{label}' section; expected the PSPLIB single-mode .sm layout")

    def ints(self, i: int) -> list[int]:
        if i >= len(self.lines):
            raise SmError(f"{self.path}:{i + 1}: file ends early; expected the PSPLIB single-mode .sm layout")
        try:
            return [int(x) for x in self.lines[i].split()]
        except ValueError:
            raise self.fail(i, f"'{self.lines[i].strip()}' is not a row of integers") from None


def parse(path: str | Path) -> Instance:
    """Read a single-mode .sm file; raise SmError naming the line that breaks the format."""
    path = Path(path)
    sm = _SmLines(path)
    fail, header, section, ints = sm.fail, sm.header, sm.section, sm.ints
    _, n = header("jobs (incl. supersource/sink )")
    _, horizon = header("horizon")
    _, renewable = header("- renewable")
    i_non, non = header("- nonrenewable")
    if non:
        raise fail(i_non, f"{non} nonrenewable resources: only single-mode renewable RCPSP is supported")
    if n < 1 or renewable < 0:
        raise SmError(f"{path}: {n} jobs, {renewable} resources; expected at least one job")
    successors: list[list[int]] = [[] for _ in range(n)]
    start = section("PRECEDENCE RELATIONS:") + 2
    for k in range(n):
        row = ints(start + k)
        if len(row) < 3 or row[0] != k + 1 or row[1] != 1 or len(row) != 3 + row[2]:
            raise fail(start + k, f"precedence row of job {k + 1} should read: {k + 1} 1 <#successors> <successors>")
        if any(not 1 <= j <= n or j == k + 1 for j in row[3:]):
            raise fail(start + k, f"job {k + 1} names a successor outside 1..{n} or itself")
        successors[k] = [j - 1 for j in row[3:]]
    start = section("REQUESTS/DURATIONS:") + 3
    durations, demands = [], []
    for k in range(n):
        row = ints(start + k)
        if len(row) != 3 + renewable or row[0] != k + 1 or row[1] != 1 or min(row[2:], default=0) < 0:
            raise fail(start + k, f"request row of job {k + 1} should read: {k + 1} 1 <duration> "
                                  f"<{renewable} demands >= 0>")
        durations.append(row[2])
        demands.append(row[3:])
    i_cap = section("RESOURCEAVAILABILITIES:") + 2
    capacities = ints(i_cap)
    if len(capacities) != renewable:
        raise fail(i_cap, f"{len(capacities)} capacities for {renewable} renewable resources")
    for k, dem in enumerate(demands):
        for r, q in enumerate(dem):
            if q > capacities[r]:
                raise fail(start + k, f"job {k + 1} needs {q} of R{r + 1} but only {capacities[r]} exist")
    return Instance(path.stem, durations, demands, successors, capacities, max(horizon, sum(durations)))


def to_problem(inst: Instance) -> Problem:
    """The instance as a core Problem with a single makespan stage (zero-duration jobs bridged away)."""
    real = [k for k, d in enumerate(inst.durations) if d > 0]
    keep = set(real)
    arcs: set[tuple[int, int]] = set()
    for k in real:  # follow each arc through zero-duration jobs to the next real ones
        stack, seen = list(inst.successors[k]), set()
        while stack:
            j = stack.pop()
            if j in seen:
                continue
            seen.add(j)
            if j in keep:
                arcs.add((k, j))
            else:
                stack.extend(inst.successors[j])
    res = [f"R{r + 1}" for r in range(len(inst.capacities))]
    tasks = [Task(f"{k + 1}", inst.durations[k], "all",
                  {res[r]: q for r, q in enumerate(inst.demands[k]) if q > 0}) for k in real]
    return Problem(horizon=inst.horizon, calendars={"all": list(range(inst.horizon))}, tasks=tasks,
                   precedences=[Precedence(f"{a + 1}", f"{b + 1}") for a, b in sorted(arcs)],
                   capacities=dict(zip(res, inst.capacities)),
                   objectives=[Objective("finish", [Makespan()])])


@dataclass
class Reference:
    best: int  # best-known makespan (proven optimum where `optimal`)
    optimal: bool


def load_reference(folder: Path) -> dict[str, Reference]:
    """Best-known and optimal makespans from the PSPLIB tables in `folder` (`j30opt.sm`, `*hrs.sm`,
    `*lb.sm`), keyed by instance name like `j3013_1`."""
    out: dict[str, Reference] = {}
    for table in sorted(folder.glob("j*.sm")):
        m = re.match(r"^(j\d+)(opt|hrs|lb)$", table.stem)
        if not m:
            continue
        prefix, kind = m.groups()
        for line in table.read_text(encoding="latin-1").splitlines():
            cols = line.split()
            if len(cols) < 3 or not all(c.isdigit() for c in cols[:3]):
                continue
            key, ub = f"{prefix}{cols[0]}_{cols[1]}", int(cols[2])
            optimal = kind == "opt" or (kind == "lb" and "*" in cols[3:])
            old = out.get(key)
            if old is None or ub < old.best or (ub == old.best and optimal):
                out[key] = Reference(ub, optimal or (old is not None and old.optimal and old.best == ub))
    return out


def instance_files(paths: list[str]) -> list[Path]:
    """Files as given, folders expanded to their .sm files, in PSPLIB order (set, group, instance)."""
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(sorted(p.glob("*.sm")) if p.is_dir() else [p])

    def key(f: Path) -> tuple:
        m = NAME.match(f.stem)
        return (m.group(1), int(m.group(2)), int(m.group(3))) if m else (f.stem, 0, 0)

    return sorted(files, key=key)


def run_digonce(path: Path, time_limit: float, workers: int, seed: int,
                deterministic_limit: float | None = None) -> dict[str, Any]:
    """Solve one instance in the core; the PSPLIB figures of the result (`deterministic_limit`: tests)."""
    t0 = time.time()
    problem = to_problem(parse(path))
    best_at = [0.0]

    def progress(stage: str, value: int, bound: float, elapsed: float) -> None:
        best_at[0] = elapsed

    sol = solve(problem, time_limit=time_limit, workers=workers, seed=seed, progress=progress,
                deterministic_limit=deterministic_limit)
    wall = time.time() - t0
    stage = sol.stages[0] if sol.stages else None
    ms = stage.value + 1 if stage and stage.value is not None else None
    lb = int(-(-stage.bound // 1)) + 1 if stage and stage.bound is not None else None
    return {"solver": "digonce", "instance": path.stem, "tasks": len(problem.tasks), "makespan": ms,
            "lower_bound": lb, "status": sol.status, "time_to_best_s": round(best_at[0], 3),
            "wall_s": round(wall, 3)}


def run_pyjobshop(path: Path, time_limit: float, workers: int) -> dict[str, Any]:
    """Solve one instance with PyJobShop's OR-Tools model (its own PSPLIB reader), same limit and workers."""
    try:
        import pyjobshop
    except ImportError:
        raise RuntimeError("PyJobShop is not installed: pip install -e '.[bench]' (or `make bench`)") from None
    t0 = time.time()
    data = pyjobshop.read(path, instance_format="psplib")
    result = pyjobshop.solve(data, time_limit=time_limit, num_workers=workers, display=False)
    wall = time.time() - t0
    found = result.objective != float("inf")
    status = {"Optimal": "OPTIMAL", "Infeasible": "INFEASIBLE"}.get(result.status.value,
                                                                     "FEASIBLE" if found else "UNKNOWN")
    return {"solver": "pyjobshop", "instance": path.stem, "makespan": int(result.objective) if found else None,
            "lower_bound": int(-(-result.lower_bound // 1)), "status": status, "time_to_best_s": None,
            "wall_s": round(wall, 3)}


def with_reference(row: dict[str, Any], ref: dict[str, Reference]) -> dict[str, Any]:
    r = ref.get(row["instance"])
    row["best_known"] = r.best if r else None
    row["best_known_optimal"] = r.optimal if r else None
    row["gap"] = (round((row["makespan"] - r.best) / r.best, 5)
                  if r and row.get("makespan") is not None else None)
    return row


def run(files: list[Path], time_limit: float, workers: int, seed: int, ref: dict[str, Reference],
        peer: str | None, echo: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Every instance in the core, then (if asked) in the peer; rows with the reference attached."""
    rows = []
    for k, f in enumerate(files, 1):
        line = []
        for solver in ["digonce"] + ([peer] if peer else []):
            row = run_digonce(f, time_limit, workers, seed) if solver == "digonce" \
                else run_pyjobshop(f, time_limit, workers)
            rows.append(with_reference(row, ref))
            line.append(f"{solver} {row['makespan']} {row['status'].lower()} {row['wall_s']:.2f}s")
        if echo:
            best = ref.get(f.stem)
            echo(f"[{k}/{len(files)}] {f.stem} (best {best.best if best else '?'}): " + " | ".join(line))
    return rows


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per solver and instance set: proven optima, matches of the best known, mean gap, times."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        m = NAME.match(r["instance"])
        groups.setdefault((r["solver"], m.group(1) if m else "other"), []).append(r)
    out = []
    for (solver, family), rs in groups.items():
        gaps = [r["gap"] for r in rs if r["gap"] is not None]
        walls = [r["wall_s"] for r in rs]
        out.append({"solver": solver, "set": family, "instances": len(rs),
                    "proven_optimal": sum(r["status"] == "OPTIMAL" for r in rs),
                    "at_best_known": sum(r["gap"] == 0 for r in rs),
                    "mean_gap": statistics.fmean(gaps) if len(gaps) == len(rs) else None,
                    "median_wall_s": round(statistics.median(walls), 3),
                    "mean_wall_s": round(statistics.fmean(walls), 3)})
    return out


def gap_ratio(summ: list[dict[str, Any]], family: str, peer: str) -> float | None:
    """digonce's mean gap over the peer's on one set (< 1: digonce is closer to the best known)."""
    by = {s["solver"]: s["mean_gap"] for s in summ if s["set"] == family}
    ours, theirs = by.get("digonce"), by.get(peer)
    if ours is None or not theirs:
        return None
    return ours / theirs


ROW_COLUMNS = [("instance", "instance"), ("solver", "solver"), ("makespan", "makespan"),
               ("lower_bound", "LB"), ("best_known", "best known"), ("gap", "gap"), ("status", "status"),
               ("time_to_best_s", "best at s"), ("wall_s", "wall s")]
SUMMARY_COLUMNS = [("set", "set"), ("solver", "solver"), ("instances", "instances"),
                   ("proven_optimal", "proven optimal"), ("at_best_known", "= best known"),
                   ("mean_gap", "mean gap"), ("median_wall_s", "median wall s"), ("mean_wall_s", "mean wall s")]


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    """A Markdown table (gaps as percentages, missing figures as —)."""
    def cell(key: str, v: Any) -> str:
        if v is None:
            return "—"
        return f"{v:.2%}" if key.endswith("gap") else str(v)

    head = "| " + " | ".join(h for _, h in columns) + " |"
    rule = "|" + "---|" * len(columns)
    return "\n".join([head, rule, *("| " + " | ".join(cell(k, r.get(k)) for k, _ in columns) + " |" for r in rows)])

"""Explain-time benchmark: infeasible variants of a sample project, each explained from scratch.

    python -m scheduler.bench.explain [PROJECT] [--time-limit S]

Each variant edits the project's YAML data in a temporary copy (tables beside it are copied too), then
times `diagnose` (assumption core + deletion to a minimal core, 1 worker) and prints a Markdown row:
variant, verdict, the rule groups named, solves, seconds.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable

import yaml

from models import load_project
from scheduler.planning.expand import expand
from scheduler.planning.planner import diagnose


def _deadline(day: str) -> Callable[[dict], None]:
    def edit(d: dict) -> None:
        d["project"]["deadline"] = day
    return edit


def _one_fire_zone(building: str, zone: str) -> Callable[[dict], None]:
    def edit(d: dict) -> None:
        next(b for b in d["site"]["buildings"] if b["id"] == building)["fire_zones"] = [zone]
    return edit


def _crews(trade: str, n: int) -> Callable[[dict], None]:
    def edit(d: dict) -> None:
        d["trades"][trade]["crews"] = n
    return edit


def _quiet(name: str, first: str, last: str) -> Callable[[dict], None]:
    def edit(d: dict) -> None:
        d["calendar"]["quiet"].append({"name": name, "from": first, "to": last})
    return edit


VARIANTS: dict[str, tuple[str, Callable[[dict], None]]] = {
    "deadline-may": ("project deadline 2027-05-31 (far too early)", _deadline("2027-05-31")),
    "deadline-jul-09": ("project deadline 2027-07-09, one day before the proven optimum finish 2027-07-10",
                        _deadline("2027-07-09")),
    "one-fire-zone": ("B9's only fire zone is R9, which is dug", _one_fire_zone("B9", "R9")),
    "civil-1-crew": ("civil has 1 crew instead of 3, deadline 2027-11-14 kept", _crews("civil", 1)),
    "long-quiet": ("a compound-wide quiet period 2027-03-01..2027-08-31", _quiet("长静默", "2027-03-01", "2027-08-31")),
}


def run(project_dir: Path, name: str, edit: Callable[[dict], None], time_limit: float) -> tuple:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "p"
        shutil.copytree(project_dir, folder)
        data = yaml.safe_load((folder / "project.yaml").read_text(encoding="utf-8"))
        edit(data)
        (folder / "project.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                             encoding="utf-8")
        project, _ = load_project(folder)
        tasks = expand(project)
        t0 = time.time()
        c = diagnose(project, tasks, time_limit)
        return c.status, c.groups, c.minimal, c.solves, time.time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project", nargs="?", default="inputs/hepingli")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--only", nargs="*", help="variant names")
    args = ap.parse_args()
    print("| variant | edit | verdict | rules named (minimal core) | solves | seconds |")
    print("|---|---|---|---|---|---|")
    for name, (what, edit) in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        status, groups, minimal, solves, wall = run(Path(args.project), name, edit, args.time_limit)
        verdict = status + ("" if minimal or status != "INFEASIBLE" else " (not proven minimal)")
        print(f"| {name} | {what} | {verdict} | {', '.join(map(str, groups))} | {solves} | {wall:.1f} |", flush=True)


if __name__ == "__main__":
    main()

"""Mutation testing of the rule-bearing modules with mutmut: a measured benchmark, not a CI gate.

    make mutation                          # every module below, one after another (never in parallel)
    make mutation MUTATE="referee feeds"   # some of them
    .venv/bin/python tests/mutation.py --survivors referee   # re-test only the last run's survivors
    .venv/bin/python tests/mutation.py --list referee        # print the last run's survivors, one a line

Each module is mutated in its own copy of the repository under out/mutation/<module>/ (git-ignored), with
only the test files that judge it (MODULES below), so that a run stays within tens of minutes on two busy
cores. Each mutant first meets the tests mutmut saw calling the mutated function; the survivors then meet
every selected test (see `widen`). mutmut keeps its results there: a second run goes on where the first
stopped; `--fresh` starts over; `--survivors` runs the tests again (new ones included) on the mutants that
survived, after a test was added.
The table printed at the end (generated / killed / survived / timeout / no tests, score) is what
docs/benchmarks.md "Mutation score" records. Score = (killed + timeout) / (generated - no tests).

Needs the `mutation` extra (`pip install -e '.[test,mutation]'`, done by `make mutation`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "out" / "mutation"

# module name → (files mutated, tests that judge them). Solver tests are the slowest: only the ones where
# the module's rules bind.
MODULES: dict[str, tuple[list[str], list[str]]] = {
    "referee": (["scheduler/review/check/referee.py"], ["tests/test_check.py"]),
    "access": (["models/site_graph.py", "scheduler/planning/access.py"],
               ["tests/test_site_graph.py", "tests/test_check.py",
                "tests/test_solve.py::test_r6_entrance_keeps_a_way_out",
                "tests/test_solve.py::test_r6_every_entrance_of_a_building_keeps_a_way_out",
                "tests/test_solve.py::test_r6_fire_route_kept",
                "tests/test_solve.py::test_r6_large_compound_adds_access_cuts_as_schedules_open_them",
                "tests/test_solve.py::test_r6_single_zone_that_must_be_dug_is_infeasible"]),
    "feeds": (["scheduler/publishing/feeds.py"], ["tests/test_feeds.py"]),
    "notices": (["scheduler/publishing/notices.py"], ["tests/test_notices.py"]),
    "expand": (["scheduler/planning/expand.py"], ["tests/test_expand.py"]),
    "cpsat": (["scheduler/core/cpsat.py"],
              ["tests/test_solve.py", "tests/test_psplib.py", "-k", "test_r or objectives or stages or lexicographic "
               "or disruption_is or elevator or same_seed or parse_j30 or successor_may"]),
}
COPIED = ("scheduler", "models", "tests", "inputs")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "artifacts", ".pytest_cache")


def mutmut() -> str:
    exe = Path(sys.executable).parent / "mutmut"
    if not exe.exists():
        sys.exit("mutmut is not installed: pip install -e '.[test,mutation]' (or `make mutation`)")
    return str(exe)


def prepare(name: str, fresh: bool) -> Path:
    """out/mutation/<name>/: the repository's code, tests and inputs, and a pyproject.toml whose
    [tool.mutmut] names this module and its tests. Source files are refreshed only on a fresh run (mutmut
    compares them with its mutated copies); tests are copied again by mutmut on every run."""
    files, tests = MODULES[name]
    work = WORK / name
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    for part in COPIED:
        target = work / part
        if part == "tests" or not target.exists():
            shutil.copytree(REPO / part, target, ignore=IGNORED, dirs_exist_ok=True)
    config = "\n".join([
        "", "[tool.mutmut]",
        'source_paths = ["scheduler", "models"]',
        f"only_mutate = {json.dumps(files)}",
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider"]',
        'also_copy = ["inputs"]',
        "use_git_change_detection = false",
        "",
    ])
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    (work / "pyproject.toml").write_text(pyproject + config, encoding="utf-8")
    return work


def survivors(work: Path, statuses: tuple[str, ...] = ("survived",)) -> list[str]:
    done = subprocess.run([mutmut(), "results"], cwd=work, capture_output=True, text=True)
    return [m.group(1) for m in re.finditer(r"^\s*(\S+): (\S+)\s*$", done.stdout, re.M) if m.group(2) in statuses]


def widen(work: Path, names: list[str]) -> list[str]:
    """Let every mutant be judged by every selected test; returns those of `names` that gain tests. mutmut
    runs only the tests it saw calling the mutated function, and a call made while a module- or
    session-scoped fixture is built counts for the first test that uses the fixture only: the notices and
    feeds that our fixtures render once would otherwise be judged by one test each."""
    path = work / "mutants" / "mutmut-stats.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    every = sorted(data["duration_by_test"])
    before = data["tests_by_mangled_function_name"]
    key = {n: re.sub(r"__mutmut_\d+$", "", n) for n in names}
    data["tests_by_mangled_function_name"] = {k: every for k in sorted(set(before) | set(key.values()))}
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return [n for n in names if set(every) - set(before.get(key[n], ()))]


def mutate(work: Path, names: list[str], children: int) -> None:
    cmd = [mutmut(), "run", "--max-children", str(children), *names]
    with (work / "mutmut.log").open("a", encoding="utf-8") as log:
        code = subprocess.run(cmd, cwd=work, stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}).returncode
    if code != 0:
        sys.exit(f"{work.name}: mutmut exited {code}; see {work / 'mutmut.log'}")


def stats(work: Path) -> dict:
    subprocess.run([mutmut(), "export-cicd-stats"], cwd=work, check=True, capture_output=True)
    return json.loads((work / "mutants" / "mutmut-cicd-stats.json").read_text(encoding="utf-8"))


def run(name: str, *, fresh: bool, only_survivors: bool, children: int) -> dict:
    """A first pass with mutmut's own test selection kills most mutants quickly; the survivors (and mutants
    no test reached) then meet every selected test (`widen`). `only_survivors`: the second pass only."""
    work = prepare(name, fresh)
    started = time.monotonic()
    print(f"== {name}: {' '.join(MODULES[name][0])}", flush=True)
    if not only_survivors:
        mutate(work, [], children)
    names = survivors(work, ("survived", "no tests"))
    if names and only_survivors:
        mutate(work, names[:1], children)  # lets mutmut record the tests added since the last run
        names = survivors(work, ("survived", "no tests"))
    gaining = widen(work, names) if names else []
    if names and not only_survivors:
        names = gaining  # the others already met every selected test
    if names:
        mutate(work, names, children)
    s = stats(work)
    s["wall_s"] = round(time.monotonic() - started)
    return s


def row(name: str, s: dict) -> str:
    tested = s["total"] - s["no_tests"] - s.get("skipped", 0)
    score = (s["killed"] + s["timeout"]) / tested if tested else 0.0
    return (f"| {name} | {s['total']} | {s['killed']} | {s['survived']} | {s['timeout']} | {s['no_tests']} | "
            f"{score:.1%} | {s.get('wall_s', '—')} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("modules", nargs="*", metavar="MODULE",
                    help=f"any of {', '.join(MODULES)} (default: all, in this order)")
    ap.add_argument("--fresh", action="store_true", help="forget earlier results of these modules")
    ap.add_argument("--survivors", action="store_true", help="re-test only the mutants that survived")
    ap.add_argument("--list", action="store_true", help="print the survivors of the last run and stop")
    ap.add_argument("--children", type=int, default=2, help="mutants tested at once (default 2: two cores)")
    args = ap.parse_args()
    modules = args.modules or list(MODULES)
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        ap.error(f"unknown module(s) {', '.join(unknown)}: choose from {', '.join(MODULES)}")
    if args.list:
        for name in modules:
            print("\n".join(survivors(WORK / name)))
        return
    rows = [row(name, run(name, fresh=args.fresh, only_survivors=args.survivors, children=args.children))
            for name in modules]
    print("| module | generated | killed | survived | timeout | no tests | score | wall s |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()

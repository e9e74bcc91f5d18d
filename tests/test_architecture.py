"""The layers of docs/architecture.md, enforced: imports point down, functions stay small.

The import contract reads every module's imports (top-level and inside functions, absolute and relative)
with `ast` and compares them with ALLOWED. A new subpackage must be added here, with its place in the
order, before anything may import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOUNDATION = {"models", "scheduler.text"}
DOMAIN = FOUNDATION | {"scheduler.core", "scheduler.planning"}

# package -> the packages its modules may import (its own is always allowed)
ALLOWED: dict[str, set[str]] = {
    "scheduler.text": set(),                                   # words only
    "models": {"scheduler.text"},                              # input schema, tables, site graph, Schedule;
                                                               # problems are catalogue messages
    "scheduler.core": set(),                                   # generic scheduling: knows nothing of compounds
    "scheduler.planning": FOUNDATION | {"scheduler.core"},         # a compound → core problem → Schedule
    "scheduler.review": DOMAIN,                                # check, explain, hold, diff
    "scheduler.publishing": DOMAIN,                               # ledger, Gantt, feeds, notices
    "scheduler.serve": DOMAIN | {"scheduler.publishing"},         # HTTP for feeds and notices
    "scheduler.api": DOMAIN | {"scheduler.review", "scheduler.publishing"},
    # district programmes: compounds through the API, coordinated over shared pools on Dask
    "scheduler.programme": DOMAIN | {"scheduler.review", "scheduler.publishing", "scheduler.api"},
    "scheduler.bench": DOMAIN | {"scheduler.review", "scheduler.publishing", "scheduler.serve", "scheduler.api",
                                 "scheduler.programme"},
    "scheduler.cli": set(),                                    # filled below: the top may import anything
    "scheduler": {"scheduler.api"},                            # the package root re-exports the API
}
ALLOWED["scheduler.cli"] = set(ALLOWED) - {"scheduler.cli"}

LONG_FUNCTION = 60  # lines; a longer function says why in a `# long:` comment on the lines before it


def package_of(module: str) -> str | None:
    """The ALLOWED key a module belongs to (the longest matching prefix), None for third-party ones."""
    keys = [k for k in ALLOWED if module == k or (module.startswith(k + ".") and k != "scheduler")]
    if keys:
        return max(keys, key=len)
    return "?" if module.split(".")[0] in ("scheduler", "models") else None


def module_name(root: Path, file: Path) -> str:
    parts = list(file.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(root: Path, file: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import statement in the file, relative ones resolved."""
    name = module_name(root, file)
    package = name if file.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            # `from scheduler import api` imports the module scheduler.api
            out += [(node.lineno, f"{base}.{a.name}" if package_of(f"{base}.{a.name}") not in (None, "?")
                     and package_of(f"{base}.{a.name}") != package_of(base) else base) for a in node.names]
    return out


def wrong_way_imports(root: Path) -> list[str]:
    """One line per import that breaks the contract, as `file:line: importer → imported`."""
    bad = []
    for file in sorted(root.glob("scheduler/**/*.py")) + sorted(root.glob("models/**/*.py")):
        here = package_of(module_name(root, file))
        for line, target in sorted(set(imports_of(root, file))):
            there = package_of(target)
            if there is None or there == here:
                continue
            if here == "?" or there == "?" or there not in ALLOWED[here]:
                bad.append(f"{file.relative_to(root)}:{line}: {here} → {target}")
    return bad


def long_functions(root: Path) -> list[str]:
    """Functions over LONG_FUNCTION lines without a `# long:` comment just above them (decorators included)."""
    out = []
    for file in sorted(root.glob("scheduler/**/*.py")) + sorted(root.glob("models/**/*.py")):
        lines = file.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                size = node.end_lineno - node.lineno + 1
                said = any("# long:" in text for text in lines[max(0, first - 4):first])
                if size > LONG_FUNCTION and not said:
                    out.append(f"{file.relative_to(root)}:{node.lineno}: {node.name} has {size} lines")
    return out


def test_imports_point_down_the_layers() -> None:
    assert wrong_way_imports(ROOT) == []


def test_the_contract_catches_a_wrong_way_import(tmp_path: Path) -> None:
    """The check itself can fail: a core module importing the domain, a plan module importing review
    (relative), models importing the scheduler, and an undeclared subpackage are all reported."""
    files = {
        "scheduler/__init__.py": "",
        "scheduler/core/__init__.py": "",
        "scheduler/core/cpsat.py": "import itertools\nfrom scheduler.planning.expand import Task\n",
        "scheduler/planning/__init__.py": "",
        "scheduler/planning/progress.py": "def read():\n    from ..review.check import parse_date\n",
        "scheduler/review/__init__.py": "",
        "scheduler/review/check.py": "from scheduler.planning import expand\nfrom models import Project\n",
        "scheduler/extra/__init__.py": "from scheduler.core import cpsat\n",
        "models/__init__.py": "from scheduler import cli\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert wrong_way_imports(tmp_path) == [
        "scheduler/core/cpsat.py:2: scheduler.core → scheduler.planning.expand",
        "scheduler/extra/__init__.py:1: ? → scheduler.core",
        "scheduler/planning/progress.py:2: scheduler.planning → scheduler.review.check",
        "models/__init__.py:1: models → scheduler.cli",
    ]


def test_functions_stay_small() -> None:
    assert long_functions(ROOT) == []

"""Read project.yaml and its CSV/XLSX tables into plain data, remembering where each value came from.

The result is plain dicts/lists plus a `SourceMap` from field paths (tuples of keys and indices) to
places, so that validation errors can point at a YAML line:column or a table row/column.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .problems import InputError, Place, Problem

PathKey = tuple[str | int, ...]

# Sections that may be written inline or as a table file. Dict sections are keyed by the `id` column.
LIST_SECTIONS: set[PathKey] = {
    ("calendar", "days_off"), ("calendar", "work_days"), ("calendar", "quiet"), ("calendar", "seasons"),
    ("site", "gates"), ("site", "zones"), ("site", "buildings"), ("works",),
}
DICT_SECTIONS: dict[PathKey, str | None] = {("trades",): None, ("equipment",): "capacity"}
DATE_LIST_SECTIONS = {("calendar", "days_off"), ("calendar", "work_days")}
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")


class SourceMap:
    """Field path → place. Lookups fall back to the nearest enclosing path."""

    def __init__(self, default: Place):
        self.default = default
        self.places: dict[PathKey, Place] = {}

    def add(self, path: PathKey, place: Place) -> None:
        self.places.setdefault(path, place)

    def place(self, path: PathKey) -> Place:
        for n in range(len(path), -1, -1):
            if path[:n] in self.places:
                return self.places[path[:n]]
        return self.default


def path_str(path: PathKey) -> str:
    out = ""
    for k in path:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out


class _Loader(yaml.SafeLoader):
    """The safe loader; we build containers ourselves (to keep positions) and let it build scalars."""


_SCALARS = _Loader("")


def _construct(node: yaml.Node, path: PathKey, smap: SourceMap, file: str, problems: list[Problem]) -> Any:
    smap.add(path, Place(file, node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            if key in out:
                problems.append(Problem(Place(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                                        path_str(path + (key,)), f"duplicate key '{key}'",
                                        "write each key once; the second one would silently replace the first"))
                continue
            out[key] = _construct(value_node, path + (key,), smap, file, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v, path + (i,), smap, file, problems) for i, v in enumerate(node.value)]
    try:
        return _SCALARS.construct_object(node)
    except ValueError:  # e.g. 2027-13-01 looks like a date but is none: let validation name it
        return node.value


def _cell(value: Any) -> Any:
    """Normalise one table cell to text; empty means 'not given'."""
    if value is None:
        return None
    text = str(value).strip()
    if text == "" or text.lower() == "nan":
        return None
    if re.fullmatch(r"-?\d+\.0", text):
        text = text[:-2]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2} 00:00:00", text):
        text = text[:10]
    return text


def read_table(file: Path, shown: str, path: PathKey, smap: SourceMap) -> list[dict[str, Any]]:
    """Rows of a CSV/XLSX table as dicts; dotted headers (`cutover.outage`) become nested dicts."""
    import pandas as pd

    if file.suffix.lower() == ".csv":
        df = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True)
        first_row = 2  # header is line 1
    else:
        df = pd.read_excel(file, dtype=str, keep_default_na=False)
        first_row = 2
    rows = []
    for i, record in enumerate(df.to_dict(orient="records")):
        row_path = path + (i,)
        row_no = first_row + i
        smap.add(row_path, Place(shown, row=row_no))
        item: dict[str, Any] = {}
        for col, raw in record.items():
            value = _cell(raw)
            col = str(col).strip()
            if value is None or col.startswith("Unnamed"):
                continue
            keys = col.split(".")
            target = item
            for k in keys[:-1]:
                target = target.setdefault(k, {})
            target[keys[-1]] = value
            smap.add(row_path + tuple(keys), Place(shown, row=row_no, field=col))
        rows.append(item)
    return rows


def _expand_tables(data: dict, base: Path, file: str, smap: SourceMap, problems: list[Problem]) -> None:
    """Replace every table-file reference in a list or dict section by the table's rows."""
    for path in sorted(LIST_SECTIONS | set(DICT_SECTIONS), key=len):
        parent = data
        for k in path[:-1]:
            parent = parent.get(k) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        ref = parent.get(path[-1])
        if not (isinstance(ref, str) and ref.lower().endswith(TABLE_SUFFIXES)):
            continue
        table = base / ref
        place = smap.place(path)
        if not table.is_file():
            problems.append(Problem(place, path_str(path), f"table file '{ref}' not found next to {Path(file).name}",
                                    "give the path relative to the project.yaml folder, or write the list inline"))
            continue
        shown = str(Path(file).parent / ref)
        try:
            rows = read_table(table, shown, path, smap)
        except Exception as exc:  # pandas/openpyxl raise many kinds; all mean "unreadable table"
            problems.append(Problem(place, path_str(path), f"cannot read table '{ref}': {exc}",
                                    "save it as UTF-8 CSV or XLSX with one header row"))
            continue
        if path in DATE_LIST_SECTIONS:
            parent[path[-1]] = [r.get("date") for r in rows]
        elif path in DICT_SECTIONS:
            value_col = DICT_SECTIONS[path]
            out: dict[str, Any] = {}
            for i, r in enumerate(rows):
                key = r.pop("id", None)
                if key is None:
                    problems.append(Problem(smap.place(path + (i,)), path_str(path + (i,)), "row has no 'id'",
                                            "add an id column and fill it"))
                    continue
                out[key] = r.get(value_col) if value_col else r
                for col in list(smap.places):
                    if col[: len(path) + 1] == path + (i,):
                        smap.add(path + (key,) + col[len(path) + 1:], smap.places[col])
            parent[path[-1]] = out
        else:
            parent[path[-1]] = rows


def read_project_data(project_path: str | Path) -> tuple[dict, SourceMap, Path]:
    """Load the raw data of a project (a folder holding project.yaml, or the yaml file itself)."""
    p = Path(project_path)
    file = p / "project.yaml" if p.is_dir() else p
    shown = str(file)
    if not file.is_file():
        raise InputError([Problem(Place(shown), "", "project file not found",
                                  "pass a folder that holds project.yaml, or the path of a project .yaml file")])
    smap = SourceMap(Place(shown))
    problems: list[Problem] = []
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(Place(shown), "", f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                                  "save the file as UTF-8")]) from None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = Place(shown, mark.line + 1, mark.column + 1) if mark else Place(shown)
        what = getattr(exc, "problem", None) or str(exc)
        raise InputError([Problem(place, "", f"YAML syntax error: {what}",
                                  "check indentation, colons and quotes around text with ':' or '#'")]) from None
    if node is None or not isinstance(node, yaml.MappingNode):
        raise InputError([Problem(Place(shown, 1, 1), "", "the project file must be a mapping of sections",
                                  "start from inputs/tiny/project.yaml (sections: version, project, calendar, "
                                  "trades, equipment, site, works)")])
    try:
        data = _construct(node, (), smap, shown, problems)
    except yaml.YAMLError as exc:
        raise InputError([Problem(Place(shown), "", f"YAML error: {exc}", "fix the value it names")]) from None
    _expand_tables(data, file.parent, shown, smap, problems)
    if problems:
        raise InputError(problems)
    return data, smap, file

"""Read project.yaml and its CSV/XLSX tables into plain data, remembering where each value came from.

The result is plain dicts/lists plus a `SourceMap` from field paths (tuples of keys and indices) to
places, so that validation errors can point at a YAML line:column or a table row/column.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from scheduler.text import Msg

from .problems import InputError, Place, Problem
from .tables import TABLE_SUFFIXES, Table, is_table_ref, read_table, split_sheet

PathKey = tuple[str | int, ...]

# Sections that may be written inline or as a table file. Dict sections are keyed by the `id` column.
LIST_SECTIONS: set[PathKey] = {
    ("calendar", "days_off"), ("calendar", "work_days"), ("calendar", "quiet"), ("calendar", "seasons"),
    ("site", "gates"), ("site", "zones"), ("site", "buildings"), ("works",),
}
DICT_SECTIONS: dict[PathKey, str | None] = {("trades",): None, ("equipment",): "capacity"}
DATE_LIST_SECTIONS = {("calendar", "days_off"), ("calendar", "work_days")}


class SourceMap:
    """Field path → place. Lookups fall back to the nearest enclosing path."""

    def __init__(self, default: Place):
        self.default = default
        self.places: dict[PathKey, Place] = {}
        self.keys: dict[PathKey, Place] = {}  # where a mapping key was written (its value may be lines away)

    def add(self, path: PathKey, place: Place) -> None:
        self.places.setdefault(path, place)

    def key_place(self, path: PathKey) -> Place:
        """Where the key naming `path` is written: an unknown field is pointed at by its name, not its value."""
        return self.keys.get(path) or self.place(path)

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


MAX_DEPTH = 64            # lists and mappings inside each other
MAX_VALUES = 100_000      # values once aliases are expanded (a real project.yaml has a few thousand)
MAX_BYTES = 16 << 20      # project.yaml itself


class _Refused(Exception):
    """The YAML is shaped so that reading it would not end (or not soon): one problem says why."""

    def __init__(self, mark: Any, message: str, fix: str) -> None:
        super().__init__(message)
        self.mark, self.message, self.fix = mark, message, fix


class _Loader(yaml.SafeLoader):
    """The safe loader; we build containers ourselves (to keep positions) and let it build scalars.
    Composing refuses nesting deeper than MAX_DEPTH before Python's own recursion limit is near."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(self.peek_event().start_mark, Msg("input.yaml.nested", depth=MAX_DEPTH),
                               Msg("input.yaml.nested_fix"))
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_SCALARS = _Loader("")


class _Guard:
    """The budget of one read: values built so far (aliases expanded), and the nodes being built (an alias
    to one of them is recursive)."""

    def __init__(self) -> None:
        self.values = 0
        self.open: set[int] = set()

    def enter(self, node: yaml.Node) -> None:
        self.values += 1
        if id(node) in self.open:
            raise _Refused(node.start_mark, Msg("input.yaml.recursive"), Msg("input.yaml.recursive_fix"))
        if self.values > MAX_VALUES:
            raise _Refused(node.start_mark, Msg("input.yaml.too_many", values=MAX_VALUES),
                           Msg("input.yaml.too_many_fix"))


_BOOL_TAG = "tag:yaml.org,2002:bool"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def _mark(node_or_mark: Any, file: str) -> Place:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return Place(file, mark.line + 1, mark.column + 1)


def _construct(node: yaml.Node, path: PathKey, smap: SourceMap, file: str, problems: list[Problem],
               guard: _Guard | None = None) -> Any:
    guard = guard or _Guard()
    guard.enter(node)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        guard.open.add(id(node))
        try:
            return _container(node, path, smap, file, problems, guard)
        finally:
            guard.open.discard(id(node))
    return _scalar(node, path, smap, file)


def _container(node: yaml.Node, path: PathKey, smap: SourceMap, file: str, problems: list[Problem],
               guard: _Guard) -> Any:
    smap.add(path, _mark(node, file))
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        first: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(_mark(key_node, file), path_str(path), Msg("input.yaml.key_not_name"),
                                        Msg("input.yaml.key_not_name_fix")))
                continue
            key = str(key_node.value)
            if key == "<<":
                problems.append(Problem(_mark(key_node, file), path_str(path + (key,)),
                                        Msg("input.yaml.merge_key"), Msg("input.yaml.merge_key_fix")))
                continue
            if key in out:
                fm = first[key].start_mark
                seen_at = (Msg("input.at.line_column", line=fm.line + 1, column=fm.column + 1)
                           if fm.line == key_node.start_mark.line else Msg("input.at.line", line=fm.line + 1))
                problems.append(Problem(_mark(key_node, file), path_str(path + (key,)),
                                        Msg("input.yaml.duplicate_key", key=key, first=seen_at),
                                        Msg("input.yaml.duplicate_key_fix")))
                continue
            first[key] = key_node
            smap.keys.setdefault(path + (key,), _mark(key_node, file))
            out[key] = _construct(value_node, path + (key,), smap, file, problems, guard)
        return out
    return [_construct(v, path + (i,), smap, file, problems, guard) for i, v in enumerate(node.value)]


def _scalar(node: yaml.Node, path: PathKey, smap: SourceMap, file: str) -> Any:
    smap.add(path, _mark(node, file))
    # Closer to YAML 1.2 for plain scalars: only true/false are booleans (so a gate `NO`, a zone `on` or
    # `sensitive: no` keep their text, which the schema reads as it should); 1:30 is text, not 90; and
    # 010… is text, not an octal number (a phone number or an id; number fields still read "02" as 2).
    if node.tag == _BOOL_TAG and node.value.lower() not in ("true", "false"):
        return node.value
    if node.tag in _NUMBER_TAGS and (":" in node.value or re.fullmatch(r"[-+]?0[0-9_]+", node.value)):
        return node.value
    try:
        return _SCALARS.construct_object(node)
    except (ValueError, yaml.YAMLError):  # e.g. 2027-13-01 looks like a date but is none: let validation name it
        return node.value


def _table_rows(table: Table, path: PathKey, smap: SourceMap) -> list[dict[str, Any]]:
    """A table's rows as dicts of its filled cells; dotted headers (`cutover.outage`) become nested dicts.

    Raises InputError when two columns have one name: one of them would silently be ignored."""
    twice = sorted({h for h in table.header if h and table.header.count(h) > 1})
    if twice:
        raise InputError([Problem(Place(table.shown, row=1, field=h), "", Msg("input.table.column_twice", column=h),
                                  Msg("input.table.column_twice_fix")) for h in twice])
    rows = []
    for i, (row_no, record) in enumerate(table.records()):
        row_path = path + (i,)
        smap.add(row_path, Place(table.shown, row=row_no))
        item: dict[str, Any] = {}
        for col, value in record.items():
            if not value:
                continue
            keys = col.split(".")
            target = item
            for k in keys[:-1]:
                target = target.setdefault(k, {})
            target[keys[-1]] = value
            smap.add(row_path + tuple(keys), Place(table.shown, row=row_no, field=col))
        rows.append(item)
    return rows


def _expand_tables(data: dict, base: Path, file: str, smap: SourceMap, problems: list[Problem]) -> set[PathKey]:
    """Replace every table-file reference in a list or dict section by the table's rows.

    Returns the sections whose table could not be read at all (their values are left as they were).
    """
    broken: set[PathKey] = set()
    for path in sorted(LIST_SECTIONS | set(DICT_SECTIONS), key=lambda p: (len(p), p)):
        parent = data
        for k in path[:-1]:
            parent = parent.get(k) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        ref = parent.get(path[-1])
        if not (isinstance(ref, str) and is_table_ref(ref)):
            continue
        name, _ = split_sheet(ref)
        place = smap.place(path)
        refused = _not_inside(base, name)
        if refused:
            problems.append(Problem(place, path_str(path), Msg("input.table.file_refused", name=name, why=refused),
                                    Msg("input.table.file_refused_fix")))
            broken.add(path)
            continue
        if not (base / name).is_file():
            problems.append(Problem(place, path_str(path),
                                    Msg("input.table.file_missing", name=name, project=Path(file).name),
                                    _missing_table_fix(base, name)))
            broken.add(path)
            continue
        shown = str(Path(file).parent / ref)
        try:
            rows = _table_rows(read_table(base / ref, shown), path, smap)
        except InputError as exc:
            problems.extend(replace(p, path=path_str(path), message=Msg("input.table.of", ref=ref, message=p.message))
                            for p in exc.problems)
            broken.add(path)
            continue
        wanted = "date" if path in DATE_LIST_SECTIONS else DICT_SECTIONS.get(path)
        if wanted and rows and not any(wanted in r for r in rows):
            columns = sorted({k for r in rows for k in r})
            problems.append(Problem(Place(shown, row=1), path_str(path),
                                    Msg("input.table.no_column", column=wanted, filled=columns or Msg("common.none")),
                                    Msg("input.table.no_column_fix" if wanted == "date"
                                        else "input.table.no_column_id_fix", column=wanted)))
            broken.add(path)
            continue
        if path in DATE_LIST_SECTIONS:
            parent[path[-1]] = _dates_of(rows, path, smap, problems)
        elif path in DICT_SECTIONS:
            parent[path[-1]] = _keyed_by_id(rows, path, smap, problems)
        else:
            parent[path[-1]] = rows
    return broken


def _not_inside(base: Path, name: str) -> str | None:
    """Why a table file may not be read (a link, outside the project folder, not a regular file), or None.
    Its content is never read, so no error can quote another file's lines."""
    path = base / name
    if not path.exists() and not path.is_symlink():
        return None  # reported as missing, with a did-you-mean
    try:
        root = base.resolve()
        real = path.resolve()
        links = [p for p in [path, *path.parents] if p != root and root in p.parents and p.is_symlink()]
    except (OSError, RuntimeError):
        return Msg("input.table.link_loops")
    if root not in real.parents:
        return Msg("input.table.outside")
    if links:
        return Msg("input.table.link", link=str(links[0].relative_to(base)))
    if not real.is_file():
        return Msg("input.table.not_regular")
    return None


def _dates_of(rows: list[dict[str, Any]], path: PathKey, smap: SourceMap, problems: list[Problem]) -> list[str]:
    """A days_off / work_days table as its list of dates; each date keeps its row as its place."""
    dates = []
    for i, r in enumerate(rows):
        if r.get("date") is None:
            problems.append(Problem(smap.place(path + (i,)), path_str(path + (i,)), Msg("input.table.no_date"),
                                    Msg("input.table.no_date_fix")))
            continue
        smap.places[path + (len(dates),)] = smap.place(path + (i, "date"))
        dates.append(r["date"])
    return dates


def _keyed_by_id(rows: list[dict[str, Any]], path: PathKey, smap: SourceMap, problems: list[Problem]) -> dict:
    """A trades / equipment table as the mapping project.yaml would hold: id → row (or its value column)."""
    value_col = DICT_SECTIONS[path]
    out: dict[str, Any] = {}
    for i, r in enumerate(rows):
        key = r.pop("id", None)
        if key is None:
            problems.append(Problem(smap.place(path + (i,)), path_str(path + (i,)), Msg("input.table.no_id"),
                                    Msg("input.table.no_id_fix")))
            continue
        if key in out:
            problems.append(Problem(smap.place(path + (i, "id")), path_str(path + (key,)),
                                    Msg("input.table.duplicate_id", key=key, first=_short(smap.place(path + (key,)))),
                                    Msg("input.table.duplicate_id_fix")))
            continue
        if value_col and r.get(value_col) is None:
            problems.append(Problem(smap.place(path + (i,)), path_str(path + (key,)),
                                    Msg("input.table.no_value", key=key, column=value_col),
                                    Msg("input.table.no_value_fix", column=value_col)))
            continue
        out[key] = r.get(value_col) if value_col else r
        for col in list(smap.places):
            if col[: len(path) + 1] == path + (i,):
                smap.add(path + (key,) + col[len(path) + 1:], smap.places[col])
    return out


def _short(place: Place) -> Msg | Place:
    """`row 3` / `line 8` for a reference to another place of the same file."""
    if place.row is not None:
        return Msg("input.at.row", row=place.row)
    return Msg("input.at.line", line=place.line) if place.line is not None else place


def _missing_table_fix(base: Path, ref: str) -> str:
    import difflib

    try:
        present = sorted(f.name for f in base.iterdir() if f.suffix.lower() in TABLE_SUFFIXES)
    except OSError:
        present = []
    close = difflib.get_close_matches(Path(ref).name, present, n=2, cutoff=0.5)
    if close:
        return Msg("input.hint.close_two", a=close[0], b=close[1]) if len(close) > 1 else \
            Msg("input.hint.close", choice=close[0])
    return Msg("input.table.file_missing_fix")


_YAML_HINTS = (  # a phrase of PyYAML's message → the fix, input.yaml.hint.<name>
    ("'\\t'", "tab"),
    ("mapping values are not allowed", "colon"),
    ("could not find expected ':'", "no_colon"),
    ("found undefined alias", "undefined_alias"),
    ("found duplicate anchor", "duplicate_anchor"),
    ("expected <block end>", "block_end"),
    ("did not find expected key", "expected_key"),
    ("found unexpected end of stream", "end_of_stream"),
    ("while scanning a quoted scalar", "quote"),
    ("expected ',' or ']'", "list"),
    ("expected ',' or '}'", "mapping"),
)


def _yaml_fix(what: str) -> Msg:
    for needle, hint in _YAML_HINTS:
        if needle in what:
            return Msg(f"input.yaml.hint.{hint}", open="{", close="}")
    return Msg("input.yaml.hint.other")


def _text_of(file: Path, shown: str) -> str:
    """project.yaml as text, or one problem: unreadable, too large, not UTF-8."""
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise InputError([Problem(Place(shown), "", Msg("input.yaml.too_large", mb=size >> 20),
                                      Msg("input.yaml.too_large_fix"))])
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(Place(shown), "", Msg("input.yaml.not_utf8", reason=exc.reason, byte=exc.start),
                                  Msg("input.yaml.not_utf8_fix"))]) from None
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise InputError([Problem(Place(shown), "", Msg("input.yaml.unreadable", why=why),
                                  Msg("input.yaml.unreadable_fix"))]) from None


def read_project_data(project_path: str | Path) -> tuple[dict, SourceMap, Path]:
    """Load the raw data of a project (a folder holding project.yaml, or the yaml file itself)."""
    data, smap, file, problems, _ = read_project_source(project_path)
    if problems:
        raise InputError(problems)
    return data, smap, file


def read_project_source(project_path: str | Path) -> tuple[dict, SourceMap, Path, list[Problem], set[PathKey]]:
    """Like `read_project_data`, but problems that leave the data usable are returned, not raised.

    Returns data, source map, file, those problems, and the sections whose table could not be read
    (so that schema errors about those sections, which would only repeat the problem, can be dropped).
    Unreadable or unparsable files still raise `InputError`."""
    p = Path(project_path)
    file = p / "project.yaml" if p.is_dir() else p
    shown = str(file)
    if not file.is_file():
        raise InputError([Problem(Place(shown), "", Msg("input.yaml.not_found"), Msg("input.yaml.not_found_fix"))])
    smap = SourceMap(Place(shown))
    problems: list[Problem] = []
    text = _text_of(file, shown)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except _Refused as exc:
        raise InputError([Problem(_mark(exc.mark, shown), "", exc.message, exc.fix)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = Place(shown, mark.line + 1, mark.column + 1) if mark else Place(shown)
        what = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        raise InputError([Problem(place, "", Msg("input.yaml.syntax", what=what),
                                  _yaml_fix(f"{what} {context or ''}"))]) from None
    sections = ["version", "project", "calendar", "trades", "equipment", "site", "works"]
    if node is None:
        raise InputError([Problem(Place(shown, 1, 1), "", Msg("input.yaml.empty"),
                                  Msg("input.yaml.empty_fix", sections=sections))])
    if not isinstance(node, yaml.MappingNode):
        kind = (Msg("input.schema.a_list") if isinstance(node, yaml.SequenceNode)
                else Msg("input.yaml.single_value", value=node.value))
        raise InputError([Problem(_mark(node, shown), "", Msg("input.yaml.not_mapping", kind=kind),
                                  Msg("input.yaml.not_mapping_fix", sections=sections))])
    try:
        data = _construct(node, (), smap, shown, problems)
    except _Refused as exc:
        raise InputError([Problem(_mark(exc.mark, shown), "", exc.message, exc.fix)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError([Problem(_mark(mark, shown) if mark else Place(shown), "",
                                  Msg("input.yaml.error", what=str(getattr(exc, 'problem', None) or exc)),
                                  Msg("input.yaml.error_fix"))]) from None
    broken = _expand_tables(data, file.parent, shown, smap, problems)
    return data, smap, file, problems, broken

"""Load a project folder into a validated `Project`, or raise `InputError` with every problem."""

from __future__ import annotations

import hashlib
import re
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import project as schema
from .problems import InputError, Place, Problem, did_you_mean
from .project import Project
from .source import SourceMap, path_str, read_project_source
from .sanity import sanity_problems
from .validate import cross_check

WORK_TYPES = ("pipeline", "elevator", "surface", "building", "task")

# What each part of the file is called in messages ("unknown field 'x' in a zone").
NOUNS = {
    "Project": "the project file", "ProjectInfo": "project", "Quiet": "a quiet period", "Season": "a season",
    "Hours": "calendar.hours", "CalendarConfig": "calendar", "Trade": "a trade", "Gate": "a gate",
    "Zone": "a zone", "Entrance": "an entrance", "Building": "a building", "Site": "site",
    "After": "an 'after' entry", "Cutover": "a cutover", "PipelineWork": "a pipeline work",
    "ElevatorDays": "elevator days", "ElevatorWork": "an elevator work", "SurfaceWork": "a surface work",
    "BuildingWork": "a building work", "TaskWork": "a task work",
}

# An example for each required field, shown when it is missing.
EXAMPLES = {
    "version": "version: 1", "project": "project: {id: hepingli, name: 和平里小区, start: 2027-03-01}",
    "id": "id: <a short unique id, e.g. R1>", "name": "name: <text>", "start": "start: 2027-03-01",
    "from": "from: 2027-06-06", "to": "to: 2027-06-10", "forbid": "forbid: [paving]",
    "trades": "trades: {civil: {crews: 2}}", "site": "site: with gates, zones and buildings",
    "gates": "gates: [{id: N, zone: R1}]", "zones": "zones: [{id: R1, kind: road, length_m: 60}]",
    "buildings": "buildings: [{id: B1, households: 48, entrances: [{id: B1-1, zone: A1}]}]",
    "kind": "kind: road (road | path | green | apron)", "zone": "zone: <zone id>",
    "households": "households: 48", "entrances": "entrances: [{id: B1-1, zone: A1}]",
    "type": "type: pipeline (pipeline | elevator | surface | building | task)",
    "trade": "trade: <trade id from trades>", "runs": "runs: {R1: 60} (metres per zone)",
    "rate": "rate: 40 (metres laid per crew-day)", "days": "days: 5 (working days)",
    "building": "building: <building id>", "outage": "outage: water", "serves": "serves: [B1]",
}

_TYPE_WORDS = {
    "int": "a whole number", "float": "a number", "bool": "true or false", "string": "text",
    "dict": "a mapping (key: value, …)", "list": "a list ([a, b] or one '- item' per line)",
    "model": "a mapping of fields", "model_attributes": "a mapping of fields", "date": "a date (YYYY-MM-DD)",
}


def _unwrap(tp: Any) -> Any:
    """Strip Annotated / Optional around a type."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The schema class that holds the value at a raw pydantic location (None when it is no model)."""
    tp: Any = Project
    for key in loc:
        tp = _unwrap(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = next((f for n, f in tp.model_fields.items() if key in (n, f.alias)), None)
            if field is None:
                return None
            tp = field.annotation
        elif origin is list:
            tp = typing.get_args(tp)[0]
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        elif origin in (typing.Union, types.UnionType):  # the work union: the next key is the tag
            tp = next((a for a in typing.get_args(tp) if getattr(_unwrap(a), "__name__", "").lower()
                       == f"{key}work"), None)
            if tp is None:
                return None
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


def _all_field_names() -> set[str]:
    names: set[str] = set()
    for obj in vars(schema).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel):
            names.update(_field_names(obj))
    return names


def _allowed(expected: str) -> list[str]:
    """Values of a pydantic `literal_error` expectation: "'road', 'path' or 'green'" → [road, path, green]."""
    quoted = re.findall(r"'([^']*)'", expected)
    return quoted or [v.strip() for v in re.split(r",| or ", expected) if v.strip()]


def _in_table(place: Place) -> bool:
    return place.row is not None


def _explain(err: dict[str, Any], raw_loc: tuple, place: Place) -> tuple[str, str]:
    """Plain words and a fix for one pydantic error."""
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    loc = _clean_loc(raw_loc)
    last = str(loc[-1]) if loc else ""
    got = f" (got {value!r})" if not isinstance(value, (dict, list)) else ""
    if kind == "digonce":  # our own validators carry their fix
        return ctx["what"], ctx["fix"]
    if kind == "missing":
        return _missing(raw_loc, last, place)
    if kind == "extra_forbidden":
        return _extra(raw_loc, last, place)
    if kind.startswith("union_tag_"):
        return _work_type(kind, value, place)
    if kind in ("greater_than", "greater_than_equal", "less_than_equal", "less_than", "finite_number",
                "int_from_float"):
        return _number(kind, ctx, last, got)
    if kind.startswith(("date_", "datetime_")):
        return f"'{value}' is not a date", "write dates as YYYY-MM-DD, e.g. 2027-03-01"
    if kind == "literal_error":
        allowed = _allowed(str(ctx.get("expected", "")))
        if last == "version":
            return f"version {value!r} is not supported", "write version: 1"
        hint = did_you_mean(str(value), allowed, "value")
        if not hint.startswith("did you mean"):
            hint = f"use one of {', '.join(allowed)}"
        return f"'{value}' is not allowed for '{_field_of(loc)}'", hint
    if kind == "string_pattern_mismatch" and last == "id":
        return f"'{value}' is not a valid project id", "use lower-case letters, digits and '-' only, e.g. hepingli"
    if kind == "too_short":
        return f"'{last}' is empty", "give at least one entry"
    base = kind.removesuffix("_parsing").removesuffix("_type")
    if base in _TYPE_WORDS and (kind.endswith(("_parsing", "_type")) or kind == "model_attributes_type"):
        return _wrong_type(base, value, loc, last, got)
    msg = err["msg"].removeprefix("Value error, ")
    return msg + got, "correct the value (see docs/input-format.md)"


def _missing(raw_loc: tuple, last: str, place: Place) -> tuple[str, str]:
    model = _model_at(raw_loc[:-1])
    where = f" in {NOUNS.get(model.__name__, model.__name__)}" if model else ""
    if _in_table(place):
        return (f"required field '{last}' is missing{where}",
                f"fill the '{last}' cell of this row (add the column if the table has none)")
    example = EXAMPLES.get(last, f"{last}: …")
    return f"required field '{last}' is missing{where}", f"add {example}"


def _extra(raw_loc: tuple, last: str, place: Place) -> tuple[str, str]:
    model = _model_at(raw_loc[:-1])
    if model is None:
        return f"unknown field '{last}'", did_you_mean(last, _all_field_names(), "field")
    names = _field_names(model)
    noun = NOUNS.get(model.__name__, model.__name__)
    hint = did_you_mean(last, names, "field")
    if not hint.startswith("did you mean"):
        hint = f"{noun} has the fields {', '.join(names)}"
        if model is Project:
            hint = f"the sections are {', '.join(names)}"
    if model is Project:
        return f"unknown section '{last}'", hint
    what = "column" if _in_table(place) else "field"
    return f"unknown {what} '{last}' in {noun}", hint


def _work_type(kind: str, value: Any, place: Place) -> tuple[str, str]:
    if kind == "union_tag_invalid":
        tag = value.get("type") if isinstance(value, dict) else value
        hint = did_you_mean(str(tag), WORK_TYPES, "work type")
        if not hint.startswith("did you mean"):
            hint = f"use one of {', '.join(WORK_TYPES)}"
        return f"'{tag}' is not a work type", hint
    if _in_table(place):
        return "this work has no 'type'", f"fill its 'type' cell with one of {', '.join(WORK_TYPES)}"
    return "this work has no 'type'", f"add type: one of {', '.join(WORK_TYPES)}"


def _number(kind: str, ctx: dict[str, Any], last: str, got: str) -> tuple[str, str]:
    if kind in ("greater_than", "greater_than_equal"):
        limit = ctx.get("gt", ctx.get("ge"))
        if kind == "greater_than" and limit == 0:
            return f"'{last}' must be greater than 0{got}", "use a positive number"
        if kind == "greater_than_equal" and limit == 0:
            return f"'{last}' must not be negative{got}", "use 0 or a positive number"
        return f"'{last}' must be {'>' if kind == 'greater_than' else '≥'} {limit}{got}", "use a larger number"
    if kind in ("less_than_equal", "less_than"):
        limit = ctx.get("le", ctx.get("lt"))
        return f"'{last}' is too large{got}: at most {limit} is accepted", "check for a typo (an extra digit?)"
    if kind == "finite_number":
        return f"'{last}' must be a finite number{got}", "write a plain number such as 40"
    return f"'{last}' must be a whole number{got}", "drop the fraction, e.g. 3 instead of 3.5"


def _wrong_type(base: str, value: Any, loc: tuple, last: str, got: str) -> tuple[str, str]:
    want = _TYPE_WORDS[base]
    if value is None:
        return f"'{last}' has no value", f"give {want}, or remove the line"
    if base == "list" and isinstance(value, str):
        if value.lower().endswith((".xls", ".ods", ".numbers", ".txt", ".tsv")):
            return (f"'{value}' is not a table format digonce reads",
                    "save the table as .xlsx or as UTF-8 .csv and name that file here")
        return (f"'{value}' is neither a list nor a table file",
                "write the entries inline, or name a .csv/.xlsx table next to project.yaml")
    if base == "string" and isinstance(value, bool):
        return f"'{last}' should be text{got}", "write the text in quotes"
    shown = "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else repr(value)
    subject = f"'{last}'" if loc and isinstance(loc[-1], str) else "this entry"
    return f"{subject} should be {want}, not {shown}", _type_fix(base, last)


def _field_of(loc: tuple) -> str:
    """The nearest named field of a location: works[0].days.shaft → shaft, workweek[1] → workweek."""
    for k in reversed(loc):
        if isinstance(k, str):
            return k
    return path_str(loc)


_MAP_EXAMPLES = {
    "trades": "trades: {civil: {crews: 2}, water: {crews: 1}}", "equipment": "equipment: {excavator: 2, crane: 1}",
    "runs": "runs: {R1: 60, A1: 10}", "zones": "zones: {G1: 6}", "days": "days: {shaft: 10, install: 15}",
    "cutover": "cutover: {outage: water, serves: [B1]}", "project": "project: {id: demo, name: …, start: 2027-03-01}",
}


def _type_fix(base: str, last: str) -> str:
    if base in ("dict", "model", "model_attributes") and last in _MAP_EXAMPLES:
        return f"write key: value pairs, e.g. {_MAP_EXAMPLES[last]}"
    return {
        "int": "write a whole number such as 2",
        "float": "write a plain number such as 40 (no units)",
        "bool": "write true or false",
        "string": "write the text, in quotes if it looks like a number or date",
        "dict": "write key: value pairs, e.g. {key: value, other: value}",
        "model": "write the fields as key: value lines (see docs/input-format.md)",
        "model_attributes": "write the fields as key: value lines (see docs/input-format.md)",
        "list": "write a list, e.g. [R1, R2]",
        "date": "write dates as YYYY-MM-DD, e.g. 2027-03-01",
    }.get(base, "correct the value")


def _clean_loc(loc: tuple) -> tuple:
    """Drop the union tag pydantic inserts into work locations (works.3.pipeline.runs → works.3.runs)."""
    loc = tuple(loc)
    if len(loc) > 2 and loc[0] == "works" and loc[2] in WORK_TYPES:
        loc = loc[:2] + loc[3:]
    return tuple(k for k in loc if not (isinstance(k, str) and k.startswith(("function-", "list[", "dict["))))


def _schema_problems(exc: ValidationError, smap: SourceMap, skip: set[tuple] = frozenset()) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        raw = tuple(k for k in err["loc"]
                    if not (isinstance(k, str) and k.startswith(("function-", "list[", "dict["))))
        loc = _clean_loc(raw)
        if any(loc[:len(s)] == s for s in skip):  # a table that could not be read: already reported
            continue
        ctx = err.get("ctx") or {}
        if err["type"] == "digonce" and ctx.get("field"):
            loc = loc + (ctx["field"],)
        elif err["type"] == "union_tag_invalid":
            loc = loc + ("type",)
        place = smap.key_place(loc) if err["type"] == "extra_forbidden" else smap.place(loc)
        message, fix = _explain(err, raw, place)
        out.append(Problem(place, path_str(loc), message, fix))
    return out


def load_project(path: str | Path) -> tuple[Project, list[Problem]]:
    """Project and its warnings. Raises InputError listing every error (warnings included)."""
    data, smap, file, problems, broken = read_project_source(path)
    try:
        project = Project.model_validate(data)
    except ValidationError as exc:
        schema_problems = _schema_problems(exc, smap, broken)
        raise InputError(problems + schema_problems) from None
    problems = problems + cross_check(project, smap) + sanity_problems(project, data, smap)
    if any(not p.warning for p in problems):
        raise InputError(problems)
    project._source = smap
    project._file = str(file)
    digest = hashlib.sha256(file.read_bytes())
    for ref in sorted({str(p.file) for p in smap.places.values()} - {str(file)}):
        if Path(ref).is_file():
            digest.update(Path(ref).read_bytes())
    project._sha256 = digest.hexdigest()
    return project, problems

"""Load a project folder into a validated `Project`, or raise `InputError` with every problem."""

from __future__ import annotations

import hashlib
import re
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from scheduler.text import PLAIN_LANG, Msg, catalogue

from . import project as schema
from .problems import InputError, Place, Problem, close_hint, did_you_mean
from .project import Project
from .source import SourceMap, path_str, read_project_source
from .sanity import sanity_problems
from .validate import cross_check

WORK_TYPES = ("pipeline", "elevator", "surface", "building", "task")

# What each part of the file is called in messages ("unknown field 'x' in a zone"): input.model.<class name>.
# An example for each required field, shown when it is missing; <…> stands for words (input.example.<field>).
EXAMPLES = {
    "version": "version: 1", "project": "project: {id: hepingli, name: 和平里小区, start: 2027-03-01}",
    "id": "id: <>", "name": "name: <>", "start": "start: 2027-03-01",
    "from": "from: 2027-06-06", "to": "to: 2027-06-10", "forbid": "forbid: [paving]",
    "trades": "trades: {civil: {crews: 2}}", "site": "site: <>",
    "gates": "gates: [{id: N, zone: R1}]", "zones": "zones: [{id: R1, kind: road, length_m: 60}]",
    "buildings": "buildings: [{id: B1, households: 48, entrances: [{id: B1-1, zone: A1}]}]",
    "kind": "kind: road (road | path | green | apron)", "zone": "zone: <>",
    "households": "households: 48", "entrances": "entrances: [{id: B1-1, zone: A1}]",
    "type": "type: pipeline (pipeline | elevator | surface | building | task)",
    "trade": "trade: <>", "runs": "runs: {R1: 60} <>",
    "rate": "rate: 40 <>", "days": "days: 5 <>",
    "building": "building: <>", "outage": "outage: water", "serves": "serves: [B1]",
}

# pydantic's type names → input.type.<name> (what the value should be) and input.type_fix.<name>
_TYPES = ("int", "float", "bool", "string", "dict", "list", "model", "model_attributes", "date")


def _example(field: str) -> Msg | str:
    """`add <example>`'s example: code, with its words (the <> part) in the reader's language."""
    code = EXAMPLES.get(field, f"{field}: …")
    if "<>" not in code:
        return code
    before, after = code.split("<>")
    return Msg("input.example.with_words", before=before, after=after, words=Msg(f"input.example.{field}"))


def _model_noun(model: type[BaseModel]) -> Msg | str:
    key = f"input.model.{model.__name__}"
    return Msg(key) if key in catalogue(PLAIN_LANG) else model.__name__


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
    """Plain words and a fix for one pydantic error (catalogue messages, input.schema.*)."""
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    loc = _clean_loc(raw_loc)
    last = str(loc[-1]) if loc else ""
    got = Msg("input.schema.got", value=repr(value)) if not isinstance(value, (dict, list)) else ""
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
        return Msg("input.schema.not_a_date", value=value), Msg("input.fix.date")
    if kind == "literal_error":
        allowed = _allowed(str(ctx.get("expected", "")))
        if last == "version":
            return Msg("input.schema.version", value=repr(value)), Msg("input.schema.version_fix")
        hint = did_you_mean(str(value), allowed, "value")
        if not close_hint(hint):
            hint = Msg("input.schema.use_one_of", values=allowed)
        return Msg("input.schema.not_allowed", value=value, field=_field_of(loc)), hint
    if kind == "string_pattern_mismatch" and last == "id":
        return Msg("input.schema.project_id", value=value), Msg("input.schema.project_id_fix")
    if kind == "too_short":
        return Msg("input.schema.empty", field=last), Msg("input.schema.empty_fix")
    base = kind.removesuffix("_parsing").removesuffix("_type")
    if base in _TYPES and (kind.endswith(("_parsing", "_type")) or kind == "model_attributes_type"):
        return _wrong_type(base, value, loc, last, got)
    msg = err["msg"].removeprefix("Value error, ")  # a library's own words
    return Msg("input.schema.other", what=msg, got=got), Msg("input.schema.other_fix")


def _missing(raw_loc: tuple, last: str, place: Place) -> tuple[str, str]:
    model = _model_at(raw_loc[:-1])
    what = (Msg("input.schema.missing_in", field=last, model=_model_noun(model)) if model
            else Msg("input.schema.missing", field=last))
    if _in_table(place):
        return what, Msg("input.schema.missing_cell", field=last)
    return what, Msg("input.schema.add", example=_example(last))


def _extra(raw_loc: tuple, last: str, place: Place) -> tuple[str, str]:
    model = _model_at(raw_loc[:-1])
    if model is None:
        return Msg("input.schema.unknown_field", field=last), did_you_mean(last, _all_field_names(), "field")
    names = _field_names(model)
    noun = _model_noun(model)
    hint = did_you_mean(last, names, "field")
    if not close_hint(hint):
        hint = Msg("input.schema.fields_are", model=noun, fields=names)
        if model is Project:
            hint = Msg("input.schema.sections_are", fields=names)
    if model is Project:
        return Msg("input.schema.unknown_section", field=last), hint
    what = "unknown_column_in" if _in_table(place) else "unknown_field_in"
    return Msg(f"input.schema.{what}", field=last, model=noun), hint


def _work_type(kind: str, value: Any, place: Place) -> tuple[str, str]:
    if kind == "union_tag_invalid":
        tag = value.get("type") if isinstance(value, dict) else value
        hint = did_you_mean(str(tag), WORK_TYPES, "work_type")
        if not close_hint(hint):
            hint = Msg("input.schema.use_one_of", values=list(WORK_TYPES))
        return Msg("input.schema.not_a_work_type", value=tag), hint
    fix = "no_type_cell" if _in_table(place) else "no_type_add"
    return Msg("input.schema.no_type"), Msg(f"input.schema.{fix}", types=list(WORK_TYPES))


def _number(kind: str, ctx: dict[str, Any], last: str, got: str) -> tuple[str, str]:
    if kind in ("greater_than", "greater_than_equal"):
        limit = ctx.get("gt", ctx.get("ge"))
        if kind == "greater_than" and limit == 0:
            return Msg("input.number.positive", field=last, got=got), Msg("input.number.positive_fix")
        if kind == "greater_than_equal" and limit == 0:
            return Msg("input.number.negative", field=last, got=got), Msg("input.number.negative_fix")
        return (Msg("input.number.at_least", field=last, op=">" if kind == "greater_than" else "≥", limit=limit,
                    got=got), Msg("input.number.at_least_fix"))
    if kind in ("less_than_equal", "less_than"):
        limit = ctx.get("le", ctx.get("lt"))
        return Msg("input.number.too_large", field=last, got=got, limit=limit), Msg("input.number.too_large_fix")
    if kind == "finite_number":
        return Msg("input.number.finite", field=last, got=got), Msg("input.number.finite_fix")
    return Msg("input.number.whole", field=last, got=got), Msg("input.number.whole_fix")


def _wrong_type(base: str, value: Any, loc: tuple, last: str, got: str) -> tuple[str, str]:
    want = Msg(f"input.type.{base}")
    if value is None:
        return Msg("input.schema.no_value", field=last), Msg("input.schema.no_value_fix", want=want)
    if base == "list" and isinstance(value, str):
        if value.lower().endswith((".xls", ".ods", ".numbers", ".txt", ".tsv")):
            return Msg("input.schema.table_format", value=value), Msg("input.schema.table_format_fix")
        return Msg("input.schema.not_list", value=value), Msg("input.schema.not_list_fix")
    if base == "string" and isinstance(value, bool):
        return Msg("input.schema.should_be_text", field=last, got=got), Msg("input.schema.should_be_text_fix")
    shown = (Msg("input.schema.a_list") if isinstance(value, list) else Msg("input.schema.a_mapping")
             if isinstance(value, dict) else repr(value))
    subject = Msg("input.schema.field", field=last) if loc and isinstance(loc[-1], str) else Msg("input.schema.entry")
    return Msg("input.schema.should_be", subject=subject, want=want, shown=shown), _type_fix(base, last)


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
        return Msg("input.type_fix.pairs", example=_MAP_EXAMPLES[last])
    return Msg(f"input.type_fix.{base}", example="{key: value, other: value}") if base in _TYPES \
        else Msg("input.type_fix.other")


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

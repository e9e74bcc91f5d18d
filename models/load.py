"""Load a project folder into a validated `Project`, or raise `InputError` with every problem."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import project as schema
from .problems import InputError, Problem, did_you_mean
from .project import Project
from .source import SourceMap, path_str, read_project_data
from .validate import cross_check

WORK_TYPES = ("pipeline", "elevator", "surface", "building", "task")


def _field_names() -> set[str]:
    names: set[str] = set()
    for obj in vars(schema).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel):
            for name, f in obj.model_fields.items():
                names.add(f.alias or name)
    return names


def _explain(err: dict[str, Any]) -> tuple[str, str]:
    """Plain words and a fix for one pydantic error."""
    kind, loc, value = err["type"], err["loc"], err.get("input")
    last = str(loc[-1]) if loc else ""
    if kind == "missing":
        return f"required field '{last}' is missing", f"add '{last}:' here (see docs/input-format.md)"
    if kind == "extra_forbidden":
        return f"unknown field '{last}'", did_you_mean(last, _field_names(), "field")
    if kind == "union_tag_invalid":
        return (f"'{value.get('type') if isinstance(value, dict) else value}' is not a work type",
                f"use one of {', '.join(WORK_TYPES)}")
    if kind == "union_tag_not_found":
        return "this work has no 'type'", f"add type: one of {', '.join(WORK_TYPES)}"
    msg = err["msg"].removeprefix("Value error, ")
    if kind in ("greater_than", "greater_than_equal"):
        return f"{msg} (got {value!r})", "use a positive number"
    if kind.startswith(("date_", "datetime_")):
        return f"'{value}' is not a date", "write dates as YYYY-MM-DD, e.g. 2027-03-01"
    if kind == "literal_error":
        return f"{value!r} is not allowed: {msg}", "pick one of the listed values"
    if kind == "string_pattern_mismatch" and last == "id":
        return f"'{value}' is not a valid project id", "use lower-case letters, digits and '-' only"
    if kind == "too_short":
        return f"'{last}' is empty", "give at least one entry"
    shown = f" (got {value!r})" if not isinstance(value, (dict, list)) else ""
    return msg + shown, "correct the value"


def _clean_loc(loc: tuple) -> tuple:
    """Drop the union tag pydantic inserts into work locations (works.3.pipeline.runs → works.3.runs)."""
    loc = tuple(loc)
    if len(loc) > 2 and loc[0] == "works" and loc[2] in WORK_TYPES:
        loc = loc[:2] + loc[3:]
    return tuple(k for k in loc if not (isinstance(k, str) and k.startswith(("function-", "list[", "dict["))))


def _schema_problems(exc: ValidationError, smap: SourceMap) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = _clean_loc(err["loc"])
        message, fix = _explain(err)
        out.append(Problem(smap.place(loc), path_str(loc), message, fix))
    return out


def load_project(path: str | Path) -> tuple[Project, list[Problem]]:
    """Project and its warnings. Raises InputError listing every error (warnings included)."""
    data, smap, file = read_project_data(path)
    try:
        project = Project.model_validate(data)
    except ValidationError as exc:
        raise InputError(_schema_problems(exc, smap)) from None
    problems = cross_check(project, smap)
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

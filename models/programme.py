"""A district programme (SPEC §9): `programme.yaml` and the compounds it names, loaded as ordinary projects.

Each compound stays a project folder of its own (§4). The programme adds what only a district knows: the
shared contractors and machines (one pool across every compound), the programme's start and deadline, and
per compound an earliest start, a deadline and a weight. `load_programme` applies them to each compound's
`Project` — a shared trade replaces the fields it sets in the compound's own entry, shared equipment is
every compound's — so that everything downstream (expand, plan, check, publish) sees an ordinary project.
Errors read like the project file's: file, place, what is wrong, the fix; paths are relative to programme.yaml.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from .load import _explain, load_project
from .problems import InputError, Place, Problem, did_you_mean
from .project import OBJECTIVES, PosInt, Project, Strict, Trade
from .source import SourceMap, _construct, _Loader, _mark, _yaml_fix, path_str

FILE = "programme.yaml"
MAX_WEIGHT = 100


class ProgrammeInfo(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]
    name: str
    start: date
    deadline: date | None = None
    lang: Literal["zh-CN", "en"] = "zh-CN"  # of the programme Gantt and the shared trades' feeds


class CompoundRef(Strict):
    path: str
    earliest: date | None = None
    deadline: date | None = None
    weight: Annotated[int, Field(ge=1, le=MAX_WEIGHT)] = 1


class Shared(Strict):
    trades: dict[str, Trade] = {}
    equipment: dict[str, PosInt] = {}


class Programme(Strict):
    """A whole programme.yaml (SPEC §9)."""
    version: Literal[1]
    programme: ProgrammeInfo
    compounds: Annotated[list[CompoundRef], Field(min_length=1)]
    shared: Shared = Shared()
    objective: Annotated[list[Literal["finish", "disruption", "open_days"]], Field(min_length=1)] = list(OBJECTIVES)


@dataclass
class Compound:
    """One compound of the programme: its entry, its folder, and its project with the programme applied."""
    index: int  # position in `compounds:`
    ref: CompoundRef
    folder: Path
    project: Project

    @property
    def id(self) -> str:
        return self.project.project.id

    @property
    def weight(self) -> int:
        return self.ref.weight


@dataclass
class LoadedProgramme:
    programme: Programme
    file: Path
    compounds: list[Compound]
    warnings: list[Problem]

    @property
    def info(self) -> ProgrammeInfo:
        return self.programme.programme

    @property
    def pools(self) -> dict[tuple[str, str], int]:
        """("trade", id) or ("equipment", id) → units in the pool."""
        out = {("trade", k): v.crews for k, v in self.programme.shared.trades.items()}
        out.update({("equipment", k): v for k, v in self.programme.shared.equipment.items()})
        return out

    def compound(self, cid: str) -> Compound:
        return next(c for c in self.compounds if c.id == cid)


_NOUNS = {"Programme": "the programme file", "ProgrammeInfo": "programme", "CompoundRef": "a compound",
          "Shared": "shared", "Trade": "a shared trade"}
_EXAMPLES = {"version": "version: 1", "programme": "programme: {id: chaoyang-2027, name: …, start: 2027-03-01}",
             "id": "id: chaoyang-2027", "name": "name: <text>", "start": "start: 2027-03-01",
             "compounds": "compounds: [{path: hepingli}]", "path": "path: <a project folder, relative to programme.yaml>"}


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The schema class holding the value at a location (for 'unknown field' and 'missing' messages)."""
    tp: Any = Programme
    for key in loc:
        if tp is Programme:
            tp = {"programme": ProgrammeInfo, "compounds": list, "shared": Shared}.get(key)
        elif tp is list:
            tp = CompoundRef
        elif tp is Shared:
            tp = {"trades": dict, "equipment": None}.get(key)
        elif tp is dict:
            tp = Trade
        else:
            return None
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _schema_problems(exc: ValidationError, smap: SourceMap) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(k for k in err["loc"] if not (isinstance(k, str) and k.startswith(("function-", "list[", "dict["))))
        last = str(loc[-1]) if loc else ""
        model = _model_at(loc[:-1])
        noun = _NOUNS.get(model.__name__, model.__name__) if model else "the programme file"
        if err["type"] == "missing":
            what, fix = f"required field '{last}' is missing in {noun}", f"add {_EXAMPLES.get(last, last + ': …')}"
        elif err["type"] == "extra_forbidden":
            names = [f.alias or n for n, f in model.model_fields.items()] if model else []
            hint = did_you_mean(last, names, "field")
            what = f"unknown field '{last}' in {noun}"
            fix = hint if hint.startswith("did you mean") else f"{noun} has the fields {', '.join(names)}"
        elif err["type"] == "string_pattern_mismatch":
            what, fix = f"'{err.get('input')}' is not a valid programme id", "use lower-case letters, digits and '-' only"
        else:
            what, fix = _explain(err, loc, smap.place(loc))
        place = smap.key_place(loc) if err["type"] == "extra_forbidden" else smap.place(loc)
        out.append(Problem(place, path_str(loc), what, fix))
    return out


def _read(file: Path) -> tuple[dict, SourceMap]:
    """programme.yaml as plain data with the place of every value; unreadable files raise InputError."""
    shown = str(file)
    if not file.is_file():
        raise InputError([Problem(Place(shown), "", "programme file not found",
                                  f"pass a folder that holds {FILE}, or the path of a programme .yaml file")])
    smap = SourceMap(Place(shown))
    try:
        node = yaml.compose(file.read_text(encoding="utf-8"), Loader=_Loader)
    except UnicodeDecodeError as exc:
        raise InputError([Problem(Place(shown), "", f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                                  "save the file as UTF-8")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc)
        raise InputError([Problem(Place(shown, mark.line + 1, mark.column + 1) if mark else Place(shown), "",
                                  f"YAML syntax error: {what}", _yaml_fix(what))]) from None
    if not isinstance(node, yaml.MappingNode):
        where = _mark(node, shown) if node is not None else Place(shown, 1, 1)
        raise InputError([Problem(where, "", "the programme file holds no mapping of sections",
                                  "write the sections version, programme, compounds, shared (see docs/programme.md)")])
    problems: list[Problem] = []
    data = _construct(node, (), smap, shown, problems)
    if problems:
        raise InputError(problems)
    return data, smap


def _apply(project: Project, prog: Programme, ref: CompoundRef, digest: str) -> Project:
    """The compound's project as the programme runs it: later start, earlier deadline, the shared pools."""
    info = project.project
    start = max([info.start, prog.programme.start] + ([ref.earliest] if ref.earliest else []))
    deadlines = [d for d in (info.deadline, prog.programme.deadline, ref.deadline) if d]
    trades = dict(project.trades)
    for tid, shared in prog.shared.trades.items():
        if tid in trades:  # the fields the programme sets win; the compound keeps the rest (e.g. its workweek)
            trades[tid] = trades[tid].model_copy(update={k: getattr(shared, k) for k in shared.model_fields_set})
    out = project.model_copy(update={
        "project": info.model_copy(update={"start": start, "deadline": min(deadlines) if deadlines else None}),
        "trades": trades, "equipment": {**project.equipment, **prog.shared.equipment}})
    out._source, out._file = project._source, project._file
    out._sha256 = hashlib.sha256((project.input_sha256 + digest).encode()).hexdigest()
    return out


def _compound(prog: Programme, i: int, base: Path, smap: SourceMap, digest: str,
              problems: list[Problem]) -> Compound | None:
    """Load compound i, or add why it cannot be loaded to `problems`."""
    ref = prog.compounds[i]
    folder = Path(os.path.normpath(base / ref.path))
    place = smap.place(("compounds", i, "path"))
    if not (folder / "project.yaml").is_file() and not (folder.is_file() and folder.suffix in (".yaml", ".yml")):
        problems.append(Problem(place, f"compounds[{i}].path", f"no project.yaml in '{folder}'",
                                f"give the compound's project folder, relative to {FILE}"))
        return None
    try:
        project, warnings = load_project(folder)
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    problems.extend(warnings)
    out = _apply(project, prog, ref, digest)
    if ref.earliest and ref.deadline and ref.deadline < ref.earliest:
        problems.append(Problem(smap.place(("compounds", i, "deadline")), f"compounds[{i}].deadline",
                                f"deadline {ref.deadline} is before earliest {ref.earliest}",
                                "move the deadline after 'earliest', or remove one of them"))
    elif out.project.deadline and out.project.deadline < out.project.start:
        problems.append(Problem(place, f"compounds[{i}]", f"'{out.project.id}' must finish by "
                                f"{out.project.deadline} but may not start before {out.project.start}",
                                "move the deadline (the compound's, its entry's or the programme's) later"))
    return Compound(i, ref, folder, out)


def _cross_check(prog: Programme, compounds: list[Compound], smap: SourceMap) -> list[Problem]:
    """Distinct compounds and project ids; shared pools that no compound uses are worth a warning."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for c in compounds:
        first = seen.setdefault(c.id, c.index)
        if first != c.index:
            problems.append(Problem(smap.place(("compounds", c.index, "path")), f"compounds[{c.index}].path",
                                    f"project id '{c.id}' is already the id of compounds[{first}]",
                                    "each compound needs its own project.id (it names its folder in OUT and "
                                    "every feed UID)"))
    for tid in prog.shared.trades:
        if compounds and not any(tid in c.project.trades for c in compounds):
            problems.append(Problem(smap.key_place(("shared", "trades", tid)), f"shared.trades.{tid}",
                                    f"no compound has the trade '{tid}'",
                                    "check the spelling, or remove it", warning=True))
    return problems


def load_programme(path: str | Path) -> LoadedProgramme:
    """Programme and its compounds (the programme applied to each). Raises InputError with every problem."""
    p = Path(path)
    file = p / FILE if p.is_dir() else p
    data, smap = _read(file)
    try:
        prog = Programme.model_validate(data)
    except ValidationError as exc:
        raise InputError(_schema_problems(exc, smap)) from None
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    problems: list[Problem] = []
    compounds = [c for i in range(len(prog.compounds))
                 if (c := _compound(prog, i, file.parent, smap, digest, problems)) is not None]
    problems += _cross_check(prog, compounds, smap)
    if any(not pr.warning for pr in problems):
        raise InputError(problems)
    return LoadedProgramme(prog, file, compounds, problems)

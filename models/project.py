"""Typed domain objects for project.yaml (SPEC §4).

Multi-valued table cells arrive as text (`R1;R2`, `R1:60;R2:80`, `water-main+2`); the `Before`
validators below turn them into lists and maps, so YAML and tables share one schema.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from scheduler.text import Msg

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ZONE_KINDS = ("road", "path", "green", "apron")
TASK_KINDS = ("excavate", "backfill", "lay", "test", "commission", "inspect", "cutover", "relocate", "foundation",
              "curing", "lift", "shaft", "install", "acceptance", "paving", "greening", "surface", "restore",
              "building", "task")
OPEN = "open"  # in a season's `forbid`: no trench open on any of its calendar days (R8)
OBJECTIVES = ("finish", "disruption", "open_days")
ELEVATOR_STEPS = ("relocate", "foundation", "curing", "lift", "shaft", "install", "acceptance")
DEFAULT_FOUNDATION_DEPTH_M = 2.0


def bad(what: Msg, fix: Msg, field: str | None = None) -> PydanticCustomError:
    """A validation error that carries its own fix (and, for model checks, the field it is about).

    models.load turns it into one problem line: `<place>: <path>[.<field>]: <what> — <fix>`.
    """
    ctx = {"what": what, "fix": fix}
    if field:
        ctx["field"] = field
    return PydanticCustomError("digonce", "{what}", ctx)


def _split_list(v: Any) -> Any:
    if isinstance(v, str):
        return [part.strip() for part in v.split(";") if part.strip()]
    return v


def _split_map(v: Any) -> Any:
    if isinstance(v, str):
        out: dict[str, str] = {}
        for part in v.split(";"):
            if not part.strip():
                continue
            key, sep, value = part.rpartition(":")
            if not sep or not key.strip():
                raise bad(Msg("validate.field.not_key_value", part=part.strip(), text=v.strip()),
                          Msg("validate.field.not_key_value_fix"))
            out[key.strip()] = value.strip()
        return out
    return v


def _check_window(v: str) -> str:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", str(v))
    if not m:
        raise bad(Msg("validate.field.not_window", value=v), Msg("validate.field.not_window_fix"))
    h1, m1, h2, m2 = map(int, m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2 > 0):
        raise bad(Msg("validate.field.bad_time", value=v), Msg("validate.field.bad_time_fix"))
    if (h1, m1) >= (h2, m2):
        what = "window_empty" if (h1, m1) == (h2, m2) else "window_reversed"
        raise bad(Msg(f"validate.field.{what}", value=v), Msg("validate.field.window_fix"))
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


StrList = Annotated[list[str], BeforeValidator(_split_list)]
DateList = Annotated[list[date], BeforeValidator(_split_list)]
Window = Annotated[str, BeforeValidator(_check_window)]
WindowList = Annotated[list[Window], BeforeValidator(_split_list)]
Weekdays = Annotated[list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]], BeforeValidator(
    lambda v: [str(d).strip().lower() for d in _split_list(v)] if isinstance(v, (str, list)) else v)]
# Upper limits catch typos (an extra zero or two) long before they overflow a date or the solver.
MAX_COUNT = 3650          # days, crews, capacities, lags: ten years of days is more than any renovation
MAX_AMOUNT = 1_000_000.0  # metres and metres per day
PosInt = Annotated[int, Field(gt=0, le=MAX_COUNT)]
NonNegInt = Annotated[int, Field(ge=0, le=MAX_COUNT)]
PosFloat = Annotated[float, Field(gt=0, le=MAX_AMOUNT, allow_inf_nan=False)]


class Strict(BaseModel):
    # Numbers are accepted where text is expected: `id: 1` in YAML and "1" in a table mean the same building.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True,
                              coerce_numbers_to_str=True)


class ProjectInfo(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]
    name: str
    timezone: str = "Asia/Shanghai"
    start: date
    deadline: date | None = None
    hotline: str = ""
    lang: Literal["zh-CN", "en"] = "zh-CN"


class Period(Strict):
    name: str
    from_: date = Field(alias="from")
    to: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.to < self.from_:
            raise bad(Msg("validate.field.period_reversed", name=self.name, start=self.from_, end=self.to),
                      Msg("validate.field.period_reversed_fix", start=self.from_, end=self.to), "to")
        return self

    def days(self) -> list[date]:
        from datetime import timedelta
        return [self.from_ + timedelta(n) for n in range((self.to - self.from_).days + 1)]


class Quiet(Period):
    buildings: StrList | None = None


class Season(Period):
    forbid: Annotated[StrList, Field(min_length=1)]
    min_depth_m: PosFloat | None = None  # with `open`: only zones at least this deep may not be open

    @model_validator(mode="after")
    def _depth_needs_open(self) -> Season:
        if self.min_depth_m is not None and OPEN not in self.forbid:
            raise bad(Msg("validate.field.depth_without_open", name=self.name),
                      Msg("validate.field.depth_without_open_fix"), "min_depth_m")
        return self

    def forbids_open(self, depth: float | None) -> bool:
        """Whether a zone whose deepest depth-carrying work is `depth` (None: none has a depth) may not be open."""
        if OPEN not in self.forbid:
            return False
        return self.min_depth_m is None or (depth is not None and depth >= self.min_depth_m)


class Hours(Strict):
    work: Annotated[WindowList, Field(min_length=1)] = ["07:30-11:30", "13:30-17:30"]
    noisy: Annotated[WindowList, Field(min_length=1)] = ["08:00-12:00", "14:00-18:00"]


class CalendarConfig(Strict):
    workweek: Annotated[Weekdays, Field(min_length=1)] = ["mon", "tue", "wed", "thu", "fri", "sat"]
    holidays: Literal["CN", "none"] = "CN"
    days_off: DateList = []
    work_days: DateList = []
    hours: Hours = Hours()
    quiet: list[Quiet] = []
    seasons: list[Season] = []


class Trade(Strict):
    crews: PosInt = 1
    contractor: str = ""
    contact: str = ""
    workweek: Annotated[Weekdays, Field(min_length=1)] | None = None
    excavate_rate: PosFloat | None = None
    backfill_rate: PosFloat | None = None


class Gate(Strict):
    id: str
    name: str = ""
    zone: str


class Zone(Strict):
    id: str
    name: str = ""
    kind: Literal["road", "path", "green", "apron"]
    length_m: PosFloat | None = None
    links: StrList = []
    passable_when_open: Literal["none", "people"] = "none"
    max_open_days: PosInt | None = None


class Entrance(Strict):
    id: str
    name: str = ""
    zone: str


class Building(Strict):
    id: str
    name: str = ""
    households: Annotated[int, Field(ge=0, le=100_000)]
    sensitive: bool = False
    near: StrList = []
    fire_zones: StrList = []
    entrances: Annotated[list[Entrance], Field(min_length=1)]

    @field_validator("entrances", mode="before")
    @classmethod
    def _entrance_map(cls, v: Any) -> Any:
        """In a table cell, entrances are written as a map id:zone (B1-1:A1;B1-2:A2)."""
        v = _split_map(v)
        if isinstance(v, dict):
            return [{"id": k, "zone": z} for k, z in v.items()]
        return v


class Site(Strict):
    gates: Annotated[list[Gate], Field(min_length=1)]
    zones: Annotated[list[Zone], Field(min_length=1)]
    max_open_zones: PosInt | None = None
    inspection_days: NonNegInt = 1  # 隐蔽工程验收 in every opened zone before its backfill (0: none)
    buildings: Annotated[list[Building], Field(min_length=1)]


def _after_schema(schema: dict[str, Any]) -> None:
    """In the JSON Schema, an `after` entry is `X`, `X+2` or {id: X, lag: 2} (editors must accept all three)."""
    as_object = dict(schema)
    schema.clear()
    schema.update(title=as_object.get("title", "After"),
                  anyOf=[{"type": "string",
                          "description": "a work or task id, optionally +lag: water-main, E1:shaft+2"},
                         {k: v for k, v in as_object.items() if k != "title"}])


class After(Strict):
    model_config = ConfigDict(json_schema_extra=_after_schema)

    id: str
    lag: NonNegInt = 0

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, v: Any) -> Any:
        """`X` or `X+2` (lag 2) in a table cell or a plain YAML list."""
        if isinstance(v, str):
            m = re.fullmatch(r"(.+?)\+(\d+)", v.strip())
            return {"id": m.group(1), "lag": int(m.group(2))} if m else {"id": v.strip()}
        return v


AfterList = Annotated[list[After], BeforeValidator(_split_list)]


class Cutover(Strict):
    outage: str
    serves: Annotated[StrList, Field(min_length=1)]
    hours: Window = "09:00-15:00"
    days: PosInt = 1
    notice_days: NonNegInt = 1


class WorkBase(Strict):
    id: str
    name: str | None = None
    after: AfterList = []
    earliest: date | None = None
    deadline: date | None = None
    noisy: bool | None = None

    @model_validator(mode="after")
    def _window(self) -> WorkBase:
        if self.earliest and self.deadline and self.deadline < self.earliest:
            raise bad(Msg("validate.field.deadline_before_earliest", deadline=self.deadline, earliest=self.earliest),
                      Msg("validate.field.deadline_before_earliest_fix"), "deadline")
        return self


class PipelineWork(WorkBase):
    type: Literal["pipeline"]
    trade: str
    runs: Annotated[dict[str, PosFloat], BeforeValidator(_split_map), Field(min_length=1)]
    rate: PosFloat
    downstream_first: bool = False
    depth_m: PosFloat | None = None
    test_days: NonNegInt = 0
    commission_days: NonNegInt = 0
    cutover: Cutover | None = None


class ElevatorDays(Strict):
    relocate: PosInt = 3
    foundation: PosInt = 5
    curing: PosInt = 7
    lift: PosInt = 2
    shaft: PosInt = 8
    install: PosInt = 15
    acceptance: PosInt = 5


class ElevatorWork(WorkBase):
    type: Literal["elevator"]
    trade: str = "elevator"
    building: str
    entrance: str | None = None
    zone: str
    crane_zones: StrList = []
    fire_plan: bool = False  # an approved temporary fire-safety plan: the crane may stand on a fire route
    depth_m: PosFloat = DEFAULT_FOUNDATION_DEPTH_M
    relocate_trade: str = "civil"
    days: Annotated[ElevatorDays, BeforeValidator(_split_map)] = ElevatorDays()


class SurfaceWork(WorkBase):
    type: Literal["surface"]
    trade: str
    zones: Annotated[dict[str, PosInt], BeforeValidator(_split_map), Field(min_length=1)]


class BuildingWork(WorkBase):
    type: Literal["building"]
    trade: str
    building: str
    days: PosInt


class TaskWork(WorkBase):
    type: Literal["task"]
    trade: str
    days: PosInt
    zone: str | None = None
    building: str | None = None
    underground: bool = False
    equipment: StrList = []

    @model_validator(mode="after")
    def _zone_for_underground(self) -> TaskWork:
        if self.underground and not self.zone:
            raise bad(Msg("validate.field.underground_zone"), Msg("validate.field.underground_zone_fix"), "underground")
        return self


Work = Annotated[Union[PipelineWork, ElevatorWork, SurfaceWork, BuildingWork, TaskWork], Field(discriminator="type")]


class Project(Strict):
    """A whole project.yaml (SPEC §4), validated: site, calendar, trades, equipment, works, objectives."""
    version: Literal[1]
    project: ProjectInfo
    calendar: CalendarConfig = CalendarConfig()
    trades: dict[str, Trade]
    equipment: dict[str, PosInt] = {}
    site: Site
    works: list[Work] = []
    objective: Annotated[list[Literal["finish", "disruption", "open_days"]], Field(min_length=1)] = list(OBJECTIVES)

    _source: Any = PrivateAttr(default=None)  # models.source.SourceMap: where each field came from
    _file: str = PrivateAttr(default="project.yaml")
    _sha256: str = PrivateAttr(default="")

    # Lookups used everywhere downstream.
    def zone(self, zid: str) -> Zone:
        return next(z for z in self.site.zones if z.id == zid)

    def building(self, bid: str) -> Building:
        return next(b for b in self.site.buildings if b.id == bid)

    @property
    def source(self) -> Any:
        return self._source

    @property
    def input_sha256(self) -> str:
        return self._sha256

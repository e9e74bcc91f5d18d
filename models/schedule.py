"""The one result object (SPEC §7 `schedule.json`): tasks with dates, openings, occupations, disruptions,
solver stats."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT = "digonce-schedule/1"
# The ledger (台账, SPEC §7): a schedule as one row per task, written by publish and read back by check.
LEDGER_COLUMNS = ("id", "name", "trade", "contractor", "zone", "building", "start", "finish", "days", "noisy",
                  "underground", "outage", "predecessors")


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class OutageInfo(_Model):
    type: str
    serves: list[str]
    hours: str
    notice_days: int


class ScheduledTask(_Model):
    id: str
    name: str = ""
    trade: str | None = None
    kind: str = ""
    work: str | None = None
    zone: str | None = None
    building: str | None = None
    start: date
    finish: date
    days: list[date] = []
    noisy: bool = False
    underground: bool = False
    surface: bool = False
    hours: list[str] = []
    outage: OutageInfo | None = None
    equipment: list[str] = []
    after: list[str] = []
    # set by `digonce replan`: what progress reported (done: actual dates; started: actual start, then the
    # remaining days); the referee accepts such history before the schedule's `as_of` as it happened
    status: Literal["done", "started"] | None = None


class Opening(_Model):
    zone: str
    from_: date = Field(alias="from")
    to: date


class Occupation(_Model):
    """A lift's crane standing on a zone, from the lift's first to its last working day (calendar days)."""
    zone: str
    from_: date = Field(alias="from")
    to: date
    task: str
    fire_plan: bool = False  # an approved temporary fire-safety plan: fire engines may pass the cordon


class Disruption(_Model):
    building: str
    date: date
    kind: Literal["noise", "entrance", "outage"]
    hours: list[str] = []
    task: str | None = None
    zone: str | None = None


class SolverInfo(_Model):
    status: str
    wall_s: float
    objective: dict[str, str | int] = {}
    bound: dict[str, str | int] = {}
    gap: dict[str, float] = {}
    stages: list[dict] = []


class Schedule(_Model):
    """The result of SPEC §7 (schedule.json): dated tasks, zone openings, disruptions and solver figures."""
    format: Literal["digonce-schedule/1"] = FORMAT
    project: str
    input_sha256: str = ""
    solver: SolverInfo | None = None
    as_of: date | None = None  # a re-plan: the first day it plans; before it, reported progress is history
    tasks: list[ScheduledTask]
    openings: list[Opening] = []
    occupations: list[Occupation] = []
    disruptions: list[Disruption] = []

    def task(self, tid: str) -> ScheduledTask:
        return next(t for t in self.tasks if t.id == tid)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json", by_alias=True), ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def read(cls, path: str | Path) -> Schedule:
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))

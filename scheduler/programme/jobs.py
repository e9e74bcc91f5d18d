"""One sub-problem of a programme: a compound solved against the shared capacity others hold.

`run_job` is what a Dask worker runs. It takes everything it needs by value (the compound's `Project` with
the programme applied, the held capacity, the horizon, the budgets) and returns plain data, so the same job
runs in an embedded local cluster or on a remote worker that shares no files with the coordinator.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass, field
from datetime import date

from models.project import Project
from models.schedule import Schedule

from scheduler import api
from scheduler.planning.compile import Reserved


@dataclass
class Job:
    compound: str  # project id
    project: Project  # the programme applied (shared pools, start, deadline)
    reserved: Reserved = field(default_factory=dict)  # shared capacity other compounds hold
    end: date | None = None  # working horizon (None: the planner's own)
    deadline: date | None = None  # a programme target tighter than the compound's deadline
    objective: list[str] | None = None  # another order of the compound's objectives (polish)
    time_limit: float = 30.0
    deterministic_limit: float | None = None
    seed: int = 0
    purpose: str = "alone"  # alone | commit | donor | wish | polish (for progress and the account)


@dataclass
class Outcome:
    compound: str
    purpose: str
    status: str  # OPTIMAL FEASIBLE INFEASIBLE UNKNOWN
    schedule: Schedule | None
    finish_bound: date | None  # the solver's proven lower bound of the finish (alone: the compound's own)
    wall_s: float
    det_s: float
    worker: str = ""  # host:pid that solved it
    peak_mb: float = 0.0  # the worker process's peak resident memory so far


def _project(job: Job) -> Project:
    """The job's project with its extra deadline and objective order."""
    info = job.project.project
    update: dict = {}
    if job.deadline and (info.deadline is None or job.deadline < info.deadline):
        update["project"] = info.model_copy(update={"deadline": job.deadline})
    if job.objective:
        update["objective"] = job.objective
    if not update:
        return job.project
    out = job.project.model_copy(update=update)
    out._source, out._file, out._sha256 = job.project._source, job.project._file, job.project._sha256
    return out


def run_job(job: Job) -> Outcome:
    """Expand and plan one compound on this worker (one CP-SAT search worker: the cluster is the parallelism)."""
    t0 = time.time()
    project = _project(job)
    tasks = api.expand(project)
    result = api.plan(project, tasks, time_limit=job.time_limit, workers=1, seed=job.seed,
                      deterministic_limit=job.deterministic_limit, reserved=job.reserved or None,
                      end=job.end, explain=False)
    sol = result.solution
    bound = None
    finish = next((s for s in sol.stages if s.name == "finish"), None)
    if finish is not None and finish.bound is not None:
        bound = result.compiled.date(int(round(finish.bound)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    schedule = result.schedule
    if schedule is not None:  # the compound's own input hash, not the job's variant of it
        schedule.input_sha256 = job.project.input_sha256
    return Outcome(job.compound, job.purpose, sol.status if schedule is not None or sol.status != "FEASIBLE"
                   else "UNKNOWN", schedule, bound, time.time() - t0, sol.det_s,
                   f"{os.uname().nodename}:{os.getpid()}", peak)

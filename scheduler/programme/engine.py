"""The distributed engine: Dask distributed, an embedded local cluster by default, or a running one.

Why Dask and not Ray: `distributed` is pure Python (pip installs it anywhere ortools installs), needs no
daemon, and `LocalCluster` runs the very same scheduler/worker code in-process or in local processes, so a
laptop run and a cluster run (`--address tcp://host:8786`) take one code path. Each sub-problem is one
Dask task; when a worker dies, the scheduler re-runs the tasks it held on another worker (up to
`distributed.scheduler.allowed-failures` times), and a task that raised is retried `RETRIES` times.
"""

from __future__ import annotations

import logging
import os
import uuid
import warnings
from dataclasses import dataclass
from typing import Any

import dask
from distributed import Client, Future, LocalCluster

from scheduler.programme.jobs import Job, Outcome, run_job

RETRIES = 1  # a sub-problem that raised is tried once more before it counts as failed
ALLOWED_FAILURES = 4  # workers that may die under one sub-problem before it counts as failed


@dataclass
class Pending:
    """A submitted job: the Dask future and the job, so that a failure can be reported by compound."""
    job: Job
    future: Future


class Engine:
    """Runs jobs on Dask workers. Use as a context manager: the embedded cluster stops on exit."""

    def __init__(self, address: str | None = None, workers: int = 2, processes: bool = True):
        for name in ("distributed", "distributed.nanny", "distributed.worker", "distributed.scheduler"):
            logging.getLogger(name).setLevel(logging.CRITICAL)  # a killed worker is handled, not news
        dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES})
        self.cluster: LocalCluster | None = None
        if address:
            self.client = Client(address, timeout="30s")
        else:
            with warnings.catch_warnings():  # "port 8787 in use": no dashboard is asked for
                warnings.simplefilter("ignore", UserWarning)
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                                            dashboard_address=None, silence_logs=logging.CRITICAL)
            self.client = Client(self.cluster)
        self.address = self.client.scheduler.address

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    @property
    def workers(self) -> int:
        """Worker slots now (threads over every worker): how many sub-problems run at once."""
        return max(1, sum(self.client.nthreads().values()))

    def worker_pids(self) -> dict[str, int]:
        """Worker address → process id (tests kill one to show the run survives it)."""
        return self.client.run(os.getpid)

    def processing(self) -> dict[str, list]:
        """Worker address → the task keys it is running now."""
        return {w: list(keys) for w, keys in self.client.processing().items()}

    def submit(self, job: Job) -> Pending:
        key = f"{job.purpose}-{job.compound}-{uuid.uuid4().hex[:8]}"
        return Pending(job, self.client.submit(run_job, job, key=key, pure=False, retries=RETRIES))

    def result(self, pending: Pending) -> Outcome:
        """The job's outcome; a job that failed on every try comes back as status ERROR."""
        try:
            return pending.future.result()
        except Exception as exc:  # noqa: BLE001 — a sub-problem's failure is the programme's news, not a crash
            return Outcome(pending.job.compound, pending.job.purpose, "ERROR", None, None, 0.0, 0.0,
                           worker=f"{type(exc).__name__}: {exc}"[:300])

    def run(self, jobs: list[Job]) -> list[Outcome]:
        """Every job in parallel; outcomes in the order of `jobs`."""
        pending = [self.submit(j) for j in jobs]
        return [self.result(p) for p in pending]


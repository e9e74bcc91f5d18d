"""`digonce programme check`: the referee for a whole programme, read back from what was written.

Every compound's schedule is judged by the compound referee (§5, through the public `check`) against its
project as the programme runs it (shared crews, programme start and deadline), and the shared pools are
counted on every day across all compounds (`pools.check_pools`) — neither asks the solver anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from models import InputError, Place, Problem
from models.programme import LoadedProgramme
from models.schedule import Schedule

from scheduler import api
from scheduler.programme import pools as P
from scheduler.text import t


@dataclass
class Report:
    violations: dict[str, list[api.Violation]] = field(default_factory=dict)  # compound → its violations
    pools: list[P.PoolViolation] = field(default_factory=list)
    days: int = 0  # pool-days counted

    @property
    def ok(self) -> bool:
        return not self.pools and not any(self.violations.values())

    def lines(self) -> list[str]:
        out = [f"{cid}: {v}" for cid, vs in self.violations.items() for v in vs]
        return out + [str(v) for v in self.pools]


def read_schedules(prog: LoadedProgramme, folder: str | Path, lang: str = "en") -> dict[str, Schedule]:
    """Each compound's `schedule.json` from `<folder>/<compound>/`, read as `digonce check` reads one."""
    out: dict[str, Schedule] = {}
    problems: list[Problem] = []
    for c in prog.compounds:
        path = Path(folder) / c.id / "schedule.json"
        if not path.is_file():
            problems.append(Problem(Place(str(path)), "", t("programme.cli.missing", lang, path=path, compound=c.id)))
            continue
        try:
            sched = api.read_schedule(path, c.project, api.expand(c.project))
        except InputError as exc:
            problems += exc.problems
            continue
        if sched.project != c.id:
            problems.append(Problem(Place(str(path)), "", t("programme.cli.wrong_project", lang, path=path,
                                                             found=sched.project, compound=c.id)))
            continue
        out[c.id] = sched
    if problems:
        raise InputError(problems)
    return out


def check_programme(prog: LoadedProgramme, schedules: dict[str, Schedule]) -> Report:
    report = Report()
    usages = {}
    for c in prog.compounds:
        tasks = api.expand(c.project)
        report.violations[c.id] = api.check(c.project, tasks, schedules[c.id])
        usages[c.id] = P.usage(schedules[c.id], prog.pools, tasks)
    report.pools = P.check_pools(usages, prog.pools)
    report.days = sum(len(days) for days in P.total(list(usages.values())).values())
    return report

"""What holds a task where it is (`digonce explain PROJECT --schedule S.json --task ID`).

A rule holds a task if starting it one working day earlier, everything else unchanged, breaks that
rule: a predecessor that finishes the working day before (or its lag), a crew or machine at capacity,
quiet or season days, an access or open-zone rule, a release date, the project start. The referee
(scheduler/review/check) judges the moved schedule, so "breaks" means exactly what `digonce check` says.
Following the binding predecessor (or the task that takes the crew) gives the chain back to the start.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from models.project import Project
from models.schedule import Schedule, ScheduledTask

from scheduler.planning.calendars import Calendars
from scheduler.planning.expand import Task
from scheduler.planning.rules import Rule
from scheduler.review.check import Violation, check_schedule
from scheduler.text import t as text
from scheduler.text import words

# What the referee reports that the mover's own reasons already cover: R1/R5 orderings are the predecessors,
# R3 dates the earliest date and the project start; TASKS is about the schedule file, not a rule.
_COVERED = {"TASKS", Rule.R1, Rule.R3, Rule.R5}


@dataclass
class Hold:
    rule: Rule  # R1 predecessor, R2 crew/machine, R3 start/earliest, R4…R10 as in SPEC §5
    text: str
    by: str | None = None  # the task that holds it (predecessor, or the task using the crew/machine)


@dataclass
class Link:
    task: str
    start: date
    finish: date
    holds: list[Hold] = field(default_factory=list)  # empty: nothing binds, it could start earlier


@dataclass
class TaskExplanation:
    """What holds a task where it is: the task, then each binding reason's task, back to the project start."""
    task: str
    chain: list[Link]  # the task first, then what holds it, back to the project start
    lang: str = "en"

    def to_dict(self) -> dict:
        return {"task": self.task, "chain": [
            {**asdict(k), "start": k.start.isoformat(), "finish": k.finish.isoformat()} for k in self.chain]}

    def render(self) -> str:
        lines = []
        for depth, k in enumerate(self.chain):
            pad = "  " * depth
            lines.append(f"{pad}{k.task}  {k.start} → {k.finish}")
            if not k.holds:
                lines.append(f"{pad}  " + text("hold.free", self.lang))
            for h in k.holds:
                lines.append(f"{pad}  " + text("hold.held_by", self.lang, rule=h.rule, text=h.text))
        return "\n".join(lines)


class _Mover:
    def __init__(self, project: Project, tasks: list[Task], schedule: Schedule, lang: str):
        self.p, self.sched, self.lang = project, schedule, lang
        self.tasks = {t.id: t for t in tasks}
        self.st = {s.id: s for s in schedule.tasks}
        self.base = schedule.model_copy(update={"openings": [], "occupations": [], "disruptions": []})
        self.cal = Calendars(project, max(s.finish for s in schedule.tasks))
        self.before = {str(v) for v in check_schedule(project, tasks, self.base)}
        self.task_list = tasks

    def holds(self, tid: str) -> list[Hold]:
        """Every rule that starting `tid` one working day earlier would break."""
        t, s = self.tasks[tid], self.st[tid]
        days = self.cal.days(t.calendar)
        i = days.index(s.start) if s.start in days else None
        if i is None or i == 0:
            return [Hold(Rule.R3, text("hold.first_day", self.lang, start=self.p.project.start))]
        new = days[i - 1: i - 1 + t.days]
        out = self._predecessors(t, days, new[0])
        if t.earliest and new[0] < t.earliest:
            out.append(Hold(Rule.R3, text("hold.earliest", self.lang, earliest=t.earliest)))
        moved = s.model_copy(update={"start": new[0], "finish": new[-1], "days": new})
        trial = self.base.model_copy(update={"tasks": [moved if x.id == tid else x for x in self.base.tasks]})
        for v in check_schedule(self.p, self.task_list, trial):
            if str(v) not in self.before and v.rule not in _COVERED:
                rule = Rule(v.rule)
                out.append(Hold(rule, f"{v.task}: {words(v.message, self.lang)}",
                                self._user(t, v, new[0]) if rule == Rule.R2 else None))
        return out

    def _predecessors(self, t: Task, days: list[date], first: date) -> list[Hold]:
        """R1: the predecessors that finish too late (or too close, with a lag) for a start on `first`."""
        out = []
        for pid, lag in t.after.items():
            ps = self.st.get(pid)
            if ps is None:
                continue
            between = len([d for d in days if ps.finish < d < first])
            if first <= ps.finish or between < lag:
                words = text("hold.predecessor_lag" if lag else "hold.predecessor", self.lang, task=pid,
                             finish=ps.finish, lag=lag)
                out.append(Hold(Rule.R1, words, pid))
        return out

    def _user(self, t: Task, v: Violation, day: date) -> str | None:
        """The task that takes the crew or machine on the day this one would need it (latest finish first)."""
        users = [s for s in self.sched.tasks if s.id != t.id and day in s.days
                 and (self.tasks[s.id].trade == v.task or v.task in self.tasks[s.id].equipment)]
        return max(users, key=lambda s: (s.finish, s.id)).id if users else None

    def link(self, tid: str) -> Link:
        s: ScheduledTask = self.st[tid]
        return Link(tid, s.start, s.finish, self.holds(tid))


def explain_task(project: Project, tasks: list[Task], schedule: Schedule, tid: str,
                 lang: str = "en") -> TaskExplanation:
    """The chain of binding reasons from `tid` back to the project start (a task id must be scheduled).
    The referee's own words in R2–R10 reasons are those of `digonce check`."""
    mover = _Mover(project, tasks, schedule, lang)
    chain: list[Link] = []
    seen: set[str] = set()
    cur: str | None = tid
    while cur is not None and cur not in seen:
        seen.add(cur)
        link = mover.link(cur)
        chain.append(link)
        preds = [h.by for h in link.holds if h.rule == Rule.R1 and h.by]
        users = [h.by for h in link.holds if h.rule == Rule.R2 and h.by]
        nxt = max(preds, key=lambda p: (mover.st[p].finish, p)) if preds else (users[0] if users else None)
        cur = nxt
    return TaskExplanation(tid, chain, lang)

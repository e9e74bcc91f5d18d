"""Re-plan from progress (SPEC §8): history stays where it happened, work under way continues without a gap,
everything else is planned again from the as-of date, changing as few announced days as possible.

How a re-plan differs from a solve, all in the generic core:
- done tasks leave the model; what they still decide becomes data: a successor's release (after the actual
  finish plus its lag), an outage's release (7 days after a done outage of the same type and building), an
  opening that began in the past (`Span.since`);
- a started task keeps only its remaining days and is `pinned` to the first working day on or after as-of;
- nothing else starts before as-of, and an outage starts no sooner than `notice_days` after as-of unless on
  the very day the baseline announced (`no_start`);
- rules about openings apply to what is still open at as-of: a zone already closed again drops out;
- a `moved` stage after `finish` minimises changed announced starts: a task whose baseline start lies in the
  next 14 days weighs 10, later ones 1; times (1 + the buildings whose notices carry it: its noise, its
  outage, a door its excavation or backfill blocks); outages (announced with notice) twice that.
Unlisted tasks went as planned if the baseline finished them before as-of, else they have not started (a
task the baseline had under way at as-of but progress does not report is late: it starts on or after as-of).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import date, timedelta

from models.project import Project
from models.schedule import ScheduledTask, Schedule

from scheduler.core import problem as core
from scheduler.core.conflict import minimal_conflict
from scheduler.core.solve import CoreSolution
from scheduler.planning.compile import Compiled, compile_project
from scheduler.planning.expand import Task
from scheduler.planning.planner import search
from scheduler.planning.progress import Progress
from scheduler.planning.result import build_schedule, scheduled_tasks
from scheduler.planning.rules import AS_OF, Rule, RuleGroup
from scheduler.planning.summary import upper_bound_end

NEAR_DAYS = 14  # changes this soon weigh most: crews and residents have already planned around them
NEAR_WEIGHT = 10
OUTAGE_WEIGHT = 2


@dataclass
class History:
    as_of: date
    done: dict[str, tuple[date, date]]  # task -> actual first and last day
    started: dict[str, tuple[date, int]]  # task -> actual first day, working days still needed from as-of


@dataclass
class Replan:
    """What `replan` returns: the new schedule (None if none was found), the fixed history, the solver account."""
    compiled: Compiled
    history: History
    solution: CoreSolution
    schedule: Schedule | None


def history(tasks: list[Task], baseline: Schedule, progress: dict[str, Progress], as_of: date) -> History:
    """What is fixed at as-of: reported progress, and unreported baseline tasks that finished before it."""
    base = {t.id: t for t in baseline.tasks}
    done: dict[str, tuple[date, date]] = {}
    started: dict[str, tuple[date, int]] = {}
    for t in tasks:
        p, b = progress.get(t.id), base.get(t.id)
        if p is None:
            if b is not None and b.finish < as_of:
                done[t.id] = (b.start, b.finish)
        elif p.status == "done":
            done[t.id] = (p.actual_start, p.actual_finish)
        elif p.status == "started":
            started[t.id] = (p.actual_start, p.remaining_days)
    return History(as_of, done, started)


def replan_problem(c: Compiled, h: History, baseline: Schedule) -> core.Problem:
    """The compiled problem restricted to what can still change at as-of (see the module docstring)."""
    p, a = c.problem, c.offset(h.as_of)
    known = {t.id for t in p.tasks}
    base = {t.id: c.offset(t.start) for t in baseline.tasks if t.id in known}
    past = _Past(p, {tid: c.offset(f) for tid, (_, f) in h.done.items()}, set(h.started))
    precedences = past.precedences()
    spacing = past.spacing()
    notice = {t.id: t.outage.notice_days for t in c.tasks if t.outage and t.outage.notice_days}
    tasks = [_open_task(t, h, a, past.release.get(t.id, 0), notice.get(t.id), base.get(t.id))
             for t in p.tasks if t.id not in h.done]
    closed = {sp.id for sp in p.spans if sp.last in h.done}
    began = {tid: c.offset(s) for tid, (s, _) in (h.done | h.started).items()}
    spans = [replace(sp, since=began.get(sp.first)) for sp in p.spans if sp.id not in closed]
    not_all_open = [(g, ss) for g, ss in p.not_all_open if not closed & set(ss)]
    open_caps = [(g, tuple(s for s in ss if s not in closed), cap) for g, ss, cap in p.open_caps]
    span_clear_of = [(g, s, tid) for g, s, tid in p.span_clear_of if s not in closed and tid not in h.done]
    span_outside = [(g, s, first, last) for g, s, first, last in p.span_outside if s not in closed]
    objectives = [_without_history(o, set(h.done), closed) for o in p.objectives]
    hint = {tid: day for tid, day in base.items() if tid not in h.done and tid not in h.started and day >= a}
    told = _residents_told(c)
    weight = {tid: (NEAR_WEIGHT if day < a + NEAR_DAYS else 1) * (OUTAGE_WEIGHT if tid in notice else 1)
              * (1 + told.get(tid, 0)) for tid, day in hint.items()}
    at = next((i + 1 for i, o in enumerate(objectives) if o.name == "finish"), 0)
    objectives.insert(at, core.Objective("moved", [core.Moved(weight, hint)]))
    return replace(p, tasks=tasks, precedences=precedences, spans=spans, not_all_open=not_all_open,
                   open_caps=[x for x in open_caps if x[1]], span_clear_of=span_clear_of,
                   span_outside=span_outside, spacing=spacing,
                   objectives=objectives, hint=hint)


class _Past:
    """What done work still decides: releases of its successors (and of later outages), the rules left."""

    def __init__(self, p: core.Problem, finish: dict[str, int], started: set[str]):
        self.p, self.finish, self.started = p, finish, started
        self.release: dict[str, int] = {}

    def later(self, tid: str, day: int) -> None:
        self.release[tid] = max(self.release.get(tid, 0), day)

    def precedences(self) -> list[core.Precedence]:
        """The precedences between open tasks; a done predecessor releases its successor instead."""
        out = []
        for pr in self.p.precedences:
            if pr.after in self.finish or pr.after in self.started:
                continue  # the successor already began: history
            if pr.before in self.finish:
                w = self.p.calendars[self.p.task(pr.after).calendar]
                k = bisect_right(w, self.finish[pr.before]) + pr.lag
                self.later(pr.after, w[k] if k < len(w) else self.p.horizon)
            else:
                out.append(pr)
        return out

    def spacing(self) -> list[tuple[core.Group, tuple[str, ...], int]]:
        """Outage spacing among the outages still to come, each released `gap` days after the done ones."""
        out = []
        for g, ids, gap in self.p.spacing:
            left = tuple(i for i in ids if i not in self.finish)
            for i in left:
                if i not in self.started:
                    for d in ids:
                        if d in self.finish:
                            self.later(i, self.finish[d] + gap)
            if len(left) > 1:
                out.append((g, left, gap))
        return out


def _open_task(t: core.Task, h: History, a: int, release: int, notice: int | None, base: int | None) -> core.Task:
    """A task not done at as-of (day `a`): started work continues, pinned; the rest starts at as-of or later,
    and an outage not inside its notice period unless on the day the baseline announced."""
    if t.id in h.started:
        return replace(t, duration=h.started[t.id][1], release=a, pinned=True, release_group=AS_OF)
    r = max(t.release, a, release)
    no_start = dict(t.no_start)
    if notice:
        no_start[RuleGroup(Rule.R9, "notice", t.id)] = frozenset(range(a, a + notice)) - {base}
    return replace(t, release=r, no_start=no_start, release_group=t.release_group if r == t.release else AS_OF)


def _residents_told(c: Compiled) -> dict[str, int]:
    """Task → how many buildings' notices carry its days: noise it makes, an outage it is, or a door it
    blocks (the excavation and backfill that open and close an entrance's zone)."""
    doors: dict[str, set[str]] = {}
    for b in c.project.site.buildings:
        for e in b.entrances:
            doors.setdefault(e.zone, set()).add(b.id)
    out = {}
    for t in c.tasks:
        told = set(t.disturbs) if t.noisy else set()
        told |= set(t.outage.serves) if t.outage else set()
        if t.kind in ("excavate", "backfill"):
            told |= doors.get(t.zone, set())
        out[t.id] = len(told)
    return out


def _without_history(o: core.Objective, done: set[str], closed: set[str]) -> core.Objective:
    """Drop the terms' past parts: constants that only shift the value (the bounds are shifted back later)."""
    terms: list[core.Term] = []
    for term in o.terms:
        if isinstance(term, core.UnionDays):
            tasks = tuple(t for t in term.tasks if t not in done)
            spans = tuple(s for s in term.spans if s not in closed)
            if tasks or spans:
                terms.append(replace(term, tasks=tasks, spans=spans))
        elif isinstance(term, core.SpanLength):
            spans = tuple(s for s in term.spans if s not in closed)
            if spans:
                terms.append(replace(term, spans=spans))
        else:
            terms.append(term)
    return replace(o, terms=terms)


def dated_tasks(c: Compiled, h: History, starts: dict[str, int]) -> list[ScheduledTask]:
    """Every task with its dates: history as reported, started work as its past days plus the remaining ones."""
    out = []
    for st in scheduled_tasks(c, {t.id: starts.get(t.id, 0) for t in c.tasks}):
        key = next(t.calendar for t in c.tasks if t.id == st.id)
        if st.id in h.done:
            first, last = h.done[st.id]
            st = st.model_copy(update={"start": first, "finish": last, "status": "done",
                                       "days": c.calendars.span(key, first, last)})
        elif st.id in h.started:
            first, remaining = h.started[st.id]
            w, k = c.problem.calendars[key], starts[st.id]
            rest = [c.date(d) for d in w[k: k + remaining]]
            st = st.model_copy(update={"start": first, "finish": rest[-1], "status": "started",
                                       "days": c.calendars.span(key, first, h.as_of - timedelta(1)) + rest})
        out.append(st)
    return out


def replan(project: Project, tasks: list[Task], baseline: Schedule, progress: dict[str, Progress], as_of: date,
           time_limit: float = 60.0, workers: int = 2, seed: int = 0, progress_cb=None,
           stages: list[str] | None = None, deterministic_limit: float | None = None) -> Replan:
    """Solve the re-plan with the same search as `plan` (a constructive start in the baseline's order, lazy
    access cuts on a large compound); the schedule records `as_of` and each reported task's status.

    `stages` keeps only these objective stages (benchmarks: a plain re-solve is ["finish"]); without
    "moved" the baseline is no hint either, so the plan is made as if nothing had been announced.
    `deterministic_limit` bounds CP-SAT's deterministic time besides `time_limit` (repeatable runs)."""
    end = upper_bound_end(project, tasks)
    if not project.project.deadline and as_of > project.project.start:
        end += as_of - project.project.start
    c = compile_project(project, tasks, end)
    h = history(tasks, baseline, progress, as_of)
    p = replan_problem(c, h, baseline)
    if stages is not None:
        p = replace(p, objectives=[o for o in p.objectives if o.name in stages],
                    hint=p.hint if "moved" in stages else {})
    whole = c
    c = replace(c, problem=p, dating=lambda starts: dated_tasks(whole, h, starts))
    sol = search(c, time_limit, workers, seed, progress_cb, deterministic_limit)
    if sol.status == "INFEASIBLE":
        det = None if deterministic_limit is None else max(10.0, deterministic_limit - sol.det_s)
        groups = sol.conflict or minimal_conflict(c.problem, max(10.0, time_limit - sol.wall_s), seed,
                                                  deterministic_limit=det).groups
        sol.conflict = groups
    if not sol.starts:
        return Replan(c, h, sol, None)
    dated = dated_tasks(c, h, sol.starts)
    sched = build_schedule(c, sol, dated)
    for stage in sol.stages:  # the model left out history's constant share: add it to value and bound alike
        true = sched.solver.objective.get(stage.name)
        if stage.name != "finish" and isinstance(true, int) and stage.value is not None:
            if stage.bound is not None:
                stage.bound += true - stage.value
            stage.value = true
    sched = build_schedule(c, sol, dated).model_copy(update={"as_of": as_of})
    return Replan(c, h, sol, sched)


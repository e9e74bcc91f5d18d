"""Compile a generic `Problem` into an OR-Tools CP-SAT model.

Encoding choices (measured in shared/notes/cpsat-modelling.md):
- every task lives on its calendar's compressed axis: `s` is the index of its first working day and
  its interval has the fixed size `duration`, so resources and same-calendar precedences propagate
  like a plain RCPSP;
- calendar days (spans, cross-calendar precedences, spacing) come from exact monotone day tables
  via `AddElement`, built only where a rule needs them;
- forbidden days, release dates and deadlines are filtered out of the start domains up front;
- union-of-days objective terms are time-indexed over order literals `s >= v`, built lazily when
  that objective stage starts (after the finish stage has shrunk the horizon).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Callable

from ortools.sat.python import cp_model

from scheduler.core.problem import Group, Makespan, Moved, Objective, Problem, Precedence, Span, SpanLength, Task, \
    UnionDays


class Infeasible(Exception):
    """Raised while building when a rule group makes the model trivially infeasible."""

    def __init__(self, groups: list[Group], detail: str):
        self.groups, self.detail = groups, detail
        super().__init__(detail)


@dataclass
class _Cover:
    """Per calendar day, the clauses "this member covers the day -> u[day]" (order literals as (task, v,
    negated)) and, for hints, functions telling from the start indices whether a member covers it."""

    clauses: dict[int, list[list[tuple[str, int, bool]]]] = field(default_factory=lambda: defaultdict(list))
    fns: dict[int, list[Callable[[dict[str, int]], bool]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, day: int, clause: list[tuple[str, int, bool]], fn: Callable[[dict[str, int]], bool]) -> None:
        self.clauses[day].append(clause)
        self.fns[day].append(fn)


@dataclass
class Window:
    est: int  # earliest start index on the task's calendar
    lst: int  # latest start index


class CpBuilder:
    def __init__(self, problem: Problem, disabled: frozenset[Group] = frozenset(), finish_bound: int | None = None,
                 assume: bool = False):
        """`assume`: every rule group gets an on/off literal (`self.lits`) enforcing it, for assumption-based
        conflict search; its start windows then come from precedences without a group alone."""
        self.p = problem
        self.disabled = disabled
        self.assume = assume
        self.lits: dict[Group, cp_model.IntVar] = {}
        self.m = cp_model.CpModel()
        self.cal = problem.calendars
        self.identity = {k: all(d == i for i, d in enumerate(w)) for k, w in self.cal.items()}
        self.tasks = {t.id: t for t in problem.tasks}
        self.preds: dict[str, list] = defaultdict(list)
        self.succs: dict[str, list] = defaultdict(list)
        self.prec = [pr for pr in problem.precedences if pr.group is None or pr.group not in disabled]
        for pr in self.prec:
            if assume and pr.group is not None:
                continue  # switchable: not part of the windows, enforced by its literal
            self.preds[pr.after].append(pr)
            self.succs[pr.before].append(pr)
        self.allowed = {t.id: self._allowed_starts(t) for t in problem.tasks}
        self.win = self._windows(finish_bound)
        self.s: dict[str, cp_model.IntVar] = {}
        self.dom: dict[str, list[int]] = {}  # start-index values of s (never read back from the proto:
        # IntVar.Proto() is a dangling view in OR-Tools 9.15)
        self.iv: dict[str, cp_model.IntervalVar] = {}
        self._start_day: dict[str, cp_model.LinearExprT] = {}
        self._finish_day: dict[str, cp_model.LinearExprT] = {}
        self._ge: dict[tuple[str, int], object] = {}
        self.hint_fns: list = []  # (var, fn(starts)->value) for variables added after the first solve
        self.span_iv: dict[str, cp_model.IntervalVar] = {}
        self.span_len: dict[str, cp_model.IntVar] = {}
        self.span_days: dict[str, tuple] = {}
        self.objective_exprs: dict[str, cp_model.LinearExprT] = {}
        self.union_exprs: dict[str, list[cp_model.LinearExprT]] = {}  # objective -> its union-of-days terms
        self.cuts: dict[str, int] = {}  # objective of union-of-days (or span-length) terms only -> a bound from
        # each term's chain of works and crew load (each opening's chain of works)
        self._term_cut: dict[UnionDays, int] = {}
        self._build()

    # ---------- domains ----------
    def lit(self, group: Group) -> cp_model.IntVar | None:
        """The on/off literal of a rule group (assume mode), or None: the rule simply holds."""
        if not self.assume:
            return None
        if group not in self.lits:
            self.lits[group] = self.m.NewBoolVar(f"on[{group}]")
        return self.lits[group]

    def _when(self, ct: cp_model.Constraint, group: Group, *more) -> None:
        lit = self.lit(group)
        if lit is not None or more:
            ct.OnlyEnforceIf([*more] + ([lit] if lit is not None else []))

    def _domain_rules(self, t: Task) -> list[tuple[Group, list[int]]]:
        """(group, start indices it allows) for each start-domain rule of the task that is on."""
        rules = [(g, self._starts(t, days, 0, None)) for g, days in t.forbidden.items() if g not in self.disabled]
        if t.release and t.release_group not in self.disabled:
            rules.append((t.release_group, self._starts(t, frozenset(), t.release, None)))
        if t.due is not None and self.p.deadline_group not in self.disabled:
            rules.append((self.p.deadline_group, self._starts(t, frozenset(), 0, t.due)))
        return rules

    def _allowed_starts(self, t: Task) -> list[int]:
        if self.assume:
            return self._history(t, self._starts(t, frozenset(), 0, None))
        forbidden = frozenset().union(*[days for g, days in t.forbidden.items() if g not in self.disabled]) \
            if t.forbidden else frozenset()
        release = t.release if t.release_group not in self.disabled else 0
        due = t.due if self.p.deadline_group not in self.disabled else None
        return self._history(t, self._starts(t, forbidden, release, due))

    def _history(self, t: Task, starts: list[int]) -> list[int]:
        """Re-planning facts that are not rules to relax: work under way starts on the first working day
        at or after its release, and days it may not start on (an outage's notice period) are left out."""
        w = self.cal[t.calendar]
        no_start = frozenset().union(*[d for g, d in t.no_start.items() if g not in self.disabled])
        if t.pinned:
            first = bisect_left(w, t.release)
            starts = [s for s in starts if s == first]
        return [s for s in starts if w[s] not in no_start] if no_start else starts

    def _starts(self, t: Task, forbidden: frozenset[int], release: int, due: int | None) -> list[int]:
        w = self.cal[t.calendar]
        n, d = len(w), t.duration
        bad_prefix = [0] * (n + 1)
        for i, day in enumerate(w):
            bad_prefix[i + 1] = bad_prefix[i] + (day in forbidden)
        return [s for s in range(bisect_left(w, release), n - d + 1)
                if (due is None or w[s + d - 1] <= due) and bad_prefix[s + d] == bad_prefix[s]]

    def next_index(self, cal: str, day: int) -> int:
        """Index of the first working day of `cal` strictly after calendar day `day`."""
        return bisect_right(self.cal[cal], day)

    def _order(self) -> list[str]:
        """The tasks, each after its predecessors (those that always hold, in assume mode)."""
        sorter = TopologicalSorter({tid: [pr.before for pr in self.preds[tid]] for tid in self.tasks})
        try:
            return list(sorter.static_order())
        except CycleError as exc:
            cycle = " → ".join(exc.args[1])
            raise Infeasible([self.p.precedence_group], f"the precedences form a cycle: {cycle}") from None

    def _windows(self, finish_bound: int | None) -> dict[str, Window]:
        """Earliest/latest start indices from precedences alone (a CPM pass through the day tables)."""
        order = self.topo = self._order()
        self.pos = {tid: i for i, tid in enumerate(order)}  # a task's place in that order
        est = self._earliest(order)
        lst = self._latest(order, est, finish_bound)
        return {tid: Window(est[tid], lst[tid]) for tid in self.tasks}

    def _earliest(self, order: list[str]) -> dict[str, int]:
        """The forward pass: each task's first allowed start after all its predecessors."""
        est: dict[str, int] = {}
        for tid in order:
            t, allowed = self.tasks[tid], self.allowed[tid]
            if not allowed:
                raise Infeasible(self._domain_groups(t), f"task {tid} has no possible start day")
            lo = allowed[0]
            for pr in self.preds[tid]:
                p = self.tasks[pr.before]
                fin = self.cal[p.calendar][est[pr.before] + p.duration - 1]
                lo = max(lo, self.next_index(t.calendar, fin) + pr.lag)
            k = bisect_left(allowed, lo)
            if k == len(allowed):
                raise Infeasible(self._domain_groups(t) + [self.p.precedence_group],
                                 f"task {tid} cannot start after its predecessors")
            est[tid] = allowed[k]
        return est

    def _latest(self, order: list[str], est: dict[str, int], finish_bound: int | None) -> dict[str, int]:
        """The backward pass: each task's last allowed start before all its successors (and the bound)."""
        lst: dict[str, int] = {}
        for tid in reversed(order):
            t, allowed, w = self.tasks[tid], self.allowed[tid], self.cal[self.tasks[tid].calendar]
            last_day = finish_bound if finish_bound is not None else w[-1]
            for pr in self.succs[tid]:
                succ = self.tasks[pr.after]
                k = lst[pr.after] - pr.lag
                last_day = min(last_day, self.cal[succ.calendar][k] - 1 if k >= 0 else -1)
            hi = bisect_right(w, last_day) - t.duration  # last start index whose finish <= last_day
            k = bisect_right(allowed, hi) - 1
            if k < 0 or allowed[k] < est[tid]:
                raise Infeasible(self._domain_groups(t) + [self.p.precedence_group],
                                 f"task {tid} cannot fit between its predecessors and successors")
            lst[tid] = allowed[k]
        return lst

    def tighten(self, finish_bound: int) -> None:
        """Shrink every start window to fit a proven finish bound (before the time-indexed stages)."""
        self.win = self._windows(finish_bound)
        for tid, w in self.win.items():
            self.m.Add(self.s[tid] >= w.est)
            self.m.Add(self.s[tid] <= w.lst)

    def _domain_groups(self, t: Task) -> list[Group]:
        groups = [g for g in t.forbidden if g not in self.disabled]
        if t.release:
            groups.append(t.release_group)
        if t.due is not None:
            groups.append(self.p.deadline_group)
        return groups

    # ---------- variables ----------
    def _build(self) -> None:
        """Variables of every task, then each rule family in turn."""
        for t in self.p.tasks:
            self._task_vars(t)
        for pr in self.prec:
            self._precedence(pr)
        for res, cap in self.p.capacities.items():
            if res not in self.disabled:
                self._resource(res, cap)
        for sp in self.p.spans:
            self._span(sp)
        self._not_all_open()
        self._open_caps()
        self._clear_of()
        self._outside()
        for g, tasks, gap in self.p.spacing:
            if g not in self.disabled:
                self._spacing(tasks, gap, g)

    def _task_vars(self, t: Task) -> None:
        """Start index within the window and allowed starts; the fixed-size interval on its calendar axis.
        In assume mode each start-domain rule restricts the start only while its literal is on."""
        w = self.win[t.id]
        vals = [v for v in self.allowed[t.id] if w.est <= v <= w.lst]
        self.dom[t.id] = vals
        self.s[t.id] = self.m.NewIntVarFromDomain(cp_model.Domain.FromValues(vals), f"s[{t.id}]")
        self.iv[t.id] = self.m.NewFixedSizeIntervalVar(self.s[t.id], t.duration, f"iv[{t.id}]")
        if not self.assume:
            return
        for g, ok in self._domain_rules(t):
            if not ok:
                self.m.AddBoolOr([self.lit(g).Not()])
            elif set(vals) - set(ok):
                self._when(self.m.AddLinearExpressionInDomain(self.s[t.id], cp_model.Domain.FromValues(ok)), g)

    def start_day(self, tid: str) -> cp_model.LinearExprT:
        if tid not in self._start_day:
            t = self.tasks[tid]
            if self.identity[t.calendar]:
                self._start_day[tid] = self.s[tid]
            else:
                self._start_day[tid] = self._element(tid, 0, f"sd[{tid}]")
        return self._start_day[tid]

    def finish_day(self, tid: str) -> cp_model.LinearExprT:
        if tid not in self._finish_day:
            t = self.tasks[tid]
            if self.identity[t.calendar]:
                self._finish_day[tid] = self.s[tid] + (t.duration - 1)
            else:
                self._finish_day[tid] = self._element(tid, t.duration - 1, f"fd[{tid}]")
        return self._finish_day[tid]

    def _element(self, tid: str, offset: int, name: str) -> cp_model.IntVar:
        """Calendar day of working day `s + offset` of the task, through its monotone day table."""
        t = self.tasks[tid]
        w = self.cal[t.calendar]
        n = len(w) - t.duration + 1
        table = [w[v + offset] for v in range(n)]
        return self._lookup(tid, table, name)

    def _lookup(self, tid: str, table: list[int], name: str) -> cp_model.IntVar:
        """A new variable equal to table[s[tid]]; only the window of s is passed to the element."""
        dom = self.dom[tid]
        lo, hi = dom[0], dom[-1]
        var = self.m.NewIntVarFromDomain(cp_model.Domain.FromValues(sorted({table[v] for v in dom})), name)
        self.m.AddElement(self.s[tid] - lo, table[lo: hi + 1], var)
        return var

    # ---------- rule families ----------
    def _precedence(self, pr: Precedence) -> None:
        a, b = self.tasks[pr.before], self.tasks[pr.after]
        if a.calendar == b.calendar:
            ct = self.m.Add(self.s[b.id] >= self.s[a.id] + a.duration + pr.lag)
        elif self.identity[b.calendar]:
            ct = self.m.Add(self.s[b.id] >= self.finish_day(a.id) + 1 + pr.lag)
        else:
            wa = self.cal[a.calendar]
            n = len(wa) - a.duration + 1
            table = [self.next_index(b.calendar, wa[v + a.duration - 1]) for v in range(n)]
            nxt = self._lookup(a.id, table, f"next[{a.id}->{b.calendar}]")
            ct = self.m.Add(self.s[b.id] >= nxt + pr.lag)
        if pr.group is not None:
            self._when(ct, pr.group)

    def _resource(self, res: Group, cap: int) -> None:
        users = [t for t in self.p.tasks if t.demands.get(res, 0) > 0]
        if not users:
            return
        cals = sorted({t.calendar for t in users})
        on = self.lit(res)
        if len(cals) == 1:
            ivs = [self.iv[t.id] if on is None else
                   self.m.NewOptionalFixedSizeIntervalVar(self.s[t.id], t.duration, on, f"oiv[{t.id},{res}]")
                   for t in users]
            held_ivs, held_units = self._held(res, cap, self.cal[cals[0]], on)
            self.m.AddCumulative(ivs + held_ivs, [t.demands[res] for t in users] + held_units, cap)
            return
        # Mixed calendars: one cumulative per class of days (the set of these calendars working then),
        # each task projected onto the days of the class it works on. Exact, and each class is small.
        classes: dict[frozenset, list[int]] = defaultdict(list)
        work_sets = {c: set(self.cal[c]) for c in cals}
        for day in sorted(set().union(*work_sets.values())):
            classes[frozenset(c for c in cals if day in work_sets[c])].append(day)
        for key, axis in classes.items():
            members = [t for t in users if t.calendar in key]
            ivs = [self._projected(t, axis, on) for t in members]
            held_ivs, held_units = self._held(res, cap, axis, on)
            self.m.AddCumulative(ivs + held_ivs, [t.demands[res] for t in members] + held_units, cap)

    def _held(self, res: Group, cap: int, axis: list[int],
              on: cp_model.IntVar | None) -> tuple[list[cp_model.IntervalVar], list[int]]:
        """`Problem.reserved` of a resource as fixed intervals on a cumulative's axis (sorted calendar days):
        one per run of consecutive axis days holding the same units, so the tasks get only what is left."""
        held = self.p.reserved.get(res)
        if not held:
            return [], []
        units = [min(cap, held.get(day, 0)) for day in axis]
        ivs, demands, i = [], [], 0
        while i < len(units):
            j = i
            while j + 1 < len(units) and units[j + 1] == units[i]:
                j += 1
            if units[i] > 0:
                name = f"held[{res},{axis[i]}]"
                ivs.append(self.m.NewFixedSizeIntervalVar(i, j - i + 1, name) if on is None
                           else self.m.NewOptionalFixedSizeIntervalVar(i, j - i + 1, on, name))
                demands.append(units[i])
            i = j + 1
        return ivs, demands

    def _projected(self, t: Task, axis: list[int], on: cp_model.IntVar | None) -> cp_model.IntervalVar:
        """The task's working days as an interval over `axis` (the sorted days of one class)."""
        w = self.cal[t.calendar]
        n = len(w) - t.duration + 1
        lo = self._lookup(t.id, [bisect_left(axis, w[v]) for v in range(n)], f"plo[{t.id}]")
        hi = self._lookup(t.id, [bisect_right(axis, w[v + t.duration - 1]) for v in range(n)], f"phi[{t.id}]")
        size = self.m.NewIntVar(0, t.duration, f"psz[{t.id}]")
        if on is None:
            return self.m.NewIntervalVar(lo, size, hi, f"piv[{t.id}]")
        return self.m.NewOptionalIntervalVar(lo, size, hi, on, f"piv[{t.id}]")

    def _span(self, sp: Span) -> None:
        o1 = sp.since if sp.since is not None else self.start_day(sp.first)
        o2 = self.finish_day(sp.last)
        # at least the longest chain of works inside it (they never share a day): the open caps' cumulatives
        # then see each opening's least size, which CP-SAT does not derive from the precedences
        length = self.m.NewIntVar(self._chain_length(sp), self.p.horizon, f"len[{sp.id}]")
        self.m.Add(length == o2 - o1 + 1)
        if sp.max_length is not None and sp.max_length_group not in self.disabled:
            self._when(self.m.Add(length <= sp.max_length), sp.max_length_group)
        self.span_len[sp.id] = length
        self.span_days[sp.id] = (o1, o2)
        self.span_iv[sp.id] = self.m.NewIntervalVar(o1, length, o2 + 1, f"open[{sp.id}]")

    def _apart(self, a: tuple, b: tuple, name: str, group: Group) -> None:
        """Either a ends before b starts or b ends before a starts (calendar days, inclusive ends)."""
        first = self.m.NewBoolVar(name)
        self._when(self.m.Add(a[1] < b[0]), group, first)
        self._when(self.m.Add(b[1] < a[0]), group, first.Not())

    def _span_ivs(self, spans: tuple[str, ...], group: Group) -> list[cp_model.IntervalVar]:
        """The openings' intervals; in assume mode optional copies present only while the group is on."""
        on = self.lit(group)
        if on is None:
            return [self.span_iv[s] for s in spans]
        return [self.m.NewOptionalIntervalVar(self.span_days[s][0], self.span_len[s], self.span_days[s][1] + 1, on,
                                              f"open[{s},{group}]") for s in spans]

    def _not_all_open(self) -> None:
        for g, spans in self.p.not_all_open:
            self._never_all_open(g, spans)

    def _never_all_open(self, g: Group, spans: tuple[str, ...]) -> None:
        """Never all of these spans open on one day: two as a disjunction, more as a cumulative."""
        if g in self.disabled:
            return
        if len(spans) == 1:
            if not self.assume:
                raise Infeasible([g], f"{spans[0]} may never be open, but it must be")
            self.m.AddBoolOr([self.lit(g).Not()])
        elif len(spans) == 2:
            self._apart(self.span_days[spans[0]], self.span_days[spans[1]], f"apart[{spans}]", g)
        else:
            self.m.AddCumulative(self._span_ivs(spans, g), [1] * len(spans), len(spans) - 1)

    def add_rows(self, rows: list[tuple[Group, tuple[str, ...]]]) -> None:
        """More never-all-open rows, into the problem and the model (rules found to matter while solving)."""
        for g, spans in rows:
            if (g, spans) not in self.p.not_all_open:
                self.p.not_all_open.append((g, spans))
                self._never_all_open(g, spans)

    def _open_caps(self) -> None:
        for g, spans, cap in self.p.open_caps:
            if g not in self.disabled:
                self.m.AddCumulative(self._span_ivs(spans, g), [1] * len(spans), cap)

    def _clear_of(self) -> None:
        for g, span, tid in self.p.span_clear_of:
            if g not in self.disabled:
                task_days = (self.start_day(tid), self.finish_day(tid))
                self._apart(self.span_days[span], task_days, f"clear[{span},{tid}]", g)

    def _outside(self) -> None:
        for g, span, first, last in self.p.span_outside:
            if g not in self.disabled:
                self._apart(self.span_days[span], (first, last), f"outside[{span},{first}]", g)

    def _spacing(self, tasks: tuple[str, ...], gap: int, group: Group) -> None:
        """Each task's interval is stretched by `gap` days past its finish; no two may overlap."""
        ivs = []
        for tid in tasks:
            a, b = self.start_day(tid), self.finish_day(tid)
            size = self.m.NewIntVar(gap, self.p.horizon + gap, f"spc[{tid}]")
            self.m.Add(size == b - a + gap)
            on = self.lit(group)
            ivs.append(self.m.NewIntervalVar(a, size, b + gap, f"spciv[{tid}]") if on is None
                       else self.m.NewOptionalIntervalVar(a, size, b + gap, on, f"spciv[{tid}]"))
        self.m.AddNoOverlap(ivs)

    # ---------- objectives ----------
    def objective(self, obj: Objective, finish_bound: int | None,
                  floors: list[int] | None = None) -> cp_model.LinearExprT:
        """The objective's expression. `floors`: a proven lower bound on each union-of-days term (in order,
        weight included), stated as a constraint: it lifts the relaxation CP-SAT bounds the sum with."""
        expr = obj.constant
        unions = iter(floors or [])
        self.union_exprs[obj.name] = []
        for term in obj.terms:
            if isinstance(term, Makespan):
                expr += self.makespan()
            elif isinstance(term, SpanLength):
                expr += term.weight * sum(self.span_len[s] for s in term.spans)
            elif isinstance(term, Moved):
                expr += self._moved(term)
            elif isinstance(term, UnionDays):
                days = self._union_days(term, finish_bound)
                self.union_exprs[obj.name].append(term.weight * days)
                expr += term.weight * days
        self.state_floors(obj.name, floors or [])
        if obj.terms and all(isinstance(t, UnionDays) for t in obj.terms):
            self.cuts[obj.name] = obj.constant + sum(t.weight * self._term_cut.get(t, 0) for t in obj.terms)
        if obj.terms and all(isinstance(t, SpanLength) for t in obj.terms):
            spans = {sp.id: sp for sp in self.p.spans}
            self.cuts[obj.name] = obj.constant + sum(t.weight * self._chain_length(spans[s])
                                                     for t in obj.terms for s in t.spans)
        self.objective_exprs[obj.name] = expr
        return expr

    def state_floors(self, name: str, floors: list[int]) -> None:
        """A proven lower bound on each union-of-days term of objective `name` (in order, weight included),
        stated as a constraint: it lifts the relaxation CP-SAT bounds the sum with, in this stage and after."""
        for term, floor in zip(self.union_exprs.get(name, []), floors):
            if floor > 0 and not isinstance(term, int):
                self.m.Add(term >= floor)

    def makespan(self) -> cp_model.IntVar:
        if "makespan" not in self.objective_exprs:
            by_cal: dict[str, list[Task]] = defaultdict(list)
            for t in self.p.tasks:
                by_cal[t.calendar].append(t)
            days = []
            for cal, ts in by_cal.items():
                w = self.cal[cal]
                last = self.m.NewIntVar(0, len(w) - 1, f"last[{cal}]")
                self.m.AddMaxEquality(last, [self.s[t.id] + t.duration - 1 for t in ts])
                if self.identity[cal]:
                    days.append(last)
                else:
                    day = self.m.NewIntVar(w[0], w[-1], f"lastday[{cal}]")
                    self.m.AddElement(last, w, day)
                    days.append(day)
            ms = self.m.NewIntVar(0, self.p.horizon, "makespan")
            self.m.AddMaxEquality(ms, days)
            self.objective_exprs["makespan"] = ms
        return self.objective_exprs["makespan"]

    def ge(self, tid: str, v: int):
        """Literal for s[tid] >= v (True/False when the domain decides it)."""
        lo, hi = self.win[tid].est, self.win[tid].lst
        if v <= lo:
            return True
        if v > hi:
            return False
        key = (tid, v)
        if key not in self._ge:
            b = self.m.NewBoolVar(f"ge[{tid},{v}]")
            self.m.Add(self.s[tid] >= v).OnlyEnforceIf(b)
            self.m.Add(self.s[tid] <= v - 1).OnlyEnforceIf(b.Not())
            self._ge[key] = b
            self.hint_fns.append((b, lambda st, tid=tid, v=v: int(st[tid] >= v)))
        return self._ge[key]

    def hint_starts(self, days: dict[str, int]) -> None:
        """Hint each task to start on a given calendar day where that day is still one of its starts."""
        for tid, day in days.items():
            cal = self.cal[self.tasks[tid].calendar]
            k = bisect_left(cal, day)
            if k < len(cal) and cal[k] == day and k in self.dom[tid]:
                self.m.AddHint(self.s[tid], k)

    def _moved(self, term: Moved) -> cp_model.LinearExprT:
        """One 'kept' literal per task whose baseline start day is still possible; the others count as moved."""
        expr = 0
        for tid, w in term.weight.items():
            day = term.baseline.get(tid)
            cal = self.cal[self.tasks[tid].calendar]
            k = bisect_left(cal, day) if day is not None else len(cal)
            if k == len(cal) or cal[k] != day or not self.win[tid].est <= k <= self.win[tid].lst \
                    or k not in self.dom[tid]:
                expr += w
                continue
            kept = self.m.NewBoolVar(f"kept[{tid}]")
            self.m.Add(self.s[tid] == k).OnlyEnforceIf(kept)
            self.m.Add(self.s[tid] != k).OnlyEnforceIf(kept.Not())
            self.hint_fns.append((kept, lambda st, tid=tid, k=k: int(st[tid] == k)))
            expr += w * (1 - kept)
        return expr

    def _union_days(self, term: UnionDays, finish_bound: int | None) -> cp_model.LinearExprT:
        """Σ over days of u[day], where u[day] is forced on by every way a member can cover that day
        (clauses over the order literals `s >= v`), and a valid lower bound on the sum."""
        if not term.tasks and len(term.spans) == 1:
            return self.span_len[term.spans[0]]
        if len(term.tasks) == 1 and not term.spans:
            self._term_cut[term] = self.tasks[term.tasks[0]].duration
            return self._term_cut[term]
        cover = _Cover()
        for tid in term.tasks:
            self._task_cover(tid, finish_bound, cover)
        for sid in term.spans:
            self._span_cover(next(s for s in self.p.spans if s.id == sid), finish_bound, cover)
        total = [self._covered(day, cover) for day in sorted(cover.clauses)]
        lower = self._term_cut[term] = self._union_lower_bound(term.tasks)
        if lower > 1:
            self.m.Add(sum(total) >= lower)
        return sum(total)

    def _task_cover(self, tid: str, finish_bound: int | None, cover: _Cover) -> None:
        """Task `tid` covers day w[k] iff s <= k < s + duration."""
        t, w, win = self.tasks[tid], self.cal[self.tasks[tid].calendar], self.win[tid]
        for k in range(win.est, win.lst + t.duration):
            day = w[k]
            if finish_bound is not None and day > finish_bound:
                break
            cover.add(day, [(tid, k - t.duration + 1, True), (tid, k + 1, False)],
                      lambda st, tid=tid, k=k, d=t.duration: st[tid] <= k < st[tid] + d)

    def _span_cover(self, sp: Span, finish_bound: int | None, cover: _Cover) -> None:
        """A span covers a day iff it opened on or before it and closes on or after it."""
        last = self.tasks[sp.last]
        wl = self.cal[last.calendar]
        last_day = wl[self.win[last.id].lst + last.duration - 1]
        if finish_bound is not None:
            last_day = min(last_day, finish_bound)
        if sp.since is not None:  # opened in the past: only its end is decided
            for day in range(sp.since, last_day + 1):
                ge_idx = bisect_left(wl, day) - last.duration + 1
                cover.add(day, [(last.id, ge_idx, True)], lambda st, l=last.id, g=ge_idx: st[l] >= g)
            return
        f = self.tasks[sp.first]
        wf = self.cal[f.calendar]
        for day in range(wf[self.win[f.id].est], last_day + 1):
            le = bisect_right(wf, day) - 1  # o1 <= day  <=>  s_first <= le
            ge_idx = bisect_left(wl, day) - last.duration + 1  # o2 >= day  <=>  s_last >= ge_idx
            cover.add(day, [(f.id, le + 1, False), (last.id, ge_idx, True)],
                      lambda st, f=f.id, le=le, l=last.id, g=ge_idx: st[f] <= le and st[l] >= g)

    def _covered(self, day: int, cover: _Cover) -> cp_model.IntVar:
        """u[day], at least every covering conjunction: u OR NOT(ge_a) OR ge_b per clause (positive=True marks
        the order literal that appears negated)."""
        u = self.m.NewBoolVar(f"u[{day}]")
        for clause in cover.clauses[day]:
            lits = [u]
            satisfied = False
            for tid, v, positive in clause:
                lit = self.ge(tid, v)
                lit = (not lit if isinstance(lit, bool) else lit.Not()) if positive else lit
                if lit is True:
                    satisfied = True
                    break
                if lit is not False:
                    lits.append(lit)
            if not satisfied:
                self.m.AddBoolOr(lits)
        self.hint_fns.append((u, lambda st, fns=cover.fns[day]: int(any(fn(st) for fn in fns))))
        return u

    def _chain_length(self, sp: Span) -> int:
        """Least calendar days span `sp` is open: the longest chain of precedences from its first task to its
        last (each task after the one before, so their days never overlap)."""
        last = self.tasks[sp.last]
        if sp.since is not None or sp.first not in self.tasks:
            return last.duration
        pos = self.pos
        end = pos[sp.last]
        reach, todo = {sp.first}, [sp.first]  # what follows the first task and comes before the last one
        while todo:
            for pr in self.succs[todo.pop()]:
                if pos[pr.after] <= end and pr.after not in reach:
                    reach.add(pr.after)
                    todo.append(pr.after)
        chain = {sp.first: self.tasks[sp.first].duration}
        for tid in sorted(reach, key=pos.__getitem__):
            if tid in chain:
                for pr in self.succs[tid]:
                    if pr.after in reach:
                        chain[pr.after] = max(chain.get(pr.after, 0), chain[tid] + self.tasks[pr.after].duration)
        return max(chain.get(sp.last, 0), last.duration)

    def _union_lower_bound(self, tids: tuple[str, ...]) -> int:
        """Valid cut for a union of task days: tasks on one precedence chain never share a day, and a
        resource serves at most its capacity per day. Strengthens the LP bound of the disruption stage."""
        members = set(tids)
        chain: dict[str, int] = {}
        for tid in self.topo:
            own = self.tasks[tid].duration if tid in members else 0
            chain[tid] = own + max((chain[pr.before] for pr in self.preds[tid]), default=0)
        best = max(chain.values(), default=0)
        for res, cap in self.p.capacities.items():
            load = sum(self.tasks[t].duration * self.tasks[t].demands.get(res, 0) for t in tids)
            best = max(best, -(-load // cap))
        return best


def sub_solver(wall: float, det: float, seed: int) -> cp_model.CpSolver:
    """A solver for a small side model (a relaxation bound, a neighbourhood): one worker, hard wall and
    deterministic limits, the cumulative reasoning that makes compound proofs come in, no probing."""
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.05, wall)
    p.max_deterministic_time = max(0.001, det)
    p.num_workers = 1
    p.random_seed = seed
    p.cp_model_probing_level = 0
    p.use_overload_checker_in_cumulative = True
    p.use_timetable_edge_finding_in_cumulative = True
    return solver

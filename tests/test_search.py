"""The search around CP-SAT: the constructive first schedule, lazy rows, neighbourhood search, per-term bounds.

Every schedule goes through the referee. Searches run with 1 worker, seed 0 and a deterministic budget, so
nothing here depends on how busy the machine is; no figure is asserted that a wall-clock limit decides.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from ortools.sat.python import cp_model

from models import load_project
from models.schedule import SolverInfo
from scheduler.bench.generate import write_project
from scheduler.cli.project import _what_is_left
from scheduler.core import bounds, lns
from scheduler.core.bounds import objective_bound, term_bound
from scheduler.core.construct import construct
from scheduler.core.cpsat import CpBuilder
from scheduler.core.evaluate import value
from scheduler.core.problem import Makespan, Moved, Objective, Precedence, Problem, Span, Task, UnionDays
from scheduler.core.solve import CoreSolution, solve
from scheduler.planning.compile import compile_project
from scheduler.planning.expand import expand
from scheduler.planning.planner import first_schedule, plan
from scheduler.planning.result import build_schedule
from scheduler.review.check import check_schedule

from test_solve import DET_LIMIT, TINY, WALL_BACKSTOP, budget_project, rich_project, write

REPO = Path(__file__).resolve().parent.parent


def _folder(which: str, tmp_path: Path) -> Path:
    if which == "hepingli":
        return REPO / "inputs" / "hepingli"
    if which == "tiny":
        return TINY
    if which == "generated":
        return write_project(tmp_path / "gen", 12, 3)
    return write(tmp_path, {"rich": rich_project, "budget": budget_project}[which]())


@pytest.mark.parametrize("which", ["hepingli", "tiny", "generated", "rich", "budget"])
def test_the_constructive_schedule_keeps_every_rule(tmp_path, which):
    """Access cuts, open caps, flood seasons, crane zones, outage spacing, quiet days, crews: the referee finds
    nothing wrong with the first schedule, before any search."""
    project, _ = load_project(_folder(which, tmp_path))
    tasks = expand(project)
    c = compile_project(project, tasks)
    built = first_schedule(c, seed=0)
    assert built is not None and built.valid
    sched = build_schedule(c, CoreSolution("FEASIBLE", starts=built.starts))
    assert check_schedule(project, tasks, sched) == []
    assert first_schedule(compile_project(project, tasks), seed=0).starts == built.starts  # same seed, same plan


def test_a_repacked_trade_keeps_every_rule_on_a_compound(tmp_path, monkeypatch):
    """On a generated 10-building compound the facades are a trade that touches nothing else and the packing
    moves some of them (`construct._repack`): crews, quiet days and working days still hold for the referee."""
    from scheduler.core import construct as cons

    moved = []
    repack = cons._repack

    def spy(net, built, seed):
        out = repack(net, built, seed)
        moved.extend(t for t in built.starts if out.starts[t] != built.starts[t])
        return out

    monkeypatch.setattr(cons, "_repack", spy)
    project, _ = load_project(write_project(tmp_path / "gen", 10, 0))
    tasks = expand(project)
    c = compile_project(project, tasks)
    built = first_schedule(c, seed=0)
    assert moved and built.valid
    sched = build_schedule(c, CoreSolution("FEASIBLE", starts=built.starts))
    assert check_schedule(project, tasks, sched) == []


def test_a_missed_deadline_makes_the_constructive_schedule_a_hint_only():
    """Two 3-day tasks on one crew, both due on day 2: whatever the order, one misses it."""
    tasks = [Task("a", 3, "c", {"crew": 1}, due=2), Task("b", 3, "c", {"crew": 1}, due=2)]
    p = Problem(20, {"c": list(range(20))}, tasks, capacities={"crew": 1},
                objectives=[Objective("finish", [Makespan()])])
    built = construct(p)
    assert built is not None and not built.valid and built.finish == 5


def test_a_zone_that_an_urgent_one_waits_for_goes_first():
    """An open cap of one over three trenches. A's digging starts a 10-day lift (urgent), but A's pipe is laid
    after R's, so A waits for R, which on its own is the least urgent of the three. Taken in its own turn, R
    goes after trench Z and A follows both (the lift ends on day 19); lifted to A's urgency, R goes first, then
    A (day 13, the optimum: A cannot open before R has closed)."""
    from scheduler.core import construct as cons

    tasks = [Task(t, d, "all") for t, d in
             [("r_dig", 1), ("r_lay", 1), ("r_fill", 1), ("a_dig", 1), ("a_lay", 1), ("a_fill", 1), ("lift", 10),
              ("z_dig", 1), ("z_fill", 5)]]
    chain = [("r_dig", "r_lay"), ("r_lay", "r_fill"), ("a_dig", "a_lay"), ("a_lay", "a_fill"), ("a_dig", "lift"),
             ("r_lay", "a_lay"), ("z_dig", "z_fill")]
    p = Problem(40, {"all": list(range(40))}, tasks, [Precedence(a, b) for a, b in chain],
                spans=[Span("R", "r_dig", "r_fill"), Span("A", "a_dig", "a_fill"), Span("Z", "z_dig", "z_fill")],
                open_caps=[("cap", ("R", "A", "Z"), 1)], objectives=[Objective("finish", [Makespan()])])
    net = cons._Net(p)
    lst = net.latest_starts()
    plain, inherited = cons.one_pass(net, lst), cons.one_pass(net, lst, inherit=True)
    assert (plain.finish, inherited.finish) == (19, 13)
    assert inherited.days["r_fill"][1] < inherited.days["a_dig"][0] and inherited.valid
    assert construct(p).finish == 13


def _two_trenches(lazy: bool) -> tuple[Problem, CoreSolution]:
    """Two 3-day openings that may share days unless a lazy row (found only when a schedule breaks it) says
    they may not."""
    tasks = [Task("x", 3, "c"), Task("y", 3, "c")]
    spans = [Span("X", "x", "x"), Span("Y", "y", "y")]
    p = Problem(12, {"c": list(range(12))}, tasks, spans=spans, objectives=[Objective("finish", [Makespan()])])

    def rows(starts: dict[str, int]) -> list:
        return [("apart", ("X", "Y"))] if abs(starts["x"] - starts["y"]) < 3 else []

    return p, solve(p, WALL_BACKSTOP, 1, 0, deterministic_limit=DET_LIMIT, lazy=rows if lazy else None)


def test_lazy_rows_join_the_model_when_a_schedule_breaks_them():
    p, free = _two_trenches(lazy=False)
    assert free.stages[0].value == 2  # both open on days 0-2
    p, sol = _two_trenches(lazy=True)
    assert abs(sol.starts["x"] - sol.starts["y"]) >= 3 and sol.stages[0].value == 5
    assert ("apart", ("X", "Y")) in p.not_all_open


def test_a_restart_that_finds_nothing_keeps_the_schedule_found_before_it(monkeypatch):
    """Hinted apart (x on days 0-2, y on 3-5: finish 5), CP-SAT reports the hint (presolve off, so that it
    does not jump to the optimum), then them sharing days (2), which breaks the lazy row; the restart with the
    row is cut short before it finds anything (no time, as when a row comes just before a stage's share ends).
    The search returns the hinted schedule it found first, not nothing."""
    import time

    from scheduler.core import solve as core_solve

    tasks = [Task("x", 3, "c"), Task("y", 3, "c")]
    p = Problem(12, {"c": list(range(12))}, tasks, spans=[Span("X", "x", "x"), Span("Y", "y", "y")],
                objectives=[Objective("finish", [Makespan()])])

    def rows(starts: dict[str, int]) -> list:
        return [("apart", ("X", "Y"))] if abs(starts["x"] - starts["y"]) < 3 else []

    b = CpBuilder(p)
    b.m.Minimize(b.objective(p.objectives[0], None))
    b.m.AddHint(b.s["x"], 0)
    b.m.AddHint(b.s["y"], 3)
    runs = []
    real = core_solve._run

    def short(solver, model, cb, soft, done_when):
        runs.append(soft)
        solver.parameters.cp_model_presolve = False
        if len(runs) > 1:
            solver.parameters.max_time_in_seconds = 0.0
        return real(solver, model, cb, soft, done_when)

    monkeypatch.setattr(core_solve, "_run", short)
    search = core_solve._Search(b, core_solve._Budget(time.time(), WALL_BACKSTOP, 5.0), 1, 0, False, None, rows)
    found = search.cpsat("finish", WALL_BACKSTOP, 5.0)
    assert len(runs) >= 2 and ("apart", ("X", "Y")) in p.not_all_open
    starts = {tid: found.values[v.Index()] for tid, v in b.s.items()}
    assert found.value == 5 and rows(starts) == [] and found.status == "FEASIBLE"


def _incumbent(b: CpBuilder, starts: dict[str, int]) -> lns.Incumbent:
    """The model's solution (every variable) for these start indices, with its objective."""
    from ortools.sat.python import cp_model

    for tid, k in starts.items():
        b.m.AddHint(b.s[tid], k)
    for var, fn in b.hint_fns:
        b.m.AddHint(var, fn(starts))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 1.0
    solver.parameters.fix_variables_to_their_hinted_value = True
    assert solver.Solve(b.m) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return lns.Incumbent(list(solver.ResponseProto().solution), int(solver.ObjectiveValue()))


def _disruption_model(tmp_path: Path) -> tuple[CpBuilder, Objective, lns.Incumbent]:
    """budget_project's disruption stage after its proven finish, with a first schedule to improve."""
    project, _ = load_project(write(tmp_path, budget_project()))
    tasks = expand(project)
    c = compile_project(project, tasks)
    built = first_schedule(c, seed=0)
    p = c.problem.within(built.finish + 1)
    b = CpBuilder(p)
    obj = next(o for o in p.objectives if o.name == "disruption")
    expr = b.objective(obj, built.finish)
    b.m.Minimize(expr)
    start = _incumbent(b, built.starts)
    assert start.objective == value(p, obj, built.starts)  # the model's value is the definition's
    return b, obj, start


def test_neighbourhood_search_never_worsens_and_repeats_itself(tmp_path):
    runs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        b, obj, start = _disruption_model(tmp_path / name)
        inc, used = lns.improve(b, start, random.Random(0), 2.0, lambda: WALL_BACKSTOP, 0)
        starts = {tid: inc.values[v.Index()] for tid, v in b.s.items()}
        assert inc.objective <= start.objective and used <= 2.0 + lns.STEP_DET
        assert inc.objective == value(b.p, obj, starts)
        runs.append((inc.objective, starts))
    assert runs[0] == runs[1]


def test_a_pair_neighbourhood_frees_two_buildings_works_together(tmp_path):
    """Shared crews can change their order between two buildings only when both buildings' works are free."""
    b, _, start = _disruption_model(tmp_path)
    hoods = lns.Neighbourhoods(b, random.Random(0))
    assert "pair" in lns.KINDS and len(hoods.terms) >= 2
    first_day = {tid: b.cal[b.tasks[tid].calendar][start.values[v.Index()]] for tid, v in b.s.items()}
    picks = [hoods.pick("pair", first_day) for _ in range(5)]
    for free in picks:
        assert any(set(one) | set(other) == free for one in hoods.terms for other in hoods.terms if one != other)
    assert any(all(free != set(one) for one in hoods.terms) for free in picks)  # more than one building's works


def test_per_building_bounds_stay_below_the_optimum(tmp_path):
    """Each term's relaxation bound is at most that term's value in the optimal schedule; the stage reports
    where its bound came from."""
    folder = write(tmp_path, rich_project())
    project, _ = load_project(folder)
    tasks = expand(project)
    result = plan(project, tasks, WALL_BACKSTOP, 1, 0, deterministic_limit=DET_LIMIT)
    assert result.solution.status == "OPTIMAL" and check_schedule(project, tasks, result.schedule) == []
    p = result.compiled.problem
    finish = result.solution.stages[0].value
    b = CpBuilder(p)
    b.tighten(finish)
    obj = next(o for o in p.objectives if o.name == "disruption")
    terms = [t for t in obj.terms if isinstance(t, UnionDays)]
    assert terms
    for term in terms:
        bound, _ = term_bound(b, term, 1.0, WALL_BACKSTOP)
        assert 0 < bound <= value(p, Objective("t", [term]), result.solution.starts)
    assert {s["bound_from"] for s in result.schedule.solver.stages} <= {"search", "terms"}


def test_a_tiny_budget_still_gives_the_constructive_schedule(tmp_path):
    project, _ = load_project(write(tmp_path, budget_project()))
    tasks = expand(project)
    result = plan(project, tasks, WALL_BACKSTOP, 1, 0, deterministic_limit=0.001)
    assert result.schedule is not None and result.solution.status == "FEASIBLE"
    assert check_schedule(project, tasks, result.schedule) == []


def test_the_gap_in_a_project_managers_words():
    info = SolverInfo(status="FEASIBLE", wall_s=60, objective={"finish": "2027-07-19", "disruption": 30000},
                      bound={"finish": "2027-07-10", "disruption": 18000},
                      stages=[{"name": "disruption", "bound_from": "terms"}])
    lines = _what_is_left(info)
    assert lines == ["  the disruption bound comes from each building on its own (a relaxation per building)"]
    info.stages.append({"name": "finish", "bound_from": "packing"})
    assert _what_is_left(info)[0] == ("  the finish bound comes from packing each trade's whole tasks onto its crews,"
                                      " around the days they may not work")
    from scheduler.cli.status import gap_words
    assert gap_words("finish", 9) == "at most 9 day(s) could still be saved"
    assert gap_words("disruption", 12000) == "at most 12,000 household-day(s) of disruption could still be saved"


def test_core_based_term_bounds_see_past_the_chain_and_crew_cut(tmp_path):
    """On a generated 4-building compound a building's least noise days are more than its crew-load cut says
    (core-based search proves it); every term's bound stays at or below its value in a valid schedule."""
    project, _ = load_project(write_project(tmp_path / "gen", 4, 0))
    c = compile_project(project, expand(project))
    built = first_schedule(c, seed=0)
    assert built is not None and built.valid
    p = c.problem.within(built.finish + 1)
    b = CpBuilder(p)
    obj = next(o for o in p.objectives if o.name == "disruption")
    lifted = 0
    for term in (t for t in obj.terms if isinstance(t, UnionDays)):
        bound, used = term_bound(b, term, 2.0, WALL_BACKSTOP)
        assert used <= 2.0 + 0.1
        assert bound <= value(p, Objective("t", [term]), built.starts)
        lifted += bound > term.weight * b._union_lower_bound(term.tasks)
    assert lifted >= 1


def test_a_term_bound_sees_the_access_rows_of_its_openings():
    """A building's noise: fixed work on days 0-1 and the digging and backfill of trench A. Alone, A would
    open on day 0 (noise on 2 days); an access row forbids A open with trench C, which is open on days 0-3,
    so A opens on day 4 (noise on 4 days). C makes no noise here: only the row brings it into the relaxation."""
    day = lambda tid, first, days: Task(tid, days, "all", release=first, due=first + days - 1)  # noqa: E731
    tasks = [day("y", 0, 2), Task("a1", 1, "all"), Task("a2", 1, "all"), day("c1", 0, 2), day("c2", 2, 2)]
    term = UnionDays(1, tasks=("y", "a1", "a2"))
    p = Problem(20, {"all": list(range(20))}, tasks, [Precedence("a1", "a2"), Precedence("c1", "c2")],
                spans=[Span("A", "a1", "a2"), Span("C", "c1", "c2")], not_all_open=[("row", ("A", "C"))],
                objectives=[Objective("disruption", [term])])
    bound, _ = term_bound(CpBuilder(p), term, 1.0, WALL_BACKSTOP)
    assert bound == 4


def test_a_term_in_the_whole_problem_sees_the_openings_that_share_a_cap_with_its_own(monkeypatch):
    """A building's noise: fixed work on days 0-1 and the digging and backfill of trench A. An open cap of one
    over A and trench C (open on days 0-3, no noise here) binds only with both in the problem: the small
    relaxation leaves C out (A opens on day 0: noise on 2 days), the whole problem keeps it (A opens on day 4:
    4 days). The sum takes the larger bound of each term."""
    day = lambda tid, first, days: Task(tid, days, "all", release=first, due=first + days - 1)  # noqa: E731
    tasks = [day("y", 0, 2), Task("a1", 1, "all"), Task("a2", 1, "all"), day("c1", 0, 2), day("c2", 2, 2)]
    term = UnionDays(1, tasks=("y", "a1", "a2"))
    obj = Objective("disruption", [term])
    p = Problem(20, {"all": list(range(20))}, tasks, [Precedence("a1", "a2"), Precedence("c1", "c2")],
                spans=[Span("A", "a1", "a2"), Span("C", "c1", "c2")], open_caps=[("cap", ("A", "C"), 1)],
                objectives=[obj])
    b = CpBuilder(p)
    assert term_bound(b, term, 1.0, WALL_BACKSTOP)[0] == 2
    assert bounds._Whole(b, [term]).bound(0, 1.0, WALL_BACKSTOP, 0, None)[0] == 4
    assert objective_bound(b, obj, 2.0, WALL_BACKSTOP, small_wall=1.0)[:2] == (4, [4])
    monkeypatch.setattr(bounds, "WHOLE_MAX_TASKS", 4)  # the whole problem has 5 tasks: not tried
    assert objective_bound(b, obj, 2.0, WALL_BACKSTOP)[:2] == (2, [2])


def test_bounds_beside_the_search_with_two_workers_stay_valid(tmp_path, monkeypatch):
    """With two workers and seconds (no deterministic budget) the per-term bounds run in a thread beside the
    neighbourhood search, and on through the open-days stage, whose CP-SAT search leaves them a core; the
    disruption bound they report is at most the value of every valid schedule found (this run's and a
    deterministic 1-worker run's), and is not below the plain crew-load cut."""
    from scheduler.core import solve as core_solve

    started, events = [], []

    class Spy(core_solve._Aside):
        def __init__(self, *args):
            started.append(args)
            super().__init__(*args)

        def result(self, stop):
            events.append("bounds collected")
            return super().result(stop)

    cpsat = core_solve._Search.cpsat

    def spy_cpsat(self, name, *args, **kw):
        events.append((name, self.free_workers()))
        return cpsat(self, name, *args, **kw)

    monkeypatch.setattr(core_solve, "_Aside", Spy)
    monkeypatch.setattr(core_solve._Search, "cpsat", spy_cpsat)
    project, _ = load_project(write_project(tmp_path / "gen", 4, 0))
    tasks = expand(project)
    loose = plan(project, tasks, 16.0, 2, 0)
    assert started, "the bounds did not run beside the search"
    assert ("open_days", 1) in events and events.index(("open_days", 1)) < events.index("bounds collected")
    assert check_schedule(project, tasks, loose.schedule) == []
    stage = next(s for s in loose.solution.stages if s.name == "disruption")
    other = plan(project, tasks, WALL_BACKSTOP, 1, 1, deterministic_limit=3.0)
    other_value = next(s for s in other.solution.stages if s.name == "disruption").value
    assert stage.bound is not None and stage.bound <= min(stage.value, other_value)
    p = loose.compiled.problem
    b = CpBuilder(p)
    obj = next(o for o in p.objectives if o.name == "disruption")
    cut = obj.constant + sum(t.weight * b._union_lower_bound(t.tasks) for t in obj.terms if isinstance(t, UnionDays))
    assert stage.bound >= cut


def test_term_floors_found_beside_the_search_join_the_model():
    """Floors the bound thread proves after the stage began are stated once it ends (`state_floors`), so the
    later stages' relaxations see them: here a floor of 3 lifts two overlapping 2-day tasks' union of 2."""
    from ortools.sat.python import cp_model

    p = Problem(10, {"c": list(range(10))}, [Task("a", 2, "c"), Task("b", 2, "c")],
                objectives=[Objective("x", [UnionDays(1, tasks=("a", "b"))])])
    values = []
    for floors in ([], [3]):
        b = CpBuilder(p)
        b.m.Minimize(b.objective(p.objectives[0], None))
        b.state_floors("x", floors)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        assert solver.Solve(b.m) == cp_model.OPTIMAL
        values.append(int(solver.ObjectiveValue()))
    assert values == [2, 3]


def _settled_badly(first_a: int, first_b: int):
    """Two stages: the union of a's and b's days (2 when they overlap; b starts on day 3 at the earliest), then a
    starting on day 0. The first stage is settled on the given start days without a search (as when its time
    ran out), the second one is solved under it."""
    import time

    from scheduler.core import solve as core_solve

    p = Problem(10, {"c": list(range(10))}, [Task("a", 2, "c"), Task("b", 2, "c", release=3)],
                objectives=[Objective("x", [UnionDays(1, tasks=("a", "b"))]),
                            Objective("early", [Moved({"a": 1}, {"a": 0})])])
    b = CpBuilder(p)
    search = core_solve._Search(b, core_solve._Budget(time.time(), WALL_BACKSTOP, 5.0), 1, 0, False, None, None)
    search.out.starts = {"a": first_a, "b": first_b}
    core_solve._rehint(b, None, search.out.starts)
    search._settle(p.objectives[0], b.objective(p.objectives[0], None), core_solve._Found("UNKNOWN"), 0.0)
    assert search.out.stages[0].status == "FEASIBLE"
    assert search.stage(p.objectives[1], 1.0, first=False)
    return p, search


def test_time_the_stages_leave_proves_an_earlier_stage():
    """The deterministic seconds the stages left go to a second look at the first stage not proven: its value
    is proven, the schedule and the later stage stay as they were."""
    p, search = _settled_badly(3, 3)
    before = dict(search.out.starts)
    assert search.revisit(p.objectives) is None
    x, early = search.out.stages
    assert (x.status, x.value, x.bound) == ("OPTIMAL", 2, 2) and search.out.status == "OPTIMAL"
    assert search.out.starts == before and early.value == 1


def test_a_better_schedule_found_on_a_second_look_solves_the_later_stages_again():
    """When the second look finds a better value for the earlier stage, it is kept and the later stages are
    solved again under it: the union of days goes 4 → 2 (a moves onto b's days), and a's move is counted again."""
    from scheduler.core import solve as core_solve

    p, search = _settled_badly(0, 3)
    assert [s.value for s in search.out.stages] == [4, 0] and search.out.starts["a"] == 0
    assert search.revisit(p.objectives) == 0
    assert core_solve._stages(search, p.objectives, 1)
    x, early = search.out.stages
    assert (x.name, x.value, early.name, early.value) == ("x", 2, "early", 1)
    assert search.out.starts["a"] == search.out.starts["b"] >= 3
    assert value(p, p.objectives[0], search.out.starts) == 2 and search.out.status == "OPTIMAL"


def _held_search(c_due: int | None):
    """Two union terms: 2 × the days of a or b (b starts on day 3 at the earliest) and the days of a or c, from a
    schedule with a, c on days 0-1 and b on 3-4 (value 2 × 4 + 2 = 10). `c_due`: the last day c may end."""
    import time

    from scheduler.core import solve as core_solve

    terms = [UnionDays(2, tasks=("a", "b")), UnionDays(1, tasks=("a", "c"))]
    tasks = [Task("a", 2, "k"), Task("b", 2, "k", release=3), Task("c", 2, "k", due=c_due)]
    p = Problem(10, {"k": list(range(10))}, tasks, objectives=[Objective("x", terms)])
    b = CpBuilder(p)
    obj = p.objectives[0]
    expr = b.objective(obj, None)
    b.m.Minimize(expr)
    search = core_solve._Search(b, core_solve._Budget(time.time(), WALL_BACKSTOP, 5.0), 1, 0, False, None, None)
    fixed = b.m.clone()
    for tid, k in {"a": 0, "b": 3, "c": 0}.items():
        fixed.Add(fixed.GetIntVarFromProtoIndex(b.s[tid].Index()) == k)
    solver = cp_model.CpSolver()
    assert solver.Solve(fixed) == cp_model.OPTIMAL
    start = core_solve._Found("FEASIBLE", list(solver.ResponseProto().solution), 10, 0.0)
    return p, b, search, obj, start


def test_rounds_with_every_term_held_find_a_better_schedule_that_worsens_none(monkeypatch):
    """With each term held at most its value the search still moves a and c onto b's days (10 → 6); when c
    must stay on days 0-1, the only better schedule (a onto b's days: 2 × 2 + 4 = 8) makes the second term worse,
    and the rounds (the first, then two more with other seeds) keep what they had. The held rows are cleared
    afterwards: the plain search then finds 8."""
    import time

    from scheduler.core import solve as core_solve

    p, b, search, obj, start = _held_search(None)
    found = search.no_worse(obj, start, time.time() + WALL_BACKSTOP)
    starts = {tid: found.values[v.Index()] for tid, v in b.s.items()}
    assert found.value == value(p, obj, starts) == 6 and starts["a"] == starts["b"] == starts["c"] >= 3
    assert found.bound == 0.0  # the held search's bound is not a bound of the stage

    p, b, search, obj, start = _held_search(1)
    rows = len(b.m.Proto().constraints)
    seeds = []
    real = core_solve._params

    def spy(solver, limit, n, seed, *a, **k):
        seeds.append(seed)
        return real(solver, limit, n, seed, *a, **k)

    monkeypatch.setattr(core_solve, "_params", spy)
    found = search.no_worse(obj, start, time.time() + WALL_BACKSTOP)
    assert seeds == [0, 1, 2]  # a round that found nothing is tried again with another seed, twice
    monkeypatch.setattr(core_solve, "_params", real)
    assert found.value == 10 and found.values == start.values
    held = b.m.Proto().constraints
    assert len(held) > rows and all(str(held[i]) == "" for i in range(rows, len(held)))
    assert search.cpsat("x", WALL_BACKSTOP, 5.0).value == 8


def test_a_later_stage_whose_search_finds_nothing_improves_the_schedule_so_far(monkeypatch):
    """A later stage whose CP-SAT search ends before it finds a schedule (no time here; 100 buildings at 120 s:
    in presolve) still hands the schedule so far (value 10) to the neighbourhood steps, which find 6 around it."""
    from scheduler.core import solve as core_solve

    p, b, search, obj, start = _held_search(None)
    search.last = start.values
    search.out.starts = {tid: start.values[v.Index()] for tid, v in b.s.items()}
    real = core_solve._run

    def no_time(solver, model, cb, soft, done_when):
        solver.parameters.max_time_in_seconds = 0.0
        return real(solver, model, cb, soft, done_when)

    monkeypatch.setattr(core_solve, "_run", no_time)
    assert search.stage(obj, 1.0, first=False)
    st = search.out.stages[-1]
    assert st.value == value(p, obj, search.out.starts) == 6


def test_a_stage_without_time_for_a_bound_reports_the_chain_and_crew_cut(tmp_path):
    """With almost no budget the disruption stage keeps the first schedule and CP-SAT proves nothing; the bound
    reported is then the cut the model states (each term's chain and crew load), not 0."""
    project, _ = load_project(write(tmp_path, budget_project()))
    tasks = expand(project)
    result = plan(project, tasks, WALL_BACKSTOP, 1, 0, deterministic_limit=0.001)
    stage = next(s for s in result.solution.stages if s.name == "disruption")
    p = result.compiled.problem
    b = CpBuilder(p)
    obj = next(o for o in p.objectives if o.name == "disruption")
    b.objective(obj, None)
    cut = obj.constant + sum(t.weight * b._union_lower_bound(t.tasks) for t in obj.terms)
    assert cut > 0 and stage.bound == cut and stage.bound_from == "cut"
    assert stage.bound <= stage.value
    opened = next(s for s in result.solution.stages if s.name == "open_days")  # each opening's chain of works
    obj = next(o for o in p.objectives if o.name == "open_days")
    spans = {sp.id: sp for sp in p.spans}
    chains = sum(t.weight * b._chain_length(spans[s]) for t in obj.terms for s in t.spans)
    assert chains > len(spans) and opened.bound == chains + obj.constant and opened.bound_from == "cut"
    assert opened.bound <= opened.value


def test_each_stage_ends_its_progress_with_what_it_settled(tmp_path):
    """The status line and `--json`'s last event show what each stage settled, not its last schedule's
    moment: a bound proven or reported after the last improvement (a cut, the terms, the packing bound)."""
    project, _ = load_project(write(tmp_path, budget_project()))
    tasks = expand(project)
    calls: list[tuple[str, int, float]] = []
    result = plan(project, tasks, WALL_BACKSTOP, 1, 0, deterministic_limit=DET_LIMIT,
                  progress=lambda stage, best, bound, elapsed: calls.append((stage, best, bound)))
    for stage in result.solution.stages:
        last = [c for c in calls if c[0] == stage.name][-1]
        assert last == (stage.name, stage.value, stage.bound)


def test_an_opening_is_never_shorter_than_its_chain_of_works():
    """Each opening's length starts at the longest chain of works inside it (they never share a day), so the
    open caps' cumulatives see each opening's least size; CP-SAT does not derive it from the precedences."""
    project, _ = load_project(REPO / "inputs" / "hepingli")
    p = compile_project(project, expand(project)).problem
    b = CpBuilder(p)
    least = {sp.id: b.m.Proto().variables[b.span_len[sp.id].Index()].domain[0] for sp in p.spans}
    assert least == {sp.id: b._chain_length(sp) for sp in p.spans}
    assert sum(v > 10 for v in least.values()) >= 10  # the dug zones' pipelines, tests and inspections


def _gappy_crew() -> tuple[CpBuilder, lns.Incumbent]:
    """Twenty-four 3-day tasks on two crews (one unit, two units), pairs chained, the first schedule spread
    out with gaps; the noisy task t10 may not work on days 20-25 (quiet days)."""
    tasks = [Task(f"t{i:02}", 3, "c", {"one" if i % 2 else "two": 1}) for i in range(24)]
    tasks[10].forbidden = {"quiet": frozenset(range(20, 26))}
    prec = [Precedence(f"t{i:02}", f"t{i + 2:02}") for i in range(0, 22, 4)]
    p = Problem(200, {"c": list(range(200))}, tasks, prec, capacities={"one": 1, "two": 2},
                objectives=[Objective("finish", [Makespan()])])
    b = CpBuilder(p)
    b.m.Minimize(b.objective(p.objectives[0], None))
    return b, _incumbent(b, {t.id: 5 * i for i, t in enumerate(tasks)})


def _starts(b: CpBuilder, inc: lns.Incumbent) -> dict[str, int]:
    return {tid: inc.values[v.Index()] for tid, v in b.s.items()}


def test_ordered_steps_shorten_a_finish_and_keep_every_rule():
    """Steps that fix the tasks outside cannot move the last task; ordered ones can. The schedule keeps its
    crews, chains and quiet days, and the same seed gives the same schedule."""
    runs = []
    for _ in range(2):
        b, start = _gappy_crew()
        assert start.objective == 117
        inc, used = lns.improve(b, start, random.Random(0), 3.0, lambda: WALL_BACKSTOP, 0, ordered=True)
        assert used <= 3.0 + lns.ORDERED_STEP_DET
        starts = _starts(b, inc)
        assert inc.objective < start.objective and inc.objective == value(b.p, b.p.objectives[0], starts)
        assert not set(range(starts["t10"], starts["t10"] + 3)) & set(range(20, 26))
        for res, cap in b.p.capacities.items():
            for day in range(200):
                busy = [t for t in b.p.tasks if t.demands.get(res) and starts[t.id] <= day < starts[t.id] + 3]
                assert len(busy) <= cap
        assert all(starts[pr.after] >= starts[pr.before] + 3 for pr in b.p.precedences)
        runs.append(starts)
    assert runs[0] == runs[1]


def test_the_day_just_below_the_best_finish_is_probed_with_all_the_time_left(monkeypatch):
    """Probes upward from the bound take a small part of the time each, so that a target that can neither be
    refuted nor met leaves time to bisect. One day below the best there is nothing left to bisect: that probe
    gets all the time, also when its day timed out once before a schedule came down to just above it (a
    generated 10-building compound on one busy core: 113 refuted, 114 timed out in its part, 115 met; 114
    then needs ~5 s more to be refuted)."""
    import time
    from types import SimpleNamespace

    from scheduler.core import solve as core_solve

    answers = {113: [cp_model.INFEASIBLE], 114: [cp_model.UNKNOWN, cp_model.INFEASIBLE], 115: [cp_model.FEASIBLE]}
    asked = []

    def probe(self, var, target, wall, det):
        asked.append((target, round(det, 6)))
        status = answers[target].pop(0)
        return status, [target] if status == cp_model.FEASIBLE else None, 1.0

    monkeypatch.setattr(core_solve._Search, "_probe", probe)
    search = core_solve._Search(None, core_solve._Budget(time.time(), WALL_BACKSTOP, None), 1, 0, False, None, None)
    found = core_solve._Found("FEASIBLE", values=[116], value=116, bound=113.0)
    out = search.probes("finish", SimpleNamespace(Index=lambda: 0), found, time.time() + WALL_BACKSTOP, 21.0)
    part = core_solve.PROBE_PART
    assert asked == [(113, 21.0 * part), (114, round(20.0 * part, 6)), (115, 19.0), (114, 18.0)]
    assert (out.status, out.value, out.bound) == ("OPTIMAL", 115, 115.0)


def test_ordered_steps_stop_at_the_bound():
    """A floor met ends the search: no step is spent past a proven optimum; without one, a run of steps that
    find nothing better ends it (the probes get the time)."""
    b, start = _gappy_crew()
    inc, used = lns.improve(b, start, random.Random(0), 50.0, lambda: WALL_BACKSTOP, 0, ordered=True,
                            floor=start.objective)
    assert inc is start and used == 0.0
    inc, used = lns.improve(b, start, random.Random(0), 1000.0, lambda: WALL_BACKSTOP, 0, ordered=True)
    assert inc.objective < start.objective and used < 1000.0  # no better schedule in a row of steps: it stops


@pytest.mark.parametrize("free", [set(), {"t03", "t04", "t05"}])
def test_crew_order_pairs_follow_the_schedule_they_come_from(free):
    b, start = _gappy_crew()
    starts = _starts(b, start)
    pairs = lns.crew_order(b, starts, free)
    assert pairs and not {t for pair in pairs for t in pair} & free
    for a, c in pairs:
        assert starts[c] >= starts[a] + b.tasks[a].duration
        assert set(b.tasks[a].demands) & set(b.tasks[c].demands)
    one = [(a, c) for a, c in pairs if "one" in b.tasks[a].demands]  # one unit: a single chain through its tasks
    assert len(one) == len([t for t in b.p.tasks if "one" in t.demands and t.id not in free]) - 1


def test_one_worker_minimises_the_finish_with_ordered_neighbourhoods(tmp_path, ordered_steps):
    """With one worker the finish stage runs ordered steps after CP-SAT's own search, and the schedule passes
    the referee (a deterministic budget: nothing here depends on the machine's load)."""
    project, _ = load_project(write_project(tmp_path / "gen", 6, 1))
    tasks = expand(project)
    result = plan(project, tasks, WALL_BACKSTOP, 1, 0, deterministic_limit=1.5)
    assert True in ordered_steps
    assert result.schedule is not None and check_schedule(project, tasks, result.schedule) == []

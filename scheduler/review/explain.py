"""Why a project is infeasible, in the project manager's words (`digonce explain`, `solve` on exit 3).

The core finds a minimal set of rule groups in conflict (scheduler/core/conflict.py); this module turns each
`RuleGroup` that scheduler/planning/compile.py tagged the rules with (R6 fire B12, R2 crews civil, R5 dig-once R9…)
into a sentence about the compound and the ways out, in `project.lang`, from the message catalogue
(scheduler/text/<lang>/explain.yaml).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

from models.project import Project
from models.validate import dug_zones

from scheduler.core.conflict import Conflict
from scheduler.planning.access import access_cuts
from scheduler.planning.compile import OUTAGE_SPACING_DAYS
from scheduler.planning.expand import Task, zone_depths
from scheduler.planning.rules import RuleGroup
from scheduler.text import section, t


@dataclass
class Reason:
    group: str  # the rule instance, as the solver names it (its printed name)
    rule: str  # R1..R10, or "deadline" / "release"
    text: str
    fixes: list[str] = field(default_factory=list)


@dataclass
class Explanation:
    """A minimal conflict in words: each rule that cannot hold together with the others, and the ways out."""
    status: str  # FEASIBLE, INFEASIBLE, UNKNOWN (no answer within the time limit)
    reasons: list[Reason]
    minimal: bool  # removing any one reason was shown to make the project feasible
    wall_s: float
    solves: int
    lang: str = "zh-CN"

    def to_dict(self) -> dict:
        return {"status": self.status, "feasible": self.status == "FEASIBLE", "minimal": self.minimal,
                "wall_s": round(self.wall_s, 3), "solves": self.solves, "conflict": [asdict(r) for r in self.reasons]}

    def render(self) -> str:
        if self.status in ("FEASIBLE", "UNKNOWN"):
            return t(f"explain.{self.status.lower()}", self.lang)
        n = len(self.reasons)
        count = "one" if n == 1 else "many"
        tail = t(f"explain.minimal.{count}", self.lang) if self.minimal else t("explain.unproven", self.lang)
        lines = [t(f"explain.head.{count}", self.lang, n=n) + tail]
        for r in self.reasons:
            lines.append(f"  • [{r.group}] {r.text}")
            if r.fixes:
                lines.append("    " + t("explain.ways_out", self.lang) + t("explain.or", self.lang).join(r.fixes))
        return "\n".join(lines)


def explain_conflict(project: Project, tasks: list[Task], conflict: Conflict, lang: str | None = None) -> Explanation:
    """A conflict in words, in `lang` (default: the project's language)."""
    words = _Words(project, tasks, lang)
    reasons = [words.reason(g) for g in conflict.groups]
    return Explanation(conflict.status, reasons, conflict.minimal, conflict.wall_s, conflict.solves, words.lang)


Words = tuple[str, list[str]]  # a reason's text and its ways out


class _Words:
    """The sentences of one project's rule groups, in its language."""

    def __init__(self, project: Project, tasks: list[Task], lang: str | None = None):
        self.p, self.tasks = project, tasks
        self.lang = lang or project.project.lang
        self.zones = {z.id: z for z in project.site.zones}
        self.works = {w.id: w for w in project.works}
        self._cuts: list[tuple[RuleGroup, frozenset[str]]] | None = None
        self.by_kind: dict[str, Callable[[RuleGroup], Words]] = {
            "order": self.order, "crews": self.crews, "machine": self.machine, "quiet": self.quiet,
            "dig-once": self.dig_once, "access": self.access, "fire": self.fire,
            "max_open_zones": self.max_open_zones, "max_open_days": self.max_open_days, "season": self.season,
            "outage quiet": self.outage_quiet, "outage spacing": self.spacing, "crane": self.crane,
            "open": self.open_season,
            "release": self.release, "as-of": self.as_of, "deadline": self.deadline}

    def reason(self, g: RuleGroup) -> Reason:
        fn = self.by_kind.get(g.kind)
        text, fixes = fn(g) if fn is not None else (str(g), [])
        return Reason(str(g), g.rule.value, text, fixes)

    # ---------------------------------------------------------------- words
    def t(self, key: str, **values) -> str:
        return t(f"explain.{key}", self.lang, **values)

    def words(self, key: str, **values) -> Words:
        """`key.text` and every one of `key.fixes`, formatted with the same values."""
        return self.t(f"{key}.text", **values), [fix.format(**values) for fix in self.t(f"{key}.fixes")]

    def join(self, items: list[str]) -> str:
        items = list(items)
        if len(items) < 2:
            return "".join(items)
        return t("common.list_sep", self.lang).join(items[:-1]) + self.t("and") + items[-1]

    def zone(self, zid: str) -> str:
        z = self.zones.get(zid)
        return f"{zid} {z.name}" if z is not None and z.name else zid

    def building(self, bid: str) -> str:
        b = self.p.building(bid)
        return b.name or b.id

    def work(self, wid: str) -> str:
        w = self.works.get(wid)
        return (w.name or w.id) if w is not None else wid

    def trade(self, trade: str) -> str:
        return section("common.trade", self.lang).get(trade, trade)

    def outage(self, kind: str) -> str:
        return section("common.outage", self.lang).get(kind) or t("common.outage_other", self.lang, type=kind)

    def diggers(self, zid: str) -> str:
        """The works that put underground work into a zone (why it must be dug)."""
        works = sorted({t.work or t.id for t in self.tasks if t.underground and t.zone == zid})
        return self.join([self.work(w) for w in works])

    def lifts_on(self, zid: str) -> list[Task]:
        """The lifts whose crane stands on a zone without a fire plan: they stop fire engines there."""
        return [t for t in self.tasks if zid in t.crane_zones and not t.fire_plan]

    def cuts(self, group: RuleGroup) -> list[frozenset[str]]:
        if self._cuts is None:
            occupied = {z for t in self.tasks if not t.fire_plan for z in t.crane_zones}
            self._cuts = access_cuts(self.p, set(dug_zones(self.p)), occupied=occupied)
        return sorted((c for g, c in self._cuts if g == group), key=lambda c: (len(c), sorted(c)))

    def cut_text(self, cut: frozenset[str], fire: bool = False) -> str:
        """Why the zones of a cut get blocked: dug for some works, or (for fire engines) a crane's cordon."""
        zs = sorted(cut)
        dug = set(dug_zones(self.p))
        cranes = [z for z in zs if fire and self.lifts_on(z)]
        if len(zs) > 1:
            return self.t("cut.blocked" if cranes else "cut.many", zones=self.join([self.zone(z) for z in zs]))
        z = zs[0]
        parts = [self.t("cut.one", zone=self.zone(z), diggers=self.diggers(z))] if z in dug else []
        if cranes:
            parts.append(self.t("cut.crane", zone=self.zone(z), lifts=self.join([t.id for t in self.lifts_on(z)])))
        return t("common.list_sep", self.lang).join(parts)

    # ---------------------------------------------------------------- one sentence per rule family
    def order(self, g: RuleGroup) -> Words:
        return self.words("order")

    def crews(self, g: RuleGroup) -> Words:
        tr = self.p.trades.get(g.subject)
        who = self.t("crews.contractor", contractor=tr.contractor) if tr and tr.contractor else ""
        return self.words("crews", name=self.trade(g.subject), who=who, n=tr.crews if tr else 0, trade=g.subject)

    def machine(self, g: RuleGroup) -> Words:
        return self.words("machine", machine=g.subject, n=self.p.equipment.get(g.subject, 0))

    def quiet(self, g: RuleGroup) -> Words:
        q = next((q for q in self.p.calendar.quiet if q.name == g.subject), None)
        if q is None:
            return str(g), []
        near = self.t("quiet.near", buildings=self.join([self.building(b) for b in q.buildings])) \
            if q.buildings else ""
        return self.words("quiet", name=q.name, start=q.from_, end=q.to, near=near)

    def dig_once(self, g: RuleGroup) -> Words:
        return self.words("dig_once", zone=self.zone(g.subject), zid=g.subject, diggers=self.diggers(g.subject))

    def access(self, g: RuleGroup) -> Words:
        b, e = next((b, e) for b in self.p.site.buildings for e in b.entrances if e.id == g.subject)
        door = self.t("access.door", building=self.building(b.id), entrance=e.name or e.id, zone=self.zone(e.zone))
        cuts = self.cuts(g)
        cut = cuts[0] if cuts else frozenset({e.zone})
        return self.words("access", door=door, cut=self.cut_text(cut), zones=self.join(sorted(cut)),
                          zone=self.zone(e.zone))

    def fire(self, g: RuleGroup) -> Words:
        b = self.p.building(g.subject)
        cuts = self.cuts(g)
        cut = cuts[0] if cuts else frozenset(b.fire_zones)
        lifts = sorted({t.id for z in cut for t in self.lifts_on(z)})
        values = dict(building=self.building(b.id), fire_zones=self.join([self.zone(z) for z in b.fire_zones]),
                      cut=self.cut_text(cut, fire=True), zones=self.join(sorted(cut)), lifts=self.join(lifts),
                      works=self.join(sorted({self.work(t.work) for t in self.tasks if t.id in lifts and t.work})))
        text = self.t("fire.one" if len(b.fire_zones) == 1 else "fire.many", **values)
        fixes = list(self.t("fire.crane_fixes")) if lifts else []
        return text, [fix.format(**values) for fix in fixes + list(self.t("fire.fixes"))]

    def max_open_zones(self, g: RuleGroup) -> Words:
        cap = self.p.site.max_open_zones
        return self.words("max_open_zones", cap=cap, more=cap + 1)

    def max_open_days(self, g: RuleGroup) -> Words:
        capped = [self.t("max_open_days.each", zone=self.zone(z.id), days=z.max_open_days)
                  for z in self.p.site.zones if z.max_open_days]
        return self.words("max_open_days", capped=self.join(capped))

    def season(self, g: RuleGroup) -> Words:
        name, what = g.subject
        s = next((s for s in self.p.calendar.seasons if s.name == name), None)
        if s is None:
            return str(g), []
        return self.words("season", name=name, start=s.from_, end=s.to, what=what)

    def open_season(self, g: RuleGroup) -> Words:
        """R8 `forbid: [open]`: the zones deep enough that must be shut over the whole season."""
        s = next((s for s in self.p.calendar.seasons if s.name == g.subject), None)
        if s is None:
            return str(g), []
        depth = zone_depths(self.tasks)
        zones = [z for z in dug_zones(self.p) if s.forbids_open(depth.get(z))]
        deep = self.t("open.deep", depth=s.min_depth_m) if s.min_depth_m is not None else ""
        return self.words("open", name=s.name, start=s.from_, end=s.to, deep=deep,
                          zones=self.join([self.zone(z) for z in zones]))

    def outage_quiet(self, g: RuleGroup) -> Words:
        q = next((q for q in self.p.calendar.quiet if q.name == g.subject), None)
        if q is None:
            return str(g), []
        return self.words("outage_quiet", name=q.name, start=q.from_, end=q.to)

    def spacing(self, g: RuleGroup) -> Words:
        kind, bid = g.subject
        return self.words("spacing", building=self.building(bid), outage=self.outage(kind), days=OUTAGE_SPACING_DAYS)

    def crane(self, g: RuleGroup) -> Words:
        task = next((t for t in self.tasks if t.id == g.subject), None)
        zones = self.join([self.zone(z) for z in (task.crane_zones if task else ())])
        return self.words("crane", task=g.subject, zones=zones)

    def release(self, g: RuleGroup) -> Words:
        w = self.works.get(g.subject)
        return self.words("release", work=self.work(g.subject), wid=g.subject, when=w.earliest if w else "?")

    def as_of(self, g: RuleGroup) -> Words:
        return self.words("as_of")

    def deadline(self, g: RuleGroup) -> Words:
        parts = []
        if self.p.project.deadline:
            parts.append(self.t("deadline.project", date=self.p.project.deadline))
        parts += [self.t("deadline.work", work=self.work(w.id), date=w.deadline) for w in self.p.works if w.deadline]
        return self.join(parts), list(self.t("deadline.fixes"))

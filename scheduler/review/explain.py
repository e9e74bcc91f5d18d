"""Why a project is infeasible, in the project manager's words (`digonce explain`, `solve` on exit 3).

The core finds a minimal set of rule groups in conflict (scheduler/conflict.py); this module turns each
group name that scheduler/compile.py wrote ("R6 fire B12", "R2 crews civil", "R5 dig-once R9"…) into a
sentence about the compound and the ways out, in `project.lang`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from models.project import Project
from models.validate import dug_zones

from scheduler.plan.access import access_cuts
from scheduler.plan.compile import OUTAGE_SPACING_DAYS
from scheduler.core.conflict import Conflict
from scheduler.plan.expand import Task


@dataclass
class Reason:
    group: str  # the rule instance, as the solver names it
    rule: str  # R1..R10, or "deadline" / "release"
    text: str
    fixes: list[str] = field(default_factory=list)


@dataclass
class Explanation:
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
        zh = self.lang == "zh-CN"
        if self.status == "FEASIBLE":
            return "可以排出满足全部规则的计划：没有冲突。" if zh else "Feasible: a schedule obeys every rule; nothing conflicts."
        if self.status == "UNKNOWN":
            return ("在时限内既没有找到计划，也没有证明不可行：请加大 --time-limit。" if zh else
                    "Within the time limit no schedule was found and none was proven impossible: "
                    "give it a longer --time-limit.")
        n = len(self.reasons)
        if zh:
            head = (f"无法排出满足全部规则的计划：以下 {n} 条规则不能同时满足"
                    + ("（去掉其中任何一条即可排出计划）：" if self.minimal else "（时限内未能证明最小）："))
        else:
            head = (f"No schedule obeys every rule: these {n} rule{'s' if n != 1 else ''} cannot all hold"
                    + (" (without any one of them a schedule exists):" if self.minimal
                       else " (not proven minimal within the time limit):"))
        lines = [head]
        for r in self.reasons:
            lines.append(f"  • [{r.group}] {r.text}")
            if r.fixes:
                lines.append(("    办法：" + "；或".join(r.fixes)) if zh else ("    Ways out: " + "; or ".join(r.fixes)))
        return "\n".join(lines)


def explain_conflict(project: Project, tasks: list[Task], conflict: Conflict) -> Explanation:
    words = _Words(project, tasks)
    reasons = [words.reason(g) for g in conflict.groups]
    return Explanation(conflict.status, reasons, conflict.minimal, conflict.wall_s, conflict.solves,
                       project.project.lang)


class _Words:
    def __init__(self, project: Project, tasks: list[Task]):
        self.p, self.tasks = project, tasks
        self.zh = project.project.lang == "zh-CN"
        self.zones = {z.id: z for z in project.site.zones}
        self.works = {w.id: w for w in project.works}
        self._cuts: list[tuple[str, frozenset[str]]] | None = None

    def t(self, zh: str, en: str) -> str:
        return zh if self.zh else en

    def join(self, items: list[str]) -> str:
        items = list(items)
        if self.zh:
            return "、".join(items)
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

    def zone(self, zid: str) -> str:
        z = self.zones.get(zid)
        return f"{zid} {z.name}" if z is not None and z.name else zid

    def building(self, bid: str) -> str:
        b = self.p.building(bid)
        return b.name or b.id

    def work(self, wid: str) -> str:
        w = self.works.get(wid)
        return (w.name or w.id) if w is not None else wid

    def diggers(self, zid: str) -> str:
        """The works that put underground work into a zone (why it must be dug)."""
        works = sorted({t.work or t.id for t in self.tasks if t.underground and t.zone == zid})
        return self.join([self.work(w) for w in works])

    def cuts(self, group: str) -> list[frozenset[str]]:
        if self._cuts is None:
            self._cuts = access_cuts(self.p, set(dug_zones(self.p)))
        return sorted((c for g, c in self._cuts if g == group), key=lambda c: (len(c), sorted(c)))

    def cut_text(self, cut: frozenset[str]) -> str:
        zs = sorted(cut)
        if len(zs) == 1:
            return self.t(f"{self.zone(zs[0])} 必须开挖（{self.diggers(zs[0])}）",
                          f"{self.zone(zs[0])} must be dug for {self.diggers(zs[0])}")
        return self.t(f"{self.join([self.zone(z) for z in zs])} 不能同时开挖，但排不开",
                      f"{self.join([self.zone(z) for z in zs])} must never be open together, and cannot be kept apart")

    def reason(self, g: str) -> Reason:
        for prefix, fn in (("R2 crews ", self.crews), ("R2 machine ", self.machine), ("R4 quiet ", self.quiet),
                           ("R5 dig-once ", self.dig_once), ("R6 access ", self.access), ("R6 fire ", self.fire),
                           ("R8 season ", self.season), ("R9 outage quiet ", self.outage_quiet),
                           ("R9 outage spacing ", self.spacing), ("R10 crane ", self.crane),
                           ("release ", self.release)):
            if g.startswith(prefix):
                text, fixes = fn(g[len(prefix):])
                return Reason(g, g.split()[0], text, fixes)
        if g == "deadline":
            return Reason(g, "deadline", *self.deadline())
        if g == "R7 max_open_zones":
            cap = self.p.site.max_open_zones
            return Reason(g, "R7", self.t(f"同一天最多开挖 {cap} 个区域（site.max_open_zones）",
                                          f"at most {cap} zone(s) may be open on one day (site.max_open_zones)"),
                          [self.t(f"把 site.max_open_zones 调大到 {cap + 1} 或以上",
                                  f"raise site.max_open_zones to {cap + 1} or more")])
        if g == "R7 max_open_days":
            capped = [f"{self.zone(z.id)} ≤ {z.max_open_days}" for z in self.p.site.zones if z.max_open_days]
            return Reason(g, "R7", self.t(f"区域开挖天数有上限（max_open_days：{self.join(capped)} 天）",
                                          f"zone openings are capped (max_open_days: {self.join(capped)} days)"),
                          [self.t("加大这些区域的 max_open_days，或把区域分成更短的几段",
                                  "raise those zones' max_open_days, or cut the zones into shorter pieces")])
        if g == "R1":
            return Reason(g, "R1", self.t("先后顺序（after）构成了循环", "the order of works (after:) forms a cycle"),
                          [self.t("去掉循环中的一个 after", "remove one `after` from the cycle")])
        return Reason(g, g.split()[0], g, [])

    # ---------------------------------------------------------------- one sentence per rule family
    def crews(self, trade: str) -> tuple[str, list[str]]:
        tr = self.p.trades.get(trade)
        n = tr.crews if tr else 0
        who = f"（{tr.contractor}）" if tr and tr.contractor and self.zh else (f" ({tr.contractor})" if tr and
                                                                           tr.contractor else "")
        return (self.t(f"{trade}{who}只有 {n} 个班组：同一天最多 {n} 项 {trade} 工作",
                       f"trade {trade}{who} has {n} crew(s): at most {n} of its tasks on any day"),
                [self.t(f"给 {trade} 增加班组（trades.{trade}.crews）",
                        f"give {trade} another crew (trades.{trade}.crews)")])

    def machine(self, m: str) -> tuple[str, list[str]]:
        n = self.p.equipment.get(m, 0)
        return (self.t(f"{m} 只有 {n} 台（equipment.{m}）", f"there are only {n} {m}(s) (equipment.{m})"),
                [self.t(f"增加一台 {m}（equipment.{m}）", f"add another {m} (equipment.{m})")])

    def quiet(self, name: str) -> tuple[str, list[str]]:
        q = next((q for q in self.p.calendar.quiet if q.name == name), None)
        if q is None:
            return name, []
        where = (self.t(f"（{self.join([self.building(b) for b in q.buildings])} 附近）",
                        f" (near {self.join([self.building(b) for b in q.buildings])})") if q.buildings else "")
        return (self.t(f"静默期 {name}（{q.from_}～{q.to}）{where}禁止噪声施工",
                       f"the quiet period {name} ({q.from_} to {q.to}){where} forbids noisy work"),
                [self.t(f"用 buildings: 把 {name} 限定在需要安静的楼", f"limit {name} to the buildings it protects "
                        "(buildings:)"),
                 self.t(f"缩短 {name}", f"shorten {name}")])

    def dig_once(self, zid: str) -> tuple[str, list[str]]:
        return (self.t(f"{self.zone(zid)} 只开挖一次：{self.diggers(zid)} 的地下工作都要在这一次开挖内完成"
                       "（先开挖、后回填，深管先铺）",
                       f"{self.zone(zid)} is dug only once: the underground work of {self.diggers(zid)} must all "
                       "happen inside that one opening (after excavation, before backfill, deeper pipes first)"),
                [self.t(f"把 {zid} 分成几段可以分别开挖的区域", f"split {zid} into shorter zones that can be opened "
                        "one after another"),
                 self.t(f"把其中一条管线改走其他区域", "route one of those pipes through another zone")])

    def access(self, eid: str) -> tuple[str, list[str]]:
        b, e = next((b, e) for b in self.p.site.buildings for e in b.entrances if e.id == eid)
        door = self.t(f"{self.building(b.id)} {e.name or e.id}（门在 {self.zone(e.zone)}）",
                      f"{self.building(b.id)} {e.name or e.id} (door on {self.zone(e.zone)})")
        cuts = self.cuts(f"R6 access {eid}")
        cut = cuts[0] if cuts else frozenset({e.zone})
        zs = sorted(cut)
        return (self.t(f"{door} 每天都要有路通到小区大门；{self.cut_text(cut)}",
                       f"{door} needs a way to a gate every day; {self.cut_text(cut)}"),
                [self.t(f"在 {self.join(zs)} 铺钢板保证行人通行（passable_when_open: people）",
                        f"lay steel plates on {self.join(zs)} (passable_when_open: people)"),
                 self.t(f"给 {self.zone(e.zone)} 增加一条通往别处的连接（links）",
                        f"link {self.zone(e.zone)} to another path (links)")])

    def fire(self, bid: str) -> tuple[str, list[str]]:
        b = self.p.building(bid)
        cuts = self.cuts(f"R6 fire {bid}")
        cut = cuts[0] if cuts else frozenset(b.fire_zones)
        zs = sorted(cut)
        fz = self.join([self.zone(z) for z in b.fire_zones])
        if len(b.fire_zones) == 1:
            text = self.t(f"{self.building(bid)} 只有一个消防区域 {fz}，而{self.cut_text(cut)}",
                          f"{self.building(bid)} has one fire zone, {fz}, and {self.cut_text(cut)}")
        else:
            text = self.t(f"{self.building(bid)} 的消防车要经道路到达 {fz} 之一；{self.cut_text(cut)}",
                          f"a fire engine must reach one of {self.building(bid)}'s fire zones ({fz}) over roads; "
                          f"{self.cut_text(cut)}")
        return text, [self.t(f"给 {self.building(bid)} 增加一个消防区域（fire_zones）",
                             f"add another fire zone for {self.building(bid)} (fire_zones)"),
                      self.t(f"把 {self.join(zs)} 分成两个半幅区域，轮流开挖",
                             f"split {self.join(zs)} into half-width zones dug one at a time")]

    def season(self, rest: str) -> tuple[str, list[str]]:
        s = next((s for s in self.p.calendar.seasons if rest.startswith(s.name + " ")), None)
        if s is None:
            return rest, []
        what = rest[len(s.name) + 1:]
        return (self.t(f"{s.name}（{s.from_}～{s.to}）期间不得进行 {what} 施工",
                       f"the season {s.name} ({s.from_} to {s.to}) forbids {what} work"),
                [self.t(f"把 {what} 从 {s.name} 的 forbid 中去掉或缩短该季节",
                        f"take {what} off {s.name}'s forbid list, or shorten the season")])

    def outage_quiet(self, name: str) -> tuple[str, list[str]]:
        text, _ = self.quiet(name)
        return (self.t(f"停水停电等停供不得安排在静默期 {name}", f"no outage may fall in the quiet period {name}")
                + self.t(f"（{text}）", f" ({text})"),
                [self.t(f"缩短 {name} 或限定其楼栋", f"shorten {name} or limit it to fewer buildings")])

    def spacing(self, rest: str) -> tuple[str, list[str]]:
        kind, bid = rest.rsplit(" ", 1)
        return (self.t(f"{self.building(bid)} 每 {OUTAGE_SPACING_DAYS} 天最多停一次{kind}",
                       f"{self.building(bid)} may have at most one {kind} outage per {OUTAGE_SPACING_DAYS} days"),
                [self.t(f"把 {self.building(bid)} 的几次{kind}切改合并为一次",
                        f"merge {self.building(bid)}'s {kind} cutovers into one")])

    def crane(self, tid: str) -> tuple[str, list[str]]:
        t = next((t for t in self.tasks if t.id == tid), None)
        zs = self.join([self.zone(z) for z in (t.crane_zones if t else ())])
        return (self.t(f"{tid} 吊装时吊车停在 {zs}，这些区域当时不能开挖",
                       f"the crane of {tid} stands on {zs}, which may not be open then"),
                [self.t("换一个吊车停放区域（crane_zones）", "let the crane stand elsewhere (crane_zones)")])

    def release(self, wid: str) -> tuple[str, list[str]]:
        w = self.works.get(wid)
        when = w.earliest if w is not None else "?"
        return (self.t(f"{self.work(wid)} 不得早于 {when} 开工（earliest）",
                       f"{self.work(wid)} may not start before {when} (earliest)"),
                [self.t(f"把 {wid} 的 earliest 提前", f"allow {wid} to start earlier (earliest)")])

    def deadline(self) -> tuple[str, list[str]]:
        parts = []
        if self.p.project.deadline:
            parts.append(self.t(f"全部工程须在 {self.p.project.deadline} 前完成（project.deadline）",
                                f"everything must be finished by {self.p.project.deadline} (project.deadline)"))
        for w in self.p.works:
            if w.deadline:
                parts.append(self.t(f"{self.work(w.id)} 须在 {w.deadline} 前完成",
                                    f"{self.work(w.id)} must be finished by {w.deadline}"))
        return self.join(parts), [self.t("推迟完工期限", "move the deadline later")]

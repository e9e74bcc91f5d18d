"""Synthetic but realistic compounds for benchmarks (`digonce generate --buildings N --seed S -o DIR`).

Modelled on inputs/hepingli (a 1980s Beijing slab-block compound). The layout is a grid of building rows:

            N gate
    H0-1 ─── H0-2 ─── H0-3          H<l>-<c>  road line l (0..R), segment c: above row l+1, below row l
    W1  A1-1  P1-1 A1-2 P1-2 A1-3  E1   W<r>/E<r>  west/east road of row r (the east one holds the E gate)
    │   [B1]  │    [B2]  │   [B3]  │    A<r>-<c>  apron (entrance strip) north of building (r, c)
    │   ~~~~~~~~~ G1 ~~~~~~~~~~~~  │    P<r>-<c>  path between buildings c and c+1 of row r
    H1-1 ─── H1-2 ─── H1-3          G<r>      green behind row r;  GE<r>-<c> front green (elevator pit)
    …                               KRa/KRb   kindergarten stub road as two half-widths, AK its apron

Every road segment lies on a loop (the lines end on the west and east roads, which also link to each
other), so closing any one road zone leaves every fire zone reachable; every apron has three ways out
(the road in front and the paths or edge roads on both sides) and is plated (`passable_when_open:
people`) whenever it is dug; the kindergarten's stub road is split into two half-width zones, one open
while the other carries traffic. No dug zone is therefore a single point of failure (R6), there is no
deadline, and every building is served by at most one cutover per outage type, so the project is
always feasible.

Pipelines are laid per district (two building rows): the sewer runs from the east road along the middle
road line, up the paths into the aprons (downstream first); water and power share the middle line, gas
and telecom the north line, heating crosses the greens after the sheds there are demolished. One
elevator per ~2 buildings (its lift's crane on the road in front; the gas company relocates a riser in
the pit), a facade and a roof per building, paving and greening on every dug zone, a supervisor per
20 buildings for the hold points. As in the sample (site rules v2), a flood season keeps trenches of
1.5 m and deeper shut. The same (N, seed) always gives the same files.
"""

from __future__ import annotations

import csv
import io
import math
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

START = date(2027, 3, 1)
CN_DIGITS = "零一二三四五六七八九十"


def _cn(n: int) -> str:
    if n <= 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n - 10] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return CN_DIGITS[tens] + "十" + (CN_DIGITS[ones] if ones else "")


@dataclass
class _Zone:
    id: str
    name: str
    kind: str
    length_m: int
    links: set[str] = field(default_factory=set)
    plated: bool = False
    max_open_days: int | None = None
    district: int = 0


@dataclass
class _Building:
    id: str
    name: str
    households: int
    units: int
    row: int
    col: int
    sensitive: bool = False
    near: list[str] = field(default_factory=list)
    fire_zones: list[str] = field(default_factory=list)
    apron: str = ""


def columns_for(n: int) -> int:
    return 3 if n <= 12 else 4 if n <= 30 else 5


class _Generator:
    def __init__(self, n: int, seed: int):
        if n < 2:
            raise ValueError("a compound needs at least 2 buildings")
        self.n, self.seed = n, seed
        self.rng = random.Random(f"digonce-generate/{n}/{seed}")
        self.kinder = n >= 6  # the last building is a kindergarten on its own stub road
        self.res = n - 1 if self.kinder else n
        self.C = columns_for(self.res)
        self.R = math.ceil(self.res / self.C)
        self.D = math.ceil(self.R / 2)  # districts of two building rows
        self.zones: dict[str, _Zone] = {}
        self.buildings: list[_Building] = []
        self.works: list[dict] = []
        self.used: dict[str, set[str]] = {}  # zone -> trades digging there

    # ------------------------------------------------------------------ site
    def zone(self, zid: str, name: str, kind: str, length: int, district: int) -> _Zone:
        z = _Zone(zid, name, kind, length, district=district)
        self.zones[zid] = z
        return z

    def link(self, a: str, b: str) -> None:
        if a in self.zones and b in self.zones and a != b:
            self.zones[a].links.add(b)

    def district_of_row(self, r: int) -> int:
        return (r - 1) // 2

    def district_of_line(self, l: int) -> int:
        return min(self.D - 1, max(0, l - 1) // 2) if l else 0

    # long: one pass in a fixed order of rng calls; that order defines every generated compound (same seed, same files)
    def site(self) -> None:
        rng, C, R = self.rng, self.C, self.R
        for l in range(R + 1):
            for c in range(1, C + 1):
                side = "北" if l == 0 else "南" if l == R else "中"
                self.zone(f"H{l}-{c}", f"{_cn(l + 1)}号路{side}段{c}", "road", rng.choice((80, 90, 100, 110, 120)),
                          self.district_of_line(l))
        for r in range(1, R + 1):
            d = self.district_of_row(r)
            self.zone(f"W{r}", f"西路第{r}段", "road", rng.choice((90, 100, 110)), d)
            self.zone(f"E{r}", f"东路第{r}段", "road", rng.choice((90, 100, 110)), d)
            self.zone(f"G{r}", f"第{r}排宅间绿地", "green", 40 * C, d)
            for c in range(1, C):
                self.zone(f"P{r}-{c}", f"第{r}排{c}-{c + 1}号楼间甬路", "path", rng.choice((80, 90, 100)), d)
        # roads: lines, verticals, and the verticals to each other (corner junctions)
        for l in range(R + 1):
            for c in range(1, C):
                self.link(f"H{l}-{c}", f"H{l}-{c + 1}")
        for r in range(1, R + 1):
            for side, c in (("W", 1), ("E", C)):
                self.link(f"{side}{r}", f"H{r - 1}-{c}")
                self.link(f"{side}{r}", f"H{r}-{c}")
                self.link(f"{side}{r}", f"{side}{r + 1}")
            for c in range(1, C):
                p = f"P{r}-{c}"
                for l in (r - 1, r):
                    self.link(p, f"H{l}-{c}")
                    self.link(p, f"H{l}-{c + 1}")
                self.link(p, f"G{r}")
            self.link(f"G{r}", f"W{r}")
            self.link(f"G{r}", f"E{r}")
        k = 0
        for r in range(1, R + 1):
            for c in range(1, C + 1):
                if k >= self.res:
                    break
                k += 1
                units = rng.choice((2, 3, 3, 3, 4))
                b = _Building(f"B{k}", f"{k}号楼", 12 * units, units, r, c)
                a = self.zone(f"A{r}-{c}", f"{k}号楼入户前区", "apron", 20 * units, self.district_of_row(r))
                b.apron = a.id
                left = f"P{r}-{c - 1}" if c > 1 else f"W{r}"
                right = f"P{r}-{c}" if c < C else f"E{r}"
                for z in (f"H{r - 1}-{c}", left, right):
                    self.link(a.id, z)
                b.near = [f"H{r - 1}-{c}", f"H{r}-{c}", a.id, left, right, f"G{r}"]
                b.fire_zones = [f"H{r - 1}-{c}", f"H{r}-{c}"]
                self.buildings.append(b)
        if self.kinder:
            m = max(1, C // 2)
            d = self.D - 1
            for half, side in (("a", "西"), ("b", "东")):
                self.zone(f"KR{half}", f"幼儿园支路{side}半幅", "road", 40, d)
                self.link(f"KR{half}", f"H{R}-{m}")
                self.link(f"KR{half}", f"H{R}-{m + 1}")
            self.link("KRa", "KRb")
            self.zone("AK", "幼儿园入口前区", "apron", 30, d)
            self.zone("GK", "幼儿园活动场地", "green", 60, d)
            for z in ("KRa", "KRb"):
                self.link("AK", z)
                self.link("GK", z)
            self.link("GK", "AK")
            kb = _Building(f"K1", "幼儿园", 30, 1, R + 1, m, sensitive=True)
            kb.apron = "AK"
            kb.near = ["KRa", "KRb", "AK", "GK", f"H{R}-{m}", f"H{R}-{m + 1}"]
            kb.fire_zones = ["KRa", "KRb"]
            self.buildings.append(kb)

    # ------------------------------------------------------------------ works
    def dig(self, trade: str, zones: list[str]) -> dict[str, int]:
        runs = {}
        for z in zones:
            if z in self.zones and z not in runs:
                zz = self.zones[z]
                runs[z] = zz.length_m if zz.kind != "apron" else self.rng.choice((8, 10, 15))
                self.used.setdefault(z, set()).add(trade)
        return runs

    # long: one pass in a fixed order of rng calls; that order defines every generated compound (same seed, same files)
    def pipelines(self) -> None:
        rng, C, R = self.rng, self.C, self.R
        by_row: dict[int, list[_Building]] = {}
        for b in self.buildings:
            if not b.sensitive:
                by_row.setdefault(b.row, []).append(b)
        self.apron_dug: set[str] = set()
        for b in self.buildings:
            if not b.sensitive and rng.random() < 0.35:
                self.apron_dug.add(b.apron)
        for d in range(self.D):
            r1, r2 = 2 * d + 1, 2 * d + 2
            rows = [r for r in (r1, r2) if r <= R]
            ln, lm = 2 * d, 2 * d + 1
            served = [b.id for r in rows for b in by_row.get(r, [])]
            aprons = [b.apron for r in rows for b in by_row.get(r, []) if b.apron in self.apron_dug]
            paths = [f"P{r}-{c}" for r in rows for c in range(1, C) if rng.random() < 0.4]
            mid = [f"H{lm}-{c}" for c in range(C, 0, -1)]
            north = [f"H{ln}-{c}" for c in range(1, C + 1)]
            label = f"第{_cn(d + 1)}片区"
            last = d == self.D - 1
            self.works.append({
                "id": f"sewer-{d + 1}", "type": "pipeline", "trade": "sewer", "name": f"{label}雨污分流改造（污水管）",
                "runs": self.dig("sewer", [f"E{r1}"] + mid + paths + aprons),
                "rate": 15, "downstream_first": True, "depth_m": 2.0, "test_days": 2})
            self.works.append({
                "id": f"water-{d + 1}", "type": "pipeline", "trade": "water", "name": f"{label}给水管网及入户管更换",
                "runs": self.dig("water", [f"W{r1}"] + mid + paths + aprons),
                "rate": 30, "depth_m": 1.2, "test_days": 3,
                "cutover": {"outage": "water", "serves": served, "hours": "09:00-15:00", "days": 1, "notice_days": 1}})
            gas_aprons = [a for a in aprons if rng.random() < 0.6]
            self.works.append({
                "id": f"gas-{d + 1}", "type": "pipeline", "trade": "gas", "name": f"{label}燃气管道更新",
                "runs": self.dig("gas", [f"W{r1}"] + mid[::-1] + [p for p in paths if rng.random() < 0.5]
                                 + gas_aprons),
                "rate": 25, "depth_m": 0.9, "test_days": 1,
                "cutover": {"outage": "gas", "serves": served, "hours": "08:00-18:00", "days": 1, "notice_days": 2}})
            power_serves = served + (["K1"] if last and self.kinder else [])
            self.works.append({
                "id": f"power-{d + 1}", "type": "pipeline", "trade": "power", "name": f"{label}架空线入地（电力排管）",
                "runs": self.dig("power", mid[::-1] + [f"E{r1}"] + ["KRb" if last and self.kinder else ""]
                                 + [a for a in aprons if rng.random() < 0.4]),
                "rate": 40, "depth_m": 0.7,
                "cutover": {"outage": "power", "serves": power_serves, "hours": "08:00-16:00", "days": 1,
                            "notice_days": 7}})
            self.works.append({
                "id": f"telecom-{d + 1}", "type": "pipeline", "trade": "telecom", "name": f"{label}通信架空线入地",
                "runs": self.dig("telecom", (north if d == 0 else mid[:2]) + [f"W{r1}"]
                                 + paths[:1]), "rate": 40, "depth_m": 0.5})
            greens = [f"G{r}" for r in rows]
            self.works.append({
                "id": f"demolish-{d + 1}", "type": "task", "trade": "civil", "name": f"拆除{label}宅间违建棚房",
                "days": rng.choice((3, 4)), "zone": greens[0], "underground": False, "noisy": True,
                "earliest": "2027-03-15"})
            self.works.append({
                "id": f"heating-{d + 1}", "type": "pipeline", "trade": "heating", "name": f"{label}供热管网改造",
                "runs": self.dig("heating", [f"E{r1}", f"H{lm}-{C}"] + greens), "rate": 15, "depth_m": 1.5,
                "test_days": 3, "after": [f"demolish-{d + 1}"]})
        if self.kinder:
            m = max(1, C // 2)
            self.works.append({
                "id": "water-k", "type": "pipeline", "trade": "water", "name": "幼儿园给水接入",
                "runs": self.dig("water", [f"H{R}-{m}", "KRa"]), "rate": 30, "depth_m": 1.2, "test_days": 3,
                "cutover": {"outage": "water", "serves": ["K1"], "hours": "09:00-15:00", "days": 1,
                            "notice_days": 1}})

    def elevators(self) -> None:
        rng, k = self.rng, 0
        gas_in = {z for w in self.works if w.get("trade") == "gas" for z in w["runs"]}
        for i, b in enumerate(self.buildings):
            if b.sensitive or i % 2 == 0:
                continue
            k += 1
            entrance = f"{b.id}-{rng.randint(1, b.units)}"
            if b.apron in self.apron_dug:
                zone = b.apron
            else:
                zone = f"GE{b.row}-{b.col}"
                self.zone(zone, f"{b.name}门前绿地", "green", 20, self.zones[b.apron].district)
                self.link(zone, b.apron)
                self.link(zone, f"H{b.row - 1}-{b.col}")
                b.near.append(zone)
            self.used.setdefault(zone, set()).add("elevator")
            work = {"id": f"E{k}", "type": "elevator", "name": f"{b.name}{entrance.split('-')[1]}单元加装电梯",
                    "building": b.id, "entrance": entrance, "zone": zone, "crane_zones": [f"H{b.row - 1}-{b.col}"]}
            variant = rng.random()
            if variant < 0.25:
                work["days"] = {"relocate": 5, "foundation": 5, "curing": 7, "shaft": 10, "install": 15,
                                "acceptance": 5}
            elif variant < 0.4:
                work["days"] = {"relocate": 2, "foundation": 5, "curing": 7, "shaft": 8, "install": 15,
                                "acceptance": 5}
            if zone in gas_in:
                work["relocate_trade"] = "gas"  # the gas company moves its riser out of the pit
            self.works.append(work)

    def surfaces(self) -> None:
        rng = self.rng
        dug = [z for z in self.zones.values() if z.id in self.used]
        for z in dug:
            if z.kind == "apron":
                z.plated = True
                z.max_open_days = 40
        for d in range(self.D):
            label = f"第{_cn(d + 1)}片区"
            mine = [z for z in dug if z.district == d]
            roads = {z.id: rng.choice((2, 3)) for z in mine if z.kind == "road"}
            paths = {z.id: 2 for z in mine if z.kind in ("path", "apron")}
            greens = {z.id: rng.choice((5, 6)) for z in mine if z.kind == "green" and z.id.startswith("G")
                      and not z.id.startswith("GE")}
            if roads:
                self.works.append({"id": f"pave-roads-{d + 1}", "type": "surface", "trade": "paving",
                                   "name": f"{label}道路沥青摊铺", "zones": roads})
            if paths:
                self.works.append({"id": f"pave-paths-{d + 1}", "type": "surface", "trade": "paving",
                                   "name": f"{label}甬路及入户前区透水砖铺装", "zones": paths})
            if greens:
                green = {"id": f"green-{d + 1}", "type": "surface", "trade": "greening",
                         "name": f"{label}宅间绿地提升", "zones": greens}
                if paths:
                    green["after"] = [{"id": f"pave-paths-{d + 1}", "lag": 2}]
                self.works.append(green)
        if self.kinder:
            self.works.append({"id": "green-k", "type": "surface", "trade": "greening", "name": "幼儿园活动场地绿化",
                               "zones": {"GK": 4}, "after": [{"id": f"pave-roads-{self.D}", "lag": 1}]})
        # the gate zones carry the whole compound's traffic: keep their openings short
        for g in self.gates:
            if g in self.used:
                self.zones[g].max_open_days = 45

    def building_works(self) -> None:
        rng = self.rng
        for b in self.buildings:
            days = 15 if b.sensitive else {2: 18, 3: 24, 4: 30}[b.units]
            self.works.append({"id": f"facade-{b.id}", "type": "building", "trade": "facade", "building": b.id,
                               "name": f"{b.name}外墙保温", "days": days, "noisy": True})
            if not b.sensitive and rng.random() < 0.5:
                self.works.append({"id": f"roof-{b.id}", "type": "building", "trade": "roofing", "building": b.id,
                                   "name": f"{b.name}屋面防水", "days": {2: 4, 3: 6, 4: 8}[b.units]
                                   + rng.choice((0, 0, 1))})

    # ------------------------------------------------------------------ files
    # long: one pass in a fixed order of rng calls; that order defines every generated compound (same seed, same files)
    def project(self) -> tuple[dict, str]:
        n = self.n
        self.gates = [f"H0-{(self.C + 1) // 2}", f"E{(self.R + 1) // 2}"]
        self.site()
        self.pipelines()
        self.elevators()
        self.surfaces()
        self.building_works()
        rng = self.rng
        crews = lambda per, base=1: base + n // per  # noqa: E731
        y = START.year
        exam = sorted(rng.sample([b.id for b in self.buildings if not b.sensitive],
                                 k=max(1, len(self.buildings) // 4)), key=lambda s: int(s[1:]))
        quiet, seasons = [], []
        for yr in (y, y + 1, y + 2):
            quiet.append({"name": f"{yr}高考", "from": f"{yr}-06-06", "to": f"{yr}-06-10"})
            quiet.append({"name": f"{yr}中考", "from": f"{yr}-06-24", "to": f"{yr}-06-26", "buildings": exam})
        for yr in (y - 1, y, y + 1, y + 2):
            seasons.append({"name": f"{yr}-{yr + 1}供暖季", "from": f"{yr}-11-15", "to": f"{yr + 1}-03-15",
                            "forbid": ["heating"]})
            seasons.append({"name": f"{yr}-{yr + 1}冬季不摊铺", "from": f"{yr}-12-01", "to": f"{yr + 1}-02-28",
                            "forbid": ["paving"]})
        for yr in (y, y + 1, y + 2):
            seasons.append({"name": f"{yr}汛期", "from": f"{yr}-07-15", "to": f"{yr}-08-15", "forbid": ["excavate"]})
            seasons.append({"name": f"{yr}主汛期深槽", "from": f"{yr}-07-15", "to": f"{yr}-08-15", "forbid": ["open"],
                            "min_depth_m": 1.5})
        trades = {
            "civil": {"crews": crews(5), "contractor": "京华城建工程有限公司", "contact": "张工 138-0000-0101",
                      "excavate_rate": 35, "backfill_rate": 55},
            "sewer": {"crews": crews(8), "contractor": "清源排水工程有限公司", "contact": "刘工 139-0000-0201"},
            "water": {"crews": crews(8), "contractor": "京水管网工程有限公司", "contact": "王工 139-0000-0301"},
            "gas": {"crews": crews(12), "contractor": "京安燃气工程有限公司", "contact": "赵工 139-0000-0401"},
            "power": {"crews": crews(12), "contractor": "京电配网工程有限公司", "contact": "孙工 139-0000-0501"},
            "telecom": {"crews": crews(12), "contractor": "华通信息管道工程有限公司", "contact": "周工 139-0000-0601"},
            "heating": {"crews": crews(12), "contractor": "京暖热力工程有限公司", "contact": "吴工 139-0000-0701"},
            "elevator": {"crews": crews(8), "contractor": "安居梯业加装电梯有限公司", "contact": "郑工 139-0000-0801",
                         "workweek": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
            "paving": {"crews": crews(8), "contractor": "京路沥青路面工程有限公司", "contact": "冯工 139-0000-0901"},
            "greening": {"crews": crews(12), "contractor": "绿苑园林绿化工程有限公司", "contact": "陈工 139-0000-1001"},
            "facade": {"crews": crews(5), "contractor": "恒温建筑节能工程有限公司", "contact": "褚工 139-0000-1101"},
            "roofing": {"crews": crews(12), "contractor": "固顶防水工程有限公司", "contact": "卫工 139-0000-1201"},
            "supervision": {"crews": crews(20), "contractor": "京诚建设监理有限公司", "contact": "蒋工 139-0000-1301"},
        }
        buildings = []
        for b in self.buildings:
            entry = {"id": b.id, "name": b.name, "households": b.households}
            if b.sensitive:
                entry["sensitive"] = True
            entry["near"] = [z for z in dict.fromkeys(b.near) if z in self.zones]
            entry["fire_zones"] = b.fire_zones
            entry["entrances"] = ([{"id": f"{b.id}-1", "name": "幼儿园大门", "zone": b.apron}] if b.sensitive else
                                  [{"id": f"{b.id}-{u}", "name": f"{u}单元", "zone": b.apron}
                                   for u in range(1, b.units + 1)])
            buildings.append(entry)
        households = sum(b.households for b in self.buildings)
        data = {
            "version": 1,
            "project": {"id": f"gen-n{n}-s{self.seed}", "name": f"合成小区（{n}栋楼，种子{self.seed}）",
                        "timezone": "Asia/Shanghai", "start": START.isoformat(), "hotline": "010-6400-0000",
                        "lang": "zh-CN"},
            "calendar": {"workweek": ["mon", "tue", "wed", "thu", "fri", "sat"], "holidays": "CN",
                         "days_off": [f"{y}-04-30"], "work_days": [],
                         "hours": {"work": ["07:30-11:30", "13:30-17:30"], "noisy": ["08:00-12:00", "14:00-18:00"]},
                         "quiet": quiet, "seasons": seasons},
            "trades": trades,
            "equipment": {"excavator": crews(6), "crane": crews(15)},
            "site": {"gates": [{"id": "N", "name": "北门", "zone": self.gates[0]},
                               {"id": "E", "name": "东门", "zone": self.gates[1]}],
                     "zones": "zones.csv",
                     "max_open_zones": 4 + n // 3,
                     "buildings": buildings},
            "works": self.works,
        }
        header = (f"# {data['project']['name']}: generated by `digonce generate --buildings {n} --seed {self.seed}`\n"
                  f"# {self.C} columns x {self.R} rows of buildings ({households} households), "
                  f"{self.D} pipeline districts, {len(self.zones)} zones; no deadline.\n"
                  "# Layout and rules: see scheduler/bench/generate.py.\n\n")
        return data, header

    def zones_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["id", "name", "kind", "length_m", "links", "passable_when_open", "max_open_days"])
        for z in self.zones.values():
            w.writerow([z.id, z.name, z.kind, z.length_m, ";".join(sorted(z.links)),
                        "people" if z.plated else "", z.max_open_days or ""])
        return buf.getvalue()


def generate(buildings: int, seed: int = 0) -> tuple[str, str]:
    """(project.yaml text, zones.csv text) of a synthetic compound with `buildings` buildings."""
    g = _Generator(buildings, seed)
    data, header = g.project()
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120, default_flow_style=None)
    return header + text, g.zones_csv()


def write_project(out: str | Path, buildings: int, seed: int = 0) -> Path:
    """Write project.yaml and zones.csv into `out` (created if needed); returns the folder."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    project, zones = generate(buildings, seed)
    for name, text in (("zones.csv", zones), ("project.yaml", project)):
        tmp = out / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out / name)
    return out

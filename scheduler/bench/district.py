"""Synthetic districts (`digonce generate --district N`): N small compounds and the programme.yaml that
shares the gas company, the elevator installer and the cranes among them (SPEC §9).

A district compound is kept small on purpose — two to four slab blocks on a ring road — so that a
district of 50 solves in minutes and the sample district in CI in seconds, while every rule that couples
compounds is there: gas pipelines with pressure tests, commissioning and an outage; elevators whose pipes
the gas company moves out of the pit and whose shafts a crane lifts from a road; water, facades and
surfaces in each compound's own crews.

    N gate ── R1 (north road, crane stands here) ───────┐
    │  [B1]   [B2]   [B3]      A<i> plated apron per building, links R1 and R3
    R4 (gas)   GE<i> pits     R2 (water)                 GE<i> green elevator pit in front of B<i>
    │                                                    G1 green by R4
    S gate ── R3 (south road) ──────────────────────────┘

The ring means any one road may be dug while the other carries fire engines; aprons are plated, so
every entrance keeps a way out. The same (N, seed) always gives the same files.
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from scheduler.bench.generate import START

CONTRACTORS = {
    "gas": {"contractor": "京安燃气工程有限公司", "contact": "赵工 139-0000-0401"},
    "elevator": {"contractor": "安居梯业加装电梯有限公司", "contact": "郑工 139-0000-0801"},
}
STREETS = "和平 安定 德胜 新街 东风 向阳 光明 团结 幸福 建国 胜利 朝阳 永安 长青 惠民 育才 春晖 丰收 红星 兴华".split()


def _zones(k: int, rng: random.Random, pits: list[int]) -> list[dict]:
    aprons = [f"A{i}" for i in range(1, k + 1)]
    zones = [
        {"id": "R1", "name": "北路", "kind": "road", "length_m": rng.choice((60, 70, 80)), "links": ["R2", "R4", *aprons]},
        {"id": "R2", "name": "东路", "kind": "road", "length_m": rng.choice((40, 50)), "links": ["R3"]},
        {"id": "R3", "name": "南路", "kind": "road", "length_m": rng.choice((60, 70, 80)), "links": ["R4", *aprons]},
        {"id": "R4", "name": "西路", "kind": "road", "length_m": rng.choice((40, 50)), "links": ["G1"]},
        {"id": "G1", "name": "西侧绿地", "kind": "green", "length_m": 20},
    ]
    zones += [{"id": a, "name": f"{i}号楼入户前区", "kind": "apron", "length_m": 20, "passable_when_open": "people"}
              for i, a in enumerate(aprons, 1)]
    zones += [{"id": f"GE{i}", "name": f"{i}号楼门前绿地", "kind": "green", "length_m": 10, "links": [f"A{i}"]}
              for i in pits]
    return zones


def _works(k: int, rng: random.Random, pits: list[int]) -> list[dict]:
    everyone = [f"B{i}" for i in range(1, k + 1)]
    gas_aprons = {f"A{i}": 8 for i in range(1, k + 1) if rng.random() < 0.5}
    works: list[dict] = [
        {"id": "gas", "type": "pipeline", "trade": "gas", "name": "燃气管道更新", "runs": {"R4": 40, **gas_aprons},
         "rate": 25, "depth_m": 0.9, "test_days": 1, "commission_days": 1,
         "cutover": {"outage": "gas", "serves": everyone, "hours": "08:00-18:00", "days": 1, "notice_days": 2}},
        {"id": "water", "type": "pipeline", "trade": "water", "name": "给水管更换", "runs": {"R2": 40},
         "rate": 30, "depth_m": 1.2, "test_days": 1,
         "cutover": {"outage": "water", "serves": everyone, "hours": "09:00-15:00", "days": 1, "notice_days": 1}},
    ]
    for n, i in enumerate(pits, 1):
        works.append({"id": f"E{n}", "type": "elevator", "name": f"{i}号楼加装电梯", "building": f"B{i}",
                      "entrance": f"B{i}-1", "zone": f"GE{i}", "crane_zones": [rng.choice(("R1", "R3"))],
                      "relocate_trade": "gas" if rng.random() < 0.6 else "civil"})
    for i in range(1, k + 1):
        works.append({"id": f"facade-B{i}", "type": "building", "trade": "civil", "building": f"B{i}",
                      "name": f"{i}号楼外墙保温", "days": rng.choice((8, 10, 12)), "noisy": True})
    return works


def compound(index: int, seed: int) -> dict:
    """The project.yaml data of district compound `index` (1-based)."""
    rng = random.Random(f"digonce-district/{index}/{seed}")
    k = rng.choice((2, 3, 3, 4))
    pits = sorted(rng.sample(range(1, k + 1), k=1 if k == 2 else 2))
    street = STREETS[(index - 1) % len(STREETS)]
    buildings = [{"id": f"B{i}", "name": f"{i}号楼", "households": 12 * (units := rng.choice((2, 3))),
                  "near": ["R1", f"A{i}", "R3"] + ([f"GE{i}"] if i in pits else []), "fire_zones": ["R1", "R3"],
                  "entrances": [{"id": f"B{i}-{u}", "name": f"{u}单元", "zone": f"A{i}"} for u in range(1, units + 1)]}
                 for i in range(1, k + 1)]
    return {
        "version": 1,
        "project": {"id": f"d{seed}-c{index:02d}", "name": f"{street}里{index}号院", "start": START.isoformat(),
                    "hotline": "010-6400-0000"},
        "calendar": {"quiet": [{"name": "高考", "from": "2027-06-06", "to": "2027-06-10"}]},
        "trades": {"civil": {"crews": 1, "contractor": "京华城建工程有限公司", "excavate_rate": 40, "backfill_rate": 60},
                   "water": {"crews": 1, "contractor": "京水管网工程有限公司"},
                   "gas": {"crews": 1, **CONTRACTORS["gas"]},
                   "elevator": {"crews": 1, **CONTRACTORS["elevator"],
                                "workweek": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
                   "paving": {"crews": 1, "contractor": "京路沥青路面工程有限公司"},
                   "greening": {"crews": 1, "contractor": "绿苑园林绿化工程有限公司"}},
        "equipment": {"excavator": 1, "crane": 1},
        "site": {"gates": [{"id": "N", "name": "北门", "zone": "R1"}, {"id": "S", "name": "南门", "zone": "R3"}],
                 "zones": _zones(k, rng, pits), "buildings": buildings},
        "works": _works(k, rng, pits),
    }


def pools(n: int) -> dict:
    """Shared pools for n compounds: fewer crews and cranes than the compounds would bring on their own."""
    return {"trades": {"gas": {"crews": max(1, n // 3), **CONTRACTORS["gas"]},
                       "elevator": {"crews": max(1, n // 2), **CONTRACTORS["elevator"]}},
            "equipment": {"crane": max(1, n // 3)}}


def programme(n: int, seed: int, paths: list[str], shared: dict | None = None) -> dict:
    return {"version": 1,
            "programme": {"id": f"district-{n}-s{seed}", "name": f"合成街区（{n}个小区，种子{seed}）",
                          "start": START.isoformat()},
            "compounds": [{"path": p} for p in paths],
            "shared": shared or pools(n),
            "objective": ["finish", "disruption", "open_days"]}


def _dump(data: dict, header: str = "") -> str:
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120, default_flow_style=None)


def write_district(out: str | Path, n: int, seed: int = 0, extra: list[str] | None = None,
                   shared: dict | None = None) -> Path:
    """Write programme.yaml and N compound folders into `out`; `extra`: more compound paths (relative to
    `out`) listed first, e.g. the sample compounds. Returns the programme folder."""
    out = Path(out)
    paths = list(extra or [])
    for i in range(1, n + 1):
        data = compound(i, seed)
        folder = out / data["project"]["id"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "project.yaml").write_text(_dump(data, f"# {data['project']['name']}: generated by "
                                                         f"`digonce generate --district {n} --seed {seed}`\n"),
                                             encoding="utf-8")
        paths.append(folder.name)
    text = _dump(programme(len(paths), seed, paths, shared),
                 f"# generated by `digonce generate --district {n} --seed {seed}`: see scheduler/bench/district.py\n")
    (out / "programme.yaml").write_text(text, encoding="utf-8")
    return out

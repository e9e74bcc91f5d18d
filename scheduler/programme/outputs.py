"""What a programme run writes into OUT (SPEC §9).

* `OUT/<compound>/` — each compound's normal release (§7), through the public `publish`;
* `OUT/programme.json` — per compound status, finish, disruption, open days, gaps; per pool the units in
  use per day (in all and by compound);
* `OUT/gantt.html` — the programme Gantt (`programme.gantt`);
* `OUT/feeds/trade-<trade>.ics` — one feed per shared trade over every compound it works in. Its events
  are the compounds' own trade-feed events (same UID `<task id>@<project id>`, so the compound is in it),
  titled and located with the compound's name; SEQUENCE grows when an event changes against the previous
  programme feed in OUT, as in every other feed.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

from icalendar import Calendar, Event

from models.programme import LoadedProgramme
from models.schedule import Schedule

from scheduler import api
from scheduler.programme import pools as P
from scheduler.programme.coordinate import Result
from scheduler.programme.gantt import pool_label, programme_html
from scheduler.publishing.feeds import render_feeds
from scheduler.publishing.files import file_part, write_atomic
from scheduler.text import t

FORMAT = "digonce-programme/1"
COMPARED = ("DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "LOCATION")


def usages_of(prog: LoadedProgramme, schedules: dict[str, Schedule]) -> dict[str, P.Usage]:
    return {c.id: P.usage(schedules[c.id], prog.pools, api.expand(c.project)) for c in prog.compounds
            if c.id in schedules}


def write(prog: LoadedProgramme, schedules: dict[str, Schedule], out: str | Path, result: Result | None = None,
          now: datetime | None = None) -> list[Path]:
    """Every compound's release, then programme.json, the programme Gantt and the shared trades' feeds."""
    out = Path(out)
    now = now or datetime.now(timezone.utc).replace(microsecond=0)
    written: list[Path] = []
    for c in prog.compounds:
        written += api.publish(schedules[c.id], c.project, out / c.id)
    usages = usages_of(prog, schedules)
    files: dict[Path, str | bytes] = {
        out / "programme.json": json.dumps(summary(prog, schedules, usages, result), ensure_ascii=False, indent=1) + "\n",
        out / "gantt.html": programme_html(prog, schedules, usages),
    }
    files.update({out / rel: data for rel, data in trade_feeds(prog, schedules, out, now).items()})
    for path, data in files.items():
        write_atomic(path, data)
    return written + list(files)


def _finish(s: Schedule) -> date:
    return max(t.finish for t in s.tasks)


def _compound(prog: LoadedProgramme, cid: str, s: Schedule, result: Result | None) -> dict:
    c = prog.compound(cid)
    solver = s.solver
    obj = solver.objective if solver else {}
    bound = result.lower_bounds.get(cid) if result else None
    return {"id": cid, "name": c.project.project.name, "path": str(c.ref.path), "weight": c.weight,
            "status": solver.status if solver else "PUBLISHED", "start": min(t.start for t in s.tasks).isoformat(),
            "finish": _finish(s).isoformat(), "deadline": c.project.project.deadline.isoformat()
            if c.project.project.deadline else None,
            "disruption": obj.get("disruption"), "open_days": obj.get("open_days"),
            "bound": {"finish": bound.isoformat() if bound else None, **{k: v for k, v in (solver.bound if solver
                                                                                         else {}).items()
                                                                            if k != "finish"}},
            "gap": dict(solver.gap) if solver else {}, "release": f"{cid}/"}


def summary(prog: LoadedProgramme, schedules: dict[str, Schedule], usages: dict[str, P.Usage],
            result: Result | None) -> dict:
    """programme.json as data (see the module doc)."""
    start = prog.info.start
    comps = [_compound(prog, c.id, schedules[c.id], result) for c in prog.compounds]
    weighted = max(c.weight * ((_finish(schedules[c.id]) - start).days + 1) for c in prog.compounds)
    bounds = [c.weight * ((b - start).days + 1) for c in prog.compounds
              if result and (b := result.lower_bounds.get(c.id))]
    return {
        "format": FORMAT, "programme": prog.info.id, "name": prog.info.name, "input_sha256": _sha(prog),
        "objective": {"finish": max(_finish(s) for s in schedules.values()).isoformat(), "weighted_finish": weighted,
                      "disruption": sum(int(c["disruption"] or 0) for c in comps),
                      "open_days": sum(int(c["open_days"] or 0) for c in comps)},
        "bound": {"weighted_finish": max(bounds) if bounds and len(bounds) == len(comps) else None},
        "solver": _solver(result),
        "compounds": comps,
        "pools": [_pool(p, cap, usages, prog.info.lang) for p, cap in sorted(prog.pools.items())],
    }


def _solver(result: Result | None) -> dict | None:
    if result is None:
        return None
    return {"status": result.status, "wall_s": round(result.wall_s, 2),
            "first_valid_s": round(result.first_valid_s, 2) if result.first_valid_s is not None else None,
            "solves": result.solves, "peak_worker_mb": round(result.peak_mb, 1),
            "rounds": [{"phase": r.phase, "wall_s": round(r.wall_s, 2), "solves": r.solves,
                        "weighted_finish": r.objective, "accepted": r.accepted} for r in result.rounds]}


def _pool(pool: P.Pool, cap: int, usages: dict[str, P.Usage], lang: str) -> dict:
    whole = P.total(list(usages.values())).get(pool, {})
    days = {d.isoformat(): {"in_use": n, "by": {c: u[pool][d] for c, u in sorted(usages.items())
                                                  if u.get(pool, {}).get(d)}}
            for d, n in sorted(whole.items()) if n}
    return {"kind": pool[0], "id": pool[1], "name": pool_label(pool, lang), "capacity": cap,
            "peak": max(whole.values(), default=0), "days": days}


def _sha(prog: LoadedProgramme) -> str:
    import hashlib

    return hashlib.sha256(prog.file.read_bytes()).hexdigest()


# ---- the shared trades' feeds ---------------------------------------------------------------------------

def trade_feeds(prog: LoadedProgramme, schedules: dict[str, Schedule], out: Path, now: datetime) -> dict[str, bytes]:
    """`feeds/trade-<trade>.ics` per shared trade, from the compounds' own trade feeds (rendered in memory)."""
    lang = prog.info.lang
    previous = _previous(out / "feeds")
    feeds: dict[str, bytes] = {}
    for trade in sorted(prog.programme.shared.trades):
        rel = f"feeds/trade-{file_part(trade)}.ics"
        cal = Calendar()
        name = t("programme.feed.name", lang, programme=prog.info.name, trade=pool_label(("trade", trade), lang))
        for key, value in (("prodid", "-//digonce//digonce programme feeds//EN"), ("version", "2.0"),
                           ("calscale", "GREGORIAN"), ("name", name), ("x-wr-calname", name)):
            cal.add(key, value)
        events = []
        for c in prog.compounds:
            own = render_feeds(schedules[c.id], c.project, out / c.id, now).get(rel)
            if own is None:
                continue
            for ev in Calendar.from_ical(own).walk("VEVENT"):
                events.append(_retitle(ev, c.project.project.name, lang, previous, now))
        for ev in sorted(events, key=lambda e: (e.decoded("DTSTART"), str(e["UID"]))):
            cal.add_component(ev)
        feeds[rel] = cal.to_ical()
    return feeds


def _fingerprint(ev: Event) -> tuple:
    return tuple(ev[k].to_ical() if k in ev and hasattr(ev[k], "to_ical") else str(ev.get(k)) for k in COMPARED)


def _retitle(ev: Event, compound: str, lang: str, previous: dict[str, Event], now: datetime) -> Event:
    """The compound's event with the compound in its title and place; SEQUENCE against the previous feed."""
    ev["SUMMARY"] = t("programme.feed.summary", lang, compound=compound, summary=str(ev.get("SUMMARY", "")))
    ev["LOCATION"] = t("programme.feed.location", lang, compound=compound, location=str(ev.get("LOCATION", ""))).strip()
    ev = Event.from_ical(ev.to_ical())  # compare as the previous feed is read back
    prev = previous.get(str(ev["UID"]))
    if prev is None:
        return ev
    if _fingerprint(prev) == _fingerprint(ev):
        seq, stamp = int(prev.get("SEQUENCE", 0)), prev.get("LAST-MODIFIED") or prev.get("DTSTAMP")
        stamp = stamp.dt if stamp is not None else now
    else:
        seq, stamp = max(int(prev.get("SEQUENCE", 0)) + 1, int(ev.get("SEQUENCE", 0))), now
    for key in ("SEQUENCE", "DTSTAMP", "LAST-MODIFIED"):
        ev.pop(key, None)
    ev.add("sequence", seq)
    ev.add("dtstamp", stamp)
    ev.add("last-modified", stamp)
    return ev


def _previous(folder: Path) -> dict[str, Event]:
    """UID → event of the previous programme feeds in OUT (none, or a damaged file: every event is new)."""
    out: dict[str, Event] = {}
    for path in sorted(folder.glob("trade-*.ics")) if folder.is_dir() else []:
        try:
            for ev in Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
                out[str(ev["UID"])] = Event.from_ical(ev.to_ical())
        except (ValueError, KeyError):
            continue
    return out

"""Resident notices (居民告知书): `notices/<building>.html` per building and `notices/index.html` (SPEC §7).

For residents who are often elderly, read Chinese and use a phone: a plain-language summary first (one
line per disruption run, with the way that stays open), then a week-by-week timeline (noise days and
hours, the entrance on steel plates or closed with its detour, nearby road closures with the route that
stays open, outages with hours and the date their notice must be posted), the hotline, and a link to the
building's calendar feed. Large type, phone layout (tables become stacked rows), A4 print stylesheet.

Every file is self-contained (inline CSS, no script, no external reference) and deterministic: the same
schedule, project, issue date and version give the same bytes. All resident-facing words are in
`STRINGS`, one dict per language (`project.lang`).
"""

from __future__ import annotations

import html
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable, Iterable
from urllib.parse import quote

from models.project import Building, ElevatorWork, Project
from models.schedule import Schedule
from models.site_graph import adjacency, walker

# --------------------------------------------------------------------------------------------- strings

STRINGS: dict[str, dict] = {
    "zh-CN": {
        "html_lang": "zh-CN",
        "weekdays": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
        "weekdays_short": ["一", "二", "三", "四", "五", "六", "日"],
        "date": "{m}月{d}日",
        "date_y": "{y}年{m}月{d}日",
        "date_wd": "{date}（{wd}）",
        "range": "{a}至{b}",
        "range_same_month": "{a}至{d}日",
        "range_same_month_wd": "{a}至{d}日（{wd}）",
        "list_sep": "、",
        "hours_sep": "、",
        "route_sep": " → ",
        "clause_sep": "；",
        "line": "{when} {text}",
        "month_h": "{y}年{m}月",
        "title_notice": "{building} 居民告知书 · {compound}",
        "title_index": "施工影响总览 · {compound}",
        "h_notice": "{building} 居民告知书",
        "h_index": "施工影响总览",
        "lede": "小区改造施工期间，本楼的停水停电停气、楼门前开挖、附近道路封闭和施工噪声安排如下。",
        "lede_index": "各楼栋的停水停电停气、楼门前开挖和施工噪声安排。点楼栋名称查看该楼的告知书。",
        "hotline": "咨询热线",
        "hotline_none": "请向社区居委会或物业咨询",
        "issued": "发布日期",
        "version": "计划版本",
        "summary_h": "要点",
        "timeline_h": "逐周安排",
        "week_h": "{date}起的一周",
        "col_when": "日期",
        "col_what": "事项",
        "col_hours": "时间",
        "col_note": "说明与通行",
        "all_day": "全天",
        "nothing": "按本次施工计划，本楼没有停水停电停气、楼门前开挖或施工噪声。",
        "nothing_after": "{date}以后，本楼没有新的施工影响。",
        "no_timeline": "无",
        # outages
        "outage_types": {"water": "停水", "power": "停电", "electricity": "停电", "gas": "停气",
                         "heat": "停暖", "heating": "停暖", "telecom": "断网"},
        "outage_other": "{type}暂停",
        "outage_advice": {"water": "请提前储水", "power": "请提前做好准备，电梯（如有）暂停运行",
                          "electricity": "请提前做好准备，电梯（如有）暂停运行",
                          "gas": "请关好家中燃气阀门，恢复供气后按燃气公司指引使用",
                          "heat": "请注意保暖", "heating": "请注意保暖"},
        "outage_sum": "{when} {hours} {what}",
        "outage_days": "（连续{n}）",
        "post_by": "告知张贴日期：最晚{date}，提前{n}天",
        "post_by_0": "告知张贴日期：{date}，当天",
        # entrance
        "entrance_chip": "楼门前开挖",
        "entrance_all": "楼门前",
        "entrance_units": "{units}门前",
        "entrance_plated": "{where}（{zone}）开挖，铺钢板，可步行通过",
        "entrance_closed": "{where}（{zone}）开挖，暂不能通行",
        # closures
        "closure_chip": "道路封闭",
        "closure_road": "{zone}开挖封闭",
        "closure_plated": "{zone}开挖，铺钢板，行人可通过",
        "green_chip": "绿地施工",
        "green": "{zone}施工，不影响通行",
        # routes
        "route": "请走 {path}，从{gate}出入",
        "route_direct": "可直接从{gate}出入",
        "route_none": "请按现场指引或拨打咨询热线",
        "route_for": "{units}：{route}",
        "route_when": "{when}{route}",
        # noise
        "noise_chip": "施工噪声",
        "noise_sum": "{when} 有施工噪声（共{n}，{hours}）：{what}",
        "noise_note": "{what}",
        "and_more": "等{total}项",
        # elevator
        "elevator_chip": "加装电梯",
        "elevator_sum": "{when} {where}加装电梯施工，请按现场指引出入",
        "elevator_note": "{where}加装电梯施工，请按现场指引出入",
        # footer
        "feed": "把本楼施工安排加到手机日历",
        "feed_hint": "（日历订阅，计划调整后自动更新）",
        "feed_short": "日历",
        "back": "全部楼栋",
        "note_noise_hours": "有噪声的施工只在施工日 {hours} 进行，夜间不施工。",
        "note_plates": "楼门前铺钢板期间，请注意脚下，看护好老人和儿童。",
        "note_change": "施工安排如因天气等原因调整，将重新张贴本告知书；不明之处请拨打咨询热线。",
        "notes_h": "温馨提示",
        # index
        "buildings_h": "楼栋",
        "col_building": "楼栋",
        "col_households": "户数",
        "col_noise_days": "噪声天数",
        "col_entrance_days": "门前开挖天数",
        "col_outages": "停水停电停气",
        "col_links": "告知书与日历",
        "notice_link": "告知书",
        "households": "{n}户",
        "n_day": "{n}天",
        "n_days": "{n}天",
        "days": "{n}天",
        "day": "{n}天",
        "sensitive": "（敏感建筑）",
        "outages_h": "停水停电停气与告知日期",
        "col_type": "类型",
        "col_post_by": "告知张贴日期",
        "late": "（已晚于告知日期）",
        "calendar_h": "全小区施工日历",
        "cal_noise": "噪声",
        "cal_entrance": "门前",
        "legend": "每天列出：有施工噪声的楼栋、楼门前开挖的楼栋、停水停电停气的楼栋。",
        "none": "无",
    },
    "en": {
        "html_lang": "en",
        "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "weekdays_short": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "months": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        "months_long": ["January", "February", "March", "April", "May", "June", "July", "August",
                        "September", "October", "November", "December"],
        "date": "{d} {mon}",
        "date_y": "{d} {mon} {y}",
        "date_wd": "{wd} {date}",
        "range": "{a} – {b}",
        "range_same_month": "{a} – {b}",
        "range_same_month_wd": "{a} – {b}",
        "list_sep": ", ",
        "hours_sep": ", ",
        "route_sep": " → ",
        "clause_sep": "; ",
        "line": "{when}: {text}",
        "month_h": "{month} {y}",
        "title_notice": "{building} — notice to residents · {compound}",
        "title_index": "Works overview · {compound}",
        "h_notice": "{building} — notice to residents",
        "h_index": "Works overview",
        "lede": "During the renovation works, this is when your water, power or gas is cut, when the ground "
                "in front of your door or nearby roads are dug, and when there is construction noise.",
        "lede_index": "Outages, dug entrances and construction noise for every building. "
                      "Open a building's notice for its details.",
        "hotline": "Hotline",
        "hotline_none": "ask the residents' committee or the property office",
        "issued": "Issued",
        "version": "Schedule version",
        "summary_h": "In short",
        "timeline_h": "Week by week",
        "week_h": "Week of {date}",
        "col_when": "Date",
        "col_what": "What",
        "col_hours": "Hours",
        "col_note": "Details and way out",
        "all_day": "all day",
        "nothing": "In this schedule your building has no outage, no digging at its entrance and no construction noise.",
        "nothing_after": "After {date} your building has no further disruption.",
        "no_timeline": "none",
        "outage_types": {"water": "Water off", "power": "Power off", "electricity": "Power off",
                         "gas": "Gas off", "heat": "Heating off", "heating": "Heating off",
                         "telecom": "Internet/phone off"},
        "outage_other": "{type} off",
        "outage_advice": {"water": "please store water beforehand",
                          "power": "please prepare; lifts (if any) stop",
                          "electricity": "please prepare; lifts (if any) stop",
                          "gas": "close your gas valves; after the cut follow the gas company's instructions",
                          "heat": "please keep warm", "heating": "please keep warm"},
        "outage_sum": "{when} {hours}: {what}",
        "outage_days": " ({n} running)",
        "post_by": "Notice posted by {date} ({n} days ahead)",
        "post_by_0": "Notice posted on {date} (same day)",
        "entrance_chip": "Entrance dug",
        "entrance_all": "the ground in front of your entrance",
        "entrance_units": "the ground in front of {units}",
        "entrance_plated": "{where} ({zone}) is dug and covered with steel plates: you can walk over",
        "entrance_closed": "{where} ({zone}) is dug and closed",
        "closure_chip": "Road closed",
        "closure_road": "{zone} is dug and closed",
        "closure_plated": "{zone} is dug, steel plates let people walk over",
        "green_chip": "Works on green",
        "green": "works on {zone}; paths not affected",
        "route": "walk via {path} to the {gate} gate",
        "route_direct": "use the {gate} gate directly",
        "route_none": "follow the signs on site or call the hotline",
        "route_for": "{units}: {route}",
        "route_when": "{when}: {route}",
        "noise_chip": "Noise",
        "noise_sum": "{when}: construction noise ({n}, {hours}): {what}",
        "noise_note": "{what}",
        "and_more": " and {more} more",
        "elevator_chip": "Lift works",
        "elevator_sum": "{when}: lift installation at {where}; follow the signs to get in and out",
        "elevator_note": "lift installation at {where}; follow the signs to get in and out",
        "feed": "Add this building's works to your phone calendar",
        "feed_hint": " (calendar subscription, updated when the schedule changes)",
        "feed_short": "calendar",
        "back": "All buildings",
        "note_noise_hours": "Noisy work happens only on working days, {hours}; never at night.",
        "note_plates": "While steel plates cover the ground at your door, watch your step and look after "
                       "children and the elderly.",
        "note_change": "If the works move (weather, etc.) a new notice will be posted. Questions: call the hotline.",
        "notes_h": "Please note",
        "buildings_h": "Buildings",
        "col_building": "Building",
        "col_households": "Households",
        "col_noise_days": "Noise days",
        "col_entrance_days": "Entrance dug (days)",
        "col_outages": "Outages",
        "col_links": "Notice and calendar",
        "notice_link": "notice",
        "households": "{n}",
        "n_day": "{n} day",
        "n_days": "{n} days",
        "days": "{n}",
        "day": "{n}",
        "sensitive": " (sensitive)",
        "outages_h": "Outages and notice dates",
        "col_type": "Type",
        "col_post_by": "Notice posted by",
        "late": " (notice is late)",
        "calendar_h": "Compound calendar",
        "cal_noise": "Noise",
        "cal_entrance": "Entrance",
        "legend": "Each day lists the buildings with construction noise, a dug entrance, or an outage.",
        "none": "none",
    },
}

# order of rows inside a week and of summary lines starting on the same day
_PRIORITY = {"outage": 0, "entrance": 1, "closure": 2, "elevator": 3, "noise": 4, "green": 5}
_NOISE_GAP = 4  # noise days at most this many calendar days apart form one summary run (a weekend, a short holiday)

# --------------------------------------------------------------------------------------------- CSS

_CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#fff;color:#000;font-family:"PingFang SC","Hiragino Sans GB","Microsoft YaHei",
"Noto Sans CJK SC","Source Han Sans SC",system-ui,sans-serif;font-size:20px;line-height:1.6;
overflow-wrap:anywhere;word-break:normal}
main{max-width:60rem;margin:0 auto;padding:16px}
a{color:#00308f;text-decoration:underline}
h1{font-size:1.6em;line-height:1.3;margin:.2em 0}
h2{font-size:1.3em;margin:1.2em 0 .4em;border-bottom:3px solid #000;padding-bottom:.1em}
h3{font-size:1.1em;margin:1em 0 .3em}
p{margin:.4em 0}
.compound{font-size:1.1em;font-weight:bold;margin:0}
.hotline{font-size:1.5em;font-weight:bold;margin:.3em 0}
.hotline a{color:#000;white-space:nowrap}
.meta{font-size:.95em}
.meta span{display:inline-block;margin-right:1.2em}
.lede{font-size:1em}
.summary{border:3px solid #000;padding:.4em .8em;margin:1em 0}
.summary h2{border:0;margin:.2em 0}
.summary ul{margin:0;padding-left:1.2em}
.summary li{margin:.4em 0;font-size:1.05em}
.chip{display:inline-block;padding:0 .35em;border-radius:.25em;color:#fff;font-weight:bold;white-space:nowrap}
.k-outage{background:#a00000}.k-entrance{background:#003a8c}.k-closure{background:#4b2a80}
.k-noise{background:#7a3b00}.k-elevator{background:#1e5631}.k-green{background:#1e5631}
table{border-collapse:collapse;width:100%;margin:.3em 0 .8em}
th,td{border:1px solid #000;padding:.3em .45em;text-align:left;vertical-align:top}
th{background:#e8e8e8}
.when{font-weight:bold}
.feed{font-size:1.05em;margin:1em 0}
.notes ul{padding-left:1.2em}
.late{color:#a00000;font-weight:bold}
table.cal{table-layout:fixed}
.cal td{width:14.28%;height:3em;font-size:.8em;line-height:1.35}
.cal td.pad{background:#f4f4f4}
.cal .dn{font-weight:bold}
.cal .ln{display:block}
.cal-wd th{text-align:center}
@media (max-width:640px){
body{font-size:19px}
main{padding:10px}
table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
table.stack thead{display:none}
table.stack tr{border:2px solid #000;margin:0 0 .6em;padding:.2em .4em}
table.stack td{border:0;padding:.15em 0}
table.stack td::before{content:attr(data-label) " ";font-weight:bold}
table.cal,table.cal tbody,table.cal tr,table.cal td{display:block;width:100%}
table.cal thead{display:none}
table.cal td.pad,table.cal td.none{display:none}
table.cal td{height:auto;font-size:1em;border-width:0 0 1px 0}
table.cal td::before{content:attr(data-label);display:block;font-weight:bold}
table.cal .dn{display:none}
}
@page{size:A4;margin:12mm 12mm 14mm 12mm}
@media print{
body{font-size:13pt;line-height:1.4}
main{max-width:none;padding:0}
h1{font-size:20pt;margin:0}
h2{font-size:15pt;margin:.6em 0 .25em}
h3{font-size:13.5pt;margin:.5em 0 .15em}
p{margin:.2em 0}
th,td{padding:.12em .35em}
table{margin:.15em 0 .4em}
.summary{padding:.2em .6em;margin:.5em 0}
.summary li{margin:.15em 0;font-size:1em}
a{color:#000;text-decoration:none}
.hotline{font-size:20pt}
h2{break-after:avoid;page-break-after:avoid}
h3{break-after:avoid;page-break-after:avoid}
tr,li{break-inside:avoid;page-break-inside:avoid}
.chip{color:#000;background:#fff;border:1.5pt solid #000}
th{background:#fff}
.cal td{font-size:9pt;height:auto}
.cal td.pad{background:#fff}
.noprint{display:none}
}
"""
# .k-*: white on dark colours, contrast ≥ 7:1; print turns chips into black outlines (no colour needed).

# --------------------------------------------------------------------------------------------- helpers


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _runs(days: Iterable[date], gap: int = 1) -> list[list[date]]:
    """Sorted distinct days cut into runs whose neighbours are at most `gap` calendar days apart."""
    out: list[list[date]] = []
    for d in sorted(set(days)):
        if out and (d - out[-1][-1]).days <= gap:
            out[-1].append(d)
        else:
            out.append([d])
    return out


def _monday(d: date) -> date:
    return d - timedelta(d.weekday())


def _tel(number: str) -> str:
    return re.sub(r"[^0-9+]", "", number)


class _Lang:
    """Words and date formats of one language, relative to the issue date (years shown only when they differ)."""

    def __init__(self, lang: str, issued: date):
        self.s = STRINGS.get(lang, STRINGS["zh-CN"])
        self.code = lang if lang in STRINGS else "zh-CN"
        self.issued = issued

    def __getitem__(self, key: str):
        return self.s[key]

    def t(self, key: str, **kw) -> str:
        return self.s[key].format(**kw)

    def _parts(self, d: date) -> dict:
        parts = {"y": d.year, "m": d.month, "d": d.day, "wd": self.s["weekdays"][d.weekday()]}
        if "months" in self.s:
            parts["mon"] = self.s["months"][d.month - 1]
        return parts

    def date(self, d: date, wd: bool = False, year: bool | None = None) -> str:
        if year is None:
            year = d.year != self.issued.year
        p = self._parts(d)
        text = self.s["date_y" if year else "date"].format(**p)
        return self.s["date_wd"].format(date=text, wd=p["wd"]) if wd else text

    def span(self, a: date, b: date, wd: bool = False) -> str:
        """One day or a range of days."""
        if a == b:
            return self.date(a, wd)
        if self.code == "zh-CN" and (a.year, a.month) == (b.year, b.month):
            key = "range_same_month_wd" if wd else "range_same_month"
            return self.s[key].format(a=self.date(a, wd), d=b.day, wd=self.s["weekdays"][b.weekday()])
        return self.s["range"].format(a=self.date(a, wd), b=self.date(b, wd))

    def when(self, a: date, b: date) -> str:
        """A run in a summary line: a single day with its weekday, a range without."""
        return self.span(a, b, wd=a == b)

    def count(self, n: int) -> str:
        return self.s["n_day" if n == 1 else "n_days"].format(n=n)

    def days(self, days: Iterable[date], wd: bool = True) -> str:
        """A list of days, consecutive calendar days written as ranges."""
        return self.s["list_sep"].join(self.span(r[0], r[-1], wd) for r in _runs(days))

    def hours(self, hours: Iterable[str]) -> str:
        return self.s["hours_sep"].join(hours)

    def outage(self, kind: str) -> str:
        return self.s["outage_types"].get(kind) or self.s["outage_other"].format(type=kind)

    def names(self, names: list[str], limit: int = 3) -> str:
        text = self.s["list_sep"].join(names[:limit])
        if len(names) > limit:
            text += self.s["and_more"].format(total=len(names), more=len(names) - limit)
        return text


# --------------------------------------------------------------------------------------------- routes


class _Routes:
    """Which way stays open: shortest walk from a zone to a gate avoiding the zones open on given days."""

    def __init__(self, project: Project, schedule: Schedule):
        self.project = project
        self.zones = {z.id: z for z in project.site.zones}
        self.order = {z.id: i for i, z in enumerate(project.site.zones)}
        self.adj = adjacency(project)
        self.gates = [g for g in project.site.gates if g.zone in self.zones]
        self.openings = [o for o in schedule.openings if o.zone in self.zones]

    def open_on(self, d: date) -> set[str]:
        return {o.zone for o in self.openings if o.from_ <= d <= o.to}

    def name(self, zid: str) -> str:
        z = self.zones.get(zid)
        return (z.name or z.id) if z else zid

    def path(self, start: str, blocked: set[str]) -> list[str] | None:
        """Zones from `start` to the nearest gate zone (both included), or None; ties broken by site order."""
        if start not in self.zones or not walker(self.zones[start], blocked):
            return None
        gate_zones = {g.zone for g in self.gates}
        prev: dict[str, str | None] = {start: None}
        queue = deque([start])
        while queue:
            z = queue.popleft()
            if z in gate_zones:
                out = [z]
                while prev[out[-1]] is not None:
                    out.append(prev[out[-1]])
                return out[::-1]
            for n in sorted(self.adj[z], key=self.order.__getitem__):
                if n not in prev and walker(self.zones[n], blocked):
                    prev[n] = z
                    queue.append(n)
        return None

    def segments(self, start: str, days: list[date]) -> list[tuple[list[date], list[str] | None]]:
        """Cut `days` into stretches that share one route: each stretch is as long as one route avoiding
        every zone open on any of its days allows (so the route printed is good for all of them)."""
        out: list[tuple[list[date], list[str] | None]] = []
        i = 0
        while i < len(days):
            blocked: set[str] = set()
            best: list[str] | None = None
            j = i
            while j < len(days):
                trial = blocked | self.open_on(days[j])
                p = self.path(start, trial)
                if p is None:
                    break
                blocked, best, j = trial, p, j + 1
            if best is None:
                j = i + 1
            if out and out[-1][1] == best:
                out[-1][0].extend(days[i:j])
            else:
                out.append((list(days[i:j]), best))
            i = j
        return out

    def text(self, L: _Lang, path: list[str] | None) -> str:
        if path is None:
            return L["route_none"]
        gate = next(g for g in self.gates if g.zone == path[-1])
        gname = gate.name or gate.id
        if len(path) == 1:
            return L.t("route_direct", gate=gname)
        return L.t("route", path=L["route_sep"].join(self.name(z) for z in path[1:]), gate=gname)


# --------------------------------------------------------------------------------------------- events


@dataclass
class _Row:
    """One line of the week timeline (clipped to the week when rendered)."""
    kind: str
    days: list[date]
    chip: str
    hours: str
    note: str


@dataclass
class _Line:
    """One line of the summary."""
    kind: str
    chip: str
    first: date
    last: date
    text: str


@dataclass
class _BuildingEvents:
    rows: list[_Row] = field(default_factory=list)
    lines: list[_Line] = field(default_factory=list)
    plated: bool = False


def _unit_names(b: Building, zone: str) -> list[str]:
    return [e.name or e.id for e in b.entrances if e.zone == zone]


def _where_entrance(L: _Lang, b: Building, zone: str) -> str:
    zones = {e.zone for e in b.entrances}
    if len(zones) == 1:
        return L["entrance_all"]
    return L.t("entrance_units", units=L["list_sep"].join(_unit_names(b, zone)))


def _route_clauses(L: _Lang, routes: _Routes, b: Building, days: list[date],
                   starts: list[str]) -> tuple[str, list[tuple[list[date], str]]]:
    """The detour for the building's entrance zones `starts` over `days`: summary text, and per stretch
    (days, text) for the timeline."""
    per_start = []
    for z in starts:
        per_start.append((z, routes.segments(z, days)))
    # timeline stretches: cut at every change of any entrance zone's route
    cuts = sorted({seg[0][0] for _, segs in per_start for seg in segs})
    stretches: list[tuple[list[date], str]] = []
    for k, c in enumerate(cuts):
        end = cuts[k + 1] if k + 1 < len(cuts) else None
        sdays = [d for d in days if d >= c and (end is None or d < end)]
        parts = []
        for z, segs in per_start:
            path = next(p for ds, p in segs if c in ds)
            text = routes.text(L, path)
            parts.append(L.t("route_for", units=L["list_sep"].join(_unit_names(b, z)), route=text)
                         if len(starts) > 1 else text)
        stretches.append((sdays, L["clause_sep"].join(parts)))
    if len(stretches) == 1:
        summary = stretches[0][1]
    else:
        summary = L["clause_sep"].join(L.t("route_when", when=L.when(ds[0], ds[-1]), route=t) for ds, t in stretches)
    return summary, stretches


def _building_events(L: _Lang, schedule: Schedule, project: Project, b: Building, routes: _Routes) -> _BuildingEvents:
    ev = _BuildingEvents()
    tasks = {t.id: t for t in schedule.tasks}
    mine = [d for d in schedule.disruptions if d.building == b.id]
    entrance_zones = list(dict.fromkeys(e.zone for e in b.entrances))

    # outages: one run per task (a cutover of several consecutive days counts as one outage)
    by_task: dict[str, list] = {}
    for d in mine:
        if d.kind == "outage":
            by_task.setdefault(d.task or "", []).append(d)
    for tid, ds in sorted(by_task.items(), key=lambda kv: (min(x.date for x in kv[1]), kv[0])):
        t = tasks.get(tid)
        kind = t.outage.type if t and t.outage else "outage"
        notice = t.outage.notice_days if t and t.outage else 0
        for run in _runs(x.date for x in ds):
            hours = L.hours(sorted({h for x in ds if x.date in run for h in x.hours}))
            what = L.outage(kind)
            post = run[0] - timedelta(notice)
            post_text = L.t("post_by" if notice else "post_by_0", date=L.date(post, wd=True), n=notice)
            note = L["clause_sep"].join(x for x in (t.name if t else "", post_text) if x)
            ev.rows.append(_Row("outage", run, what, hours, note))
            text = L.t("outage_sum", when=L.span(run[0], run[-1], wd=True), hours=hours, what=what)
            if len(run) > 1:
                text += L.t("outage_days", n=L.count(len(run)))
            advice = L["outage_advice"].get(kind)
            if advice:
                text += ("，" if L.code == "zh-CN" else "; ") + advice
            ev.lines.append(_Line("outage", what, run[0], run[-1], text))

    # entrance zones open (trench in front of the door): calendar days
    by_zone: dict[str, set[date]] = {}
    for d in mine:
        if d.kind == "entrance" and d.zone:
            by_zone.setdefault(d.zone, set()).add(d.date)
    for zone in sorted(by_zone, key=lambda z: (routes.order.get(z, 1 << 30), z)):
        plated = zone in routes.zones and routes.zones[zone].passable_when_open == "people"
        ev.plated |= plated
        where = _where_entrance(L, b, zone)
        head = L.t("entrance_plated" if plated else "entrance_closed", where=where, zone=routes.name(zone))
        for run in _runs(by_zone[zone]):
            summary, stretches = _route_clauses(L, routes, b, run, [zone])
            for sdays, route in stretches:
                ev.rows.append(_Row("entrance", sdays, L["entrance_chip"], L["all_day"],
                                    head + L["clause_sep"] + route))
            ev.lines.append(_Line("entrance", L["entrance_chip"], run[0], run[-1],
                                  L.t("line", when=L.when(run[0], run[-1]), text=head + L["clause_sep"] + summary)))

    # openings of zones near the building (other than its entrance zones)
    for o in sorted(routes.openings, key=lambda o: (o.from_, routes.order[o.zone])):
        if o.zone not in b.near or o.zone in entrance_zones:
            continue
        zone = routes.zones[o.zone]
        days = [o.from_ + timedelta(n) for n in range((o.to - o.from_).days + 1)]
        if zone.kind == "green":
            ev.rows.append(_Row("green", days, L["green_chip"], L["all_day"], L.t("green", zone=routes.name(o.zone))))
            continue
        head = L.t("closure_plated" if zone.passable_when_open == "people" else "closure_road",
                   zone=routes.name(o.zone))
        summary, stretches = _route_clauses(L, routes, b, days, entrance_zones)
        for sdays, route in stretches:
            ev.rows.append(_Row("closure", sdays, L["closure_chip"], L["all_day"], head + L["clause_sep"] + route))
        ev.lines.append(_Line("closure", L["closure_chip"], days[0], days[-1],
                              L.t("line", when=L.when(days[0], days[-1]), text=head + L["clause_sep"] + summary)))

    # elevator works at one of the building's doors
    for w in project.works:
        if not isinstance(w, ElevatorWork) or w.building != b.id:
            continue
        wdays = sorted({d for t in schedule.tasks if t.work == w.id for d in t.days})
        if not wdays:
            continue
        entrance = next((e for e in b.entrances if e.id == w.entrance), None)
        where = (entrance.name or entrance.id) if entrance else (w.name or w.id)
        hours = L.hours(project.calendar.hours.work)
        ev.rows.append(_Row("elevator", wdays, L["elevator_chip"], hours, L.t("elevator_note", where=where)))
        ev.lines.append(_Line("elevator", L["elevator_chip"], wdays[0], wdays[-1],
                              L.t("elevator_sum", when=L.when(wdays[0], wdays[-1]), where=where)))

    # noise: per day the tasks and hours
    noise: dict[date, list] = {}
    for d in mine:
        if d.kind == "noise":
            noise.setdefault(d.date, []).append(d)

    first_noise: dict[str, date] = {}
    for day in sorted(noise):
        for x in noise[day]:
            first_noise.setdefault(x.task or "", day)

    def what(days: Iterable[date]) -> str:
        """The noisy works of these days, in order of their first noisy day."""
        ids = sorted({x.task or "" for d in days for x in noise[d]} - {""}, key=lambda i: (first_noise[i], i))
        return L.names(list(dict.fromkeys((tasks[i].name or i) if i in tasks else i for i in ids)))

    def hours_of(days: Iterable[date]) -> str:
        return L.hours(sorted({h for d in days for x in noise[d] for h in x.hours}))

    for run in _runs(noise, gap=_NOISE_GAP):
        text = L.t("noise_sum", when=L.when(run[0], run[-1]), n=L.count(len(run)), hours=hours_of(run), what=what(run))
        ev.lines.append(_Line("noise", L["noise_chip"], run[0], run[-1], text))
    for _, week in sorted(_group_by_week(noise).items()):
        ev.rows.append(_Row("noise", week, L["noise_chip"], hours_of(week), L.t("noise_note", what=what(week))))
    return ev


def _group_by_week(days: Iterable[date]) -> dict[date, list[date]]:
    out: dict[date, list[date]] = {}
    for d in sorted(set(days)):
        out.setdefault(_monday(d), []).append(d)
    return out


# --------------------------------------------------------------------------------------------- HTML


def _page(L: _Lang, title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{_e(L["html_lang"])}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="format-detection" content="telephone=yes">\n'
            f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n{body}</main>\n"
            f"</body>\n</html>\n")


def _header(L: _Lang, project: Project, heading: str, issued: date, version: str) -> str:
    info = project.project
    hotline = info.hotline.strip()
    if hotline and _tel(hotline):
        phone = f'<a href="tel:{_e(_tel(hotline))}">{_e(hotline)}</a>'
    else:
        phone = _e(hotline or L["hotline_none"])
    c = _colon(L)
    return (f'<header>\n<p class="compound">{_e(info.name)}</p>\n<h1>{_e(heading)}</h1>\n'
            f'<p class="hotline">{_e(L["hotline"])}{c}{phone}</p>\n'
            f'<p class="meta"><span>{_e(L["issued"])}{c}{_e(L.date(issued, year=True))}</span>'
            f'<span>{_e(L["version"])}{c}{_e(version)}</span></p>\n</header>\n')


def _colon(L: _Lang) -> str:
    return "：" if L.code == "zh-CN" else ": "


def _safe(part: str) -> str:
    """A file-name part: ids kept as they are except path separators (as the feeds writer names its files)."""
    return re.sub(r"[/\\]", "_", part)


def _feed_href(bid: str) -> str:
    return f"../feeds/building-{quote(_safe(bid), safe='')}.ics"


def _notice_href(bid: str) -> str:
    return f"{quote(_safe(bid), safe='')}.html"


def _td(label: str, content: str, cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<td data-label="{_e(label)}"{c}>{content}</td>'


def _notice(L: _Lang, schedule: Schedule, project: Project, b: Building, routes: _Routes,
            issued: date, version: str) -> str:
    ev = _building_events(L, schedule, project, b, routes)
    name = b.name or b.id
    parts = [_header(L, project, L.t("h_notice", building=name), issued, version),
             f'<p class="lede">{_e(L["lede"])}</p>\n']

    # summary first
    lines = sorted(ev.lines, key=lambda x: (x.first, _PRIORITY[x.kind], x.last, x.text))
    upcoming = [x for x in lines if x.last >= issued]
    parts.append(f'<section class="summary" id="summary">\n<h2>{_e(L["summary_h"])}</h2>\n')
    if not lines:
        parts.append(f'<p>{_e(L["nothing"])}</p>\n')
    elif not upcoming:
        parts.append(f'<p>{_e(L.t("nothing_after", date=L.date(issued)))}</p>\n')
    else:
        parts.append("<ul>\n" + "".join(
            f'<li><span class="chip k-{x.kind}">{_e(x.chip)}</span> {_e(x.text)}</li>\n'
            for x in upcoming) + "</ul>\n")
    parts.append("</section>\n")

    # timeline by week
    parts.append(f'<section class="timeline" id="timeline">\n<h2>{_e(L["timeline_h"])}</h2>\n')
    weeks = sorted({_monday(d) for r in ev.rows for d in r.days})
    if not weeks:
        parts.append(f'<p>{_e(L["no_timeline"])}</p>\n')
    heads = [L["col_when"], L["col_what"], L["col_hours"], L["col_note"]]
    for monday in weeks:
        sunday = monday + timedelta(6)
        rows = []
        for r in ev.rows:
            days = [d for d in r.days if monday <= d <= sunday]
            if days:
                rows.append((days, r))
        rows.sort(key=lambda x: (x[0][0], _PRIORITY[x[1].kind], x[1].note))
        parts.append(f'<section class="week">\n<h3>{_e(L.t("week_h", date=L.date(monday, wd=True)))}</h3>\n'
                     '<table class="stack">\n<thead><tr>' + "".join(f"<th>{_e(h)}</th>" for h in heads)
                     + "</tr></thead>\n<tbody>\n")
        for days, r in rows:
            parts.append("<tr>" + _td(heads[0], _e(L.days(days)), "when")
                         + _td(heads[1], f'<span class="chip k-{r.kind}">{_e(r.chip)}</span>')
                         + _td(heads[2], _e(r.hours)) + _td(heads[3], _e(r.note)) + "</tr>\n")
        parts.append("</tbody>\n</table>\n</section>\n")
    parts.append("</section>\n")

    # feed, notes, back link
    feed = _feed_href(b.id)
    parts.append(f'<p class="feed noprint"><a href="{_e(feed)}">{_e(L["feed"])}</a>{_e(L["feed_hint"])}</p>\n')
    notes = [L.t("note_noise_hours", hours=L.hours(project.calendar.hours.noisy))]
    if ev.plated:
        notes.append(L["note_plates"])
    notes.append(L["note_change"])
    parts.append(f'<section class="notes">\n<h2>{_e(L["notes_h"])}</h2>\n<ul>\n'
                 + "".join(f"<li>{_e(n)}</li>\n" for n in notes) + "</ul>\n</section>\n")
    parts.append(f'<p class="noprint"><a href="index.html">{_e(L["back"])}</a></p>\n')
    return _page(L, L.t("title_notice", building=name, compound=project.project.name), "".join(parts))


def _index(L: _Lang, schedule: Schedule, project: Project, issued: date, version: str) -> str:
    buildings = project.site.buildings
    known = {b.id for b in buildings}
    names = {b.id: b.name or b.id for b in buildings}
    order = {b.id: i for i, b in enumerate(buildings)}
    tasks = {t.id: t for t in schedule.tasks}
    disr = [d for d in schedule.disruptions if d.building in known]
    parts = [_header(L, project, L["h_index"], issued, version), f'<p class="lede">{_e(L["lede_index"])}</p>\n']

    def outage_kind(tid: str | None) -> str:
        t = tasks.get(tid or "")
        return t.outage.type if t and t.outage else "outage"

    # buildings
    heads = [L["col_building"], L["col_households"], L["col_noise_days"], L["col_entrance_days"],
             L["col_outages"], L["col_links"]]
    parts.append(f'<section id="buildings">\n<h2>{_e(L["buildings_h"])}</h2>\n<table class="stack">\n<thead><tr>'
                 + "".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr></thead>\n<tbody>\n")
    for b in buildings:
        mine = [d for d in disr if d.building == b.id]
        noise_days = len({d.date for d in mine if d.kind == "noise"})
        entrance_days = len({d.date for d in mine if d.kind == "entrance"})
        outs = sorted({(d.date, outage_kind(d.task)) for d in mine if d.kind == "outage"})
        out_text = L["list_sep"].join(f"{L.date(d)} {L.outage(k)}" for d, k in outs) or L["none"]
        label = _e(names[b.id]) + (_e(L["sensitive"]) if b.sensitive else "")
        links = (f'<a href="{_e(_notice_href(b.id))}">{_e(L["notice_link"])}</a> · '
                 f'<a href="{_e(_feed_href(b.id))}">{_e(L["feed_short"])}</a>')
        parts.append("<tr>" + _td(heads[0], f'<a href="{_e(_notice_href(b.id))}">{label}</a>')
                     + _td(heads[1], _e(L.t("households", n=b.households)))
                     + _td(heads[2], _e(L.t("days", n=noise_days)))
                     + _td(heads[3], _e(L.t("days", n=entrance_days)))
                     + _td(heads[4], _e(out_text)) + _td(heads[5], links) + "</tr>\n")
    parts.append("</tbody>\n</table>\n</section>\n")

    # outages with their notice dates
    runs: dict[tuple[str, str], list[date]] = {}
    hours: dict[tuple[str, str], set[str]] = {}
    for d in disr:
        if d.kind == "outage":
            key = (d.task or "", d.building)
            runs.setdefault(key, []).append(d.date)
            hours.setdefault(key, set()).update(d.hours)
    # group buildings that share the same task, days and hours
    rows: dict[tuple, set[str]] = {}
    for (tid, bid), days in runs.items():
        t = tasks.get(tid)
        notice = t.outage.notice_days if t and t.outage else 0
        for run in _runs(days):
            key = (run[0], run[-1], tid, outage_kind(tid), tuple(sorted(hours[(tid, bid)])), notice)
            rows.setdefault(key, set()).add(bid)
    if rows:
        heads = [L["col_when"], L["col_type"], L["col_hours"], L["col_building"], L["col_post_by"]]
        parts.append(f'<section id="outages">\n<h2>{_e(L["outages_h"])}</h2>\n<table class="stack">\n<thead><tr>'
                     + "".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr></thead>\n<tbody>\n")
        for (first, last, tid, kind, hrs, notice), bids in sorted(rows.items()):
            post = first - timedelta(notice)
            late = f'<span class="late">{_e(L["late"])}</span>' if post < issued <= first else ""
            parts.append("<tr>" + _td(heads[0], _e(L.span(first, last, wd=True)), "when")
                         + _td(heads[1], f'<span class="chip k-outage">{_e(L.outage(kind))}</span>')
                         + _td(heads[2], _e(L.hours(hrs)))
                         + _td(heads[3], _e(L["list_sep"].join(names[x] for x in sorted(bids, key=order.get))))
                         + _td(heads[4], _e(L.date(post, wd=True)) + late) + "</tr>\n")
        parts.append("</tbody>\n</table>\n</section>\n")

    # compound calendar: one month grid per month with disruptions
    per_day: dict[date, dict[str, set[str]]] = {}
    for d in disr:
        key = "outage:" + outage_kind(d.task) if d.kind == "outage" else d.kind
        per_day.setdefault(d.date, {}).setdefault(key, set()).add(d.building)
    parts.append(f'<section id="calendar">\n<h2>{_e(L["calendar_h"])}</h2>\n<p>{_e(L["legend"])}</p>\n')
    if not per_day:
        parts.append(f'<p>{_e(L["none"])}</p>\n')
    else:
        first, last = min(per_day), max(per_day)
        y, m = first.year, first.month
        while (y, m) <= (last.year, last.month):
            parts.append(_month(L, y, m, per_day, names, order))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    parts.append("</section>\n")
    return _page(L, L.t("title_index", compound=project.project.name), "".join(parts))


def _month(L: _Lang, y: int, m: int, per_day: dict[date, dict[str, set[str]]], names: dict[str, str],
           order: dict[str, int]) -> str:
    start = date(y, m, 1)
    nxt = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
    title = L.t("month_h", y=y, m=m, month=L["months_long"][m - 1] if "months_long" in L.s else m)
    out = [f'<h3>{_e(title)}</h3>\n<table class="cal">\n<thead><tr class="cal-wd">'
           + "".join(f"<th>{_e(w)}</th>" for w in L["weekdays_short"]) + "</tr></thead>\n<tbody>\n"]
    day = _monday(start)
    while day < nxt:
        out.append("<tr>")
        for _ in range(7):
            if day < start or day >= nxt:
                out.append('<td class="pad"></td>')
            else:
                kinds = per_day.get(day, {})
                lines = []
                for key in sorted(kinds, key=lambda k: (_PRIORITY[k.split(":")[0]], k)):
                    kind = key.split(":")[0]
                    label = {"noise": L["cal_noise"], "entrance": L["cal_entrance"]}.get(kind) \
                        or L.outage(key.split(":", 1)[1])
                    who = L["list_sep"].join(names[b] for b in sorted(kinds[key], key=order.get))
                    lines.append(f'<span class="ln"><span class="chip k-{kind}">{_e(label)}</span> {_e(who)}</span>')
                cls = "" if lines else "none"
                out.append(_td(L.date(day, wd=True), f'<span class="dn">{day.day}</span>' + "".join(lines), cls))
            day += timedelta(1)
        out.append("</tr>\n")
    out.append("</tbody>\n</table>\n")
    return "".join(out)


# --------------------------------------------------------------------------------------------- API


def render_notices(schedule: Schedule, project: Project, issued: date, version: str) -> dict[str, str]:
    """Relative path → HTML text: `notices/<building id>.html` for every building, and `notices/index.html`."""
    L = _Lang(project.project.lang, issued)
    routes = _Routes(project, schedule)
    out: dict[str, str] = {}
    for b in project.site.buildings:
        out[f"notices/{_safe(b.id)}.html"] = _notice(L, schedule, project, b, routes, issued, version)
    out["notices/index.html"] = _index(L, schedule, project, issued, version)
    return out

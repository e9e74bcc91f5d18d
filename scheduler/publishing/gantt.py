"""The project manager's Gantt chart (SPEC §7 `gantt.html`): one self-contained plotly page, works offline.

One horizontal bar per task, from its first calendar day to the end of its last (finish is inclusive),
coloured by trade (a stable colour per trade, one legend entry per trade). A switch re-groups the rows by
zone, by trade or by building (tasks without one go into the group "—"). Zone openings (trench open
from..to) and occupations (a lift's crane fencing off a zone from its first to its last working day) are
their own hatched rows, and in the zone grouping also a shaded span behind the zone's rows.
Outages and acceptances are milestone markers; the project finish, the deadline and today are vertical
lines (layout shapes with annotations). The hover of a task shows every field of the ledger and more.
With a baseline, tasks whose dates moved get a grey ghost bar at their baseline dates behind them.
After a re-plan (`schedule.as_of`) an as-of line (状态日期) with the history before it shaded, and each
task styled by its progress: done faded, started hatched, late outlined in red (not started though the
baseline had it under way before the as-of date, or finishing after the baseline). Under the Gantt, a
second chart (usage.py): crews in use per trade and trenches open per day against what the site has.

`gantt_figure` builds the plotly figure (tests read it); `gantt_html` renders it and the usage chart to a
page with no remote resource at all (no CDN, no MathJax): plotly.js inline, or — in a release — loaded
from `plotly.min.js` beside the page, written once per release.

Each trace carries `meta={"role": …}`: "task" (one bar trace per trade; `ids`/`customdata` = task ids),
"baseline", "opening", "occupation", "outage", "acceptance", "state" (a legend entry for done, started or
late work) or "axis" (the invisible anchor of the top date axis); task traces also carry `status` (done,
started, planned) and `late` per task. Each shape carries a `name`: "finish", "today", "deadline", "as_of",
"history", "opening <zone>", "occupation <zone> <lift task>" or "group <label>". The switch is
`layout.updatemenus[0]`; its buttons are named "zone", "trade" and "building".
"""

from __future__ import annotations

import hashlib
import html
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from models.project import Project
from models.schedule import Schedule, ScheduledTask
from scheduler.publishing.usage import usage_figure
from scheduler.publishing.words import outage_name, trade_name
from scheduler.text import normal_lang, section, t as text

GROUPINGS = ("zone", "trade", "building")
NONE = "—"
DAY_MS = 86_400_000
ROW_PX = 20          # height of one row
TOP_PX = 150         # title, switch, range selector, top date axis
BOTTOM_PX = 110      # bottom date axis and range slider
SLIDER_PX = 56
PHONE_PX = 700       # below this page width the chart switches to its phone layout (see PHONE_SCRIPT)
PHONE_LABEL = 14     # display columns of a y label on a phone
PHONE_TICKS_PX = 36  # the dates under the chart stand upright on a phone: the slider and the legend move down
FONT = "PingFang SC, Hiragino Sans GB, Microsoft YaHei, Noto Sans CJK SC, Source Han Sans SC, " \
       "WenQuanYi Micro Hei, Arial, sans-serif"

# Stable colours: well-known trades get a colour that says what they are; any other trade a colour
# derived from its name (same name, same colour, in every project and every run).
TRADE_COLOURS = {
    "water": "#1f77b4", "sewer": "#8c564b", "drain": "#17becf", "rain": "#17becf", "storm": "#17becf",
    "gas": "#ff7f0e", "power": "#d62728", "electric": "#d62728", "heating": "#e377c2",
    "telecom": "#9467bd", "civil": "#a6761d", "paving": "#525252", "greening": "#2ca02c",
    "landscape": "#2ca02c", "elevator": "#6a3d9a", "facade": "#bcbd22", "roofing": "#b15928",
    "fire": "#e31a1c", "lighting": "#fdbf6f",
}
PALETTE = ["#2E91E5", "#E15F99", "#1CA71C", "#FB0D0D", "#DA16FF", "#B68100", "#750D86", "#EB663B",
           "#511CFB", "#00A08B", "#FB00D1", "#FC0080", "#B2828D", "#6C7C32", "#778AAE", "#862A16",
           "#A777F1", "#620042", "#1616A7", "#DA60CA", "#6C4516", "#0D2A63", "#AF0038", "#0F7F7F"]
NO_TRADE_COLOUR = "#b0b0b0"
OPENING_COLOUR = "#a6761d"
OCCUPATION_COLOUR = "#6a3d9a"
OPENING_MARK, OCCUPATION_MARK = "⛏", "🏗"
AS_OF_COLOUR = "#222222"
LATE_LINE = "#c00000"
STATE_OPACITY = {"done": 0.35, "started": 1.0, "planned": 1.0}
STATE_PATTERN = {"done": "", "started": "/", "planned": ""}
PLOTLY_JS = "plotly.min.js"  # written once per release, beside gantt.html, which refers to it relatively
GHOST_FILL = "rgba(128,128,128,0.30)"
GHOST_LINE = "rgba(80,80,80,0.65)"

# Nothing in the page may reach the network: no MathJax, no topojson, no "edit in cloud" link.
CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "scrollZoom": False,
    "showSendToCloud": False,
    "plotlyServerURL": "",
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}


# The phone layout. Plotly has no media queries, so below PHONE_PX this applies `layout.meta.phone.on`
# (short title, legend under the chart, range buttons on their own row) and short y labels for the grouping
# shown, and puts `off` back on a wider screen. Short labels are tick texts over the same categories, so
# hover, zoom and the grouping switch keep working; they are re-applied after every switch.
PHONE_SCRIPT = """
(function () {
  var gd = document.getElementById('{plot_id}');
  var phone = gd.layout.meta.phone, narrow = null;
  function ticks() {
    var cats = gd.layout.yaxis.categoryarray;
    return {'yaxis.tickmode': 'array', 'yaxis.tickvals': cats,
            'yaxis.ticktext': cats.map(function (c) { return phone.short[c] || c; })};
  }
  function fit() {
    var now = window.innerWidth < phone.width;
    if (now === narrow) return;
    narrow = now;
    var change = Object.assign({}, now ? phone.on : phone.off, now ? ticks() :
      {'yaxis.tickmode': 'auto', 'yaxis.tickvals': null, 'yaxis.ticktext': null});
    gd.style.height = change.height + 'px';
    Plotly.relayout(gd, change);
  }
  gd.on('plotly_relayout', function (ev) {
    if (narrow && ev && 'yaxis.categoryarray' in ev) Plotly.relayout(gd, ticks());
  });
  var pending;
  window.addEventListener('resize', function () { clearTimeout(pending); pending = setTimeout(fit, 150); });
  fit();
})();
"""


# The crews and trenches chart under the Gantt follows the Gantt's dates (zoom, range slider, range buttons)
# and its plot area's left and right edges (y labels and legend width differ), so a day is at the same place
# in both charts.
LINK_SCRIPT = """
(function () {
  var gd = document.getElementById('{plot_id}'), shown = null;
  function follow() {
    var usage = document.getElementById('digonce-usage');
    if (!usage || !usage.layout || !gd.layout.xaxis.range || !gd._fullLayout) return;
    var size = gd._fullLayout._size, range = gd.layout.xaxis.range.slice();
    var change = {'xaxis.range': range, 'margin.l': size.l, 'margin.r': size.r};
    var key = JSON.stringify(change);
    if (key === shown) return;
    shown = key;
    Plotly.relayout(usage, change);
  }
  gd.on('plotly_relayout', follow);
  gd.on('plotly_afterplot', follow);
  window.addEventListener('load', follow);
})();
"""


def trade_colour(trade: str | None) -> str:
    if not trade:
        return NO_TRADE_COLOUR
    if trade.lower() in TRADE_COLOURS:
        return TRADE_COLOURS[trade.lower()]
    return PALETTE[int(hashlib.sha1(trade.encode("utf-8")).hexdigest(), 16) % len(PALETTE)]


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def clip(text: str, width: int) -> str:
    """`text` cut to `width` display columns (CJK characters count two), with an ellipsis if cut."""
    if sum(_width(c) for c in text) <= width:
        return text
    out, used = [], 0
    for c in text:
        if used + _width(c) > width - 1:
            break
        out.append(c)
        used += _width(c)
    return "".join(out) + "…"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def _iso(d: date) -> str:
    return d.isoformat()


def _end(d: date) -> str:
    """The end of calendar day `d` (= midnight starting the next day), where a bar that finishes on d ends."""
    return _iso(d + timedelta(days=1))


@dataclass
class _Rows:
    """One grouping: the y categories top to bottom, which of them are group headers, which zone rows."""
    order: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    short: dict[str, str] = field(default_factory=dict)  # y label → the short one a phone shows
    zone_spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # zone → first, last row index


class _Gantt:
    def __init__(self, schedule: Schedule, project: Project, baseline: Schedule | None, today: date | None):
        self.s = schedule
        self.p = project
        self.base = {t.id: t for t in baseline.tasks} if baseline is not None else {}
        self.today = today or date.today()
        self.lang = normal_lang(project.project.lang)
        self.tx = section("gantt", self.lang)
        self.zones = {z.id: z.name for z in project.site.zones}
        self.buildings = {b.id: b.name for b in project.site.buildings}
        self.tasks = sorted(schedule.tasks, key=lambda t: (t.start, t.finish))  # stable: ties keep input order
        self.label = self._labels()
        self.opening_label = {o.zone: f"{OPENING_MARK} {_esc(clip(self.zone_name(o.zone), 22))} · "
                                      f"{self.tx['opening']}" for o in schedule.openings}
        self.occupations = sorted(schedule.occupations, key=lambda o: (o.from_, o.zone, o.task))
        self.occupation_label = {o.zone: f"{OCCUPATION_MARK} {_esc(clip(self.zone_name(o.zone), 22))} · "
                                         f"{self.tx['occupation']}" for o in self.occupations}
        self.moved = [t for t in self.tasks if t.id in self.base
                      and (self.base[t.id].start, self.base[t.id].finish) != (t.start, t.finish)]
        self.as_of = schedule.as_of
        self.state = {t.id: self._state(t) for t in self.tasks}

    def _state(self, t: ScheduledTask) -> tuple[str, bool]:
        """(done | started | planned, late): progress as `replan` recorded it; late is work not done that the
        baseline had under way before the as-of date but has not started, or that finishes after the
        baseline's finish."""
        status = t.status or "planned"
        b = self.base.get(t.id)
        if b is None or status == "done":
            return status, False
        behind = status == "planned" and self.as_of is not None and b.start < self.as_of
        return status, behind or t.finish > b.finish

    # ---------------------------------------------------------------------------------------- naming
    def zone_name(self, zid: str | None) -> str:
        if not zid:
            return NONE
        name = self.zones.get(zid, "")
        return f"{zid} {name}" if name and name != zid else zid

    def building_name(self, bid: str | None) -> str:
        if not bid:
            return NONE
        name = self.buildings.get(bid, "")
        return f"{bid} {name}" if name and name != bid else bid

    def trade_name(self, trade: str | None) -> str:
        """The trade id, with the catalogue's name of a well-known trade (water 给水) as feeds and notices say it."""
        if not trade:
            return NONE
        name = trade_name(trade, self.lang)
        return f"{trade} {name}" if name else trade

    def _labels(self) -> dict[str, str]:
        """y label per task: "name · id", both clipped; unique (ids are unique, clipped ids may not be)."""
        out: dict[str, str] = {}
        seen: set[str] = set()
        for t in self.tasks:
            name = _esc(clip(t.name, 24)) if t.name and t.name != t.id else ""
            label = f"{name} · {_esc(clip(t.id, 30))}" if name else _esc(clip(t.id, 40))
            n, unique = 2, label
            while unique in seen:
                unique, n = f"{label} #{n}", n + 1
            seen.add(unique)
            out[t.id] = unique
        return out

    def finish(self) -> date | None:
        return max((t.finish for t in self.tasks), default=None)

    def first(self) -> date:
        return min((t.start for t in self.tasks), default=self.p.project.start)

    # ---------------------------------------------------------------------------------------- hover
    def _date(self, d: date) -> str:
        return f"{d.isoformat()} ({text('common.weekdays', self.lang)[d.weekday()]})"

    def hover(self, t: ScheduledTask) -> str:
        x = self.tx
        yes = lambda v: x["flag.set"] if v else x["flag.unset"]  # noqa: E731
        trade = self.p.trades.get(t.trade) if t.trade else None
        lines = [f"<b>{_esc(t.name or t.id)}</b>",
                 f"{x['id']}: {_esc(t.id)}",
                 f"{x['trade']}: {_esc(self.trade_name(t.trade))}"
                 + (f" · {x['contractor']}: {_esc(trade.contractor)}" if trade and trade.contractor else "")
                 + (f" · {x['contact']}: {_esc(trade.contact)}" if trade and trade.contact else ""),
                 f"{x['kind']}: {_esc(t.kind or NONE)}" + (f" · {x['work']}: {_esc(t.work)}" if t.work else ""),
                 f"{x['zone']}: {_esc(self.zone_name(t.zone))}",
                 f"{x['building']}: {_esc(self.building_name(t.building))}",
                 f"{x['start']}: {self._date(t.start)}",
                 f"{x['finished']}: {self._date(t.finish)}",
                 f"{x['days']}: {len(t.days)} ({(t.finish - t.start).days + 1} {x['cal_days']})",
                 f"{x['hours']}: {_esc(', '.join(t.hours) or NONE)}",
                 f"{x['noisy']}: {yes(t.noisy)} · {x['underground']}: {yes(t.underground)}"
                 f" · {x['surface']}: {yes(t.surface)}"]
        if t.outage:
            o = t.outage
            serves = ", ".join(self.building_name(b) for b in o.serves)
            lines.append(f"{x['outage']}: <b>{_esc(outage_name(o.type, self.lang))}</b> {_esc(o.hours)} → {_esc(serves)}"
                         f" ({x['notice']} {o.notice_days} {x['day_unit']})")
        else:
            lines.append(f"{x['outage']}: {NONE}")
        if t.equipment:
            lines.append(f"{x['equipment']}: {_esc(', '.join(t.equipment))}")
        preds = t.after or [NONE]
        chunks = [", ".join(preds[i:i + 3]) for i in range(0, len(preds), 3)]
        lines.append(f"{x['after']}: " + ",<br>    ".join(_esc(c) for c in chunks))
        status, late = self.state[t.id]
        if status != "planned" or late:
            words = [x[f"state.{status}"]] if status != "planned" else []
            lines.append(f"{x['state.label']}: <b>{' · '.join(words + ([x['state.late']] if late else []))}</b>")
        b = self.base.get(t.id)
        if b is not None and (b.start, b.finish) != (t.start, t.finish):
            ds, df = (t.start - b.start).days, (t.finish - b.finish).days
            lines.append(f"<i>{x['baseline']}: {b.start} → {b.finish} "
                         f"({x['start']} {ds:+d} {x['day_unit']}, {x['finished']} {df:+d} {x['day_unit']})</i>")
        return "<br>".join(lines)

    # ---------------------------------------------------------------------------------------- rows
    def _key(self, t: ScheduledTask, grouping: str) -> str | None:
        return {"zone": t.zone, "trade": t.trade, "building": t.building}[grouping]

    def _group_order(self, grouping: str) -> list[str | None]:
        present = {self._key(t, grouping) for t in self.tasks}
        if grouping == "zone":
            present |= {o.zone for o in self.s.openings} | set(self.occupation_label)
            known = [z.id for z in self.p.site.zones]
        elif grouping == "trade":
            known = list(self.p.trades)
        else:
            known = [b.id for b in self.p.site.buildings]
        order: list[str | None] = [k for k in known if k in present]
        order += sorted(k for k in present if k is not None and k not in known)
        if None in present:
            order.append(None)
        return order

    def _header(self, grouping: str, key: str | None, count: int) -> str:
        if key is None:
            return f"<b>{NONE}</b> {self.tx[f'none_group.{grouping}']} ({count})"
        if grouping == "zone":
            name = self.zone_name(key)
        elif grouping == "building":
            name = self.building_name(key)
        else:
            trade = self.p.trades.get(key)
            name = self.trade_name(key) + (f" · {trade.contractor}" if trade and trade.contractor else "")
        return f"<b>{_esc(clip(name, 36))}</b> ({count})"

    def rows(self, grouping: str) -> _Rows:
        r = _Rows()
        by_group: dict[str | None, list[ScheduledTask]] = {}
        for t in self.tasks:
            by_group.setdefault(self._key(t, grouping), []).append(t)
        if grouping != "zone":  # openings and occupations first, one row per zone
            self._site_block(r, "openings", OPENING_MARK, self.opening_label,
                             [o.zone for o in sorted(self.s.openings, key=lambda o: o.from_)])
            self._site_block(r, "occupations", OCCUPATION_MARK, self.occupation_label, list(self.occupation_label))
        for key in self._group_order(grouping):
            tasks = by_group.get(key, [])
            head = self._header(grouping, key, len(tasks))
            r.order.append(head)
            r.headers.append(head)
            r.short[head] = f"<b>{_esc(clip(key or NONE, PHONE_LABEL - 4))}</b> ({len(tasks)})"
            first = len(r.order)
            for mark, labels, word in ((OPENING_MARK, self.opening_label, "opening"),
                                       (OCCUPATION_MARK, self.occupation_label, "occupation")):
                if grouping == "zone" and key in labels:  # the zone's own opening / occupation row
                    r.order.append(labels[key])
                    r.short[labels[key]] = f"{mark} {self.tx[word]}"
            for t in tasks:
                r.order.append(self.label[t.id])
                r.short[self.label[t.id]] = _esc(clip(t.name or t.id, PHONE_LABEL))
            if grouping == "zone" and key is not None and len(r.order) > first:
                r.zone_spans[key] = (first, len(r.order) - 1)
        if not r.order:  # nothing to show: one empty row keeps the axes drawable
            r.order.append(NONE)
        return r

    def _site_block(self, r: _Rows, title: str, mark: str, labels: dict[str, str], zones: list[str]) -> None:
        """A header (`title` from the catalogue) and one row per zone, for openings or occupations."""
        if not zones:
            return
        head = f"<b>{self.tx[title]}</b> ({len(zones)})"
        r.order.append(head)
        r.headers.append(head)
        r.short[head] = f"<b>{mark}</b> ({len(zones)})"
        for z in zones:
            r.order.append(labels[z])
            r.short[labels[z]] = f"{mark} {_esc(clip(z, PHONE_LABEL - 2))}"

    # ---------------------------------------------------------------------------------------- shapes
    def common_shapes(self) -> tuple[list[dict], list[dict]]:
        """Finish, deadline and today: vertical lines across all rows, labelled at the top of the chart.

        Lines are at day boundaries: finish and deadline at the end of their (inclusive) day, where the
        last bar ends; today at the start of today, where a task starting today begins.
        """
        shapes, notes = [], []
        x = self.tx
        finish = self.finish()
        span = max(7, ((finish or self.first()) - self.first()).days + 1)

        lo, hi = self.x_window()

        def line(name: str, at: str, colour: str, width: float, dash: str, text: str, anchor: str, row: int):
            # A line outside the chart's dates is hidden, so that it does not stretch the "all" zoom to it.
            shown = lo <= at <= hi
            shapes.append(dict(type="line", name=name, xref="x", yref="paper", x0=at, x1=at, y0=0, y1=1,
                               visible=shown, layer="above", line=dict(color=colour, width=width, dash=dash)))
            notes.append(dict(name=name, xref="x", yref="paper", x=at, y=1, xanchor=anchor, yanchor="top",
                              visible=shown, yshift=-20 * row, showarrow=False, text=text,
                              font=dict(color=colour, size=12), bgcolor="rgba(255,255,255,0.85)"))

        if finish is not None:  # label left of the line: right of it is the end of the chart and the legend
            line("finish", _end(finish), "#c0392b", 2, "solid", f"<b>{x['finish']} {finish.isoformat()}</b>",
                 "right", 0)
        deadline = self.p.project.deadline
        if deadline is not None:
            line("deadline", _end(deadline), "#7b241c", 1.5, "dash", f"{x['deadline']} {deadline.isoformat()}",
                 "right", 1)
        near = finish is not None and abs((self.today - finish).days) < span * 0.2
        line("today", _iso(self.today), "#1a73e8", 2, "dot", f"<b>{x['today']} {self.today.isoformat()}</b>",
             "left", 2 if near else 0)
        if self.as_of is not None:  # a re-plan: what lies before the as-of date is history, reported progress
            line("as_of", _iso(self.as_of), AS_OF_COLOUR, 2, "dashdot", f"<b>{x['as_of']} {self.as_of.isoformat()}</b>",
                 "left", 1 if not near else 3)
            if lo < _iso(self.as_of):
                shapes.append(dict(type="rect", name="history", xref="x", yref="paper", x0=lo, x1=_iso(self.as_of),
                                   y0=0, y1=1, layer="below", line=dict(width=0), fillcolor="rgba(0,0,0,0.045)"))
        return shapes, notes

    def grouping_shapes(self, rows: _Rows) -> list[dict]:
        out = []
        index = {c: i for i, c in enumerate(rows.order)}
        for h in rows.headers:  # a light band marks each group's header row
            i = index[h]
            out.append(dict(type="rect", name=f"group {h}", xref="paper", yref="y", x0=0, x1=1,
                            y0=i - 0.5, y1=i + 0.5, layer="below", line=dict(width=0),
                            fillcolor="rgba(60,80,110,0.10)"))
        for o in self.s.openings:  # zone grouping: the opening behind all rows of its zone
            if o.zone in rows.zone_spans:
                a, b = rows.zone_spans[o.zone]
                out.append(dict(type="rect", name=f"opening {o.zone}", xref="x", yref="y", x0=_iso(o.from_),
                                x1=_end(o.to), y0=a - 0.5, y1=b + 0.5, layer="below", line=dict(width=0),
                                fillcolor="rgba(166,118,29,0.13)"))
        for o in self.occupations:  # zone grouping: the crane's days behind all rows of its zone
            if o.zone in rows.zone_spans:
                a, b = rows.zone_spans[o.zone]
                out.append(dict(type="rect", name=f"occupation {o.zone} {o.task}", xref="x", yref="y",
                                x0=_iso(o.from_), x1=_end(o.to), y0=a - 0.5, y1=b + 0.5, layer="below",
                                line=dict(width=0), fillcolor="rgba(106,61,154,0.13)"))
        return out

    # ---------------------------------------------------------------------------------------- traces
    def traces(self) -> list[go.BaseTraceType]:
        x = self.tx
        out: list[go.BaseTraceType] = []
        if self.moved:  # ghosts first: drawn behind the task bars
            out.append(go.Bar(
                name=x["baseline"], orientation="h", meta={"role": "baseline"},
                y=[self.label[t.id] for t in self.moved],
                base=[_iso(self.base[t.id].start) for t in self.moved],
                x=[((self.base[t.id].finish - self.base[t.id].start).days + 1) * DAY_MS for t in self.moved],
                ids=[f"baseline:{t.id}" for t in self.moved], customdata=[t.id for t in self.moved],
                width=0.9, marker=dict(color=GHOST_FILL, line=dict(color=GHOST_LINE, width=1)),
                hovertext=[f"{x['baseline']}: <b>{_esc(t.name or t.id)}</b><br>{_esc(t.id)}<br>"
                           f"{self.base[t.id].start} → {self.base[t.id].finish}" for t in self.moved],
                hovertemplate="%{hovertext}<extra></extra>", legendrank=900))
        if self.s.openings:
            ops = sorted(self.s.openings, key=lambda o: o.from_)
            out.append(_hatched(
                x["openings"], "opening", ops, [self.opening_label[o.zone] for o in ops],
                [f"opening:{o.zone}" for o in ops], [o.zone for o in ops], "rgba(166,118,29,0.25)", OPENING_COLOUR,
                "/", [f"<b>{_esc(self.zone_name(o.zone))}</b><br>{x['opening']}: {o.from_} → {o.to}"
                      f"<br>{(o.to - o.from_).days + 1} {x['cal_days']}" for o in ops], 800))
        if self.occupations:
            out.append(self._occupation_trace())
        by_trade: dict[str | None, list[ScheduledTask]] = {}
        for t in self.tasks:
            by_trade.setdefault(t.trade, []).append(t)
        order = [k for k in self.p.trades if k in by_trade]
        order += sorted(k for k in by_trade if k is not None and k not in self.p.trades)
        order += [None] if None in by_trade else []
        for rank, trade in enumerate(order):
            tasks = by_trade[trade]
            contractor = self.p.trades[trade].contractor if trade in self.p.trades else ""
            out.append(go.Bar(
                name=self.trade_name(trade) + (f" · {contractor}" if contractor else ""), orientation="h",
                meta={"role": "task", "trade": trade}, legendgroup=f"trade:{trade}", legendrank=rank + 1,
                y=[self.label[t.id] for t in tasks], base=[_iso(t.start) for t in tasks],
                x=[((t.finish - t.start).days + 1) * DAY_MS for t in tasks],
                ids=[t.id for t in tasks], customdata=[t.id for t in tasks], width=0.62,
                marker=self._marker(trade, tasks),
                hovertext=[self.hover(t) for t in tasks], hovertemplate="%{hovertext}<extra></extra>"))
            out[-1].meta = {**out[-1].meta, "status": [self.state[t.id][0] for t in tasks],
                            "late": [self.state[t.id][1] for t in tasks]}
        out += self._milestones() + self._state_legend()
        return out

    def _marker(self, trade: str | None, tasks: list[ScheduledTask]) -> dict:
        """The bars of one trade: done work faded, started work hatched, late work outlined in red."""
        states = [self.state[t.id] for t in tasks]
        return dict(color=trade_colour(trade),
                    opacity=[STATE_OPACITY[s] for s, _ in states],
                    line=dict(color=[LATE_LINE if late else "rgba(0,0,0,0.35)" for _, late in states],
                              width=[2.5 if late else 0.5 for _, late in states]),
                    pattern=dict(shape=[STATE_PATTERN[s] for s, _ in states], fgcolor="rgba(255,255,255,0.75)",
                                 size=6, solidity=0.35))

    def _state_legend(self) -> list[go.Bar]:
        """Legend entries (no bars) saying how done, started and late work look, when there is any."""
        x, out = self.tx, []
        present = {s for s, _ in self.state.values()} | ({"late"} if any(v for _, v in self.state.values()) else set())
        for rank, status in enumerate(("done", "started", "late")):
            if status not in present:
                continue
            late = status == "late"
            out.append(go.Bar(
                name=x[f"state.{status}"], orientation="h", y=[None], x=[None], meta={"role": "state", "state": status},
                legendrank=600 + rank, showlegend=True, hoverinfo="skip",
                marker=dict(color="#9e9e9e", opacity=STATE_OPACITY["planned" if late else status],
                            line=dict(color=LATE_LINE if late else "rgba(0,0,0,0.35)", width=2.5 if late else 0.5),
                            pattern=dict(shape="" if late else STATE_PATTERN[status],
                                         fgcolor="rgba(255,255,255,0.75)", size=6, solidity=0.35))))
        return out

    def _occupation_trace(self) -> go.Bar:
        """One hatched bar per occupation, on its zone's occupation row; the hover names the lift and says
        whether a temporary fire-safety plan lets fire engines pass."""
        x, ops = self.tx, self.occupations
        names = {t.id: t.name for t in self.tasks}

        def hover(o) -> str:
            lift = f"{_esc(names[o.task])} · {_esc(o.task)}" if names.get(o.task) else _esc(o.task)
            fire = x["flag.set"] if o.fire_plan else x["flag.unset"]
            return (f"<b>{_esc(self.zone_name(o.zone))}</b><br>{x['occupation']}: {o.from_} → {o.to}"
                    f"<br>{(o.to - o.from_).days + 1} {x['cal_days']}<br>{x['lift']}: {lift}"
                    f"<br>{x['fire_plan']}: {fire}")
        return _hatched(x["occupations"], "occupation", ops, [self.occupation_label[o.zone] for o in ops],
                        [f"occupation:{o.zone}:{o.task}" for o in ops], [o.task for o in ops],
                        "rgba(106,61,154,0.25)", OCCUPATION_COLOUR, "x", [hover(o) for o in ops], 810)

    def _milestones(self) -> list[go.Scatter]:
        x = self.tx
        out = []
        outages = [(t, d) for t in self.tasks if t.outage for d in (t.days or [t.start])]
        if outages:
            out.append(go.Scatter(
                name=x["outage"], mode="markers", meta={"role": "outage"},
                x=[f"{d.isoformat()}T12:00" for _, d in outages], y=[self.label[t.id] for t, _ in outages],
                ids=[f"outage:{t.id}:{d.isoformat()}" for t, d in outages], customdata=[t.id for t, _ in outages],
                marker=dict(symbol="triangle-down", size=13, color="#e74c3c", line=dict(color="#641e16", width=1.5)),
                hovertext=[f"<b>{_esc(outage_name(t.outage.type, self.lang))}</b> {d.isoformat()} {_esc(t.outage.hours)}<br>"
                           f"→ {_esc(', '.join(self.building_name(b) for b in t.outage.serves))}<br>"
                           f"{_esc(t.name or t.id)} · {_esc(t.id)}" for t, d in outages],
                hovertemplate="%{hovertext}<extra></extra>", legendrank=700))
        acceptances = [t for t in self.tasks if t.kind == "acceptance"]
        if acceptances:
            out.append(go.Scatter(
                name=x["acceptance"], mode="markers", meta={"role": "acceptance"},
                x=[f"{t.finish.isoformat()}T12:00" for t in acceptances], y=[self.label[t.id] for t in acceptances],
                ids=[f"acceptance:{t.id}" for t in acceptances], customdata=[t.id for t in acceptances],
                marker=dict(symbol="star", size=15, color="#f1c40f", line=dict(color="#7d6608", width=1.5)),
                hovertext=[f"<b>{x['acceptance']}</b> {t.finish.isoformat()}<br>{_esc(t.name or t.id)} · "
                           f"{_esc(t.id)}<br>{_esc(self.building_name(t.building))}" for t in acceptances],
                hovertemplate="%{hovertext}<extra></extra>", legendrank=710))
        return out

    # ---------------------------------------------------------------------------------------- figure
    def x_window(self) -> tuple[str, str]:
        first = self.first()
        last = self.finish() or first
        pad = timedelta(days=max(3, round(((last - first).days + 1) * 0.04)))
        lo, hi = first - pad, last + timedelta(days=1) + pad
        if self.p.project.deadline and self.p.project.deadline <= last + pad * 3:  # a deadline just after
            hi = max(hi, self.p.project.deadline + timedelta(days=1) + pad)
        if lo - timedelta(days=45) <= self.today < lo:   # show today when it is close to the schedule
            lo = self.today - pad
        if hi <= self.today <= hi + timedelta(days=45):
            hi = self.today + pad
        return _iso(lo), _iso(hi)

    def titles(self) -> tuple[str, str]:
        """The chart's title on a wide screen and on a phone."""
        x = self.tx
        finish = self.finish()
        status = self.s.solver.status if self.s.solver else NONE
        title = (f"<b>{_esc(self.p.project.name)}</b> — {x['title']} · {x['status']} {status} · "
                 f"{x['finish']} {finish.isoformat() if finish else NONE} · {len(self.tasks)} {x['tasks']}")
        if self.base:
            title += f" · {len(self.moved)} {x['moved']}"
        counts = [(x[f"state.{s}"], sum(1 for v, _ in self.state.values() if v == s)) for s in ("done", "started")]
        counts.append((x["state.late"], sum(1 for _, late in self.state.values() if late)))
        if self.as_of is not None or any(n for _, n in counts):
            title += "".join(f" · {word} {n}" for word, n in counts)
        phone_title = (f"<b>{_esc(clip(self.p.project.name, 22))}</b><br>{x['finish']} "
                       f"{finish.isoformat() if finish else NONE} · {len(self.tasks)} {x['tasks']}")
        return title, phone_title

    def figure(self) -> go.Figure:
        x = self.tx
        rows = {g: self.rows(g) for g in GROUPINGS}
        n_max = max(len(r.order) for r in rows.values())
        plot_px = max(n_max, 6) * ROW_PX
        height = plot_px + TOP_PX + BOTTOM_PX + SLIDER_PX
        common, notes = self.common_shapes()
        window = list(self.x_window())

        def layout_for(g: str) -> dict:
            r = rows[g]
            return {"yaxis.categoryarray": r.order, "yaxis.range": [len(r.order) - 0.5, -0.5],
                    "shapes": self.grouping_shapes(r) + common}

        fig = go.Figure(self.traces())
        # An invisible trace on the top date axis, so that the dates are readable at the top of a tall chart.
        anchor_y = rows["zone"].order[0]
        fig.add_trace(go.Scatter(x=window, y=[anchor_y, anchor_y], xaxis="x2", mode="markers", showlegend=False,
                                 marker=dict(opacity=0), hoverinfo="skip", meta={"role": "axis"}))
        title, phone_title = self.titles()
        start = layout_for("zone")
        axis_common = dict(type="date", range=window, showgrid=True, gridcolor="rgba(0,0,0,0.08)",
                           tickformat="%m-%d\n%Y", hoverformat="%Y-%m-%d", ticks="outside")
        fig.update_layout(
            title=dict(text=title, x=0.01, xanchor="left", y=1, yref="container", yanchor="top",
                       pad=dict(t=14), font=dict(size=17)),
            font=dict(family=FONT, size=12),
            height=height, autosize=True, barmode="overlay", bargap=0.25, hovermode="closest",
            hoverlabel=dict(align="left", font=dict(family=FONT, size=12), namelength=-1),
            plot_bgcolor="white", paper_bgcolor="white",
            margin=dict(l=10, r=10, t=TOP_PX, b=BOTTOM_PX),
            legend=dict(traceorder="normal", groupclick="toggleitem",
                        itemsizing="constant", bgcolor="rgba(255,255,255,0.9)", x=1.01, y=1, yanchor="top"),
            xaxis=dict(**axis_common, side="bottom", anchor="y",
                       rangeslider=dict(visible=True, range=window, autorange=False,
                                        thickness=min(0.15, SLIDER_PX / plot_px), bgcolor="#f4f4f4"),
                       rangeselector=dict(
                           x=1, xanchor="right", y=1 + 62 / plot_px, yanchor="bottom",
                           buttons=[dict(count=14, step="day", stepmode="backward", label="2w"),
                                    dict(count=1, step="month", stepmode="backward", label="1m"),
                                    dict(count=3, step="month", stepmode="backward", label="3m"),
                                    dict(step="all", label="all")])),
            xaxis2=dict(**axis_common, side="top", overlaying="x", matches="x", anchor="y"),
            yaxis=dict(type="category", categoryorder="array", categoryarray=start["yaxis.categoryarray"],
                       range=start["yaxis.range"], autorange=False, automargin=True, showgrid=True,
                       gridcolor="rgba(0,0,0,0.05)", tickfont=dict(size=11), ticks=""),
            shapes=start["shapes"], annotations=notes,
            updatemenus=[dict(
                type="buttons", direction="right", active=0, showactive=True, x=0.0, xanchor="left",
                y=1 + 62 / plot_px, yanchor="bottom", pad=dict(l=70, r=4, t=0, b=0), bgcolor="#f7f7f7",
                buttons=[dict(name=g, label=x[f"by.{g}"], method="relayout", args=[layout_for(g)])
                         for g in GROUPINGS])],
        )
        legend_px = 22 * sum(1 for t in fig.data if t.showlegend is not False) + 10  # one entry per line
        short = {k: v for g in GROUPINGS for k, v in rows[g].short.items()}
        fig.update_layout(meta={"phone": _phone(short, (title, phone_title), height, plot_px, legend_px,
                                                axis_common["tickformat"])})
        fig.add_annotation(name="group_by", xref="paper", yref="paper", x=0, y=1 + 62 / plot_px, xanchor="left",
                           yanchor="bottom", yshift=4, showarrow=False, text=f"<b>{x['group_by']}</b>")
        return fig

    def usage(self) -> go.Figure:
        """The crews and trenches chart (usage.py) on this chart's dates, trades named and coloured alike."""
        trades = {t.trade for t in self.tasks if t.trade}
        return usage_figure(self.s, self.p, self.tx, {t: _esc(self.trade_name(t)) for t in trades},
                            {t: trade_colour(t) for t in trades}, self.x_window(), FONT)


def _phone(short: dict[str, str], titles: tuple[str, str], height: int, plot_px: int, legend_px: int,
           ticks: str) -> dict:
    """`layout.meta.phone`: what PHONE_SCRIPT switches `on` below PHONE_PX and back `off` above it."""
    title, phone_title = titles
    return {
        "width": PHONE_PX, "short": short,
        "on": {"title.text": phone_title, "title.font.size": 14, "height": height + legend_px + PHONE_TICKS_PX,
               "margin.b": BOTTOM_PX + legend_px + PHONE_TICKS_PX, "yaxis.tickfont.size": 10,
               "xaxis.tickformat": "%m-%d", "xaxis2.tickformat": "%m-%d", "xaxis.rangeselector.visible": False,
               "legend.x": 0, "legend.y": -(BOTTOM_PX + PHONE_TICKS_PX + 12) / plot_px, "legend.yanchor": "top"},
        "off": {"title.text": title, "title.font.size": 17, "height": height, "margin.b": BOTTOM_PX,
                "yaxis.tickfont.size": 11, "xaxis.tickformat": ticks, "xaxis2.tickformat": ticks,
                "xaxis.rangeselector.visible": True, "legend.x": 1.01, "legend.y": 1, "legend.yanchor": "top"}}


def gantt_figure(schedule: Schedule, project: Project, baseline: Schedule | None = None,
                 today: date | None = None) -> go.Figure:
    """The plotly figure behind `gantt_html` (see the module docstring for how to read it)."""
    return _Gantt(schedule, project, baseline, today).figure()


def gantt_usage(schedule: Schedule, project: Project, baseline: Schedule | None = None,
                today: date | None = None) -> go.Figure:
    """The page's second chart: crews in use per trade and trenches open per day, on the Gantt's dates."""
    return _Gantt(schedule, project, baseline, today).usage()


@cache
def plotly_js() -> bytes:
    """plotly.js (minified, the version plotly.py ships): the release's `plotly.min.js`."""
    return get_plotlyjs().encode("utf-8")


def gantt_html(schedule: Schedule, project: Project, baseline: Schedule | None = None,
               today: date | None = None, plotlyjs: str | None = None) -> str:
    """The Gantt page for the project manager: the Gantt and, under it, the crews and trenches chart; no
    network request. `plotlyjs` None: plotly.js inline (one self-contained page of about 5 MB); a relative path
    (PLOTLY_JS): the page loads it from there (a release writes it once beside the page)."""
    g = _Gantt(schedule, project, baseline, today)
    fig = g.figure()
    page = fig.to_html(full_html=True, include_plotlyjs=True if plotlyjs is None else plotlyjs,
                       include_mathjax=False, config=CONFIG, div_id="digonce-gantt", default_width="100%",
                       default_height=f"{fig.layout.height}px", validate=False,
                       post_script=PHONE_SCRIPT + LINK_SCRIPT)
    usage = g.usage()
    panel = usage.to_html(full_html=False, include_plotlyjs=False, config=CONFIG, div_id="digonce-usage",
                          default_width="100%", default_height=f"{usage.layout.height}px", validate=False)
    head, body_end, tail = page.rpartition("</body>")
    page = head + panel + body_end + tail
    title = f"{_esc(project.project.name)} — {text('gantt.title', project.project.lang)}"
    lang = project.project.lang
    # plotly wraps each chart in a box as high as the window; the Gantt (and its legend on a phone) is taller,
    # so the boxes take their charts' heights and the usage chart comes after the whole Gantt
    meta = (f'<meta charset="utf-8" />\n<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
            f"<title>{title}</title>\n<style>body > div {{height: auto !important;}}</style>")
    page = page.replace('<meta charset="utf-8" />', meta, 1)
    return page.replace("<html>", f'<html lang="{lang}">', 1)


def _hatched(name: str, role: str, spans: list, rows: list[str], ids: list[str], customdata: list[str],
             fill: str, line: str, shape: str, hover: list[str], rank: int) -> go.Bar:
    """A band of hatched bars over calendar days (`from_`..`to` inclusive): trench openings, crane occupations."""
    return go.Bar(
        name=name, orientation="h", meta={"role": role}, y=rows, base=[_iso(o.from_) for o in spans],
        x=[((o.to - o.from_).days + 1) * DAY_MS for o in spans], ids=ids, customdata=customdata, width=0.7,
        marker=dict(color=fill, line=dict(color=line, width=1),
                    pattern=dict(shape=shape, fgcolor=line, size=6, solidity=0.3)),
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", legendrank=rank)

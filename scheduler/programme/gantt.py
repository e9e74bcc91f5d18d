"""The programme Gantt (`OUT/gantt.html`): compounds as groups, and each shared pool's use against its capacity.

Top: one row per compound — a light bar over its whole works (first start to finish) and, on it, a bar per
task that draws on a shared pool, coloured by pool (the trade's colour of the compound Gantt, a machine's
own). Below: one panel per pool, its units in use per day (a step area) under a dashed capacity line, so an
overbooked day would stand out at a glance. A vertical line marks the programme finish. Self-contained:
plotly.js inline, no network request, like the compound Gantt.
"""

from __future__ import annotations

import html
from datetime import date, timedelta

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from models.programme import LoadedProgramme
from models.schedule import Schedule

from scheduler.programme import pools as P
from scheduler.publishing.gantt import CONFIG, DAY_MS, FONT, trade_colour
from scheduler.publishing.words import trade_name
from scheduler.text import section

ROW_PX, POOL_PX, TOP_PX = 26, 150, 120
MACHINE_COLOURS = {"crane": "#6a3d9a", "excavator": "#a6761d"}
WORKS_COLOUR = "rgba(160,160,160,0.35)"


def _esc(v: object) -> str:
    return html.escape(str(v), quote=False)


def pool_label(pool: P.Pool, lang: str) -> str:
    name = trade_name(pool[1], lang) if pool[0] == "trade" else None
    return f"{pool[1]} {name}" if name else pool[1]


def _colour(pool: P.Pool) -> str:
    return trade_colour(pool[1]) if pool[0] == "trade" else MACHINE_COLOURS.get(pool[1], trade_colour(pool[1]))


def _rows(prog: LoadedProgramme, schedules: dict[str, Schedule]) -> dict[str, str]:
    """Compound id → its y label (name and id)."""
    return {c.id: f"{_esc(c.project.project.name)} · {c.id}" for c in prog.compounds if c.id in schedules}


def _works(prog: LoadedProgramme, schedules: dict[str, Schedule], rows: dict[str, str], x: dict) -> go.Bar:
    ids = [c for c in rows]
    first = [min(t.start for t in schedules[c].tasks) for c in ids]
    last = [max(t.finish for t in schedules[c].tasks) for c in ids]
    hover = []
    for c, a, b in zip(ids, first, last):
        obj = schedules[c].solver.objective if schedules[c].solver else {}
        hover.append(f"<b>{rows[c]}</b><br>{x['dates']}: {a} → {b}<br>{x['disruption']}: {obj.get('disruption', '—')}"
                     f" · {x['open_days']}: {obj.get('open_days', '—')}")
    return go.Bar(orientation="h", y=[rows[c] for c in ids], base=[a.isoformat() for a in first],
                  x=[((b - a).days + 1) * DAY_MS for a, b in zip(first, last)], width=0.8,
                  marker=dict(color=WORKS_COLOUR), name=x["works"], hovertext=hover, hoverinfo="text",
                  meta={"role": "works"}, xaxis="x", yaxis="y")


def _pool_bars(pool: P.Pool, schedules: dict[str, Schedule], rows: dict[str, str], lang: str, x: dict) -> go.Bar:
    """The tasks that draw on `pool`, one bar each on their compound's row."""
    ys, bases, lengths, hover = [], [], [], []
    for c, label in rows.items():
        for t in schedules[c].tasks:
            uses = (pool[0] == "trade" and t.trade == pool[1]) or (pool[0] == "equipment" and pool[1] in t.equipment)
            if not uses:
                continue
            ys.append(label)
            bases.append(t.start.isoformat())
            lengths.append(((t.finish - t.start).days + 1) * DAY_MS)
            hover.append(f"<b>{_esc(t.name or t.id)}</b><br>{x['compound']}: {label}<br>{x['id']}: {_esc(t.id)}<br>"
                         f"{x['dates']}: {t.start} → {t.finish} ({len(t.days)} {x['days']})")
    return go.Bar(orientation="h", y=ys, base=bases, x=lengths, width=0.45, name=pool_label(pool, lang),
                  marker=dict(color=_colour(pool)), hovertext=hover, hoverinfo="text",
                  meta={"role": "pool tasks", "pool": list(pool)}, xaxis="x", yaxis="y")


def _use(pool: P.Pool, cap: int, usages: dict[str, P.Usage], first: date, last: date, row: int,
         lang: str, x: dict) -> list[go.Scatter]:
    """Units in use per day (a step area) and the capacity (dashed) for one pool panel."""
    whole = P.total(list(usages.values())).get(pool, {})
    days = [first + timedelta(n) for n in range((last - first).days + 2)]
    used = [whole.get(d, 0) for d in days]
    label = pool_label(pool, lang)
    return [go.Scatter(x=[d.isoformat() for d in days], y=used, mode="lines", line=dict(shape="hv", color=_colour(pool)),
                       fill="tozeroy", name=f"{label} · {x['in_use']}", showlegend=False,
                       hovertemplate=f"{_esc(label)} %{{x}}: %{{y}} / {cap}<extra></extra>",
                       meta={"role": "use", "pool": list(pool)}, xaxis=f"x{row}", yaxis=f"y{row}"),
            go.Scatter(x=[days[0].isoformat(), days[-1].isoformat()], y=[cap, cap], mode="lines",
                       line=dict(dash="dash", color="#d62728", width=1.5), name=f"{label} · {x['capacity']}",
                       showlegend=False, hoverinfo="skip", meta={"role": "capacity", "pool": list(pool)},
                       xaxis=f"x{row}", yaxis=f"y{row}")]


def programme_figure(prog: LoadedProgramme, schedules: dict[str, Schedule], usages: dict[str, P.Usage]) -> go.Figure:
    lang = prog.info.lang
    x = section("programme.gantt", lang)
    pools = sorted(prog.pools)
    rows = _rows(prog, schedules)
    top = ROW_PX * max(3, len(rows))
    heights = [top] + [POOL_PX] * len(pools)
    fig = make_subplots(rows=1 + len(pools), cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        row_heights=heights, subplot_titles=[x["compounds"]] + [
                            x["use_title"].format(pool=pool_label(p, lang)) for p in pools])
    fig.add_trace(_works(prog, schedules, rows, x), row=1, col=1)
    for p in pools:
        fig.add_trace(_pool_bars(p, schedules, rows, lang, x), row=1, col=1)
    first = min((t.start for s in schedules.values() for t in s.tasks), default=prog.info.start)
    finish = max((t.finish for s in schedules.values() for t in s.tasks), default=prog.info.start)
    for i, p in enumerate(pools, 2):
        for tr in _use(p, prog.pools[p], usages, first, finish, i, lang, x):
            fig.add_trace(tr, row=i, col=1)
        fig.update_yaxes(range=[0, prog.pools[p] + 1], dtick=1, row=i, col=1, title_text=x["units"])
    fig.update_yaxes(categoryorder="array", categoryarray=list(rows.values())[::-1], row=1, col=1)
    fig.update_xaxes(type="date", tickformat="%Y-%m-%d")
    fig.add_vline(x=(finish + timedelta(1)).isoformat(), line=dict(color="#d62728", width=2), name="finish")
    fig.add_annotation(x=(finish + timedelta(1)).isoformat(), y=1, yref="paper", showarrow=False, yanchor="bottom",
                       text=f"{x['finish']} {finish}", font=dict(color="#d62728"))
    fig.update_layout(title=dict(text=f"{_esc(prog.info.name)} — {x['title']}"), barmode="overlay",
                      height=TOP_PX + sum(heights) + 60, font=dict(family=FONT, size=12),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0), margin=dict(l=220, r=30),
                      hoverlabel=dict(align="left"), plot_bgcolor="white")
    return fig


def programme_html(prog: LoadedProgramme, schedules: dict[str, Schedule], usages: dict[str, P.Usage]) -> str:
    """The page: the figure with plotly.js inline, no remote resource."""
    fig = programme_figure(prog, schedules, usages)
    page = fig.to_html(full_html=True, include_plotlyjs=True, include_mathjax=False, config=CONFIG,
                       div_id="digonce-programme", default_width="100%", default_height=f"{fig.layout.height}px",
                       validate=False)
    title = f"{_esc(prog.info.name)} — {section('programme.gantt', prog.info.lang)['title']}"
    head = (f'<meta charset="utf-8" />\n<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
            f"<title>{title}</title>")
    page = page.replace('<meta charset="utf-8" />', head, 1)
    return page.replace("<html>", f'<html lang="{prog.info.lang}">', 1)

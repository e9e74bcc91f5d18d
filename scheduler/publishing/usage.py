"""The Gantt page's second chart: what the site uses each day against what it has.

One row per trade: crews in use (a task of the trade occupies one crew on each of its working days, as rule
R2 counts them) against the trade's crews; a last row: trenches open (a zone counts from the first day its
trench is dug to the day it is backfilled, every calendar day, as rule R7 counts them) against
`site.max_open_zones`. Steps per calendar day, on the same dates as the Gantt above it (the page's script
keeps the two in step when the Gantt is zoomed).

`crews_in_use` and `trenches_open` are the figures as plain data (tests work them out by hand);
`usage_figure` draws them. Each trace has `meta={"role": "crews" | "crews_available" | "trenches" |
"max_open", "trade": …}`; x holds ISO dates, one per day, and y the count of that day.
"""

from __future__ import annotations

from datetime import date, timedelta

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from models.project import Project
from models.schedule import Schedule

ROW_PX = 62
MARGIN_PX = 120  # the title (three lines) above, the dates below
AVAILABLE_COLOUR = "#222"
TRENCH_COLOUR = "#a6761d"


def _days(a: date, b: date) -> list[date]:
    return [a + timedelta(n) for n in range((b - a).days + 1)]


def crews_in_use(schedule: Schedule) -> dict[str, dict[date, int]]:
    """trade → day → crews of the trade working that day (only days with at least one)."""
    out: dict[str, dict[date, int]] = {}
    for t in schedule.tasks:
        if not t.trade:
            continue
        per_day = out.setdefault(t.trade, {})
        for d in t.days or _days(t.start, t.finish):
            per_day[d] = per_day.get(d, 0) + 1
    return out


def trenches_open(schedule: Schedule) -> dict[date, int]:
    """day → zones whose trench is open that day (only days with at least one)."""
    out: dict[date, int] = {}
    for o in schedule.openings:
        for d in _days(o.from_, o.to):
            out[d] = out.get(d, 0) + 1
    return out


def _steps(first: date, last: date, per_day: dict[date, int]) -> tuple[list[str], list[int]]:
    """x, y of a step line over every day first..last, with a closing point at the end of the last day."""
    days = _days(first, last)
    return ([d.isoformat() for d in days] + [(last + timedelta(1)).isoformat()],
            [per_day.get(d, 0) for d in days] + [per_day.get(last, 0)])


def _trades(schedule: Schedule, project: Project, used: dict[str, dict[date, int]]) -> list[str]:
    """The trades with work in the schedule, in the project's order (unknown ones after, sorted)."""
    return [t for t in project.trades if t in used] + sorted(t for t in used if t not in project.trades)


def usage_figure(schedule: Schedule, project: Project, words: dict[str, str], names: dict[str, str],
                 colours: dict[str, str], window: tuple[str, str], font: str) -> go.Figure:
    """The chart: one subplot per trade and one for trenches. `words` are the catalogue's gantt section, `names`
    the trades' shown names (escaped for plotly's markup), `colours` their colours, `window` the Gantt's first
    and last date."""
    used = crews_in_use(schedule)
    trades = _trades(schedule, project, used)
    opened = trenches_open(schedule)
    first = min([t.start for t in schedule.tasks] + [o.from_ for o in schedule.openings],
                default=project.project.start)
    last = max([t.finish for t in schedule.tasks] + [o.to for o in schedule.openings], default=first)
    rows = len(trades) + 1
    titles = [names.get(t, t) for t in trades] + [words["usage.trenches"]]
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=min(0.35 / rows, 0.04),
                        subplot_titles=titles)
    for i, trade in enumerate(trades, start=1):
        x, y = _steps(first, last, used[trade])
        fig.add_trace(_step(words["usage.in_use"], x, y, colours.get(trade, "#888"), True,
                            {"role": "crews", "trade": trade}), row=i, col=1)
        if trade in project.trades:
            cap = project.trades[trade].crews
            fig.add_trace(_step(words["usage.available"], [x[0], x[-1]], [cap, cap], AVAILABLE_COLOUR, False,
                                {"role": "crews_available", "trade": trade}), row=i, col=1)
    x, y = _steps(first, last, opened)
    fig.add_trace(_step(words["usage.open"], x, y, TRENCH_COLOUR, True, {"role": "trenches"}), row=rows, col=1)
    cap = project.site.max_open_zones
    if cap:
        fig.add_trace(_step(words["usage.max_open"], [x[0], x[-1]], [cap, cap], AVAILABLE_COLOUR, False,
                            {"role": "max_open"}), row=rows, col=1)
    fig.update_yaxes(rangemode="tozero", dtick=1, tickformat="d", showgrid=True, gridcolor="rgba(0,0,0,0.06)",
                     fixedrange=True)
    fig.update_xaxes(type="date", range=list(window), showgrid=True, gridcolor="rgba(0,0,0,0.06)",
                     tickformat="%m-%d\n%Y", hoverformat="%Y-%m-%d")
    fig.update_annotations(font=dict(size=12), xanchor="left", x=0)
    fig.update_layout(
        title=dict(text=f"<b>{words['usage.title']}</b><br><sup>{words['usage.solid']}</sup>"
                        f"<br><sup>{words['usage.dashed']}</sup>", x=0.01, xanchor="left", y=1, yref="container",
                   yanchor="top", pad=dict(t=12)),
        height=rows * ROW_PX + 2 * MARGIN_PX, autosize=True, showlegend=False, hovermode="x unified",
        font=dict(family=font, size=12), plot_bgcolor="white", paper_bgcolor="white",
        margin=dict(l=10, r=10, t=MARGIN_PX, b=MARGIN_PX // 2), meta={"role": "usage"})
    return fig


def _step(name: str, x: list[str], y: list[int], colour: str, filled: bool, meta: dict) -> go.Scatter:
    """A step line per day: in use (filled), or what is available (dashed)."""
    return go.Scatter(name=name, x=x, y=y, mode="lines", line_shape="hv", meta=meta,
                      line=dict(color=colour, width=1.5 if filled else 1.5, dash="solid" if filled else "dash"),
                      fill="tozeroy" if filled else None, hovertemplate=f"{name}: %{{y}}<extra></extra>")

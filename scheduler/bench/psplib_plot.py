"""Mean gap to the best-known makespan vs time limit, digonce against its peer, from `bench psplib --json` runs.

    python -m scheduler.bench.psplib_plot docs/psplib-gap.html run-1s.json run-3s.json run-10s.json

Each JSON is one run at one time limit (same instances, both solvers). The page loads plotly.js from its
CDN, so the committed file stays a few kilobytes.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import plotly.graph_objects as go

from scheduler.bench.psplib import summary
from scheduler.publishing.files import write_atomic


def figure(runs: list[dict]) -> go.Figure:
    """One line per (solver, set): x the time limit, y the mean gap in percent."""
    points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for run in runs:
        limit = run["machine"]["time_limit"]
        for s in summary(run["rows"]):
            if s["mean_gap"] is not None:
                points[(s["solver"], s["set"])].append((limit, 100 * s["mean_gap"]))
    fig = go.Figure()
    for (solver, family), pts in sorted(points.items()):
        pts.sort()
        fig.add_trace(go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="lines+markers",
                                 name=f"{solver} {family}",
                                 line={"dash": "solid" if solver == "digonce" else "dot"}))
    m = runs[0]["machine"]
    fig.update_layout(title=f"PSPLIB mean gap to best known vs time limit ({m['workers']} workers, "
                            f"ortools {m['ortools']}, {m['cores']} cores)",
                      xaxis={"title": "time limit per instance (s)", "type": "log"},
                      yaxis={"title": "mean gap to best known (%)", "rangemode": "tozero"},
                      width=820, height=480)
    return fig


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        sys.exit("usage: python -m scheduler.bench.psplib_plot OUT.html RUN.json...")
    runs = [json.loads(Path(p).read_text()) for p in argv[1:]]
    write_atomic(argv[0], figure(runs).to_html(include_plotlyjs="cdn", full_html=True))


if __name__ == "__main__":
    main(sys.argv[1:])

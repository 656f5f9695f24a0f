"""Prediction along the gradient path: what the predictor says at each step size (eta)."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import plotly.graph_objects as go

from naoviz.viz.theme import HIGHLIGHT, TEMPLATE, plain, titled

# The explorer page's names and colours (naoviz/resources/explorer/explorer_chart.js, SERIES): a saved chart reads like
# the page it was saved from.
PRED_TRACES = ("predicted at moved point", "predicted for decoded cell", "true value of decoded cell")
PRED_COLORS = ("#1a73e8", "#e8710a", "#188038")


def prediction_chart(etas, predicted, decoded_predicted, true=None, *, current: Optional[int] = None,
                     decoded: Optional[Sequence[str]] = None, metric: str = "accuracy", columns=()) -> go.Figure:
    """Lines vs eta (E,): prediction at the moved embedding, prediction of each decoded arch, and the
    benchmark's true value of each decoded arch when known (NaN = unknown); a vertical marker at ``current``,
    which the x axis title names ("vertical line: η = 4"); ``columns``: the table's, naming ``metric`` as one of it."""
    etas = np.asarray(etas, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    decoded_predicted = np.asarray(decoded_predicted, dtype=float)
    if not (len(etas) == len(predicted) == len(decoded_predicted)):
        raise ValueError(f"prediction_chart: etas {len(etas)}, predicted {len(predicted)} and "
                         f"decoded_predicted {len(decoded_predicted)} must have the same length")
    hover = list(decoded) if decoded is not None else None
    fig = go.Figure(layout=dict(template=TEMPLATE, uirevision="pred", margin=dict(l=50, r=10, t=30, b=40),
                                xaxis_title="step size η", yaxis_title=plain(titled(metric, columns=columns)),
                                legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
                                title=None))
    fig.add_trace(go.Scatter(name=PRED_TRACES[0], x=etas, y=predicted, mode="lines",
                             line=dict(color=PRED_COLORS[0], width=2)))
    fig.add_trace(go.Scatter(name=PRED_TRACES[1], x=etas, y=decoded_predicted, mode="lines+markers",
                             line=dict(color=PRED_COLORS[1], shape="hv", dash="dash"), marker=dict(size=6),
                             hovertext=hover))
    if true is not None:
        true = np.asarray(true, dtype=float)
        fig.add_trace(go.Scatter(name=PRED_TRACES[2], x=etas, y=true, mode="markers",
                                 marker=dict(symbol="x", size=8, color=PRED_COLORS[2]), hovertext=hover))
    x = float(etas[current]) if current is not None and len(etas) else None
    if x is not None:       # the line says what it marks (a saved chart showed a bare orange bar); in the axis
        fig.update_layout(xaxis_title=f"step size η (vertical line: η = {x:g})")   # title, over no data point
    fig.add_shape(type="line", xref="x", yref="paper", x0=x or 0, x1=x or 0, y0=0, y1=1,
                  line=dict(color=HIGHLIGHT, width=3), visible=x is not None, name="current")
    return fig


def current_marker(etas, current: Optional[int]) -> dict:
    """Shape update for the vertical "current eta" line (for in-place widget updates)."""
    if current is None or not len(etas):
        return {"visible": False}
    x = float(np.asarray(etas, dtype=float)[current])
    return {"visible": True, "x0": x, "x1": x}

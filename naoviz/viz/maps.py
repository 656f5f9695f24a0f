"""The embedding map (every architecture as one WebGL point) and the gradient-path overlay on it.

Trace names are fixed ("architectures", "seed", "path", "jump to another island", "decoded cell changes", "current")
so a widget can update one trace in place; :func:`path_trace_data` is the single source of what those traces
hold. A path segment flagged as a jump (``naoviz.projection.path_jumps``: the moved point landed on another
island, it never crossed the sea between) is a gap in the solid ``path`` line and a thin dashed faint segment
of the ``jump to another island`` trace, whose legend entry says what the dashed line means.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import plotly.graph_objects as go

from naoviz.viz.theme import HIGHLIGHT, PATH_COLOR, SEED_COLOR, TEMPLATE, with_unit

JUMPS = "jump to another island"                         # the dashed trace's name, also its legend entry
MAP_TRACES = ("architectures", "seed", "path", JUMPS, "decoded cell changes", "current")
HALO = "0 0 3px white, 0 0 3px white, 0 0 2px white"      # CSS text-shadow: labels readable over dense points
RING_SIZE, RING_WIDTH = 16, 3                             # the "current" ring: diameter and line width, px
LABEL_CLEARANCE = RING_SIZE / 2 + RING_WIDTH / 2 + 4      # px from the ring's centre to an η label beside it
EDGE = 0.1                                                # a label this close (fraction of the span) to an edge flips


def color_range(values) -> tuple[float, float]:
    """The colour ramp's ends: the 5th..99th percentile of the finite ``values`` (n,), the explorer page's rule
    (explorer_draw.js ``range``), so a few failed cells (digits: some near 10 %, most 85..98) do not squeeze
    every working cell into one end of the ramp; values beyond take the end colours."""
    v = np.asarray(values, dtype=float)
    v = np.sort(v[np.isfinite(v)])
    if not len(v):
        return 0.0, 1.0
    lo, hi = float(v[int(len(v) * 0.05)]), float(v[min(len(v) - 1, int(len(v) * 0.99))])
    return (lo, hi) if hi > lo else (lo - 1.0, hi + 1.0)


def embedding_map(xy, values, *, labels: Sequence[str], color_label: str = "accuracy",
                  extra: Optional[dict] = None, selected: Optional[int] = None, title: str = "",
                  method: str = "", colorscale: str = "Viridis") -> go.Figure:
    """Scattergl of ``xy`` (n, 2) coloured by ``values`` (n,); hover shows ``labels`` (arch strings) and
    ``extra`` ({name: (n,) array}) metrics; ``selected`` (row) is drawn as a black-ringed star on top. The
    colour ramp spans :func:`color_range` (5th..99th percentile), as on the explorer page.
    Each point's ``customdata`` is its row, so a click handler gets the architecture back.
    """
    xy = np.asarray(xy, dtype=float)
    values = np.asarray(values, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) != len(values) or len(labels) != len(xy):
        raise ValueError(f"embedding_map: xy {xy.shape}, values {values.shape} and {len(labels)} labels disagree")
    hover = _hover(labels, color_label, values, extra or {})
    cmin, cmax = color_range(values)
    fig = go.Figure(layout=dict(template=TEMPLATE, title=title or None, uirevision="map",
                                margin=dict(l=10, r=10, t=40 if title else 10, b=10),
                                legend=dict(orientation="h", y=-0.02, yanchor="top"),
                                xaxis=dict(showticklabels=False, zeroline=False),
                                yaxis=dict(showticklabels=False, zeroline=False), clickmode="event"))
    if method:
        fig.add_annotation(text=f"{method} map", xref="paper", yref="paper", x=0, y=1, xanchor="left",
                           yanchor="top", showarrow=False, font=dict(size=11, color="#616161"), name="method")
    fig.add_trace(go.Scattergl(
        name="architectures", x=xy[:, 0], y=xy[:, 1], mode="markers", customdata=np.arange(len(xy)),
        hovertext=hover, hoverinfo="text",
        marker=dict(size=4, color=values, colorscale=colorscale, opacity=0.8, cmin=cmin, cmax=cmax,
                    colorbar=dict(title=dict(text=with_unit(color_label), side="right"), thickness=12))))
    sx, sy = ([xy[selected, 0]], [xy[selected, 1]]) if selected is not None else ([], [])
    fig.add_trace(go.Scattergl(name="seed", x=sx, y=sy, mode="markers", hoverinfo="skip",
                               marker=dict(size=18, symbol="star", color=HIGHLIGHT,
                                           line=dict(color=SEED_COLOR, width=2))))
    empty = path_trace_data(np.zeros((0, 2)), [], [], None)
    fig.add_trace(go.Scattergl(name="path", mode="lines+markers", hoverinfo="text",
                               line=dict(color=PATH_COLOR, width=3), marker=dict(size=5, color=PATH_COLOR),
                               **empty["path"]))
    fig.add_trace(go.Scatter(name=JUMPS, mode="lines", hoverinfo="skip", showlegend=True,
                             line=dict(color=PATH_COLOR, width=1.2, dash="dash"), opacity=0.6, **empty[JUMPS]))
    # WebGL, like the dots and the path: an SVG trace is drawn under every WebGL one, and the map's dots, the path's
    # points and the ring had hidden these markers wherever they sat (always, at the ring's η)
    fig.add_trace(go.Scattergl(name="decoded cell changes", mode="markers+text", textposition="top center",
                             hoverinfo="text", textfont=dict(size=12, color=PATH_COLOR, weight="bold"),
                             marker=dict(size=12, symbol="diamond", color="white",
                                         line=dict(color=PATH_COLOR, width=2)),
                             **empty["decoded cell changes"]))
    fig.add_trace(go.Scattergl(name="current", mode="markers", hoverinfo="text",
                               marker=dict(size=RING_SIZE, symbol="circle-open", color=SEED_COLOR,
                                           line=dict(width=RING_WIDTH)), **empty["current"]))
    return fig


def label_gap(map_xy, fraction: float = 0.04) -> float:
    """The distance below which two η labels on a map of ``map_xy`` (n, 2) would overlap: ``fraction``
    of the map's diagonal."""
    xy = np.asarray(map_xy, dtype=float).reshape(-1, 2)
    return float(fraction * np.hypot(*np.ptp(xy, axis=0))) if len(xy) else 0.0


def path_trace_data(path_xy, etas: Sequence[float], decoded: Sequence[str],
                    current: Optional[int], min_label_gap: float = 0.0, jumps=None) -> dict:
    """Data of the overlay traces: ``path`` (all moved embeddings; the line broken before each jump),
    ``jump to another island`` (the jumps, segments i -> i + 1 where ``jumps`` (E - 1,) bool is true; None:
    none), ``decoded cell changes`` (where the decoded cell differs from the previous step, labelled by eta) and
    ``current`` (the slider's position).
    A change closer than ``min_label_gap`` to the last labelled one keeps its marker and hover but no label."""
    path_xy = np.asarray(path_xy, dtype=float).reshape(-1, 2)
    jumps = np.zeros(max(len(path_xy) - 1, 0), bool) if jumps is None else np.asarray(jumps, bool).reshape(-1)
    if len(jumps) != max(len(path_xy) - 1, 0):
        raise ValueError(f"path_trace_data: jumps has {len(jumps)} segments, the path {len(path_xy)} points")
    etas = [float(e) for e in etas]
    hover = [f"η = {e:.2f}<br>{d}" for e, d in zip(etas, decoded)]
    change = [i for i in range(len(decoded)) if i > 0 and decoded[i] != decoded[i - 1]]
    text, last = [], None
    for i in change:
        if last is None or np.hypot(*(path_xy[i] - path_xy[last])) >= min_label_gap:
            text.append(f"η={etas[i]:.2f}")
            last = i
        else:
            text.append("")
    cur = {"x": [], "y": [], "hovertext": []}
    if current is not None and 0 <= current < len(path_xy):
        cur = {"x": [path_xy[current, 0]], "y": [path_xy[current, 1]], "hovertext": [hover[current]]}
    line = {"x": [], "y": [], "hovertext": []}          # the points in order, a None gap where a jump starts
    for i in range(len(path_xy)):
        if i and jumps[i - 1]:
            line["x"].append(None), line["y"].append(None), line["hovertext"].append("")
        line["x"].append(float(path_xy[i, 0])), line["y"].append(float(path_xy[i, 1])), line["hovertext"].append(hover[i])
    dashed = {"x": [], "y": []}
    for i in np.flatnonzero(jumps):
        dashed["x"] += [float(path_xy[i, 0]), float(path_xy[i + 1, 0]), None]
        dashed["y"] += [float(path_xy[i, 1]), float(path_xy[i + 1, 1]), None]
    return {
        "path": line, JUMPS: {**dashed, "visible": bool(jumps.any())},
        "decoded cell changes": {"x": [path_xy[i, 0] for i in change], "y": [path_xy[i, 1] for i in change],
                         "text": text, "hovertext": [hover[i] for i in change]},
        "current": cur,
    }


def path_overlay(fig: go.Figure, path_xy, etas, decoded: Sequence[str], current: Optional[int] = None,
                 jumps=None) -> go.Figure:
    """A copy of an :func:`embedding_map` figure with the gradient path drawn on it (η labels thinned so
    they do not overlap at the map's scale; ``jumps`` (E - 1,) bool segments drawn dashed, not solid)."""
    out = go.Figure(fig)
    points = next(iter(out.select_traces(selector=dict(name="architectures"))), None)
    gap = label_gap(np.c_[points.x, points.y]) if points is not None and points.x is not None else 0.0
    data = path_trace_data(path_xy, etas, decoded, current, gap, jumps)
    ring = data["current"]
    if ring["x"]:                   # an η label at (or within ``gap`` of) the ring would be drawn over it
        changes = data["decoded cell changes"]
        xs = np.r_[points.x if points is not None and points.x is not None else [], np.asarray(path_xy)[:, 0]]
        ys = np.r_[points.y if points is not None and points.y is not None else [], np.asarray(path_xy)[:, 1]]
        for k, (x, y, text) in enumerate(zip(changes["x"], changes["y"], changes["text"])):
            if text and np.hypot(x - ring["x"][0], y - ring["y"][0]) <= gap:
                changes["text"] = [*changes["text"][:k], "", *changes["text"][k + 1:]]
                out.add_annotation(**ring_label(text, x, y, xs, ys))
    for name, trace in data.items():
        out.update_traces(selector=dict(name=name), **trace)
    return out


def ring_label(text: str, x: float, y: float, xs, ys) -> dict:
    """An annotation of ``text`` at (x, y), beside the ring there: above it by the ring's radius plus a margin
    (:data:`LABEL_CLEARANCE` px, whatever the map's scale), below it near the top of the drawn span (``xs``,
    ``ys``: every x and y on the map), and anchored inwards near the left or right edge."""
    def where(v, vs):
        lo, hi = (float(np.nanmin(vs)), float(np.nanmax(vs))) if len(vs) else (v, v)
        return (v - lo) / (hi - lo) if hi > lo else 0.5
    below = where(y, ys) > 1 - EDGE
    fx = where(x, xs)
    return dict(name="eta label", text=text, x=float(x), y=float(y), showarrow=False,
                xanchor="left" if fx < EDGE else "right" if fx > 1 - EDGE else "center",
                yanchor="top" if below else "bottom", yshift=-LABEL_CLEARANCE if below else LABEL_CLEARANCE,
                font=dict(size=12, color=PATH_COLOR, weight="bold", shadow=HALO))


def _hover(labels, color_label, values, extra) -> list[str]:
    cols = [(color_label, values)] + [(k, np.asarray(v, dtype=float)) for k, v in extra.items() if k != color_label]
    parts = []
    for i, lab in enumerate(labels):
        metrics = "<br>".join(f"{k}: {v[i]:.2f}" for k, v in cols if np.isfinite(v[i]))
        parts.append(f"{lab}<br>{metrics}")
    return parts

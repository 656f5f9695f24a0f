"""A small scatter chart widget (anywidget over SVG) for the Search tab's Pareto plot: per group its points
(filled when feasible, hollow when not), its front as a staircase, and an optional dashed vertical line (a
budget), with a legend and a hover readout. ``y_range`` fixes the y axis (the caller's cut of a few far
outliers, :func:`naoviz.viz.axis_cut.low_cut`): points under it are drawn on its lower edge as ▼ and
``y_note``, in the legend, says how many.

Like :class:`~naoviz.ui.line_chart.LineChart` it keeps the kernel and the page free of plotly: its state is
its groups (traitlets) and ``static/scatter_chart.js`` only draws them. The front is computed by the caller
(:func:`naoviz.search.pareto.pareto_front`); the widget holds no algorithm. The export figure of the same
points is :func:`naoviz.viz.pareto_figure` (plotly, made on demand).
"""
from __future__ import annotations

from typing import Optional, Sequence

import anywidget
import traitlets as t

from naoviz.ui.line_chart import _floats, chart_module
from naoviz.ui.query_table import STATIC

_KEYS = {"name", "color", "x", "y", "feasible", "front"}


def points(name: str, x: Sequence, y: Sequence, color: str = "#1f77b4", feasible: Optional[Sequence] = None,
           front: Sequence = ()) -> dict:
    """One group for :class:`ScatterChart`: points ``(x[i], y[i])`` (equal lengths; NaN is not drawn),
    ``feasible[i]`` (default all True; False draws the point hollow) and ``front``: indices into the points,
    in the order the staircase joins them (cost ascending)."""
    g = {"name": str(name), "color": str(color), "x": _floats(x, f"{name}: x"), "y": _floats(y, f"{name}: y"),
         "feasible": [True] * len(x) if feasible is None else [bool(f) for f in feasible],
         "front": [int(i) for i in front]}
    return _checked(g)


def _checked(g: dict) -> dict:
    if not isinstance(g, dict) or set(g) != _KEYS:
        raise t.TraitError(f"groups: expected dicts with {', '.join(sorted(_KEYS))}, got {str(g)[:80]}")
    n = len(g["x"])
    if len(g["y"]) != n or len(g["feasible"]) != n:
        raise t.TraitError(f"group {g['name']!r}: x, y and feasible need equal lengths "
                           f"({n}, {len(g['y'])}, {len(g['feasible'])})")
    if any(not 0 <= i < n for i in g["front"]):
        raise t.TraitError(f"group {g['name']!r}: front indices must be in 0..{n - 1}")
    return g


class ScatterChart(anywidget.AnyWidget):
    """``groups``: a list of :func:`points` dicts drawn in order; ``vline``: an x value drawn as a dashed line
    labelled ``vline_label`` (None: none); the axes fit the points and the line, the y axis ``y_range``
    ``[lo, hi]`` when set (``[]``: fit), with ``y_note`` in the legend."""

    _esm = chart_module("scatter_chart.js")
    _css = STATIC / "scatter_chart.css"
    groups = t.List(t.Dict()).tag(sync=True)
    vline = t.Float(None, allow_none=True).tag(sync=True)
    vline_label = t.Unicode("").tag(sync=True)
    x_title = t.Unicode("").tag(sync=True)
    y_title = t.Unicode("").tag(sync=True)
    label = t.Unicode("").tag(sync=True)            # the image's accessible name
    height = t.Int(320).tag(sync=True)
    y_range = t.List(t.Float()).tag(sync=True)      # [] or [lo, hi]: the y axis; points under lo on its edge
    y_note = t.Unicode("").tag(sync=True)           # what the cut hides, in the legend (only with y_range)

    def __init__(self, **kwargs):
        import ipywidgets as W
        kwargs.setdefault("layout", W.Layout(width="100%"))
        super().__init__(**kwargs)

    @t.validate("groups")
    def _valid_groups(self, proposal):
        return [_checked(g) for g in proposal["value"]]

    @t.validate("vline")
    def _valid_vline(self, proposal):
        v = proposal["value"]
        if v is not None and not abs(v) < float("inf"):
            raise t.TraitError(f"vline: expected a finite number or None, got {v!r}")
        return v

    @t.validate("y_range")
    def _valid_y_range(self, proposal):
        r = proposal["value"]
        if r and not (len(r) == 2 and all(abs(v) < float("inf") for v in r) and r[0] < r[1]):
            raise t.TraitError(f"y_range: expected [] or [lo, hi] with finite lo < hi, got {r!r}")
        return list(r)

    @t.validate("height")
    def _valid_height(self, proposal):
        if not 80 <= proposal["value"] <= 2000:
            raise t.TraitError(f"height: expected 80..2000 px, got {proposal['value']}")
        return proposal["value"]

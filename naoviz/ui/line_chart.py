"""A small line chart widget (anywidget over SVG): lines, optional bands, a legend and a hover readout.

The Search and Child tabs draw their live curves with it instead of a plotly FigureWidget, so a dashboard visit
needs no plotly front end at all (a 4.7 MB labextension every Voila page used to download) and the kernel never
imports plotly. Its state is its series (traitlets); ``static/line_chart.js`` only draws them. Publication
figures of the same curves stay plotly (:func:`naoviz.viz.curves.search_curves`, exported as PNG/SVG/PDF).
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import anywidget
import traitlets as t

from naoviz.explorer_page import INK_JS
from naoviz.ui.query_table import STATIC

_KEYS = {"name", "color", "x", "y", "lo", "hi", "n", "dash", "step"}


def chart_module(name: str) -> str:
    """An SVG chart widget's ES module: the colour maths the explorer shares (``naoviz/resources/ink.js``),
    ``static/chart_common.js`` (SVG nodes, ticks, number format, page colours) and ``static/<name>``,
    concatenated (the explorer's parts are joined the same way)."""
    return "\n".join(p.read_text(encoding="utf-8") for p in (INK_JS, STATIC / "chart_common.js", STATIC / name))


def _floats(values, what: str) -> list:
    """JSON-safe floats: NaN and ±inf become None (a gap in the line), as JSON has no NaN."""
    out = []
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"{what}: expected numbers, got {v!r}") from None
        out.append(f if math.isfinite(f) else None)
    return out


def line(name: str, x: Sequence, y: Sequence, color: str = "#1f77b4", lo: Optional[Sequence] = None,
         hi: Optional[Sequence] = None, n: Optional[Sequence] = None, dash: bool = False, step: bool = False) -> dict:
    """One series for :class:`LineChart`: ``y`` over ``x`` (equal lengths), with a shaded band from ``lo`` to
    ``hi`` when both are given, ``n`` (runs behind each point) shown on hover; ``step``: the line and band held
    flat from each x to the next, then the jump (an incumbent, which changes only at a query), not slanted."""
    s = {"name": str(name), "color": str(color), "x": _floats(x, f"{name}: x"), "y": _floats(y, f"{name}: y"),
         "lo": None, "hi": None, "n": None, "dash": bool(dash), "step": bool(step)}
    if (lo is None) != (hi is None):
        raise ValueError(f"{name}: a band needs both lo and hi")
    if lo is not None:
        s["lo"], s["hi"] = _floats(lo, f"{name}: lo"), _floats(hi, f"{name}: hi")
    if n is not None:
        s["n"] = [int(k) for k in n]
    return _checked(s)


def _checked(s: dict) -> dict:
    if not isinstance(s, dict) or not {"name", "x", "y"} <= set(s) or set(s) - _KEYS:
        optional = ", ".join(sorted(_KEYS - {"name", "x", "y"}))
        raise t.TraitError(f"series: expected dicts with name, x, y (and optionally {optional}), got {str(s)[:80]}")
    size = len(s["x"])
    for key in ("y", "lo", "hi", "n"):
        if s.get(key) is not None and len(s[key]) != size:
            raise t.TraitError(f"series {s['name']!r}: {key} has {len(s[key])} values, x has {size}")
    return s


class LineChart(anywidget.AnyWidget):
    """``series``: a list of :func:`line` dicts, drawn in order (bands under lines); the axes fit the data."""

    _esm = chart_module("line_chart.js")
    _css = STATIC / "line_chart.css"
    series = t.List(t.Dict()).tag(sync=True)
    x_title = t.Unicode("").tag(sync=True)
    x_integer = t.Bool(False).tag(sync=True)      # x counts something (epochs, queries): whole-number ticks only
    y_title = t.Unicode("").tag(sync=True)
    y_unit = t.Unicode("").tag(sync=True)         # written after each y value in the hover readout and description ("%")
    legend_title = t.Unicode("").tag(sync=True)
    # the legend's names a run may still bring (the Search tab: each searcher's mean and dashed line), as
    # ``[text, "title" | "line" | "dash"]`` pairs: laid invisible under the legend, so its rows do not grow or shrink mid-run
    legend_room = t.List(t.List()).tag(sync=True)
    height = t.Int(280).tag(sync=True)

    def __init__(self, **kwargs):
        import ipywidgets as W
        kwargs.setdefault("layout", W.Layout(width="100%"))      # fill the tab (a flex item shrinks to content)
        super().__init__(**kwargs)

    @t.validate("series")
    def _valid_series(self, proposal):
        return [_checked(s) for s in proposal["value"]]

    @t.validate("height")
    def _valid_height(self, proposal):
        if not 80 <= proposal["value"] <= 2000:
            raise t.TraitError(f"height: expected 80..2000 px, got {proposal['value']}")
        return proposal["value"]

"""Static figures of what the explorer shows, drawn from its atlas: the map with a seed's gradient path, the
prediction along η, and the seed and decoded cells.

The explorer widget draws these live in the browser; these are the same pictures as plotly figures for a
paper, slides, ``export()`` or a notebook read without a kernel. They take the widget's state (``seed`` row,
``eta_index``, ``view``, ``color``), so a figure made from ``ExplorerWidget.figures()`` shows what is on screen.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import plotly.graph_objects as go

from naoviz.viz.cells import cell_compare
from naoviz.viz.maps import draw_path, embedding_map
from naoviz.viz.path import prediction_chart
from naoviz.atlas_payload import color_names
from naoviz.viz.theme import plain, readable, titled

VIEW_NAMES = {"umap": "UMAP", "pca": "PCA"}


def color_values(atlas, color: str = "") -> tuple[np.ndarray, str]:
    """(N,) values and label of an explorer colour: "" (the metric), "predicted", "class_size" or a column. The
    label is the page's name in words (``naoviz.atlas_payload.color_names``: "predicted validation accuracy")."""
    color = color or atlas.metric
    if color == "predicted":
        values = atlas.predicted
    elif color == "class_size":
        values = atlas.class_size
    elif color in atlas.columns:
        values = atlas.columns[color]
    else:
        raise ValueError(f"color: {color!r} is not one of predicted, class_size, {', '.join(atlas.columns)}")
    return np.asarray(values, dtype=float), color_names(atlas.columns, atlas.metric)[color]


def color_title(atlas, color: str = "") -> str:
    """The colour bar's title: the colour in words with its unit, "validation accuracy (%)", "predicted
    validation accuracy (%)", "cells in its isomorphism class" (the unit is read off the column's id)."""
    color = color or atlas.metric
    if color == "class_size":
        return color_values(atlas, color)[1]
    named = [*atlas.columns, atlas.metric]          # the names' context: NB201's two CIFAR-10 runs told apart
    return (titled(atlas.metric, prefix="predicted ", columns=named) if color == "predicted" else
            titled(color, columns=named))


def _check(atlas, seed: Optional[int], eta_index: Optional[int], view: str) -> None:
    from naoviz.errors import show
    if not hasattr(atlas, "maps") or not hasattr(atlas, "seed_index"):
        raise TypeError(f"atlas: expected a naoviz.atlas.Atlas (atlas_for(...), Atlas.load(path)), got "
                        f"{type(atlas).__name__} {show(atlas)}")
    for name, v in (("seed", seed), ("eta_index", eta_index)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))):
            raise ValueError(f"{name}: expected an int, got {show(v)}")
    if not isinstance(view, str) or view not in atlas.maps:
        raise ValueError(f"view: {view!r} is not one of {', '.join(atlas.maps)}")
    if seed is not None:
        atlas.seed_index(seed)                     # ValueError naming the row when it has no path
    if eta_index is not None and not 0 <= int(eta_index) < len(atlas.etas):
        raise ValueError(f"eta_index: {eta_index} is outside 0..{len(atlas.etas) - 1}")


def atlas_map(atlas, *, view: str = "umap", color: str = "", seed: Optional[int] = None,
              eta_index: Optional[int] = None, title: str = "") -> go.Figure:
    """The map (one point per isomorphism class of the table, as the explorer draws it) coloured by
    ``color``; with ``seed`` (a row) its star and gradient path, ringed at ``eta_index``."""
    _check(atlas, seed, eta_index, view)
    xy = np.asarray(atlas.maps[view], dtype=float)
    values, label = color_values(atlas, color)
    bar = color_title(atlas, color)
    rows = np.flatnonzero(np.asarray(atlas.class_of)[:atlas.n_table] == np.arange(atlas.n_table))
    selected = None
    if seed is not None:
        rep = int(atlas.class_of[seed])             # the seed's class is drawn at its representative's point
        at = int(np.searchsorted(rows, rep))
        selected = at if at < len(rows) and rows[at] == rep else None
    fig = embedding_map(xy[rows], values[rows], labels=[atlas.labels[r] for r in rows], color_label=label,
                        color_title=bar, selected=selected, title=title, method=VIEW_NAMES.get(view, view))
    if seed is None:
        return fig
    si = atlas.seed_index(seed)
    decoded = [atlas.labels[r] for r in atlas.path_decoded[si]]
    return draw_path(fig, atlas.path_maps[view][si], atlas.etas, decoded, current=eta_index,
                     jumps=atlas.path_jumps(view, seed))


def atlas_prediction(atlas, seed: int, eta_index: Optional[int] = None) -> go.Figure:
    """Prediction along η for ``seed``'s path (at the moved point, for the decoded cell) and the table's
    true value of each decoded cell (NaN where the table lacks it), with a line at ``eta_index``."""
    _check(atlas, seed, eta_index, next(iter(atlas.maps)))
    si = atlas.seed_index(seed)
    decoded_rows = np.asarray(atlas.path_decoded[si])
    true = atlas.columns[atlas.metric][decoded_rows] if atlas.metric in atlas.columns else None
    return prediction_chart(atlas.etas, atlas.path_pred_moved[si], atlas.path_pred_decoded[si], true,
                            current=eta_index, decoded=[atlas.labels[r] for r in decoded_rows], metric=atlas.metric,
                            columns=list(atlas.columns))


def atlas_cells(atlas, seed: int, eta_index: int, space=None) -> go.Figure:
    """The seed and the cell decoded from it at ``eta_index``, side by side (changed edges bold).
    ``space``: the search space (default: ``naoviz.spaces.get_space(atlas.space)``)."""
    _check(atlas, seed, eta_index, next(iter(atlas.maps)))
    if space is None:
        from naoviz.spaces import get_space
        space = get_space(atlas.space)
    decoded = int(atlas.path_decoded[atlas.seed_index(seed), int(eta_index)])
    return cell_compare(space, atlas.labels[seed], atlas.labels[decoded],
                        titles=("seed", f"decoded at η = {float(atlas.etas[int(eta_index)]):g}"))


def add_budget(figs: dict, atlas, *, seed: int, view: str, column: str, budget: Optional[float]) -> dict:
    """The explorer's budget on its figures: on the map an "over budget" trace greys the class
    representatives whose ``column`` exceeds ``budget`` (NaN counts as over); on the prediction chart the
    ``column`` value of each decoded cell along η on a right-hand axis (hollow: over), the budget dashed."""
    path = atlas.path_costs(seed, column)
    over_path = ~(path <= budget) if budget is not None else np.zeros(len(path), bool)
    pred = figs["prediction"]
    symbols = np.where(over_path, "circle-open", "circle").tolist()
    shown = plain(readable(column, atlas.columns))  # the page's words ("parameters"); a table's own column as written
    pred.add_trace(go.Scatter(name=f"{shown} of decoded cell", x=np.asarray(atlas.etas, float), y=path,
                              yaxis="y2", mode="lines+markers", line=dict(color="#5f6368", width=1.5),
                              marker=dict(color="#5f6368", size=7, symbol=symbols)))
    pred.update_layout(yaxis2=dict(title=plain(titled(column, columns=atlas.columns)), overlaying="y", side="right", showgrid=False),
                       margin=dict(r=60))
    if budget is None:
        return figs
    pred.add_shape(type="line", xref="paper", yref="y2", x0=0, x1=1, y0=budget, y1=budget,
                   line=dict(color="#d93025", dash="dash", width=1.5), name="budget")
    xy = np.asarray(atlas.maps[view], dtype=float)
    rows = np.flatnonzero(np.asarray(atlas.class_of)[:atlas.n_table] == np.arange(atlas.n_table))
    over = rows[~atlas.budget_mask(column, budget)[rows]]
    figs["map"].add_trace(go.Scattergl(name=f"over budget ({shown} > {budget:g})", x=xy[over, 0], y=xy[over, 1],
                                      mode="markers", hoverinfo="skip", marker=dict(size=4, color="#e4e4e4")))
    traces = figs["map"].data
    figs["map"].data = [traces[0], traces[-1], *traces[1:-1]]      # over the coloured points, under the path
    return figs


def atlas_figures(atlas, *, seed: int, eta_index: int, view: str = "umap", color: str = "",
                  space=None, budget_column: str = "", budget: Optional[float] = None,
                  constrained: Optional[dict] = None) -> dict[str, go.Figure]:
    """{"map", "prediction", "cells"}: the explorer's three pictures for this state, as plotly figures; with
    ``budget_column`` (and ``budget``) the budget's marks too (:func:`add_budget`); with ``constrained`` (the
    kernel's answer, ``ExplorerWidget.constrained_path()``) the constrained step's path (:func:`add_constrained`)."""
    titles = figure_titles(atlas, seed=seed, eta_index=eta_index, view=view, color=color)
    figs = {"map": atlas_map(atlas, view=view, color=color, seed=seed, eta_index=eta_index, title=titles["map"]),
            "prediction": atlas_prediction(atlas, seed, eta_index),
            "cells": atlas_cells(atlas, seed, eta_index, space=space)}
    figs["prediction"].update_layout(title=titles["prediction"], margin_t=_top(titles["prediction"], 90))  # the legend under it
    figs["cells"].update_layout(title=titles["cells"], margin_t=_top(titles["cells"], 80))   # the panels' titles under it
    if budget_column:
        if budget_column not in atlas.columns:
            raise ValueError(f"budget_column: {budget_column!r} is not one of {', '.join(atlas.columns)}")
        add_budget(figs, atlas, seed=seed, view=view, column=budget_column, budget=budget)
    if constrained is not None:
        add_constrained(figs, atlas, constrained, seed=seed, eta_index=eta_index, view=view, space=space)
    return figs


def _top(title: str, one_line: int) -> int:
    """The top margin (px) for ``title`` over a legend or panel titles at the plot's top edge, ``one_line`` for one
    line: plotly draws a title's first line mid-margin and each further one 1.3 lines (22 px) lower, so each costs
    twice that (a fixed 90 px put a wrapped prediction title's second line over the legend: "path" on its key)."""
    return one_line + 45 * title.count("<br>")


def figure_titles(atlas, *, seed: int, eta_index: int, view: str = "umap", color: str = "") -> dict:
    """{"map", "prediction", "cells"}: titles saying what each exported figure shows (a saved figure had none,
    "UMAP map" at most): the table, the seed row and cell, η, what the colour is."""
    meta = atlas.meta if isinstance(atlas.meta, dict) else {}
    table = plain(meta.get("table") or atlas.space)
    _, label = color_values(atlas, color)
    eta = float(atlas.etas[int(eta_index)])
    n = int(np.sum(np.asarray(atlas.class_of)[:atlas.n_table] == np.arange(atlas.n_table)))
    seed_text = f"seed row {seed}"
    from naoviz.viz.print_sizes import wrap
    fit = 790                               # px of a 900 px export a 17 px title line may take
    return {"map": wrap(f"{table}: NAO's encoder space on a {VIEW_NAMES.get(view, view)} map, {n:,} cells coloured "
                        f"by {plain(label)}", fit, 17)
                   + f"<br><sup>one point per isomorphism class · {seed_text} (star) and its gradient path; ring at "
                     f"η = {eta:g}</sup>",
            "prediction": wrap(f"{table}: NAO's predicted {plain(readable(atlas.metric, atlas.columns))} along {seed_text}'s gradient path",
                               fit, 17),
            "cells": wrap(f"{table}: {seed_text}'s cell and the cell decoded from it at η = {eta:g}", fit, 17)}


def add_constrained(figs: dict, atlas, answer: dict, *, seed: int, eta_index: int, view: str, space=None) -> dict:
    """The constrained step's path (the kernel's answer: ``rows`` (E,) atlas rows of its decoded cells, -1 when
    not in the atlas; ``pred_decoded``, ``true``, ``cost_true``, ``constrained`` {column, bound}) on the explorer's
    figures, as the page shows it: on the map a dashed line through its decoded cells' points (the atlas's
    unconstrained path stays, named so), on the prediction chart its predicted and true value and its cost
    (right-hand axis, hollow over the budget), and the cells figure shows its decoded cell at ``eta_index``."""
    con = answer["constrained"]
    label = f"constrained step, budget {plain(readable(con['column'], atlas.columns))} <= {con['bound']:g}"   # a user's column: as written
    etas = np.asarray(atlas.etas, float)
    rows = np.asarray(answer["rows"], dtype=int)
    xy = np.asarray(atlas.maps[view], dtype=float)
    at = rows >= 0
    names = [answer["decoded"][e] for e in np.flatnonzero(at)]
    figs["map"].add_trace(go.Scatter(name=label, x=xy[rows[at], 0], y=xy[rows[at], 1], mode="lines+markers",
                                     line=dict(color="#202124", width=2, dash="dash"), text=names,
                                     hovertemplate="%{text}<extra>constrained step</extra>",
                                     marker=dict(size=7, color="#e8710a", symbol="diamond")))
    figs["map"].update_layout(title=label)
    pred = figs["prediction"]
    pred.add_trace(go.Scatter(name="constrained: predicted for decoded cell", x=etas, y=_nan(len(etas), answer["pred_decoded"]),
                              mode="lines+markers", line=dict(color="#a142f4", dash="dash")))
    if answer.get("true") is not None:
        pred.add_trace(go.Scatter(name="constrained: true value of decoded cell", x=etas, y=_nan(len(etas), answer["true"]),
                                  mode="markers", marker=dict(color="#a142f4", size=8, symbol="x")))
    if answer.get("cost_true") is not None:
        cost = _nan(len(etas), answer["cost_true"])
        pred.add_trace(go.Scatter(name=f"constrained: {plain(readable(con['column'], atlas.columns))} of decoded cell", x=etas, y=cost, yaxis="y2",
                                  mode="lines+markers", line=dict(color="#a142f4", width=1.5),
                                  marker=dict(size=7, symbol=np.where(cost <= con["bound"], "circle",
                                                                      "circle-open").tolist())))
        pred.update_layout(yaxis2=dict(title=plain(titled(con["column"], columns=atlas.columns)), overlaying="y", side="right", showgrid=False),
                           margin=dict(r=60))
    pred.update_layout(title=label)
    if space is None:
        from naoviz.spaces import get_space
        space = get_space(atlas.space)
    figs["cells"] = cell_compare(space, atlas.labels[seed], answer["decoded"][int(eta_index)],
                                 titles=("seed", f"{label}: decoded at η = {float(etas[int(eta_index)]):g}"))
    return figs


def _nan(n: int, values) -> np.ndarray:
    """(n,) floats of a JSON list (None: NaN; a missing list: all NaN)."""
    return np.asarray([np.nan if x is None else x for x in (values or [None] * n)], dtype=float)

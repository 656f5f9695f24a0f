"""Accuracy against cost: every searcher's queries and its non-dominated (Pareto) front, as one plotly figure.

For a notebook, ``export()`` or ``naoviz compare --out`` under constraints or objectives. The front of each
searcher is computed by the backend (``naoviz.search.pareto.pareto_front``) over its FEASIBLE queries, in the
directions of the two columns (accuracy up, cost down); infeasible queries are drawn hollow. A few queries far
worse than the rest are drawn on the y axis's lower edge and counted in the title (``naoviz.viz.axis_cut``).
"""
from __future__ import annotations

from typing import Mapping, Optional, Sequence

import numpy as np
import plotly.graph_objects as go

from naoviz.search.pareto import pareto_front
from naoviz.viz.axis_cut import low_cut
from naoviz.viz.theme import (TEMPLATE, algo_colors, algo_labels, algo_symbols, plain, readable, summary_columns,
                              titled, value_unit)


def pareto_points(points, feasible=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(points (n, 2) [metric, cost], feasible (n,) bool, front indices sorted by cost) of one searcher; the
    front is over the feasible rows with both values finite (accuracy maximised, cost minimised)."""
    p = np.asarray(points, dtype=float).reshape(-1, 2)
    ok = np.ones(len(p), bool) if feasible is None else np.asarray(feasible, dtype=bool).reshape(-1)
    if len(ok) != len(p):
        raise ValueError(f"pareto_figure: {len(p)} points but {len(ok)} feasible flags")
    idx = np.flatnonzero(ok)
    front = idx[pareto_front(p[idx], [True, False])] if len(idx) else idx
    return p, ok, front[np.argsort(p[front, 1], kind="stable")]


def pareto_figure(points: Mapping[str, object], *, metric: str, cost: str,
                  feasible: Optional[Mapping[str, object]] = None, budget: Optional[float] = None,
                  title: str = "", columns=()) -> go.Figure:
    """``points[name]``: ``(n, 2)`` ``[metric, cost]`` of a searcher's queries (pooled over its runs);
    ``feasible[name]``: ``(n,)`` bool (default all). Per searcher two traces, ``"<name> queries"`` (faint;
    hollow when infeasible) and ``"<name> front"`` (its non-dominated feasible queries as a staircase, cost
    ascending); ``budget``: a dashed vertical line at that cost; ``columns``: the table's (NB201's two CIFAR-10
    runs named apart). A searcher's id is shown by its readable name
    (:func:`~naoviz.viz.theme.algo_labels`: "re" -> "regularised evolution"). When a few queries are far worse
    than the rest (:func:`~naoviz.viz.axis_cut.low_cut`) the y axis starts above them and they are drawn on its
    lower edge as ▼ (trace ``"<name> under the axis"``, hover: the true value), the title's second line
    counting them."""
    if not points:
        raise ValueError("pareto_figure: no searchers given")
    names = algo_labels(list(points))                # "re" -> "regularised evolution", as the Search tab names it
    points = {names[k]: v for k, v in points.items()}
    feasible = None if feasible is None else {names.get(k, k): v for k, v in feasible.items()}
    colors, shapes = algo_colors(list(points)), algo_symbols(list(points))
    shown_cost, shown_metric = plain(cost), plain(metric)      # table columns: as written, never plotly markup
    fig = go.Figure()
    any_over = False                          # an infeasible query is drawn: the figure says what hollow means
    cut = low_cut(np.concatenate([np.asarray(p, dtype=float).reshape(-1, 2)[:, 0] for p in points.values()]))
    for name, pts in points.items():
        p, ok, front = pareto_points(pts, None if feasible is None else feasible.get(name))
        any_over = any_over or not bool(np.all(ok))
        color = colors[name]
        symbols = np.where(ok, shapes[name], f"{shapes[name]}-open").tolist()
        fig.add_trace(go.Scatter(name=f"{name} queries", x=p[:, 1], y=p[:, 0], mode="markers", legendgroup=name,
                                 marker=dict(color=color, size=5, opacity=0.35, symbol=symbols),
                                 hovertemplate=f"{shown_cost} %{{x:.4g}} · {shown_metric} %{{y:.3f}}<extra>{name}</extra>"))
        fig.add_trace(go.Scatter(name=f"{name} front", x=p[front, 1], y=p[front, 0], mode="lines+markers",
                                 legendgroup=name, line=dict(color=color, width=2, shape="hv"),
                                 marker=dict(color=color, size=8, symbol=shapes[name], line=dict(color="#202124", width=1)),
                                 hovertemplate=f"front: {shown_cost} %{{x:.4g}} · {shown_metric} %{{y:.3f}}<extra>{name}</extra>"))
        low = np.flatnonzero(p[:, 0] < cut.lo) if cut else []
        if len(low):
            fig.add_trace(go.Scatter(name=f"{name} under the axis", x=p[low, 1], y=np.full(len(low), cut.lo),
                                     customdata=p[low, 0], mode="markers", legendgroup=name, showlegend=False,
                                     cliponaxis=False, marker=dict(color=color, size=8, symbol=np.where(
                                         ok[low], "triangle-down", "triangle-down-open").tolist()),
                                     hovertemplate=f"{shown_cost} %{{x:.4g}} · {shown_metric} %{{customdata:.3f}} "
                                                   f"(under the axis)<extra>{name}</extra>"))
    if budget is not None:
        fig.add_vline(x=float(budget), line=dict(color="#d93025", dash="dash", width=1.5))
        # its label sits above the plot area, not in it, where it had covered the front's best points (the
        # feasible ones nearest the budget are the most accurate); it runs away from the nearer edge
        costs = np.concatenate([np.asarray(p, dtype=float).reshape(-1, 2)[:, 1] for p in points.values()]
                               + [[float(budget)]])
        lo, hi = float(np.nanmin(costs)), float(np.nanmax(costs))
        right = hi > lo and (float(budget) - lo) / (hi - lo) > 0.5
        fig.add_annotation(x=float(budget), xref="x", y=1, yref="paper", yanchor="bottom", showarrow=False,
                           xanchor="right" if right else "left", font=dict(color="#d93025"), name="budget",
                           text=f"budget {budget:g}{_unit_text(cost)}" + (" (hollow: over it)" if any_over else ""))
    from naoviz.viz.print_sizes import wrap
    # the title in lines of 560 px at most: on NB201 "CIFAR-10 test accuracy, trained on 50k against latency on GTX
    # 1080 Ti, batch 1: queries of 2 seeds pooled, ..." ran past a 1024 px page and the PNG; at 800 px a line still
    # ran past the figure in JupyterLab at 1024 px with its file browser open (592 px: "...queries and Pareto front")
    title = wrap(title or (f"{plain(readable(metric, columns))} against {plain(readable(cost, columns))}: queries and "
                           "Pareto fronts"), 560, 17)
    # a line more for each <br>: the title's first line sits mid-margin and each further one 22 px lower, so each
    # costs twice that (40 put a 3-line title's last line 2 px into the budget's label)
    top = (75 if cut else 50) + 45 * title.count("<br>")
    if cut:
        fig.update_yaxes(range=[cut.lo, cut.hi])
        title += f"<br><sup>{plain(cut.note(value_unit(metric)))}</sup>"
    fig.update_layout(template=TEMPLATE, title=title,
                      xaxis_title=plain(titled(cost, "lower is better", columns=columns)),
                      yaxis_title=plain(titled(metric, columns=columns)),
                      legend=dict(orientation="h", y=-0.18), margin=dict(l=60, r=10, t=top, b=80))
    return fig


def _unit_text(column: str) -> str:
    """The unit after a budget's value ("budget 6 ms"; a printed figure said "budget 6"), as
    :func:`~naoviz.viz.theme.constraint_text` writes it: "%" close up, the others after a space."""
    short = value_unit(column)
    return short if short in ("", "%") else f" {short}"


def results_points(results: Mapping[str, object], cost: str, metric: str = "report") -> tuple[dict, dict]:
    """``({name: (n, 2) [metric, cost]}, {name: (n,) feasible})`` from search results: ``results[name]`` is a
    ``SearchResult`` or a list of them (pooled). ``metric``: "report" (the reported column), "value" (the
    search metric) or a recorded column; ``cost`` must be recorded (a constrained or objective column)."""
    pts, feas = {}, {}
    for name, res in results.items():
        rows, ok = [], []
        for r in (res if isinstance(res, (list, tuple)) else [res]):
            for rec in r.history:
                if cost not in rec.metrics:
                    raise ValueError(f"cost: {cost!r} was not recorded by {name}'s search (recorded: "
                                     f"{', '.join(rec.metrics) or 'none'}); search with it as a constraint or objective")
                y = getattr(rec, metric) if metric in ("report", "value") else rec.metrics.get(metric, np.nan)
                rows.append([float(y), float(rec.metrics[cost])])
                ok.append(bool(rec.feasible))
        pts[name], feas[name] = np.asarray(rows, dtype=float).reshape(-1, 2), np.asarray(ok, dtype=bool)
    return pts, feas


def summary_pareto_figures(summary: dict) -> dict:
    """``{cost column: figure}`` of a ``naoviz compare`` summary run under constraints or objectives (each run's
    queries under ``run["hw"]["queries"]``), pooled over seeds; {} when the summary has none."""
    first = next(iter(summary.get("algos", {}).values()), {})
    cols = first.get("hv_columns") or []
    if len(cols) < 2 or not all("queries" in r.get("hw", {}) for a in summary["algos"].values() for r in a["runs"]):
        return {}
    budgets = _upper_bounds(summary.get("constraints", []))
    named = summary_columns(summary)
    out = {}
    for j, cost in enumerate(cols[1:], start=1):
        pts, feas = {}, {}
        for name, a in summary["algos"].items():
            vals = [np.asarray(r["hw"]["queries"]["values"], dtype=float).reshape(-1, len(cols)) for r in a["runs"]]
            pts[name] = np.vstack(vals)[:, [0, j]]
            feas[name] = np.concatenate([np.asarray(r["hw"]["queries"]["feasible"], dtype=bool) for r in a["runs"]])
        n = len(summary.get("seeds", []))
        out[cost] = pareto_figure(pts, metric=cols[0], cost=cost, feasible=feas, budget=budgets.get(cost), columns=named,
                                  title=f"{plain(readable(cols[0], named))} against {plain(readable(cost, named))}: queries of "
                                        f"{n} seed{'s' if n != 1 else ''} pooled, each searcher's front")
    return out


def _upper_bounds(constraints: Sequence[str]) -> dict:
    """{column: tightest upper bound} of constraint texts like ``latency_pixel3<=12``."""
    from naoviz.search.constraints import parse_constraint
    out: dict = {}
    for text in constraints:
        c = parse_constraint(text)
        if c.upper:
            out[c.column] = min(out.get(c.column, c.bound), c.bound)
    return out

"""Training curves of the NAO model, search curves (incumbent vs queries) and the decoder's attention."""
from __future__ import annotations

import html
from typing import Mapping, Optional, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from naoviz.errors import show
from naoviz.viz.bands import past_name, searcher_bands
from naoviz.viz.theme import (BAND_LABELS, CHILD_COLORS, CHILD_LABELS, TEMPLATE, algo_labels, algo_symbols,
                               constraint_text, plain, readable, summary_columns, titled)

LOSS_KEYS = ("loss", "mse", "nll")
LOSS_LABELS = {"loss": "total loss", "mse": "predictor MSE", "nll": "decoder NLL"}


def _history(history) -> list:
    """``history`` as a list of per-epoch dicts, else ``TypeError`` naming it."""
    if isinstance(history, (str, bytes, Mapping)) or not hasattr(history, "__iter__"):
        raise TypeError(f"history: expected a list of per-epoch dicts, got {show(history)}")
    history = list(history)
    if not all(isinstance(h, Mapping) for h in history):
        raise TypeError(f"history: expected a list of per-epoch dicts, got {show(history)}")
    return history


def _check_curves(curves, columns) -> None:
    """``TypeError``/``ValueError`` naming ``curves`` (or ``curves[name]``, ``columns``) when it is not what
    :func:`search_curves` draws: a dict of numbers per searcher, 1-D runs at most two deep."""
    if not isinstance(curves, Mapping):
        raise TypeError(f"curves: expected a dict {{searcher: (runs, queries) or (queries,) numbers}}, got "
                        f"{show(curves)}")
    if isinstance(columns, (str, bytes)) or not hasattr(columns, "__iter__"):
        raise TypeError(f"columns: expected the table's column names, got {show(columns)}")
    for name, arr in curves.items():
        try:
            if isinstance(arr, (str, bytes, Mapping)) or not hasattr(arr, "__len__"):
                raise ValueError
            flat = isinstance(arr, np.ndarray) or all(np.ndim(c) == 0 for c in arr)
            runs = [np.asarray(arr, dtype=float)] if flat else [np.asarray(c, dtype=float) for c in arr]
            if any(r.ndim > (2 if flat else 1) for r in runs):
                raise ValueError
        except (TypeError, ValueError):
            raise ValueError(f"curves[{name!r}]: expected (runs, queries) or (queries,) numbers, got "
                             f"{show(arr)}") from None


def training_curves(history: Sequence[Mapping], keys: Sequence[str] = LOSS_KEYS, title: str = "") -> go.Figure:
    """NAO losses per epoch from a list of ``logs`` dicts (the fit callback's second argument);
    the total loss on the left, its parts (mse of the predictor, nll of the decoder) on the right (log y)."""
    history = _history(history)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("total loss", "parts"), horizontal_spacing=0.12)
    epochs = [int(h.get("epoch", i + 1)) for i, h in enumerate(history)]
    for k in keys:
        ys = [h.get(k) for h in history]
        if not any(y is not None for y in ys):
            continue
        fig.add_trace(go.Scatter(name=LOSS_LABELS.get(k, k), x=epochs, y=ys, mode="lines+markers", marker=dict(size=4)),
                      row=1, col=1 if k == "loss" else 2)
    parts = [y for k in keys if k != "loss" for h in history if (y := h.get(k)) is not None and y > 0]
    # plotly labels a log axis's minor ticks with bare digits (0.3 as "3"): label a 1-2-5 series instead
    ticks = log_ticks(min(parts), max(parts)) if parts else []
    fig.update_yaxes(type="log", row=1, col=2, title_text="part (log scale)",
                     **({"tickvals": ticks, "ticktext": [f"{t:g}" for t in ticks]} if ticks else {}))
    fig.update_yaxes(title_text="trade_off·mse + (1 − trade_off)·nll", row=1, col=1)
    fig.update_xaxes(title_text="epoch")
    fig.update_layout(template=TEMPLATE, title=title or None, margin=dict(l=50, r=10, t=40, b=40),
                      uirevision="train", legend=dict(orientation="h", y=1.12, x=0.55))
    return fig


def log_ticks(lo: float, hi: float) -> list:
    """The 1-2-5 values (…, 0.1, 0.2, 0.5, 1, 2, …) from the one at or below ``lo`` to the one at or above ``hi``
    (both > 0): tick labels for a log axis that read as numbers."""
    values = [m * 10.0 ** e for e in range(int(np.floor(np.log10(lo))) - 1, int(np.ceil(np.log10(hi))) + 1)
              for m in (1, 2, 5)]
    below = [v for v in values if v <= lo * (1 + 1e-9)]
    above = [v for v in values if v >= hi * (1 - 1e-9)]
    first, last = (below[-1] if below else values[0]), (above[0] if above else values[-1])
    return [float(f"{v:.6g}") for v in values if first <= v <= last]


def child_curve(history: Sequence[Mapping]) -> go.Figure:
    """Train and valid accuracy per epoch of a child network (the Child tab's curve as a figure)."""
    history = _history(history)
    fig = go.Figure(layout=dict(template=TEMPLATE, xaxis_title="epoch", yaxis_title="accuracy (%)",
                                margin=dict(l=50, r=10, t=20, b=40), height=280, uirevision="child"))
    x = list(range(1, len(history) + 1))
    for key, color in CHILD_COLORS.items():           # the Child tab's names and colours
        fig.add_trace(go.Scatter(name=CHILD_LABELS[key], x=x, y=[h.get(key) for h in history], mode="lines+markers",
                                 line=dict(color=color)))
    return fig


def search_curves(curves: Mapping[str, object], metric: str = "test accuracy", *, band: str = "sd",
                  lower_is_better: bool = False, title: str = "", columns=()) -> go.Figure:
    """Incumbent vs number of queries for each algorithm: ``curves[name]`` is (runs, queries), (queries,) or
    a list of per-run curves (lengths may differ: a stopped or running search). The line is the mean over all
    runs, up to the query every run reached (past it, a dashed line is the mean of the longer runs, its n on
    hover), the band (with ≥ 2 runs) the 25th-75th percentile of the runs (``"iqr"``),
    mean ± one sample sd within the runs' range (``"sd"``, the sd of ``naoviz compare``) or lowest to highest
    run (``"minmax"``), all from :func:`naoviz.experiments.search.incumbent_band`, so never outside the runs'
    values; the legend's title names the band. NaN (no feasible incumbent yet): the line starts at the first
    query where every run has one, and a second panel below shows, per searcher, the share of runs that have
    one (drawn only when some run lacked one). A run's incumbent changes only at a query, so every line is a
    step (plotly's "hv": held flat until the next query, then up): the mean, the band's edges (percentiles or
    mean ± sd of runs that are each flat between two queries are flat there too) and the longer runs' line; the
    markers and hover sit at the queries. Each name gets its own colour
    (:func:`~naoviz.viz.theme.algo_colors`: a searcher's colour whatever its label) and marker shape, and a
    searcher's id its readable name (:func:`~naoviz.viz.theme.algo_labels`: "rs" -> "random search").
    ``columns``: the table's, naming ``metric`` as one of it (:func:`~naoviz.viz.theme.readable`)."""
    _check_curves(curves, columns)
    names = algo_labels(list(curves))                # "re" -> "regularised evolution", as the Search tab names it
    bands, legend = searcher_bands({names[k]: v for k, v in dict(curves).items()}, band)
    late = any((b["feasible"] < b["n"]).any() for b in bands)      # some run had no feasible incumbent yet
    top = 40 + 24 * title.count("<br>") if title else 20        # a line more for each <br>
    if late:
        fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25], vertical_spacing=0.1,
                            subplot_titles=("", "runs with a feasible incumbent (%): the line above starts where "
                                                "every run has one"))
        fig.update_annotations(font_size=13)
        fig.update_yaxes(title_text="runs (%)", range=[0, 105], row=2, col=1)
        fig.update_xaxes(title_text="queries", row=2, col=1)
        fig.update_yaxes(title_text=plain(titled(metric, prefix="incumbent ", columns=columns)), row=1, col=1)
        fig.update_layout(template=TEMPLATE, title=title or None, uirevision="search",
                          margin=dict(l=60, r=10, t=top, b=40))
    else:
        fig = go.Figure(layout=dict(template=TEMPLATE, title=title or None, xaxis_title="queries",
                                    yaxis_title=plain(titled(metric, prefix="incumbent ", columns=columns)), uirevision="search",
                                    margin=dict(l=60, r=10, t=top, b=40)))
    at = dict(row=1, col=1) if late else {}
    symbols = algo_symbols([b["name"] for b in bands])
    for j, b in enumerate(bands):
        x, color, name = b["x"], b["color"], b["name"]
        if b["runs"] >= 2:
            # the band's outline over its finite points only: NaN before every run has a feasible incumbent and
            # past the shortest run's end broke plotly's toself fill into pieces each closed on itself (wedges)
            finite = np.isfinite(b["lo"]) & np.isfinite(b["hi"])
            (ux, hi), (_, lo) = steps(x[finite], b["hi"][finite]), steps(x[finite], b["lo"][finite])
            fig.add_trace(go.Scatter(name=f"{name} {BAND_LABELS[band]}", x=np.r_[ux, ux[::-1]],
                                     y=np.r_[hi, lo[::-1]], fill="toself", fillcolor=color,
                                     opacity=0.2, line=dict(width=0), hoverinfo="skip", showlegend=False,
                                     legendgroup=name), **at)
        fig.add_trace(go.Scatter(name=b["label"], x=x, y=b["mean"], mode="lines+markers",
                                 line=dict(color=color, width=2, shape="hv"),
                                 marker=dict(symbol=symbols[name], color=color, size=marker_sizes(b["mean"], j, len(bands)),
                                             line=dict(color="white", width=1)),
                                 legendgroup=name, customdata=b["n"],
                                 hovertemplate="query %{x}: %{y:.3f} (mean of %{customdata} runs)<extra></extra>"
                                 if b["runs"] > 1 else None), **at)
        if b["past"] is not None:          # runs of different lengths: the longer ones after the shortest's end
            fig.add_trace(go.Scatter(name=past_name(name), x=x, y=b["past"],
                                     mode="lines", line=dict(color=color, width=1.5, dash="dash", shape="hv"), legendgroup=name,
                                     customdata=b["n"], hovertemplate="query %{x}: %{y:.3f} (mean of the "
                                     "%{customdata} runs this long)<extra></extra>"), **at)
        if late:
            share = 100.0 * b["feasible"] / np.maximum(b["n"], 1)
            fig.add_trace(go.Scatter(name=f"{name}: runs with a feasible incumbent", x=x, y=share, mode="lines",
                                     line=dict(color=color, width=1.5, dash="dot", shape="hv"), legendgroup=name,
                                     showlegend=False, customdata=np.c_[b["feasible"], b["n"]],
                                     hovertemplate=f"{html.escape(name)}, query %{{x}}: %{{customdata[0]}} of "
                                                   "%{customdata[1]} runs have a feasible incumbent<extra></extra>"),
                          row=2, col=1)
    if legend:
        fig.update_layout(legend_title_text=legend)
    fig.update_layout(legend_itemsizing="constant")      # the legend shows each searcher's marker, not size 0
    return fig


def steps(x, y) -> tuple:
    """The points of the step function through (``x``, ``y``) drawn as plotly's line shape "hv" draws a line
    (each value held until the next x, then the jump): (x0, y0), (x1, y0), (x1, y1), (x2, y1), ... A band's
    outline is drawn from these (one polygon, out along its top and back along its bottom), since "hv" on a
    closed ``toself`` path would hold each value the wrong way on the way back."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 2:
        return x, y
    return np.r_[x[0], np.repeat(x[1:], 2)], np.r_[np.repeat(y[:-1], 2), y[-1]]


MARKS = 6           # marked points per searcher's line: its shape tells it from the others without colour


def marker_sizes(mean, j: int, searchers: int, size: float = 8.0) -> list:
    """(Q,) marker sizes of searcher ``j``'s mean line: ``size`` at about :data:`MARKS` of its finite points,
    staggered between the ``searchers`` lines so their marks do not sit on each other, 0 elsewhere."""
    y = np.asarray(mean, dtype=float)
    finite = np.flatnonzero(np.isfinite(y))
    out = np.zeros(len(y))
    if len(finite):
        step = max(1, len(finite) // MARKS)
        start = (j * step) // max(1, searchers)
        out[finite[start::step]] = size
    return out.tolist()


def attention_heatmap(attention, *, out_labels: Optional[Sequence[str]] = None,
                      in_labels: Optional[Sequence[str]] = None, title: str = "decoder attention") -> go.Figure:
    """Heatmap of one decode's attention ``(seq_len, encoder_steps)``: row t = output token t."""
    a = np.asarray(attention, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"attention_heatmap: expected (seq_len, encoder_steps), got shape {a.shape}")
    fig = go.Figure(go.Heatmap(z=a, x=list(in_labels) if in_labels is not None else None,
                               y=list(out_labels) if out_labels is not None else None,
                               colorscale="Blues", zmin=0, colorbar=dict(title="weight", thickness=12)))
    fig.update_layout(template=TEMPLATE, title=title or None, xaxis_title="encoder step",
                      yaxis_title="decoded token", yaxis_autorange="reversed",
                      margin=dict(l=60, r=10, t=40, b=40))
    return fig


def chosen_by(metric: Optional[str], report: str, columns=()) -> str:
    """A title's second line saying which column chose the incumbent, when another one is reported: the curves
    of test_acc under a valid_acc search can fall (a better valid_acc cell with a lower test_acc), which a title
    of "incumbent test_acc" alone reads as a bug or as the best test_acc. "" when they are the same."""
    return f"<br><sup>incumbent: the best {plain(readable(metric, columns))} so far</sup>" if metric and metric != report else ""


def compare_figure(summary: dict) -> go.Figure:
    """The incumbent-vs-queries figure of a ``naoviz compare`` summary (``summary.json``): mean line and the
    25-75 % of runs band (percentiles stay within the runs' values). Under constraints the curves are the best
    *feasible* incumbent's, and the title says so and names the budget."""
    constraints = summary.get("constraints") or []   # "COL<=X": its column cannot hold < or > (search.constraints)
    named = summary_columns(summary)                 # NB201: its two CIFAR-10 runs named apart
    report = plain(readable(summary["report"], named))      # "CIFAR-10 test accuracy"; a table's own column as written,
    what = f"best feasible incumbent {report}" if constraints else f"incumbent {report}"     # never plotly markup
    by = chosen_by(summary.get("metric"), summary["report"], named)
    from naoviz.experiments.search import table_text
    table = html.escape(table_text(summary))            # which table (a file's name and content hash), if recorded
    if table:
        by = by.replace("</sup>", f" · {table}</sup>") if by else f"<br><sup>{table}</sup>"
    shown = ", ".join(plain(constraint_text(c, named)) for c in constraints)        # "latency on Pixel 3 ≤ 6.44 ms"
    from naoviz.viz.print_sizes import wrap
    head = wrap(f"{what} vs queries" + (f" ({shown})" if constraints else ""), 800, 17)   # several budgets: 2 lines
    return search_curves({k: np.asarray(v["curves"], dtype=float) for k, v in summary["algos"].items()},
                         metric=summary["report"], band="iqr", title=head + by, columns=named)

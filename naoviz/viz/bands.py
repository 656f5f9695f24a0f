"""Incumbent curves summarised per searcher: the mean over its runs and, with two runs or more, a band.

The numbers behind both the Search tab's live chart (:func:`naoviz.ui.search_panel.search_lines`) and the
publication figure (:func:`naoviz.viz.curves.search_curves`); no plotly here, so the dashboard's kernel can use it.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from naoviz.viz.theme import BAND_LABELS, algo_colors


def searcher_bands(curves: Mapping[str, object], band: str = "sd") -> tuple[list[dict], str]:
    """``curves[name]``: (runs, queries), (queries,) or a list of per-run curves (lengths may differ: a stopped
    or running search). Per searcher with a non-empty run: ``{"name", "label", "color", "runs", "x" (Q,), "mean",
    "lo", "hi", "n", "feasible" (Q,), "common", "past" (Q,)}`` from
    :func:`naoviz.experiments.search.incumbent_band` (``naoviz compare``'s mean and sd; the mean starts where
    every run has a feasible incumbent, ``feasible`` counts the runs that have one; ``label`` adds
    ``(n=runs)`` with two runs or more). Runs of different lengths (a stopped search, seeds still running):
    ``mean`` and the band end at ``common``, the query every run reached, so they are over one fixed set of
    runs; ``past`` is the mean of the longer runs after it (NaN up to ``common``; ``n`` says how many), drawn
    apart, or None when every run is as long. Also the legend's title naming the band ("" when no searcher has
    two runs)."""
    from naoviz.experiments.search import incumbent_band
    if band not in BAND_LABELS:
        raise ValueError(f"band: expected one of {', '.join(BAND_LABELS)}, got {band!r}")
    curves = dict(curves)                     # a snapshot: a search's worker thread may add a searcher meanwhile
    colors = algo_colors(list(curves))
    out = []
    for name, arr in curves.items():
        flat = isinstance(arr, np.ndarray) or all(np.ndim(c) == 0 for c in arr)     # (queries,) as a list too
        runs = list(np.atleast_2d(np.asarray(arr, float))) if flat else [np.asarray(c, float) for c in arr]
        runs = [r for r in runs if len(r)]
        if not runs:
            continue
        stats = incumbent_band(runs, band)
        common = min(len(r) for r in runs)
        past = None
        if common < len(stats["mean"]):                  # the longer runs after the shortest one's end
            past = incumbent_band(runs, band, fixed=False)["mean"]
            past[:common - 1] = np.nan                   # from the common end on, so the two lines meet
        out.append({"name": name, "label": f"{name} (n={len(runs)})" if len(runs) > 1 else name,
                    "color": colors[name], "runs": len(runs), "x": np.arange(1, len(stats["mean"]) + 1),
                    "common": common, "past": past,
                    **{k: stats[k] for k in ("mean", "lo", "hi", "n", "feasible")}})
    banded = any(b["runs"] >= 2 for b in out)
    return out, (f"line: mean · band: {BAND_LABELS[band]}" if banded else "")


def past_name(name: str) -> str:
    """The name of a searcher's dashed line past its shortest run (``past`` above): the legend and hover of both
    the Search tab's chart and the exported figure. It does not name the query where the line starts (the
    shortest run's end): while a seed runs that query moves on with each query, and the legend entry with it."""
    return f"{name}: longer runs only"

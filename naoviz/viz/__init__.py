"""Figures: pure functions from backend data to plotly figures, and :func:`export` to files.

Names load on first use (PEP 562), so ``naoviz.viz.theme`` (colours and labels, no plotly) can be imported by the
dashboard's panels without importing plotly.
"""
from importlib import import_module

_LAZY = {
    "atlas_cells": "atlas_figs", "atlas_figures": "atlas_figs", "atlas_map": "atlas_figs",
    "atlas_prediction": "atlas_figs", "cell_compare": "cells", "cell_graph": "cells", "diff_edges": "cells",
    "attention_heatmap": "curves", "child_curve": "curves", "search_curves": "curves",
    "training_curves": "curves", "export": "figure_files", "export_many": "figure_files",
    "for_print": "print_sizes", "export_for_print": "print_sizes", "embedding_map": "maps",
    "label_gap": "maps", "path_overlay": "maps", "path_trace_data": "maps", "prediction_chart": "path",
    "pareto_figure": "pareto", "results_points": "pareto",
}
__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(f"naoviz.viz.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'naoviz.viz' has no attribute {name!r}")

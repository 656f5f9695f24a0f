"""Publication figures of what the explorer shows, drawn from its atlas: the map with the seed's gradient
path, the prediction along eta, and the seed beside the decoded cell (plotly; export with ``export_many``)."""
from __future__ import annotations

import numpy as np

from naoviz.viz.cells import cell_compare
from naoviz.viz.maps import embedding_map, path_overlay
from naoviz.viz.path import prediction_chart


def explorer_figures(atlas, space, seed_row: int, eta_index: int, view: str, color: str = "") -> dict:
    """{"map", "prediction", "cells"} figures for seed row ``seed_row`` at grid index ``eta_index`` on map
    ``view``, coloured by ``color`` (a column, "predicted" or "" for the atlas's metric)."""
    m = atlas.seed_index(seed_row)
    reps = np.flatnonzero(atlas.class_of == np.arange(len(atlas.labels)))        # one point per class
    color = color or atlas.metric
    values = atlas.predicted if color == "predicted" else atlas.columns.get(color, atlas.predicted)
    if color == "class_size":
        values = atlas.class_size
    labels = [atlas.labels[r] for r in reps]
    xy = np.asarray(atlas.maps[view], dtype=float)[reps]
    selected = int(np.flatnonzero(reps == atlas.class_of[seed_row])[0]) if atlas.class_of[seed_row] in reps else None
    base = embedding_map(xy, np.asarray(values, dtype=float)[reps], labels=labels, color_label=color,
                         selected=selected, method=view.upper())
    decoded_rows = atlas.path_decoded[m]                                          # (E,)
    decoded = [atlas.labels[r] for r in decoded_rows]
    fig_map = path_overlay(base, np.asarray(atlas.path_maps[view][m], dtype=float), atlas.etas, decoded,
                           current=int(eta_index))
    true = atlas.columns.get(atlas.metric)
    fig_pred = prediction_chart(atlas.etas, atlas.path_pred_moved[m], atlas.path_pred_decoded[m],
                                None if true is None else np.asarray(true, dtype=float)[decoded_rows],
                                current=int(eta_index), decoded=decoded, metric=atlas.metric)
    fig_cells = cell_compare(space, space.parse(atlas.labels[seed_row]), space.parse(decoded[int(eta_index)]),
                             titles=("seed", f"decoded at η = {float(atlas.etas[int(eta_index)]):g}"))
    return {"map": fig_map, "prediction": fig_pred, "cells": fig_cells}

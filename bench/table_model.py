"""The model and embeddings the map benches share (bench/atlas_map.py, bench/path_placement.py).

``table_model(table)`` loads the table ("nb201" or "digits"), the model the dashboard trains for it
(``ModelSpec(metric="valid_acc")``, from the cache or trained, one torch thread) and embeds every cell; the
atlas maps one point per isomorphism class, so the class representatives come with it.
"""
from __future__ import annotations

import numpy as np


def table_model(table: str) -> dict:
    """{"bench", "model", "archs" (N cells), "raw" (N, H) float32 embeddings (about unit rows), "class_of" (N,)
    row of each cell's class representative, "reps" (n,) the representatives' rows}."""
    import torch
    torch.set_num_threads(1)
    from naoviz.atlas_build import classes_of
    from naoviz.nao.cache import ModelSpec, load_or_train
    from naoviz.tables import load_benchmark

    bench = load_benchmark("nb201" if table == "nb201" else "nb201-digits")
    model, _ = load_or_train(bench, ModelSpec(metric="valid_acc"))
    archs = bench.archs()
    raw = model.embed(archs).astype(np.float32)                                  # (N, H)
    class_of, _ = classes_of(bench.space, archs)
    reps = np.flatnonzero(class_of == np.arange(len(archs)))
    return {"bench": bench, "model": model, "archs": archs, "raw": raw, "class_of": class_of, "reps": reps}

"""A stand-in Atlas over the REAL shipped digits table (labels, columns, classes), with simple maps and paths.

Only the maps, the neighbours and the paths are made up (deterministically, from the cells' one-hot ops), so
the explorer's tests and bench run before and without a fitted model; tests that need real NAO paths use the
builder (naoviz.atlas_build) instead.
"""
from __future__ import annotations

import numpy as np

from naoviz.atlas import Atlas


def standin_atlas(n_seeds: int = 600, n_etas: int = 21, k: int = 8, table=None) -> Atlas:
    """An Atlas over every row of ``table`` (default: the shipped digits table, 6,466 cells)."""
    from naoviz.tables import load_benchmark
    bench = table if table is not None else load_benchmark("nb201-digits")
    space = bench.space
    archs = bench.archs()
    n = len(archs)
    onehot = np.zeros((n, 30), np.float32)                                   # (N, 6 edges x 5 ops)
    for i, a in enumerate(archs):
        onehot[i, [e * 5 + op for e, op in enumerate(a)]] = 1
    centred = onehot - onehot.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    pca = (centred @ vt[:2].T).astype(np.float32)                             # (N, 2)
    rng = np.random.default_rng(0)
    umap = (pca + rng.normal(0, 0.15, pca.shape)).astype(np.float32)
    columns = {m: bench.frame[m].to_numpy(np.float32) for m in bench.metrics}
    true = columns["valid_acc"]
    predicted = (true + rng.normal(0, 1.0, n)).astype(np.float32)
    sizes = {c: len(m) for c, m in space.classes.items()}
    class_size = np.array([sizes[space.canonical(a)] for a in archs], np.int32)
    # neighbours: Hamming distance on ops (the stand-in's "embedding")
    nbr = np.empty((n, k), np.int32)
    dist = np.empty((n, k), np.float32)
    for lo in range(0, n, 1024):
        d = 6 - onehot[lo:lo + 1024] @ onehot.T                               # (B, N) Hamming distances
        d[np.arange(len(d)), np.arange(lo, lo + len(d))] = np.inf
        part = np.argpartition(d, k, axis=1)[:, :k]
        idx = np.take_along_axis(part, np.argsort(np.take_along_axis(d, part, 1), axis=1, kind="stable"), 1)
        nbr[lo:lo + 1024], dist[lo:lo + 1024] = idx, np.take_along_axis(d, idx, 1) / 6
    etas = np.linspace(0, 20, n_etas).astype(np.float32)
    seeds = np.arange(min(n_seeds, n), dtype=np.int32)
    decoded = np.empty((len(seeds), n_etas), np.int32)
    for m, s in enumerate(seeds):                      # greedy walk to the best neighbour, one hop per 2 etas
        cur = int(s)
        for e in range(n_etas):
            if e and e % 2 == 0:
                best = nbr[cur][np.argmax(true[nbr[cur]])]
                cur = int(best) if true[best] > true[cur] else cur
            decoded[m, e] = cur
    frac = np.linspace(0, 1, n_etas, dtype=np.float32)[None, :, None]
    path_maps = {}
    for name, xy in (("umap", umap), ("pca", pca)):
        start = xy[seeds][:, None, :]
        path_maps[name] = (start + (xy[decoded] - start) * frac).astype(np.float32)   # (M, E, 2)
    pred_moved = (predicted[seeds][:, None] + frac[..., 0] * 3).astype(np.float32)
    return Atlas(space="nb201", metric="valid_acc", lower_is_better=False, model_key="standin",
                 labels=[space.format(a) for a in archs], n_table=n, maps={"umap": umap, "pca": pca},
                 predicted=predicted, columns=columns, class_of=np.arange(n, dtype=np.int32),
                 class_size=class_size, neighbours=nbr, neighbour_dist=dist, etas=etas, seeds=seeds,
                 path_decoded=decoded, path_pred_moved=pred_moved, path_pred_decoded=predicted[decoded],
                 path_maps=path_maps, meta={"title": "stand-in atlas (digits table)"})

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


def naonet_standin_atlas(space_name: str = "naonet", n: int = 300, n_etas: int = 11, k: int = 6) -> Atlas:
    """An Atlas of ``n`` seeded random NAONet cells (no table has NAONet rows): maps from the cells' one-hot
    tokens, neighbours by token Hamming distance, a made-up "valid_acc", and every path a walk to the best
    neighbour, one hop per 2 etas, so the explorer's NAONet cell graphs can be drawn and compared in a browser."""
    from naoviz.spaces import get_space
    space = get_space(space_name)
    archs = space.sample(n, seed=0)
    tokens = np.asarray(archs, np.int64)                                      # (N, 40)
    onehot = np.zeros((n, 40 * 16), np.float32)
    onehot[np.arange(n)[:, None], np.arange(40) * 16 + tokens] = 1
    centred = onehot - onehot.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    pca = (centred @ vt[:2].T).astype(np.float32)                             # (N, 2)
    true = (80 + (tokens[:, 1::2] % 3 == 1).sum(1) * 0.5).astype(np.float32)  # a stand-in accuracy
    d = (tokens[:, None, :] != tokens[None, :, :]).sum(-1).astype(np.float32)  # (N, N) Hamming distances
    np.fill_diagonal(d, np.inf)
    nbr = np.argsort(d, axis=1, kind="stable")[:, :k].astype(np.int32)
    dist = (np.take_along_axis(d, nbr, 1) / 40).astype(np.float32)
    seeds = np.arange(n, dtype=np.int32)
    decoded = np.empty((n, n_etas), np.int32)
    for m in seeds:
        cur = int(m)
        for e in range(n_etas):
            if e and e % 2 == 0:
                best = int(nbr[cur][np.argmax(true[nbr[cur]])])
                cur = best if true[best] > true[cur] else cur
            decoded[m, e] = cur
    frac = np.linspace(0, 1, n_etas, dtype=np.float32)[None, :, None]
    start = pca[seeds][:, None, :]
    path = (start + (pca[decoded] - start) * frac).astype(np.float32)
    return Atlas(space=space.name, metric="valid_acc", lower_is_better=False, model_key="standin",
                 labels=[space.format(a) for a in archs], n_table=n, maps={"pca": pca}, predicted=true.copy(),
                 columns={"valid_acc": true}, class_of=np.arange(n, dtype=np.int32),
                 class_size=np.ones(n, np.int32), neighbours=nbr, neighbour_dist=dist,
                 etas=np.linspace(0, 10, n_etas).astype(np.float32), seeds=seeds, path_decoded=decoded,
                 path_pred_moved=true[decoded], path_pred_decoded=true[decoded], path_maps={"pca": path},
                 meta={"title": f"stand-in {space.name} atlas"})

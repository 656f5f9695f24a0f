"""How good a 2-D map of architecture embeddings is for a reader: islands, neighbours, smoothness.

Used by ``bench/atlas_map.py`` to compare UMAP settings for the explorer's atlas (docs/ui.md, "The map").
All functions take the map ``xy`` (n, 2) of n points (for NB201: one per isomorphism class) and return
plain numbers, so a setting can be judged on what a student sees:

- ``islands``: connected components of the radius graph on the map, the radius a fixed share of the map's
  extent (1 % by default: about 5 px on the explorer's ~500-px map, a gap the eye sees).
- ``knn_recall``: share of each point's k nearest map neighbours that are among its k nearest in the
  embedding (cosine): does the map keep the embedding's neighbourhoods?
- ``edit_share``: share of the k map neighbours of sampled points that are within 1 or 2 edits (the least
  Hamming distance of the point's cell to any cell of the neighbour's class): does the map keep cells'
  edit neighbourhoods?
- ``smoothness``: mean |value difference| to the k map neighbours (accuracy, say), against the same over
  random pairs (a ratio well under 1 is a smooth map).
- ``same_group_share``: share of the k map neighbours in the same group (e.g. the same op counts).

Pure numpy/scipy; no torch, no plotting.
"""
from __future__ import annotations

import numpy as np


def knn(X, k: int, cosine: bool = False, block: int = 2048) -> np.ndarray:
    """(n, k) int rows of each row's k nearest other rows of ``X`` (n, d), ties by row index.

    ``cosine``: rows are L2-normalised first and ranked by cosine similarity; else euclidean."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or len(X) < 2:
        raise ValueError(f"X: expected a 2-D array of at least 2 rows, got shape {X.shape}")
    k = int(k)
    if not 1 <= k < len(X):
        raise ValueError(f"k: expected 1..{len(X) - 1}, got {k}")
    if cosine:
        X = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    sq = (X ** 2).sum(1)
    out = np.zeros((len(X), k), dtype=np.int64)
    for lo in range(0, len(X), block):
        x = X[lo:lo + block]
        d = -(x @ X.T) if cosine else sq[None, :] - 2.0 * (x @ X.T) + sq[lo:lo + block, None]   # (b, n)
        d[np.arange(len(x)), np.arange(lo, lo + len(x))] = np.inf
        out[lo:lo + len(x)] = np.argsort(d, axis=1, kind="stable")[:, :k]
    return out


def islands(xy, frac: float = 0.01, min_size: int = 5) -> dict:
    """Connected components of the graph joining map points closer than ``frac`` x the map's extent (its
    larger side). -> {"labels" (n,) int component of each point, "islands": components of at least
    ``min_size`` points, "components": all of them, "speck_share": share of points in smaller ones,
    "largest_share": share of points in the largest, "radius": the radius used}."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2 or not len(xy):
        raise ValueError(f"xy: expected a (n, 2) array, got shape {xy.shape}")
    if not 0 < frac < 1:
        raise ValueError(f"frac: expected a share in (0, 1), got {frac!r}")
    radius = float(frac * np.ptp(xy, axis=0).max())
    pairs = cKDTree(xy).query_pairs(radius, output_type="ndarray")                # (p, 2)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(xy), len(xy)))
    n, labels = connected_components(graph, directed=False)
    size = np.bincount(labels)
    return {"labels": labels, "islands": int(np.sum(size >= min_size)), "components": int(n),
            "speck_share": float(np.mean(size[labels] < min_size)), "largest_share": float(size.max() / len(xy)),
            "radius": radius}


def knn_recall(emb, xy, k: int = 10) -> float:
    """Mean share of each point's k nearest map neighbours that are among its k nearest in ``emb`` (cosine)."""
    a, b = knn(emb, k, cosine=True), knn(xy, k)
    return float(np.mean([len(set(r) & set(s)) / k for r, s in zip(a.tolist(), b.tolist())]))


def class_edit_distances(ops, class_of, points, sample) -> np.ndarray:
    """(s, n) int: for each sampled point ``points[sample[i]]`` (a row of ``ops``), the least number of edits
    (Hamming distance of op rows) to any cell of each point's class.

    ``ops`` (N, L) int op of every cell on every edge; ``class_of`` (N,) the row of each cell's class
    representative; ``points`` (n,) the representatives on the map (rows of ``ops``)."""
    ops = np.asarray(ops)
    points = np.asarray(points)
    pos = np.full(len(ops), -1)
    pos[points] = np.arange(len(points))
    cls = pos[np.asarray(class_of)]                                              # (N,) map index of each cell
    if (cls < 0).any():
        raise ValueError("class_of: every cell's class representative must be one of points")
    out = np.empty((len(sample), len(points)), dtype=np.int16)
    for i, s in enumerate(sample):
        ham = (ops != ops[points[s]]).sum(1)                                     # (N,)
        best = np.full(len(points), ops.shape[1] + 1)
        np.minimum.at(best, cls, ham)
        out[i] = best
    return out


def edit_share(dist, neighbours, sample, max_edits: int) -> float:
    """Share of the map neighbours (n, k) of the sampled points within ``max_edits`` edits; ``dist`` is
    :func:`class_edit_distances` for the same ``sample``."""
    return float(np.mean(np.take_along_axis(dist, np.asarray(neighbours)[sample], 1) <= max_edits))


def smoothness(values, neighbours, seed: int = 0) -> dict:
    """{"neighbour_diff": mean |v_i - v_j| over each point's map neighbours (n, k), "random_diff": the same
    over as many random pairs (seeded), "ratio": their quotient (lower is smoother)}. NaN values are skipped."""
    v = np.asarray(values, dtype=np.float64)
    nb = np.asarray(neighbours)
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, len(v), size=(nb.size, 2))
    near = np.nanmean(np.abs(v[nb] - v[:, None]))
    far = np.nanmean(np.abs(v[pairs[:, 0]] - v[pairs[:, 1]]))
    ratio = float(near / far) if far else float("nan")
    return {"neighbour_diff": float(near), "random_diff": float(far), "ratio": ratio}


def same_group_share(groups, neighbours) -> float:
    """Share of map neighbours (n, k) whose group (n,) equals the point's own."""
    g = np.asarray(groups)
    return float(np.mean(g[np.asarray(neighbours)] == g[:, None]))

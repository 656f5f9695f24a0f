"""Build an :class:`~naoviz.atlas.Atlas` from a fitted NAO model and a benchmark table (needs torch).

Order of work: encode every table cell (predictions, embeddings), group cells into isomorphism classes,
fit the 2-D maps on one point per class (every cell sits on its class's point: NB201's 15,625 cells are
6,466 networks), then the gradient path of every seed on the eta grid through ``NAO.path_grid`` (the same
``move``/``ascend`` step as ``NAO.path`` and the search, many seeds per decode batch), and last the K
nearest classes of every cell in the embedding. Decoded cells the table lacks are appended as rows.
Every random choice (UMAP's layout) takes ``random_state``; same inputs, same arrays.
"""
from __future__ import annotations

import time
from typing import Callable, Optional, Sequence, Union

import numpy as np

from naoviz.atlas import Atlas

DEFAULT_ETAS = tuple(np.linspace(0.0, 10.0, 21).tolist())   # the explorer's grid: max eta 10, 21 points
# Measured on NB201's class representatives (islands, kNN recall at 10 against the embedding, edit neighbours,
# smoothness; bench/atlas_map.py, docs/ui.md "Why the NB201 map is islands"): no setting had clearly fewer
# islands without losing neighbourhoods; min_dist 0.3 (UMAP's own is 0.1) keeps as many and raises recall 5-6 %.
UMAP_PARAMS = {"n_neighbors": 15, "min_dist": 0.3}
# Table columns carried for colouring and the neighbour list, when the table has them (besides the metric).
DEFAULT_COLUMNS = ("valid_acc", "test_acc", "cifar10_test_acc", "params_M", "cifar10_params_M",
                   "cifar10_flops_M", "latency_1080ti_1", "latency_pixel3", "latency_raspi4")
SEED_MODES = ("classes", "all", "none")
Progress = Callable[[str, int, int], object]   # (stage, done, total)


def check_options(bench, etas, seeds, k, maps, metric, columns) -> tuple:
    """Validate the build options before any work; ValueError naming the option. Returns
    (etas (E,) float array, metric, columns tuple)."""
    from naoviz.projection import METHODS
    try:
        etas = np.asarray(etas, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError(f"etas: expected numbers, got {etas!r}") from None
    if len(etas) < 1 or not np.isfinite(etas).all() or etas[0] != 0 or (np.diff(etas) <= 0).any():
        raise ValueError(f"etas: expected increasing finite numbers starting at 0, got {etas.tolist()!r}")
    if len(etas) > 1000:
        raise ValueError(f"etas: at most 1000 step sizes, got {len(etas)}")
    if isinstance(seeds, str):
        if seeds not in SEED_MODES:
            raise ValueError(f"seeds: expected one of {', '.join(SEED_MODES)} or a list of rows, got {seeds!r}")
    else:
        rows = np.asarray(list(seeds))
        if rows.size and (rows.dtype.kind not in "iu" or rows.min() < 0 or rows.max() >= len(bench)):
            raise ValueError(f"seeds: expected table rows 0..{len(bench) - 1}, got {rows.tolist()[:5]!r}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= 100:
        raise ValueError(f"k: expected an int in 1..100, got {k!r}")
    maps = tuple(maps)
    if not maps or any(m not in METHODS for m in maps) or len(set(maps)) != len(maps):
        raise ValueError(f"maps: expected distinct names from {METHODS}, got {maps!r}")
    if metric is None:
        metric = "valid_acc" if "valid_acc" in bench.metrics else next(m for m in bench.metrics if "acc" in m)
    if metric not in bench.metrics:
        raise ValueError(f"metric: {metric!r} is not a column of {bench.name}; available: {', '.join(bench.metrics)}")
    cols = DEFAULT_COLUMNS if columns is None else tuple(columns)
    unknown = [c for c in cols if columns is not None and c not in bench.metrics]
    if unknown:
        raise ValueError(f"columns: {unknown[0]!r} is not a column of {bench.name}")
    cols = tuple(dict.fromkeys([metric] + [c for c in cols if c in bench.metrics]))
    return etas, metric, cols


def classes_of(space, archs: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """class_of (N,) int32: first row of each cell's isomorphism class; class_size (N,) int32: cells of the
    space in that class (1 and itself for spaces without classes)."""
    classes = getattr(space, "classes", None)
    n = len(archs)
    if classes is None:
        return np.arange(n, dtype=np.int32), np.ones(n, dtype=np.int32)
    first: dict = {}
    keys = [space.canonical(a) for a in archs]
    class_of = np.asarray([first.setdefault(key, i) for i, key in enumerate(keys)], dtype=np.int32)
    class_size = np.asarray([len(classes[key]) for key in keys], dtype=np.int32)
    return class_of, class_size


def class_representatives(bench, limit: Optional[int] = None) -> list[int]:
    """Table rows of the first ``limit`` isomorphism-class representatives (all when None), in row order:
    a smaller seed set for small machines and tests."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1):
        raise ValueError(f"seeds: expected a number of classes >= 1, got {limit!r}")
    class_of, _ = classes_of(bench.space, bench.archs())
    reps = np.flatnonzero(class_of == np.arange(len(class_of)))
    return [int(r) for r in (reps if limit is None else reps[:limit])]


def nearest_classes(emb: np.ndarray, class_of: np.ndarray, k: int, block: int = 2048):
    """For each row of ``emb`` (N, H) unit vectors: the K nearest class representatives other than its own
    class, by cosine distance (ties by row). -> rows (N, K) int32, distances (N, K) float32."""
    n = len(emb)
    reps = np.flatnonzero(class_of == np.arange(n))
    k = min(int(k), max(len(reps) - 1, 0))
    pos = np.full(n, -1)
    pos[reps] = np.arange(len(reps))
    R = emb[reps].astype(np.float32)
    rows = np.zeros((n, k), dtype=np.int32)
    dist = np.zeros((n, k), dtype=np.float32)
    if k == 0:
        return rows, dist
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        d = 1.0 - emb[lo:hi].astype(np.float32) @ R.T                            # (b, r) cosine distance
        d[np.arange(hi - lo), pos[class_of[lo:hi]]] = np.inf                    # not its own class
        idx = np.argpartition(d, k - 1, axis=1)[:, :k]
        dk = np.take_along_axis(d, idx, 1)
        order = np.lexsort((idx, dk), axis=1)
        idx = np.take_along_axis(idx, order, 1)
        rows[lo:hi], dist[lo:hi] = reps[idx], np.maximum(np.take_along_axis(dk, order, 1), 0.0)
    return rows, dist


def build_atlas(model, bench, etas=DEFAULT_ETAS, seeds: Union[str, Sequence[int]] = "classes", k: int = 10,
                maps=("umap", "pca"), random_state: int = 0, progress: Optional[Progress] = None,
                metric: Optional[str] = None, columns: Optional[Sequence[str]] = None, model_key: str = "",
                umap_params: Optional[dict] = None, batch: int = 1024) -> Atlas:
    """The atlas of ``model`` (a fitted ``naoviz.nao.NAO``) over every row of ``bench``.

    ``seeds``: "classes" (one seed per isomorphism class, the first row of each), "all", "none" or table
    rows. ``maps``: any of "umap", "pca" (fitted on one point per class). ``progress(stage, done, total)``
    is called as stages advance; ``meta["timings_s"]`` records each stage's seconds.
    """
    import torch

    from naoviz.projection import Projector
    from naoviz.tables import lower_is_better

    etas, metric, cols = check_options(bench, etas, seeds, k, maps, metric, columns)
    model.check_fitted()
    umap_params = dict(UMAP_PARAMS, **(umap_params or {}))
    report = progress or (lambda stage, done, total: None)
    space, timings, t_all = model.space, {}, time.perf_counter()

    def timed(stage):
        timings[stage] = round(time.perf_counter() - t0, 3)

    t0 = time.perf_counter()
    archs = bench.archs()
    n_table = len(archs)
    report("embed", 0, n_table)
    with torch.no_grad():
        _, emb_t, score_t = model._encode(archs)
    emb = emb_t.cpu().numpy().astype(np.float32)                                 # (N, H)
    predicted = model.to_metric(score_t.cpu().numpy().astype(float))             # (N,)
    class_of, class_size = classes_of(space, archs)
    report("embed", n_table, n_table)
    timed("embed")

    projectors = {}
    reps = np.flatnonzero(class_of == np.arange(n_table))
    for name in maps:
        t0 = time.perf_counter()
        report(f"map:{name}", 0, 1)
        params = umap_params if name == "umap" else {}
        projectors[name] = Projector(name, random_state=random_state, **params).fit(emb[reps])
        report(f"map:{name}", 1, 1)
        timed(f"map_{name}")

    t0 = time.perf_counter()
    if isinstance(seeds, str):
        seed_rows = {"classes": reps, "all": np.arange(n_table), "none": np.zeros(0, dtype=int)}[seeds]
    else:
        seed_rows = np.asarray(list(seeds), dtype=int)
    M, E = len(seed_rows), len(etas)
    report("paths", 0, M)
    if M:
        tokens, pred_moved, moved = model.path_grid([archs[r] for r in seed_rows], etas, batch=batch,
                                                    progress=lambda done, total: report("paths", done, total))
    else:
        tokens = np.zeros((0, E, space.seq_len), dtype=np.int64)
        pred_moved, moved = np.zeros((0, E)), np.zeros((0, E, emb.shape[1]), dtype=np.float32)
    timed("paths")

    # Decoded cells -> rows; cells the table lacks become new rows (their columns from the table's class).
    t0 = time.perf_counter()
    row_of = {a: i for i, a in enumerate(archs)}
    uniq, inverse = np.unique(tokens.reshape(-1, space.seq_len), axis=0, return_inverse=True)
    new_archs: list = []
    uniq_rows = np.empty(len(uniq), dtype=np.int64)
    for j, toks in enumerate(uniq):
        arch = space.from_tokens(toks.tolist())
        if arch not in row_of:
            row_of[arch] = n_table + len(new_archs)
            new_archs.append(arch)
        uniq_rows[j] = row_of[arch]
    path_decoded = uniq_rows[inverse.reshape(-1)].reshape(M, E).astype(np.int32)
    all_archs = archs + new_archs
    if new_archs:
        with torch.no_grad():
            _, e_new, s_new = model._encode(new_archs)
        emb = np.concatenate([emb, e_new.cpu().numpy().astype(np.float32)])
        predicted = np.concatenate([predicted, model.to_metric(s_new.cpu().numpy().astype(float))])
        class_of, class_size = classes_of(space, all_archs)
    columns_out = {c: bench.metric(c, all_archs).astype(np.float32) if new_archs
                   else bench.metric(c).astype(np.float32) for c in cols}
    timed("decoded_rows")

    t0 = time.perf_counter()
    all_reps = np.flatnonzero(class_of == np.arange(len(all_archs)))
    maps_out, path_maps = {}, {}
    flat = moved.reshape(-1, moved.shape[-1])                                    # (M*E, H) moved points
    chunk, placed, to_place = 8192, 0, len(flat) * len(projectors)
    report("placing", 0, to_place)

    def place(proj):                       # the moved points on one map, chunk by chunk (reported: on UMAP
        nonlocal placed                    # this is most of a full build, ~80 s of ~125 s on 2 cores)
        out = []
        for lo in range(0, len(flat), chunk):
            out.append(proj.transform_many(flat[lo:lo + chunk]))
            placed += len(out[-1])
            report("placing", placed, to_place)
        return np.concatenate(out) if out else np.zeros((0, 2))

    for name, proj in projectors.items():
        xy = np.zeros((len(all_archs), 2))
        xy[reps] = proj.embedding_
        extra = np.setdiff1d(all_reps, reps)                                     # classes only decoded cells have
        if len(extra):
            xy[extra] = proj.transform_many(emb[extra])
        maps_out[name] = xy[class_of].astype(np.float32)                         # every cell on its class's point
        path_maps[name] = place(proj).reshape(M, E, 2).astype(np.float32) if M else np.zeros((0, E, 2), dtype=np.float32)
    timed("path_maps")

    t0 = time.perf_counter()
    report("neighbours", 0, 1)
    neighbours, neighbour_dist = nearest_classes(emb, class_of, k)
    report("neighbours", 1, 1)
    timed("neighbours")

    pred32 = predicted.astype(np.float32)
    meta = {"etas_kind": "grid", "seeds": seeds if isinstance(seeds, str) else "rows", "k": int(k),
            "random_state": int(random_state), "umap": umap_params if "umap" in maps else None,
            "map_fit": "one point per isomorphism class (class representatives); members share its point",
            "neighbours": "K nearest class representatives other than the cell's own class (cosine)",
            "n_classes": int(len(all_reps)), "n_decoded_extra": len(new_archs), "table": bench.name,
            "config": model.config.to_dict(), "timings_s": {**timings, "total": round(time.perf_counter() - t_all, 3)}}
    return Atlas(space=space.name, metric=metric, lower_is_better=lower_is_better(metric), model_key=model_key,
                 labels=[space.format(a) for a in all_archs], n_table=n_table, maps=maps_out, predicted=pred32,
                 columns=columns_out, class_of=class_of.astype(np.int32), class_size=class_size.astype(np.int32),
                 neighbours=neighbours, neighbour_dist=neighbour_dist, etas=etas.astype(np.float32),
                 seeds=seed_rows.astype(np.int32), path_decoded=path_decoded,
                 path_pred_moved=pred_moved.astype(np.float32), path_pred_decoded=pred32[path_decoded],
                 path_maps=path_maps, meta=meta)

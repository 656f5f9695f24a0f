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
# each stage's words and what its (done, total) counts (None: a 0/1 stage, shown without a count); "map:umap" is
# "map"'s; the dashboard's cold-start line says "placing the paths on the maps (106,496/271,572 path points)"
STAGES = {"train": ("training the NAO model, cached afterwards", "epochs"),
          "embed": ("embedding every cell", "cells"), "map": ("drawing the map", None),
          "paths": ("computing the gradient paths", "paths"),
          "placing": ("placing the paths on the maps", "path points"),
          "neighbours": ("finding nearest neighbours", None)}
PATH_CHUNK_SEEDS = 512   # seeds per saved chunk of the paths stage (rounded down to whole decode batches)
PLACE_CHUNK = 8192       # moved points placed on a map per step (and per saved chunk)


def check_inputs(bench, random_state) -> None:
    """``TypeError`` / ``ValueError`` naming ``bench`` when it is not a table, or ``random_state`` when it is not
    an int in 0..2**32-1 (the map's seed: numpy's own message names neither)."""
    from naoviz.errors import show
    if not (hasattr(bench, "metrics") and hasattr(bench, "space") and hasattr(bench, "frame")):
        raise TypeError(f"bench: expected a table (naoviz.tables.load_benchmark(...)), "
                        f"got {type(bench).__name__} {show(bench)}")
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)) \
            or not 0 <= random_state <= 2**32 - 1:
        raise ValueError(f"random_state: expected an int in 0..{2**32 - 1}, got {show(random_state)}")


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


def map_state_spec(method: str, n_reps: int, dim: int) -> dict:
    """Names, shapes and dtypes of a fitted map's ``Projector.state_`` (a build checkpoint's ``map-<name>``)."""
    spec = {"embedding": ((n_reps, 2), np.float64)}
    if method == "pca":
        spec.update(mean=((dim,), np.float32), components=((2, dim), np.float32))
    return spec


def resume_note(found: set, maps, n_seeds: int, n_etas: int, chunk: int) -> Optional[str]:
    """What a partial folder holding checkpoints ``found`` (file stems) lets a build skip, as one line
    ("resuming a stopped build: embed, map:umap done; paths 2048/6466; placing 16384/271572"), or None."""
    done = [s for s in ["embed"] + [f"map:{m}" for m in maps] if s.replace(":", "-") in found]
    paths = 0
    while paths < n_seeds and f"paths-{paths:07d}" in found:
        paths = min(n_seeds, paths + chunk)
    n_points, placed = n_seeds * n_etas, 0
    for m in maps:
        lo = 0
        while lo < n_points and f"place-{m}-{lo:09d}" in found:
            lo = min(n_points, lo + PLACE_CHUNK)
        placed += lo
    if not (done or paths or placed):
        return None
    parts = ([", ".join(done) + " done"] if done else []) + [f"paths {paths}/{n_seeds}"] \
        + ([f"placing {placed}/{n_points * len(maps)}"] if placed else [])
    return "resuming a stopped build: " + "; ".join(parts)


def stage_line(stage: str, done: int, total: int) -> str:
    """A build stage's progress in words, naming what it counts: ``placing the paths on the maps (106,496/271,572
    path points)``; a 0/1 stage (a map, the neighbours) without a count; an unknown stage by its name. The
    dashboard's cold-start line shows it (it said "(106,496/271,572)", counting nothing named)."""
    kind, _, name = stage.partition(":")
    what, unit = STAGES.get(kind, (stage, ""))
    if kind == "map" and name:
        what = f"drawing the {name.upper()} map"           # map:umap -> drawing the UMAP map
    if unit is None:
        return what
    return f"{what} ({int(done):,}/{int(total):,}{' ' + unit if unit else ''})"


def build_atlas(model, bench, etas=DEFAULT_ETAS, seeds: Union[str, Sequence[int]] = "classes", k: int = 10,
                maps=("umap", "pca"), random_state: int = 0, progress: Optional[Progress] = None,
                metric: Optional[str] = None, columns: Optional[Sequence[str]] = None, model_key: str = "",
                umap_params: Optional[dict] = None, batch: int = 1024, resume_dir=None,
                on_resume: Optional[Callable[[str], object]] = None, path_chunk: int = PATH_CHUNK_SEEDS) -> Atlas:
    """The atlas of ``model`` (a fitted ``naoviz.nao.NAO``) over every row of ``bench``.

    ``seeds``: "classes" (one seed per isomorphism class, the first row of each), "all", "none" or table
    rows. ``maps``: any of "umap", "pca" (fitted on one point per class). ``progress(stage, done, total)``
    is called as stages advance; ``meta["timings_s"]`` records each stage's seconds.

    ``resume_dir``: a folder for checkpoints (naoviz/atlas_resume.py): every expensive stage's result is
    saved there as it finishes (the paths every ``path_chunk`` seeds, rounded down to whole decode batches),
    and a build stopped part-way resumes from what a build of the same model and options left there; the
    arrays are the same as an uninterrupted build's. The caller removes the folder once the atlas is saved
    (``atlas_resume.remove_partial``). When something is resumed, ``on_resume(text)`` is called once
    before the work ("resuming a stopped build: embed, map:umap done; paths 2048/6466"), the resumed
    stages are reported to ``progress`` as done, and ``meta["resumed"]`` holds the text.
    """
    import torch

    from naoviz.atlas_resume import BuildCheckpoint, build_key
    from naoviz.projection import LAND_RADIUS, Projector
    from naoviz.tables import lower_is_better

    check_inputs(bench, random_state)
    etas, metric, cols = check_options(bench, etas, seeds, k, maps, metric, columns)
    if isinstance(path_chunk, bool) or not isinstance(path_chunk, (int, np.integer)) or path_chunk < 1:
        raise ValueError(f"path_chunk: expected an int >= 1, got {path_chunk!r}")
    model.check_fitted()
    umap_params = dict(UMAP_PARAMS, **(umap_params or {}))
    report = progress or (lambda stage, done, total: None)
    space, timings, t_all = model.space, {}, time.perf_counter()

    def timed(stage):
        timings[stage] = round(time.perf_counter() - t0, 3)

    t0 = time.perf_counter()
    archs = bench.archs()
    n_table = len(archs)
    class_of, class_size = classes_of(space, archs)
    reps = np.flatnonzero(class_of == np.arange(n_table))
    if isinstance(seeds, str):
        seed_rows = {"classes": reps, "all": np.arange(n_table), "none": np.zeros(0, dtype=int)}[seeds]
    else:
        seed_rows = np.asarray(list(seeds), dtype=int)
    M, E, L = len(seed_rows), len(etas), space.seq_len
    per = max(1, int(batch) // E)                                 # seeds per decode batch (NAO.path_grid)
    chunk = max(per, int(path_chunk) // per * per)                # whole batches: the same arrays either way
    labels = [space.format(a) for a in archs]
    ckpt, note = None, None
    if resume_dir is not None:
        key = build_key(model, labels, seed_rows, {
            "etas": etas.tolist(), "maps": list(maps), "random_state": int(random_state), "umap": umap_params,
            "batch": int(batch), "path_chunk": chunk, "place_chunk": PLACE_CHUNK, "land_radius": LAND_RADIUS})
        ckpt = BuildCheckpoint(resume_dir, key)
        note = resume_note(ckpt.found(), maps, M, E, chunk)
        if note is not None and on_resume is not None:
            on_resume(note)

    got = ckpt.load("embed", {"emb": ((n_table, None), np.float32), "predicted": ((n_table,), np.float64)}) \
        if ckpt else None
    if got is None:
        report("embed", 0, n_table)
        with torch.no_grad():
            _, emb_t, score_t = model._encode(archs)
        emb = emb_t.cpu().numpy().astype(np.float32)                             # (N, H)
        predicted = np.asarray(model.to_metric(score_t.cpu().numpy().astype(float)), dtype=np.float64)   # (N,)
        if ckpt is not None:
            ckpt.save("embed", {"emb": emb, "predicted": predicted})
    else:
        emb, predicted = got["emb"], got["predicted"]
    H = emb.shape[1]
    report("embed", n_table, n_table)
    timed("embed")

    projectors = {}
    for name in maps:
        t0 = time.perf_counter()
        proj = Projector(name, random_state=random_state, **(umap_params if name == "umap" else {}))
        state = ckpt.load(f"map-{name}", map_state_spec(name, len(reps), H)) if ckpt else None
        if state is not None:
            proj.restore(emb[reps], state)
        else:
            report(f"map:{name}", 0, 1)
            proj.fit(emb[reps])
            if ckpt is not None:
                ckpt.save(f"map-{name}", proj.state_)
        projectors[name] = proj
        report(f"map:{name}", 1, 1)
        timed(f"map_{name}")

    t0 = time.perf_counter()
    tokens, pred_moved = np.zeros((M, E, L), dtype=np.int64), np.zeros((M, E))
    moved = np.zeros((M, E, H), dtype=np.float32)
    report("paths", 0, M)
    for lo in range(0, M, chunk):               # chunk by chunk, each saved before it is reported
        hi = min(M, lo + chunk)
        spec = {"tokens": ((hi - lo, E, L), np.int64), "predicted": ((hi - lo, E), np.float64),
                "moved": ((hi - lo, E, H), np.float32)}
        got = ckpt.load(f"paths-{lo:07d}", spec) if ckpt else None
        if got is None:
            got = dict(zip(spec, model.path_grid(
                [archs[r] for r in seed_rows[lo:hi]], etas, batch=batch,
                progress=lambda done, total, lo=lo: report("paths", lo + done, M) if done < total else None)))
            if ckpt is not None:
                ckpt.save(f"paths-{lo:07d}", got)
        tokens[lo:hi], pred_moved[lo:hi], moved[lo:hi] = got["tokens"], got["predicted"], got["moved"]
        report("paths", hi, M)
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
    placed, to_place = 0, len(flat) * len(projectors)
    report("placing", 0, to_place)

    def place(name, proj):                 # the moved points on one map, chunk by chunk (reported and saved:
        nonlocal placed                    # on UMAP a large part of a full build, 29 s of ~170 s on 2 cores)
        out = []
        for lo in range(0, len(flat), PLACE_CHUNK):
            part = flat[lo:lo + PLACE_CHUNK]
            got = ckpt.load(f"place-{name}-{lo:09d}", {"xy": ((len(part), 2), np.float64)}) if ckpt else None
            if got is None:
                got = {"xy": proj.transform_many(part)}
                if ckpt is not None:
                    ckpt.save(f"place-{name}-{lo:09d}", got)
            out.append(got["xy"])
            placed += len(part)
            report("placing", placed, to_place)
        return np.concatenate(out) if out else np.zeros((0, 2))

    for name, proj in projectors.items():
        xy = np.zeros((len(all_archs), 2))
        xy[reps] = proj.embedding_
        extra = np.setdiff1d(all_reps, reps)                                     # classes only decoded cells have
        if len(extra):
            xy[extra] = proj.transform_many(emb[extra])
        maps_out[name] = xy[class_of].astype(np.float32)                         # every cell on its class's point
        path_maps[name] = place(name, proj).reshape(M, E, 2).astype(np.float32) if M \
            else np.zeros((0, E, 2), dtype=np.float32)
    timed("path_maps")

    t0 = time.perf_counter()
    report("neighbours", 0, 1)
    neighbours, neighbour_dist = nearest_classes(emb, class_of, k)
    report("neighbours", 1, 1)
    timed("neighbours")

    from naoviz.projection import jump_maps
    jumps = jump_maps(maps_out, path_maps)            # (M, E - 1) bool per UMAP map: stored, so no visit needs scipy
    pred32 = predicted.astype(np.float32)
    meta = {"etas_kind": "grid", "seeds": seeds if isinstance(seeds, str) else "rows", "k": int(k),
            "random_state": int(random_state), "umap": umap_params if "umap" in maps else None,
            "map_fit": "one point per isomorphism class (class representatives); members share its point",
            "neighbours": "K nearest class representatives other than the cell's own class (cosine)",
            "n_classes": int(len(all_reps)), "n_decoded_extra": len(new_archs), "table": bench.name,
            "config": model.config.to_dict(), "timings_s": {**timings, "total": round(time.perf_counter() - t_all, 3)}}
    if note is not None:
        meta["resumed"] = note
    return Atlas(space=space.name, metric=metric, lower_is_better=lower_is_better(metric), model_key=model_key,
                 labels=labels + [space.format(a) for a in new_archs], n_table=n_table, maps=maps_out, predicted=pred32,
                 columns=columns_out, class_of=class_of.astype(np.int32), class_size=class_size.astype(np.int32),
                 neighbours=neighbours, neighbour_dist=neighbour_dist, etas=etas.astype(np.float32),
                 seeds=seed_rows.astype(np.int32), path_decoded=path_decoded,
                 path_pred_moved=pred_moved.astype(np.float32), path_pred_decoded=pred32[path_decoded],
                 path_maps=path_maps, path_jump_maps=jumps, meta=meta)

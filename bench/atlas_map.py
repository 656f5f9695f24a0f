"""The explorer's map: islands, neighbourhoods, smoothness and fit time of UMAP settings, and why islands.

For the model the dashboard trains (``ModelSpec(metric="valid_acc")``, from the cache or trained) it embeds
every cell of the table, takes one point per isomorphism class (what the atlas maps) and fits maps:
the current default (``naoviz.atlas_build.UMAP_PARAMS`` through ``Projector``, the atlas's own map, the
baseline) and alternatives (n_neighbors 30/50/100, min_dist 0.3/0.5, PCA init, UMAP of every cell,
UMAP of 2,000 classes + ``transform`` of the rest, PCA). For each (``naoviz.map_quality``):

- islands: components of the radius graph at 1 % of the map's extent (about 5 px on the explorer's
  ~500-px map) with >= 5 classes; also at 0.5 % and 2 %;
- knn recall at 10 against the embedding (cosine); share of the 10 map neighbours of 1,000 sampled classes
  within 1 and 2 edits; smoothness: mean |valid_acc difference| to the 10 map neighbours over random pairs;
- fit seconds (numba's compile is paid by a warm-up fit first);

and the ratio of each against the baseline. Why islands: the share of each class's 10 nearest neighbours,
in the embedding and on the map, that use the same op counts (how many cells of each op, on any edges),
and how many op-count groups lie whole in one island.

Run: NAOVIZ_DATA=... NAOVIZ_CACHE=... OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python bench/atlas_map.py \
     --table nb201 [--only baseline,nn50] [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))                    # table_model: the shared preamble

SETTINGS = {                                  # name -> UMAP keyword arguments over the baseline's
    "nn30": {"n_neighbors": 30}, "nn50": {"n_neighbors": 50}, "nn100": {"n_neighbors": 100},
    "md0.1": {"min_dist": 0.1},               # UMAP's own default, naoviz's until 2026-12-05
    "md0.3": {"min_dist": 0.3}, "md0.5": {"min_dist": 0.5}, "nn50_md0.5": {"n_neighbors": 50, "min_dist": 0.5},
    "init_pca": {"init": "pca"},
    "seed1": {"random_state": 1}, "seed2": {"random_state": 2},     # the baseline's noise: other layout seeds
}
EXTRA = ("every_cell", "subset2000_transform", "pca")
SAMPLE = 1000                                  # classes whose map neighbours' edit distances are counted


def _umap(X, **kw) -> np.ndarray:
    """UMAP as ``Projector`` fits it (rows unit vectors, euclidean, seeded) with ``kw`` over its defaults."""
    import umap

    from naoviz.atlas_build import UMAP_PARAMS
    params = {**UMAP_PARAMS, "random_state": 0, **kw}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return umap.UMAP(n_components=2, metric="euclidean", transform_seed=params["random_state"],
                         **params).fit_transform(X).astype(np.float64)


def quality(ctx: dict, xy: np.ndarray) -> dict:
    from naoviz import map_quality as mq
    nb = mq.knn(xy, 10)
    out = {}
    for frac in (0.01, 0.005, 0.02):
        isl = mq.islands(xy, frac)
        out[f"islands_{frac:g}"] = isl["islands"]
        if frac == 0.01:
            out["speck_share"], labels = round(isl["speck_share"], 4), isl["labels"]
    out["knn_recall_at_10"] = round(float(np.mean([len(set(a) & set(b)) / 10 for a, b in
                                                   zip(ctx["emb_knn"].tolist(), nb.tolist())])), 4)
    out["within_1_edit"] = round(mq.edit_share(ctx["edits"], nb, ctx["sample"], 1), 4)
    out["within_2_edits"] = round(mq.edit_share(ctx["edits"], nb, ctx["sample"], 2), 4)
    sm = mq.smoothness(ctx["acc"], nb)
    out["acc_diff_neighbours"], out["acc_diff_ratio_to_random"] = round(sm["neighbour_diff"], 3), round(sm["ratio"], 3)
    if ctx["groups"] is not None:
        g = ctx["groups"]
        out["same_op_counts"] = round(mq.same_group_share(g, nb), 4)
        whole = [len(np.unique(labels[g == v])) == 1 for v in np.unique(g)]
        out["op_count_groups_in_one_island"] = f"{sum(whole)}/{len(whole)}"
    return out


def path_jumps(bench, class_of, pos, groups, labels):
    """Of the cached atlas's gradient paths (None when no atlas is cached): the steps along eta where the
    decoded class changes, and the shares of them that change op counts and that land on another island of
    the baseline map (``labels`` (n,) island of each class)."""
    from naoviz.atlas_cache import cached_atlas
    from naoviz.nao.cache import ModelSpec
    atlas = cached_atlas(bench, ModelSpec(metric="valid_acc"))
    if atlas is None or groups is None:
        return None
    d = atlas.path_decoded.astype(np.int64)                                      # (M, E) rows
    a, b = d[:, :-1].ravel(), d[:, 1:].ravel()
    keep = (a < len(class_of)) & (b < len(class_of))
    ca, cb = pos[class_of[a[keep]]], pos[class_of[b[keep]]]
    moved = ca != cb
    ca, cb = ca[moved], cb[moved]
    return {"decoded_class_changes": int(moved.sum()),
            "share_changing_op_counts": round(float(np.mean(groups[ca] != groups[cb])), 4),
            "share_to_another_island": round(float(np.mean(labels[ca] != labels[cb])), 4)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", choices=("nb201", "digits"), default="nb201")
    ap.add_argument("--only", default="", help="comma-separated settings (baseline always runs): "
                    + ",".join([*SETTINGS, *EXTRA]))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    only = [s for s in args.only.split(",") if s]
    unknown = [s for s in only if s not in SETTINGS and s not in EXTRA and s != "baseline"]
    if unknown:
        print(f"--only: unknown setting {unknown[0]!r}; choose from {', '.join([*SETTINGS, *EXTRA])}", file=sys.stderr)
        return 2
    from table_model import table_model

    from naoviz import map_quality as mq
    from naoviz.atlas_build import UMAP_PARAMS
    from naoviz.projection import Projector

    t = table_model(args.table)
    bench, archs, raw, class_of, reps = t["bench"], t["archs"], t["raw"], t["class_of"], t["reps"]
    emb_all = raw / np.linalg.norm(raw, axis=1, keepdims=True)                   # (N, H) unit rows
    emb = emb_all[reps]
    pos = np.full(len(archs), -1)
    pos[reps] = np.arange(len(reps))
    acc_cells = bench.metric("valid_acc").astype(np.float64)
    acc = np.bincount(pos[class_of], weights=acc_cells) / np.bincount(pos[class_of])   # class mean (n,)
    ops = np.asarray(archs)
    rng = np.random.default_rng(0)
    sample = rng.choice(len(reps), min(SAMPLE, len(reps)), replace=False)
    groups = None
    if hasattr(bench.space, "ops") and ops.ndim == 2:
        counts = np.stack([(ops[reps] == o).sum(1) for o in range(len(bench.space.ops))], 1)
        groups = np.unique(counts, axis=0, return_inverse=True)[1].ravel()
    ctx = {"emb_knn": mq.knn(emb, 10, cosine=True), "edits": mq.class_edit_distances(ops, class_of, reps, sample),
           "sample": sample, "acc": acc, "groups": groups}

    _umap(emb)                                 # numba's compile (NN-descent too: n > 4096), not timed
    maps = {}
    t0 = time.perf_counter()
    maps["baseline"] = Projector("umap", cache=False, **UMAP_PARAMS).fit(raw[reps]).embedding_, time.perf_counter() - t0
    for name in [*SETTINGS, *EXTRA]:
        if only and name not in only:
            continue
        t0 = time.perf_counter()
        if name in SETTINGS:
            xy = _umap(emb, **SETTINGS[name])
        elif name == "every_cell":
            xy = _umap(emb_all)[reps]
        elif name == "subset2000_transform":
            fit = np.random.default_rng(1).choice(len(reps), 2000, replace=False)
            p = Projector("umap", cache=False, **UMAP_PARAMS).fit(emb[fit])
            xy = p.transform_many(emb)
            xy[fit] = p.embedding_
        else:
            xy = Projector("pca", cache=False).fit(emb).embedding_
        maps[name] = xy, time.perf_counter() - t0

    out = {"table": bench.name, "classes": int(len(reps)), "cells": int(len(archs)), "baseline": UMAP_PARAMS,
           "settings": {}}
    emb_nb = ctx["emb_knn"]
    ref = {"within_1_edit": round(mq.edit_share(ctx["edits"], emb_nb, sample, 1), 4),
           "within_2_edits": round(mq.edit_share(ctx["edits"], emb_nb, sample, 2), 4),
           "acc_diff_neighbours": round(mq.smoothness(acc, emb_nb)["neighbour_diff"], 3)}
    rand_nb = np.random.default_rng(2).integers(0, len(reps), size=emb_nb.shape)   # whatever --only runs
    chance = {"within_1_edit": round(mq.edit_share(ctx["edits"], rand_nb, sample, 1), 4),
              "within_2_edits": round(mq.edit_share(ctx["edits"], rand_nb, sample, 2), 4),
              "acc_diff_neighbours": round(mq.smoothness(acc, emb_nb)["random_diff"], 3)}
    if groups is not None:
        ref["same_op_counts"] = round(mq.same_group_share(groups, emb_nb), 4)
        chance["same_op_counts"] = round(mq.same_group_share(groups, rand_nb), 4)
        out["op_count_groups"] = int(groups.max() + 1)
    out["embedding_knn"], out["random_neighbours"] = ref, chance
    for name, (xy, secs) in maps.items():
        out["settings"][name] = {**quality(ctx, xy), "fit_s": round(secs, 1)}
    base = out["settings"]["baseline"]
    keys = ("islands_0.01", "knn_recall_at_10", "within_2_edits", "acc_diff_neighbours", "fit_s")
    for q in out["settings"].values():
        q["ratios_vs_baseline"] = {k: round(q[k] / base[k], 2) if base[k] else None for k in keys}
    out["gradient_paths"] = path_jumps(bench, class_of, pos, groups, mq.islands(maps["baseline"][0])["labels"])
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{out['table']}: {out['classes']} classes of {out['cells']} cells; baseline UMAP {UMAP_PARAMS}")
    print(f"embedding's own 10 nearest: {ref}; random neighbours: {chance}")
    if groups is not None:
        print(f"op-count groups (how many cells of each op): {out['op_count_groups']}")
    print(f"gradient paths of the cached atlas (None: none cached): {out['gradient_paths']}")
    cols = ("islands_0.01", "islands_0.005", "islands_0.02", "knn_recall_at_10", "within_1_edit", "within_2_edits",
            "acc_diff_neighbours", "same_op_counts", "op_count_groups_in_one_island", "fit_s")
    print(f"{'setting':22s} " + " ".join(f"{c[:14]:>14s}" for c in cols))
    for name, q in out["settings"].items():
        print(f"{name:22s} " + " ".join(f"{str(q.get(c, '-')):>14s}" for c in cols)
              + f"  ratios {q['ratios_vs_baseline']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Atlas build time and map quality.

Timing: a cold first start (empty cache: the ``fast`` model the dashboard trains, then the atlas) broken
into table, training, embedding, each map, paths, neighbours; the ratio is the total against the issue's
30 s target. Map quality (``--compare-maps``): for the class representatives (one point per isomorphism
class), kNN recall at k=10 (share of each point's 10 nearest neighbours in the embedding, cosine, that are
also among its 10 nearest on the map) and sklearn's trustworthiness, for PCA, UMAP fitted on every cell
(what the dashboard drew: the "specks") and UMAP on one point per class with a few settings; the ratio
is each map's recall against the every-cell UMAP's.

Run: NAOVIZ_DATA=... nice -n 10 .venv/bin/python bench/atlas.py --table nb201 [--json]          (cold timing)
     NAOVIZ_DATA=... nice -n 10 .venv/bin/python bench/atlas.py --table nb201 --warm --compare-maps [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np

SETTINGS = [(15, 0.1), (50, 0.1), (15, 0.5), (50, 0.5)]   # UMAP (n_neighbors, min_dist)


def knn(X: np.ndarray, k: int, cosine: bool) -> np.ndarray:
    """(n, k) rows of each row's k nearest other rows (cosine on unit rows, else euclidean)."""
    X = X.astype(np.float64)
    out = np.zeros((len(X), k), dtype=np.int64)
    sq = (X ** 2).sum(1)
    for lo in range(0, len(X), 2048):
        x = X[lo:lo + 2048]
        d = -(x @ X.T) if cosine else sq[None, :] - 2 * x @ X.T + sq[lo:lo + 2048, None]
        d[np.arange(len(x)), np.arange(lo, lo + len(x))] = np.inf
        out[lo:lo + len(x)] = np.argsort(d, axis=1, kind="stable")[:, :k]
    return out


def map_quality(emb: np.ndarray, xy: np.ndarray, k: int = 10) -> dict:
    from sklearn.manifold import trustworthiness
    a, b = knn(emb, k, True), knn(xy, k, False)
    recall = float(np.mean([len(set(r) & set(s)) / k for r, s in zip(a, b)]))
    cos = 1 - np.clip(emb @ emb.T, -1, 1)
    np.fill_diagonal(cos, 0)
    trust = float(trustworthiness(cos, xy, n_neighbors=k, metric="precomputed"))
    # specks: share of points whose nearest map neighbour is closer than 0.1% of the map's extent
    extent = float(np.ptp(xy, axis=0).max())
    d1 = np.linalg.norm(xy - xy[b[:, 0]], axis=1)
    return {"knn_recall_at_10": round(recall, 4), "trustworthiness_at_10": round(trust, 4),
            "share_stacked": round(float(np.mean(d1 < 1e-3 * extent)), 4)}


def compare_maps(emb_all: np.ndarray, class_of: np.ndarray, random_state: int = 0) -> dict:
    from naoviz.projection import Projector
    reps = np.flatnonzero(class_of == np.arange(len(class_of)))
    emb = emb_all[reps]
    out = {}
    t0 = time.perf_counter()
    full = Projector("umap", random_state=random_state, cache=False).fit(emb_all)
    out["umap_every_cell_15_0.1"] = {**map_quality(emb, full.embedding_[reps]),
                                     "fit_s": round(time.perf_counter() - t0, 1), "points": len(emb_all)}
    t0 = time.perf_counter()
    pca = Projector("pca", random_state=random_state, cache=False).fit(emb)
    out["pca_classes"] = {**map_quality(emb, pca.embedding_), "fit_s": round(time.perf_counter() - t0, 1),
                          "points": len(emb)}
    for nn, md in SETTINGS:
        t0 = time.perf_counter()
        p = Projector("umap", random_state=random_state, n_neighbors=nn, min_dist=md, cache=False).fit(emb)
        out[f"umap_classes_{nn}_{md}"] = {**map_quality(emb, p.embedding_),
                                          "fit_s": round(time.perf_counter() - t0, 1), "points": len(emb)}
    base = out["umap_every_cell_15_0.1"]["knn_recall_at_10"]
    for v in out.values():
        v["recall_ratio_vs_every_cell_umap"] = round(v["knn_recall_at_10"] / base, 2) if base else None
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", choices=("nb201", "digits"), default="nb201")
    ap.add_argument("--compare-maps", action="store_true", help="map quality only (use with --warm)")
    ap.add_argument("--warm", action="store_true", help="use the normal cache instead of an empty one")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not args.warm:
        os.environ["NAOVIZ_CACHE"] = tempfile.mkdtemp(prefix="naoviz-bench-atlas-")
    import torch
    torch.set_num_threads(1)
    from naoviz.atlas_cache import atlas_for
    from naoviz.nao.cache import ModelSpec, load_or_train
    from naoviz.tables import load_benchmark

    t0 = time.perf_counter()
    bench = load_benchmark("nb201" if args.table == "nb201" else "nb201-digits")
    spec = ModelSpec(metric="valid_acc")                 # what the dashboard trains (Dashboard._spec)
    timings = {"table_s": round(time.perf_counter() - t0, 2)}
    t0 = time.perf_counter()
    model, cached = load_or_train(bench, spec)
    timings["train_s" if not cached else "model_load_s"] = round(time.perf_counter() - t0, 2)
    if args.compare_maps:              # map quality only (the timing run is separate: it needs an empty cache)
        from naoviz.atlas_build import classes_of
        archs = bench.archs()
        out = {"table": bench.name, "model_timings_s": timings,
               "maps": compare_maps(model.embed(archs), classes_of(bench.space, archs)[0])}
        if args.json:
            print(json.dumps(out, indent=2))
        for name, q in out["maps"].items():
            print(f"  {name:28s} recall@10 {q['knn_recall_at_10']:.3f}  trust@10 {q['trustworthiness_at_10']:.3f}  "
                  f"stacked {q['share_stacked']:.3f}  ratio {q['recall_ratio_vs_every_cell_umap']}  fit {q['fit_s']} s")
        return 0
    t0 = time.perf_counter()
    quick = atlas_for(bench, spec, seeds="none", maps=("pca",))
    timings["atlas_quick_pca_no_paths_s"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    atlas = atlas_for(bench, spec)
    timings["atlas_full_s"] = round(time.perf_counter() - t0, 2)
    first_interactive = timings["table_s"] + timings.get("train_s", timings.get("model_load_s", 0)) \
        + timings["atlas_quick_pca_no_paths_s"]
    out = {"table": bench.name, "rows": len(bench), "cold": not args.warm, "threads": 1,
           "timings_s": timings, "quick_build_stages_s": quick.meta["timings_s"],
           "full_build_stages_s": atlas.meta["timings_s"], "seeds": int(len(atlas.seeds)),
           "etas": int(len(atlas.etas)), "rows_in_atlas": len(atlas.labels),
           "first_interactive_s": round(first_interactive, 1), "target_s": 30.0}
    out["ratio_to_target"] = round(first_interactive / 30.0, 2)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{bench.name}: cold={out['cold']} {timings}")
        print(f"quick atlas stages {out['quick_build_stages_s']}")
        print(f"full atlas stages ({out['seeds']} seeds x {out['etas']} etas) {out['full_build_stages_s']}")
        print(f"first interactive (table + model + PCA atlas): {first_interactive:.1f} s; "
              f"target 30 s, ratio {out['ratio_to_target']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

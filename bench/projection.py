"""Projection costs: PCA vs UMAP fit (cold, incl. numba JIT), warm cached load, transform of 50 points.

Decides how the dashboard shows its first map (PCA at once, UMAP swapped in from a background thread).
Embeddings: NB201 one-hot features of all 15,625 archs (or --n rows), unit-normalised, as a stand-in for
NAO's embeddings (same size and metric). Run: .venv/bin/python bench/projection.py [--n 15625] [--json]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

from bench_out import print_figures


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=15625)
    ap.add_argument("--skip-umap", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    os.environ.setdefault("NAOVIZ_CACHE", tempfile.mkdtemp(prefix="naoviz-bench-"))
    from naoviz.projection import Projector
    from naoviz.spaces import NB201Space

    space = NB201Space()
    archs = space.all_archs()[: args.n]
    rng = np.random.default_rng(0)
    X = space.one_hot(archs) @ rng.standard_normal((space.seq_len * space.vocab_size, 64)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    new = X[:50] + 0.05 * rng.standard_normal((50, X.shape[1])).astype(np.float32)
    out = {"n": len(X), "dim": X.shape[1]}

    def timed(fn):
        t0 = time.perf_counter()
        r = fn()
        return r, time.perf_counter() - t0

    pca, out["pca_fit_s"] = timed(lambda: Projector("pca").fit(X))
    pca.transform(new)
    _, out["pca_transform50_s"] = timed(lambda: pca.transform(new))
    if not args.skip_umap:
        _, out["umap_import_s"] = timed(lambda: __import__("umap"))
        um, out["umap_fit_cold_s"] = timed(lambda: Projector("umap").fit(X))
        um2, out["umap_fit_cached_s"] = timed(lambda: Projector("umap").fit(X))
        assert um2.from_cache_
        um2.transform(new)
        a, out["umap_transform50_s"] = timed(lambda: um2.transform(new))
        b = np.vstack([um2.transform(new[i:i + 1]) for i in range(50)])
        out["umap_transform_batch_independent"] = bool(np.array_equal(a, b))
        out["ratio_umap_cold_vs_pca"] = out["umap_fit_cold_s"] / max(out["pca_fit_s"], 1e-9)
        out["ratio_umap_cached_vs_cold"] = out["umap_fit_cached_s"] / out["umap_fit_cold_s"]
    print_figures(out, args.json, width=34, digits=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())

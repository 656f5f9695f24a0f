"""Dashboard start-up: cold (train + cache the model) vs warm (everything cached) build of the app.

Builds ``naoviz.ui.Dashboard`` in-process (no browser) with the production defaults (1,000 training archs,
NAOConfig "fast", UMAP map), first in an empty cache folder, then again with the cache warm; waits for the
background UMAP fit of the cold run and reports it. The browser-side numbers (page load, four sessions,
memory per kernel) come from tests/test_ui_browser.py (tests/artifacts/*.json).
Run: .venv/bin/python bench/dashboard.py [--n-train 1000] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-train", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=None, help="default: the fast preset's")
    ap.add_argument("--map", default="umap", choices=["umap", "pca"])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    os.environ["NAOVIZ_CACHE"] = tempfile.mkdtemp(prefix="naoviz-bench-dash-")
    import torch
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    from naoviz.ui import Dashboard
    out = {"import_s": time.perf_counter() - t0, "n_train": args.n_train, "map": args.map}
    t = time.perf_counter()
    cold = Dashboard(n_train=args.n_train, epochs=args.epochs, method=args.map, background=False)
    out["cold_build_s"] = time.perf_counter() - t
    out["cold_timings"] = cold.timings
    fut = cold.explorer.session.umap_future
    if fut is not None:
        fut.result()
        out["umap_background_s"] = time.perf_counter() - t
    t = time.perf_counter()
    warm = Dashboard(n_train=args.n_train, epochs=args.epochs, method=args.map, background=False)
    out["warm_build_s"] = time.perf_counter() - t
    out["warm_timings"] = warm.timings
    out["warm_map"] = warm.explorer.session.map_method
    out["ratio_warm_vs_cold"] = out["warm_build_s"] / out["cold_build_s"]
    if args.json:
        json.dump(out, sys.stdout, indent=2, default=str)
        print()
    else:
        for k, v in out.items():
            print(f"{k:>20}: {v:.2f}" if isinstance(v, float) else f"{k:>20}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

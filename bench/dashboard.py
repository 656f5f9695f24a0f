"""Dashboard first start: cold (train the model and build the explorer's atlas) vs warm (atlas cached).

Builds ``naoviz.ui.Dashboard`` in-process (no browser) in an empty cache folder, with the shipped digits
model and atlas switched off (``NAOVIZ_SHIPPED_OFF``) so the cold start really builds; then again with the
cache warm. A cold start is interactive once the model is trained and the quick atlas (PCA map, paths for
256 classes) is shown (``cold_interactive_s``); the full atlas (UMAP, every class's path) replaces it in the
background (``cold_complete_s``). Reports the stages of the full build from the atlas's own timings, and the
warm/cold ratio. With ``--shipped`` the first start uses what ships (digits).
The browser side (N visitors, websocket bytes, RSS per kernel) is bench/dashboard_load.py.
Run: .venv/bin/python bench/dashboard.py [--table nb201|nb201-digits] [--map umap|pca] [--seeds N] [--json]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from bench_out import print_figures


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", default="nb201", choices=["nb201", "nb201-digits"])
    ap.add_argument("--n-train", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=None, help="default: the fast preset's")
    ap.add_argument("--map", default="umap", choices=["umap", "pca"])
    ap.add_argument("--seeds", type=int, default=None, help="paths for the first N classes only (default: all)")
    ap.add_argument("--shipped", action="store_true", help="let the first start use the shipped digits atlas")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    os.environ["NAOVIZ_CACHE"] = tempfile.mkdtemp(prefix="naoviz-bench-dash-")
    if not args.shipped:
        os.environ["NAOVIZ_SHIPPED_OFF"] = "1"
    import torch
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    from naoviz.ui import Dashboard
    opts = dict(table=args.table, n_train=args.n_train, epochs=args.epochs, method=args.map, seeds=args.seeds,
                background=False)
    out = {"table": args.table, "import_s": time.perf_counter() - t0, "n_train": args.n_train, "map": args.map,
           "seeds": args.seeds, "shipped": args.shipped}
    t = time.perf_counter()
    cold = Dashboard(**dict(opts, background=True))
    cold.ready.wait()
    out["cold_interactive_s"] = time.perf_counter() - t
    if cold.explorer is None:
        raise SystemExit(f"dashboard did not build: {cold.stage.value}")
    out["cold_first_atlas"] = {"maps": list(cold.explorer.atlas.maps), "seeds": int(len(cold.explorer.atlas.seeds))}
    cold.complete.wait()
    out["cold_complete_s"] = time.perf_counter() - t
    out["cold_timings_s"] = {k: round(v, 2) for k, v in cold.timings.items()}
    out["cold_atlas_stages_s"] = cold.explorer.atlas.meta.get("timings_s")
    t = time.perf_counter()
    warm = Dashboard(**opts)
    out["warm_ready_s"] = time.perf_counter() - t
    out["ratio_warm_vs_cold_interactive"] = out["warm_ready_s"] / out["cold_interactive_s"]
    out["atlas_rows"], out["atlas_seeds"] = len(warm.explorer.atlas.labels), int(len(warm.explorer.atlas.seeds))
    print_figures(out, args.json, width=20, digits=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

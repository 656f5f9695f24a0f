"""Speed of ``NAO.path`` for a 50-point eta grid (the explorer's slider indexes it): warm, one thread.

Baseline in the same run: the same 50 points as 50 separate one-eta ``path`` calls (what a naive slider
would do). The model has the ``default`` preset's sizes; its quality is irrelevant here, so it trains
for a few epochs only. Run: .venv/bin/python bench/path_speed.py [--repeats 30] [--threads 1] [--json]
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--preset", default="default")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    from naoviz.nao import NAO, NAOConfig
    from naoviz.spaces import NB201Space

    space = NB201Space()
    archs = space.sample(200, seed=0)
    values = np.random.default_rng(0).random(200)
    nao = NAO(space, NAOConfig.preset(args.preset, epochs=5)).fit(archs, values, progress=False)
    etas = np.arange(50, dtype=float)
    seeds = space.sample(args.repeats, seed=1)

    def timed(fn):
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    for s in seeds[:3]:                       # warm-up: allocator, autograd graph caches
        nao.path(s, etas)
    grid = [timed(lambda s=s: nao.path(s, etas)) for s in seeds]
    naive = [timed(lambda s=s: [nao.path(s, [e]) for e in etas]) for s in seeds[:5]]
    out = {"preset": args.preset, "threads": torch.get_num_threads(), "etas": len(etas), "repeats": len(grid),
           "path_ms_median": 1000 * float(np.median(grid)), "path_ms_p90": 1000 * float(np.quantile(grid, 0.9)),
           "naive_ms_median": 1000 * float(np.median(naive)),
           "speedup_vs_naive": float(np.median(naive) / np.median(grid)), "target_ms": 100.0}
    out["meets_target"] = out["path_ms_median"] <= out["target_ms"]
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"path(), 50 etas, warm, {out['threads']} thread(s): median {out['path_ms_median']:.1f} ms, "
              f"p90 {out['path_ms_p90']:.1f} ms (target <= 100 ms: {'met' if out['meets_target'] else 'MISSED'})")
        print(f"baseline: 50 one-eta calls: median {out['naive_ms_median']:.1f} ms; "
              f"ratio {out['speedup_vs_naive']:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

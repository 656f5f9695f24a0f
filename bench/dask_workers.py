"""Child-training throughput on local Dask workers: naoviz's worker malloc settings vs Dask's defaults.

Dask starts each worker with ``MALLOC_TRIM_THRESHOLD_=65536``; a torch training step then page-faults its
buffers back in over and over. naoviz's LocalCluster sets ``naoviz.evaluate.WORKER_MALLOC_ENV`` instead.
Both clusters train the same build-table cells (digits, 4 epochs, C=8, N=1) in the same run; the figure is
seconds per architecture and the ratio against the Dask-default baseline, plus user/system CPU per task.
Run: .venv/bin/python bench/dask_workers.py [--archs 12] [--workers 2] [--json]
"""
from __future__ import annotations

import argparse
import importlib
import json
import time

import numpy as np


def train_one(arch) -> tuple[float, float, float]:
    """(wall, user CPU, system CPU) seconds of one build-table training, measured inside the worker."""
    import resource

    from naoviz.child.build_table import train_metrics

    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    train_metrics(arch)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter() - t0, r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime


def run_cluster(archs, workers: int, environ: dict) -> dict:
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        client.gather([client.submit(train_one, a, pure=False) for a in archs[:workers]])   # warm: data, imports
        t0 = time.perf_counter()
        tasks = np.array(client.gather([client.submit(train_one, a, pure=False) for a in archs[workers:]]))
        wall = time.perf_counter() - t0
    n = len(archs) - workers
    return {"s_per_arch": wall / n, "task_wall_s": float(tasks[:, 0].mean()), "task_user_s": float(tasks[:, 1].mean()),
            "task_sys_s": float(tasks[:, 2].mean()), "archs": n}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--archs", type=int, default=12, help="timed architectures per cluster")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    import dask
    importlib.import_module("distributed")          # registers the distributed.* config defaults

    from naoviz.evaluate import WORKER_MALLOC_ENV
    from naoviz.spaces import NB201Space

    archs = NB201Space().sample(args.archs + args.workers, seed=1)
    dask_default = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    baseline = run_cluster(archs, args.workers, dask_default)
    ours = run_cluster(archs, args.workers, {**dask_default, **WORKER_MALLOC_ENV})
    out = {"workers": args.workers, "dask_default_env": dask_default, "naoviz_env": WORKER_MALLOC_ENV,
           "dask_default": baseline, "naoviz": ours, "speedup": baseline["s_per_arch"] / ours["s_per_arch"]}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for name, r in (("Dask default env", baseline), ("naoviz worker env", ours)):
            print(f"{name:>17}: {r['s_per_arch']:.2f} s/arch with {args.workers} workers; per task "
                  f"{r['task_wall_s']:.2f} s wall, {r['task_user_s']:.2f} s user, {r['task_sys_s']:.2f} s system")
        print(f"ratio: {out['speedup']:.2f}x faster than the Dask-default baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

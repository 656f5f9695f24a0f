"""Start-up cost of naoviz's local Dask cluster with mutual TLS (``naoviz.dask_connect.local_cluster_security``) vs
plain tcp (before 2026-12-06), measured in the same run, alternating, so load on the machine hits both alike.

One sample: make the key (TLS only), start the cluster as ``Executors`` does (N worker processes, 1 thread each,
127.0.0.1), wait for the workers, run one task on each: that time is the start-up (the close is not counted). Also the key's making alone and the round trip of
a small task on the warm cluster. Prints medians and the ratio TLS / plain.
Run: .venv/bin/python bench/dask_tls.py [--repeats 5] [--workers 2] [--json]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time


def one_start(workers: int, tls: bool, tasks: int) -> tuple[float, float]:
    """(start-up seconds: key, cluster, workers up, a first task on each; median seconds of a small task's
    round trip on the warm cluster)."""
    from distributed import Client, LocalCluster

    from naoviz.dask_connect import local_cluster_security
    t0 = time.perf_counter()
    security = local_cluster_security() if tls else None
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", security=security) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers, timeout=120)
        client.gather([client.submit(pow, 2, i, pure=False) for i in range(workers)])
        started = time.perf_counter() - t0
        rounds = []
        for i in range(tasks):
            t1 = time.perf_counter()
            client.submit(pow, 3, i, pure=False).result()
            rounds.append(time.perf_counter() - t1)
    return started, statistics.median(rounds)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5, help="cluster starts per variant (alternating)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tasks", type=int, default=50, help="small tasks timed one by one on each warm cluster")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from naoviz.dask_connect import local_cluster_security

    keys = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        local_cluster_security()
        keys.append(time.perf_counter() - t0)
    runs: dict = {"plain": [], "tls": []}
    for _ in range(args.repeats):
        for name in ("plain", "tls"):
            runs[name].append(one_start(args.workers, name == "tls", args.tasks))
    out = {"workers": args.workers, "repeats": args.repeats, "key_s": statistics.median(keys)}
    for name, samples in runs.items():
        out[f"{name}_start_s"] = statistics.median(s for s, _ in samples)
        out[f"{name}_task_ms"] = 1000 * statistics.median(r for _, r in samples)
    out["start_ratio"] = out["tls_start_s"] / out["plain_start_s"]
    out["task_ratio"] = out["tls_task_ms"] / out["plain_task_ms"]
    if args.json:
        print(json.dumps(out))
    else:
        print(f"local cluster, {args.workers} workers, median of {args.repeats} starts each (key, start, workers up, first tasks):")
        print(f"  plain tcp: {out['plain_start_s']:.2f} s   small task round trip {out['plain_task_ms']:.1f} ms")
        print(f"  mutual TLS: {out['tls_start_s']:.2f} s   small task round trip {out['tls_task_ms']:.1f} ms"
              f"   (of which making the key: {out['key_s']:.3f} s)")
        print(f"  ratio TLS / plain: start {out['start_ratio']:.2f}x, task {out['task_ratio']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

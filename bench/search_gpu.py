"""NAO-WS on CIFAR-10 (NB201 or NAONet-WS supernet) for a fixed time budget; synthetic CIFAR-shaped data when
CIFAR is absent.

    python bench/search_gpu.py --device cuda --budget-s 300 [--space nb201|naonet-ws] [--channels 16 --cells 5] [--json]
    python bench/search_gpu.py --device cpu --budget-s 20 --channels 4 --cells 1 --synthetic   # smoke test

A short probe (a few training steps and cell evaluations on the real batch size) times one supernet epoch and
one pool evaluation; the epochs are then split as NAO-WS does (warm-up + rounds x epochs per round) so that
the whole search fits ``--budget-s``. Prints the returned cell, its supernet accuracy, images/s and the
planned vs spent time. The baseline ratio: the returned cell's supernet accuracy vs the mean of the initial
random pool (same run, same weights).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def load(args):
    from naoviz.child.data import load_data, synthetic_data
    if not args.synthetic:
        try:
            return load_data("cifar10"), "cifar10"
        except (OSError, ValueError) as exc:
            print(f"CIFAR-10 not available ({str(exc)[:120]}); using synthetic CIFAR-shaped data", file=sys.stderr)
    n = args.synthetic_images
    return synthetic_data(n_train=n, n_valid=max(n // 10, 64), n_test=max(n // 10, 64), num_classes=10, size=32,
                          seed=0), "synthetic-cifar"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="auto")
    p.add_argument("--space", default="nb201", choices=("nb201", "naonet-ws"),
                   help="the supernet: NB201's cell, or NAONet-WS's 5-op cells (channels-last off: torch CPU bug)")
    p.add_argument("--budget-s", type=float, default=300.0)
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--cells", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--eval-batch-size", type=int, default=500)
    p.add_argument("--pool", type=int, default=100)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--synthetic", action="store_true", help="skip CIFAR-10 even when it is there")
    p.add_argument("--synthetic-images", type=int, default=5000)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    import torch

    from naoviz.child.data import ChildData
    from naoviz.child.oneshot import OneShot, SupernetConfig
    from naoviz.child.trainer import resolve_device
    from naoviz.search.nao_ws import NAOWSConfig, run_nao_ws

    device = resolve_device(args.device)
    torch.set_num_threads(1 if device.type == "cpu" else torch.get_num_threads())
    data, data_name = load(args)
    base = dict(data="cifar10", channels=args.channels, cells=args.cells, batch_size=args.batch_size,
                eval_batch_size=args.eval_batch_size, device=str(device), channels_last=args.space == "nb201")
    # probe: a slice of the training set, one epoch (includes warm-up / cudnn autotune), then one timed epoch
    k = min(len(data.train[1]), 8 * args.batch_size)
    probe_data = ChildData(data.name, (data.train[0][:k], data.train[1][:k]), data.valid, data.test,
                           data.num_classes, data.mean, data.std, data.augment)
    probe = OneShot(SupernetConfig.for_space(args.space, **base, epochs=2), probe_data)
    probe.train(1)
    t0 = time.perf_counter()
    probe.train(1)
    if device.type == "cuda":
        torch.cuda.synchronize()
    per_image = (time.perf_counter() - t0) / k
    t0 = time.perf_counter()
    probe.evaluate(probe.space.sample(5, seed=0))
    per_cell = (time.perf_counter() - t0) / 5
    epoch_s = per_image * len(data.train[1])
    eval_s = per_cell * args.pool * (args.rounds + 1)
    nao_s = 10.0 * args.rounds
    left = max(args.budget_s - eval_s - nao_s, epoch_s)
    total = max(1, int(left // epoch_s))
    per_round = max(0, total // (2 * max(args.rounds, 1)))             # half the epochs in the rounds
    warmup = max(1, total - per_round * args.rounds)
    cfg = NAOWSConfig(space=args.space, pool_size=args.pool, rounds=args.rounds, warmup_epochs=warmup, epochs_per_round=per_round,
                      top_k=min(20, args.pool), n_new=min(30, args.pool - 1), supernet=base,
                      rerank_top=0)                       # the budget plan has no re-ranking in it
    del probe
    result = run_nao_ws(cfg, data=data)
    first = result.rounds[0] if result.rounds else {}
    summary = {"space": args.space, "device": str(device), "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
               "data": data_name, "train_images": len(data.train[1]), "budget_s": args.budget_s,
               "planned": {"epoch_s": epoch_s, "pool_eval_s": eval_s, "epochs": warmup + per_round * args.rounds,
                           "warmup_epochs": warmup, "epochs_per_round": per_round},
               "train_images_per_s": 1.0 / per_image, "cells_evaluated_per_s": 1.0 / per_cell,
               "best": result.best_arch, "best_supernet_acc": result.best_supernet_acc,
               "initial_pool_mean_acc": first.get("pool_mean_acc"),
               "ratio_best_vs_initial_pool_mean": (result.best_supernet_acc / first["pool_mean_acc"]
                                                   if first.get("pool_mean_acc") else math.nan),
               "wall_s": result.wall_s, "cpu_s": result.cpu_s, "rounds": [
                   {k: v for k, v in r.items() if k != "new_archs"} for r in result.rounds]}
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    print(f"NAO-WS ({args.space}) on {data_name} ({summary['train_images']} train images), {summary['device']} "
          f"{summary['gpu'] or ''}: budget {args.budget_s:.0f} s, spent {result.wall_s:.0f} s wall")
    print(f"  {summary['planned']['epochs']} supernet epochs ({warmup} warm-up + {args.rounds} x {per_round}), "
          f"{summary['train_images_per_s']:.0f} train images/s, {summary['cells_evaluated_per_s']:.1f} cells/s")
    print(f"  best {result.best_arch}: supernet {result.best_supernet_acc:.2f} % vs initial pool mean "
          f"{first.get('pool_mean_acc', math.nan):.2f} % (ratio {summary['ratio_best_vs_initial_pool_mean']:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

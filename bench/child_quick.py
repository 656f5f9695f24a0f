"""The Child tab's recipe: test accuracy and wall time of ``digits-quick`` on good, median and poor cells.

Cells come from the shipped digits table (naoviz/resources/nb201_digits.csv) at quantiles of its test accuracy
(default 95 %, 50 %, 5 %, 2 %: "good" to "poor"). Each is trained with the ``digits-quick`` preset (what the tab
and ``naoviz train-child --preset digits-quick`` run) and, for the ratio, with the ``digits-table`` preset and
the tab's old recipe (the trainer's default net, C=16 N=5, 3 epochs, batch 128, lr 0.025) on the first
``--baseline-cells`` cells. Wall time counts the whole call (net build, training, test), the dataset loaded once.
Targets (issue 15, step 5): every cell >= 80 % test accuracy in <= 20 s on 2 cores.

Run: nice -n 10 .venv/bin/python bench/child_quick.py [--quantiles 0.95 0.5 0.05 0.02] [--baseline-cells 1] [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time


def pick_cells(quantiles) -> list[dict]:
    """Digits-table rows at the given quantiles of test accuracy (ties broken by arch_index)."""
    from naoviz.tables import load_digits_table

    frame = load_digits_table().frame.reset_index()
    frame = frame.sort_values(["test_acc", "arch_index"], kind="stable").reset_index(drop=True)
    rows = []
    for q in quantiles:
        r = frame.iloc[min(int(q * len(frame)), len(frame) - 1)]
        rows.append({"quantile": q, "arch": r["arch_str"], "table_test_acc": float(r["test_acc"])})
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quantiles", type=float, nargs="+", default=[0.95, 0.5, 0.05, 0.02])
    ap.add_argument("--baseline-cells", type=int, default=1, help="cells also trained with the old recipe")
    ap.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE",
                    help="override digits-quick fields (e.g. threads=2 epochs=4) to explore a recipe")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    import torch

    from naoviz.child import TrainConfig, get_preset, load_data, train_child, train_preset

    quick = get_preset("digits-quick")
    if args.set:
        changes = dict(kv.split("=", 1) for kv in args.set)
        quick = quick.with_changes(**{k: type(getattr(quick, k))(v) for k, v in changes.items()})
    data = load_data("digits", seed=0)

    cpu = {}

    def timed(fn):
        t0, c0 = time.perf_counter(), time.process_time()
        r = fn()
        cpu["last"] = time.process_time() - c0       # CPU seconds: on a loaded machine, near the idle wall time
        return r, time.perf_counter() - t0

    cells = pick_cells(args.quantiles)
    for k, cell in enumerate(cells):
        r, cell["quick_s"] = timed(lambda: train_preset("nb201", cell["arch"], quick, data=data))
        cell["quick_test_acc"], cell["quick_params"], cell["quick_cpu_s"] = r.test_acc, r.params, cpu["last"]
        r, cell["table_recipe_s"] = timed(lambda: train_preset("nb201", cell["arch"], "digits-table", data=data))
        cell["table_recipe_test_acc"], cell["table_recipe_cpu_s"] = r.test_acc, cpu["last"]
        if k < args.baseline_cells:
            torch.set_num_threads(quick.threads)
            r, cell["old_s"] = timed(lambda: train_child("nb201", cell["arch"], data,
                                                         TrainConfig(epochs=3, progress=False, device="cpu")))
            cell["old_test_acc"], cell["old_params"], cell["old_cpu_s"] = r.test_acc, r.params, cpu["last"]
        if not args.json:
            print(json.dumps(cell), flush=True)
    worst = min(c["quick_test_acc"] for c in cells)
    slowest = max(c["quick_s"] for c in cells)
    out = {"preset": quick.to_dict(), "torch_threads": quick.threads, "cells": cells,
           "quick_min_test_acc": worst, "quick_max_s": slowest, "quick_max_cpu_s": max(c["quick_cpu_s"] for c in cells),
           "target_met": bool(worst >= 80.0 and slowest <= 20.0)}
    base = [c for c in cells if "old_s" in c]
    if base:
        out["ratio_test_acc_quick_vs_old"] = sum(c["quick_test_acc"] for c in base) / max(
            sum(c["old_test_acc"] for c in base), 1e-9)
        out["ratio_time_quick_vs_old"] = sum(c["quick_s"] for c in base) / sum(c["old_s"] for c in base)
    if args.json:
        json.dump(out, sys.stdout, indent=2)
        print()
    else:
        print(f"digits-quick: worst test acc {worst:.1f} % (target >= 80), slowest {slowest:.1f} s (target <= 20): "
              f"{'met' if out['target_met'] else 'MISSED'} (max CPU time {out['quick_max_cpu_s']:.1f} s)")
        if base:
            print(f"vs the old tab recipe on {len(base)} cell(s): test acc x{out['ratio_test_acc_quick_vs_old']:.2f}, "
                  f"time x{out['ratio_time_quick_vs_old']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

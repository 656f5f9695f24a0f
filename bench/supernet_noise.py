"""The digits table's own noise floor: how well does one 4-epoch training order the table's top cells?

    nice -n 19 python bench/supernet_noise.py [--classes 60] [--top-pct 20] [--seeds 1,2,3] [--sample-seed 0]
        [--cache FILE] [--json] [--out FILE]

The digits table (``nb201-digits``) is one training per class (preset ``digits-table``: 4 epochs, seed 0).
A NAO-WS goal measured against it ("the returned cell in the table's top 5 %") can only be as sharp as that
one training. This bench draws ``--classes`` classes spread over the table's top ``--top-pct`` % (one seeded
class from each of ``--classes`` equal rank strata), trains each again with the same recipe and other seeds
(``--seeds``; seed 0 is the table's own and refused: selecting on it would select on the measuring noise;
the data split stays the table's, seed 0, so only the training's noise is measured),
and prints, on that sample:
  * Kendall tau between the table and each retraining, between retrainings, and of the mean of the retrainings;
  * how often a cell in the table's top 5 % stays in the top 5 % when retrained (its retrained accuracy
    placed among the table's 6,466 accuracies), per seed;
  * the table top % of the cell each rule picks from the sample: the best by one retraining, by the mean of
    2 and of 3 retrainings (what re-ranking candidates by short trainings can do when the candidates are this
    sample), next to the sample's best by the table itself and the sample's mean.
``--cache`` keeps every training (arch, seed, epochs) -> valid accuracy in a JSON file, so reruns and the
re-ranking bench (``bench/supernet_rerank.py``) reuse it. One torch thread.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class TrainCache:
    """(arch string, seed, epochs) -> valid accuracy (%) of a ``digits-table`` training on the table's own data
    split (digits split seed 0: the table's validation images; only the training seed changes), kept in a JSON
    file. With ``fresh=True`` the training runs on the split its own seed draws (what ``train_preset`` does when
    only the seed is given, and ``NAOWSConfig(rerank_split="fresh")``): the noise of other validation images on
    top of the training's. Keys: "ARCH SEED EPOCHS split0" for the table's split, "ARCH SEED EPOCHS" for fresh
    splits (the format of the first caches, made at commit 31d7d04 when every training drew its own split)."""

    def __init__(self, path):
        self.path = Path(path) if path else None
        self.values = json.loads(self.path.read_text()) if self.path and self.path.exists() else {}
        self.trained, self.cpu_s, self.data = 0, 0.0, None

    def valid_acc(self, arch: str, seed: int, epochs: int = 4, fresh: bool = False) -> float:
        key = f"{arch} {seed} {epochs}" + ("" if fresh else " split0")
        if key not in self.values:
            from naoviz.child.data import load_data
            from naoviz.child.presets import train_preset
            if self.data is None:
                self.data = load_data("digits", seed=0)
            c0 = time.process_time()
            data = load_data("digits", seed=seed) if fresh else self.data
            self.values[key] = float(train_preset("nb201", arch, "digits-table", data=data, seed=seed,
                                                  epochs=epochs).valid_acc)
            self.cpu_s += time.process_time() - c0
            self.trained += 1
            if self.path:                   # merge: another bench may have added trainings meanwhile
                from naoviz.paths import atomic_write_text
                if self.path.exists():
                    self.values = {**json.loads(self.path.read_text()), **self.values}
                atomic_write_text(self.path, json.dumps(self.values, indent=0))
        return self.values[key]


def top_pct(value: float, table_values) -> float:
    """Where an accuracy sits among the table's (rank / classes x 100; rank 1 = best, ties share it)."""
    import numpy as np
    return 100.0 * (int((np.asarray(table_values) > value).sum()) + 1) / len(table_values)


def stratified_sample(frame, n: int, top: float, seed: int) -> list[str]:
    """``n`` arch strings, one seeded draw from each of ``n`` equal rank strata of the table's top ``top`` %."""
    import numpy as np
    order = frame.sort_values("valid_acc", ascending=False, kind="stable")
    head = order.iloc[:int(round(len(order) * top / 100.0))]
    rng = np.random.default_rng([seed, 15])
    bounds = np.linspace(0, len(head), n + 1).astype(int)
    return [str(head.iloc[int(rng.integers(lo, hi))]["arch_str"]) for lo, hi in zip(bounds[:-1], bounds[1:])]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--classes", type=int, default=60, help="classes drawn from the table's top (default 60)")
    p.add_argument("--top-pct", type=float, default=20.0, help="draw from the table's top this %% (default 20)")
    p.add_argument("--seeds", default="1,2,3", help="retraining seeds, comma-separated, not 0 (default 1,2,3)")
    p.add_argument("--sample-seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--cache", default=None, help="JSON file of trainings, read and extended")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", default=None, help="write the result JSON here")
    args = p.parse_args()
    try:
        seeds = [int(v) for v in args.seeds.split(",")]
    except ValueError:
        print(f"--seeds: expected comma-separated integers, got {args.seeds!r}", file=sys.stderr)
        return 2
    if 0 in seeds or len(set(seeds)) != len(seeds) or len(seeds) < 2:
        print(f"--seeds: at least two distinct seeds, none 0 (the table's own), got {args.seeds!r}", file=sys.stderr)
        return 2
    if not 2 <= args.classes <= 1000 or not 0 < args.top_pct <= 100:
        print("--classes must be in 2..1000 and --top-pct in (0, 100]", file=sys.stderr)
        return 2
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import numpy as np
    import torch
    torch.set_num_threads(1)
    from naoviz.experiments.supernet import correlations
    from naoviz.tables import load_benchmark

    wall0 = time.perf_counter()
    table = load_benchmark("nb201-digits")
    values = np.asarray(table.frame["valid_acc"], dtype=float)
    archs = stratified_sample(table.frame, args.classes, args.top_pct, args.sample_seed)
    truth = np.array([float(table.query(table.space.parse(a))["valid_acc"]) for a in archs])
    cache = TrainCache(args.cache)
    acc = {}
    for s in seeds:
        acc[s] = np.array([cache.valid_acc(a, s, args.epochs) for a in archs])
        if not args.json:
            print(json.dumps({"seed": s, "trained": cache.trained, "wall_s": round(time.perf_counter() - wall0)}),
                  file=sys.stderr)
    mean_all = np.mean([acc[s] for s in seeds], axis=0)
    in_top5 = np.array([top_pct(v, values) <= 5.0 for v in truth])
    out = {"classes": len(archs), "top_pct": args.top_pct, "seeds": seeds, "epochs": args.epochs,
           "sample_seed": args.sample_seed, "table_top5_in_sample": int(in_top5.sum()),
           "tau_table_vs_seed": {s: correlations(acc[s], truth)["kendall_tau"] for s in seeds},
           "tau_seed_vs_seed": {f"{a}-{b}": correlations(acc[a], acc[b])["kendall_tau"]
                                for a, b in itertools.combinations(seeds, 2)},
           "tau_table_vs_mean": correlations(mean_all, truth)["kendall_tau"],
           "table_top5_stays_top5": {s: float(np.mean([top_pct(v, values) <= 5.0 for v in acc[s][in_top5]]))
                                     for s in seeds},
           "retrained_top5_is_table_top5": {s: float(np.mean(in_top5[[top_pct(v, values) <= 5.0 for v in acc[s]]]))
                                            if any(top_pct(v, values) <= 5.0 for v in acc[s]) else None
                                            for s in seeds},
           "mean_abs_diff_table_vs_seed": {s: float(np.mean(np.abs(acc[s] - truth))) for s in seeds},
           "std_seed_diff": float(np.std([acc[a] - acc[b] for a, b in itertools.combinations(seeds, 2)])),
           "mean_table_acc": float(truth.mean()), "mean_retrained_acc": float(mean_all.mean())}

    def pick(score) -> float:          # the table top % of the sample's best by score (ties: first drawn)
        return top_pct(truth[int(np.argmax(score))], values)

    out["pick_top_pct"] = {
        "table": pick(truth),
        "sample_mean": float(np.mean([top_pct(v, values) for v in truth])),
        "one_seed": {s: pick(acc[s]) for s in seeds},
        "mean_of_2": {f"{a}+{b}": pick(acc[a] + acc[b]) for a, b in itertools.combinations(seeds, 2)},
        "mean_of_all": pick(mean_all)}
    # the best a selection by other trainings can do: pick the sample's top 5 by the mean of the other seeds,
    # then place one more training of each (the held seed, a stand-in for the table's seed 0) in the table
    loo = []
    for h in seeds:
        rest = np.mean([acc[s] for s in seeds if s != h], axis=0)
        loo += [top_pct(acc[h][i], values) <= 5.0 for i in np.argsort(-rest, kind="stable")[:5]]
    out["leave_one_out_top5_rate"] = float(np.mean(loo))
    out["trained_now"], out["train_cpu_s"] = cache.trained, cache.cpu_s
    out["wall_s"] = time.perf_counter() - wall0
    if args.out:
        from naoviz.paths import atomic_write_text
        atomic_write_text(Path(args.out), json.dumps({**out, "archs": archs, "table": truth.tolist(),
                                                      "retrained": {s: acc[s].tolist() for s in seeds}}, indent=1))
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"{len(archs)} classes spread over the table's top {args.top_pct:g} % ({out['table_top5_in_sample']} in its "
          f"top 5 %), retrained {args.epochs} epochs with seeds {args.seeds} (the table: seed 0)")
    print("  Kendall tau table vs retraining: " + ", ".join(f"seed {s} {v:.3f}" for s, v in
                                                           out["tau_table_vs_seed"].items())
          + f"; vs their mean {out['tau_table_vs_mean']:.3f}")
    print("  Kendall tau retraining vs retraining: " + ", ".join(f"{k} {v:.3f}" for k, v in
                                                                out["tau_seed_vs_seed"].items()))
    print("  table top 5 % cells still top 5 % when retrained: " + ", ".join(
        f"seed {s} {100 * v:.0f} %" for s, v in out["table_top5_stays_top5"].items()))
    print("  retrained top 5 % cells in the table's top 5 %: " + ", ".join(
        f"seed {s} " + ("-" if v is None else f"{100 * v:.0f} %") for s, v in out["retrained_top5_is_table_top5"].items()))
    print("  |table - retrained| valid acc: " + ", ".join(f"seed {s} {v:.2f}" for s, v in
                                                          out["mean_abs_diff_table_vs_seed"].items())
          + f" points; std of seed-to-seed differences {out['std_seed_diff']:.2f} points")
    pk = out["pick_top_pct"]
    print("  table top % of the sample's best by: one retraining " + ", ".join(
        f"{v:.2f}" for v in pk["one_seed"].values()) + "; mean of 2 " + ", ".join(
        f"{v:.2f}" for v in pk["mean_of_2"].values()) + f"; mean of all {len(seeds)} {pk['mean_of_all']:.2f} "
          f"(the table itself {pk['table']:.2f}; a sample cell on average {pk['sample_mean']:.2f})")
    print(f"  the sample's top 5 by the mean of the other seeds, one more training placed in the table: top 5 % "
          f"{100 * out['leave_one_out_top5_rate']:.0f} % of the time (roughly what a rule that does not train "
          f"with the table's seed can expect)")
    print(f"  mean valid acc: table {out['mean_table_acc']:.2f} %, retrained {out['mean_retrained_acc']:.2f} %")
    print(f"  {out['trained_now']} trainings now ({out['train_cpu_s']:.0f} s CPU), {out['wall_s']:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``naoviz predictor``: NAO predictor/decoder/step quality on a benchmark table beside tree baselines."""
from __future__ import annotations

import json
import platform
import time

from naoviz.cli.common import emit_json

HEADLINE = [("nao.kendall_tau", "NAO tau"), ("baselines.random_forest.kendall_tau", "RF tau"),
            ("baselines.grad_boosting.kendall_tau", "GBT tau"),
            ("nao.kendall_tau_heldout_classes", "NAO tau new classes"),
            ("baselines.random_forest.kendall_tau_heldout_classes", "RF tau new classes"),
            ("baselines.grad_boosting.kendall_tau_heldout_classes", "GBT tau new classes"),
            ("heldout_class_cells", "new-class cells"), ("nao.spearman_rho", "NAO rho"),
            ("nao.pairwise_acc", "NAO pair-acc"), ("nao.kendall_tau_top10", "NAO tau top10%"),
            ("decoder.recon_train", "recon train"), ("decoder.recon_heldout", "recon held-out"),
            ("decoder.valid_random", "valid random"), ("steps.random.step_beats_seed", "step>seed (random)"),
            ("steps.random.mutation_beats_seed", "mutation>seed (random)"),
            ("steps.top10.step_beats_seed", "step>seed (top10%)"),
            ("steps.top10.mutation_beats_seed", "mutation>seed (top10%)"), ("fit_s", "fit seconds")]

COUNTS = {"heldout_class_cells"}          # whole numbers in the table


def add_parser(sub) -> None:
    q = sub.add_parser("predictor", help="predictor quality: NAO vs tree baselines on a table (tau, decoder, steps)",
                       description="Train NAO on N random cells of a benchmark table and measure it on all the "
                                   "others: ranking (Kendall tau, also on held-out isomorphism classes: cells no "
                                   "isomorph of which was trained on), decoder reconstruction and validity, and "
                                   "whether its gradient steps beat their seeds; random forest and gradient "
                                   "boosting on the same splits. Losses, times, sizes and latencies are learnt "
                                   "as lower-is-better; tau is prediction vs truth either way.")
    q.add_argument("--space", default="nb201", choices=["nb201"], help="benchmark space (tabular: nb201)")
    q.add_argument("--metric", default="valid_acc", help="training target (default: cifar10-valid valid_acc)")
    q.add_argument("--train-sizes", default="100,1000",
                   help="comma-separated training-set sizes, each in 1..rows-1 (e.g. the 0.5%%-10%% NB201 "
                        "splits 78,156,469,781,1563)")
    q.add_argument("--seeds", type=int, default=3, help="number of seeds (0..n-1)")
    q.add_argument("--preset", default="default", help="NAOConfig preset: default, paper, tf, fast")
    q.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="override a config field (JSON value), e.g. --set epochs=500 --set target_norm='\"rank\"'")
    q.add_argument("--threads", type=int, default=1, help="torch threads (default 1: shared CPUs)")
    q.add_argument("--no-baselines", action="store_true", help="skip the tree baselines")
    q.add_argument("--no-steps", action="store_true", help="skip the generate()-step measurements")
    q.add_argument("--json", action="store_true", help="print every figure as JSON")
    q.set_defaults(func=run_predictor)


def _overrides(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set: expected FIELD=VALUE, got {item!r}")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def run_predictor(args) -> int:
    from naoviz.tables import load_benchmark, lower_is_better
    from naoviz.nao import NAOConfig
    from naoviz.experiments.predictor import run_one, summarise

    sizes = []
    for s in str(args.train_sizes).split(","):
        try:
            sizes.append(int(s))
        except ValueError:
            raise ValueError(f"--train-sizes: {s!r} is not an integer (in {args.train_sizes!r})") from None
    if args.seeds < 1:
        raise ValueError(f"--seeds: must be >= 1, got {args.seeds}")
    config = NAOConfig.preset(args.preset, **_overrides(args.set))
    bench = load_benchmark(args.space)
    bench.metric(args.metric)                      # an unknown metric fails here, before any training
    rows = len(bench)
    for n in sizes:                                # every size checked before the first one trains
        if not 0 < n < rows:
            raise ValueError(f"--train-sizes: train size {n} must be in 1..{rows - 1} "
                             f"(the {args.space} table has {rows} rows; got {args.train_sizes!r})")
    if len(set(sizes)) != len(sizes):
        dup = next(n for n in sizes if sizes.count(n) > 1)
        raise ValueError(f"--train-sizes: size {dup} is given twice (in {args.train_sizes!r})")
    runs, start = [], time.perf_counter()
    for n in sizes:
        for seed in range(args.seeds):
            r = run_one(bench, n, seed, config, metric=args.metric, baselines=not args.no_baselines,
                        steps=not args.no_steps, threads=args.threads)
            runs.append(r)
            if not args.json:
                print(f"N={n} seed={seed}: tau {r['nao']['kendall_tau']:.3f}  "
                      f"recon held-out {r['decoder']['recon_heldout']:.3f}  fit {r['fit_s']:.1f}s", flush=True)
    summary = summarise(runs)
    payload = {"space": args.space, "metric": args.metric, "lower_is_better": lower_is_better(args.metric),
               "preset": args.preset, "config": config.to_dict(),
               "train_sizes": sizes, "seeds": args.seeds, "threads": args.threads,
               "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "wall_s": time.perf_counter() - start, "summary": summary, "runs": runs}
    if args.json:
        emit_json(payload)
        return 0
    direction = "lower" if lower_is_better(args.metric) else "higher"
    print(f"\npreset {args.preset}, metric {args.metric} ({direction} is better), {args.seeds} seed(s), "
          "mean ± sd; tau = prediction vs truth, new classes = held-out cells with no isomorph trained on")
    print(f"{'':24}" + "".join(f"{'N=' + str(n):>18}" for n in sizes))
    for key, label in HEADLINE:
        cells = []
        for n in sizes:
            m = summary[str(n)].get(key)
            digits = 0 if key in COUNTS else 3
            cells.append(f"{m['mean']:.{digits}f} ± {m['sd']:.{digits}f}" if m else "-")
        print(f"{label:24}" + "".join(f"{c:>18}" for c in cells))
    return 0

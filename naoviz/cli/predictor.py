"""``naoviz predictor``: NAO predictor/decoder/step quality on a benchmark table beside tree baselines."""
from __future__ import annotations

import platform
import time

from naoviz.cli.common import emit_json, int_in, json_value, nonempty, show

HEADLINE = [("nao.kendall_tau", "NAO tau"), ("baselines.random_forest.kendall_tau", "RF tau"),
            ("baselines.grad_boosting.kendall_tau", "GBT tau"), ("nao.spearman_rho", "NAO rho"),
            ("nao.pairwise_acc", "NAO pair-acc"), ("nao.kendall_tau_top10", "NAO tau top10%"),
            ("decoder.recon_train", "recon train"), ("decoder.recon_heldout", "recon held-out"),
            ("decoder.valid_random", "valid random"), ("steps.random.step_beats_seed", "step>seed (random)"),
            ("steps.random.mutation_beats_seed", "mutation>seed (random)"),
            ("steps.top10.step_beats_seed", "step>seed (top10%)"),
            ("steps.top10.mutation_beats_seed", "mutation>seed (top10%)"), ("fit_s", "fit seconds")]


def add_parser(sub) -> None:
    q = sub.add_parser("predictor", help="predictor quality: NAO vs tree baselines on a table (tau, decoder, steps)",
                       description="Train NAO on N random cells of a benchmark table and measure it on all the "
                                   "others: ranking (Kendall tau, also on held-out isomorphism classes), decoder "
                                   "reconstruction and validity, and whether its gradient steps beat their seeds; "
                                   "random forest and gradient boosting on the same splits.")
    q.add_argument("--space", default="nb201", choices=["nb201"], help="benchmark space (tabular: nb201)")
    q.add_argument("--metric", default="valid_acc", type=nonempty("a metric name", 200),
                   help="training target (default: cifar10-valid valid_acc)")
    q.add_argument("--train-sizes", default="100,1000", type=nonempty("a comma list of sizes", 1000),
                   help="comma-separated training-set sizes (each 1..rows-1)")
    q.add_argument("--seeds", type=int_in(1, 1000), default=3, help="number of seeds (0..n-1), 1..1000")
    q.add_argument("--preset", default="default", type=nonempty("a preset name", 200),
                   help="NAOConfig preset: default, paper, tf, fast")
    q.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", type=nonempty("FIELD=VALUE", 100_000),
                   help="override a NAOConfig field (JSON value), e.g. --set epochs=500 --set target_norm='\"rank\"' "
                        "(fields and ranges: docs/model.md)")
    q.add_argument("--threads", type=int_in(1, 256), default=1, help="torch threads (default 1: shared CPUs), 1..256")
    q.add_argument("--no-baselines", action="store_true", help="skip the tree baselines")
    q.add_argument("--no-steps", action="store_true", help="skip the generate()-step measurements")
    q.add_argument("--json", action="store_true", help="print every figure as JSON")
    q.set_defaults(func=run_predictor)


def _overrides(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set: expected FIELD=VALUE, got {show(item)}")
        if key.strip() in out:
            raise ValueError(f"--set: {show(key.strip())} set twice")
        try:
            out[key.strip()] = json_value(value, "--set")
        except ValueError:
            out[key.strip()] = value            # a bare word: the string itself (--set device=cpu)
    return out


def _sizes(text: str) -> list[int]:
    sizes = []
    for s in str(text).split(","):
        s = s.strip()
        if not s.isascii() or not s.isdigit() or len(s) > 9:
            raise ValueError(f"--train-sizes: {show(s)} is not a positive integer (in {show(text)})")
        if int(s) in sizes:
            raise ValueError(f"--train-sizes: {s} named twice (in {show(text)})")
        sizes.append(int(s))
    return sizes


def run_predictor(args) -> int:
    from naoviz.tables import load_benchmark
    from naoviz.errors import NaovizError
    from naoviz.nao import NAO, NAOConfig
    from naoviz.experiments.predictor import run_one, summarise

    sizes = _sizes(args.train_sizes)
    overrides = _overrides(args.set)
    try:
        NAOConfig.preset(args.preset)
    except ValueError as exc:
        raise ValueError(f"--preset: {exc}") from None
    try:
        config = NAOConfig.preset(args.preset, **overrides)
    except ValueError as exc:
        raise ValueError(f"--set: {exc}") from None
    bench = load_benchmark(args.space)
    try:
        NAO(bench.space, config)              # tokenization and device (CUDA on a CPU-only build) fail here
    except (ValueError, NaovizError) as exc:
        raise ValueError(f"--set: {exc}") from None
    if args.metric not in bench.metrics:
        raise ValueError(f"--metric: unknown metric {show(args.metric)} for {bench.name}; "
                         f"available: {', '.join(bench.metrics[:5])}, ... (naoviz data show)")
    for n in sizes:                           # every size checked before the first training run
        if not 0 < n < len(bench):
            raise ValueError(f"--train-sizes: train size {n} must be in 1..{len(bench) - 1}")
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
    payload = {"space": args.space, "metric": args.metric, "preset": args.preset, "config": config.to_dict(),
               "train_sizes": sizes, "seeds": args.seeds, "threads": args.threads,
               "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "wall_s": time.perf_counter() - start, "summary": summary, "runs": runs}
    if args.json:
        emit_json(payload)
        return 0
    print(f"\npreset {args.preset}, metric {args.metric}, {args.seeds} seed(s), mean ± sd")
    print(f"{'':24}" + "".join(f"{'N=' + str(n):>18}" for n in sizes))
    for key, label in HEADLINE:
        cells = []
        for n in sizes:
            m = summary[str(n)].get(key)
            cells.append(f"{m['mean']:.3f} ± {m['sd']:.3f}" if m else "-")
        print(f"{label:24}" + "".join(f"{c:>18}" for c in cells))
    return 0

"""``naoviz predictor``: NAO predictor/decoder/step quality on a benchmark table beside tree baselines."""
from __future__ import annotations

import platform
import sys
import time

from naoviz.cli.common import (TABLE_METAVAR, emit_json, int_in, json_value, nonempty, path_arg, resolve_table,
                               say_table, show, table_shown)

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
    q.add_argument("--space", default="nb201", choices=["nb201"], help="benchmark space (tabular: nb201, the default)")
    q.add_argument("--table", default=None, type=path_arg, metavar=TABLE_METAVAR,
                   help="the table instead of NAS-Bench-201's: nb201-digits, or the path of a CSV table of your "
                        "own (naoviz build-table --out); its rows are the cells trained on and measured")
    q.add_argument("--metric", default="valid_acc", type=nonempty("a metric name", 200),
                   help="training target (default: cifar10-valid valid_acc)")
    q.add_argument("--train-sizes", default="100,1000", type=nonempty("a comma list of sizes", 1000),
                   help="comma-separated training-set sizes, each in 1..rows-1 (default 100,1000; e.g. the "
                        "0.5%%-10%% NB201 splits 78,156,469,781,1563)")
    q.add_argument("--seeds", metavar="N", type=int_in(1, 1000), default=3,
                   help="number of seeds: 0 .. N-1 (default 3)")
    q.add_argument("--preset", default="default", type=nonempty("a preset name", 200),
                   help="NAOConfig preset: default (the default), paper, tf, fast")
    q.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", type=nonempty("FIELD=VALUE", 100_000),
                   help="override a NAOConfig field (JSON value), e.g. --set epochs=500 --set target_norm='\"rank\"' "
                        "(fields and ranges: docs/model.md)")
    q.add_argument("--threads", type=int_in(1, 256), default=1, help="torch threads (default 1: shared CPUs)")
    q.add_argument("--no-baselines", action="store_true", help="skip the tree baselines")
    q.add_argument("--no-steps", action="store_true", help="skip the generate()-step measurements")
    q.add_argument("--json", action="store_true", help="print every figure as JSON")
    q.add_argument("--no-progress", action="store_true",
                   help="no progress bars (by default on stderr: one over the runs, NAO's training under it)")
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
            within = f" (in {show(text)})" if len(text) <= 60 else ""       # a long list is not echoed twice
            raise ValueError(f"--train-sizes: {show(s, 60)} is not a positive integer{within}")
        if int(s) in sizes:
            raise ValueError(f"--train-sizes: {s} named twice (in {show(text)})")
        sizes.append(int(s))
    return sizes


def run_predictor(args) -> int:
    from naoviz.tables import load_benchmark, lower_is_better
    from naoviz.errors import NaovizError
    from naoviz.nao import NAO, NAOConfig
    from naoviz.experiments.predictor import run_one, summarise
    from naoviz.spaces import NB201Space

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
    try:
        NAO(NB201Space(), config)     # tokenization and device (CUDA on a CPU-only build) fail here, before the read
    except (ValueError, NaovizError) as exc:
        raise ValueError(f"--set: {exc}") from None
    bench = resolve_table(args.table) if args.table is not None else load_benchmark(args.space)   # quiet: say_table
    if args.table is not None:
        args.space = bench.source if bench.fingerprint else bench.name       # what the output names
    if args.metric not in bench.metrics:
        where = "naoviz data show" + (f" --table {table_shown(bench)}" if args.table is not None else "")
        more = f", ... ({where})" if len(bench.metrics) > 5 else ""
        raise ValueError(f"--metric: unknown metric {show(args.metric)} for {table_shown(bench)}; "
                         f"available: {', '.join(bench.metrics[:5])}{more}")
    rows = len(bench)
    if rows < 2:                                   # 'must be in 1..0' named no way out
        raise ValueError(f"--table: {table_shown(bench)} has {rows} row; the predictor needs at least 2 (it is "
                         "trained on some rows and measured on the others)")
    for n in sizes:                                # every size checked before the first one trains
        if not 0 < n < rows:
            raise ValueError(f"--train-sizes: train size {n} must be in 1..{rows - 1} "
                             f"(the {table_shown(bench)} table has {rows} rows)")
    say_table(bench)                               # every option fits the table: the note, then the work
    runs, start, bar = [], time.perf_counter(), None
    if not args.no_progress:                       # minutes of work: a bar over the runs (--json too), NAO's under it
        from tqdm import tqdm
        from naoviz.progress import echo_bar       # a typed Ctrl-C's "^C" fits after it
        bar = echo_bar(tqdm, total=len(sizes) * args.seeds, desc="predictor", unit="run", file=sys.stderr,
                       leave=False)
    for n in sizes:
        for seed in range(args.seeds):
            if bar is not None:
                bar.set_postfix_str(f"N={n} seed={seed}")
            r = run_one(bench, n, seed, config, metric=args.metric, baselines=not args.no_baselines,
                        steps=not args.no_steps, threads=args.threads, progress=bar is not None)
            runs.append(r)
            if bar is not None:
                bar.update(1)
            if not args.json:
                line = (f"N={n} seed={seed}: tau {r['nao']['kendall_tau']:.3f}  "
                        f"recon held-out {r['decoder']['recon_heldout']:.3f}  fit {r['fit_s']:.1f}s")
                if bar is not None:
                    bar.write(line, file=sys.stdout)   # above the bar, which is drawn again under it
                    sys.stdout.flush()
                else:
                    print(line, flush=True)
    if bar is not None:
        bar.close()
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
    spread = "mean ± sd" if args.seeds > 1 else "no sd with one seed"
    print(f"\npreset {args.preset}, metric {args.metric} ({direction} is better), {args.seeds} seed(s), "
          f"{spread}; tau = prediction vs truth, new classes = held-out cells with no isomorph trained on")
    print(f"{'':24}" + "".join(f"{'N=' + str(n):>18}" for n in sizes))
    for key, label in HEADLINE:
        cells = []
        for n in sizes:
            m = summary[str(n)].get(key)
            digits = 0 if key in COUNTS else 3
            sd = f" ± {m['sd']:.{digits}f}" if m and args.seeds > 1 else ""
            cells.append(f"{m['mean']:.{digits}f}{sd}" if m else "-")
        print(f"{label:24}" + "".join(f"{c:>18}" for c in cells))
    return 0

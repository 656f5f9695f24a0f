"""Search comparison on NAS-Bench-201 (CIFAR-10): RS, RE, LS and both NAO presets at 50/100/150/300 queries.

Search on cifar10-valid ``valid_acc``, report the incumbent's ``cifar10_test_acc`` (optimum 94.37). Every
searcher is anytime, so one run per (algo, seed) at the largest budget gives every smaller budget. Prints,
per run, how many queries and incumbents came from the decoder, from mutations and from the random pool
(the eval-nas#3 critique), then the table; also times 100-query NAO searches (``default`` and ``fast``)
against local search measured in the same run.

    python bench/search.py                       # 10 seeds, 300 queries
    python bench/search.py --seeds 3 --json
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import datetime, timezone

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from naoviz.evaluate import TableEvaluator  # noqa: E402
from naoviz.experiments.search import compare, format_table, parse_algos  # noqa: E402
from naoviz.jsonio import dumps_strict  # noqa: E402
from naoviz.search.runs import start_search  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--algos", default="rs,re,ls,nao:paper,nao:default")
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--checkpoints", default="50,100,150,300")
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--timing-seeds", type=int, default=3, help="100-query runs timed per NAO preset")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", default=None, help="write the full summary JSON here")
    args = p.parse_args()
    torch.set_num_threads(1)
    ev = TableEvaluator("nb201")
    checks = [int(c) for c in args.checkpoints.split(",")]
    started = datetime.now(timezone.utc)

    def on_run(run):
        at = " ".join(f"{c}:{run['at'][str(c)]:.2f}" for c in checks if str(c) in run["at"])
        q, i = run["queries"], run["incumbents"]
        print(f"{run['algo']:>12} seed {run['seed']:>2}  {at}  queries dec/mut/rand {q['decoder']}/{q['mutation']}/"
              f"{q['random']}  incumbents dec/mut/rand {i['decoder']}/{i['mutation']}/{i['random']}  "
              f"final from {run['final_incumbent_source']}  {run['wall_s']:.1f} s", flush=True)

    summary = compare(ev, parse_algos(args.algos), args.queries, list(range(args.seeds)), checkpoints=checks,
                      on_run=on_run)

    # Speed: a 100-query search per NAO preset, against local search in the same run.
    timing = {}
    for algo, preset in ((("ls", None), ("nao", "fast"), ("nao", "default")) if args.timing_seeds else ()):
        walls, finals = [], []
        for seed in range(args.timing_seeds):
            t = time.perf_counter()
            res = start_search(algo, ev, 100, seed, preset=preset, progress=False)
            walls.append(time.perf_counter() - t)
            finals.append(float(res.incumbent_curve()[-1]))
        timing[f"{algo}:{preset}" if preset else algo] = {"wall_s": walls, "final": finals}
    base = sum(timing["ls"]["wall_s"]) / len(timing["ls"]["wall_s"]) if timing else 1.0
    summary["timing_100"] = timing
    summary["machine"] = f"{platform.machine()} {os.cpu_count()}-core CPU, shared with other jobs; torch 1 thread"
    summary["date"] = started.strftime("%Y-%m-%d %H:%M UTC")
    summary["command"] = "python " + " ".join(sys.argv)
    for run_list in summary["algos"].values():
        run_list.pop("curves", None)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(dumps_strict(summary, indent=1))
    if args.json:
        print(dumps_strict(summary, indent=1, default=str))
        return 0
    print()
    print(f"{summary['date']}, {summary['machine']}; {args.seeds} seeds; `{summary['command']}`")
    print(format_table(summary))
    if not timing:
        return 0
    print()
    print("| 100-query search | wall s per run (mean) | vs local search | incumbent test acc (mean) |")
    print("|---|---|---|---|")
    for name, t in timing.items():
        w = sum(t["wall_s"]) / len(t["wall_s"])
        print(f"| {name} | {w:.1f} | {w / base:.0f}x | {sum(t['final']) / len(t['final']):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Search comparison on NAS-Bench-201 (CIFAR-10): RS, RE, LS and both NAO presets at 50/100/150/300 queries.

Search on cifar10-valid ``valid_acc``, report the incumbent's ``cifar10_test_acc`` (optimum 94.37). Every
searcher is anytime, so one run per (algo, seed) at the largest budget gives every smaller budget. Prints,
per run, how many queries and incumbents came from the decoder, from mutations and from the random pool
(the eval-nas#3 critique), then the table; also times 100-query NAO searches (``default`` and ``fast``)
against local search measured in the same run.

    python bench/search.py                       # 10 seeds, 300 queries
    python bench/search.py --seeds 3 --json
    python bench/search.py --out s.json; python bench/search.py --tables s.json   # the tables again, from JSON
"""
from __future__ import annotations

import argparse
import json
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


SOURCES = ("decoder", "mutation", "random")


def who_found_what(summary: dict) -> str:
    """Per searcher and checkpoint: mean queries per source, and in how many runs the incumbent came from each."""
    checks = summary["checkpoints"]
    head = "| searcher | " + " | ".join(f"at {c}: queries dec/mut/rand (mean) | at {c}: incumbent from dec/mut/rand (runs)"
                                         for c in checks) + " |"
    lines = [head, "|---|" + "---|---|" * len(checks)]
    for name, a in summary["algos"].items():
        cells = []
        for c in checks:
            at = [r["counts_at"][str(c)] for r in a["runs"]]
            q = "/".join(f"{sum(x['queries'][s] for x in at) / len(at):.1f}" for s in SOURCES)
            inc = "/".join(str(sum(x["incumbent_source"] == s for x in at)) for s in SOURCES)
            cells += [q, inc]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def speed_table(timing: dict) -> str:
    base = sum(timing["ls"]["wall_s"]) / len(timing["ls"]["wall_s"])
    lines = ["| 100-query search | wall s per run (mean) | vs local search | incumbent test acc (mean) |",
             "|---|---|---|---|"]
    for name, t in timing.items():
        w = sum(t["wall_s"]) / len(t["wall_s"])
        lines.append(f"| {name} | {w:.1f} | {w / base:.1f}x | {sum(t['final']) / len(t['final']):.3f} |")
    return "\n".join(lines)


def print_tables(summary: dict) -> None:
    print(f"{summary['date']}, {summary['machine']}; {len(summary['seeds'])} seeds; `{summary['command']}`")
    print(format_table(summary))
    print()
    print(who_found_what(summary))
    if summary.get("timing_100"):
        print()
        print(speed_table(summary["timing_100"]))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--algos", default="rs,re,ls,nao:paper,nao:default")
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--checkpoints", default="50,100,150,300")
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--timing-seeds", type=int, default=3, help="100-query runs timed per NAO preset")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", default=None, help="write the full summary JSON here")
    p.add_argument("--tables", default=None, metavar="JSON", help="print the tables of a summary saved with --out")
    args = p.parse_args()
    if args.tables:
        with open(args.tables) as fh:
            print_tables(json.load(fh))
        return 0
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

    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    summary = compare(ev, parse_algos(args.algos), args.queries, seeds, checkpoints=checks, on_run=on_run)

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
    summary["timing_100"] = timing
    summary["machine"] = (f"{platform.machine()} {os.cpu_count()}-core CPU, load average {os.getloadavg()[0]:.1f} "
                          "at the end; torch 1 thread")
    summary["date"] = started.strftime("%Y-%m-%d %H:%M UTC")
    summary["command"] = "python " + " ".join(sys.argv)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(dumps_strict(summary, indent=1))
    if args.json:
        print(dumps_strict(summary, indent=1, default=str))
        return 0
    print()
    print_tables(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Search comparison on NAS-Bench-201 (CIFAR-10): RS, RE, LS and both NAO presets at 50/100/150/300 queries.

Search on cifar10-valid ``valid_acc``, report the incumbent's ``cifar10_test_acc`` (optimum 94.37). Every
searcher is anytime, so one run per (algo, seed) at the largest budget gives every smaller budget. Prints,
per run, how many queries and incumbents came from the decoder, from mutations, from random cells and from a
designed initial pool (`default`'s k-means pool, source `design`) (the eval-nas#3 critique), then the table; also times 100-query NAO searches (``default`` and ``fast``)
against local search measured in the same run.

    python bench/search.py                       # 10 seeds, 300 queries
    python bench/search.py --seeds 3 --json
    python bench/search.py --out s.json; python bench/search.py --tables s.json   # the tables again, from JSON

``--speed`` (issue 13: a 100-query NAO search in <= 20 s on 2 cores) runs only timings: every 100-query
search in a fresh process (import, table load and search, as ``naoviz search`` pays them), wall and CPU
seconds of the process and of the search alone, for ``--algos`` (default ``nao:default,nao:step,ls``); with
``--baseline-ref REF`` the same searches from a ``git archive`` of REF in the same run, the ratio new / old
per algo and a check that both measured the same archs with the same values, in the same order (a pure
speed-up changes nothing; the source labels are not compared, so a relabelling is not a change):

    python bench/search.py --speed --seeds 3 --baseline-ref 1fd2c0c --json
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from naoviz.evaluate import TableEvaluator  # noqa: E402
from naoviz.experiments.search import compare, format_table, parse_algos  # noqa: E402
from naoviz.jsonio import dumps_strict  # noqa: E402
from naoviz.search.runs import start_search  # noqa: E402


SOURCES = ("decoder", "mutation", "random", "design")     # design: a designed initial pool (k-means)


def who_found_what(summary: dict) -> str:
    """Per searcher and checkpoint: mean queries per source, and in how many runs the incumbent came from each."""
    checks = summary["checkpoints"]
    head = "| searcher | " + " | ".join(f"at {c}: queries dec/mut/rand/design (mean) | at {c}: incumbent from "
                                         f"dec/mut/rand/design (runs)"
                                         for c in checks) + " |"
    lines = [head, "|---|" + "---|---|" * len(checks)]
    for name, a in summary["algos"].items():
        cells = []
        for c in checks:
            at = [r["counts_at"][str(c)] for r in a["runs"]]
            q = "/".join(f"{sum(x['queries'].get(s, 0) for x in at) / len(at):.1f}" for s in SOURCES)   # old JSON: no design
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


# One 100-query search in a fresh process; runs against whichever tree PYTHONPATH names (this one or REF's).
CHILD = """
import hashlib, json, sys, time
t0 = time.perf_counter()
import torch
torch.set_num_threads(int(sys.argv[4]))
from naoviz.evaluate import TableEvaluator
from naoviz.search.runs import start_search
ev = TableEvaluator("nb201")
algo, _, preset = sys.argv[1].partition(":")
w, c = time.perf_counter(), time.process_time()
res = start_search(algo, ev, int(sys.argv[3]), int(sys.argv[2]), preset=preset or None, progress=False)
w, c = time.perf_counter() - w, time.process_time() - c
curve = res.incumbent_curve()
print(json.dumps({"search_wall_s": w, "search_cpu_s": c, "startup_wall_s": time.perf_counter() - t0 - w,
                  "final": float(curve[-1]), "archs": hashlib.md5(repr([(r.arch, r.value) for r in res.history])
                                                                  .encode()).hexdigest()}))
"""


def time_one(tree: str, algo: str, seed: int, queries: int, threads: int) -> dict:
    """One search in a fresh ``python`` whose ``naoviz`` is ``tree``'s: the child's own figures plus the
    process's wall and CPU (user + sys) seconds."""
    env = {**os.environ, "PYTHONPATH": tree}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, algo, str(seed), str(queries), str(threads)], cwd=tree,
                         env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"speed: {algo} seed {seed} in {tree} failed:\n{out.stderr[-2000:]}")
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row.update(process_wall_s=wall, process_cpu_s=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return row


def speed_main(args) -> int:
    """``--speed``: time 100-query searches per algo (and per algo from ``--baseline-ref``); print or JSON."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    algos = [a.strip() for a in args.algos.split(",") if a.strip()]
    trees = {"new": here}
    tmp = None
    if args.baseline_ref:
        tmp = tempfile.TemporaryDirectory(prefix="naoviz-baseline-")
        archive = subprocess.run(["git", "-C", here, "archive", args.baseline_ref], capture_output=True, check=False)
        if archive.returncode != 0:
            raise SystemExit(f"baseline-ref: git archive {args.baseline_ref!r} failed: {archive.stderr.decode()[:300]}")
        subprocess.run(["tar", "-x", "-C", tmp.name], input=archive.stdout, check=True)
        trees["old"] = tmp.name
    load0 = os.getloadavg()
    started = datetime.now(timezone.utc)
    runs = []
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    for algo in algos:
        for seed in seeds:
            for label, tree in trees.items():           # old and new back to back: the same machine load
                row = time_one(tree, algo, seed, args.queries, args.threads)
                row.update(tree=label, algo=algo, seed=seed)
                runs.append(row)
                print(f"{label:>3} {algo:>12} seed {seed:>2}: search {row['search_wall_s']:6.1f} s wall "
                      f"{row['search_cpu_s']:6.1f} s CPU; process {row['process_wall_s']:6.1f} s wall "
                      f"{row['process_cpu_s']:6.1f} s CPU; final {row['final']:.3f}", file=sys.stderr, flush=True)
    table = {}
    for algo in algos:
        for label in trees:
            rs = [r for r in runs if r["algo"] == algo and r["tree"] == label]
            table[f"{label} {algo}"] = {k: sum(r[k] for r in rs) / len(rs) for k in
                                        ("search_wall_s", "search_cpu_s", "process_wall_s", "process_cpu_s", "final")}
        if "old" in trees:
            new, old = table[f"new {algo}"], table[f"old {algo}"]
            table[f"new/old {algo}"] = {k: new[k] / old[k] for k in new if k != "final"}
            table[f"new/old {algo}"]["same_archs"] = all(
                a["archs"] == b["archs"] for a in runs for b in runs
                if a["algo"] == b["algo"] == algo and a["seed"] == b["seed"] and a["tree"] == "new" and b["tree"] == "old")
    summary = {"date": started.strftime("%Y-%m-%d %H:%M UTC"), "command": "python " + " ".join(sys.argv),
               "machine": f"{platform.machine()} {os.cpu_count()}-core CPU, load average {load0[0]:.1f} at the start, "
                          f"{os.getloadavg()[0]:.1f} at the end; torch {args.threads} thread(s)",
               "queries": args.queries, "seeds": seeds, "baseline_ref": args.baseline_ref, "runs": runs, "mean": table}
    if tmp is not None:
        tmp.cleanup()
    if args.json:
        print(dumps_strict(summary, indent=1))
        return 0
    print(f"{summary['date']}, {summary['machine']}; seeds {seeds}; `{summary['command']}`")
    print("| run | search wall s | search CPU s | process wall s | process CPU s | final test acc |")
    print("|---|---|---|---|---|---|")
    for name, m in table.items():
        if name.startswith("new/old"):
            print(f"| {name} | {m['search_wall_s']:.2f}x | {m['search_cpu_s']:.2f}x | {m['process_wall_s']:.2f}x | "
                  f"{m['process_cpu_s']:.2f}x | same archs: {m['same_archs']} |")
        else:
            print(f"| {name} | {m['search_wall_s']:.1f} | {m['search_cpu_s']:.1f} | {m['process_wall_s']:.1f} | "
                  f"{m['process_cpu_s']:.1f} | {m['final']:.3f} |")
    return 0


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
    p.add_argument("--algos", default=None, help="default rs,re,ls,nao:paper,nao:default (--speed: nao:default,nao:step,ls)")
    p.add_argument("--queries", type=int, default=None, help="default 300 (--speed: 100)")
    p.add_argument("--checkpoints", default="50,100,150,300")
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--timing-seeds", type=int, default=3, help="100-query runs timed per NAO preset")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", default=None, help="write the full summary JSON here")
    p.add_argument("--tables", default=None, metavar="JSON", help="print the tables of a summary saved with --out")
    p.add_argument("--speed", action="store_true", help="only time 100-query searches, each in a fresh process")
    p.add_argument("--baseline-ref", default=None, metavar="REF", help="--speed: also time the searches of git REF")
    p.add_argument("--threads", type=int, default=1, help="--speed: torch threads in each search process")
    args = p.parse_args()
    if args.queries is None:
        args.queries = 100 if args.speed else 300
    if args.algos is None:
        args.algos = "nao:default,nao:step,ls" if args.speed else "rs,re,ls,nao:paper,nao:default"
    if args.speed:
        for name in ("seeds", "queries", "threads"):
            if getattr(args, name) < 1:
                raise SystemExit(f"--{name}: must be >= 1, got {getattr(args, name)}")
        return speed_main(args)
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
        print(f"{run['algo']:>12} seed {run['seed']:>2}  {at}  queries dec/mut/rand/design "
              + "/".join(str(q[s]) for s in SOURCES) + "  incumbents dec/mut/rand/design "
              + "/".join(str(i[s]) for s in SOURCES) + "  "
              + f"final from {run['final_incumbent_source']}  {run['wall_s']:.1f} s", flush=True)

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

"""``naoviz compare --out``'s figures step, one browser start per set (before) against one per command (after).

The figures program (``python -m naoviz.viz.compare_figure OUT``, what ``compare --out`` runs after writing
``summary.json``) writes the PNG set, the 7 in PDF+SVG set and the 3.5 in PDF+SVG set. Before 2026-12-07 each
set started its own Chromium (kaleido's one-shot batch); now the three share one (``kept_browser.for_command``).
Before is the same program with ``for_command`` made a no-op, so each set starts its own again. For each case
(a plain compare; one under ``--constraint`` and ``--objectives``, which adds a pareto figure per cost column)
the command runs once to write ``summary.json``, then the figures are drawn ``--repeats`` times each way,
alternating, each time into a fresh folder: printed are the median wall seconds each way, their ratio, the
browser starts each way (counted by a launcher in front of the real Chromium) and whether the files are
byte-identical (``SOURCE_DATE_EPOCH`` fixed; README.md aside, which names the commit). Last, the whole command
after, end to end, once.

    python bench/compare_figures.py [--repeats 3] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "plain": ["--table", "nb201-digits", "--algos", "rs,re", "--queries", "20", "--seeds", "2"],
    "constrained": ["--table", "nb201-digits", "--algos", "rs,re", "--queries", "20", "--seeds", "2",
                    "--constraint", "params_M<=0.04", "--objectives", "valid_acc,train_time_s,params_M"],
}
# before: the figures program with one browser per set again (for_command a no-op), everything else the same
BEFORE = ("import contextlib, sys; from naoviz.viz import kept_browser; "
          "kept_browser.for_command = contextlib.nullcontext; "
          "from naoviz.viz.compare_figure import main; sys.exit(main(sys.argv[1:]))")


def _figures(way: str, out: Path, env: dict) -> float:
    cmd = ([sys.executable, "-c", BEFORE, str(out)] if way == "before"
           else [sys.executable, "-m", "naoviz.viz.compare_figure", str(out)])
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t
    if done.returncode != 0 or "PNG skipped" in done.stdout:
        raise SystemExit(f"{way}: the figures program failed: {(done.stdout + done.stderr)[-600:]}")
    return took


def _files(out: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != "README.md"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="figure runs each way per case (default 3)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.repeats < 1:
        print(f"--repeats: {args.repeats} is not >= 1", file=sys.stderr)
        return 2
    from naoviz.viz.figure_files import find_browser
    if find_browser() is None:
        print("no Chrome/Chromium: the figures need one (make browser)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="naoviz-bench-figures-"))
    try:
        log = work / "launched"
        launcher = work / "chrome"          # counts the browser starts, then runs the real one
        launcher.write_text(f'#!/bin/sh\necho "$$" >> "{log}"\nexec "{find_browser()}" "$@"\n')
        launcher.chmod(0o755)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
               "NAOVIZ_CHROMIUM": str(launcher), "NAOVIZ_CACHE": str(work / "cache"),
               "SOURCE_DATE_EPOCH": "1700000000", "OMP_NUM_THREADS": "1"}
        result = {"repeats": args.repeats, "cases": {}}
        for case, flags in CASES.items():
            first = work / f"{case}-cmd"
            t = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "naoviz", "compare", *flags, "--no-progress", "--out",
                                   str(first)], env=env, capture_output=True, text=True)
            whole = time.perf_counter() - t
            if done.returncode != 0:
                raise SystemExit(f"{case}: compare failed: {done.stderr[-600:]}")
            times, starts, files = {"before": [], "after": []}, {}, {}
            for i in range(args.repeats):
                for way in ("before", "after") if i % 2 == 0 else ("after", "before"):
                    out = work / f"{case}-{way}-{i}"
                    out.mkdir()
                    shutil.copy(first / "summary.json", out)
                    log.write_text("")
                    times[way].append(_figures(way, out, env))
                    starts[way] = len(log.read_text().splitlines())
                    files.setdefault(way, _files(out))
            row = {"figure_files": sum(n.endswith((".png", ".pdf", ".svg")) for n in files["after"]),   # rendered
                   "before_s": statistics.median(times["before"]), "after_s": statistics.median(times["after"]),
                   "runs_s": times, "browser_starts": starts,
                   "identical": files["before"] == files["after"], "whole_command_after_s": whole}
            row["ratio"] = row["before_s"] / row["after_s"]
            result["cases"][case] = row
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"naoviz compare --out, the figures program, median of {args.repeats} each way (wall s):")
    print("| case | files | before (one browser per set) | after (one per command) | ratio | browser starts "
          "before/after | identical | whole command, after |")
    print("|---|---|---|---|---|---|---|---|")
    for case, r in result["cases"].items():
        print(f"| {case} | {r['figure_files']} | {r['before_s']:.2f} | {r['after_s']:.2f} | x{r['ratio']:.2f} | "
              f"{r['browser_starts']['before']}/{r['browser_starts']['after']} | {r['identical']} | "
              f"{r['whole_command_after_s']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

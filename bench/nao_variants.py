"""Tuning rows for NAO search variants (issue 13): ``trust`` with field overrides, or ``ls``, on NB201 CIFAR-10
(search valid_acc, report cifar10_test_acc), seeds 0-9, 100 queries, one process, torch 1 thread.

    python bench/nao_variants.py NAME '{"pseudo_cells": 200}'     # PRESETS[NAME] = trust + overrides
    python bench/nao_variants.py ls                                 # local search, same harness

Prints one line per seed and a ROW: mean incumbent at 25 / 50 / 100, runs at the optimum by 50 / 100, mean
queries to the optimum (100 for runs that never reach it), share of final incumbents decoded, random queries,
process CPU per search (getrusage; the first search of a pretraining variant includes the cached pretraining).
"""
from __future__ import annotations

import json
import resource
import sys

import numpy as np

from naoviz.evaluate import TableEvaluator
from naoviz.experiments.search import compare
from naoviz.search.nao_search import PRESETS


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv: list[str]) -> None:
    name = argv[0]
    overrides = json.loads(argv[1]) if len(argv) > 1 else {}
    seeds = range(*map(int, argv[2].split("-"))) if len(argv) > 2 else range(10)
    ev = TableEvaluator("nb201")
    if name == "ls":
        algos = [("ls", None)]
    else:
        PRESETS[name] = {**PRESETS["trust"], **overrides}
        algos = [("nao", name)]
    ev.report_optimum()
    per, last = [], [cpu()]

    def on_run(run):
        c = cpu()
        per.append(c - last[0])
        last[0] = c
        print(f"seed {run['seed']}: at {run['at']} to-opt {run['queries_to_optimum']} cpu {per[-1]:.1f}", flush=True)

    out = compare(ev, algos, 100, seeds, on_run=on_run)
    a = next(iter(out["algos"].values()))
    at = a["at"]
    q = [x if x is not None else 100 for x in a["queries_to_optimum"]]
    n = len(q)
    print(f"ROW {name} {json.dumps(overrides)} | {at['25']['mean']:.3f} / {at['50']['mean']:.3f} / "
          f"{at['100']['mean']:.3f} | optimum by 50 {round(at['50']['optimum_frac'] * n)} / by 100 "
          f"{round(a['optimum_frac'] * n)} | to optimum {np.mean(q):.1f} | decoded {a['decoded_final_share']:.1f} | "
          f"random {a['queries']['random']:.1f} | cpu {np.mean(per):.1f} (max {max(per):.1f})", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Can a search tell from its first measured cells which NB201 cost columns its judge gets right (issue 14,
``NAOSearchConfig.project_tol``)? Per cost column, ``draws`` random sets of ``cells`` cells (seeds 0..draws-1,
as the search's 10-cell initial pool), the additivity test of ``naoviz.search.additive``: a ridge on the cells'
op counts, each testable cell predicted left out; prints the smallest, median and largest over the draws of
the largest relative error, and how many draws ``--tol`` calls additive. Parameter counts are a sum of op
costs; latencies are not.

    python bench/judge_additive.py --cells 10 --draws 20 --tol 0.005
"""
from __future__ import annotations

import argparse
import sys

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cells", type=int, default=10)
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--tol", type=float, default=0.005)
    args = ap.parse_args(argv)
    if args.cells < 2 or args.draws < 1 or not args.tol >= 0:
        ap.error(f"--cells >= 2, --draws >= 1, --tol >= 0; got {args.cells}, {args.draws}, {args.tol}")
    from naoviz.evaluate import TableEvaluator
    from naoviz.search.additive import LEVERAGE_TOL, additive, token_counts
    from naoviz.search.hw import LinearCosts
    table = TableEvaluator("nb201").table
    archs = list(table.archs())
    counts = token_counts(table.space, archs)
    x_all = np.hstack([counts, np.ones((len(archs), 1))])
    cols = [c for c in table.metrics if any(k in c for k in ("params", "flops", "latency"))]
    print(f"# {len(cols)} cost columns, {args.draws} draws of {args.cells} random cells; largest relative "
          f"leave-one-out error of the op-count ridge per draw: min / median / max; draws additive at tol {args.tol:g}")
    for c in cols:
        y = np.asarray(table.metric(c), dtype=float)
        ok = np.flatnonzero(np.isfinite(y))
        worst, verdicts = [], []
        for s in range(args.draws):
            idx = np.random.default_rng(s).choice(ok, args.cells, replace=False)
            _, loo, h = LinearCosts._solve(x_all[idx], y[idx], 1e-6)
            told = h < 1.0 - LEVERAGE_TOL
            worst.append(float(np.max(np.abs(y[idx] - loo)[told] / np.abs(y[idx][told]))) if told.any() else np.nan)
            verdicts.append(additive(table.space, [archs[i] for i in idx], y[idx], args.tol))
        w = np.asarray(worst)
        print(f"{c:24s} {np.nanmin(w):.2e} / {np.nanmedian(w):.2e} / {np.nanmax(w):.2e}   additive "
              f"{sum(v is True for v in verdicts)}, not {sum(v is False for v in verdicts)}, "
              f"undecided {sum(v is None for v in verdicts)} of {args.draws}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

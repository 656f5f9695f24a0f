"""On which NB201 cost columns is NAO's ridge judge on the one-hot exact (issue 14)? Per cost column
(parameters, FLOPs, the HELP latencies), ``hw.LinearCosts`` (penalty 1e-6) on ``one_hot`` and on
``cost_features`` (one-hot + live-edge ops) fitted on every cell that has the column, and its largest
absolute and relative error on those cells: about 0 where the column is a sum of per-edge op costs. A judge
per column "decided once per space" (one-hot where exact, else live-edge) would read this.

    python bench/judge_exact.py
"""
from __future__ import annotations

import sys

import numpy as np


def main() -> int:
    from naoviz.evaluate import TableEvaluator
    from naoviz.search.hw import LinearCosts
    table = TableEvaluator("nb201").table
    archs = list(table.archs())
    cols = [c for c in table.metrics if any(k in c for k in ("params", "flops", "latency"))]
    print(f"# {len(archs)} cells, {len(cols)} cost columns; max abs / max relative error of the fit on all cells")
    for c in cols:
        y = np.asarray(table.metric(c), dtype=float)
        ok = np.flatnonzero(np.isfinite(y))
        sub = [archs[i] for i in ok]
        row = [f"{c:24s}"]
        for f in ("one_hot", "cost"):
            p = LinearCosts(table.space, [c], features=f).fit(sub, {c: y[ok]}).predict_costs(sub)[c]
            e = np.abs(p - y[ok])
            row.append(f"{f}: {e.max():.3g} / {(e / np.abs(y[ok])).max():.3g}")
        print(" | ".join(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Kendall tau of training-free proxies against the tables' accuracies on all cells (issue 13, the predictor prior).

    PYTHONPATH=. NAOVIZ_DATA=... python bench/proxy_tau.py

Proxies, from the cell alone: ``live_conv`` (``naoviz.nao.prior``: 3x3 convs 9 and 1x1 convs 1 on live edges),
``all_conv`` (the same on every edge, dead ones too), ``params`` (the table's analytic cifar10_params_M, linear
in the conv counts on every edge), ``live_edges`` (how many edges are live) and ``live_conv_raw`` (``live_conv`` of
the written cell, not averaged over its canonical class). One line per proxy and column: tau on all rows, and
on the rows in the column's top 10 % (where a search's incumbent is after a few rounds).
"""
import numpy as np
from scipy.stats import kendalltau

from naoviz.nao.prior import _live_conv_raw, live_conv
from naoviz.tables.benchmark import load_benchmark

nb, dg = load_benchmark("nb201"), load_benchmark("nb201-digits")
for bench, cols in ((nb, ("cifar10_test_acc", "cifar100_test_acc")), (dg, None)):
    space = bench.space
    archs = bench.archs()
    cols = cols or [c for c in bench.metrics if "acc" in c]
    ops = np.asarray(archs)
    kern = np.asarray([{"nor_conv_3x3": 9.0, "nor_conv_1x1": 1.0}.get(o, 0.0) for o in space.ops])
    proxies = {"live_conv": live_conv(space, archs), "all_conv": kern[ops].sum(1), "live_conv_raw": _live_conv_raw(space, archs),
               "live_edges": space.live_edges(archs).sum(1).astype(float)}
    if "cifar10_params_M" in bench.frame.columns:
        proxies["params"] = bench.frame["cifar10_params_M"].to_numpy(float)
    for col in cols:
        y = bench.frame[col].to_numpy(float)
        for name, x in proxies.items():
            top = y >= np.quantile(y, 0.9)
            print(f"{bench.name:13s} {col:18s} {name:13s} tau {kendalltau(x, y)[0]:+.3f} (n {len(y)}) | "
                  f"top 10 % {kendalltau(x[top], y[top])[0]:+.3f} (n {top.sum()})")

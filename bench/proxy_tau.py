"""Kendall tau of training-free proxies against the tables' accuracies on all cells (issue 13, the predictor prior).

    PYTHONPATH=. NAOVIZ_DATA=... NAOVIZ_CACHE=... OMP_NUM_THREADS=1 python bench/proxy_tau.py [--predictor 0.8,0.3]

Proxies, from the cell alone: ``live_conv`` (``naoviz.nao.prior``: 3x3 convs 9 and 1x1 convs 1 on live edges),
``all_conv`` (the same on every edge, dead ones too), ``params`` (the table's analytic cifar10_params_M, linear
in the conv counts on every edge), ``live_edges`` (how many edges are live) and ``live_conv_raw`` (``live_conv`` of
the written cell, not averaged over its canonical class). One line per proxy and column: tau on all rows, and
on the rows in the column's top 10 % (where a search's incumbent is after a few rounds).

``--predictor W,...``: for each ``prior_weight`` W, the predictor pretrained with the prior as the ``kmeans``
preset's model would be (5 heads, 2000 cells, 10 epochs, pretrain seed 0; ``semi.pretrained``, cached) scores
1000 cells it never saw (seed 12345): tau of its score against the proxy and against the CIFAR-10 / CIFAR-100
test accuracies, the sd of its score over those cells, the mean sd of its heads per cell (first line: an
untrained predictor's, the search's own seeded start without a prior), and its CPU seconds (0 when cached).
"""
import sys
import time

import numpy as np
import torch
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

if "--predictor" in sys.argv:
    from naoviz.nao import NAO, semi
    from naoviz.nao.targets import TargetScaler
    from naoviz.search.nao_search import PRESETS, NAOSearchConfig
    torch.set_num_threads(1)
    space, unseen = nb.space, nb.space.sample(1000, seed=12345)
    fresh = NAO(space, NAOSearchConfig(**PRESETS["kmeans"]).model_config(0))
    fresh.net_ = fresh._build()
    with torch.no_grad():
        heads = fresh.net_.predictor.forward_heads(fresh.net_.encoder(fresh.tokens(unseen))[1]).numpy()
    print(f"untrained 5-head predictor: head sd {heads.std(1).mean():.4f}")
    for w in map(float, sys.argv[sys.argv.index("--predictor") + 1].split(",")):
        cfg = NAOSearchConfig(**{**PRESETS["kmeans"], "pretrain_cells": 2000, "pretrain_epochs": 10,
                                 "prior": "live_conv", "prior_weight": w}).model_config(0)
        t = time.process_time()
        state = semi.pretrained(space, cfg, 2000, 10, 0, "live_conv", w)
        cpu = time.process_time() - t
        nao = NAO(space, cfg)
        semi.warm_start(nao, state)
        nao.scaler_ = TargetScaler.fit(np.array([0.0, 1.0]), "minmax", True)
        score = nao.score(unseen)
        with torch.no_grad():
            heads = nao.net_.predictor.forward_heads(nao.net_.encoder(nao.tokens(unseen))[1]).numpy()
        taus = [kendalltau(score, v)[0] for v in (live_conv(space, unseen), nb.metric("cifar10_test_acc", unseen),
                                                  nb.metric("cifar100_test_acc", unseen))]
        print(f"predictor prior_weight {w}: tau vs live_conv {taus[0]:+.3f}, cifar10_test_acc {taus[1]:+.3f}, "
              f"cifar100_test_acc {taus[2]:+.3f} (1000 unseen cells) | score sd {score.std():.4f} | "
              f"head sd {heads.std(1).mean():.4f} | "
              f"cpu {cpu:.1f} s")

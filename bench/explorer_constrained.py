"""The explorer's path under a budget against its filtered path (issue 14), on the digits table's shipped model
(or ``--table nb201``).

Cost heads are fitted on the model's frozen embeddings (``naoviz.nao.cost_heads``). Per budget (``--column``
at the ``--percentiles`` of the table), over ``--seeds`` random seed cells (not the 40 the step was tuned on)
x the atlas's eta grid, four ways: the explorer's path (``cost_heads.budget_grid``: the plain step's decode
where the heads put it within budget, else the constrained step's), the constrained step alone
(``CostNAO.path_grid`` under ``budget``, step settings ``cost_heads.STEP``), the same with CostNAO's defaults
(lam0 1, rho 20), and the unconstrained path (``NAO.path_grid``, what the atlas holds). Printed: the share of
decoded cells within budget (true table cost; and by the heads), the share of paths with a feasible decoded
cell, per path the best feasible decoded cell's predicted (and true) accuracy, and that pair against the
unconstrained path's over the paths feasible both ways. First the heads' quality: Kendall tau and mean
relative error on held-out cells (heads fitted on the other 80 %).

    OMP_NUM_THREADS=1 nice -n 19 python bench/explorer_constrained.py --seeds 500 [--json]
    OMP_NUM_THREADS=1 nice -n 19 python bench/explorer_constrained.py --seeds 500 --table nb201 \
        --quality-columns cifar10_params_M,cifar10_flops_M,latency_pixel3,train_time_s
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=500)
    ap.add_argument("--table", default="nb201-digits", help="nb201-digits (shipped model) or nb201 (model trained "
                    "once and cached: minutes on a CPU)")
    ap.add_argument("--column", default=None, help="default: params_M (digits), cifar10_params_M (nb201)")
    ap.add_argument("--quality-columns", default=None, help="cost columns whose heads' quality is measured "
                    "(default: --column and train_time_s)")
    ap.add_argument("--percentiles", default="25,50")
    ap.add_argument("--heads-seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.seeds < 1:
        print(f"--seeds: {args.seeds} is not >= 1", file=sys.stderr)
        return 2
    import torch
    torch.set_num_threads(1)
    from naoviz.atlas_cache import cached_atlas
    from naoviz.nao.cache import ModelSpec, load_or_train
    from naoviz.nao.cost_heads import budget_grid, cost_nao_from, head_quality
    from naoviz.tables import load_benchmark

    bench, spec = load_benchmark(args.table), ModelSpec()
    args.column = args.column or ("params_M" if "params_M" in bench.metrics else "cifar10_params_M")
    nao = load_or_train(bench, spec)[0]
    atlas = cached_atlas(bench, spec)
    etas = np.asarray(atlas.etas if atlas is not None else np.arange(0, 10.01, 0.5), dtype=float)   # the atlas's grid
    archs = bench.archs()
    from naoviz.nao.cost_heads import STEP
    out = {"step": STEP, "table": bench.name, "cells": len(archs), "seeds": args.seeds, "etas": etas.tolist(),
           "column": args.column, "heads_seed": args.heads_seed, "heads": {}, "budgets": {}}

    # heads' quality on held-out cells (fit on a seeded 80 %), every cost column
    split = np.random.default_rng(args.heads_seed).permutation(len(archs))
    fit_i, held = split[: len(archs) * 4 // 5], split[len(archs) * 4 // 5:]
    for col in (args.quality_columns or f"{args.column},train_time_s").split(","):
        v = bench.metric(col)
        t0 = time.process_time()
        m = cost_nao_from(nao, [col], [archs[i] for i in fit_i], {col: v[fit_i]}, seed=args.heads_seed)
        fit_s = time.process_time() - t0
        q = head_quality(m, [archs[i] for i in held], {col: v[held]})[col]
        out["heads"][col] = {**q, "fit_cpu_s": round(fit_s, 2), "fit_cells": int(len(fit_i))}

    # the explorer's heads: every row of the table, as the handler fits them
    col, cost_v = args.column, bench.metric(args.column)
    t0 = time.process_time()
    cost = cost_nao_from(nao, [col], archs, {col: cost_v}, seed=args.heads_seed)
    out["explorer_heads_fit_cpu_s"] = round(time.process_time() - t0, 2)
    tuning = set(np.random.default_rng(7).choice(len(archs), 40, replace=False).tolist())   # STEP was tuned on these
    pool = [i for i in range(len(archs)) if i not in tuning]
    seeds = [archs[i] for i in np.random.default_rng(1).choice(pool, args.seeds, replace=False)]
    t0 = time.process_time()
    plain = _decoded(nao, nao.path_grid(seeds, etas)[0])
    out["unconstrained_cpu_s"] = round(time.process_time() - t0, 2)
    for pct in (float(p) for p in args.percentiles.split(",")):
        bound = float(np.nanpercentile(cost_v, pct))
        t0 = time.process_time()
        with cost.budget({col: bound}):
            con = _decoded(nao, cost.path_grid(seeds, etas)[0])
        cpu = time.process_time() - t0
        with cost.budget({col: bound}):              # CostNAO's own defaults, for comparison
            saved = cost.lam0, cost.rho
            cost.lam0, cost.rho = 1.0, 20.0
            try:
                con_default = _decoded(nao, cost.path_grid(seeds, etas)[0])
            finally:
                cost.lam0, cost.rho = saved
        t0 = time.process_time()
        explorer = budget_grid(cost, seeds, etas, {col: bound})
        explorer_cpu = time.process_time() - t0
        ways = {"explorer": explorer, "constrained": con, "constrained_lam0_1_rho_20": con_default, "unconstrained": plain}
        best = {w: _best(p, bench, cost, nao, spec.metric, col, bound) for w, p in ways.items()}
        paired = {}
        for w in ("explorer", "constrained"):          # against the unconstrained path, on paths feasible both ways
            both = ~np.isnan(best[w][0]) & ~np.isnan(best["unconstrained"][0])
            paired[w] = {"paths": int(both.sum()), "pred": float(np.mean(best[w][0][both])),
                         "true": float(np.nanmean(best[w][1][both])),
                         "unconstrained_pred": float(np.mean(best["unconstrained"][0][both])),
                         "unconstrained_true": float(np.nanmean(best["unconstrained"][1][both])),
                         "true_at_least": float(np.mean(best[w][1][both] >= best["unconstrained"][1][both]))}
        out["budgets"][f"p{pct:g}"] = {"bound": bound, "constrained_cpu_s": round(cpu, 2),
                                      "explorer_cpu_s": round(explorer_cpu, 2), "paired": paired,
                                      "explorer": _measure(explorer, bench, cost, nao, spec.metric, col, bound),
                                      "constrained": _measure(con, bench, cost, nao, spec.metric, col, bound),
                                      "constrained_lam0_1_rho_20": _measure(con_default, bench, cost, nao, spec.metric,
                                                                            col, bound),
                                      "unconstrained": _measure(plain, bench, cost, nao, spec.metric, col, bound)}
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        _print(out)
    return 0


def _decoded(nao, tokens: np.ndarray) -> list:
    """(M, E, L) tokens -> M lists of E archs."""
    return [[nao.space.from_tokens(t.tolist()) for t in row] for row in tokens]


def _best(paths: list, bench, cost, nao, metric: str, col: str, bound: float) -> tuple:
    """Per path (M,): predicted and true accuracy of its best feasible decoded cell (by prediction; NaN: none)."""
    M, E = len(paths), len(paths[0])
    flat = [a for p in paths for a in p]
    ok = bench.metric(col, flat).reshape(M, E) <= bound
    pred, true = nao.predict(flat).reshape(M, E), bench.metric(metric, flat).reshape(M, E)
    bp, bt = np.full(M, np.nan), np.full(M, np.nan)
    for m in np.flatnonzero(ok.any(1)):
        e = int(np.flatnonzero(ok[m])[np.argmax(pred[m][ok[m]])])
        bp[m], bt[m] = pred[m, e], true[m, e]
    return bp, bt


def _measure(paths: list, bench, cost, nao, metric: str, col: str, bound: float) -> dict:
    M, E = len(paths), len(paths[0])
    flat = [a for p in paths for a in p]
    true_cost = bench.metric(col, flat).reshape(M, E)
    pred_cost = cost.predict_costs(flat)[col].reshape(M, E)
    pred_acc = nao.predict(flat).reshape(M, E)
    true_acc = bench.metric(metric, flat).reshape(M, E)
    ok = true_cost <= bound                                                  # NaN: over
    best_pred, best_true = [], []
    for m in range(M):
        if ok[m].any():
            e = int(np.flatnonzero(ok[m])[np.argmax(pred_acc[m][ok[m]])])
            best_pred.append(pred_acc[m, e]), best_true.append(true_acc[m, e])
    moved_off = np.mean([len(set(p)) > 1 for p in paths])
    return {"within_true": float(ok.mean()), "within_predicted": float((pred_cost <= bound).mean()),
            "paths_with_feasible": float(ok.any(1).mean()), "best_feasible_pred": float(np.mean(best_pred)),
            "best_feasible_true": float(np.nanmean(best_true)), "paths_leaving_seed": float(moved_off),
            "distinct_decoded": int(len(set(flat)))}


def _print(out: dict) -> None:
    for c, q in out["heads"].items():
        print(f"heads {c}: held-out tau {q['tau']:.3f}, mean rel. error {q['mre']:.3f} ({q['n']} cells), "
              f"fit {q['fit_cpu_s']} s CPU on {q['fit_cells']} cells")
    for name, b in out["budgets"].items():
        print(f"{out['column']} {name} <= {b['bound']:.6g} ({out['seeds']} seeds x {len(out['etas'])} etas):")
        for way in ("explorer", "constrained", "constrained_lam0_1_rho_20", "unconstrained"):
            r = b[way]
            print(f"  {way:26s} within {r['within_true']:.1%} (heads say {r['within_predicted']:.1%}), paths with a "
                  f"feasible cell {r['paths_with_feasible']:.1%}, best feasible pred {r['best_feasible_pred']:.3f} "
                  f"true {r['best_feasible_true']:.3f}, paths leaving the seed {r['paths_leaving_seed']:.1%}")
        for way, p in b["paired"].items():
            print(f"  paired {way} vs unconstrained ({p['paths']} paths feasible both ways): best feasible pred "
                  f"{p['pred']:.3f} vs {p['unconstrained_pred']:.3f}, true {p['true']:.3f} vs {p['unconstrained_true']:.3f}; "
                  f"true at least as good on {p['true_at_least']:.1%}")


if __name__ == "__main__":
    sys.exit(main())

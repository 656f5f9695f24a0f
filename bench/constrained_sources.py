"""Where a constrained search spends its queries (issue 14 diagnosis): per source (decoder / mutation /
random) the number of queries after the initial pool, their feasible share and the share at the budget's
edge (true cost within ``--edge`` of the bound, below or above it); per run the best feasible test
accuracy at 50 / 100 queries and the incumbent's cost, source and query; with ``--margins`` the calibrated margin (log units)
NAO's feasibility checks used after 10, 20, ... evaluations; with ``--front`` the hypervolume at 50 / 100
queries (as ``naoviz compare`` computes it) and where the front is thin: the best test accuracy of a feasible
query costing at most x times the bound, for x = 0.1 ... 1 (mean over runs; the reference's report where
none is that cheap), and the hypervolume's share from each slice of cost between two such x (the area under
that staircase above the reference; the slices sum to the hypervolume).

    python bench/constrained_sources.py --column cifar10_params_M --percentile 50 --algo nao --seeds 5 --margins
    python bench/constrained_sources.py --column latency_titan_rtx_1 --percentile 25 --hw ADAPT=None   # a variant
    python bench/constrained_sources.py --percentile 50 --seeds 10 --first-seed 10   # seeds 10-19 (diagnosis only)
    python bench/constrained_sources.py --column latency_pixel3 --percentile 50 --seeds 10 --algo ls --front
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--column", default="cifar10_params_M")
    ap.add_argument("--percentile", type=float, default=50.0)
    ap.add_argument("--algo", default="nao")
    ap.add_argument("--preset", default=None)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. first-seed + seeds - 1")
    ap.add_argument("--config", default=None, metavar="JSON",
                    help="searcher config fields as a JSON object (on top of --preset), e.g. '{\"mutation_parents\": 3}'")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--edge", type=float, default=0.05, help="relative distance to the bound that counts as the edge")
    ap.add_argument("--margins", action="store_true")
    ap.add_argument("--front", action="store_true", help="hypervolume at 50 / 100 and the front's staircase")
    ap.add_argument("--lagrangian", default=None, metavar="RHO,LAM0",
                    help="NAO's constrained step with this dual step size and initial multiplier (default 20,1)")
    ap.add_argument("--hw", action="append", default=[], metavar="NAME=VALUE",
                    help="set a naoviz.search.hw constant for this run (a Python literal, else a string), e.g. "
                         "ADAPT=None or ACQUISITION=pof; repeatable")
    args = ap.parse_args(argv)
    import ast
    from json_option import json_object          # bench/json_option.py (this script's folder is on sys.path)
    config = json_object(ap, "--config", args.config)
    from naoviz.search import cost_models, hw
    for item in args.hw:
        name, _, text = item.partition("=")
        owners = [m for m in (hw, cost_models) if hasattr(m, name)]    # LEVERAGE_TOL lives in cost_models
        if not owners or not name.isupper():
            ap.error(f"--hw: no constant {name!r} in naoviz.search.hw or naoviz.search.cost_models")
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text
        for module in owners:
            setattr(module, name, value)
    import torch
    torch.set_num_threads(1)
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import cost_calibration as cc
    from naoviz.search.constraints import percentile_budget
    from naoviz.search.runs import start_search
    margins: dict = {}
    if args.margins:                       # record the margin each time a budget is tightened
        orig = cc.CostCalibration.tighten

        def tighten(self, budgets):
            if budgets:
                col = budgets[0].column
                n = len(self.errors.get(col, []))
                margins.setdefault(n, round(self.margin(col, budgets[0].upper), 3))
            return orig(self, budgets)
        cc.CostCalibration.tighten = tighten
    if args.lagrangian:                    # every CostNAO the search builds takes these step settings
        from naoviz.nao import cost
        rho, lam0 = (float(x) for x in args.lagrangian.split(","))
        init = cost.CostNAO.__init__

        def patched(self, space, config=None, cost_columns=(), lam0_=lam0, rho_=rho, sub_steps=4, **_):
            init(self, space, config, cost_columns=cost_columns, lam0=lam0_, rho=rho_, sub_steps=sub_steps)
        cost.CostNAO.__init__ = patched
    table = TableEvaluator("nb201").table
    c = percentile_budget(table, args.column, args.percentile)
    ev = TableEvaluator(table, constraints=[c])
    n_init = 10
    per = defaultdict(lambda: [0, 0, 0])
    best = {50: [], 100: []}
    inc_from = defaultdict(int)            # where the final incumbents came from
    fracs = np.asarray([0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    hv = {50: [], 100: []}
    stair = {50: [], 100: []}              # per run: best feasible report with cost <= x * bound, x in fracs
    area = {50: [], 100: []}               # per run: hypervolume up to cost x * bound, x in fracs
    print(f"# {c} (p{args.percentile:g}), {args.algo}, seeds {args.first_seed}-{args.first_seed + args.seeds - 1}")
    for s in range(args.first_seed, args.first_seed + args.seeds):
        margins.clear()
        res = start_search(args.algo, ev, args.queries, s, preset=args.preset, config=config,
                           progress=False)
        cur = res.incumbent_curve()
        for r in res.history[n_init:]:
            a = per[r.source]
            a[0] += 1
            a[1] += bool(r.feasible)
            a[2] += abs(r.metrics[args.column] / c.bound - 1.0) <= args.edge
        if args.front:
            from naoviz.experiments.constrained import hv_space, run_stats
            from naoviz.search.pareto import hypervolume
            st = run_stats(ev, res, [50, 100], None)
            cols, maxi, ref = hv_space(ev)             # (report, column), reference (worst report, bound)
            floor = ref[0]                             # the reference's report: where no query is that cheap
            rep = ev.report
            for k in hv:
                hv[k].append(st["hypervolume"][str(k)])
                recs = [r for r in res.history[:k] if r.feasible]
                cost = np.asarray([r.metrics[args.column] for r in recs], dtype=float)
                acc = np.asarray([r.metrics[rep] for r in recs], dtype=float)
                stair[k].append([acc[cost <= x * c.bound].max(initial=floor) for x in fracs])
                pts = np.stack([acc, cost], axis=1) if len(recs) else np.zeros((0, 2))
                area[k].append([hypervolume(pts, [floor, x * c.bound], maxi) for x in fracs])
        inc = res.incumbent()
        at = next(i for i, r in enumerate(res.history) if r is inc or r.arch == inc.arch)
        inc_from[inc.source] += 1
        for k in best:
            best[k].append(float(cur[min(k, len(cur)) - 1]))
        line = (f"seed {s}: best feasible @50 {cur[49]:.3f} @100 {cur[-1]:.3f}, incumbent {args.column} "
                f"{inc.metrics[args.column]:.4f} from {inc.source} (query {at + 1}), feasible {100 * res.feasible().mean():.0f} %")
        if margins:
            line += ", margin by #errors " + " ".join(f"{n}:{m}" for n, m in sorted(margins.items()))
        print(line)
    for src, (n, f, e) in sorted(per.items()):
        print(f"{src:9s} queries {n:4d}  feasible {100 * f / n:3.0f} %  at the edge {100 * e / n:3.0f} %")
    print("incumbents from " + ", ".join(f"{k} {v}" for k, v in sorted(inc_from.items())))
    print(f"mean best feasible @50 {np.mean(best[50]):.3f}  @100 {np.mean(best[100]):.3f}")
    if args.front:
        for k in hv:
            row = np.mean(np.asarray(stair[k], dtype=float), axis=0)
            part = np.diff(np.mean(np.asarray(area[k], dtype=float), axis=0), prepend=0.0)
            print(f"hypervolume @{k} {np.mean(hv[k]):.3f}; best {ev.report} with cost <= x * bound: "
                  + " ".join(f"{x:g}:{v:.2f}" for x, v in zip(fracs, row)))
            print("  its slices (area up to x from the previous x): "
                  + " ".join(f"{x:g}:{v:.2f}" for x, v in zip(fracs, part)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

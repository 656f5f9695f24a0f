"""Hardware-aware search on NB201 CIFAR-10 (issue 14): NAO with cost heads against constrained evolution,
local search and random search, per budget (25th / 50th percentile of latency_pixel3, cifar10_params_M and
a GPU latency column). Prints per budget and searcher, at 50 and 100 queries: mean best feasible test
accuracy, share of runs within 0.1 of the constrained optimum (and of the "oracle": the test accuracy of
the feasible cell with the best valid_acc, the best a valid_acc search can report), share of feasible
queries, mean hypervolume and its ratio to evolution's.

    nice -n 10 python bench/constrained.py --seeds 20 --json > constrained.json

``--nao-config JSON``: NAO's config fields on top of its preset (as ``constrained_sources.py --config``).
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--algos", default="nao,re,ls,rs")
    ap.add_argument("--nao-preset", default="default")
    ap.add_argument("--columns", default="latency_pixel3,cifar10_params_M,latency_titan_rtx_1")
    ap.add_argument("--percentiles", default="25,50")
    ap.add_argument("--nao-config", default=None, metavar="JSON",
                    help="NAO config fields as a JSON object (on top of --nao-preset), e.g. '{\"step_fills\": 3}'")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from json_option import json_object          # bench/json_option.py (this script's folder is on sys.path)
    nao_config = json_object(ap, "--nao-config", args.nao_config)
    import torch
    torch.set_num_threads(1)
    from naoviz.evaluate import TableEvaluator
    from naoviz.experiments.search import compare
    from naoviz.jsonio import dumps_strict
    from naoviz.search.constraints import feasible_mask, percentile_budget
    if nao_config is not None:                  # compare() takes presets only: NAO's runs get the fields here
        from naoviz.experiments import search as xsearch
        from naoviz.search.registry import make_searcher
        try:                                    # a bad field: refused in one line before any run
            make_searcher("nao", preset=args.nao_preset, config=nao_config, budgets="constraints")
        except ValueError as exc:
            ap.error(f"--nao-config: {exc}")
        plain = xsearch.search_or_resume

        def with_config(algo, *a, **kw):
            return plain(algo, *a, **({**kw, "config": nao_config} if algo == "nao" else kw))
        xsearch.search_or_resume = with_config
    base = TableEvaluator("nb201")
    table = base.table
    algos = [(a, args.nao_preset if a == "nao" else None) for a in args.algos.split(",")]
    checks = [c for c in (50, 100) if c <= args.queries] or [args.queries]
    out = {"queries": args.queries, "seeds": args.seeds, "nao_config": nao_config, "budgets": {}}
    for col in args.columns.split(","):
        for q in [float(p) for p in args.percentiles.split(",")]:
            c = percentile_budget(table, col, q)
            ev = TableEvaluator(table, constraints=[c])
            mask = feasible_mask([c], table)
            valid = np.where(mask, table.metric("valid_acc"), -np.inf)
            oracle = float(table.metric("cifar10_test_acc")[int(np.argmax(valid))])
            t0 = time.perf_counter()
            s = compare(ev, algos, args.queries, list(range(args.seeds)), checkpoints=checks)
            opt = s["optimum"]
            entry = {"constraint": str(c), "percentile": q, "optimum": opt, "oracle": oracle, "algos": {}}
            for name, a in s["algos"].items():
                per = {}
                for k in checks:
                    best = np.asarray([r["hw"]["best_feasible"][str(k)] for r in a["runs"]], dtype=float)
                    per[str(k)] = {**a["at_hw"][str(k)],
                                   "within_oracle_frac": float(np.mean(best >= oracle - 0.1 - 1e-9))}
                entry["algos"][name] = {"at": per, "wall_s": a["wall_s"]}
            ref = entry["algos"].get("re")
            for name, e in entry["algos"].items():
                for k in checks:
                    hv_re = ref["at"][str(k)]["hypervolume"] if ref else None
                    e["at"][str(k)]["hv_vs_re"] = e["at"][str(k)]["hypervolume"] / hv_re if hv_re else None
            out["budgets"][str(c)] = entry
            print(f"# {c} (p{q:g}): optimum {opt:.3f}, oracle {oracle:.3f}, {time.perf_counter() - t0:.0f} s",
                  file=sys.stderr)
            for name, e in entry["algos"].items():
                cells = []
                for k in checks:
                    h = e["at"][str(k)]
                    cells.append(f"{k}q: best {h['best_feasible']:.3f} within {100 * h['within_frac']:.0f}% "
                                 f"(oracle {100 * h['within_oracle_frac']:.0f}%) feasible {100 * h['feasible_frac']:.0f}% "
                                 f"HV {h['hypervolume']:.1f} (x{h['hv_vs_re'] or float('nan'):.3f} re)")
                print(f"  {name:6s} " + " | ".join(cells) + f" | {e['wall_s']:.1f} s/run", file=sys.stderr)
    if args.json:
        print(dumps_strict(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""NAO-WS on digits measured against the digits table (every NB201 class trained alone).

    nice -n 10 python bench/supernet.py [--classes 500] [--config '{"rounds": 4}'] [--seeds 0,1,2] [--json]
        [--out FILE] [--rescore jacob,jacob_loss]

Runs ``naoviz.search.nao_ws.run_nao_ws`` (config: NAOWSConfig defaults, overridden by ``--config``), then
ranks ``--classes`` seeded table classes with the final supernet; once per search seed of ``--seeds``, then
the mean over seeds. Prints:
  * the returned cell's table rank (top %) against two baselines from the same run: a random class's
    expected top % and the supernet's best of the initial random pool (before any NAO step);
  * Kendall tau (supernet valid accuracy, and minus its valid loss, vs the table's valid_acc) against the
    parameter-count proxy's tau;
  * wall and CPU time of the search (the ranking of --classes cells is extra and timed apart).
One torch thread (the machine is shared).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _summary(r: dict) -> dict:
    """One seed's figures from ``measure_nao_ws``'s result."""
    best, init = r["best_rank"]["valid_acc"], r.get("initial_pool_best_rank", {})
    out = {"seed": r["search"]["config"]["seed"], "best": r["best"],
           "best_valid_acc": best["value"], "best_top_pct": best["top_pct"], "best_rank": best["rank"],
           "best_test_top_pct": r["best_rank"]["test_acc"]["top_pct"],
           "random_class_expected_top_pct": r["random_class_expected_top_pct"],
           "initial_pool_best_top_pct": init.get("top_pct"),
           "ratio_top_pct_vs_random": best["top_pct"] / r["random_class_expected_top_pct"],
           "search_wall_s": r["search_wall_s"], "search_cpu_s": r["search_cpu_s"]}
    if r["search"].get("reranked"):
        out["reranked"] = len(r["search"]["reranked"])
        out["supernet_best"] = r["supernet_best"]
        out["supernet_best_top_pct"] = r["supernet_best_rank"]["top_pct"]
    if "ranking" in r:
        k = r["ranking"]
        out.update({"classes": k["classes"], "tau_valid": k["supernet"]["valid_acc"]["kendall_tau"],
                    "tau_test": k["supernet"]["test_acc"]["kendall_tau"],
                    "tau_loss_valid": k["supernet_loss"]["valid_acc"]["kendall_tau"],
                    "tau_params_proxy": k["params_proxy"]["valid_acc"]["kendall_tau"],
                    "tau_table_valid_vs_test": k["table_valid_vs_test"]["kendall_tau"],
                    "ranking_cpu_s": k["eval_cpu_s"]})
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--classes", type=int, default=500, help="table classes ranked for Kendall tau (0: skip)")
    p.add_argument("--sample-seed", type=int, default=0)
    p.add_argument("--config", default="{}", help="NAOWSConfig overrides as JSON")
    p.add_argument("--seeds", default=None, help="search seeds, comma-separated (default: the config's seed)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", default=None, help="write the full result JSON here")
    p.add_argument("--rescore", default="", help="also score every evaluated cell by these SupernetConfig scores "
                                                 "(comma-separated, e.g. jacob,jacob_loss) with the final supernet, "
                                                 "into --out (for bench/supernet_rerank.py --score)")
    args = p.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch
    torch.set_num_threads(1)
    from naoviz.experiments.supernet import measure_nao_ws
    from naoviz.search.nao_ws import NAOWSConfig

    try:
        overrides = json.loads(args.config)
        seeds = [int(v) for v in args.seeds.split(",")] if args.seeds else [NAOWSConfig(**overrides).seed]
        configs = [NAOWSConfig(**{**overrides, "seed": seed}) for seed in seeds]
        rescores = [v for v in args.rescore.split(",") if v]
        from naoviz.child.oneshot import SCORES
        if any(v not in SCORES for v in rescores):
            raise ValueError(f"--rescore must name scores of {', '.join(SCORES)}, got {args.rescore!r}")
    except (ValueError, TypeError) as exc:
        print(f"--config/--seeds/--rescore: {exc}", file=sys.stderr)
        return 2
    wall0, cpu0 = time.perf_counter(), time.process_time()
    log = (lambda e: None) if args.json else (lambda e: print(json.dumps(e, default=str)[:200], file=sys.stderr))
    full = [measure_nao_ws(cfg, n=args.classes, sample_seed=args.sample_seed, progress=log, rescores=rescores)
            for cfg in configs]
    runs = [_summary(r) for r in full]
    mean = {k: sum(r[k] for r in runs) / len(runs) for k in runs[0]
            if isinstance(runs[0][k], float) and all(isinstance(r.get(k), float) for r in runs)}
    summary = {"config": full[0]["search"]["config"], "seeds": seeds, "runs": runs, "mean": mean,
               "total_wall_s": time.perf_counter() - wall0, "total_cpu_s": time.process_time() - cpu0}
    if args.out:
        from naoviz.jsonio import dumps_strict
        from naoviz.paths import atomic_write_text
        atomic_write_text(Path(args.out), dumps_strict({"summary": summary, "full": full}, indent=1))
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    for r in runs:
        print(f"seed {r['seed']}: returned cell {r['best']}")
        print(f"  table valid_acc {r['best_valid_acc']:.2f} %, rank {r['best_rank']} = top {r['best_top_pct']:.2f} % "
              f"(goal <= 5 %); random class: top {r['random_class_expected_top_pct']:.1f} % (ratio "
              f"{r['ratio_top_pct_vs_random']:.3f}); initial-pool best by supernet: top "
              f"{r['initial_pool_best_top_pct']:.1f} %")
        if "reranked" in r:
            print(f"  re-ranked {r['reranked']} candidates by short trainings; the supernet's own choice (score less "
                  f"the skip penalty): top {r['supernet_best_top_pct']:.2f} % ({r['supernet_best']})")
        if "tau_valid" in r:
            print(f"  Kendall tau on {r['classes']} classes (goal >= 0.5): accuracy {r['tau_valid']:.3f} vs valid_acc "
                  f"({r['tau_test']:.3f} vs test_acc), -loss {r['tau_loss_valid']:.3f}; params proxy "
                  f"{r['tau_params_proxy']:.3f}; table valid vs test {r['tau_table_valid_vs_test']:.3f}")
        print(f"  search: {r['search_wall_s']:.0f} s wall, {r['search_cpu_s']:.0f} s CPU (goal <= 600 s)")
    if len(runs) > 1:
        m = mean
        print(f"mean of {len(runs)} seeds: top {m['best_top_pct']:.2f} % (each: "
              + ", ".join(f"{r['best_top_pct']:.2f}" for r in runs)
              + f"), ratio to random {m['ratio_top_pct_vs_random']:.3f}"
              + (f", supernet's own choice top {m['supernet_best_top_pct']:.2f} %"
                 if "supernet_best_top_pct" in m else "")
              + ", initial-pool best top "
              f"{m.get('initial_pool_best_top_pct', float('nan')):.1f} %"
              + (f", tau accuracy {m['tau_valid']:.3f} / -loss {m['tau_loss_valid']:.3f}" if "tau_valid" in m else "")
              + f"; search {m['search_wall_s']:.0f} s wall, {m['search_cpu_s']:.0f} s CPU")
    print(f"whole bench {summary['total_wall_s']:.0f} s wall, {summary['total_cpu_s']:.0f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())

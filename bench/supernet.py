"""NAO-WS on digits measured against the digits table (every NB201 class trained alone).

    nice -n 10 python bench/supernet.py [--classes 500] [--config '{"rounds": 4}'] [--json] [--out FILE]

Runs ``naoviz.search.nao_ws.run_nao_ws`` (config: NAOWSConfig defaults, overridden by ``--config``), then
ranks ``--classes`` seeded table classes with the final supernet. Prints:
  * the returned cell's table rank (top %) against two baselines from the same run: a random class's
    expected top % and the supernet's best of the initial random pool (before any NAO step);
  * Kendall tau (supernet valid accuracy vs the table's valid_acc) against the parameter-count proxy's tau;
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


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--classes", type=int, default=500, help="table classes ranked for Kendall tau (0: skip)")
    p.add_argument("--sample-seed", type=int, default=0)
    p.add_argument("--config", default="{}", help="NAOWSConfig overrides as JSON")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", default=None, help="write the full result JSON here")
    args = p.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch
    torch.set_num_threads(1)
    from naoviz.experiments.supernet import measure_nao_ws
    from naoviz.search.nao_ws import NAOWSConfig

    cfg = NAOWSConfig(**json.loads(args.config))
    wall0, cpu0 = time.perf_counter(), time.process_time()
    log = (lambda e: None) if args.json else (lambda e: print(json.dumps(e, default=str)[:200], file=sys.stderr))
    r = measure_nao_ws(cfg, n=args.classes, sample_seed=args.sample_seed, progress=log)
    best, init = r["best_rank"]["valid_acc"], r.get("initial_pool_best_rank", {})
    summary = {
        "config": r["search"]["config"], "best": r["best"],
        "best_valid_acc": best["value"], "best_top_pct": best["top_pct"], "best_rank": best["rank"],
        "best_test_top_pct": r["best_rank"]["test_acc"]["top_pct"],
        "random_class_expected_top_pct": r["random_class_expected_top_pct"],
        "initial_pool_best_top_pct": init.get("top_pct"),
        "ratio_top_pct_vs_random": best["top_pct"] / r["random_class_expected_top_pct"],
        "search_wall_s": r["search_wall_s"], "search_cpu_s": r["search_cpu_s"],
        "total_wall_s": time.perf_counter() - wall0, "total_cpu_s": time.process_time() - cpu0,
    }
    if "ranking" in r:
        k = r["ranking"]
        summary.update({"classes": k["classes"], "tau_valid": k["supernet"]["valid_acc"]["kendall_tau"],
                        "tau_test": k["supernet"]["test_acc"]["kendall_tau"],
                        "tau_params_proxy": k["params_proxy"]["valid_acc"]["kendall_tau"],
                        "tau_table_valid_vs_test": k["table_valid_vs_test"]["kendall_tau"],
                        "ranking_cpu_s": k["eval_cpu_s"]})
    if args.out:
        from naoviz.jsonio import dumps_strict
        from naoviz.paths import atomic_write_text
        atomic_write_text(Path(args.out), dumps_strict({"summary": summary, "full": r}, indent=1))
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    print(f"returned cell: {r['best']}")
    print(f"  table valid_acc {best['value']:.2f} %, rank {best['rank']} of {best['classes']} = top "
          f"{best['top_pct']:.2f} % (goal <= 5 %); random class: top {summary['random_class_expected_top_pct']:.1f} % "
          f"(ratio {summary['ratio_top_pct_vs_random']:.3f}); initial-pool best by supernet: top "
          f"{summary['initial_pool_best_top_pct']:.1f} %")
    if "tau_valid" in summary:
        print(f"  Kendall tau on {summary['classes']} classes: {summary['tau_valid']:.3f} vs valid_acc "
              f"(goal >= 0.5), {summary['tau_test']:.3f} vs test_acc; params proxy {summary['tau_params_proxy']:.3f}; "
              f"table valid vs test {summary['tau_table_valid_vs_test']:.3f}")
    print(f"  search: {summary['search_wall_s']:.0f} s wall, {summary['search_cpu_s']:.0f} s CPU (goal <= 600 s); "
          f"whole bench {summary['total_wall_s']:.0f} s wall, {summary['total_cpu_s']:.0f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())

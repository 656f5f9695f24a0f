"""Final-stage rules for NAO-WS measured on saved searches: re-ranking by several short trainings, a skip penalty.

    nice -n 19 python bench/supernet_rerank.py SEARCH.json [SEARCH2.json ...] [--rules 10x3x4,20x2x4] [--round-best]
        [--fresh-split] [--skip-penalty 0.01] [--penalties 0,0.01,0.02] [--seeds 0,1,2] [--score S] [--cache FILE]
        [--json]

``SEARCH.json``: ``bench/supernet.py --classes 0 --out`` of NAO-WS runs with ``rerank_top`` 0 (the default);
each run holds every evaluated cell and its final supernet score. For each run (search seed s) and rule
``KxNxE`` the candidates are the top K evaluated cells by that score (plus each round's best with
``--round-best``, as ``NAOWSConfig.rerank_top`` does), each trained from scratch N times for E epochs with the
``digits-table`` recipe on the table's data split and seeds s+1 .. s+N (never the table's seed 0 when s >= 0),
exactly as ``NAOWSConfig(rerank_seeds=N)`` trains them (``--fresh-split``: each training on the split its own
seed draws, as ``NAOWSConfig(rerank_split="fresh")``), and the one with the best
mean validation accuracy is returned; printed: its table top % per seed, the mean, and the CPU the rule adds
(trainings x their measured CPU; the search's own CPU is in the file). Rule ``0`` is the supernet's own
choice. ``--penalties``: return the best by score - lambda x (number of skip_connect edges) instead, no
training (does the supernet over-rate skip-heavy cells?); also printed: the mean skip count of the supernet's
top 20 vs the table's value among the same evaluated cells. Trainings are cached (``--cache``), shared with
``bench/supernet_noise.py``. ``--score S``: the final choice by another score of the same final supernet
(``bench/supernet.py --rescore S``) instead of the search's own. One torch thread.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def parse_rule(text: str) -> tuple[int, int, int]:
    if text.strip() == "0":
        return (0, 0, 0)
    k, n, e = (int(v) for v in text.lower().split("x"))
    if not (k >= 1 and n >= 1 and e >= 1):
        raise ValueError(text)
    return (k, n, e)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("search", nargs="+", help="bench/supernet.py --out files (their runs are pooled)")
    p.add_argument("--rules", default="0,10x1x4,10x2x4,10x3x4,20x1x4,20x2x4,20x3x4",
                   help="KxNxE rules, comma-separated (0: the supernet's own choice)")
    p.add_argument("--round-best", action="store_true", help="add each round's best to the candidates")
    p.add_argument("--fresh-split", action="store_true",
                   help="each re-ranking training on the data split its own seed draws (rerank_split fresh)")
    p.add_argument("--skip-penalty", type=float, default=0.0,
                   help="rank the candidates (and rule 0's choice) by score - this x #skip_connect edges, as "
                        "NAOWSConfig.skip_penalty does (default 0: the raw supernet score)")
    p.add_argument("--penalties", default="", help="skip-penalty lambdas, comma-separated")
    p.add_argument("--seeds", default=None, help="only these search seeds of the file, comma-separated")
    p.add_argument("--score", default=None,
                   help="rank by this score of the final supernet (saved by bench/supernet.py --rescore) instead of "
                        "the search's own (evaluated_score)")
    p.add_argument("--cache", default=None)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    try:
        rules = [parse_rule(r) for r in args.rules.split(",") if r.strip()]
        penalties = [float(v) for v in args.penalties.split(",") if v.strip()]
    except ValueError as exc:
        print(f"--rules/--penalties: bad value {exc}", file=sys.stderr)
        return 2
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import numpy as np
    import torch
    torch.set_num_threads(1)
    from naoviz.tables import load_benchmark
    from supernet_noise import TrainCache, top_pct

    table = load_benchmark("nb201-digits")
    values = np.asarray(table.frame["valid_acc"], dtype=float)
    space = table.space
    truth = lambda a: float(table.query(space.parse(a))["valid_acc"])     # noqa: E731
    runs = [r for f in args.search for r in json.loads(Path(f).read_text())["full"]]
    if args.seeds:
        keep = {int(v) for v in args.seeds.split(",")}
        runs = [r for r in runs if r["search"]["config"]["seed"] in keep]
    cache = TrainCache(args.cache)
    if args.score and any(args.score not in r.get("rescored", {}) for r in runs):
        print(f"--score: {args.score!r} is not in every run of the file (bench/supernet.py --rescore)", file=sys.stderr)
        return 2

    def final_score(r):                      # the final supernet's score of every evaluated cell
        return np.asarray(r["rescored"][args.score] if args.score else r["search"]["evaluated_score"], dtype=float)

    out = {"rules": {}, "penalties": {}, "skip": []}
    for rule in rules:
        k, n, e = rule
        per_seed = []
        for r in runs:
            s = r["search"]
            seed, ev, score = s["config"]["seed"], s["evaluated"], final_score(r)
            score = score - args.skip_penalty * np.array([a.count("skip_connect") for a in ev])
            order = np.argsort(-score, kind="stable")
            if k == 0:
                per_seed.append({"seed": seed, "top_pct": top_pct(truth(ev[order[0]]), values), "trainings": 0})
                continue
            cands = [ev[i] for i in order[:k]] + ([x["best"] for x in s["rounds"]] if args.round_best else [])
            cands = list(dict.fromkeys(cands))
            mean = [np.mean([cache.valid_acc(a, seed + 1 + j, e, fresh=args.fresh_split) for j in range(n)]) for a in cands]
            best = cands[int(np.argmax(mean))]
            per_seed.append({"seed": seed, "top_pct": top_pct(truth(best), values), "trainings": len(cands) * n,
                             "epochs": e, "best": best})
        name = "0" if k == 0 else f"{k}x{n}x{e}"
        out["rules"][name] = per_seed
        if not args.json:
            print(f"rule {name}{' +round best' if args.round_best and k else ''}"
                  f"{' fresh splits' if args.fresh_split and k else ''}"
                  f"{f' skip penalty {args.skip_penalty:g}' if args.skip_penalty else ''}: top % "
                  + ", ".join(f"s{x['seed']} {x['top_pct']:.2f}" for x in per_seed)
                  + f"; mean {sum(x['top_pct'] for x in per_seed) / len(per_seed):.2f}, in the top 5 % on "
                  f"{sum(x['top_pct'] <= 5.0 for x in per_seed)} of {len(per_seed)}", flush=True)
    for lam in penalties:
        per_seed = []
        for r in runs:
            s = r["search"]
            ev, score = s["evaluated"], final_score(r)
            skips = np.array([a.count("skip_connect") for a in ev])
            best = ev[int(np.argmax(score - lam * skips))]
            per_seed.append({"seed": s["config"]["seed"], "top_pct": top_pct(truth(best), values)})
        out["penalties"][lam] = per_seed
        if not args.json:
            print(f"skip penalty {lam:g}: top % " + ", ".join(f"s{x['seed']} {x['top_pct']:.2f}" for x in per_seed))
    for r in runs:
        s = r["search"]
        ev, score = s["evaluated"], final_score(r)
        skips = np.array([a.count("skip_connect") for a in ev])
        tv = np.array([truth(a) for a in ev])
        by_sn, by_tab = np.argsort(-score, kind="stable")[:20], np.argsort(-tv, kind="stable")[:20]
        out["skip"].append({"seed": s["config"]["seed"], "evaluated": len(ev),
                            "skips_supernet_top20": float(skips[by_sn].mean()),
                            "skips_table_top20": float(skips[by_tab].mean()), "skips_all": float(skips.mean())})
        if not args.json:
            x = out["skip"][-1]
            print(f"seed {x['seed']}: mean skip_connect edges of the {x['evaluated']} evaluated cells "
                  f"{x['skips_all']:.2f}; of the supernet's top 20 {x['skips_supernet_top20']:.2f}; of the "
                  f"table's top 20 among them {x['skips_table_top20']:.2f}")
    out["trained_now"], out["train_cpu_s"] = cache.trained, cache.cpu_s
    out["cpu_per_training_s"] = cache.cpu_s / cache.trained if cache.trained else None
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        print(f"{cache.trained} trainings now, {cache.cpu_s:.0f} s CPU"
              + (f" ({out['cpu_per_training_s']:.2f} s each)" if cache.trained else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

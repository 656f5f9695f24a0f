"""How far the step's queries land from their seed, in edits (issue 13, docs/search_experiments.md "A Gaussian
process on NAO's embedding"): ``PRESETS["kmeans"]`` (the baseline) against ``kmeans`` + the JSON fields.

    PYTHONPATH=. NAOVIZ_DATA=... OMP_NUM_THREADS=1 python bench/step_edits.py '{fields}' [--seeds 0-10]
        [--queries 100] [--json PATH]

NB201 CIFAR-10 (search valid_acc), torch 1 thread. For every step query (source ``decoder`` with a ``seed`` extra)
the edit distance from the seed it was stepped from, over rounds 1-3 and rounds 4+; prints a line per searcher
(mean edits, the share within one edit) and the variant's mean edits in rounds 1-3 as a ratio of the baseline's.
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.search.nao_search import PRESETS, NAOSearch, NAOSearchConfig

from bench_out import add_search_options, save_json


def edits(fields: dict, seeds, queries: int, ev) -> dict:
    """Edit distances of the step's queries from their seeds, rounds 1-3 and 4+, over ``seeds``."""
    space, early, late = ev.space, [], []
    for seed in seeds:
        cfg = NAOSearchConfig(**{**PRESETS["kmeans"], "model": dict(PRESETS["kmeans"]["model"]), **fields})
        for r in NAOSearch(cfg).run(ev, queries, int(seed), progress=False).history:
            if r.source == "decoder" and "seed" in r.extra:
                h = space.hamming(space.parse(r.extra["seed"]), space.parse(r.arch))
                (early if r.round <= 3 else late).append(h)
    early, late = np.asarray(early, dtype=float), np.asarray(late, dtype=float)
    return dict(early=float(early.mean()), late=float(late.mean()), n_early=int(early.size), n_late=int(late.size),
                near_early=float((early <= 1).mean()), near_late=float((late <= 1).mean()))


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("fields")
    add_search_options(ap)
    args = ap.parse_args(argv)
    try:
        fields = json.loads(args.fields)
        NAOSearchConfig(**{**PRESETS["kmeans"], "model": dict(PRESETS["kmeans"]["model"]), **fields})
    except (ValueError, TypeError) as exc:
        sys.exit(f"fields: {exc}")
    torch.set_num_threads(1)
    ev = TableEvaluator("nb201")
    out = {}
    for name, f in (("kmeans", {}), ("variant", fields)):
        out[name] = r = edits(f, args.seeds, args.queries, ev)
        print(f"{name} {json.dumps(f)}: edits from seed, rounds 1-3 {r['early']:.2f} (n {r['n_early']}), rounds 4+ "
              f"{r['late']:.2f} (n {r['n_late']}); within 1 edit {r['near_early']:.2f} / {r['near_late']:.2f}", flush=True)
    print(f"ratio variant / kmeans, edits in rounds 1-3: {out['variant']['early'] / out['kmeans']['early']:.2f}")
    save_json(out, args.json)
    return out


if __name__ == "__main__":
    main()

"""Decode by retrieval (issue 13): `kmeans` (= `default`) whose moved points become the nearest unmeasured cells
of the table in NAO's embedding (``decode_by="nearest"``), and two diagnostics that live only here.

    PYTHONPATH=. NAOVIZ_DATA=... OMP_NUM_THREADS=1 python bench/retrieve_variants.py NAME '{fields}' [--mode M]
        [--seeds 0-10] [--queries 100] [--json PATH]

NAME ``ls`` runs local search (fields ignored); any other name runs ``PRESETS["kmeans"]`` plus the JSON fields
(a nested "model" dict replaces kmeans'), as the product runs it (``--mode step``, the default). Diagnostics:

* ``--mode no_step``: the same searcher with eta 0: every moved point is the seed itself, so the candidates
  are the ``nearest_k`` unmeasured cells nearest to the seed, ranked by the same acquisition: does the step
  do the work, or the neighbourhood of the seed in the embedding?
* ``--mode pool_rank``: no step at all: every round the whole pool's unmeasured cells ranked by the
  acquisition (the heads' mean + ``kappa`` sd), the best ``n_new`` queried: an upper bound on what retrieval
  could pick with this predictor (with ``"surrogate": "gp"``, by the GP's acquisition).

NB201 CIFAR-10 (search valid_acc, report cifar10_test_acc), torch 1 thread. Prints a line per seed, then a
``ROW`` line (mean incumbent at 25 / 50 / 100, runs that reached the optimum by 50 / 64 / 100, mean first query
at the optimum (100 when never), final incumbents from the step (source ``decoder``: decoded or retrieved), CPU per search by process_time, the mean of the three
checkpoints, queries tagged ``"decode": "nearest"`` per run), and with ``--json`` every figure.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.experiments.search import at_optimum
from naoviz.nao.propose import score_candidates
from naoviz.nao.step import Generated
from naoviz.search.local_search import LocalSearch
from naoviz.search.nao_search import PRESETS, NAOSearch, NAOSearchConfig

from bench_out import add_search_options, save_json

MODES = ("step", "no_step", "pool_rank")
CHECKS = (25, 50, 100)


class NoStep(NAOSearch):
    """The searcher with eta 0 for every seed: its moved points are the seeds themselves."""

    def _trust_steps(self, ctx, nao, cfg, ranked, rng):
        grid = self._trust.grid
        self._trust.grid = lambda keys, n: np.zeros_like(grid(keys, n))
        try:
            return super()._trust_steps(ctx, nao, cfg, ranked, rng)
        finally:
            del self._trust.grid


class PoolRank(NAOSearch):
    """No step: the round's ``n_new`` are the pool's unmeasured cells with the best acquisition."""

    def _trust_steps(self, ctx, nao, cfg, ranked, rng):
        cells, _, acq = score_candidates(nao, list(self._retrieve.cells), [], cfg.kappa, gp=self._gp)
        seed = ranked[0]
        out = [Generated(arch=cells[i], seed=seed, eta=0.0, score_seed=float("nan"), score_new=float("nan"),
                         score_decoded=float(acq[i]), hamming=ctx.space.hamming(seed, cells[i]))
               for i in np.argsort(-acq, kind="stable")[:cfg.n_new]]
        self._pending = None
        return out


def build(name: str, fields: dict, mode: str):
    if name == "ls":
        return LocalSearch()
    cfg = NAOSearchConfig(**{**PRESETS["kmeans"], "model": dict(PRESETS["kmeans"]["model"]), **fields})
    return {"step": NAOSearch, "no_step": NoStep, "pool_rank": PoolRank}[mode](cfg)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("name")
    ap.add_argument("fields", nargs="?", default="{}")
    ap.add_argument("--mode", default="step", choices=MODES)
    add_search_options(ap)
    args = ap.parse_args(argv)
    seeds = args.seeds
    try:
        fields = json.loads(args.fields)
        build(args.name, fields, args.mode)
    except (ValueError, TypeError) as exc:
        sys.exit(f"fields: {exc}")
    if args.mode != "step" and fields.get("decode_by") != "nearest":
        sys.exit(f"--mode {args.mode}: needs \"decode_by\": \"nearest\" in the fields")
    torch.set_num_threads(1)
    ev = TableEvaluator("nb201")
    optimum = ev.report_optimum()
    runs = []
    for seed in seeds:
        c0 = time.process_time()
        res = build(args.name, fields, args.mode).run(ev, args.queries, int(seed), progress=False)
        curve = res.incumbent_curve()
        hit = at_optimum(curve, optimum, 1.0)
        inc = res.incumbent()
        runs.append(dict(seed=int(seed), cpu=time.process_time() - c0,
                         at={str(c): float(curve[c - 1]) for c in CHECKS if c <= args.queries},
                         first=int(np.argmax(hit)) + 1 if hit.any() else None,
                         decoded=inc is not None and inc.source == "decoder", sources=res.counts()["queries"],
                         retrieved=sum(r.extra.get("decode") == "nearest" for r in res.history)))
        print(f"seed {seed}: at {runs[-1]['at']} to-opt {runs[-1]['first']} cpu {runs[-1]['cpu']:.1f} "
              f"queries {runs[-1]['sources']} retrieved {runs[-1]['retrieved']}", flush=True)
    first = [r["first"] for r in runs]
    at = {c: float(np.mean([r["at"][c] for r in runs])) for c in runs[0]["at"]}
    out = dict(name=args.name, fields=fields, mode=args.mode, at=at,
               opt50=sum(q is not None and q <= 50 for q in first), opt64=sum(q is not None and q <= 64 for q in first),
               opt100=sum(q is not None for q in first), to_opt=float(np.mean([100 if q is None else q for q in first])),
               decoded=sum(r["decoded"] for r in runs), retrieved=float(np.mean([r["retrieved"] for r in runs])),
               cpu=float(np.mean([r["cpu"] for r in runs])),
               mean3=float(np.mean(list(at.values()))), runs=runs)
    print(f"ROW {args.name} {args.mode} {json.dumps(fields)} | " + " / ".join(f"{v:.3f}" for v in at.values()) +
          f" | optimum by 50 / 64 / 100 {out['opt50']} / {out['opt64']} / {out['opt100']} | to optimum "
          f"{out['to_opt']:.1f} | final decoded {out['decoded']}/{len(runs)} | retrieved {out['retrieved']:.1f} | cpu {out['cpu']:.1f} | "
          f"mean of the three {out['mean3']:.3f}", flush=True)
    save_json(out, args.json)
    return out


if __name__ == "__main__":
    main()

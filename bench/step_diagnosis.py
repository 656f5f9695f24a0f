"""Which half of NAO's step loses the early game to local search, the candidates or the ranking? (issue 13)

    PYTHONPATH=. NAOVIZ_DATA=... OMP_NUM_THREADS=1 python bench/step_diagnosis.py [--seeds 0-10]
        [--searchers thompson,ls,th_oracle,ls_nao,th_forest] [--variant NAME '{JSON fields over thompson}']
        [--json PATH] [--space nb201|nb201-digits] [--metric valid_acc] [--report COLUMN]

Each round, both `thompson` (the `default` preset) and forest-ranked local search (`ls`) (a) generate
candidates and (b) rank them by a predictor and measure the top 5. Three diagnostic-only hybrids (they live
here, not in the product) swap one half:

* ``th_oracle``: thompson's candidates (every new decode of its trust step) ranked by the table's own search
  metric (valid_acc): what a perfect ranking of the same candidates would give;
* ``ls_nao``: local search's candidates (the incumbent's unevaluated one-edit neighbours) ranked by the NAO
  ensemble predictor thompson fits (5 heads, 100 + 15 warm epochs) instead of the forest: NAOSearch with
  ``n_new`` 0 and 5 predictor-ranked mutations, thompson's model;
* ``th_forest``: thompson's candidates ranked by local search's forest (100 trees on the one-hot cells,
  refitted every round on everything measured).

``--variant NAME JSON`` adds a searcher NAME: thompson's fields plus JSON (as bench/trust_variants.py gives
them), ranked as the product ranks, so a measured variant's candidates get the same per-round figures.

``thompson`` and ``ls`` run as the product runs them (NAOSearch(PRESETS["thompson"]), LocalSearch()); their
figures must equal bench/RESULTS.md's tuning rows. The hybrids differ from thompson only in
``NAOSearch._order`` (how the step's candidates are ordered), so the same seed gives the same first round.

Prints a summary row per searcher (mean incumbent test accuracy at 25 / 50 / 100, runs at the optimum by
50 / 64 / 100, mean first query at the optimum with 100 for a miss, CPU per search) and, per round (5
queries each after the 10 random ones), means over the seeds of:

* ``dist``: edit distance (``space.hamming``) of the round's measured proposals from the incumbent they were
  proposed from (the best measured cell before the round);
* ``better``: the incumbent's unevaluated one-edit neighbours (canonical classes) whose valid_acc is above
  the incumbent's; ``covered``: how many of them were among the searcher's candidates that round
  (thompson family: every new decode; ls family: the whole one-edit ball, so all of them);
* ``cands``: candidates that round; ``cand+``: share of rounds whose candidates hold any cell better than
  the incumbent; ``meas+``: share of rounds whose measured cells hold one (the incumbent improved);
* ``picked`` / ``top5`` / ``all``: mean valid_acc of the measured proposals, of the 5 best candidates (the
  oracle's pick) and of all candidates: the ranking's loss is top5 - picked, the candidates' quality top5.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import defaultdict
from typing import Optional

import numpy as np
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.experiments.search import at_optimum
from naoviz.search.local_search import LocalSearch
from naoviz.search.nao_search import PRESETS, NAOSearch, NAOSearchConfig
from naoviz.search.ranked import ForestPredictor

from bench_out import add_search_options, save_json

ALL = ("thompson", "ls", "th_oracle", "ls_nao", "th_forest")
CHECKS = (25, 50, 100)


class StepDiagnosis(NAOSearch):
    """``thompson`` whose trust-step candidates are ordered by ``rank``: "acquisition" (the product's own
    order, so this *is* thompson), "oracle" (the table's search metric) or "forest" (a seeded random forest
    on the cells measured so far). Records every round's candidate set in ``candidates`` (round -> archs)."""

    def __init__(self, config: NAOSearchConfig, rank: str, evaluator):
        super().__init__(config)
        self.rank, self.evaluator = rank, evaluator
        self.candidates: dict[int, list] = defaultdict(list)

    def _search(self, ctx, rng):
        self.ctx = ctx
        super()._search(ctx, rng)

    def _order(self, ctx, gens: list) -> list:
        self.candidates[ctx.round].extend(g.arch for g in gens)
        if self.rank == "acquisition" or not gens:
            return super()._order(ctx, gens)
        archs = [g.arch for g in gens]
        if self.rank == "oracle":
            key = true_values(self.evaluator, archs)
        else:                  # forest: local search's ranker, seeded by the round (no draw from the search's rng)
            forest = ForestPredictor(ctx.space, 100, 1, seed=1000 + ctx.round)
            key = forest.fit(ctx.archs, [r.value for r in ctx.history], maximize=ctx.maximize).score(archs)
        return [gens[i] for i in np.argsort(-np.asarray(key, dtype=float), kind="stable")]


class KeptLocalSearch(LocalSearch):
    """Local search as the product runs it; keeps its context for the per-round figures."""

    def _search(self, ctx, rng):
        self.ctx = ctx
        super()._search(ctx, rng)


def true_values(evaluator, archs) -> np.ndarray:
    """``(n,)`` the table's search metric of ``archs``, larger = better (no query is spent)."""
    v = evaluator.table.metric(evaluator.metric, archs)
    return v if evaluator.maximize else -v


def build(name: str, evaluator, variants: Optional[dict] = None):
    variants = variants or {}
    if name in variants:      # thompson's fields plus the variant's (a nested "model" dict replaces thompson's)
        return StepDiagnosis(NAOSearchConfig(**{**PRESETS["thompson"], **variants[name]}), "acquisition", evaluator)
    if name == "ls":
        return KeptLocalSearch()
    cfg = dict(PRESETS["thompson"], model=dict(PRESETS["thompson"]["model"]))
    if name == "ls_nao":      # local search's candidates, NAO's 5-head ensemble ranks them (no decodes)
        cfg.update(proposer="sweep", n_new=0, n_mutations=5, mutation_parents=1)
        return StepDiagnosis(NAOSearchConfig(**cfg), "acquisition", evaluator)
    rank = {"thompson": "acquisition", "th_oracle": "oracle", "th_forest": "forest"}[name]
    return StepDiagnosis(NAOSearchConfig(**cfg), rank, evaluator)


def rounds(searcher, evaluator) -> list[dict]:
    """Per round, the figures of the module docstring for one finished search."""
    ctx, space = searcher.ctx, searcher.ctx.space
    hist, archs = ctx.history, ctx.archs
    vals = np.asarray([r.value for r in hist], dtype=float) * (1 if evaluator.maximize else -1)
    out = []
    for r in sorted({h.round for h in hist if h.round > 0}):
        prior = [i for i, h in enumerate(hist) if h.round < r]
        now = [i for i, h in enumerate(hist) if h.round == r]
        inc_i = max(prior, key=lambda i: (vals[i], -i))
        inc, inc_v = archs[inc_i], vals[inc_i]
        seen = {hist[i].canonical for i in prior}
        ball, keys = [], set()
        for nb in space.neighbours(inc):
            k = space.canonical(nb)
            if k not in seen and k not in keys:
                keys.add(k)
                ball.append(nb)
        ball_v = true_values(evaluator, ball) if ball else np.zeros(0)
        better = {space.canonical(a) for a, v in zip(ball, ball_v) if v > inc_v}
        step = isinstance(searcher, StepDiagnosis) and searcher.config.proposer == "trust"
        cands = list(searcher.candidates.get(r, [])) if step else ball
        cand_v = true_values(evaluator, cands) if cands else np.zeros(0)
        guided = [i for i in now if hist[i].source not in ("random", "design")]
        out.append(dict(
            round=r, queries=now[-1] + 1,
            dist=float(np.mean([space.hamming(inc, archs[i]) for i in guided])) if guided else float("nan"),
            better=len(better), covered=len(better & {space.canonical(a) for a in cands}), cands=len(cands),
            cand_better=bool(len(cand_v) and cand_v.max() > inc_v), meas_better=bool(vals[now].max() > inc_v),
            picked=float(np.mean(vals[guided])) if guided else float("nan"),
            top5=float(np.mean(np.sort(cand_v)[-5:])) if len(cand_v) else float("nan"),
            all=float(np.mean(cand_v)) if len(cand_v) else float("nan"), incumbent=float(inc_v)))
    return out


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_search_options(ap, json_help="write every figure (per seed, per round) to this file")
    ap.add_argument("--searchers", default=None,
                    help=f"comma-separated, of {', '.join(ALL)} (default: all, or none when --variant is given)")
    ap.add_argument("--space", default="nb201", choices=["nb201", "nb201-digits"],
                    help="the table (default nb201; nb201-digits: naoviz's digits table)")
    ap.add_argument("--metric", default="valid_acc", help="search metric (default valid_acc)")
    ap.add_argument("--report", default=None, help="reported metric (default: the table's test accuracy)")
    ap.add_argument("--variant", nargs=2, action="append", default=[], metavar=("NAME", "JSON"),
                    help="a searcher NAME: thompson's fields plus these (repeatable; runs after --searchers)")
    args = ap.parse_args(argv)
    seeds = args.seeds
    text = args.searchers if args.searchers is not None else ("" if args.variant else ",".join(ALL))
    names = [s.strip() for s in text.split(",") if s.strip()]
    bad = [n for n in names if n not in ALL]
    if bad or not (names or args.variant):
        sys.exit(f"--searchers: unknown {bad[0] if bad else '(none)'!r}; expected names from {', '.join(ALL)}")
    variants = {}
    for vname, text in args.variant:
        try:
            variants[vname] = json.loads(text)
            NAOSearchConfig(**{**PRESETS["thompson"], **variants[vname]})
        except (ValueError, TypeError) as exc:
            sys.exit(f"--variant {vname}: {exc}")
        if vname in ALL or not isinstance(variants[vname], dict):
            sys.exit(f"--variant {vname}: needs a new name and a JSON object of fields")
    names += list(variants)
    if not 1 <= args.queries <= 1000:
        sys.exit(f"--queries: expected 1..1000, got {args.queries}")
    torch.set_num_threads(1)
    try:
        ev = TableEvaluator(args.space, metric=args.metric, report=args.report)
    except ValueError as exc:
        sys.exit(f"--metric/--report: {exc}")
    optimum = ev.report_optimum()
    checks = [c for c in CHECKS if c <= args.queries]
    result = {"space": args.space, "metric": ev.metric, "report": ev.report, "seeds": list(seeds), "queries": args.queries,
              "optimum": optimum, "searchers": {}}
    for name in names:
        runs, t0 = [], time.strftime("%H:%M:%S")
        for seed in seeds:
            c0 = cpu()
            s = build(name, ev, variants)
            res = s.run(ev, args.queries, int(seed), progress=False)
            curve = res.incumbent_curve()
            hit = at_optimum(curve, optimum, 1.0)
            runs.append(dict(seed=int(seed), cpu=cpu() - c0, at={str(c): float(curve[c - 1]) for c in checks},
                             first=int(np.argmax(hit)) + 1 if hit.any() else None,
                             sources=res.counts()["queries"], rounds=rounds(s, ev)))
            print(f"{name} seed {seed}: at {runs[-1]['at']} to-opt {runs[-1]['first']} cpu {runs[-1]['cpu']:.1f}",
                  flush=True)
        first = [r["first"] for r in runs]
        result["searchers"][name] = dict(
            started=t0, at={str(c): float(np.mean([r["at"][str(c)] for r in runs])) for c in checks},
            opt50=sum(q is not None and q <= 50 for q in first), opt64=sum(q is not None and q <= 64 for q in first),
            opt100=sum(q is not None for q in first), to_opt=float(np.mean([100 if q is None else q for q in first])),
            cpu=float(np.mean([r["cpu"] for r in runs])), runs=runs)
    print(f"\n{args.space}, search {ev.metric}, report {ev.report} (optimum {optimum:.3f}), seeds "
          f"{seeds.start}-{seeds.stop - 1}, {args.queries} queries")
    print("| searcher | mean at " + " / ".join(map(str, checks)) + " | optimum by 50 / 64 / 100 | to optimum | CPU s |")
    print("|---|---|---|---|---|")
    for name, s in result["searchers"].items():
        print(f"| {name} | " + " / ".join(f"{s['at'][str(c)]:.3f}" for c in checks) +
              f" | {s['opt50']} / {s['opt64']} / {s['opt100']} | {s['to_opt']:.1f} | {s['cpu']:.1f} |")
    print("\nPer round (means over the seeds; rounds of 5 queries after the 10 random ones):")
    print("| searcher | round | queries | dist | better | covered | cands | cand+ | meas+ | picked | top5 | all | incumbent |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, s in result["searchers"].items():
        per = defaultdict(list)
        for run in s["runs"]:
            for row in run["rounds"]:
                per[row["round"]].append(row)
        for r in sorted(per):
            rows = per[r]

            def m(k):
                return float(np.nanmean([x[k] for x in rows]))
            print(f"| {name} | {r} | {int(m('queries'))} | {m('dist'):.2f} | {m('better'):.1f} | {m('covered'):.1f} | "
                  f"{m('cands'):.1f} | {m('cand_better'):.1f} | {m('meas_better'):.1f} | {m('picked'):.2f} | "
                  f"{m('top5'):.2f} | {m('all'):.2f} | {m('incumbent'):.2f} |")
    save_json(result, args.json)
    return result


if __name__ == "__main__":
    main()

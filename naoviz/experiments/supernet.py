"""The supernet measured against ground truth: the digits table trained every NB201 class alone.

``table_sample`` draws a seeded sample of classes (their smallest-index member, as the table stores them),
``disjoint_sample`` one that shares no class with a given sample;
``ranking`` trains a supernet and returns Kendall tau / Spearman rho between its accuracies (and minus
losses; and its ``score="jacob"`` ranking score when that is its score) and the table's, next to two baselines from the same sample (parameter count, a random score); ``table_rank``
says where a cell sits in the table (rank 1 = best; ``top_pct`` = rank / classes x 100, ties share the
best rank). Data in, JSON-ready dicts out.
"""
from __future__ import annotations

import time
from typing import Sequence

import numpy as np

TABLE = "nb201-digits"


def table_sample(n: int, seed: int = 0) -> list[tuple]:
    """``n`` distinct classes' representatives (smallest ``arch_index`` member), seeded; all when ``n`` >= 6,466."""
    from naoviz.child.build_table import representatives
    from naoviz.errors import check_count
    n, seed = check_count(n, "n", 1, 10**9), check_count(seed, "seed", 0, 2**32 - 1)
    from naoviz.spaces import NB201Space
    return [a for _, a in representatives(NB201Space(), n if n < 6466 else "all", seed)]


def disjoint_sample(n: int, seed: int, exclude: Sequence[tuple]) -> list[tuple]:
    """``n`` seeded classes' representatives none of which is in ``exclude`` (a second, disjoint sample to
    confirm a figure tuned on ``table_sample(n, 0)``), in the table's class order."""
    from naoviz.child.build_table import representatives
    from naoviz.errors import check_count
    from naoviz.spaces import NB201Space
    n, seed = check_count(n, "n", 1, 10**9), check_count(seed, "seed", 0, 2**32 - 1)
    skip = {tuple(a) for a in exclude}
    rest = [a for _, a in representatives(NB201Space(), "all") if tuple(a) not in skip]
    if n > len(rest):
        raise ValueError(f"disjoint_sample: n must be <= {len(rest)} classes left, got {n}")
    pick = np.random.default_rng(seed).choice(len(rest), size=n, replace=False)
    return [rest[i] for i in sorted(pick)]


def correlations(scores: Sequence[float], truth: Sequence[float]) -> dict:
    """Kendall tau-b and Spearman rho of two score lists (NaN-free, same length)."""
    from scipy.stats import kendalltau, spearmanr
    if len(scores) != len(truth):
        raise ValueError(f"correlations: scores and truth must be as long as each other, got {len(scores)} and "
                         f"{len(truth)}")
    return {"kendall_tau": float(kendalltau(scores, truth)[0]), "spearman_rho": float(spearmanr(scores, truth)[0])}


def table_rank(arch, metric: str = "valid_acc", table=None) -> dict:
    """Where ``arch``'s class sits among the table's 6,466 classes by ``metric`` (higher is better)."""
    from naoviz.tables import load_benchmark
    table = table or load_benchmark(TABLE)
    values = table.metric(metric)                      # a ValueError naming an unknown metric
    value = float(table.query(arch)[metric])           # a string or a tuple; a bad one is named "arch"
    rank = int((values > value).sum()) + 1
    return {"metric": metric, "value": value, "rank": rank, "classes": len(values),
            "top_pct": 100.0 * rank / len(values), "table_best": float(values.max())}


def ranking(oneshot, n: int = 500, seed: int = 0, table=None) -> dict:
    """Supernet accuracy and minus loss (on the valid held-out batches) of ``n`` sampled classes vs the
    table's ``valid_acc`` and ``test_acc``; baselines: parameter count (``params_M``) and a seeded random score."""
    from naoviz.tables import load_benchmark
    table = table or load_benchmark(TABLE)
    archs = table_sample(n, seed)
    t0, c0 = time.perf_counter(), time.process_time()
    sc = oneshot.scores(archs, "valid")
    acc = sc["acc"]
    eval_s, eval_cpu = time.perf_counter() - t0, time.process_time() - c0
    truth = {m: table.metric(m, archs) for m in ("valid_acc", "test_acc")}
    params = table.metric("params_M", archs)
    own = oneshot.rank_scores(archs, scores=sc) if oneshot.config.score.startswith("jacob") else None
    random_score = np.random.default_rng(seed + 1).random(len(archs))
    return {"classes": len(archs), "sample_seed": seed,
            "supernet": {m: correlations(acc, t) for m, t in truth.items()},
            "supernet_loss": {m: correlations(-sc["loss"], t) for m, t in truth.items()},
            **({"supernet_score": {m: correlations(own, t) for m, t in truth.items()}} if own is not None else {}),
            "params_proxy": {m: correlations(params, t) for m, t in truth.items()},
            "random": {m: correlations(random_score, t) for m, t in truth.items()},
            "table_valid_vs_test": correlations(truth["valid_acc"], truth["test_acc"]),
            "supernet_mean_acc": float(acc.mean()), "eval_s": eval_s, "eval_cpu_s": eval_cpu}


def rescore(net, archs: Sequence, score: str) -> np.ndarray:
    """``net.rank_scores(archs)`` as if the supernet's ``score`` field were ``score`` (same trained weights):
    what another final-choice score would say of the cells a search evaluated, ``(len(archs),)``."""
    import dataclasses
    saved = net.config
    try:
        net.config = dataclasses.replace(saved, score=score).validate()
        return np.asarray(net.rank_scores(list(archs)), dtype=float)
    finally:
        net.config = saved


def measure_nao_ws(config=None, n: int = 500, sample_seed: int = 0, table=None, progress=None,
                   against_table: bool = True, data=None, rescores: Sequence[str] = ()) -> dict:
    """Run NAO-WS; on digits (``against_table``) add the returned cell's table rank, a random pool cell's
    rank (baseline) and, for ``n`` > 0, the final supernet's Kendall tau on ``n`` sampled classes; for each
    score of ``rescores`` (a ``SupernetConfig.score``) the final supernet's score of every evaluated cell
    (``out["rescored"][score]``, in ``search["evaluated"]`` order, for final-choice rules measured offline).
    The search's wall / CPU time excludes this measuring."""
    from naoviz.child.oneshot import OneShot
    from naoviz.child.supernet_config import SCORES
    from naoviz.errors import check_count, check_type, show
    from naoviz.search.nao_ws import NAOWSConfig, run_nao_ws
    check_type(config, (NAOWSConfig, type(None)), "config", "a NAOWSConfig or None")
    check_count(n, "n", 0, 6466)
    check_count(sample_seed, "sample_seed", 0, 2**32 - 1)
    bad = [s for s in (rescores if isinstance(rescores, (list, tuple)) else [rescores]) if s not in SCORES]
    if bad or not isinstance(rescores, (list, tuple)):
        raise ValueError(f"rescores: expected a list of {', '.join(SCORES)}, got {show(rescores)}")
    cfg = config or NAOWSConfig()
    net = OneShot(cfg.supernet_config(), data)
    result = run_nao_ws(cfg, progress=progress, oneshot=net)
    out = {"search": result.to_dict(), "best": result.best_arch, "search_wall_s": result.wall_s,
           "search_cpu_s": result.cpu_s}
    if rescores:
        cells = [net.space.parse(a) for a in result.evaluated]
        out["rescored"] = {s: rescore(net, cells, s).tolist() for s in rescores}
    if not against_table:
        return out
    from naoviz.tables import load_benchmark
    table = table or load_benchmark(TABLE)
    out["best_rank"] = {m: table_rank(result.best, m, table) for m in ("valid_acc", "test_acc")}
    # baselines from the same run: the supernet's best of the initial random pool (round 1, before any
    # NAO step: random search with weight sharing) and a uniformly random class (its expected top %)
    if result.rounds:
        out["initial_pool_best_rank"] = table_rank(table.space.parse(result.rounds[0]["best"]), "valid_acc", table)
    if result.reranked:     # what the supernet alone would have returned: its best of every evaluated cell by
        # the final score less the skip penalty, as rerank_top=0 chooses (first seen on ties)
        skips = np.array([a.count("skip_connect") for a in result.evaluated], dtype=float)
        top = result.evaluated[int(np.argmax(np.asarray(result.evaluated_score) - cfg.skip_penalty * skips))]
        out["supernet_best"] = top
        out["supernet_best_rank"] = table_rank(table.space.parse(top), "valid_acc", table)
    out["random_class_expected_top_pct"] = expected_random_top_pct(table)
    if n:
        out["ranking"] = ranking(net, n, sample_seed, table)
    return out


def expected_random_top_pct(table=None, metric: str = "valid_acc") -> float:
    """Mean ``top_pct`` of a uniformly random class (what returning a random cell scores)."""
    from naoviz.tables import load_benchmark
    table = table or load_benchmark(TABLE)
    table.metric(metric)                               # a ValueError naming an unknown metric
    values = np.sort(np.asarray(table.frame[metric], dtype=float))
    better = len(values) - np.searchsorted(values, values, side="right")      # strictly better, per class
    return float(np.mean(better + 1) / len(values) * 100.0)

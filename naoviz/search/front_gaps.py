"""Mutations aimed at the widest gap of the feasible front (issue 14, hypervolume): under a budget NAO's
proposals crowd at the budget's edge, where the best feasible cells are, and its front of (search metric,
cost) is thin at the cheap end (bench/constrained_sources.py --front). Local search and evolution, which
mutate many parents, fill it by the way.

:func:`front_mutations` picks one parent per round on the front of the evaluated feasible cells (search metric
up, the first constraint's column down): the member ``i`` whose step to the next dearer member leaves the
largest empty rectangle, ``(c[i+1] - c[i]) * (v[i+1] - v[i])`` (``c`` cost, ``v`` oriented search metric), the
hypervolume a cell as cheap as ``i`` and as good as ``i + 1`` would add. Its unevaluated one-edit neighbours
that the cost model predicts cheaper than ``c[i+1]`` are ranked by the searcher's ranker (NAO: predicted
accuracy x probability of feasibility); when none is left the next widest gap is tried.
Uses the search metric only (never the reported one) and the judge's predicted costs.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from naoviz.search.pareto import pareto_front


def gaps(values: np.ndarray, costs: np.ndarray) -> list[tuple[int, float]]:
    """Front members (indices into ``values`` (n,), oriented: larger is better, and ``costs`` (n,), lower is
    better) with the cost of the next dearer member, widest gap first: ``[(index, next_cost), ...]``. The
    dearest member (the incumbent) has no gap."""
    ok = np.flatnonzero(np.isfinite(values) & np.isfinite(costs))
    if len(ok) < 2:
        return []
    pts = np.stack([values[ok], costs[ok]], axis=1)
    front = ok[pareto_front(pts, [True, False])]          # best value first: dearest first
    front = front[np.argsort(costs[front], kind="stable")]  # cheapest first
    out = []
    for a, b in zip(front[:-1], front[1:]):
        out.append((int(a), float(costs[b]), float((costs[b] - costs[a]) * (values[b] - values[a]))))
    out.sort(key=lambda t: -t[2])
    return [(i, c) for i, c, _ in out]


def front_mutations(ctx, ranker, cost_model, n: int, exclude: Sequence = ()) -> list:
    """Up to ``n`` unevaluated one-edit neighbours of the front member with the widest gap (module
    docstring), predicted by ``cost_model`` (``predict_costs``) cheaper than the next dearer member, best
    ``ranker.score`` first; none without an upper constraint, a cost model or two feasible front members."""
    uppers = [c for c in ctx.constraints if c.upper]
    if n <= 0 or not uppers or cost_model is None or not ctx.history:
        return []
    col = uppers[0].column
    feas = np.asarray([bool(r.feasible) for r in ctx.history])
    values = np.where(feas, ctx.values(), np.nan)
    costs = np.asarray([r.metrics.get(col, np.nan) for r in ctx.history], dtype=float)
    taken = {ctx.space.canonical(a) for a in exclude}
    for i, upper in gaps(values, costs):
        pool, classes = [], set()
        for cand in ctx.space.neighbours(ctx.archs[i]):
            c = ctx.space.canonical(cand)
            if c in taken or c in classes or not ctx.open_class(c):
                continue
            classes.add(c)
            pool.append(cand)
        if not pool:
            continue
        pred = np.asarray(cost_model.predict_costs(pool)[col], dtype=float)
        pool = [a for a, p in zip(pool, pred) if p < upper]
        if not pool:
            continue
        score = np.asarray(ranker.score(pool), dtype=float)
        keep = [j for j in np.argsort(-score, kind="stable") if score[j] > -1e5][:n]   # sunk ones are not taken
        if keep:
            return [pool[j] for j in keep]
    return []

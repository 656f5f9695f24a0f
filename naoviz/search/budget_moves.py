"""Proposals for NAO under a budget (issue 14), all off by default (``NAOSearchConfig.cheap_rounds``,
``NAOSearchConfig.early_parents``, ``NAOSearchConfig.front_rounds``, ``NAOSearchConfig.polish_stall``).

* :func:`cheapest_level`: a query aimed at the front's cheap end. Under an upper constraint NAO's proposals
  crowd at the budget's level, where the best feasible cells are, and its front is thin at the cheap end: on
  cifar10_params_M p50 the slice of the hypervolume between 0.2 and 0.3 of the bound is decided by the best
  cell with no convolution at all (0.0733 M parameters, the cheapest of the 28 levels), which a run may never
  query (docs/search_experiments.md, "Issue 14, late: a judge per column decided once per space"). From
  ``pool`` random unevaluated cells it keeps those the cost model predicts within ``tol`` (relative) of the
  pool's lowest predicted cost on the first upper constraint's column, and returns the best ``n`` by the
  searcher's ranker (NAO: predicted accuracy x probability of feasibility).
* :func:`spread_mutations`: more mutation parents early. Evolution's lead at 50 queries comes from its
  population's many one-edit moves at the budget's level; NAO mutates its incumbent (``mutation_parents`` 1),
  and pooling the neighbours of 3 parents lost (their best-ranked neighbours are mostly the incumbent's).
  Here the ``n`` mutations go round-robin over the ``k`` best *feasible* evaluated cells: the i-th is the
  best-ranked usable new neighbour of parent ``i mod k``, so every parent gets its move.
* :func:`front_budgets`: the step aimed along the front early. On latency budgets NAO's hypervolume at 50
  queries trails local search's, the area lost between 0.1 and 0.3 of the bound (its step and mutations crowd
  at the budget's edge). In the first rounds the step's upper bound is a random quantile of the feasible
  measured cells' costs, as a Pareto search draws its objectives' bounds (``hw.round_budgets``).
  ``NAOSearchConfig.front_low`` / ``front_high`` narrow the quantile's range, ``front_slots`` aims only that
  many of the step's slots under it (:func:`split_step`), the rest at the budget as in any other round.
* :func:`polishing`: late-game exploitation. Once the feasible incumbent has stalled, a round's step slots go
  to one-edit neighbours of the best feasible cells (:func:`spread_mutations`), ranked by predicted accuracy
  x probability of feasibility: the incumbents come mostly from mutations (8 of 10 runs on latency_pixel3
  p50), the step's decodes sit off the budget's edge.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from naoviz.search.constraints import Constraint

CHEAP_POOL = 2000     # random unevaluated cells the cheapest level is looked for in
CHEAP_TOL = 0.02      # a cell is at the cheapest level if predicted within 2 % above the pool's lowest cost


def cheapest_level(ctx, ranker, cost_model, n: int, rng: np.random.Generator, exclude: Sequence = (),
                   pool: int = CHEAP_POOL, tol: float = CHEAP_TOL) -> list:
    """Up to ``n`` unevaluated cells (none in ``exclude``) at the lowest predicted cost level of ``pool``
    random new cells drawn with ``rng``: ``cost_model.predict_costs(cells)[col]`` ``(pool,)`` at most
    ``(1 + tol)`` x its minimum over the cells the ranker does not sink (score > -1e5: with NAO's judge a
    wild extrapolation, e.g. a negative prediction, has no probability of feasibility and sinks), ``col`` the
    first upper constraint's column; best ``ranker.score`` first. None without an upper constraint or a
    cost model."""
    uppers = [c for c in ctx.constraints if c.upper]
    if n <= 0 or not uppers or cost_model is None:
        return []
    cells = ctx.random_new(rng, pool, exclude=exclude)
    if not cells:
        return []
    score = np.asarray(ranker.score(cells), dtype=float)
    cost = np.asarray(cost_model.predict_costs(cells)[uppers[0].column], dtype=float)
    ok = (score > -1e5) & np.isfinite(cost)        # sunk (predicted infeasible, e.g. a negative prediction)
    if not ok.any():
        return []
    low = cost[ok].min()
    level = np.flatnonzero(ok & (cost <= low + tol * abs(low)))
    return [cells[j] for j in level[np.argsort(-score[level], kind="stable")][:n]]


def spread_mutations(ctx, ranker, n: int, k: int, exclude: Sequence = ()) -> list:
    """Up to ``n`` unevaluated one-edit neighbours (one per canonical class, none in ``exclude``), taken
    round-robin from the ``k`` best feasible evaluated cells (``ctx.best`` order; fewer when fewer are
    feasible): the i-th the best-ranked (``ranker.score``) neighbour of parent ``i mod k`` not yet taken,
    usable ones only (``ranker.within_budget``, when the ranker has it). A parent with nothing left is
    skipped; [] with no feasible cell."""
    if n <= 0 or k <= 0:
        return []
    feasible = {r.canonical for r in ctx.history if r.feasible}
    parents = [a for a in ctx.best(len(ctx.archs)) if ctx.space.canonical(a) in feasible][:k]
    taken = {ctx.space.canonical(a) for a in exclude}
    within = getattr(ranker, "within_budget", None)
    queues = []
    for parent in parents:
        cands, classes = [], set()
        for cand in ctx.space.neighbours(parent):
            c = ctx.space.canonical(cand)
            if c not in classes and ctx.open_class(c):
                classes.add(c)
                cands.append(cand)
        if cands and within is not None:
            ok = within(cands)
            cands = cands if ok is None else [a for a, o in zip(cands, ok) if o]
        if cands:
            score = np.asarray(ranker.score(cands), dtype=float)
            queues.append([cands[j] for j in np.argsort(-score, kind="stable")])
    out: list = []
    while len(out) < n and any(queues):
        for q in queues:
            while q and ctx.space.canonical(q[0]) in taken:
                q.pop(0)
            if q and len(out) < n:
                a = q.pop(0)
                taken.add(ctx.space.canonical(a))
                out.append(a)
    return out


def front_budgets(ctx, budgets: Sequence, rounds: int, low: float = 0.1, high: float = 0.9) -> list:
    """``budgets`` (this round's, ``hw.round_budgets``) with the first upper constraint's bound lowered, in
    each of the first ``rounds`` rounds, to a quantile drawn uniformly in [``low``, ``high``] of the feasible
    measured cells' values on its column (never raised), from a stream seeded by (seed, round) so that the
    searcher's own random stream is untouched; unchanged after those rounds, without an upper constraint, in a
    Pareto search (it draws its own), or with fewer than 2 feasible cells."""
    budgets = list(budgets)
    uppers = [i for i, b in enumerate(budgets) if b.upper]
    if rounds <= 0 or ctx.round > rounds or not uppers or any(o != ctx.evaluator.metric for o in ctx.objectives):
        return budgets
    i = uppers[0]
    col = budgets[i].column
    vals = np.asarray([r.metrics.get(col, np.nan) for r in ctx.history if r.feasible], dtype=float)
    vals = vals[np.isfinite(vals)]
    if len(vals) < 2:
        return budgets
    q = float(np.random.default_rng([int(ctx.seed), int(ctx.round), 15]).uniform(low, high))
    bound = min(budgets[i].bound, float(np.quantile(vals, q)))
    budgets[i] = Constraint(col, budgets[i].op, bound)
    return budgets


def split_step(step, n_new: int, slots: int, front: Sequence, budgets: Sequence) -> list:
    """A front round's step split in two (``NAOSearchConfig.front_slots``): ``step(n, budgets, exclude)``
    (the searcher's step proposing up to ``n`` decodes, none in ``exclude``, under ``budgets``) first for
    ``slots`` decodes under the drawn ``front`` budgets, then for the other ``n_new - slots`` under the round's
    own ``budgets``, excluding the first part's cells; the two lists joined (front part first). Front slots
    that decode nothing stay empty (the round's random fills take them, as in an unsplit front round)."""
    slots = min(max(slots, 0), n_new)
    aimed = list(step(slots, front, ())) if slots else []
    rest = list(step(n_new - slots, budgets, [g.arch for g in aimed])) if n_new > slots else []
    return aimed + rest


def polishing(ctx, stall: int, after: int) -> bool:
    """Whether this round polishes (``NAOSearchConfig.polish_stall``): under budgets, at least ``after`` queries
    spent and the feasible incumbent unchanged for the last ``stall`` step rounds
    (``retrieve.stalled_rounds``); False when ``stall`` is 0."""
    from naoviz.search.hw import round_budgets
    from naoviz.search.retrieve import stalled_rounds
    if stall <= 0 or len(ctx.history) < after or not round_budgets(ctx):
        return False
    return stalled_rounds(ctx.history, ctx.maximize) >= stall

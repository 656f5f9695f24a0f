"""One predictor contract and one predictor-ranked mutation step, shared by local search and NAO's search.

A *predictor* learns a metric from evaluated architectures: ``fit(archs, values, maximize)`` returns
itself, ``predict(archs)`` gives metric units and ``score(archs)`` a ranking where higher is better
whatever the metric's direction. ``naoviz.nao.NAO`` satisfies it, and so does :class:`ForestPredictor`.
"""
from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from naoviz.spaces.base import Arch


class Predictor(Protocol):
    def fit(self, archs: Sequence[Arch], values, maximize: bool = True) -> "Predictor": ...
    def predict(self, archs: Sequence[Arch]) -> np.ndarray: ...
    def score(self, archs: Sequence[Arch]) -> np.ndarray: ...


class ForestPredictor:
    """A scikit-learn random forest on ``space.one_hot(archs)`` (single-threaded, seeded).

    ``fit`` stores ``forest_`` and ``maximize_``; ``score`` is the prediction, negated when lower is better.
    """

    def __init__(self, space, n_trees: int = 100, min_samples_leaf: int = 1, seed: int = 0):
        self.space, self.n_trees, self.min_samples_leaf, self.seed = space, n_trees, min_samples_leaf, seed

    def fit(self, archs, values, maximize: bool = True) -> "ForestPredictor":
        from sklearn.ensemble import RandomForestRegressor
        forest = RandomForestRegressor(n_estimators=self.n_trees, min_samples_leaf=self.min_samples_leaf,
                                       random_state=int(self.seed), n_jobs=1)
        self.forest_ = forest.fit(self.space.one_hot(archs), np.asarray(values, dtype=float))
        self.maximize_ = bool(maximize)
        return self

    def predict(self, archs) -> np.ndarray:
        """Predicted metric ``(n,)`` in metric units."""
        return self.forest_.predict(self.space.one_hot(archs))

    def score(self, archs) -> np.ndarray:
        """``(n,)``, higher = better."""
        pred = self.predict(archs)
        return pred if self.maximize_ else -pred


def ranked_mutations(ctx, predictor: Predictor, n: int, parents: int = 1, exclude: Sequence[Arch] = ()) -> list:
    """Up to ``n`` unevaluated one-edit neighbours (one per canonical class, none in ``exclude``) of the
    ``parents`` best evaluated archs, best ``predictor.score`` first.

    When those parents' neighbourhoods hold fewer than ``n`` candidates (they are all evaluated, or, with a
    ranker under budgets, predicted over budget), the next best archs' neighbours are added until there are
    ``n``: a search keeps climbing instead of drawing random fills or spending queries over budget.
    """
    if n <= 0:
        return []
    taken = {ctx.space.canonical(a) for a in exclude}
    pool, classes = [], set()
    within = getattr(predictor, "within_budget", None)     # under a budget: count predicted-feasible only
    usable = 0
    for rank, parent in enumerate(ctx.best(len(ctx.archs))):
        if rank >= parents and usable >= n:
            break
        new = []
        for cand in ctx.space.neighbours(parent):
            c = ctx.space.canonical(cand)
            if c in taken or c in classes or not ctx.open_class(c):
                continue
            classes.add(c)
            new.append(cand)
        pool += new
        ok = within(new) if within is not None and new else None       # None: no budget, all usable
        usable += len(new) if ok is None else int(np.sum(ok))
    if not pool:
        return []
    score = np.asarray(predictor.score(pool), dtype=float)
    return [pool[i] for i in np.argsort(-score, kind="stable")[:n]]

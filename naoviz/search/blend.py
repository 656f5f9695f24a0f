"""NAO's acquisition and a random forest ranking the trust step's candidates together (issue 13).

Why: on CIFAR-100 and digits a perfect ranking of the step's own candidates would beat local search at 25 and
50 queries, and NAO's predictor, fitted on 10-25 cells, is what ranks them worse there
(docs/search_experiments.md, "Which half of the step loses the early game"). A forest on the one-hot cells is
local search's ranker; alone it ranks the step's far decodes worse than NAO on CIFAR-10. The mean of the two
ranks is the blend measured here (``NAOSearchConfig.forest_blend``, off by default).
"""
from __future__ import annotations

import numpy as np

from naoviz.search.ranked import ForestPredictor

N_TREES = 100           # local search's forest (LocalSearchConfig.n_trees)


def ranks_desc(score) -> np.ndarray:
    """``(n,)`` 0-based rank of each score, largest first; ties keep their order (stable)."""
    score = np.asarray(score, dtype=float)
    out = np.empty(len(score), dtype=float)
    out[np.argsort(-score, kind="stable")] = np.arange(len(score))
    return out


def blend_order(acq, other) -> np.ndarray:
    """Indices ``(n,)`` ordered by the mean of the two descending ranks of ``acq`` and ``other`` (both ``(n,)``,
    higher = better); ties broken by ``acq``'s rank (the acquisition's order)."""
    ra, rb = ranks_desc(acq), ranks_desc(other)
    return np.lexsort((ra, ra + rb))


def forest_blend_order(ctx, gens: list) -> list:
    """``gens`` (the step's new decodes, each with ``score_decoded``) ordered by the mean of the
    acquisition's rank and a seeded random forest's rank (fitted on every measured cell; the seed is the
    search's seed and round, so no draw is taken from the search's generator)."""
    archs = [g.arch for g in gens]
    seed = (int(ctx.seed) * 7919 + int(ctx.round)) % 2**31
    forest = ForestPredictor(ctx.space, N_TREES, 1, seed=seed)
    fscore = forest.fit(ctx.archs, [r.value for r in ctx.history], maximize=ctx.maximize).score(archs)
    order = blend_order([g.score_decoded for g in gens], fscore)
    return [gens[i] for i in order]

"""A diverse batch for NAO's trust step (issue 13: "the batch made diverse in the embedding").

Each round queries the ``n_new`` new decodes the acquisition ranks best. With one seed (``top_k`` 1) and
sampled decodes these are often near-duplicates: cells next to each other in NAO's embedding, which the
predictor scores alike, so one round measures one guess five times. ``diverse_order`` picks the round's
cells greedily instead (local penalisation / a determinantal-style greedy): the first is the best by the
acquisition, each next one maximises

    score_i - weight * max_j cos(e_i, e_j)      over the cells j already chosen this round,

with ``e`` the candidates' re-encoded embeddings (unit vectors, so the cosine is a dot product) and ``score``
the acquisition (``Generated.score_decoded``, raw predictor scores in [0, 1]). ``weight`` 0 keeps the
acquisition's order exactly. Deterministic (ties go to the earlier candidate): no random choice.
"""
from __future__ import annotations

import numpy as np

MAX_WEIGHT = 10.0     # NAOSearchConfig.diversity's upper bound: scores span at most 1, cosines at most 2


def diverse_order(scores, emb, k: int, weight: float) -> list[int]:
    """Indices into the C candidates: the first ``min(k, C)`` chosen greedily by ``scores`` (C,) minus
    ``weight`` x the largest cosine similarity of ``emb`` (C, H) rows to those already chosen, then the rest
    in their given order. ``weight`` 0 (or ``k`` <= 1): ``range(C)``, the order as given (the caller's
    acquisition order)."""
    scores = np.asarray(scores, dtype=float).reshape(-1)
    C = scores.shape[0]
    if weight < 0:
        raise ValueError(f"diverse_order: weight must be >= 0, got {weight}")
    if weight == 0 or k <= 1 or C <= 1:
        return list(range(C))
    emb = np.asarray(emb, dtype=float).reshape(C, -1)
    norm = np.linalg.norm(emb, axis=1, keepdims=True)
    unit = emb / np.where(norm > 0, norm, 1.0)
    sim = unit @ unit.T                                        # (C, C) cosine similarities
    chosen = [int(np.argmax(scores))]                          # argmax: the first of ties
    near = sim[chosen[0]].copy()                               # (C,) max similarity to the chosen set
    free = np.ones(C, dtype=bool)
    free[chosen[0]] = False
    while len(chosen) < min(k, C):
        gain = np.where(free, scores - weight * near, -np.inf)
        i = int(np.argmax(gain))
        chosen.append(i)
        free[i] = False
        near = np.maximum(near, sim[i])
    return chosen + [i for i in range(C) if free[i]]


def diverse_gens(nao, gens: list, k: int, weight: float) -> list:
    """``gens`` (``Generated``, in the acquisition's order) with the first ``k`` re-chosen by
    ``diverse_order`` on their re-encoded embeddings (``nao.embed``, (C, H)); unchanged when ``weight`` is 0."""
    if weight == 0 or k <= 1 or len(gens) <= 1:
        return list(gens)
    emb = nao.embed([g.arch for g in gens])
    order = diverse_order([g.score_decoded for g in gens], emb, k, weight)
    return [gens[i] for i in order]

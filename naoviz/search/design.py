"""A space-filling initial pool: k-means in an unsupervised NAO embedding (issue 13).

Why: the first fit sees only the ``n_init`` random cells; a random draw of 10 can leave whole regions of the
space unseen and put two cells in one. Every cell can be encoded without its label, so the pool is chosen
among ``pool`` seeded random candidates as the cells nearest to the ``n`` k-means centres of their
embeddings under the encoder pretrained on unlabelled cells (``naoviz.nao.semi.pretrained``: cached per
space and model config, deterministic). ``NAOSearchConfig.init_design = "kmeans"``; off by default.
"""
from __future__ import annotations

import numpy as np
import torch

DESIGN_CELLS, DESIGN_EPOCHS = 2000, 10      # the pretraining when the search itself pretrains nothing (`semi`'s)
ITERATIONS = 25                              # Lloyd iterations (converges in ~10 on 2000 x 96)


def kmeans(x: np.ndarray, k: int, rng: np.random.Generator, iterations: int = ITERATIONS) -> np.ndarray:
    """Centres ``(k, D)`` of ``x`` ``(n, D)`` (n >= k): k-means++ seeding drawn from ``rng``, then Lloyd's
    iterations; an empty cluster keeps its centre."""
    n = len(x)
    centres = [x[int(rng.integers(n))]]
    d2 = ((x - centres[0]) ** 2).sum(1)
    for _ in range(1, k):
        p = d2 / d2.sum() if d2.sum() > 0 else np.full(n, 1.0 / n)
        centres.append(x[int(rng.choice(n, p=p))])
        d2 = np.minimum(d2, ((x - centres[-1]) ** 2).sum(1))
    c = np.stack(centres).astype(float)
    for _ in range(iterations):
        lab = (((x[:, None, :] - c[None]) ** 2).sum(-1)).argmin(1)           # (n,)
        new = np.stack([x[lab == j].mean(0) if np.any(lab == j) else c[j] for j in range(k)])
        if np.allclose(new, c):
            break
        c = new
    return c


def nearest_distinct(x: np.ndarray, centres: np.ndarray) -> list[int]:
    """For each centre in turn, the index of the nearest row of ``x`` not taken by an earlier centre."""
    taken: list[int] = []
    for c in centres:
        d = ((x - c) ** 2).sum(1)
        d[taken] = np.inf
        taken.append(int(np.argmin(d)))
    return taken


def embed_unlabelled(space, config, archs, cells: int, epochs: int, seed: int, should_stop=None) -> np.ndarray:
    """``(n, hidden)`` unit embeddings of ``archs`` by the encoder pretrained (reconstruction only) on
    ``cells`` cells for ``epochs`` with ``seed`` (cached: ``semi.pretrained``); no label is used."""
    from naoviz.nao import NAO, semi
    nao = NAO(space, config)
    semi.warm_start(nao, semi.pretrained(space, config, cells, epochs, seed, should_stop=should_stop))
    with torch.no_grad():
        _, emb = nao.net_.encoder(nao.tokens(archs))
    return emb.cpu().numpy().astype(float)


def kmeans_design(ctx, config, n: int, pool: int, rng: np.random.Generator, cells: int, epochs: int,
                  seed: int) -> list:
    """``n`` canonical-new cells: ``pool`` random candidates (``ctx.random_new``), embedded without labels,
    the nearest candidate to each of ``n`` k-means centres (all candidates when there are ``n`` or fewer).
    A stop set while the encoder pretrains (a fresh cache: a minute or more on 2 cores) ends the search after
    that epoch (``SearchStopped``), not after the whole pretraining."""
    from naoviz.errors import Stopped
    from naoviz.search.base import SearchStopped
    cands = ctx.random_new(rng, pool)
    if len(cands) <= n:
        return cands
    try:
        emb = embed_unlabelled(ctx.space, config, cands, cells, epochs, seed, should_stop=lambda: ctx.stopped)
    except Stopped:
        raise SearchStopped from None
    return [cands[i] for i in nearest_distinct(emb, kmeans(emb, n, rng))]

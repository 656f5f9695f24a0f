"""Decode by retrieval (``NAOSearchConfig.decode_by="nearest"``, issue 13): a moved point's candidates are the
unmeasured cells of a pool nearest to it in the encoder's embedding, not the LSTM decoder's cell.

In a finite space the best decoder of a point e' is the cell whose embedding is nearest to it (the MAP
decoder over the space's cells). The pool is the table's classes (``nearest_pool`` 0: a partial table's rows,
or every class of a space that enumerates them) or ``nearest_pool`` seeded random cells. The model refits
every round, so the pool is embedded once per round (:class:`Retriever`); the moved point's per-step states
``(S, H)`` are pooled as the encoder pools a cell's (``naoviz.nao.modules.pool``: the unit mean), and both
being unit vectors, nearness is cosine similarity.

``feasible`` (``nearest_feasible``, issue 14): under a budget the pool is first cut to the cells the search's
cost judge predicts within it (``nao.within_budget`` inside ``hw.budget_scope``), so retrieval is a projected
step: the moved point's nearest predicted-feasible cells, never k nearest that the judge then filters away.

``stalled_rounds`` (``retrieve_on_stall``, issue 13): how long the incumbent has stalled, the signal that hands
the step from the LSTM decoder to retrieval; ``flat_round`` (``retrieve_on_flat``) the predicted stall, and
``escaped`` (``escape_on_stall``) the escape from a stalled incumbent once retrieval decodes.
"""
from __future__ import annotations

import numpy as np
import torch

from naoviz.nao.modules import pool
from naoviz.search.result import incumbent_index


def stalled_rounds(history, maximize: bool = True) -> int:
    """How many step rounds in a row, the latest last, measured no new incumbent (``incumbent_index``: the best
    feasible search-metric value, ties keep the old one); the initial pool (round 0) is not a step round, so 0
    until a step round has run. A pure function of the history: a resumed search rebuilds it."""
    idx = incumbent_index(history, maximize)
    improved: dict[int, bool] = {}
    for i, rec in enumerate(history):
        improved[rec.round] = improved.get(rec.round, False) or int(idx[i]) == i
    stalled = 0
    for rnd in sorted((r for r in improved if r >= 1), reverse=True):
        if improved[rnd]:
            break
        stalled += 1
    return stalled


def flat_round(nao, ctx, found) -> bool:
    """Whether a step round saw no gain: none of its queried step cells ``found`` (``Generated``, acquisition
    in ``score_decoded``) scored above the incumbent's predicted score (``nao.score``, the heads' mean, the
    acquisition's scale with ``kappa`` 0); true when it found none."""
    best = ctx.best(1)
    if not best:
        return False
    inc = float(nao.score(best)[0])
    return not any(g.score_decoded > inc for g in found)


def escaped(ranked: list, stalled: int, every: int) -> list:
    """``ranked`` (the step's seed order, best first) rotated down by ``stalled // every`` places (``every`` 0:
    unchanged): after each ``every`` stalled rounds the step climbs from the next-best cell; the skipped
    cells go last, so the wide fallback still reaches them."""
    j = stalled // every if every > 0 and ranked else 0
    j = min(j, len(ranked) - 1) if ranked else 0
    return list(ranked[j:]) + list(ranked[:j])


def pool_cells(ctx, size: int, rng: np.random.Generator) -> list:
    """The retrieval pool: ``size`` 0 -> one arch per class of the partial table (``ctx.pool``) or of the space
    (``space.classes``), in sorted class order; else ``size`` random unevaluated cells drawn from ``rng``."""
    if size:
        return ctx.random_new(rng, size)
    if ctx.pool is not None:
        return [ctx.pool[c] for c in sorted(ctx.pool)]
    classes = ctx.space.classes
    return [classes[c][0] for c in sorted(classes)]


class Retriever:
    """One round's pool: its unmeasured cells (m) and their pooled embeddings ``(m, H)``, unit vectors, from the
    model as this round fitted it. Called as ``step_proposals``' ``retrieve``; ``with_decoder``: the decoder's
    cells come first and the retrieved ones join them (``decode_by="both"``); ``given``: the canonical ids
    retrieved this round (what the queries' ``"decode": "nearest"`` tag says). ``feasible``: keep only the
    cells ``nao.within_budget`` passes (build it inside ``hw.budget_scope``; no budget active: all pass), or,
    a function cells -> ``(m,)`` bool, those it passes (``project_pof``)."""

    def __init__(self, ctx, nao, cells: list, keys: list, k: int, with_decoder: bool = False,
                 feasible: bool = False):
        self.with_decoder, self.given = bool(with_decoder), set()
        keep = [i for i, c in enumerate(keys) if ctx.open_class(c)]
        if feasible and keep:
            pool_cells = [cells[i] for i in keep]
            ok = feasible(pool_cells) if callable(feasible) else nao.within_budget(pool_cells)
            if ok is not None:                                        # (len(keep),) bool: predicted within
                keep = [i for i, good in zip(keep, ok) if good]
        self.cells = [cells[i] for i in keep]
        self.keys = [keys[i] for i in keep]
        self.k = int(k)
        self.emb = (torch.as_tensor(nao.embed(self.cells)) if self.cells
                    else torch.zeros(0, nao.config.hidden_size))                         # (m, H)

    def __call__(self, moved: torch.Tensor, seen: set):
        """Moved per-step states ``(R, S, H)`` -> (cells, origin rows): each row's ``k`` nearest pool cells not
        in ``seen`` (canonical ids), most similar first, rows in order; a cell goes to the first row that has it."""
        if not self.cells:
            return [], []
        free = torch.as_tensor([key not in seen for key in self.keys])
        if not bool(free.any()):
            return [], []
        with torch.no_grad():
            sim = pool(moved).to(self.emb.dtype).cpu() @ self.emb.T                      # (R, m) cosine
        sim[:, ~free] = -torch.inf
        k = min(self.k, int(free.sum()))
        top = torch.topk(sim, k, dim=1).indices.numpy()                                   # (R, k), best first
        cand, origin, taken = [], [], set()
        for row, idx in enumerate(top):
            for i in map(int, idx):
                if i not in taken:
                    taken.add(i)
                    cand.append(self.cells[i])
                    origin.append(row)
                    self.given.add(self.keys[i])
        return cand, origin

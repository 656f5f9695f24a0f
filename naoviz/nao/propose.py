"""Step proposals (issue 13): every seed moved by every eta of a grid in one batched gradient step
(``step.ascend`` on the acquisition), decoded, each new decode re-encoded and ranked by the acquisition.

The paper's ``NAO.generate`` keeps the first new decode of an eta = 1, 2, ... sweep, whether or not the
model thinks it is good. Here the step proposes a whole neighbourhood in one batch (seeds x etas) and the
model picks the best of it: the predictor judges the cell that will actually be queried (its re-encoding),
not the moved point, whose score the decoder may not honour.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import torch

from naoviz.nao.modules import pool
from naoviz.nao.step import Generated, acquisition, ascend


def move_rows(net, states: torch.Tensor, eta_rows: torch.Tensor, kappa: float = 0.0, thompson: bool = False,
              rng: Optional[np.random.Generator] = None, steps: int = 1, who: str = "step_proposals", gp=None):
    """Every row uphill on the acquisition: states (R, S, H), eta_rows (R,) -> moved states (R, S, H) and the
    mean predictor score at each moved point (R,). ``thompson``: row r ascends one head drawn from ``rng``
    (the draw happens here, after any draw of the caller's); else mean + ``kappa`` * sd over the heads.
    ``gp`` (``naoviz.nao.gp.EmbeddingGP``): every row ascends the GP's acquisition instead (no draw)."""
    if gp is not None:
        moved = ascend(gp.score_states, states, eta_rows, steps)                   # (R, S, H)
        with torch.no_grad():
            moved_score = net.predictor(pool(moved)).cpu().numpy()
        return moved, moved_score
    K = len(net.predictor.heads)
    pick = None
    if thompson and K > 1:
        if rng is None:
            raise ValueError(f"{who}: thompson needs an rng (every random choice takes a seed)")
        pick = torch.as_tensor(rng.integers(K, size=states.shape[0]), device=states.device)

    def score_fn(x: torch.Tensor) -> torch.Tensor:      # (R, S, H) -> (R,)
        return acquisition(net.predictor.forward_heads(pool(x)), kappa, pick)

    moved = ascend(score_fn, states, eta_rows, steps)                          # (R, S, H)
    with torch.no_grad():
        moved_score = net.predictor(pool(moved)).cpu().numpy()
    return moved, moved_score


def score_candidates(nao, cand: list, columns: Sequence[list], kappa: float = 0.0, best: Optional[float] = None,
                     gp=None):
    """The proposals a step found, ready to rank: those a CostNAO's ``budget(...)`` predicts within it
    (``nao.within_budget``; all without one), each re-encoded and scored by the acquisition (mean + ``kappa``
    sd over the heads, or EI over ``best``; with ``gp``, the GP's acquisition at the re-encoding).
    ``columns``: lists parallel to ``cand``, filtered alike. -> (cand, columns, acq (C,))."""
    keep = nao.within_budget(cand)
    if keep is not None:
        cand = [a for a, k in zip(cand, keep) if k]
        columns = [[x for x, k in zip(col, keep) if k] for col in columns]
    if not cand:
        return cand, columns, np.zeros(0)
    _, emb, _ = nao._encode(cand)
    with torch.no_grad():
        if gp is not None:
            return cand, columns, gp.acquisition(emb).cpu().numpy()                   # (C,)
        acq = acquisition(nao.net_.predictor.forward_heads(emb), kappa, best=best).cpu().numpy()   # (C,)
    return cand, columns, acq


def step_proposals(nao, seeds: Sequence, n: int, etas: Sequence[float], exclude: Sequence = (),
                   kappa: float = 0.0, thompson: bool = False, rng: Optional[np.random.Generator] = None,
                   per_seed: int = 0, steps: int = 1, noise: float = 0.0, draws: int = 1,
                   temperature=0.0, ei: bool = False, retrieve=None, gp=None) -> list[Generated]:
    """Up to ``n`` canonical-new archs, best acquisition first.

    seeds: B archs; etas: E step sizes shared by every seed (E,), or one row per seed (B, E) (a per-seed
    trust region, ``naoviz.search.trust``); every seed moves by each of its etas: B*E decodes in one batch;
    kappa: UCB weight on the ensemble heads' sd (0: the mean); thompson: each row ascends one head drawn
    from ``rng`` (diverse directions), ranking still uses mean + kappa * sd; per_seed: at most this many
    picks from one seed (0: no cap); steps: gradient steps per move; draws / noise: each (seed, eta) starts
    from ``draws`` points, the seed's states plus Gaussian noise of sd ``noise`` per coordinate (renormalised;
    draw 0 is the seed itself), so one seed proposes a cloud of neighbours. ``score_decoded`` is the acquisition
    of the decoded arch re-encoded, ``score_new`` the mean score at the moved point. ``temperature`` > 0:
    each moved point is decoded by sampling its tokens (``NAO.decode``; torch generator seeded from ``rng``)
    instead of greedily, so a point proposes the decoder's own neighbourhood of it, not one cell; a (B,)
    sequence gives each seed its own temperature (all > 0; the trust region's per-seed radius). ``ei``: rank
    the decodes by expected improvement over the best seed's score (heads' mean and sd), not mean + kappa sd.
    ``retrieve``: decode by retrieval instead of the decoder (``naoviz.search.retrieve.Retriever``): a callable
    (moved states (B*E, S, H), canonical ids to skip) -> (cells, their rows); ``temperature`` is then unused,
    unless its ``with_decoder`` is true: then the decodes come first and the retrieved cells join them.
    ``gp`` (``naoviz.nao.gp.EmbeddingGP``, ``surrogate="gp"``): the step ascends the GP's acquisition and the
    candidates are ranked by it (``kappa``, ``thompson``, ``ei`` unused). Inside a CostNAO's
    ``budget(...)`` only decodes predicted within the budget are proposed.
    """
    nao.check_fitted()
    seeds = nao.coerce(seeds)
    etas = np.asarray(etas, dtype=float)
    if not seeds or n <= 0 or etas.size == 0:
        return []
    if etas.ndim != 2:
        etas = np.broadcast_to(etas.reshape(1, -1), (len(seeds), etas.size))
    elif etas.shape[0] != len(seeds):
        raise ValueError(f"step_proposals: etas has {etas.shape[0]} rows for {len(seeds)} seeds")
    space, net = nao.space, nao.net_
    net.eval()
    seen = {space.canonical(a) for a in nao.coerce(list(exclude))} if len(exclude) else set()
    seen |= {space.canonical(s) for s in seeds}
    out0, _, seed_scores = nao._encode(seeds)                                  # (B, S, H), _, (B,)
    B, D = len(seeds), max(int(draws), 1)
    etas = np.tile(etas, (1, D))                                               # (B, E = etas x draws)
    E = etas.shape[1]
    states = out0.repeat_interleave(E, dim=0)                                  # (B*E, S, H), seed-major
    if D > 1 and noise > 0:
        if rng is None:
            raise ValueError("step_proposals: noise needs an rng (every random choice takes a seed)")
        z = torch.as_tensor(rng.standard_normal(states.shape), dtype=states.dtype, device=states.device)
        z.view(B, D, -1, *states.shape[1:])[:, 0] = 0.0                        # draw 0: the seed itself
        states = torch.nn.functional.normalize(states + noise * z, dim=-1)
    eta_rows = torch.as_tensor(etas.reshape(-1), dtype=states.dtype, device=states.device)   # (B*E,)
    moved, moved_score = move_rows(net, states, eta_rows, kappa, thompson, rng, steps, "step_proposals", gp)
    cand, origin = [], []
    if retrieve is None or getattr(retrieve, "with_decoder", False):
        cand, origin = _decoded(nao, moved, seen, temperature, B, E, rng)
    if retrieve is not None:                                                  # the pool's nearest cells
        more, rows = retrieve(moved, seen)
        cand, origin = cand + more, origin + rows
    best = float(seed_scores.max()) if ei else None                           # EI over the best seed
    cand, (origin,), acq = score_candidates(nao, cand, [origin], kappa, best, gp)
    if not cand:
        return []
    out: list[Generated] = []
    taken = np.zeros(B, dtype=int)
    for i in np.argsort(-acq, kind="stable"):
        b = origin[i] // E
        if per_seed and taken[b] >= per_seed:
            continue
        taken[b] += 1
        out.append(Generated(arch=cand[i], seed=seeds[b], eta=float(etas[b, origin[i] % E]),
                             score_seed=float(seed_scores[b]), score_new=float(moved_score[origin[i]]),
                             score_decoded=float(acq[i]), hamming=space.hamming(seeds[b], cand[i])))
        if len(out) == n:
            break
    return out


def _decoded(nao, moved: torch.Tensor, seen: set, temperature, B: int, E: int, rng) -> tuple[list, list]:
    """The moved states (B*E, S, H) decoded (greedy, or sampled at ``temperature``: a float or (B,) per seed)
    -> (canonical-new archs not in ``seen``, the row each came from); the first row (best seed, smallest eta)
    wins a class."""
    gen, temps = None, np.asarray(temperature, dtype=float)
    if temps.ndim:                                                             # (B,) per seed -> (B*E,) rows
        if temps.shape != (B,) or not (temps > 0).all():
            raise ValueError(f"step_proposals: temperature needs {B} positive values, got {temps.tolist()}")
        temperature = torch.as_tensor(np.repeat(temps, E), dtype=moved.dtype, device=moved.device)
    if temps.ndim or temperature > 0:
        if rng is None:
            raise ValueError("step_proposals: temperature needs an rng (every random choice takes a seed)")
        gen = torch.Generator(device=moved.device).manual_seed(int(rng.integers(2**62)))
    decoded, _ = nao.decode(moved, temperature=temperature, generator=gen)
    cand, origin = [], []
    canon = {a: nao.space.canonical(a) for a in set(decoded)}   # B*E decodes, far fewer distinct archs
    for row, arch in enumerate(decoded):
        key = canon[arch]
        if key in seen:
            continue
        seen.add(key)
        cand.append(arch)
        origin.append(row)
    return cand, origin

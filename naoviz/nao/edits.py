"""Edit-bounded decoding (issue 13): at the moved point the decoder chooses among the cells near the seed.

The step's free decodes (greedy or sampled) land far from their seed: of ~30 sampled decodes only ~2 are one
edit away (bench/trust_near_probe.py), while local search wins small budgets with one-edit moves from the
incumbent. Here the step is the same, e' = e + eta * d acquisition / d e (``step.ascend``), but e' is not
decoded freely: every cell within ``radius`` edits of the seed (NB201: 24 at one edit, 264 within two) is
scored by the decoder's teacher-forced log-likelihood log p(cell | e') (``Decoder.log_likelihood``, one
batched forward per seed), and each moved point proposes its ``top`` most likely new cells (or ``top`` drawn
without replacement from softmax(score / temperature), by Gumbel top-k). With ``gain`` the score is
log p(c | e') - log p(c | e): what the step changed, not what the decoder already reconstructs at the seed.
The gradient decides which edits; the proposals are then re-encoded and ranked by the acquisition, as every
step proposal is (``naoviz.nao.propose``).
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import torch

from naoviz.nao.modules import pool
from naoviz.nao.propose import move_rows, score_candidates
from naoviz.nao.step import Generated


def edit_ball(space, seed, radius: int) -> list:
    """Every arch 1..``radius`` edits from ``seed`` (``space.neighbours`` applied breadth-first), nearest
    first, in a fixed order; the seed itself excluded. NB201: 24 at radius 1, 264 at radius 2."""
    seed = tuple(seed)
    seen, frontier, out = {seed}, [seed], []
    for _ in range(int(radius)):
        nxt = []
        for a in frontier:
            for n in space.neighbours(a):
                if n not in seen:
                    seen.add(n)
                    nxt.append(n)
        out += nxt
        frontier = nxt
    return out


def pick(scores: np.ndarray, top: int, temperature: float, rng: Optional[np.random.Generator]) -> np.ndarray:
    """Row-wise choice of ``top`` columns of scores (E, C): the largest (temperature 0, stable order), or
    ``top`` drawn without replacement from softmax(scores / temperature) (Gumbel top-k, ``rng``) -> (E, top')."""
    top = min(int(top), scores.shape[1])
    if temperature > 0:
        if rng is None:
            raise ValueError("edit_proposals: temperature needs an rng (every random choice takes a seed)")
        scores = scores / temperature + rng.gumbel(size=scores.shape)
    return np.argsort(-scores, axis=1, kind="stable")[:, :top]


def _ranks(x: np.ndarray) -> np.ndarray:
    """0 for the largest of x (C,), 1 for the next, ... (stable)."""
    return np.argsort(np.argsort(-x, kind="stable"), kind="stable")


def edit_proposals(nao, seeds: Sequence, etas, radius, top: int, exclude: Sequence = (), gain: bool = False,
                   temperature: float = 0.0, kappa: float = 0.0, thompson: bool = False,
                   rng: Optional[np.random.Generator] = None, draws: int = 1, blend: bool = False) -> list[Generated]:
    """New cells within ``radius`` edits of each seed, chosen by the decoder at the moved points, best
    acquisition (re-encoded) first; each canonical class once (the first, best seed claims it).

    seeds: B archs; etas: (E,) for every seed or (B, E) per seed (the trust region's grid); radius: an int or
    (B,) ints; top: proposals per moved point; thompson: each moved row ascends one head drawn from ``rng``,
    ``draws`` rows per (seed, eta) (without Thompson the rows would be equal, so one); the ranking uses mean +
    ``kappa`` * sd over the heads. ``Generated.score_new`` is the mean score at the moved point,
    ``score_decoded`` the acquisition of the proposed cell, ``hamming`` its edits from the seed. ``blend``:
    ordered by the mean of two ranks, the acquisition's and the decoder score's (its best over the moved
    points), instead of the acquisition alone (two views of "good here": the predictor's and the step's).
    """
    nao.check_fitted()
    seeds = nao.coerce(seeds)
    etas = np.asarray(etas, dtype=float)
    if not seeds or top <= 0 or etas.size == 0:
        return []
    B = len(seeds)
    etas = np.broadcast_to(etas.reshape(1, -1), (B, etas.size)) if etas.ndim != 2 else etas
    if etas.shape[0] != B:
        raise ValueError(f"edit_proposals: etas has {etas.shape[0]} rows for {B} seeds")
    radii = np.broadcast_to(np.asarray(radius, dtype=int), (B,))
    space, net = nao.space, nao.net_
    net.eval()
    seen = {space.canonical(a) for a in nao.coerce(list(exclude))} if len(exclude) else set()
    seen |= {space.canonical(s) for s in seeds}
    out0, emb0, seed_scores = nao._encode(seeds)                               # (B, S, H), (B, H), (B,)
    K = len(net.predictor.heads)
    D = max(int(draws), 1) if thompson and K > 1 else 1
    etas = np.tile(etas, (1, D))                                               # (B, E = etas x draws)
    E = etas.shape[1]
    states = out0.repeat_interleave(E, dim=0)                                  # (B*E, S, H), seed-major
    eta_rows = torch.as_tensor(etas.reshape(-1), dtype=states.dtype, device=states.device)
    moved, moved_score = move_rows(net, states, eta_rows, kappa, thompson, rng, 1, "edit_proposals")  # (B*E, S, H)
    cand, origin, dec = [], [], []             # chosen cells, their (seed, moved row) of first choice, score
    for b, seed in enumerate(seeds):
        ball = []
        for a in edit_ball(space, seed, radii[b]):
            key = space.canonical(a)
            if key not in seen:
                seen.add(key)
                ball.append(a)
        if not ball:
            continue
        C = len(ball)
        toks = nao.tokens(ball)                                                # (C, L)
        m = moved[b * E:(b + 1) * E]                                           # (E, S, H)
        ll = net.decoder.log_likelihood(m.repeat_interleave(C, dim=0), pool(m).repeat_interleave(C, dim=0),
                                        toks.repeat(E, 1)).view(E, C).cpu().numpy()
        if gain:
            e0 = out0[b:b + 1].expand(C, -1, -1)
            ll = ll - net.decoder.log_likelihood(e0, pool(e0), toks).cpu().numpy().reshape(1, C)
        chosen = pick(ll, top, temperature, rng)                               # (E, top)
        taken: dict[int, int] = {}
        for e in range(E):
            for c in chosen[e]:
                taken.setdefault(int(c), b * E + e)
        for c, row in taken.items():
            cand.append(ball[c])
            origin.append(row)
            dec.append(float(ll[:, c].max()))
    cand, (origin, dec), acq = score_candidates(nao, cand, [origin, dec], kappa)
    if not cand:
        return []
    order = np.argsort(-acq, kind="stable")
    if blend:
        both = _ranks(acq) + _ranks(np.asarray(dec))
        order = np.lexsort((_ranks(acq), both))                            # ties: the acquisition's order
    out = []
    for i in order:
        b, e = divmod(origin[i], E)
        out.append(Generated(arch=cand[i], seed=seeds[b], eta=float(etas[b, e]), score_seed=float(seed_scores[b]),
                             score_new=float(moved_score[origin[i]]), score_decoded=float(acq[i]),
                             hamming=space.hamming(seeds[b], cand[i])))
    return out

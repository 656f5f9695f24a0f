"""``generate``: the paper's schedule (NAO_V1): eta = 1, 2, ... ; at each eta move every seed one step and
decode; keep decodes whose canonical form is new (not a seed, not in ``exclude``, not already kept), until
``n_new`` are kept or eta exceeds ``max_eta``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from naoviz.model.encoder import pool
from naoviz.spaces.base import Arch


@dataclass
class Generated:
    """One new architecture: which seed and eta made it, the score at the seed and at the moved point."""

    arch: Arch
    seed: Arch
    eta: float
    score_seed: float          # raw score in [0, 1] of the seed
    score_new: float           # raw score at the moved embedding
    score_decoded: float = float("nan")   # raw score of the decoded arch re-encoded
    hamming: int = 0


def generate(model, seeds, n_new: int, max_eta: float = 50, exclude: Sequence = (),
             eta_step: float = 1.0, require_gain: bool = False) -> list[Generated]:
    """Up to ``n_new`` new unique archs from gradient steps on ``seeds`` (first found first).

    ``require_gain`` (not in the paper) also skips a decode unless its own re-encoded score beats its
    seed's: the predictor must agree the decoded arch, not just the moved point, is an improvement.
    """
    model._check_fitted()
    if isinstance(n_new, bool) or not isinstance(n_new, (int, np.integer)) or n_new < 0:
        raise ValueError(f"generate: n_new must be an int >= 0, got {n_new!r}")
    if not np.isfinite(max_eta) or max_eta <= 0:
        raise ValueError(f"generate: max_eta must be a positive number, got {max_eta!r}")
    if not eta_step > 0:
        raise ValueError(f"generate: eta_step must be positive, got {eta_step!r}")
    seeds = model.coerce(seeds)
    if not seeds or n_new == 0:
        return []
    space, net = model.space, model.model_.eval()
    exclude = list(exclude)
    seen = {space.canonical(a) for a in model.coerce(exclude)} if exclude else set()
    seen |= {space.canonical(s) for s in seeds}
    with torch.no_grad():
        out0, emb0 = net.encoder(model.tokens(seeds))
        seed_scores = net.predictor(emb0).cpu().numpy()
    # One step from the seed is linear in eta: compute the gradient once, reuse it for every eta.
    with torch.enable_grad():
        x = out0.clone().requires_grad_(True)
        grad, = torch.autograd.grad(net.score_outputs(x).sum(), x)
    found: list[Generated] = []
    eta = eta_step
    while eta <= max_eta + 1e-9 and len(found) < n_new:
        with torch.no_grad():
            states = torch.nn.functional.normalize(out0 + eta * grad, dim=-1)
            emb = pool(states)
            scores = net.predictor(emb).cpu().numpy()
        decoded, _ = model.decode(states, emb)
        gains = model.score(decoded) - seed_scores if require_gain else None
        for i, arch in enumerate(decoded):
            key = space.canonical(arch)
            if key in seen or (gains is not None and gains[i] <= 0):
                continue
            seen.add(key)
            found.append(Generated(arch=arch, seed=seeds[i], eta=float(eta), score_seed=float(seed_scores[i]),
                                   score_new=float(scores[i]), hamming=space.hamming(seeds[i], arch)))
            if len(found) == n_new:
                break
        eta += eta_step
    if found:
        for g, s in zip(found, model.score([g.arch for g in found])):
            g.score_decoded = float(s)
    return found

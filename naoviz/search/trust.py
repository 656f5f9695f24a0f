"""Per-seed trust regions for NAO's gradient step (issue 13, ``proposer="trust"``).

Local search wins small budgets by exploiting the incumbent's neighbourhood. The trust region makes NAO's
step do the same through the decoder: the seeds are the few best measured cells, and each keeps its own step
size eta (TuRBO-style, Eriksson et al. 2019, with the step size as the region's radius):

* a round in which one of the seed's decodes, once measured, beat the seed: eta x ``grow`` (go further);
  the decodes that beat it become seeds with that grown eta (the region follows the incumbent);
* decodes were measured and none beat the seed: eta x ``shrink`` (look closer);
* no new cell decoded at any of its etas (the region maps back onto measured cells): eta x ``grow``;
* new cells decoded but none of them chosen: eta unchanged (nothing learned).

Etas stay in [``eta_min``, ``eta_max``]. Seeds are keyed by canonical class, so equivalent cells share a
region. The state is a pure function of the measured history and the proposals, so a resumed search, which
replays the same evaluations, rebuilds it exactly.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

GROW, SHRINK, KEEP = "grow", "shrink", "keep"


class TrustRegion:
    """Step sizes per seed class: ``eta(key)``, the eta grid of a round (``grid``) and the update rule."""

    def __init__(self, eta_init: float, eta_min: float, eta_max: float, grow: float = 2.0,
                 shrink: float = 0.5, spread: float = 2.0):
        if not 0 < eta_min <= eta_init <= eta_max:
            raise ValueError(f"trust region: need 0 < eta_min <= eta_init <= eta_max, got {eta_min}, {eta_init}, {eta_max}")
        if not (grow >= 1.0 and 0 < shrink <= 1.0 and spread >= 1.0):
            raise ValueError(f"trust region: need grow >= 1, 0 < shrink <= 1, spread >= 1, got {grow}, {shrink}, {spread}")
        self.eta_init, self.eta_min, self.eta_max = float(eta_init), float(eta_min), float(eta_max)
        self.grow, self.shrink, self.spread = float(grow), float(shrink), float(spread)
        self.etas: dict[str, float] = {}          # canonical key -> current eta
        self.log: list[tuple[str, str, float]] = []   # (key, outcome, new eta), in update order

    def eta(self, key: str) -> float:
        return self.etas.get(key, self.eta_init)

    def grid(self, keys: Sequence[str], n_etas: int) -> np.ndarray:
        """``(len(keys), n_etas)``: each seed's etas, geometric in [eta / spread, eta * spread] (its own
        eta alone when ``n_etas`` is 1), clipped to [eta_min, eta_max]."""
        rel = np.geomspace(1.0 / self.spread, self.spread, n_etas) if n_etas > 1 else np.ones(1)
        etas = np.asarray([self.eta(k) for k in keys], dtype=float).reshape(-1, 1) * rel.reshape(1, -1)
        return np.clip(etas, self.eta_min, self.eta_max)

    def radius(self, keys: Sequence[str], base: int, most: int) -> np.ndarray:
        """``(len(keys),)`` edit radii for edit-bounded decoding: ``base`` for every seed when ``most`` is 0,
        else ``base`` + round(log2(eta / eta_init)) clipped to [1, ``most``]: the radius grows and shrinks
        with the seed's step size (one edit per doubling)."""
        if not most:
            return np.full(len(keys), int(base))
        steps = np.rint(np.log2([self.eta(k) / self.eta_init for k in keys]))
        return np.clip(int(base) + steps.astype(int), 1, int(most))

    def update(self, key: str, seed_value: float, children: Sequence[tuple[str, float]], dry: bool) -> str:
        """One round's outcome for seed ``key``: ``children`` are (key, value) of its measured decodes,
        values oriented so that larger is better; ``dry``: it decoded no new cell. Returns the outcome."""
        eta = self.eta(key)
        better = [c for c, v in children if v > seed_value]
        if better:
            outcome, eta = GROW, min(eta * self.grow, self.eta_max)
            for c in better:
                self.etas.setdefault(c, eta)
        elif children:
            outcome, eta = SHRINK, max(eta * self.shrink, self.eta_min)
        elif dry:
            outcome, eta = GROW, min(eta * self.grow, self.eta_max)
        else:
            outcome = KEEP
        self.etas[key] = eta
        self.log.append((key, outcome, eta))
        return outcome

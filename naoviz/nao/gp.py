"""A Gaussian process on NAO's embedding (issue 13, ``NAOSearchConfig.surrogate="gp"``): the acquisition the
step ascends and ranks by, in place of the predictor's ensemble heads.

Why: at 15-25 measured cells the 5-head MLP ensemble is overconfident far from them (its heads agree on cells
no label constrains), so its acquisition prefers far cells it scores high over near better ones
(docs/search_experiments.md "Decode by retrieval"). An exact GP's posterior sd grows with the distance from the
measured cells, so its UCB / EI is calibrated where the ensemble is not.

Exact GP, torch float64, Matern-5/2 kernel on the pooled encoder embeddings (unit vectors, so the squared
distance is 2 - 2 cos); targets are the fit's normalised targets (``NAO._targets``, [0, 1], higher better),
standardised inside. Lengthscale, signal variance and noise: ``FIT_STEPS`` Adam steps on the negative log
marginal likelihood from a fixed start (lengthscale = the median pairwise distance): no random draw, so the
same cells give the same GP. Small N (<= a few hundred): the exact Cholesky solve is cheap.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import torch

from naoviz.nao.modules import pool

FIT_STEPS = 60          # Adam steps on the marginal likelihood
FIT_LR = 0.05
JITTER = 1e-6
BOUNDS = {"ls": (0.02, 4.0), "signal": (0.05, 20.0), "noise": (1e-4, 1.0)}   # lengthscale, variances


def _matern52(a: torch.Tensor, b: torch.Tensor, ls: torch.Tensor, signal: torch.Tensor) -> torch.Tensor:
    """Unit rows a (n, H), b (m, H) -> kernel (n, m); distance from the cosine, smooth at 0 for autograd."""
    r2 = (2.0 - 2.0 * a @ b.T).clamp_min(0.0)
    r = torch.sqrt(r2 + 1e-12) / ls
    s5 = math.sqrt(5.0) * r
    return signal * (1.0 + s5 + 5.0 / 3.0 * r * r) * torch.exp(-s5)


def _bounded(raw: torch.Tensor, name: str) -> torch.Tensor:
    lo, hi = BOUNDS[name]
    return lo + (hi - lo) * torch.sigmoid(raw)


def _unbounded(value: float, name: str) -> float:
    lo, hi = BOUNDS[name]
    p = min(max((value - lo) / (hi - lo), 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


class EmbeddingGP:
    """An exact GP fitted on measured cells' unit embeddings ``x`` (n, H) and targets ``y`` (n,) (higher better).
    :meth:`posterior` gives mean and sd (in ``y``'s units) at unit rows (m, H), differentiable w.r.t. them;
    :meth:`acquisition` is UCB (mean + ``kappa`` sd) or, with ``ei``, the expected improvement over the best
    ``y``."""

    def __init__(self, x: np.ndarray, y: np.ndarray, kappa: float = 2.0, ei: bool = False, steps: int = FIT_STEPS):
        x = torch.as_tensor(np.asarray(x, dtype=np.float64))
        y = torch.as_tensor(np.asarray(y, dtype=np.float64).reshape(-1))
        if x.ndim != 2 or x.shape[0] != y.shape[0] or x.shape[0] < 2:
            raise ValueError(f"EmbeddingGP: needs x (n, H) and y (n,), n >= 2; got {tuple(x.shape)}, {tuple(y.shape)}")
        self.kappa, self.ei = float(kappa), bool(ei)
        self.x = torch.nn.functional.normalize(x, dim=-1)                                   # (n, H)
        self.mu, self.scale = float(y.mean()), float(y.std().clamp_min(1e-9))
        self.y = (y - self.mu) / self.scale                                                 # (n,) standardised
        self.best = float(y.max())
        self._fit(steps)

    def _fit(self, steps: int) -> None:
        """Lengthscale, signal and noise by Adam on the negative log marginal likelihood (deterministic)."""
        d = torch.sqrt((2.0 - 2.0 * self.x @ self.x.T).clamp_min(0.0))
        off = d[~torch.eye(len(d), dtype=torch.bool)]
        ls0 = float(off.median()) if off.numel() else 1.0
        raw = torch.tensor([_unbounded(min(max(ls0, 0.05), 3.0), "ls"), _unbounded(1.0, "signal"),
                            _unbounded(0.1, "noise")], dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([raw], lr=FIT_LR)
        for _ in range(steps):
            opt.zero_grad()
            nll = self._nll(*self._params(raw))
            nll.backward()
            opt.step()
        with torch.no_grad():
            self.ls, self.signal, self.noise = (p.detach() for p in self._params(raw))
            k = _matern52(self.x, self.x, self.ls, self.signal) + (self.noise + JITTER) * torch.eye(len(self.x),
                                                                                                   dtype=torch.float64)
            self.chol = torch.linalg.cholesky(k)
            self.alpha = torch.cholesky_solve(self.y.view(-1, 1), self.chol)                # (n, 1)

    @staticmethod
    def _params(raw: torch.Tensor):
        return _bounded(raw[0], "ls"), _bounded(raw[1], "signal"), _bounded(raw[2], "noise")

    def _nll(self, ls, signal, noise) -> torch.Tensor:
        n = len(self.x)
        k = _matern52(self.x, self.x, ls, signal) + (noise + JITTER) * torch.eye(n, dtype=torch.float64)
        chol = torch.linalg.cholesky(k)
        alpha = torch.cholesky_solve(self.y.view(-1, 1), chol)
        return 0.5 * (self.y.view(1, -1) @ alpha).squeeze() + torch.log(torch.diagonal(chol)).sum()

    def posterior(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Unit rows z (m, H) (any float dtype) -> latent mean (m,) and sd (m,) in ``y``'s units, float64."""
        z = z.to(torch.float64)
        ks = _matern52(z, self.x, self.ls, self.signal)                                     # (m, n)
        mean = (ks @ self.alpha).squeeze(1)
        v = torch.cholesky_solve(ks.T, self.chol)                                           # (n, m)
        var = (self.signal - (ks * v.T).sum(dim=1)).clamp_min(1e-12)
        return self.mu + self.scale * mean, self.scale * torch.sqrt(var)

    def acquisition(self, z: torch.Tensor) -> torch.Tensor:
        """Unit rows z (m, H) -> UCB mean + ``kappa`` sd, or EI over the best measured target (m,), float64."""
        mean, sd = self.posterior(z)
        if not self.ei:
            return mean + self.kappa * sd
        u = (mean - self.best) / sd
        normal = torch.distributions.Normal(torch.zeros_like(u), torch.ones_like(u))
        return (sd * (u * normal.cdf(u) + normal.log_prob(u).exp())).clamp_min(0.0)   # >= 0 despite rounding

    def score_states(self, states: torch.Tensor) -> torch.Tensor:
        """Per-step states (R, S, H) -> acquisition (R,) at their pooled embedding, in the states' dtype: the
        ``score_fn`` ``step.ascend`` climbs."""
        return self.acquisition(pool(states)).to(states.dtype)


def fit_gp(nao, archs: list, values: np.ndarray, kappa: float = 2.0, ei: bool = False) -> Optional[EmbeddingGP]:
    """The GP on a fitted ``nao``'s embedding of the measured ``archs`` (n) and its normalised targets of
    ``values`` (n,) (the score column, higher better); None below 2 cells."""
    if len(archs) < 2:
        return None
    targets = np.asarray(nao._targets(np.asarray(values, dtype=float)), dtype=float)
    targets = targets[:, 0] if targets.ndim == 2 else targets                         # CostNAO: (n, 1 + C)
    return EmbeddingGP(nao.embed(archs), targets, kappa, ei)

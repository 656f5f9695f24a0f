"""The gradient step in NAO's continuous space (nao_reference.md G), written once.

``ascend`` moves per-step encoder states uphill on the predictor's score: s' = normalise_rows(s + eta *
d score / d s), ``steps`` times (the paper takes one). ``NAO.path`` (one seed over an eta grid),
``NAO.generate`` (the paper's eta = 1, 2, ... schedule over many seeds), the search and the explorer all
move through this function. Scores are higher-is-better whatever the metric's direction, so ascending the
score descends an error or a latency. ``acquisition`` turns an ensemble's per-head scores into what the step
ascends and what ranks decoded cells (mean + kappa * sd, or one sampled head per row: Thompson).
The result types of ``path`` and ``generate`` live here too, and ``StepWatch``: ``on_step`` hooks that report a
path's steps and raise ``naoviz.errors.Stopped`` to end it at a safe point (between steps, before a decode).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import torch
import torch.nn.functional as F

from naoviz.errors import Stopped
from naoviz.spaces.base import Arch

ScoreFn = Callable[[torch.Tensor], torch.Tensor]   # differentiable: states (B, S, H) -> score (B,)
OnStep = Optional[Callable[[], object]]            # called at each safe point; raises Stopped to end the work there


class StepWatch:
    """``on_step`` hooks for work of ``total`` safe points: each tells ``progress(stage, done, total)`` and raises
    :class:`Stopped` when ``should_stop()`` is true (the explorer's newer ask); both optional."""

    def __init__(self, total: int, progress: Optional[Callable[[str, int, int], object]] = None,
                 should_stop: Optional[Callable[[], object]] = None):
        self.total, self.done, self.progress, self.should_stop = int(total), 0, progress, should_stop

    def hook(self, stage: str) -> OnStep:
        """The ``on_step`` of one stage (None when there is nothing to tell or check)."""
        if self.progress is None and self.should_stop is None:
            return None

        def on_step() -> None:
            if self.should_stop is not None and self.should_stop():
                raise Stopped(f"stopped during {stage}: a newer request came")
            if self.progress is not None:
                self.progress(stage, self.done, self.total)
            self.done += 1
        return on_step


def ascend(score_states: ScoreFn, states: torch.Tensor, etas: torch.Tensor, steps: int = 1,
           on_step: OnStep = None) -> torch.Tensor:
    """states (B, S, H) unit rows, etas (B,) -> moved unit states (B, S, H) after ``steps`` gradient steps;
    ``on_step()`` before each (it may raise :class:`Stopped`)."""
    cur = states.detach()
    eta = etas.to(cur.dtype).view(-1, 1, 1)
    for _ in range(steps):
        if on_step is not None:
            on_step()
        with torch.enable_grad():
            x = cur.clone().requires_grad_(True)
            grad, = torch.autograd.grad(score_states(x).sum(), x)
        cur = F.normalize(cur + eta * grad, dim=-1)
    return cur


def acquisition(heads: torch.Tensor, kappa: float = 0.0, pick: Optional[torch.Tensor] = None,
                best: Optional[float] = None) -> torch.Tensor:
    """Per-head scores (B, K) -> acquisition (B,): mean + kappa * sd over heads (UCB; kappa 0 = the mean),
    or with ``pick`` (B,) long, head ``pick[b]`` for row b (a Thompson sample of the ensemble), or with
    ``best`` (a score) the expected improvement over it of a normal with the heads' mean and sd (EI; K >= 2)."""
    if pick is not None:
        return heads.gather(1, pick.view(-1, 1)).squeeze(1)
    if best is not None and heads.shape[1] > 1:
        mu, sd = heads.mean(dim=1), heads.std(dim=1).clamp_min(1e-9)
        z = (mu - best) / sd
        normal = torch.distributions.Normal(torch.zeros_like(z), torch.ones_like(z))
        return (mu - best) * normal.cdf(z) + sd * normal.log_prob(z).exp()
    if kappa == 0.0 or heads.shape[1] < 2:
        return heads.mean(dim=1)
    return heads.mean(dim=1) + kappa * heads.std(dim=1)


@dataclass
class PathResult:
    """One seed's gradient path; E = number of etas, S = encoder steps, H = hidden, L = seq_len."""

    etas: np.ndarray                 # (E,)
    embeddings: np.ndarray           # (E, H) moved pooled embeddings (unit)
    predicted: np.ndarray            # (E,) metric units, predictor at the moved point
    decoded: list                    # E archs
    decoded_predicted: np.ndarray    # (E,) metric units, predictor on the decoded arch re-encoded
    hamming: np.ndarray              # (E,) decoded vs seed
    true: Optional[np.ndarray]       # (E,) benchmark metric of the decoded archs, or None
    attention: np.ndarray            # (E, L, S) decoder attention weights
    seed: Arch
    seed_predicted: float
    seed_embedding: np.ndarray       # (H,)
    states: Optional[np.ndarray] = None        # (E, S, H) moved per-step states
    score: Optional[np.ndarray] = None         # (E,) raw score in [0, 1] at the moved point
    decoded_score: Optional[np.ndarray] = None # (E,) raw score of the decoded archs
    seed_score: float = float("nan")
    seed_true: Optional[float] = None
    steps: int = 1
    costs: Optional[dict] = None     # CostNAO: {column: {"predicted", "decoded_predicted", "true": (E,)}}


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

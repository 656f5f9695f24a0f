"""``path``: move one seed's per-step encoder states along the predictor's gradient for a grid of step
sizes eta, and decode each moved point (nao_reference.md G).

Step: s' = normalise_rows(s + eta * d score / d s), repeated ``steps`` times (the paper takes one step);
the moved arch embedding is the unit mean of s'. Scores are higher-is-better, so the step ascends the
score, i.e. descends the metric when the model was fitted with ``maximize=False``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from naoviz.model.encoder import pool
from naoviz.spaces.base import Arch


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


def move(model, outputs: torch.Tensor, etas: torch.Tensor, steps: int = 1) -> torch.Tensor:
    """outputs (B, S, H) unit states, etas (B,) -> moved states (B, S, H) after ``steps`` gradient steps."""
    net = model.model_.eval()
    cur = outputs.detach()
    eta = etas.to(cur.dtype).view(-1, 1, 1)
    for _ in range(steps):
        with torch.enable_grad():
            x = cur.clone().requires_grad_(True)
            grad, = torch.autograd.grad(net.score_outputs(x).sum(), x)
        cur = F.normalize(cur + eta * grad, dim=-1)
    return cur


def path(model, arch, etas, steps: int = 1, benchmark=None, metric: Optional[str] = None) -> PathResult:
    """The seed ``arch`` moved by each eta in ``etas`` (any order, 0 allowed), decoded and scored."""
    model._check_fitted()
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"path: steps must be an int >= 1, got {steps!r}")
    etas = np.asarray(etas, dtype=float).reshape(-1)
    if len(etas) == 0 or not np.isfinite(etas).all():
        raise ValueError(f"path: etas must be a non-empty list of finite numbers, got {etas.tolist()!r}")
    if benchmark is not None and metric is None:
        if "valid_acc" not in getattr(benchmark, "metrics", []):
            raise ValueError("path: metric is required with a benchmark (the metric the model was fitted on)")
        metric = "valid_acc"
    seed = model.coerce(arch)[0]
    net = model.model_.eval()
    with torch.no_grad():
        out0, emb0 = net.encoder(model.tokens([seed]))                  # (1, S, H), (1, H)
        seed_score = float(net.predictor(emb0)[0])
    E = len(etas)
    states = move(model, out0.expand(E, -1, -1), torch.as_tensor(etas, device=out0.device), steps)
    with torch.no_grad():
        emb = pool(states)                                                # (E, H)
        score = net.predictor(emb).cpu().numpy().astype(float)
    decoded, attention = model.decode(states, emb)
    decoded_score = model.score(decoded)
    true = seed_true = None
    if benchmark is not None:
        true = np.asarray(benchmark.metric(metric, decoded), dtype=float)
        seed_true = float(benchmark.metric(metric, [seed])[0])
    return PathResult(
        etas=etas, embeddings=emb.cpu().numpy(), predicted=model.to_metric(score), decoded=decoded,
        decoded_predicted=model.to_metric(decoded_score),
        hamming=np.asarray([model.space.hamming(seed, d) for d in decoded], dtype=int), true=true,
        attention=attention, seed=seed, seed_predicted=float(model.to_metric([seed_score])[0]),
        seed_embedding=emb0[0].cpu().numpy(), states=states.cpu().numpy(), score=score,
        decoded_score=decoded_score, seed_score=seed_score, seed_true=seed_true, steps=int(steps))

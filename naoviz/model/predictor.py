"""Predictor: pooled unit embedding (B, H) -> score in [0, 1] (B,), higher = better.

``mlp_layers`` x [Linear, ReLU, Dropout] then Linear -> 1 and a sigmoid (NAO_V1). With ``heads`` > 1 the
same MLP shape is repeated per head and the score is their mean (a cheap ensemble on one encoder).
"""
from __future__ import annotations

import torch
from torch import nn


def _mlp(hidden: int, layers: int, width: int, dropout: float) -> nn.Sequential:
    mods, size = [], hidden
    for _ in range(layers):
        mods += [nn.Linear(size, width), nn.ReLU(), nn.Dropout(dropout)]
        size = width
    mods.append(nn.Linear(size, 1))
    return nn.Sequential(*mods)


class Predictor(nn.Module):
    def __init__(self, hidden: int, layers: int = 3, width: int = 200, dropout: float = 0.1, heads: int = 1):
        super().__init__()
        self.heads = nn.ModuleList(_mlp(hidden, layers, width, dropout) for _ in range(heads))

    def forward_heads(self, emb: torch.Tensor) -> torch.Tensor:
        """emb (B, H) -> per-head scores (B, heads) in [0, 1]."""
        return torch.sigmoid(torch.cat([h(emb) for h in self.heads], dim=-1))

    def forward(self, emb: torch.Tensor) -> torch.Tensor:
        """emb (B, H) -> score (B,) in [0, 1]: the mean over heads."""
        return self.forward_heads(emb).mean(dim=-1)

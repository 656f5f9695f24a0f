"""Encoder: tokens -> per-step unit vectors (what the gradient step moves) and their pooled unit mean.

Shapes: tokens (B, L) with L = seq_len; ``k = tokens_per_step`` consecutive token embeddings (E each,
E = H / k) are concatenated into one LSTM step, so the LSTM runs S = L / k steps of size H.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def pool(outputs: torch.Tensor) -> torch.Tensor:
    """(B, S, H) per-step unit vectors -> (B, H) unit vector of their mean (the arch embedding)."""
    return F.normalize(outputs.mean(dim=1), dim=-1)


class Encoder(nn.Module):
    def __init__(self, vocab_size: int, seq_len: int, tokens_per_step: int, hidden: int,
                 layers: int = 1, dropout: float = 0.0):
        super().__init__()
        if seq_len % tokens_per_step:
            raise ValueError(f"encoder: seq_len {seq_len} is not a multiple of tokens_per_step {tokens_per_step}")
        if hidden % tokens_per_step:
            raise ValueError(f"NAOConfig.hidden_size: must be a multiple of the space's tokens_per_step "
                             f"({tokens_per_step}), got {hidden}")
        self.steps = seq_len // tokens_per_step
        self.hidden = hidden
        self.embedding = nn.Embedding(vocab_size, hidden // tokens_per_step)   # E = H / k
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(hidden, hidden, layers, batch_first=True, dropout=dropout if layers > 1 else 0.0)

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """tokens (B, L) long -> outputs (B, S, H) unit rows, arch_emb (B, H) unit."""
        x = self.dropout(self.embedding(tokens))            # (B, L, E)
        x = x.reshape(x.shape[0], self.steps, self.hidden)   # (B, S, k*E = H)
        out, _ = self.lstm(x)                                # (B, S, H)
        out = F.normalize(out, dim=-1)
        return out, pool(out)

"""Decoder: LSTM with Luong "general" attention over the encoder's per-step outputs.

Initial state h0 = c0 = the pooled arch embedding (B, H). Training uses teacher forcing on
``[SOS] + target[:-1]``; inference is greedy with -inf masks from ``space.token_mask()``, so every
decoded sequence is legal at every position (hence a valid architecture) for any input embedding.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class Attention(nn.Module):
    """Luong "general": score_s = (W q) . k_s; output = tanh(W_o [context; q])."""

    def __init__(self, hidden: int):
        super().__init__()
        self.query = nn.Linear(hidden, hidden, bias=False)
        self.out = nn.Linear(2 * hidden, hidden)

    def forward(self, q: torch.Tensor, keys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q (B, T, H), keys (B, S, H) -> attended output (B, T, H), weights (B, T, S)."""
        scores = torch.bmm(self.query(q), keys.transpose(1, 2))   # (B, T, S)
        weights = torch.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)                          # (B, T, H)
        return torch.tanh(self.out(torch.cat([context, q], dim=-1))), weights


class Decoder(nn.Module):
    def __init__(self, vocab_size: int, token_mask: np.ndarray, hidden: int, layers: int = 1,
                 dropout: float = 0.0):
        super().__init__()
        self.layers = layers
        self.embedding = nn.Embedding(vocab_size, hidden)
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(hidden, hidden, layers, batch_first=True, dropout=dropout if layers > 1 else 0.0)
        self.attention = Attention(hidden)
        self.proj = nn.Linear(hidden, vocab_size)
        # (L, V) additive mask: 0 where legal, -inf where not (a buffer, not saved: it comes from the space).
        legal = torch.as_tensor(np.asarray(token_mask, dtype=bool))
        self.register_buffer("neg_mask", torch.where(legal, 0.0, float("-inf")), persistent=False)

    def _state(self, arch_emb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = arch_emb.unsqueeze(0).expand(self.layers, -1, -1).contiguous()   # (layers, B, H)
        return h, h.clone()

    def forward(self, enc_outputs: torch.Tensor, arch_emb: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Teacher forcing. enc_outputs (B, S, H), arch_emb (B, H), targets (B, L) -> log-probs (B, L, V)."""
        inputs = F.pad(targets[:, :-1], (1, 0), value=0)                    # [SOS] + target[:-1]
        x = self.dropout(self.embedding(inputs))                              # (B, L, H)
        out, _ = self.lstm(x, self._state(arch_emb))                          # (B, L, H)
        out, _ = self.attention(out, enc_outputs)
        return F.log_softmax(self.proj(out), dim=-1)                          # unmasked NLL (as NAO_V1)

    @torch.no_grad()
    def decode(self, enc_outputs: torch.Tensor, arch_emb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Greedy masked decode -> tokens (B, L) long, attention weights (B, L, S)."""
        B, L = arch_emb.shape[0], self.neg_mask.shape[0]
        state = self._state(arch_emb)
        token = torch.zeros(B, 1, dtype=torch.long, device=arch_emb.device)   # <SOS>
        tokens, weights = [], []
        for t in range(L):
            out, state = self.lstm(self.embedding(token), state)              # (B, 1, H)
            out, w = self.attention(out, enc_outputs)
            logits = self.proj(out[:, 0]) + self.neg_mask[t]                  # (B, V), illegal = -inf
            token = logits.argmax(dim=-1, keepdim=True)
            tokens.append(token)
            weights.append(w)
        return torch.cat(tokens, dim=1), torch.cat(weights, dim=1)

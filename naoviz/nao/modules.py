"""The NAO network (nao_reference.md C-E): encoder, predictor, attention decoder, and the joint module.

Shapes: B batch, L = seq_len tokens, k = tokens_per_step, S = L / k encoder steps, H hidden size,
V vocabulary, K predictor heads. The encoder's per-step unit vectors (B, S, H) are what a gradient step
moves; their pooled unit mean (B, H) is the architecture's embedding, which the predictor scores.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def pool(outputs: torch.Tensor) -> torch.Tensor:
    """(B, S, H) per-step unit vectors -> (B, H) unit vector of their mean (the arch embedding)."""
    return F.normalize(outputs.mean(dim=1), dim=-1)


# -- encoder: tokens -> per-step unit states ---------------------------------------------------------
class Encoder(nn.Module):
    """``k`` consecutive token embeddings (E = H / k each) are concatenated into one LSTM step of size H."""

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


# -- predictor: embedding -> score in [0, 1], higher = better -----------------------------------------
def _mlp(hidden: int, layers: int, width: int, dropout: float) -> nn.Sequential:
    mods, size = [], hidden
    for _ in range(layers):
        mods += [nn.Linear(size, width), nn.ReLU(), nn.Dropout(dropout)]
        size = width
    mods.append(nn.Linear(size, 1))
    return nn.Sequential(*mods)


class Predictor(nn.Module):
    """``mlp_layers`` x [Linear, ReLU, Dropout], Linear -> 1, sigmoid (NAO_V1); ``heads`` > 1 repeats the
    MLP per head and scores with their mean (a cheap ensemble on one encoder)."""

    def __init__(self, hidden: int, layers: int = 3, width: int = 200, dropout: float = 0.1, heads: int = 1):
        super().__init__()
        self.heads = nn.ModuleList(_mlp(hidden, layers, width, dropout) for _ in range(heads))

    def forward_heads(self, emb: torch.Tensor) -> torch.Tensor:
        """emb (B, H) -> per-head scores (B, K) in [0, 1]."""
        return torch.sigmoid(torch.cat([h(emb) for h in self.heads], dim=-1))

    def forward(self, emb: torch.Tensor) -> torch.Tensor:
        """emb (B, H) -> score (B,) in [0, 1]: the mean over heads."""
        return self.forward_heads(emb).mean(dim=-1)


# -- decoder: states -> tokens, LSTM with Luong "general" attention ------------------------------------
class Attention(nn.Module):
    """score_s = (W q) . k_s; output = tanh(W_o [context; q])."""

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
    """Initial state h0 = c0 = the pooled embedding (B, H). Training: teacher forcing on
    ``[SOS] + target[:-1]``. Inference: greedy with -inf masks from ``space.token_mask()``, so every decoded
    sequence is legal at every position (hence a valid architecture) for any input."""

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
        # Made in numpy: a torch.where built on the meta device (checkpoint.expected_tensors) imports torch._dynamo.
        neg = np.where(np.asarray(token_mask, dtype=bool), 0.0, -np.inf).astype(np.float32)
        self.register_buffer("neg_mask", torch.as_tensor(neg), persistent=False)

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
    def log_likelihood(self, enc_outputs: torch.Tensor, arch_emb: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Teacher-forced log p(targets | states) under the *masked* decoder (the distribution ``decode``
        samples from): enc_outputs (B, S, H), arch_emb (B, H), targets (B, L) legal tokens -> (B,)."""
        inputs = F.pad(targets[:, :-1], (1, 0), value=0)                    # [SOS] + target[:-1]
        out, _ = self.lstm(self.embedding(inputs), self._state(arch_emb))    # (B, L, H)
        out, _ = self.attention(out, enc_outputs)
        logp = F.log_softmax(self.proj(out) + self.neg_mask, dim=-1)         # (B, L, V), illegal = -inf
        return logp.gather(2, targets.unsqueeze(2)).squeeze(2).sum(dim=1)

    @torch.no_grad()
    def decode(self, enc_outputs: torch.Tensor, arch_emb: torch.Tensor, temperature=0.0,
               generator: Optional[torch.Generator] = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Masked decode -> tokens (B, L) long, attention weights (B, L, S): greedy (``temperature`` 0), or
        each token drawn from softmax(logits / temperature) with ``generator`` (the decoder's own
        neighbourhood of a point: illegal tokens keep probability 0); ``temperature`` is a float or a
        (B,) tensor of positive per-row temperatures."""
        sample = torch.is_tensor(temperature) or temperature > 0
        temp = temperature.view(-1, 1) if torch.is_tensor(temperature) else temperature
        B, L = arch_emb.shape[0], self.neg_mask.shape[0]
        state = self._state(arch_emb)
        token = torch.zeros(B, 1, dtype=torch.long, device=arch_emb.device)   # <SOS>
        tokens, weights = [], []
        for t in range(L):
            out, state = self.lstm(self.embedding(token), state)              # (B, 1, H)
            out, w = self.attention(out, enc_outputs)
            logits = self.proj(out[:, 0]) + self.neg_mask[t]                  # (B, V), illegal = -inf
            if sample:
                token = torch.multinomial(F.softmax(logits / temp, dim=-1), 1, generator=generator)
            else:
                token = logits.argmax(dim=-1, keepdim=True)
            tokens.append(token)
            weights.append(w)
        return torch.cat(tokens, dim=1), torch.cat(weights, dim=1)


# -- the joint encoder-predictor-decoder ----------------------------------------------------------------
class EPD(nn.Module):
    """Encoder (tokens -> unit states), predictor (pooled state -> [0, 1]), decoder (states -> tokens)."""

    def __init__(self, space, cfg):
        super().__init__()
        self.encoder = Encoder(space.vocab_size, space.seq_len, space.tokens_per_step, cfg.hidden_size,
                               cfg.encoder_layers, cfg.encoder_dropout)
        self.predictor = Predictor(cfg.hidden_size, cfg.mlp_layers, cfg.mlp_hidden, cfg.mlp_dropout, cfg.ensemble)
        self.decoder = Decoder(space.vocab_size, space.token_mask(), cfg.hidden_size, cfg.decoder_layers,
                               cfg.decoder_dropout)

    def forward(self, tokens: torch.Tensor) -> dict:
        """tokens (B, L) -> dict(outputs (B,S,H), arch_emb (B,H), heads (B,K), score (B,), log_probs (B,L,V))."""
        outputs, arch_emb = self.encoder(tokens)
        heads = self.predictor.forward_heads(arch_emb)
        log_probs = self.decoder(outputs, arch_emb, tokens)
        return {"outputs": outputs, "arch_emb": arch_emb, "heads": heads, "score": heads.mean(-1),
                "log_probs": log_probs}

    def score_states(self, states: torch.Tensor) -> torch.Tensor:
        """Per-step states (B, S, H) -> score (B,): pool then predict (differentiable, for the step)."""
        return self.predictor(pool(states))

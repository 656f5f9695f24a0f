"""The encoder-predictor-decoder (EPD) module: one forward pass gives all three outputs."""
from __future__ import annotations

import torch
from torch import nn

from naoviz.model.config import NAOConfig
from naoviz.model.decoder import Decoder
from naoviz.model.encoder import Encoder, pool
from naoviz.model.predictor import Predictor


class EPD(nn.Module):
    """Encoder (tokens -> unit states), predictor (pooled state -> [0, 1]), decoder (states -> tokens)."""

    def __init__(self, space, cfg: NAOConfig):
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

    def score_outputs(self, outputs: torch.Tensor) -> torch.Tensor:
        """Per-step states (B, S, H) -> score (B,): pool then predict (differentiable, for the step)."""
        return self.predictor(pool(outputs))

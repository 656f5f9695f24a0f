"""``NAOConfig``: every knob of the encoder-predictor-decoder and its training, validated, with presets.

Field defaults are the official PyTorch NAO (NAO_V1) settings (nao_reference.md B-E); the named presets
are ``paper`` (the paper's choices on NB201: one op token per edge, min-max targets), ``default``
(naoviz's measured improvements, see docs/model.md), ``tf`` (TF-NAO EPD) and ``fast`` (live UI rounds).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from numbers import Real
from typing import Optional

from naoviz.errors import NaovizError, show, unknown_fields

TARGET_NORMS = ("minmax", "rank")
DEVICES = ("cpu", "cuda", "auto")
# Largest sizes a checkpoint may ask for (NAO.load): far above any trained model (default: hidden 96,
# 1 layer, mlp 200), low enough that a tampered nao.json cannot make loading allocate without bound.
LOAD_LIMITS = {"hidden_size": 4096, "encoder_layers": 8, "decoder_layers": 8, "mlp_layers": 8,
               "mlp_hidden": 8192, "ensemble": 64}


@dataclass
class NAOConfig:
    """Architecture and training settings of one NAO model (sizes in units; shapes in the modules)."""

    # -- tokens: None = the space's own tokenisation; NB201 accepts "pair" or "op" ----------------
    tokenization: Optional[str] = None
    # -- encoder: emb = hidden / space.tokens_per_step, so tokens_per_step embeddings fill one step --
    hidden_size: int = 96
    encoder_layers: int = 1
    encoder_dropout: float = 0.0
    # -- predictor: MLP on the pooled unit embedding, sigmoid output -----------------------------
    mlp_layers: int = 3
    mlp_hidden: int = 200
    mlp_dropout: float = 0.1
    # -- decoder: LSTM(hidden) + Luong "general" attention over the per-step encoder outputs -------
    decoder_layers: int = 1
    decoder_dropout: float = 0.0
    # -- training ----------------------------------------------------------------------------------
    trade_off: float = 0.8            # lambda: weight of the predictor MSE; 1 - lambda on the decoder NLL
    lr: float = 1e-3                  # Adam
    weight_decay: float = 1e-4
    grad_clip: float = 5.0            # global gradient-norm clip
    batch_size: int = 100
    epochs: int = 1000
    max_steps: Optional[int] = None   # also stop after this many optimiser steps (None: epochs decide)
    target_norm: str = "minmax"       # "minmax" (paper) or "rank" (quantile of the training pool)
    augment: bool = True              # draw a symmetric equivalent (space.augment) per sample per epoch
    augment_draws: int = 32           # equivalents pre-drawn per architecture (per-epoch pick among them)
    ensemble: int = 1                 # predictor heads sharing one encoder (score = mean of heads)
    distance_weight: float = 0.0      # auxiliary loss: embedding cosine distance tracks token edit distance
                                      # (0: off; train.distance_loss, docs/search_experiments.md issue 13)
    rank_weight: float = 0.0          # auxiliary predictor loss: pairwise logistic ranking of the targets' order
                                      # (0: off; train.pair_rank_loss, docs/search_experiments.md issue 13)
    threads: int = 1                  # torch CPU threads while fitting: these small LSTMs gain nothing from
                                      # more, and on busy 2-core machines 2 threads ran 25x slower (model.md)
    seed: int = 0
    device: str = "cpu"               # "cpu", "cuda" or "auto"
    presets: tuple = field(default=(), repr=False, compare=False)  # which preset built it (for the UI)

    def __post_init__(self) -> None:
        self.validate()

    # -- validation --------------------------------------------------------------------------------
    def validate(self) -> "NAOConfig":
        """Raise ``ValueError`` naming the first bad field and its value (ints are ints, never bool;
        numbers are finite; every size has an upper bound, so a typo cannot ask for 100 GB)."""
        def bad(name, why):
            raise ValueError(f"NAOConfig.{name}: {why}, got {show(getattr(self, name))}")

        def is_int(v) -> bool:
            return not isinstance(v, bool) and isinstance(v, int)

        def is_number(v) -> bool:
            return not isinstance(v, bool) and isinstance(v, Real) and math.isfinite(v)

        ints = {"hidden_size": (2, 4096), "encoder_layers": (1, 16), "mlp_layers": (0, 16),
                "mlp_hidden": (1, 8192), "decoder_layers": (1, 16), "batch_size": (1, 100_000),
                "epochs": (0, 100_000), "augment_draws": (1, 10_000), "ensemble": (1, 64), "threads": (1, 256)}
        for name, (low, high) in ints.items():
            v = getattr(self, name)
            if not is_int(v):
                bad(name, "must be an int")
            if v < low:
                bad(name, f"must be >= {low}")
            if v > high:
                bad(name, f"must be <= {high}")
        for name in ("encoder_dropout", "mlp_dropout", "decoder_dropout"):
            v = getattr(self, name)
            if not is_number(v) or not 0.0 <= v < 1.0:
                bad(name, "must be a number in [0, 1)")
        if not is_number(self.trade_off) or not 0.0 <= self.trade_off <= 1.0:
            bad("trade_off", "must be a number in [0, 1]")
        for name, high in (("lr", 10.0), ("grad_clip", 1e6)):
            v = getattr(self, name)
            if not is_number(v) or not 0 < v <= high:
                bad(name, f"must be a positive number <= {high:g}")
        if not is_number(self.distance_weight) or not 0 <= self.distance_weight <= 100:
            bad("distance_weight", "must be a number in [0, 100]")
        if not is_number(self.rank_weight) or not 0 <= self.rank_weight <= 100:
            bad("rank_weight", "must be a number in [0, 100]")
        if not is_number(self.weight_decay) or not 0 <= self.weight_decay <= 1:
            bad("weight_decay", "must be a number in [0, 1]")
        if self.max_steps is not None and (not is_int(self.max_steps) or not 1 <= self.max_steps <= 10_000_000):
            bad("max_steps", "must be None or an int in 1..10000000")
        if not isinstance(self.target_norm, str) or self.target_norm not in TARGET_NORMS:
            bad("target_norm", f"must be one of {TARGET_NORMS}")
        if not isinstance(self.augment, bool):
            bad("augment", "must be True or False")
        if not is_int(self.seed) or not 0 <= self.seed <= 2**63 - 1:
            bad("seed", "must be an int >= 0")
        if not isinstance(self.device, str) or self.device not in DEVICES:
            bad("device", f"must be one of {DEVICES}")
        if self.tokenization is not None and not isinstance(self.tokenization, str):
            bad("tokenization", "must be None or a string")
        return self

    def check_load_limits(self) -> "NAOConfig":
        """``ValueError`` naming the first size above :data:`LOAD_LIMITS` (checked before loading a checkpoint)."""
        for name, high in LOAD_LIMITS.items():
            if getattr(self, name) > high:
                raise ValueError(f"NAOConfig.{name}: a checkpoint may ask for at most {high}, "
                                 f"got {getattr(self, name)!r}")
        return self

    # -- presets and (de)serialisation ---------------------------------------------------------------
    @classmethod
    def preset(cls, name: str, **overrides) -> "NAOConfig":
        """A named preset (``paper``, ``default``, ``tf``, ``fast``), optionally with field overrides."""
        if not isinstance(name, str) or name not in PRESETS:
            raise ValueError(f"NAOConfig.preset: unknown preset {show(name)}; expected one of {', '.join(PRESETS)}")
        values = {**PRESETS[name], **overrides}
        return cls.from_dict(values, presets=(name,))

    @classmethod
    def from_dict(cls, values: dict, presets: tuple = ()) -> "NAOConfig":
        """Build from a dict (e.g. a checkpoint's JSON); unknown keys are a ``ValueError`` naming them."""
        if not isinstance(values, dict):
            raise ValueError(f"NAOConfig: expected a dict of fields, got {type(values).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted((k for k in values if k not in names), key=str)
        if unknown:
            raise ValueError(f"NAOConfig: {unknown_fields(unknown, names - {'presets'}, 'docs/model.md')}")
        values = dict(values)
        values["presets"] = tuple(values.get("presets", presets) or presets)
        return cls(**values)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["presets"] = list(self.presets)
        return d

    def replace(self, **changes) -> "NAOConfig":
        """A validated copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def epochs_for(self, n_archs: int) -> int:
        """Epochs a fit on ``n_archs`` architectures will run (``epochs``, cut by ``max_steps``)."""
        if self.max_steps is None:
            return self.epochs
        steps_per_epoch = -(-int(n_archs) // self.batch_size)
        return min(self.epochs, -(-self.max_steps // steps_per_epoch))

    def resolved_device(self) -> str:
        """``auto`` -> cuda when available, else cpu; ``cuda`` without CUDA is a ``NaovizError``."""
        if self.device == "cpu":
            return "cpu"
        import torch
        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        if not torch.cuda.is_available():
            raise NaovizError(f"NAOConfig.device: {self.device!r} requested but CUDA is not available; "
                              "use \"auto\" or \"cpu\"")
        return self.device


# Field overrides of each preset on top of the official PyTorch defaults above.
PRESETS: dict[str, dict] = {
    # The paper / official code: one op token per NB201 edge, min-max targets, 1000 epochs, batch 100.
    "paper": {"tokenization": "op", "target_norm": "minmax", "epochs": 1000, "batch_size": 100},
    # naoviz's default: departures measured on NB201 (docs/model.md; bench/RESULTS.md).
    "default": {"tokenization": "pair", "target_norm": "rank", "epochs": 300, "max_steps": 2000, "batch_size": 100},
    # TF-NAO EPD (train.sh): no MLP hidden layer, encoder dropout 0.1, batch 50.
    "tf": {"tokenization": "op", "target_norm": "minmax", "mlp_layers": 0, "encoder_dropout": 0.1,
           "batch_size": 50, "epochs": 1000},
    # Live UI / search rounds: the default's choices on a fixed budget of 300 optimiser steps (seconds at any N).
    "fast": {"tokenization": "pair", "target_norm": "rank", "epochs": 300, "max_steps": 300, "batch_size": 100},
}

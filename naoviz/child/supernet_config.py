"""One-shot supernet config: size, training recipe, evaluation, per-space defaults; checked before data is read."""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

from naoviz.errors import show
from naoviz.spaces.nb201 import OPS

SAMPLINGS = ("uniform", "fair", "sandwich")
BN_EVALS = ("batch", "recal")
SCORES = ("acc", "loss", "jacob", "jacob_loss")
SPACES = ("nb201", "naonet-ws")
MAX_SEED = 2**32 - 1
# Per-space defaults under the dataclass's (which are NB201's, measured on digits: docs/supernet.md). The
# NAONet-WS supernet trains single uniform paths, as the paper does, for few epochs: an end-to-end search of a
# few queries on digits stays well under a minute on one CPU thread.
SPACE_DEFAULTS = {"nb201": {},
                  "naonet-ws": {"channels": 8, "epochs": 4, "lr": 0.1, "sampling": "uniform", "paths_per_step": 1,
                                "channels_last": False, "score": "acc"}}


@dataclass
class SupernetConfig:
    """Supernet size, training recipe and evaluation (defaults: measured on digits, docs/supernet.md).
    :meth:`for_space` applies a space's own defaults (``SPACE_DEFAULTS``) under explicit overrides."""

    space: str = "nb201"
    data: str = "digits"
    channels: int = 8
    cells: int = 1
    affine: bool = True
    epochs: int = 10                 # the cosine schedule's length (NAO-WS spreads it over its rounds)
    batch_size: int = 64
    lr: float = 0.02                 # below the table's 0.05: ranks the table better (docs/supernet.md)
    lr_min: float = 0.0
    momentum: float = 0.9
    weight_decay: float = 3e-4
    grad_clip: float = 5.0
    sampling: str = "fair"           # uniform: independent cells; fair: a permutation of ops per edge;
    #                                  sandwich (NB201): fair + the largest and smallest cell every step
    paths_per_step: int = 5          # cells whose gradients are summed in one step
    skip_disconnected: bool = True   # never train a cell whose output does not depend on its input
    eval_batch_size: int = 360
    eval_batches: int = 1            # held-out batches per cell (drawn once, seeded)
    eval_views: int = 1              # shifted copies of each held-out batch (1: the images alone; test-time aug)
    bn_eval: str = "batch"           # batch: BN on the eval batch's statistics; recal: running stats per cell
    recal_batches: int = 4           # bn_eval=recal: training batches (of batch_size, seeded) per cell
    score: str = "loss"              # what ranks cells (rank_scores, NAO-WS): loss (-cross-entropy), acc, or
    #                                  jacob (minus the jacob_cov proxy of the cell's trained path), jacob_loss
    #                                  (the mean of the two ranks, by -jacob_cov and by -loss, in the scored set)
    proxy_batch: int = 64            # score=jacob: seeded training images whose input Jacobians are compared
    seed: int = 0
    device: str = "cpu"
    threads: int = 1
    channels_last: bool = True       # about 1.3x faster on a CPU at these sizes

    @classmethod
    def for_space(cls, space: str = "nb201", **overrides) -> "SupernetConfig":
        """The config of ``space`` with its defaults, then ``overrides`` (validated)."""
        if not isinstance(space, str) or space not in SPACES:
            raise ValueError(f"supernet: space must be one of {', '.join(SPACES)}, got {show(space)}")
        try:
            return cls(**{**SPACE_DEFAULTS[space], **overrides, "space": space}).validate()
        except TypeError as exc:
            raise ValueError(f"supernet: {exc}") from None

    def to_dict(self) -> dict:
        return asdict(self)

    def validate(self) -> "SupernetConfig":
        """``ValueError`` naming the first bad field and its value (checked before any data is read)."""
        from naoviz.child.data import DATASETS

        def bad(name, why):
            raise ValueError(f"supernet: {name} must be {why}, got {show(getattr(self, name))}")

        def is_int(v) -> bool:
            return not isinstance(v, bool) and isinstance(v, int)

        if not isinstance(self.space, str) or self.space not in SPACES:
            bad("space", f"one of {', '.join(SPACES)}")
        if not isinstance(self.data, str) or self.data not in DATASETS:
            bad("data", f"one of {', '.join(DATASETS)}")
        for name, lo, hi in (("channels", 1, 256), ("cells", 1, 16), ("epochs", 1, 10_000),
                             ("batch_size", 2, 65_536), ("paths_per_step", 1, 100),
                             ("eval_batch_size", 2, 100_000), ("eval_batches", 1, 10_000),
                             ("recal_batches", 1, 10_000), ("eval_views", 1, 81), ("proxy_batch", 2, 4096),
                             ("seed", 0, MAX_SEED),
                             ("threads", 1, 256)):
            if not is_int(getattr(self, name)) or not lo <= getattr(self, name) <= hi:
                bad(name, f"an int in {lo}..{hi}")
        for name, lo, hi in (("lr", 0.0, 10.0), ("lr_min", 0.0, 10.0), ("momentum", 0.0, 0.999),
                             ("weight_decay", 0.0, 1.0), ("grad_clip", 0.0, 1e6)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
                bad(name, f"a finite number in [{lo:g}, {hi:g}]")
        if self.lr <= 0 or self.lr_min > self.lr:
            bad("lr", f"> 0 and >= lr_min ({self.lr_min:g})")
        if not isinstance(self.sampling, str) or self.sampling not in SAMPLINGS:
            bad("sampling", f"one of {', '.join(SAMPLINGS)}")
        if not isinstance(self.bn_eval, str) or self.bn_eval not in BN_EVALS:
            bad("bn_eval", f"one of {', '.join(BN_EVALS)}")
        if not isinstance(self.score, str) or self.score not in SCORES:
            bad("score", f"one of {', '.join(SCORES)}")
        if self.sampling in ("fair", "sandwich") and self.paths_per_step % len(OPS):
            bad("paths_per_step", f"a multiple of {len(OPS)} with {self.sampling} sampling")
        if self.sampling == "sandwich" and self.space != "nb201":
            bad("sampling", "fair or uniform with space naonet-ws (sandwich is NB201's)")
        for name in ("affine", "skip_disconnected", "channels_last"):
            if not isinstance(getattr(self, name), bool):
                bad(name, "true or false")
        if self.space == "naonet-ws" and self.channels_last:
            # torch 2.13's CPU backward of a channels-last 1x1 stride-2 conv (FactorizedReduce) corrupts memory
            # at a few channels (a crash, "double free or corruption"), so the NAONet-WS supernet runs contiguous.
            bad("channels_last", "false with space naonet-ws")
        if not isinstance(self.device, str) or not re.fullmatch(r"auto|cpu|mps|cuda(:[0-9]{1,3})?", self.device):
            bad("device", "a device name (cpu, cuda, cuda:N, mps, auto)")
        return self

"""``NAO``: the sklearn-style front of the model (fit / predict / score / embed / reconstruct / path /
generate / save / load), on any :class:`~naoviz.spaces.base.SearchSpace`.

Scores are the predictor's raw output in [0, 1] with higher = better whatever the metric's direction
(targets are flipped when ``maximize=False``), so the gradient step always ascends the score, which
descends an error or a latency. ``predict`` maps scores back to metric units.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np
import torch

from naoviz.errors import CheckpointError
from naoviz.model import checkpoint
from naoviz.model.config import NAOConfig
from naoviz.model.epd import EPD
from naoviz.model.targets import TargetScaler
from naoviz.spaces.base import Arch, SearchSpace
from naoviz.train.nao import augment_pool, train_epd


def _space_for(space: SearchSpace, cfg: NAOConfig) -> SearchSpace:
    """``space`` with ``cfg.tokenization`` applied (spaces without a ``tokenization`` option ignore it)."""
    want = cfg.tokenization
    if want is None or not hasattr(space, "tokenization") or space.tokenization == want:
        return space
    try:
        return type(space)(tokenization=want)
    except ValueError as exc:
        raise ValueError(f"NAOConfig.tokenization: {want!r} is not accepted by space {space.name!r} ({exc})") from exc


class NAO:
    """Encoder-predictor-decoder for one search space. Stores parameters only until ``fit``."""

    def __init__(self, space: SearchSpace, config: Optional[NAOConfig] = None):
        if not isinstance(space, SearchSpace):
            raise ValueError(f"NAO: space must be a SearchSpace, got {type(space).__name__}")
        self.config = (config if config is not None else NAOConfig.preset("default")).validate()
        self.space = _space_for(space, self.config)
        self.device = self.config.resolved_device()
        self.model_: Optional[EPD] = None
        self.scaler_: Optional[TargetScaler] = None
        self.history_: list[list[dict]] = []     # per fit() round, per epoch logs
        self.rounds_ = 0

    # -- helpers ----------------------------------------------------------------------------------
    @property
    def fitted(self) -> bool:
        return self.model_ is not None and self.scaler_ is not None

    def _check_fitted(self) -> None:
        if not self.fitted:
            raise ValueError("NAO: the model is not fitted yet; call fit(archs, values) or NAO.load(directory)")

    def coerce(self, archs) -> list[Arch]:
        """Strings / sequences -> validated arch tuples (one arch alone is accepted as a list of one)."""
        if isinstance(archs, str) or (isinstance(archs, (tuple, list, np.ndarray)) and len(archs)
                                      and isinstance(archs[0], (int, np.integer))):
            archs = [archs]
        return [self.space.coerce(a) for a in archs]

    def tokens(self, archs) -> torch.Tensor:
        """(n, L) long tensor on the model's device."""
        arr = np.asarray([self.space.to_tokens(a) for a in self.coerce(archs)], dtype=np.int64)
        return torch.as_tensor(arr.reshape(-1, self.space.seq_len), device=self.device)

    def _build(self) -> EPD:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.config.seed)
            return EPD(self.space, self.config).to(self.device).eval()

    # -- training ---------------------------------------------------------------------------------
    def fit(self, archs, values, maximize: bool = True, callback: Optional[Callable[[int, dict], object]] = None,
            progress: bool = True, warm_start: bool = True) -> "NAO":
        """Train on (archs, values) in metric units; targets normalised for this round.

        With ``warm_start`` a fitted model keeps its weights (NAO_V1 across search rounds); Adam restarts.
        """
        archs = self.coerce(archs)
        values = np.asarray(values, dtype=float).reshape(-1)
        if len(archs) == 0:
            raise ValueError("NAO.fit: archs is empty")
        if len(values) != len(archs):
            raise ValueError(f"NAO.fit: values has {len(values)} entries but archs has {len(archs)}")
        if not np.isfinite(values).all():
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            raise ValueError(f"NAO.fit: values[{bad}] is {float(values[bad])!r}; every value must be finite")
        cfg = self.config
        if self.model_ is None or not warm_start:
            self.model_, self.rounds_, self.history_ = self._build(), 0, []
        self.scaler_ = TargetScaler.fit(values, cfg.target_norm, maximize)
        seed = cfg.seed + 1009 * self.rounds_
        draws = cfg.augment_draws if cfg.augment else 1
        pools = augment_pool(self.space, archs, draws, seed)
        history = train_epd(self.model_, pools, self.scaler_.transform(values), epochs=cfg.epochs,
                            batch_size=cfg.batch_size, lr=cfg.lr, weight_decay=cfg.weight_decay,
                            grad_clip=cfg.grad_clip, trade_off=cfg.trade_off, seed=seed, callback=callback,
                            progress=progress, device=self.device, max_steps=cfg.max_steps, threads=cfg.threads)
        self.history_.append(history)
        self.rounds_ += 1
        return self

    # -- inference --------------------------------------------------------------------------------
    @torch.no_grad()
    def _encode(self, archs, batch: int = 4096):
        self._check_fitted()
        self.model_.eval()
        toks = self.tokens(archs)
        outs, embs, scores = [], [], []
        for b in range(0, len(toks), batch):
            o, e = self.model_.encoder(toks[b:b + batch])
            outs.append(o), embs.append(e), scores.append(self.model_.predictor(e))
        return torch.cat(outs), torch.cat(embs), torch.cat(scores)

    def score(self, archs) -> np.ndarray:
        """Raw predictor output (n,) in [0, 1], higher = better."""
        return self._encode(archs)[2].cpu().numpy().astype(float)

    def predict(self, archs) -> np.ndarray:
        """Predicted metric (n,) in metric units."""
        scores = self.score(archs)
        return self.scaler_.inverse(scores)

    def embed(self, archs) -> np.ndarray:
        """Pooled arch embeddings (n, hidden), unit vectors."""
        return self._encode(archs)[1].cpu().numpy()

    def to_metric(self, scores) -> np.ndarray:
        """Scores in [0, 1] -> metric units (the inverse of this round's target normalisation)."""
        self._check_fitted()
        return self.scaler_.inverse(np.asarray(scores, dtype=float))

    @torch.no_grad()
    def decode(self, outputs: torch.Tensor, arch_emb: Optional[torch.Tensor] = None):
        """Per-step states (B, S, H) -> (list of B archs, attention (B, L, S) numpy). Always valid."""
        self._check_fitted()
        self.model_.eval()
        from naoviz.model.encoder import pool
        arch_emb = pool(outputs) if arch_emb is None else arch_emb
        toks, attn = self.model_.decoder.decode(outputs, arch_emb)
        return [self.space.from_tokens(t) for t in toks.cpu().tolist()], attn.cpu().numpy()

    def reconstruct(self, archs) -> list[Arch]:
        """Encode then greedy masked decode."""
        outputs, embs, _ = self._encode(archs)
        out = []
        for b in range(0, len(outputs), 4096):
            out += self.decode(outputs[b:b + 4096], embs[b:b + 4096])[0]
        return out

    def decode_vectors(self, vectors: np.ndarray) -> list[Arch]:
        """Decode arbitrary per-step states (B, S, H) (normalised here) -> archs."""
        v = torch.nn.functional.normalize(torch.as_tensor(np.asarray(vectors), dtype=torch.float32,
                                                          device=self.device), dim=-1)
        return self.decode(v)[0]

    # -- optimisation (naoviz.optimize) ------------------------------------------------------------
    def path(self, arch, etas, steps: int = 1, benchmark=None, metric: Optional[str] = None):
        from naoviz.optimize.path import path
        return path(self, arch, etas, steps=steps, benchmark=benchmark, metric=metric)

    def generate(self, seeds, n_new: int, max_eta: float = 50, exclude: Sequence = (), **options):
        """New unique archs by the paper's eta schedule; options: eta_step, require_gain (see optimize)."""
        from naoviz.optimize.generate import generate
        return generate(self, seeds, n_new, max_eta=max_eta, exclude=exclude, **options)

    # -- persistence ------------------------------------------------------------------------------
    def save(self, directory) -> None:
        """Write ``nao.safetensors`` + ``nao.json`` into ``directory``."""
        self._check_fitted()
        checkpoint.write(directory, self.model_.state_dict(), {
            "config": self.config.to_dict(), "space": checkpoint.space_spec(self.space),
            "scaler": self.scaler_.to_dict(), "rounds": self.rounds_})

    @classmethod
    def load(cls, directory, space: Optional[SearchSpace] = None, device: Optional[str] = None) -> "NAO":
        """A fitted NAO from ``save``; ``CheckpointError`` naming the file and the mismatch if it cannot be.

        ``device`` overrides the saved one (e.g. load a GPU-trained model on a CPU-only machine)."""
        from pathlib import Path
        meta = checkpoint.read_meta(directory)
        where = Path(directory) / checkpoint.META
        try:
            cfg = NAOConfig.from_dict(meta["config"])
        except (ValueError, TypeError) as exc:
            raise CheckpointError(f"{where}: bad config ({exc})") from exc
        if device is not None:
            cfg = cfg.replace(device=device)
        if space is None:
            from naoviz.spaces import get_space
            spec = meta["space"]
            try:
                space = get_space(spec["name"], **spec.get("options", {}))
            except (ValueError, TypeError, KeyError) as exc:
                raise CheckpointError(f"{where}: cannot rebuild space {spec!r} ({exc})") from exc
        nao = cls(space, cfg)
        checkpoint.check_space(directory, meta, nao.space)
        try:
            nao.scaler_ = TargetScaler.from_dict(meta["scaler"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"{where}: bad scaler ({exc})") from exc
        model = nao._build()
        checkpoint.read_weights(directory, model)
        nao.model_, nao.rounds_ = model.eval(), int(meta.get("rounds", 1))
        return nao

    def __repr__(self) -> str:
        state = f"fitted, {self.rounds_} round(s)" if self.fitted else "not fitted"
        return f"NAO(space={self.space.name!r}, presets={list(self.config.presets)}, {state})"

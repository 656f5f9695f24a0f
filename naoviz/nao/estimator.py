"""``NAO``: the sklearn-style front of the method (fit / predict / score / embed / reconstruct / path /
generate / save / load), on any :class:`~naoviz.spaces.base.SearchSpace`.

Scores are the predictor's raw output in [0, 1] with higher = better whatever the metric's direction
(targets are flipped when ``maximize=False``), so the gradient step always ascends the score, which
descends an error or a latency. ``predict`` maps scores back to metric units.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np
import torch

from naoviz.errors import show
from naoviz.nao.config import NAOConfig
from naoviz.nao.estimator_io import CheckpointIO
from naoviz.nao.modules import EPD, pool
from naoviz.nao.step import Generated, OnStep, PathResult, ascend
from naoviz.nao.targets import TargetScaler
from naoviz.nao.train import augment_pool, train_epd
from naoviz.spaces.base import Arch, SearchSpace


def _space_for(space: SearchSpace, cfg: NAOConfig) -> SearchSpace:
    """``space`` with ``cfg.tokenization`` applied (spaces without a ``tokenization`` option ignore it)."""
    want = cfg.tokenization
    if want is None or not hasattr(space, "tokenization") or space.tokenization == want:
        return space
    try:
        return type(space)(tokenization=want)
    except ValueError as exc:
        raise ValueError(f"NAOConfig.tokenization: {want!r} is not accepted by space {space.name!r} ({exc})") from exc


def _etas(etas, where: str) -> np.ndarray:
    """``etas`` as a 1-D float array, or ``ValueError`` naming ``where``, the argument and the value as given."""
    try:
        out = np.asarray(etas, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        out = np.array([np.nan])
    if etas is None or isinstance(etas, str) or len(out) == 0 or not np.isfinite(out).all():
        raise ValueError(f"{where}: etas must be a non-empty list of finite numbers, got {show(etas)}")
    return out


class NAO(CheckpointIO):
    """Encoder-predictor-decoder for one search space. Stores parameters only until ``fit``
    (``save`` / ``load``: ``naoviz.nao.estimator_io.CheckpointIO``)."""

    def __init__(self, space: SearchSpace, config: Optional[NAOConfig] = None):
        if not isinstance(space, SearchSpace):
            raise ValueError(f"NAO: space must be a SearchSpace (naoviz.spaces.get_space('nb201')), "
                             f"got {type(space).__name__} {show(space)}")
        if config is not None and not isinstance(config, NAOConfig):      # a preset's name or a dict of fields
            raise TypeError(f"NAO: config must be a NAOConfig (e.g. NAOConfig.preset('fast', epochs=50)), "
                            f"got {type(config).__name__} {show(config)}")
        self.config = (config if config is not None else NAOConfig.preset("default")).validate()
        self.space = _space_for(space, self.config)
        if self.config.hidden_size % self.space.tokens_per_step:      # checked again by the modules
            raise ValueError(f"NAOConfig.hidden_size: must be a multiple of the space's tokens_per_step "
                             f"({self.space.tokens_per_step}), got {self.config.hidden_size}")
        self.device = self.config.resolved_device()
        self.net_: Optional[EPD] = None
        self.scaler_: Optional[TargetScaler] = None
        self.history_: list[list[dict]] = []     # per fit() round, per epoch logs
        self.rounds_ = 0

    # -- helpers ----------------------------------------------------------------------------------
    @property
    def fitted(self) -> bool:
        return self.net_ is not None and self.scaler_ is not None

    def check_fitted(self) -> None:
        """``ValueError`` unless the model is fitted (or loaded)."""
        if not self.fitted:
            raise ValueError("NAO: the model is not fitted yet; call fit(archs, values) or NAO.load(directory)")

    def coerce(self, archs, what: str = "archs") -> list[Arch]:
        """Strings / sequences -> validated arch tuples (one arch alone is accepted as a list of one); a bad
        one is named by the argument ``what`` and its position (``archs[3]: nb201: ...``)."""
        one = isinstance(archs, str) or (isinstance(archs, (tuple, list, np.ndarray)) and len(archs) > 0
                                         and isinstance(archs[0], (int, np.integer)))
        if one:
            archs = [archs]
        elif archs is None or not hasattr(archs, "__iter__"):
            raise TypeError(f"{what}: expected architectures (cell strings or tuples of op indices), "
                            f"got {type(archs).__name__} {show(archs)}")
        out = []
        for i, arch in enumerate(archs):
            try:
                out.append(self.space.coerce(arch))
            except ValueError as exc:
                raise ValueError(f"{what}{'' if one else f'[{i}]'}: {exc}") from None
        return out

    def tokens(self, archs) -> torch.Tensor:
        """(n, L) long tensor on the model's device."""
        arr = np.asarray([self.space.to_tokens(a) for a in self.coerce(archs)], dtype=np.int64)
        return torch.as_tensor(arr.reshape(-1, self.space.seq_len), device=self.device)

    def _module(self) -> EPD:
        """The bare network this estimator trains (subclasses add heads); built on the current device."""
        return EPD(self.space, self.config)

    def _build(self) -> EPD:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.config.seed)
            return self._module().to(self.device).eval()

    # -- training ---------------------------------------------------------------------------------
    def fit(self, archs, values, maximize: bool = True, callback: Optional[Callable[[int, dict], object]] = None,
            progress: bool = True, warm_start: bool = True) -> "NAO":
        """Train on (archs, values) in metric units; targets normalised for this round.

        With ``warm_start`` a fitted model keeps its weights (NAO_V1 across search rounds); Adam restarts.
        """
        if callback is not None and not callable(callback):
            raise TypeError(f"NAO.fit: callback must be a function (epoch, logs) or None, got {show(callback)}")
        archs = self.coerce(archs)
        try:
            values = np.asarray(values, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise ValueError(f"NAO.fit: values must be numbers, one per arch, got {show(values)}") from None
        if len(archs) == 0:
            raise ValueError("NAO.fit: archs is empty")
        if len(values) != len(archs):
            raise ValueError(f"NAO.fit: values has {len(values)} entries but archs has {len(archs)}")
        if not np.isfinite(values).all():
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            hint = (" (a partial table's metric() is NaN for a cell it has no row for: fit on table.archs())"
                    if np.isnan(values[bad]) else "")
            raise ValueError(f"NAO.fit: values[{bad}] is {float(values[bad])!r}; every value must be finite{hint}")
        cfg = self.config
        if self.net_ is None or not warm_start:
            self.net_, self.rounds_, self.history_ = self._build(), 0, []
        self.scaler_ = TargetScaler.fit(values, cfg.target_norm, maximize)
        seed = cfg.seed + 1009 * self.rounds_
        draws = cfg.augment_draws if cfg.augment else 1
        pools = augment_pool(self.space, archs, draws, seed)
        history = train_epd(self.net_, pools, self._targets(values), epochs=cfg.epochs_for(len(archs)),
                            batch_size=cfg.batch_size, lr=cfg.lr, weight_decay=cfg.weight_decay,
                            grad_clip=cfg.grad_clip, trade_off=cfg.trade_off, seed=seed, callback=callback,
                            progress=progress, device=self.device, threads=cfg.threads,
                            distance=cfg.distance_weight, rank=cfg.rank_weight)
        self.history_.append(history)
        self.rounds_ += 1
        return self

    def _targets(self, values: np.ndarray) -> np.ndarray:
        """Training targets ``(n,)`` in [0, 1] (``CostNAO`` appends its cost columns: ``(n, 1 + C)``)."""
        return self.scaler_.transform(values)

    def within_budget(self, decoded: list) -> Optional[np.ndarray]:
        """``(B,)`` bool: which decodes ``generate`` may keep (None: all; ``CostNAO`` checks a budget)."""
        return None

    # -- inference --------------------------------------------------------------------------------
    @torch.no_grad()
    def _encode(self, archs, batch: int = 4096):
        self.check_fitted()
        self.net_.eval()
        toks = self.tokens(archs)
        outs, embs, scores = [], [], []
        for b in range(0, len(toks), batch):
            o, e = self.net_.encoder(toks[b:b + batch])
            outs.append(o), embs.append(e), scores.append(self.net_.predictor(e))
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
        self.check_fitted()
        return self.scaler_.inverse(np.asarray(scores, dtype=float))

    @torch.no_grad()
    def decode(self, outputs: torch.Tensor, arch_emb: Optional[torch.Tensor] = None, raw: bool = False,
               temperature=0.0, generator: Optional[torch.Generator] = None):
        """Per-step states (B, S, H) -> (list of B archs, attention (B, L, S) numpy). The decoder's token mask
        keeps every decode valid; ``raw=True`` returns the B token lists instead of archs (unchecked);
        ``temperature`` > 0 (a float, or a (B,) tensor per row) samples each token (``Decoder.decode``) with
        the seeded ``generator``."""
        self.check_fitted()
        self.net_.eval()
        arch_emb = pool(outputs) if arch_emb is None else arch_emb
        toks, attn = self.net_.decoder.decode(outputs, arch_emb, temperature, generator)
        if raw:
            return toks.cpu().tolist(), attn.cpu().numpy()
        archs, by_row = [], {}            # many moved points decode to the same tokens: convert each once
        for row in toks.cpu().tolist():
            key = tuple(row)
            arch = by_row.get(key)
            if arch is None:
                arch = by_row[key] = self.space.from_tokens(row)
            archs.append(arch)
        return archs, attn.cpu().numpy()

    def reconstruct(self, archs, raw: bool = False) -> list:
        """Encode then greedy masked decode (``raw=True``: token lists, not archs)."""
        outputs, embs, _ = self._encode(archs)
        out = []
        for b in range(0, len(outputs), 4096):
            out += self.decode(outputs[b:b + 4096], embs[b:b + 4096], raw=raw)[0]
        return out

    def decode_vectors(self, vectors: np.ndarray, raw: bool = False) -> list:
        """Decode arbitrary per-step states (B, S, H) (normalised here) -> archs (``raw=True``: token lists)."""
        v = torch.nn.functional.normalize(torch.as_tensor(np.asarray(vectors), dtype=torch.float32,
                                                          device=self.device), dim=-1)
        return self.decode(v, raw=raw)[0]

    # -- moving in the embedding (the one step: naoviz.nao.step.ascend) -------------------------------
    def move(self, states: torch.Tensor, etas, steps: int = 1, on_step: OnStep = None) -> torch.Tensor:
        """Per-step states (B, S, H) moved by ``etas`` (B,) along the predictor's gradient, ``steps`` times
        (``on_step()`` before each: ``naoviz.nao.step.ascend``)."""
        self.check_fitted()
        self.net_.eval()
        etas = torch.as_tensor(np.asarray(etas, dtype=float), device=states.device)
        return ascend(self.net_.score_states, states, etas, steps, on_step=on_step)

    def path(self, arch, etas, steps: int = 1, benchmark=None, metric: Optional[str] = None,
             on_step: OnStep = None) -> PathResult:
        """The seed ``arch`` moved by each eta in ``etas`` (any order, 0 allowed), decoded and scored;
        with ``benchmark``, the decoded archs' true ``metric`` (default ``valid_acc``) too. ``on_step()`` is
        called before each gradient step and before the decode (it may raise ``naoviz.errors.Stopped`` to end the path
        there: the explorer's newer ask)."""
        self.check_fitted()
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
            raise ValueError(f"path: steps must be an int >= 1, got {steps!r}")
        etas = _etas(etas, "path")
        if benchmark is not None and not hasattr(benchmark, "metric"):
            raise TypeError(f"path: benchmark must be a table (naoviz.tables.load_benchmark(...)) or None, "
                            f"got {type(benchmark).__name__} {show(benchmark)}")
        if benchmark is not None and metric is None:
            if "valid_acc" not in getattr(benchmark, "metrics", []):
                raise ValueError("path: metric is required with a benchmark (the metric the model was fitted on)")
            metric = "valid_acc"
        seed = self.coerce(arch, "arch")[0]
        out0, emb0, seed_score = self._encode([seed])                           # (1, S, H), (1, H), (1,)
        states = self.move(out0.expand(len(etas), -1, -1), etas, steps, on_step=on_step)   # (E, S, H)
        with torch.no_grad():
            emb = pool(states)                                                    # (E, H)
            score = self.net_.predictor(emb).cpu().numpy().astype(float)
        if on_step is not None:
            on_step()
        decoded, attention = self.decode(states, emb)
        decoded_score = self.score(decoded)
        true = seed_true = None
        if benchmark is not None:
            true = np.asarray(benchmark.metric(metric, decoded), dtype=float)
            seed_true = float(benchmark.metric(metric, [seed])[0])
        return PathResult(
            etas=etas, embeddings=emb.cpu().numpy(), predicted=self.to_metric(score), decoded=decoded,
            decoded_predicted=self.to_metric(decoded_score),
            hamming=np.asarray([self.space.hamming(seed, d) for d in decoded], dtype=int), true=true,
            attention=attention, seed=seed, seed_predicted=float(self.to_metric([float(seed_score[0])])[0]),
            seed_embedding=emb0[0].cpu().numpy(), states=states.cpu().numpy(), score=score,
            decoded_score=decoded_score, seed_score=float(seed_score[0]), seed_true=seed_true, steps=int(steps))

    def path_grid(self, archs, etas, steps: int = 1, batch: int = 1024,
                  progress: Optional[Callable[[int, int], object]] = None):
        """Many seeds' paths at once, as ``path`` computes each: every seed (M) moved by every eta (E)
        through the same ``move``/``ascend``, decoded in chunks of about ``batch`` moved points.

        Returns (decoded tokens (M, E, L) int64, predicted at the moved point (M, E) metric units,
        moved pooled embeddings (M, E, H) float32). ``progress(done, M)`` after each chunk.
        """
        self.check_fitted()
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
            raise ValueError(f"path_grid: steps must be an int >= 1, got {steps!r}")
        if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
            raise ValueError(f"path_grid: batch must be an int >= 1, got {batch!r}")
        etas = _etas(etas, "path_grid")
        seeds = self.coerce(archs)
        M, E, L = len(seeds), len(etas), self.space.seq_len
        tokens = np.zeros((M, E, L), dtype=np.int64)
        predicted = np.zeros((M, E))
        embeddings = np.zeros((M, E, self.config.hidden_size), dtype=np.float32)
        per = max(1, int(batch) // E)                                            # seeds per chunk
        for lo in range(0, M, per):
            hi = min(M, lo + per)
            out0 = self._encode(seeds[lo:hi])[0]                                  # (m, S, H)
            states = self.move(out0.repeat_interleave(E, dim=0), np.tile(etas, hi - lo), steps)   # (m*E, S, H)
            with torch.no_grad():
                emb = pool(states)                                                # (m*E, H)
                score = self.net_.predictor(emb)
                toks, _ = self.net_.decoder.decode(states, emb)                   # (m*E, L)
            tokens[lo:hi] = toks.cpu().numpy().reshape(hi - lo, E, L)
            predicted[lo:hi] = self.to_metric(score.cpu().numpy().astype(float)).reshape(hi - lo, E)
            embeddings[lo:hi] = emb.cpu().numpy().reshape(hi - lo, E, -1)
            if progress is not None:
                progress(hi, M)
        return tokens, predicted, embeddings

    def generate(self, seeds, n_new: int, max_eta: float = 50, exclude: Sequence = (), eta_step: float = 1.0,
                 require_gain: bool = False) -> list[Generated]:
        """Up to ``n_new`` new unique archs by the paper's schedule (NAO_V1): eta = eta_step, 2 eta_step, ...;
        at each eta move every seed one step and decode; keep decodes whose canonical form is new (not a seed,
        not in ``exclude``, not already kept), first found first, until ``n_new`` or eta > ``max_eta``.

        ``require_gain`` (not in the paper) also skips a decode unless its own re-encoded score beats its
        seed's: the predictor must agree that the decoded arch, not just the moved point, is better.
        """
        self.check_fitted()
        if isinstance(n_new, bool) or not isinstance(n_new, (int, np.integer)) or n_new < 0:
            raise ValueError(f"generate: n_new must be an int >= 0, got {n_new!r}")
        if not np.isfinite(max_eta) or max_eta <= 0:
            raise ValueError(f"generate: max_eta must be a positive number, got {max_eta!r}")
        if not (np.isfinite(eta_step) and eta_step > 0):
            raise ValueError(f"generate: eta_step must be a positive number, got {eta_step!r}")
        seeds = self.coerce(seeds, "seeds")
        if isinstance(exclude, str) or not hasattr(exclude, "__len__"):
            raise TypeError(f"exclude: expected a list of architectures, got {type(exclude).__name__} {show(exclude)}")
        if not seeds or n_new == 0:
            return []
        space = self.space
        seen = {space.canonical(a) for a in self.coerce(list(exclude), "exclude")} if len(exclude) else set()
        seen |= {space.canonical(s) for s in seeds}
        out0, _, seed_scores = self._encode(seeds)                              # (B, S, H), _, (B,)
        seed_scores = seed_scores.cpu().numpy()
        B = len(seeds)
        schedule, eta = [], eta_step           # the sweep's etas, accumulated as the paper's loop does
        while eta <= max_eta + 1e-9:
            schedule.append(eta)
            eta += eta_step
        found: list[Generated] = []
        canon: dict = {}
        lo, chunk = 0, 4
        # Etas are moved and decoded in growing chunks (4, 8, ... 32 etas x B seeds per batch) and scanned
        # in the sweep's order, eta by eta, seed by seed: the same picks as one eta per batch, far fewer calls.
        while lo < len(schedule) and len(found) < n_new:
            part = schedule[lo:lo + chunk]
            lo, chunk = lo + len(part), min(2 * chunk, 32)
            states = self.move(out0.repeat(len(part), 1, 1), np.repeat(part, B))   # (C*B, S, H), eta-major
            with torch.no_grad():
                emb = pool(states)
                scores = self.net_.predictor(emb).cpu().numpy()
            decoded, _ = self.decode(states, emb)
            gains = self.score(decoded) - np.tile(seed_scores, len(part)) if require_gain else None
            keep = self.within_budget(decoded)
            for row, arch in enumerate(decoded):
                i = row % B
                key = canon.get(arch)
                if key is None:
                    key = canon[arch] = space.canonical(arch)
                if key in seen or (gains is not None and gains[row] <= 0) or (keep is not None and not keep[row]):
                    continue
                seen.add(key)
                found.append(Generated(arch=arch, seed=seeds[i], eta=float(part[row // B]),
                                       score_seed=float(seed_scores[i]), score_new=float(scores[row]),
                                       hamming=space.hamming(seeds[i], arch)))
                if len(found) == n_new:
                    break
        if found:
            for g, s in zip(found, self.score([g.arch for g in found])):
                g.score_decoded = float(s)
        return found

    def __repr__(self) -> str:
        state = f"fitted, {self.rounds_} round(s)" if self.fitted else "not fitted"
        return f"NAO(space={self.space.name!r}, presets={list(self.config.presets)}, {state})"

"""Training NAO on unlabelled cells (issue 13, the SemiNAS direction): pretraining and pseudo-labels.

Every cell of a table space can be encoded without its label, so two things can use cells nobody measured:

* **Unsupervised pretraining** (arch2vec-style, Yan et al. 2020): the encoder and decoder are trained on
  ``n_cells`` sampled cells with the reconstruction loss alone (``trade_off`` 0), once per (space, model
  config, ``n_cells``, ``epochs``, pretrain ``seed``), and cached under ``$NAOVIZ_CACHE/pretrain/<key>/`` as
  ``pretrain.safetensors`` + ``pretrain.json`` (no pickle; each file written atomically, the JSON last, under
  a cross-process lock). A search then starts its model from these encoder and decoder weights
  (``warm_start``); the predictor keeps the search's own seeded initialisation.
* **A training-free prior** (issue 13; ``naoviz.nao.prior``): with ``prior`` set, the pretraining also trains the
  predictor (loss weight ``prior_weight``, the ``trade_off`` of that training) on the rank-normalised proxy of
  the same cells, and the cached state holds the predictor (``predictor.``) too, so the search's first fit
  starts from a predictor that already ranks cells by the proxy. Every head of an ensemble is trained on the
  same proxy from its own initialisation (the pretrain seed's), so the heads keep some spread for Thompson
  sampling; the search's own predictor seed is then not used. The key gains the prior only when one is set,
  so caches without it stay valid.
* **Pseudo-labels** (SemiNAS, Luo et al. 2020): after a fit on the labelled cells, ``m`` seeded unlabelled
  cells are scored by the predictor and the model is refit briefly on labelled + pseudo-labelled cells
  (``pseudo_refit``), the pseudo targets weighted by ``weight`` in the predictor's MSE.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from naoviz.errors import CheckpointError, rebuild_note
from naoviz.jsonio import dumps_strict
from naoviz.locks import lock
from naoviz.nao.checkpoint import space_spec
from naoviz.nao.train import augment_pool, train_epd
from naoviz.paths import atomic_write_bytes, atomic_write_text, cache_dir, mark_used

WEIGHTS, META = "pretrain.safetensors", "pretrain.json"
FORMAT, VERSION = "naoviz-nao-pretrain", 1
PARTS = ("encoder.", "decoder.")       # the state-dict prefixes pretraining owns
HEAD = ("predictor.",)                 # ... and, with a prior, the predictor's


def pretrain_config(config, epochs: int, seed: int):
    """The NAOConfig pretraining runs with: the model's sizes and optimiser, ``epochs``, no step cap, the
    pretrain ``seed`` (not the search's: one pretrained model serves every search seed)."""
    return config.replace(epochs=int(epochs), max_steps=None, seed=int(seed), trade_off=0.0, presets=())


def pretrain_key(space, config, n_cells: int, epochs: int, seed: int, prior: str = "none",
                 prior_weight: float = 0.0) -> str:
    """Folder name of a pretrained model: the space, the sizes and training fields of ``config`` (its search
    seed ignored), ``n_cells``, ``epochs`` and ``seed`` hashed; ``prior`` and ``prior_weight`` join the hash
    only when a prior is set (the keys without one are those from before the prior)."""
    cfg = pretrain_config(config, epochs, seed).to_dict()
    cfg.pop("device", None)
    cfg.pop("distance_weight", None)      # the pretraining does not use it (and old cache keys stay valid)
    cfg.pop("rank_weight", None)          # nor this (no labels, trade_off 0)
    spec = {"space": space_spec(space), "config": cfg, "n_cells": int(n_cells), "format": FORMAT, "version": VERSION}
    if prior != "none":
        spec["prior"] = {"name": prior, "weight": float(prior_weight)}
    blob = json.dumps(spec, sort_keys=True, default=str)
    return f"{space.name}-{hashlib.sha256(blob.encode()).hexdigest()[:20]}"


def pretrain(space, config, n_cells: int, epochs: int, seed: int, prior: str = "none",
             prior_weight: float = 0.0, should_stop=None) -> dict[str, torch.Tensor]:
    """Encoder + decoder weights (state-dict entries under ``encoder.`` / ``decoder.``) after ``epochs`` of
    reconstruction-only training on ``n_cells`` cells sampled with ``seed`` (CPU tensors). With a ``prior``
    the predictor is trained too, on the proxy's ranks ``(n_cells,)`` in (0, 1) with loss weight
    ``prior_weight``, and its weights (``predictor.``) are returned as well. ``should_stop()`` true before or after an
    epoch: ``naoviz.errors.Stopped`` (a search's stop waits one epoch, not the whole pretraining)."""
    from naoviz.nao.estimator import NAO
    cfg = pretrain_config(config, epochs, seed)
    callback = _stopper(should_stop)
    if callback is not None:
        callback(0, {})                       # a stop already set: no augmenting, no epoch
    nao = NAO(space, cfg)
    net = nao._build()
    cells = nao.space.sample(int(n_cells), seed=int(seed))
    draws = cfg.augment_draws if cfg.augment else 1
    pools = augment_pool(nao.space, cells, draws, int(seed))
    if callback is not None:
        callback(0, {})                       # a stop set while augmenting: no epoch
    targets, trade_off, parts = np.zeros(len(cells)), 0.0, PARTS
    if prior != "none":
        from naoviz.nao.prior import proxy, rank_targets
        targets, trade_off, parts = rank_targets(proxy(prior, nao.space, cells)), float(prior_weight), PARTS + HEAD
    train_epd(net, pools, targets, epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr,
              weight_decay=cfg.weight_decay, grad_clip=cfg.grad_clip, trade_off=trade_off, seed=int(seed),
              progress=False, device=nao.device, threads=cfg.threads, callback=callback)
    return {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items() if k.startswith(parts)}


def _stopper(should_stop):
    """A ``train_epd`` callback raising ``Stopped`` once ``should_stop()`` is true (None: no callback)."""
    if should_stop is None:
        return None

    def callback(epoch, logs):
        if should_stop():
            from naoviz.errors import Stopped
            raise Stopped("pretraining stopped")
    return callback


def pretrained(space, config, n_cells: int, epochs: int, seed: int, prior: str = "none",
               prior_weight: float = 0.0, should_stop=None) -> dict[str, torch.Tensor]:
    """``pretrain``'s weights from the cache, trained and saved on a miss (one trainer at a time); a pretraining
    ended by ``should_stop`` (``Stopped``) saves nothing."""
    folder = cache_dir() / "pretrain" / pretrain_key(space, config, n_cells, epochs, seed, prior, prior_weight)
    state = _read_or_none(folder)
    if state is not None:
        return state
    with lock(folder.with_name(folder.name + ".lock"), wait=True):
        state = _read_or_none(folder, warn=True)
        if state is None:
            state = pretrain(space, config, n_cells, epochs, seed, prior, prior_weight, should_stop)
            meta = {"space": space_spec(space), "n_cells": int(n_cells), "epochs": int(epochs), "seed": int(seed),
                    "config": pretrain_config(config, epochs, seed).to_dict()}
            if prior != "none":
                meta["prior"] = {"name": prior, "weight": float(prior_weight)}
            _write(folder, state, meta)
    return state


def _write(folder: Path, state: dict, meta: dict) -> None:
    from safetensors.torch import save
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(folder / WEIGHTS, save(state))
    atomic_write_text(folder / META, dumps_strict({"format": FORMAT, "version": VERSION, **meta}, indent=1))


def _read_or_none(folder: Path, warn: bool = False):
    """:func:`_read`, a corrupt entry (a torn file, another format) read as absent: the cache is rebuilt, never
    trusted and never a dead end. ``warn`` (under the lock, before retraining): one note naming the file."""
    try:
        return _read(folder)
    except CheckpointError as exc:
        if warn:
            rebuild_note(folder, "pretrained model", exc.__cause__ or exc, "training it again")
        return None


def _read(folder: Path):
    """The cached weights, or None when absent; a corrupt entry is a ``CheckpointError`` naming the file."""
    if not (folder / META).is_file() or not (folder / WEIGHTS).is_file():
        return None
    from safetensors import SafetensorError
    from safetensors.torch import load
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        state = load((folder / WEIGHTS).read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError, SafetensorError, ValueError, RuntimeError, OSError) as exc:
        raise CheckpointError(f"{folder}: unreadable pretrained model ({str(exc)[:120]})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise CheckpointError(f"{folder / META}: not a naoviz pretrained model ({FORMAT} v{VERSION})")
    bad = [k for k, v in state.items() if not k.startswith(PARTS + HEAD) or not torch.isfinite(v).all()]
    if bad:
        raise CheckpointError(f"{folder / WEIGHTS}: unexpected or non-finite tensor {bad[0]!r}")
    mark_used(folder / META)
    return state


def warm_start(nao, state: dict[str, torch.Tensor]) -> None:
    """Build ``nao``'s network (its own seed) and load the pretrained encoder and decoder into it, and the
    predictor when ``state`` holds one (a prior's pretraining), so the next ``fit(..., warm_start=True)``
    starts from them; every pretrained tensor must fit the network."""
    net = nao._build()
    have = net.state_dict()
    parts = PARTS + HEAD if any(k.startswith(HEAD) for k in state) else PARTS
    wrong = [k for k in have if k.startswith(parts) and (k not in state or state[k].shape != have[k].shape)]
    if wrong or any(k not in have for k in state):
        raise ValueError(f"pretrained weights do not fit the model (e.g. {(wrong or sorted(state))[0]!r})")
    net.load_state_dict({k: v.to(have[k].device) for k, v in state.items()}, strict=False)
    nao.net_, nao.rounds_, nao.history_ = net.eval(), 0, []


def unlabelled(space, exclude: Sequence, m: int, rng: np.random.Generator) -> list:
    """Up to ``m`` cells drawn with ``rng`` whose canonical class is not in ``exclude`` (nor repeated)."""
    seen = {space.canonical(a) for a in exclude}
    out = []
    for a in space.sample(int(m), seed=int(rng.integers(2**31))):
        k = space.canonical(a)
        if k not in seen:
            seen.add(k)
            out.append(a)
    return out


def pseudo_refit(nao, archs: Sequence, values, cells: Sequence, epochs: int, weight: float, seed: int):
    """Refit the fitted ``nao`` (warm) for ``epochs`` on the labelled ``archs`` (targets: this round's
    normalised ``values``) plus the unlabelled ``cells`` with their predicted scores as targets, weighted
    ``weight`` in the predictor loss (the decoder reconstructs both). Returns the pseudo targets ``(m,)``."""
    nao.check_fitted()
    archs, cells = nao.coerce(archs), nao.coerce(cells)
    pseudo = nao.score(cells) if cells else np.zeros(0)
    refit_with(nao, archs, values, cells, pseudo, epochs, weight, seed)
    return pseudo


def refit_with(nao, archs: Sequence, values, cells: Sequence, targets, epochs: int, weight: float, seed: int) -> None:
    """Refit the fitted ``nao`` (warm) for ``epochs`` on the labelled ``archs`` (this round's normalised
    ``values``) plus ``cells`` with the given ``targets`` ``(m,)`` in [0, 1], weighted ``weight`` in the
    predictor loss (pseudo-labels, or a proxy's ranks); nothing when ``cells`` is empty or ``epochs`` < 1."""
    nao.check_fitted()
    archs, cells = nao.coerce(archs), nao.coerce(cells)
    if not cells or epochs < 1:
        return
    cfg = nao.config
    targets = np.concatenate([nao.scaler_.transform(np.asarray(values, dtype=float)), np.asarray(targets, dtype=float)])
    weights = np.concatenate([np.ones(len(archs)), np.full(len(cells), float(weight))])
    draws = cfg.augment_draws if cfg.augment else 1
    pools = augment_pool(nao.space, list(archs) + list(cells), draws, seed)
    history = train_epd(nao.net_, pools, targets, epochs=int(epochs), batch_size=cfg.batch_size, lr=cfg.lr,
                        weight_decay=cfg.weight_decay, grad_clip=cfg.grad_clip, trade_off=cfg.trade_off,
                        seed=seed, progress=False, device=nao.device, threads=cfg.threads, weights=weights,
                        distance=cfg.distance_weight, rank=cfg.rank_weight)
    nao.history_.append(history)

"""Fitted NAO models on disk, keyed by what they were trained on; one trainer per model at a time.

A model shipped in the package (``naoviz/resources/shipped``) is used first when its key matches.
The explorer and the dashboard ask for "the model for this table, metric, training set and preset".
The key hashes the table's name and size, the metric, the full config (less fields at their neutral
value, ``KEY_NEUTRAL``) and the exact training set, so a change to any of them trains a new model. Training happens under a cross-process file lock: a second
process (Voila pre-starts a kernel; a second visitor opens another) waits for the first and then loads
what it saved instead of training the same model again.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from naoviz.errors import rebuild_note
from naoviz.locks import LockHeld, lock
from naoviz.paths import atomic_write_text, cache_dir, mark_used

DONE = "done"   # written last: a folder without it holds no complete model

# NAOConfig fields added after models were cached and shipped, with the value at which training is exactly
# what it was before the field existed. At that value a field stays out of the key, so the shipped digits
# model and atlas and every model already cached keep their folder; any other value trains a new model.
KEY_NEUTRAL = {"distance_weight": 0.0, "rank_weight": 0.0}


def config_key(config) -> dict:
    """``config.to_dict()`` as the model key hashes it: fields of ``KEY_NEUTRAL`` at their neutral value left out."""
    d = config.to_dict()
    for name, neutral in KEY_NEUTRAL.items():
        if name in d and d[name] == neutral:
            del d[name]
    return d


MAX_TRAIN = 1_000_000     # ModelSpec.n_train's upper end: above any table (a smaller table gives all its rows)


@dataclass
class ModelSpec:
    """How a cached model is trained: ``n_train`` archs sampled with ``seed`` from the benchmark, the
    ``preset`` of NAOConfig (``fast`` for live use) and optional field ``overrides`` such as ``epochs``."""

    metric: str = "valid_acc"
    n_train: int = 1000
    seed: int = 0
    preset: str = "fast"
    overrides: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse a bad field at once, naming it and the value (not after a table was read and a model half
        trained): the preset, overrides and seed are checked by building the NAOConfig they make."""
        from naoviz.errors import show
        if not isinstance(self.metric, str) or not self.metric:
            raise ValueError(f"ModelSpec.metric: expected a column name, got {show(self.metric)}")
        if isinstance(self.n_train, bool) or not isinstance(self.n_train, (int, np.integer)) \
                or not 1 <= self.n_train <= MAX_TRAIN:
            raise ValueError(f"ModelSpec.n_train: expected an int in 1..{MAX_TRAIN:,}, got {show(self.n_train)}")
        if not isinstance(self.overrides, dict):
            raise ValueError(f"ModelSpec.overrides: expected a dict of NAOConfig fields, got {show(self.overrides)}")
        self.config()

    def config(self):
        """The validated NAOConfig this spec trains with."""
        from naoviz.nao.config import NAOConfig
        return NAOConfig.preset(self.preset, seed=self.seed, **self.overrides)


def training_set(bench, spec: ModelSpec) -> tuple[list, np.ndarray]:
    """The (archs, values) a model is trained on: ``n_train`` distinct rows drawn with ``spec.seed``."""
    rows = bench.frame.index.to_numpy()
    rng = np.random.default_rng(spec.seed)
    take = rng.choice(len(rows), size=min(int(spec.n_train), len(rows)), replace=False)
    archs = [bench.space.from_index(int(rows[i])) for i in np.sort(take)]
    return archs, bench.metric(spec.metric, archs)


def model_key(bench, spec: ModelSpec) -> str:
    """Folder name of the model for (``bench``, ``spec``): table, metric and a hash of config and data."""
    archs, values = training_set(bench, spec)
    h = hashlib.sha256()
    h.update(json.dumps({"bench": bench.name, "rows": len(bench), "metric": spec.metric,
                         "config": config_key(spec.config())}, sort_keys=True, default=str).encode())
    h.update(np.asarray(archs, dtype=np.int64).tobytes())
    h.update(np.asarray(values, dtype=np.float64).tobytes())
    # the metric is a table's column name (the user's text): in a folder name only letters, digits and ._- stay,
    # so "x/../../name" cannot put the folder outside the cache (the hash above tells such names apart)
    return f"{bench.name}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', spec.metric)}-{h.hexdigest()[:20]}"


def model_dir(bench, spec: ModelSpec) -> Path:
    return cache_dir() / "models" / model_key(bench, spec)


def shipped_model_dir(bench, spec: ModelSpec) -> Optional[Path]:
    """The read-only model shipped in the package for (``bench``, ``spec``) (the digits table's dashboard
    model, ``bench/ship_digits.py``), or None."""
    from naoviz.resources import shipped_dir
    folder = shipped_dir()
    if folder is None:
        return None
    folder = folder / model_key(bench, spec)
    return folder if (folder / DONE).is_file() else None


def is_cached(bench, spec: ModelSpec) -> bool:
    """Whether a complete model for (``bench``, ``spec``) is on disk or shipped (loading takes seconds)."""
    return (model_dir(bench, spec) / DONE).is_file() or shipped_model_dir(bench, spec) is not None


def epochs_to_train(bench, spec: ModelSpec) -> int:
    """Epochs a fresh fit for ``spec`` runs (for progress bars)."""
    return spec.config().epochs_for(min(int(spec.n_train), len(bench)))


def _load(folder: Path, bench, warn: bool = False):
    """The model saved in ``folder``, or None; a stale or corrupt entry (a torn file) is None too, retrained,
    never trusted. ``warn`` (the trainer, under the lock): one note saying so."""
    from naoviz.nao.estimator import NAO
    if not (folder / DONE).is_file():
        return None
    try:
        nao = NAO.load(folder, space=bench.space)
    except Exception as exc:  # noqa: BLE001 - a stale or corrupt cache entry is retrained, never trusted
        if warn:
            why = str(exc).replace(str(folder), "").lstrip("/: ") or type(exc).__name__     # the path is said once
            rebuild_note(folder, "cached model", why, "training it again", why_chars=50)
        return None
    mark_used(folder / DONE)
    return nao


def load_or_train(bench, spec: ModelSpec, callback: Optional[Callable[[int, dict], object]] = None,
                  on_wait: Optional[Callable[[], None]] = None):
    """(fitted NAO, loaded_from_cache). Loads the cached model, or trains and saves it under the lock.

    ``callback(epoch, logs)`` sees every training epoch (the live loss curve). ``on_wait()`` is called
    once if another process is training the same model and this one waits for it.
    """
    shipped = shipped_model_dir(bench, spec)
    nao = _load(shipped, bench) if shipped is not None else None
    if nao is not None:
        return nao, True
    folder = model_dir(bench, spec)
    nao = _load(folder, bench)
    if nao is not None:
        return nao, True
    lock_path = folder.with_name(folder.name + ".lock")
    try:
        with lock(lock_path, wait=False):
            return _load_or_fit(folder, bench, spec, callback)
    except LockHeld:
        pass
    if on_wait is not None:
        on_wait()
    with lock(lock_path, wait=True):       # the other trainer finished (or died): load its model or train
        return _load_or_fit(folder, bench, spec, callback)


def _load_or_fit(folder: Path, bench, spec: ModelSpec, callback):
    """Under the lock: the model another process finished meanwhile, else a fresh fit, saved."""
    from naoviz.nao.estimator import NAO
    from naoviz.tables import lower_is_better

    nao = _load(folder, bench, warn=True)
    if nao is not None:
        return nao, True
    archs, values = training_set(bench, spec)
    nao = NAO(bench.space, spec.config()).fit(archs, values, maximize=not lower_is_better(spec.metric),
                                              callback=callback, progress=False)
    nao.save(folder)
    atomic_write_text(folder / DONE, "ok\n")
    return nao, False

"""The explorer's cost heads and budget paths, computed once and kept (the explorer's budget, docs/ui.md "Budget").

``explorer_heads(nao, bench, column, seed=)`` is ``cost_heads.cost_nao_from`` on every cell of the table, kept
in this process and on disk (``<cache>/cost-heads/<column>-<key>``: a ``CostNAO`` checkpoint, safetensors and
JSON, never unpickled), the key hashing the plain model's weights, the column's values, the seed and the fit's
settings: the first constrained path of a column fitted a head on 15,625 NB201 cells (minutes on 2 loaded
cores), now once per model and column on this machine, then a load of a second. ``explorer_path`` is
``budget_path`` with its last answers kept (the figures export asks for the path the page just drew).
``progress(stage, done, total)`` is told each stage (the page shows it). One fitter per key across processes.
``should_stop()`` (the explorer: a newer ask came) is checked between the fit's epochs and the path's steps; true
ends the work with ``naoviz.errors.Stopped`` before anything is kept or saved (an entry is whole only with its
DONE mark).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from typing import Callable, Optional

import numpy as np

from naoviz.nao import cost_heads
from naoviz.paths import atomic_write_text, cache_dir, mark_used

Progress = Optional[Callable[[str, int, int], object]]
KEEP_HEADS, KEEP_PATHS = 8, 32            # in memory: heads per (model, column, seed); last budget paths
_heads: OrderedDict = OrderedDict()
_paths: OrderedDict = OrderedDict()
DONE = "done"


def heads_key(nao, column: str, values, seed: int) -> str:
    """What the heads are a function of: the plain model's weights and scaler, the column and its values per
    table row, the seed and the fit's settings (``cost_heads`` constants)."""
    h = hashlib.sha256()
    for name, tensor in sorted(nao.net_.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    settings = {"column": column, "seed": seed, "epochs": cost_heads.EPOCHS, "lr": cost_heads.LR,
                "batch": cost_heads.BATCH, "max_cells": cost_heads.MAX_CELLS, "step": cost_heads.STEP,
                "threads": cost_heads.THREADS, "scaler": nao.scaler_.to_dict(), "space": nao.space.name}
    h.update(json.dumps(settings, sort_keys=True, default=str).encode())
    h.update(np.asarray(values, dtype=np.float64).tobytes())
    return h.hexdigest()[:24]


def explorer_heads(nao, bench, column: str, seed: int = 0, progress: Progress = None, should_stop=None):
    """A ``CostNAO`` sharing ``nao``'s weights with a cost head for ``column`` fitted on every cell of ``bench``
    (``cost_nao_from``), from memory, from disk, or fitted now and saved. The same heads each way (the saved
    float32 weights are the fitted ones)."""
    from naoviz.locks import lock
    from naoviz.nao.cost import CostNAO

    values = bench.metric(column)
    key = heads_key(nao, column, values, seed)
    if key in _heads:
        _heads.move_to_end(key)
        return _heads[key]
    folder = cache_dir() / "cost-heads" / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', column)[:60]}-{key}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    model = _load(folder, CostNAO, nao, progress, column)
    if model is None:
        with lock(folder.with_name(folder.name + ".lock"), wait=True):    # a second process waits, then loads
            model = _load(folder, CostNAO, nao, progress, column)
            if model is None:
                def epoch(done, total):
                    if progress is not None:
                        progress(f"fitting the {column} cost head (once per model and column)", done, total)
                model = cost_heads.cost_nao_from(nao, [column], bench.archs(), {column: values}, seed=seed,
                                                 progress=epoch, should_stop=should_stop)    # Stopped: no entry
                (folder / DONE).unlink(missing_ok=True)    # a torn entry refitted: not whole until saved again
                model.save(folder)
                atomic_write_text(folder / DONE, "ok\n")
    _heads[key] = model
    while len(_heads) > KEEP_HEADS:
        _heads.popitem(last=False)
    return model


def _load(folder, cls, nao, progress: Progress, column: str):
    """The heads saved in ``folder``, or None (none there, or a torn or stale entry: fitted again)."""
    if not (folder / DONE).is_file():
        return None
    if progress is not None:
        progress(f"loading the {column} cost head (fitted before)", 0, 1)
    try:
        model = cls.load(folder, space=nao.space, device=nao.config.device)
    except Exception:  # noqa: BLE001 - a corrupt cache entry is fitted again, never trusted
        return None
    mark_used(folder / DONE)
    return model


def explorer_path(cost, arch, etas, budget: dict, steps: int = 1, benchmark=None, metric: Optional[str] = None,
                  progress: Progress = None, should_stop=None):
    """``cost_heads.budget_path`` (the same result), its last ``KEEP_PATHS`` answers kept: the figures export
    and a page that asks again get the path without computing it twice."""
    key = (id(cost), str(arch), tuple(float(e) for e in etas), tuple(sorted(budget.items())), int(steps),
           id(benchmark), metric)
    kept = _paths.get(key)
    if kept is not None and kept[0] is cost and kept[1] is benchmark:      # the ids are of these very objects
        _paths.move_to_end(key)
        return kept[2]
    res = cost_heads.budget_path(cost, arch, etas, budget, steps=steps, benchmark=benchmark, metric=metric,
                                 progress=progress, should_stop=should_stop)       # Stopped: nothing kept
    _paths[key] = (cost, benchmark, res)
    while len(_paths) > KEEP_PATHS:
        _paths.popitem(last=False)
    return res

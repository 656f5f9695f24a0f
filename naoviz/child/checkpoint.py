"""Per-epoch checkpoints: tensors in safetensors, everything else in JSON (never pickled).

``checkpoint.safetensors`` holds ``model.<name>`` (state dict) and ``momentum.<i>`` (SGD buffers by
parameter index); ``checkpoint.json`` holds the run fingerprint, completed epochs and the history.

Loading checks everything before it is used: the JSON's fields and types (``epoch`` an int in
0..epochs, ``history`` one log of numbers per completed epoch), then the tensors' names, shapes and dtypes
from the safetensors header (nothing loaded yet), then that no weight is NaN or inf. Each failure is a
:class:`CheckpointError` naming the file and the field or tensor.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import torch
from safetensors.torch import load_file, save_file

from naoviz import tensorfile
from naoviz.errors import CheckpointError
from naoviz.jsonio import dumps_strict
from naoviz.paths import atomic_write_text

TENSORS, META = "checkpoint.safetensors", "checkpoint.json"
# The per-epoch log ChildTrainer.train_epoch writes (numbers only).
HISTORY_KEYS = ("epoch", "lr", "train_loss", "train_acc", "valid_loss", "valid_acc", "train_time_s", "time_s")


def save_checkpoint(directory: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    meta: dict) -> None:
    """Write both files atomically (tensors first, then the JSON that points at them)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    for i, p in enumerate(optimizer.param_groups[0]["params"]):
        buf = optimizer.state.get(p, {}).get("momentum_buffer")
        if buf is not None:
            tensors[f"momentum.{i}"] = buf.detach().cpu().contiguous()
    tmp = directory / f".{TENSORS}.{os.getpid()}.tmp"
    save_file(tensors, str(tmp))
    os.replace(tmp, directory / TENSORS)
    atomic_write_text(directory / META, dumps_strict(meta, indent=1, default=str))   # NaN loss -> null


def load_checkpoint(directory: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    fingerprint: dict) -> Optional[dict]:
    """Restore ``model`` and ``optimizer`` from ``directory``; the saved meta, or None if there is none.

    Raises :class:`CheckpointError` naming the file when it is corrupt or was written by another run.
    """
    directory = Path(directory)
    meta_path, tensor_path = directory / META, directory / TENSORS
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{meta_path}: corrupt checkpoint metadata ({str(exc)[:200]})") from None
    if not isinstance(meta, dict):
        raise CheckpointError(f"{meta_path}: corrupt checkpoint metadata (expected a JSON object, "
                              f"got {type(meta).__name__})")
    # a diverged epoch's NaN metrics are stored as null (strict JSON): give them back as NaN
    meta["history"] = [{k: float("nan") if v is None else v for k, v in h.items()} if isinstance(h, dict) else h
                       for h in meta.get("history", [])]
    saved = meta.get("fingerprint", {})
    if not isinstance(saved, dict):
        raise CheckpointError(f"{meta_path}: field 'fingerprint' must be an object, got {type(saved).__name__}")
    diff = sorted(k for k in set(saved) | set(fingerprint) if saved.get(k) != fingerprint.get(k))
    if diff:
        detail = ", ".join(f"{k}: {saved.get(k)!r} -> {fingerprint.get(k)!r}" for k in diff[:4])
        raise CheckpointError(f"{meta_path}: checkpoint belongs to another run ({detail[:300]}); "
                              f"use another checkpoint directory or delete this one")
    _check_progress(meta_path, meta, fingerprint.get("epochs"))
    params = optimizer.param_groups[0]["params"]
    expected = {f"model.{k}": (tuple(v.shape), v.dtype) for k, v in model.state_dict().items()}
    momentum = {f"momentum.{i}": (tuple(p.shape), p.dtype) for i, p in enumerate(params)}
    tensorfile.check_header(tensor_path, expected, optional=momentum)      # before anything is loaded
    try:
        tensors = load_file(str(tensor_path))
    except Exception as exc:  # noqa: BLE001 - any failure here means an unusable file
        raise CheckpointError(f"{tensor_path}: cannot read the tensors ({type(exc).__name__}: {str(exc)[:200]})") from None
    tensorfile.check_finite(tensor_path, tensors)
    model.load_state_dict({k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")})
    device = next(model.parameters()).device
    for i, p in enumerate(params):
        buf = tensors.get(f"momentum.{i}")
        if buf is not None:
            optimizer.state[p]["momentum_buffer"] = buf.to(device)
    return meta


def _check_progress(meta_path: Path, meta: dict, epochs) -> None:
    """``epoch`` is an int in 0..epochs and ``history`` holds one log of numbers per completed epoch."""
    def bad(field, why, value):
        raise CheckpointError(f"{meta_path}: field {field!r} {why}, got {str(value)[:60]!r}")

    for key in ("epoch", "history"):
        if key not in meta:
            raise CheckpointError(f"{meta_path}: field {key!r} missing")
    epoch, history = meta["epoch"], meta["history"]
    high = epochs if isinstance(epochs, int) else float("inf")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 0 <= epoch <= high:
        bad("epoch", f"must be an int in 0..{epochs}", epoch)
    if not isinstance(history, list) or len(history) != epoch:
        bad("history", f"must be a list of {epoch} per-epoch logs",
            history if not isinstance(history, list) else f"{len(history)} logs")
    for i, log in enumerate(history):
        if not isinstance(log, dict) or log.get("epoch") != i:
            bad(f"history[{i}]", f"must be the log of epoch {i}", log)
        for key in HISTORY_KEYS:
            v = log.get(key)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                bad(f"history[{i}].{key}", "must be a number", v)

"""Per-epoch checkpoints: tensors in safetensors, everything else in JSON (never pickled).

``checkpoint.safetensors`` holds ``model.<name>`` (state dict) and ``momentum.<i>`` (SGD buffers by
parameter index); ``checkpoint.json`` holds the run fingerprint, completed epochs and the history.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import torch
from safetensors.torch import load_file, save_file

from naoviz.errors import CheckpointError
from naoviz.jsonio import dumps_strict
from naoviz.paths import atomic_write_text

TENSORS, META = "checkpoint.safetensors", "checkpoint.json"


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
        raise CheckpointError(f"{meta_path}: corrupt checkpoint metadata ({exc})") from None
    # a diverged epoch's NaN metrics are stored as null (strict JSON): give them back as NaN
    meta["history"] = [{k: float("nan") if v is None else v for k, v in h.items()} if isinstance(h, dict) else h
                       for h in meta.get("history", [])]
    saved = meta.get("fingerprint", {})
    diff = sorted(k for k in set(saved) | set(fingerprint) if saved.get(k) != fingerprint.get(k))
    if diff:
        detail = ", ".join(f"{k}: {saved.get(k)!r} -> {fingerprint.get(k)!r}" for k in diff[:4])
        raise CheckpointError(f"{meta_path}: checkpoint belongs to another run ({detail}); "
                              f"use another checkpoint directory or delete this one")
    try:
        tensors = load_file(str(tensor_path))
        state = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
        model.load_state_dict(state)
    except Exception as exc:  # noqa: BLE001 - any failure here means an unusable file
        raise CheckpointError(f"{tensor_path}: cannot restore the model ({type(exc).__name__}: {exc})") from None
    device = next(model.parameters()).device
    for i, p in enumerate(optimizer.param_groups[0]["params"]):
        buf = tensors.get(f"momentum.{i}")
        if buf is not None:
            optimizer.state[p]["momentum_buffer"] = buf.to(device)
    return meta

"""What a safetensors file holds, read from its header alone (no tensor is loaded, nothing is unpickled),
so a checkpoint's names, shapes and dtypes are checked before any model is built or any tensor allocated."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import torch

from naoviz.errors import CheckpointError

DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
          "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
          "BOOL": torch.bool}
Spec = tuple[tuple[int, ...], torch.dtype]


def read_header(path) -> dict[str, tuple[tuple[int, ...], object]]:
    """``{name: (shape, dtype)}`` of the safetensors file at ``path`` (dtype a torch dtype, or the header's
    string for one torch lacks); ``CheckpointError`` naming the file if it is missing or not safetensors.
    The safetensors library caps the header at 100 MB and checks every offset against the file's size."""
    from safetensors import SafetensorError, safe_open
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: weights file not found")
    try:
        with safe_open(str(path), framework="pt") as f:
            header = {}
            for k in f.keys():
                sl = f.get_slice(k)
                header[k] = (tuple(int(n) for n in sl.get_shape()), DTYPES.get(sl.get_dtype(), sl.get_dtype()))
    except (SafetensorError, ValueError, RuntimeError, OSError) as exc:
        raise CheckpointError(f"{path}: corrupt safetensors file ({str(exc)[:200]})") from exc
    return header


def check_header(path, expected: dict[str, Spec], optional: Optional[dict[str, Spec]] = None,
                 header: Optional[dict] = None) -> dict:
    """The file at ``path`` holds every tensor of ``expected`` and nothing outside ``expected`` and
    ``optional``, each with its shape and dtype; else ``CheckpointError`` naming the file and the tensor.
    Returns the header."""
    path = Path(path)
    header = read_header(path) if header is None else header
    allowed = {**(optional or {}), **expected}
    missing = sorted(set(expected) - set(header))
    extra = sorted(set(header) - set(allowed))
    if missing or extra:
        raise CheckpointError(f"{path}: tensors do not match the model: missing {missing[:5]}, "
                              f"unexpected {[e[:60] for e in extra[:5]]}")
    for k, (shape, dtype) in header.items():
        want_shape, want_dtype = allowed[k]
        if shape != tuple(want_shape) or dtype != want_dtype:
            raise CheckpointError(f"{path}: tensor {k!r} has shape {shape} {dtype}, "
                                  f"the model needs {tuple(want_shape)} {want_dtype}")
    return header


def check_finite(path, tensors: dict[str, torch.Tensor]) -> None:
    """``CheckpointError`` naming the first floating-point tensor holding NaN or inf."""
    for k, v in tensors.items():
        if v.is_floating_point() and not torch.isfinite(v).all():
            raise CheckpointError(f"{path}: tensor {k!r} holds NaN or inf values")

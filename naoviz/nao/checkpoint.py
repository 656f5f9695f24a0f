"""Checkpoints: ``nao.safetensors`` (weights) + ``nao.json`` (config, space, target scaler). Never unpickles.

Every failure to load (missing file, bad JSON, wrong format, another space, sizes above the load limits,
a NaN/inf scaler, missing or mis-shaped tensors) raises :class:`naoviz.errors.CheckpointError` naming the
file and the mismatch. The tensors' shapes are compared with the safetensors header (read without loading
a tensor) before the model is built, so sizes in a tampered ``nao.json`` never allocate memory.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from naoviz import tensorfile
from naoviz.errors import CheckpointError
from naoviz.jsonio import dumps_strict
from naoviz.paths import atomic_write_bytes, atomic_write_text

WEIGHTS, META = "nao.safetensors", "nao.json"
FORMAT, VERSION = "naoviz-nao", 1
SPACE_OPTIONS = ("tokenization",)   # constructor options a space exposes as attributes


def space_spec(space) -> dict:
    """What rebuilds (and checks) the space: name, options and token geometry."""
    return {"name": space.name, "options": {k: getattr(space, k) for k in SPACE_OPTIONS if hasattr(space, k)},
            "seq_len": space.seq_len, "vocab_size": space.vocab_size, "tokens_per_step": space.tokens_per_step}


def write(directory, state_dict: dict, meta: dict) -> Path:
    from safetensors.torch import save
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous() for k, v in state_dict.items()}
    atomic_write_bytes(directory / WEIGHTS, save(tensors))
    atomic_write_text(directory / META, dumps_strict({"format": FORMAT, "version": VERSION, **meta}, indent=1))
    return directory


def read_meta(directory) -> dict:
    path = Path(directory) / META
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint metadata not found (expected {META} and {WEIGHTS} in {directory})")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a naoviz NAO checkpoint (format {meta.get('format') if isinstance(meta, dict) else None!r}, expected {FORMAT!r})")
    if meta.get("version") != VERSION:
        raise CheckpointError(f"{path}: checkpoint version {meta.get('version')!r}, this naoviz reads {VERSION}")
    for key in ("config", "space", "scaler"):
        if key not in meta:
            raise CheckpointError(f"{path}: field {key!r} missing")
        if not isinstance(meta[key], dict):
            raise CheckpointError(f"{path}: field {key!r} must be an object, got {type(meta[key]).__name__}")
    options = meta["space"].get("options", {})
    if not isinstance(meta["space"].get("name"), str) or not isinstance(options, dict):
        raise CheckpointError(f"{path}: field 'space' needs a string 'name' and an object 'options', "
                              f"got {json.dumps(meta['space'])[:80]}")
    rounds = meta.get("rounds", 1)
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 0:
        raise CheckpointError(f"{path}: field 'rounds' must be an int >= 0, got {str(rounds)[:40]!r}")
    return meta


def check_space(directory, meta: dict, space) -> None:
    """The checkpoint's token geometry must match ``space`` exactly."""
    saved, have = meta["space"], space_spec(space)
    for key in ("name", "seq_len", "vocab_size", "tokens_per_step", "options"):
        if saved.get(key) != have[key]:
            raise CheckpointError(f"{Path(directory) / META}: space {key} is {saved.get(key)!r} in the checkpoint "
                                  f"but {have[key]!r} in the space it is loaded into")


class _SkipInit(torch.overrides.TorchFunctionMode):
    """``torch.nn.init``'s functions do nothing: on the meta device no value exists to set, and a meta
    ``normal_`` (an embedding's init) imports ``torch._dynamo`` on its first use (about 2 s a process)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if getattr(func, "__module__", None) == "torch.nn.init":
            return args[0] if args else kwargs["tensor"]
        return func(*args, **kwargs)


def expected_tensors(build) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
    """Names, shapes and dtypes of the state dict of the module ``build()`` makes, built on the meta
    device: no memory is allocated, whatever sizes the config asks for. Its weights are left uninitialised
    (:class:`_SkipInit`): only their shapes are read, and loading a cached model took ~2 s longer."""
    with torch.device("meta"), _SkipInit():
        module = build()
    return {k: (tuple(v.shape), v.dtype) for k, v in module.state_dict().items()}


def check_header(path, expected: dict[str, tuple[tuple[int, ...], torch.dtype]]) -> None:
    """The safetensors file at ``path`` holds exactly ``expected`` (names, shapes, dtypes): checked from its
    header alone, before any tensor is read or any model is built."""
    tensorfile.check_header(path, expected)


def read_weights(directory, module: torch.nn.Module) -> None:
    """Load ``nao.safetensors`` into ``module``; every key and shape must match."""
    from safetensors import SafetensorError
    from safetensors.torch import load
    path = Path(directory) / WEIGHTS
    if not path.is_file():
        raise CheckpointError(f"{path}: weights file not found")
    try:
        tensors = load(path.read_bytes())
    except (SafetensorError, ValueError, RuntimeError, OSError) as exc:
        raise CheckpointError(f"{path}: corrupt safetensors file ({str(exc)[:200]})") from exc
    expected = module.state_dict()
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise CheckpointError(f"{path}: tensors do not match the model: missing {missing[:5]}, unexpected {extra[:5]}")
    for k, v in expected.items():
        if tuple(tensors[k].shape) != tuple(v.shape) or tensors[k].dtype != v.dtype:
            raise CheckpointError(f"{path}: tensor {k!r} has shape {tuple(tensors[k].shape)} {tensors[k].dtype}, "
                                  f"the model needs {tuple(v.shape)} {v.dtype}")
        if not torch.isfinite(tensors[k]).all():
            raise CheckpointError(f"{path}: tensor {k!r} holds NaN or inf values")
    module.load_state_dict(tensors)

"""Checkpoints of a running atlas build, so that a stopped build resumes instead of starting over.

``build_atlas`` (naoviz/atlas_build.py) saves each expensive stage's result into a *partial folder* as soon
as it is finished: the table's embeddings and predictions (``embed``: emb (N, H) float32, predicted (N,)
float64), each fitted map's state (``map-<name>``: embedding (R, 2) float64, for PCA also mean (H,) and
components (2, H) float32), the gradient paths in chunks of seeds (``paths-<first>``: tokens (m, E, L) int64,
predicted (m, E) float64, moved (m, E, H) float32) and the moved points placed on each map in chunks
(``place-<map>-<first>``: xy (c, 2) float64). Files are safetensors (nothing is unpickled), each written
atomically (``naoviz.paths.atomic_write_bytes``): a file is there whole or not at all.

``manifest.json`` holds the build's key, a digest of everything those arrays depend on: the model's weights,
config and target scaler, the table's cells, the seeds, etas, maps, random state, UMAP settings and the batch
and chunk sizes. A folder holding another key (another model, other options) is cleared, never used; a file
that is unreadable or holds other names, shapes or dtypes is ignored with a warning and its stage rebuilt.
The atlas cache (naoviz/atlas_cache.py) keeps the folder beside the atlas, ``<atlas name>.partial``, under
the atlas's lock, and removes it once the atlas is saved.
"""
from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path
from typing import Optional

import numpy as np

from naoviz.paths import atomic_write_bytes, atomic_write_text

MANIFEST = "manifest.json"
VERSION = 1            # bump when a checkpoint file's layout changes: older partial folders are not used
Expected = dict        # {array name: (shape tuple (None: any size), numpy dtype)}


def build_key(model, labels: list, seed_rows: np.ndarray, options: dict) -> str:
    """sha256 (hex) of the model (weights, config, target scaler), the table's cells (``labels``, one
    string per row), the seed rows and ``options`` (JSON-able: etas, maps, random state, chunk sizes...)."""
    import torch
    h = hashlib.sha256()
    h.update(json.dumps({"version": VERSION, "model": model._checkpoint_meta(), "options": options},
                        sort_keys=True, default=str).encode())
    for name, tensor in sorted(model.net_.state_dict().items()):
        t = tensor.detach().cpu().contiguous()
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode() + str(t.dtype).encode())
        h.update(t.view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    h.update("\n".join(labels).encode())
    h.update(np.asarray(seed_rows, dtype=np.int64).tobytes())
    return h.hexdigest()


class BuildCheckpoint:
    """The partial folder of one build (``folder``), for the build whose key is ``key`` (``build_key``).

    Opening it checks ``manifest.json``: a folder of another build (or an unreadable manifest) is cleared
    with a warning, so nothing of it is used; then the manifest is (re)written. ``found`` names the stage
    files present, ``load``/``save`` read and write one.
    """

    def __init__(self, folder, key: str):
        self.folder, self.key = Path(folder), key
        manifest = self.folder / MANIFEST
        if self.folder.is_dir() and any(self.folder.iterdir()):
            try:
                held = json.loads(manifest.read_text(encoding="utf-8")).get("key")
            except (OSError, ValueError, AttributeError):
                held = None
            if held != key:
                warnings.warn(f"{self.folder}: a stopped atlas build of another model or other options "
                              f"(or an unreadable manifest); not used, starting over", stacklevel=3)
                self._clear()
        if not manifest.is_file():
            atomic_write_text(manifest, json.dumps({"key": key, "version": VERSION}))

    def _files(self) -> list:
        return sorted(self.folder.glob("*.safetensors")) if self.folder.is_dir() else []

    def _clear(self) -> None:
        _delete_checkpoints(self.folder)

    def found(self) -> set:
        """Names (file stems) of the checkpoint files present, read or not."""
        return {p.stem for p in self._files()}

    def load(self, name: str, expected: Expected) -> Optional[dict]:
        """The arrays of checkpoint ``name`` if its file is there, readable and holds exactly ``expected``'s
        names with those shapes and dtypes; else None (with a warning when a file was there)."""
        path = self.folder / f"{name}.safetensors"
        if not path.is_file():
            return None
        from safetensors import SafetensorError
        from safetensors.numpy import load_file
        try:
            arrays = load_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            return self._refuse(path, f"unreadable ({str(exc)[:120]})")
        if set(arrays) != set(expected):
            return self._refuse(path, f"holds {sorted(arrays)}, expected {sorted(expected)}")
        for key, (shape, dtype) in expected.items():
            got = arrays[key].shape
            if len(got) != len(shape) or any(w is not None and g != w for g, w in zip(got, shape)) \
                    or arrays[key].dtype != np.dtype(dtype):
                return self._refuse(path, f"{key} is {arrays[key].shape} {arrays[key].dtype}, "
                                          f"expected {tuple(shape)} {np.dtype(dtype)}")
        return arrays

    def _refuse(self, path: Path, why: str) -> None:
        warnings.warn(f"{path}: corrupt checkpoint of a stopped atlas build, {why}; rebuilding that part",
                      stacklevel=4)
        path.unlink(missing_ok=True)
        return None

    def save(self, name: str, arrays: dict) -> None:
        """Write checkpoint ``name`` (arrays as given, C-contiguous) atomically."""
        from safetensors.numpy import save
        atomic_write_bytes(self.folder / f"{name}.safetensors",
                           save({k: np.ascontiguousarray(v) for k, v in arrays.items()}))


def _delete_checkpoints(folder: Path) -> None:
    """Delete the checkpoint files, the manifest and any atomic write a kill cut short in ``folder``."""
    for path in [*folder.glob("*.safetensors"), folder / MANIFEST, *folder.glob(".*.tmp")]:
        path.unlink(missing_ok=True)


def remove_partial(folder) -> None:
    """Delete a build's partial folder (its checkpoint files and manifest; other files are left)."""
    folder = Path(folder)
    if not folder.is_dir():
        return
    _delete_checkpoints(folder)
    try:
        folder.rmdir()
    except OSError:
        pass                                          # something else lives there: leave it

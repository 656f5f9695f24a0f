"""CIFAR-10/100 reader for the standard python-pickle archives, through a restricted unpickler.

Accepted layouts in the data directory: the extracted folder (``cifar-10-batches-py/data_batch_1..5,
test_batch``; ``cifar-100-python/train, test``) or the downloaded ``.tar.gz`` (read in place).
The unpickler admits only dicts, lists, str/bytes, ints and numpy arrays: a crafted file cannot run code.
"""
from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

from naoviz.errors import DataMissingError, NaovizError

LAYOUTS = {
    "cifar10": ("cifar-10-batches-py", "cifar-10-python.tar.gz",
                [f"data_batch_{i}" for i in range(1, 6)], ["test_batch"], b"labels"),
    "cifar100": ("cifar-100-python", "cifar-100-python.tar.gz", ["train"], ["test"], b"fine_labels"),
}

# A batch file's bytes at most: CIFAR-100's train batch, the largest, is 155 MB. A crafted archive (a gzip of
# gigabytes of zeros is megabytes) stops here before it is read into memory.
MAX_BATCH_BYTES = 256 << 20

# (module, name) pairs numpy needs to rebuild an array; nothing else may be loaded.
_ALLOWED = {
    (mod, name)
    for mod in ("numpy.core.multiarray", "numpy._core.multiarray", "numpy.core.numeric", "numpy._core.numeric")
    for name in ("_reconstruct", "_frombuffer")
} | {("numpy", "ndarray"), ("numpy", "dtype"),
     ("_codecs", "encode")}      # protocol-2 pickles written by Python 3 wrap array bytes in encode(str, latin1)


class _SafeUnpickler(pickle.Unpickler):
    """Refuses every global except the numpy array constructors."""

    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} (only plain data and numpy arrays)")


def safe_load(payload: bytes, source: str):
    """Unpickle CIFAR ``payload`` (bytes keys, as written by Python 2) or fail naming ``source``."""
    try:
        return _SafeUnpickler(io.BytesIO(payload), encoding="bytes").load()
    except Exception as exc:  # noqa: BLE001 - any decoding problem is a corrupt file
        raise NaovizError(f"{source}: not a readable CIFAR batch ({type(exc).__name__}: {exc})") from None


def _batch(obj, source: str, label_key: bytes) -> tuple[np.ndarray, np.ndarray]:
    """``(images uint8 (n, 3, 32, 32), labels int64 (n,))`` from one unpickled batch dict."""
    if not isinstance(obj, dict) or b"data" not in obj or label_key not in obj:
        keys = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        raise NaovizError(f"{source}: expected a dict with b'data' and {label_key!r}, got {keys}")
    data = obj[b"data"]
    labels = np.asarray(obj[label_key], dtype=np.int64)
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        shape = getattr(data, "shape", None)
        raise NaovizError(f"{source}: b'data' must be a uint8 array (n, 3072), got "
                          f"{type(data).__name__} {getattr(data, 'dtype', '')} {shape}")
    if len(labels) != len(data):
        raise NaovizError(f"{source}: {len(data)} images but {len(labels)} labels")
    return data.reshape(-1, 3, 32, 32), labels


def read_cifar(name: str, directory: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{"train": (x, y), "test": (x, y)}`` for ``cifar10`` or ``cifar100`` from ``directory``."""
    if name not in LAYOUTS:
        raise ValueError(f"data: unknown CIFAR set {name!r}; expected one of {', '.join(LAYOUTS)}")
    folder_name, archive_name, train_files, test_files, label_key = LAYOUTS[name]
    directory = Path(directory)
    folder, archive = directory / folder_name, directory / archive_name
    out = {}
    if folder.is_dir():
        for split, files in (("train", train_files), ("test", test_files)):
            parts = []
            for f in files:
                path = folder / f
                if not path.is_file():
                    raise DataMissingError(f"{path}: missing CIFAR file (expected {', '.join(train_files + test_files)} "
                                           f"in {folder})")
                _check_size(path.stat().st_size, str(path))
                parts.append(_batch(safe_load(path.read_bytes(), str(path)), str(path), label_key))
            out[split] = _concat(parts)
        return out
    if archive.is_file():
        return read_archive(name, archive)
    # one short line: where it looked and the one command that fixes it (docs/child.md has the rest)
    raise DataMissingError(f"{name}: no {folder.name} or {archive.name} in {directory}: run "
                           f"`naoviz data download {name}` (or point NAOVIZ_DATA / --data-dir at them)")


def read_archive(name: str, archive: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{"train": (x, y), "test": (x, y)}`` read in place from the downloaded ``.tar.gz`` at ``archive``."""
    folder_name, _, train_files, test_files, label_key = LAYOUTS[name]
    out = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
            for split, files in (("train", train_files), ("test", test_files)):
                parts = []
                for f in files:
                    if f not in members:
                        raise NaovizError(f"{archive}: member {folder_name}/{f} missing from the archive")
                    _check_size(members[f].size, f"{archive}:{members[f].name}")
                    payload = tar.extractfile(members[f]).read()
                    source = f"{archive}:{members[f].name}"
                    parts.append(_batch(safe_load(payload, source), source, label_key))
                out[split] = _concat(parts)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise NaovizError(f"{archive}: corrupt archive ({exc})") from None
    return out


def _check_size(size: int, source: str) -> None:
    """Refuse (NaovizError naming ``source``) a batch of ``size`` bytes over :data:`MAX_BATCH_BYTES`, before it
    is read: a hand-placed file was never checked against an MD5."""
    if size > MAX_BATCH_BYTES:
        raise NaovizError(f"{source}: {size / 1e6:,.0f} MB, more than any CIFAR batch "
                          f"({MAX_BATCH_BYTES >> 20} MiB at most); not read")


def _concat(parts):
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

"""How the run store writes values: strict JSON for configs and metrics, UTC times, file and folder hashes."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Union


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def json_default(value: Any) -> Any:
    """numpy scalars/arrays and paths in configs and metrics."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any, field: str) -> str:
    """Strict JSON (NaN and infinities as null), so SQLite's json functions and jq can read every row."""
    from naoviz.jsonio import dumps_strict
    try:
        return dumps_strict(value, default=json_default)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"run store: {field} must be JSON serialisable: {exc}") from None


def sha256_of(path: Union[str, Path]) -> str:
    """SHA-256 of a file, or of a folder (each file's relative path and bytes, in sorted order)."""
    path = Path(path)
    digest = hashlib.sha256()
    if path.is_dir():
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(item.relative_to(path).as_posix().encode() + b"\0")
            digest.update(sha256_of(item).encode())
        return digest.hexdigest()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()

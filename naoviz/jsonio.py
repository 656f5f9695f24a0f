"""Strict JSON for everything naoviz writes: NaN and +-inf become ``null`` (jq and browsers reject them).

Python's ``json`` writes ``NaN``/``Infinity`` by default, which is not JSON. :func:`to_strict` converts a
payload recursively (non-finite floats -> None, numpy scalars and arrays -> Python numbers and lists,
tuples -> lists) and :func:`dumps_strict` serialises it with ``allow_nan=False``, so a non-finite value
that slips through raises instead of writing invalid JSON.
"""
from __future__ import annotations

import json
import math
from typing import Any, Callable, Optional


def to_strict(obj: Any) -> Any:
    """``obj`` with every non-finite float replaced by None and numpy values turned into Python ones."""
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):                  # np.float64 too (a float subclass)
        return float(obj) if math.isfinite(obj) else None
    if hasattr(obj, "tolist") and not isinstance(obj, (bytes, bytearray)):
        return to_strict(obj.tolist())          # numpy scalars (-> Python scalar) and arrays (-> lists)
    if isinstance(obj, dict):
        return {_key(k): to_strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_strict(v) for v in obj]
    return obj                                  # left to ``default`` (or a TypeError)


def _key(key: Any) -> Any:
    return key.item() if hasattr(key, "item") and not isinstance(key, (str, int, float, bool)) else key


def dumps_strict(obj: Any, *, default: Optional[Callable[[Any], Any]] = None, **kw) -> str:
    """``json.dumps`` of :func:`to_strict(obj) <to_strict>` with ``allow_nan=False``; ``default`` as in json."""
    wrapped = None if default is None else (lambda value: to_strict(default(value)))
    return json.dumps(to_strict(obj), allow_nan=False, default=wrapped, **kw)


def dump_strict(obj: Any, fh, **kw) -> None:
    """:func:`dumps_strict` written to the text file ``fh``."""
    fh.write(dumps_strict(obj, **kw))

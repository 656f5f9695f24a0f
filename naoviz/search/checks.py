"""Field checks of the searcher configs (``RandomSearchConfig`` ... ``NAOSearchConfig``).

Ints are ints (Python or numpy, never bool, never 2.5), floats are finite, every field has a sane range;
a bad field raises ``ValueError("<field> must be ..., got <value>")`` before a search starts.
"""
from __future__ import annotations

import math
from numbers import Real

import numpy as np

from naoviz.errors import show


def check_int(cfg, name: str, lo: int, hi: int) -> int:
    """``cfg.<name>`` as a Python int in ``lo..hi`` (numpy ints are converted in place)."""
    v = getattr(cfg, name)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
        raise ValueError(f"{name} must be an int in {lo}..{hi}, got {show(v)}")
    setattr(cfg, name, int(v))
    return int(v)


def check_float(cfg, name: str, lo: float, hi: float, lo_open: bool = False) -> float:
    """``cfg.<name>`` as a finite float in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``)."""
    v = getattr(cfg, name)
    ok = not isinstance(v, (bool, np.bool_)) and isinstance(v, Real) and math.isfinite(v) \
        and (v > lo if lo_open else v >= lo) and v <= hi
    if not ok:
        raise ValueError(f"{name} must be a finite number in {'(' if lo_open else '['}{lo:g}, {hi:g}], "
                         f"got {show(v)}")
    setattr(cfg, name, float(v))
    return float(v)


def check_bool(cfg, name: str) -> bool:
    """``cfg.<name>`` as a Python bool (numpy bools are converted in place; 1, "yes" are not bools)."""
    v = getattr(cfg, name)
    if not isinstance(v, (bool, np.bool_)):
        raise ValueError(f"{name} must be true or false, got {show(v)}")
    setattr(cfg, name, bool(v))
    return bool(v)

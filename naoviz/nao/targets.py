"""Target normalisation: metric values <-> predictor targets in [0, 1] where higher is always better.

``minmax`` (paper): (v - min) / (max - min), flipped when lower is better; max == min maps to 0.5.
``rank``: the mid-rank quantile of v in the training pool; inverted by piecewise-linear interpolation
through the sorted pool, so predictions come back in metric units.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass
class TargetScaler:
    kind: str = "minmax"
    maximize: bool = True
    lo: float = 0.0
    hi: float = 1.0
    sorted_values: list = field(default_factory=list)   # rank only: the training pool, ascending

    @classmethod
    def fit(cls, values: np.ndarray, kind: str, maximize: bool) -> "TargetScaler":
        v = np.asarray(values, dtype=float)
        return cls(kind=kind, maximize=bool(maximize), lo=float(v.min()), hi=float(v.max()),
                   sorted_values=np.sort(v).tolist() if kind == "rank" else [])

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Metric values (n,) -> targets (n,) in [0, 1], higher = better (for the training pool)."""
        v = np.asarray(values, dtype=float)
        if self.kind == "rank":
            q = (average_ranks(v) - 0.5) / len(v)
        else:
            span = self.hi - self.lo
            q = np.full_like(v, 0.5) if span <= 0 else (v - self.lo) / span
        return q if self.maximize else 1.0 - q

    def inverse(self, scores: np.ndarray) -> np.ndarray:
        """Predictor scores (n,) in [0, 1] -> metric units."""
        q = np.asarray(scores, dtype=float)
        q = q if self.maximize else 1.0 - q
        if self.kind == "rank":
            sv = np.asarray(self.sorted_values, dtype=float)
            grid = (np.arange(len(sv)) + 0.5) / len(sv)
            return np.interp(q, grid, sv)
        span = self.hi - self.lo
        return self.lo + q * span if span > 0 else np.full_like(q, self.lo)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "maximize": self.maximize, "lo": self.lo, "hi": self.hi,
                "sorted_values": list(self.sorted_values)}

    @classmethod
    def from_dict(cls, d: dict) -> "TargetScaler":
        """From ``to_dict``'s output (a checkpoint's JSON); ``ValueError`` naming the first bad field."""
        if not isinstance(d, dict):
            raise ValueError(f"expected an object, got {type(d).__name__}")
        for key in ("kind", "maximize", "lo", "hi"):
            if key not in d:
                raise ValueError(f"field {key!r} missing")
        if d["kind"] not in KINDS:
            raise ValueError(f"kind: expected one of {KINDS}, got {str(d['kind'])[:40]!r}")
        if not isinstance(d["maximize"], bool):
            raise ValueError(f"maximize: expected true or false, got {str(d['maximize'])[:40]!r}")
        lo, hi = (_finite(key, d[key]) for key in ("lo", "hi"))
        if lo > hi:
            raise ValueError(f"lo: {lo!r} is above hi {hi!r}")
        values = d.get("sorted_values", [])
        if not isinstance(values, list):
            raise ValueError(f"sorted_values: expected a list, got {type(values).__name__}")
        values = [_finite(f"sorted_values[{i}]", x) for i, x in enumerate(values)]
        if d["kind"] == "rank" and not values:
            raise ValueError("sorted_values: a rank scaler needs the training pool, got an empty list")
        if any(b < a for a, b in zip(values, values[1:])):
            raise ValueError("sorted_values: not in ascending order")
        return cls(kind=d["kind"], maximize=d["maximize"], lo=lo, hi=hi, sorted_values=values)


KINDS = ("minmax", "rank")


def average_ranks(v: np.ndarray) -> np.ndarray:
    """1-based ranks (n,), ties sharing their mean rank: ``scipy.stats.rankdata(v, "average")``, value for
    value, without importing scipy.stats (about 1 s of CPU at every process start of a search)."""
    _, inverse, counts = np.unique(np.asarray(v, dtype=float), return_inverse=True, return_counts=True)
    last = np.cumsum(counts)                      # rank of each distinct value's last occurrence
    return (last - (counts - 1) / 2.0)[inverse.reshape(-1)]


def _finite(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {str(value)[:40]!r}")
    return float(value)

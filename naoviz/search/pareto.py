"""Pareto fronts and hypervolume for searches with several objectives (accuracy against latency, size, ...).

Points are ``(n, d)`` arrays in metric units with one direction per objective (``maximize[j]``); internally
everything is turned into minimisation. Hypervolume is the volume dominated by the points and bounded by a
fixed reference point (worse than every point that counts): exact by a sweep in 2-D, by recursive slicing
(HSO) for small d. Points not strictly better than the reference in every objective add nothing.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from naoviz.errors import show


def _as_min(points, maximize: Sequence[bool], what: str = "points") -> np.ndarray:
    try:
        p = np.asarray(points, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"pareto: {what} must be numbers, (n, d), got {show(points)}") from None
    if p.size == 0:
        p = p.reshape(0, len(maximize))
    if p.ndim != 2:
        raise ValueError(f"pareto: {what} must be (n, d), got shape {p.shape}")
    if len(maximize) != p.shape[1]:
        raise ValueError(f"pareto: {what} {show(p.tolist())} has {p.shape[1]} objective(s) but maximize has "
                         f"{len(maximize)} direction(s): {show(list(maximize))}")
    sign = np.where(np.asarray(maximize, dtype=bool), -1.0, 1.0)
    return p * sign


def dominates(a, b, maximize: Sequence[bool]) -> bool:
    """``a`` is no worse than ``b`` in every objective and better in one."""
    x, y = _as_min(np.vstack([a, b]), maximize)
    return bool(np.all(x <= y) and np.any(x < y))


def nondominated_ranks(points, maximize: Sequence[bool]) -> np.ndarray:
    """Front number of every point, ``(n,)`` int: 0 = non-dominated, 1 = non-dominated once front 0 is
    removed, ... (NSGA-II's fast non-dominated sort). Rows with a NaN get the last rank."""
    p = _as_min(points, maximize)
    n = len(p)
    ranks = np.full(n, -1, dtype=int)
    ok = np.isfinite(p).all(axis=1)
    idx = np.flatnonzero(ok)
    q = p[idx]
    # dom[i, j]: i dominates j
    le = (q[:, None, :] <= q[None, :, :]).all(-1)
    lt = (q[:, None, :] < q[None, :, :]).any(-1)
    dom = le & lt
    count = dom.sum(axis=0)                     # how many dominate j
    front = np.flatnonzero(count == 0)
    r = 0
    left = np.ones(len(q), dtype=bool)
    while len(front):
        ranks[idx[front]] = r
        left[front] = False
        count = count - dom[front].sum(axis=0)
        front = np.flatnonzero((count == 0) & left)
        r += 1
    ranks[ranks < 0] = r
    return ranks


def pareto_front(points, maximize: Sequence[bool]) -> np.ndarray:
    """Indices of the non-dominated points (finite rows only), sorted by the first objective, best first."""
    p = np.asarray(points, dtype=float)
    if len(p) == 0:
        return np.zeros(0, dtype=int)
    ranks = nondominated_ranks(p, maximize)
    front = np.flatnonzero((ranks == 0) & np.isfinite(p).all(axis=1))
    key = _as_min(p[front], maximize)[:, 0]
    return front[np.argsort(key, kind="stable")]


def crowding(points, maximize: Sequence[bool]) -> np.ndarray:
    """NSGA-II crowding distance within one set of points ``(n,)``; extremes get inf."""
    p = _as_min(points, maximize)
    n, d = p.shape
    out = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for j in range(d):
        order = np.argsort(p[:, j], kind="stable")
        span = p[order[-1], j] - p[order[0], j]
        out[order[0]] = out[order[-1]] = np.inf
        if span > 0:
            out[order[1:-1]] += (p[order[2:], j] - p[order[:-2], j]) / span
    return out


def hypervolume(points, reference, maximize: Sequence[bool]) -> float:
    """Volume dominated by ``points`` ``(n, d)`` up to ``reference`` ``(d,)`` (metric units), exact.

    2-D: one sweep, O(n log n). d > 2: slicing on the last objective (exponential in d; fine for d <= 4
    and a few hundred points)."""
    p = _as_min(points, maximize)
    ref = np.asarray(reference, dtype=float).reshape(-1)
    if len(ref) != len(maximize):
        raise ValueError(f"hypervolume: reference {show(np.asarray(reference).tolist())} has {len(ref)} objective(s) but maximize "
                         f"has {len(maximize)} direction(s): {show(list(maximize))}")
    ref = _as_min(ref.reshape(1, -1), maximize, "reference")[0]
    if not np.isfinite(ref).all():
        raise ValueError(f"hypervolume: the reference point must be finite, got {np.asarray(reference).tolist()}")
    if len(p) == 0:
        return 0.0
    p = p[np.isfinite(p).all(axis=1) & (p < ref).all(axis=1)]
    return float(_hv_min(p, ref))


def _hv_min(p: np.ndarray, ref: np.ndarray) -> float:
    if len(p) == 0:
        return 0.0
    d = p.shape[1]
    if d == 1:
        return float(ref[0] - p[:, 0].min())
    if d == 2:
        order = np.argsort(p[:, 0], kind="stable")
        vol, best_y = 0.0, ref[1]
        for x, y in p[order]:
            if y < best_y:
                vol += (ref[0] - x) * (best_y - y)
                best_y = y
        return vol
    # slice along the last objective: between consecutive levels the (d-1)-D front is fixed
    order = np.argsort(p[:, -1], kind="stable")
    q = p[order]
    vol = 0.0
    for i in range(len(q)):
        top = q[i + 1, -1] if i + 1 < len(q) else ref[-1]
        height = top - q[i, -1]
        if height > 0:
            vol += height * _hv_min(q[:i + 1, :-1], ref[:-1])
    return vol


def front_of_records(records, objectives: Sequence[str], maximize: Sequence[bool],
                     feasible_only: bool = True) -> list:
    """The records on the Pareto front of ``objectives`` (read from ``record.metrics``), best first by the
    first objective; infeasible records are left out unless ``feasible_only=False``. For the front plot."""
    recs = [r for r in records if (r.feasible or not feasible_only)]
    if not recs:
        return []
    pts = np.asarray([[objective_value(r, o) for o in objectives] for r in recs], dtype=float)
    return [recs[i] for i in pareto_front(pts, maximize)]


def objective_value(record, name: str) -> float:
    """A record's value of column ``name`` (from ``record.metrics``; NaN when it was not recorded)."""
    return float((getattr(record, "metrics", None) or {}).get(name, float("nan")))


def hypervolume_curve(points, feasible, reference, maximize: Sequence[bool],
                      checkpoints: Optional[Sequence[int]] = None) -> np.ndarray:
    """Hypervolume of the feasible points among the first q, for q = 1..n (or at ``checkpoints``)."""
    p = np.asarray(points, dtype=float)
    ok = np.asarray(feasible, dtype=bool)
    qs = range(1, len(p) + 1) if checkpoints is None else checkpoints
    return np.asarray([hypervolume(p[:q][ok[:q]], reference, maximize) for q in qs], dtype=float)

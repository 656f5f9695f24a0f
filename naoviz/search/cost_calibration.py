"""A safety margin on predicted costs, calibrated online from the searcher's own out-of-sample errors.

A proposal predicted just under a budget is feasible about half the time, and the constrained step and the
rankers push proposals to the budget's edge (the best cells under a budget sit there). So every budget a
cost model is held to is tightened by the ``level`` quantile of how far true costs have exceeded the
predictions made for cells *before* they were evaluated (split-conformal style): with ``level`` 0.9 about
one predicted-feasible proposal in ten turns out over budget. Errors are in log units for positive
columns (latency, parameters, FLOPs scale multiplicatively), else in the column's units.

Held-out errors of earlier rounds describe earlier, worse models (a ridge fitted on 10-20 cells errs far
more than one fitted on 60); a model that can say how it would err on its own training cells
(``hw.LinearCosts.loo_predictions``: exact leave-one-out refits in closed form) can set ``current`` to
those errors, and with ``combine`` "loo" the margin is their ``level`` quantile instead ("min": the
smaller of that and the held-out margin; "held_out", the default: the held-out margin only).

Two uses beyond the margin: ``pof`` reads the same errors as a probability that a cell predicted at some
cost is truly within a bound (the share of errors that would keep it inside), for an acquisition that
weighs predicted accuracy by it instead of filtering; and with ``adapt`` (a step size, adaptive conformal
inference) ``level`` follows the realised infeasible share of the judged queries: up by ``adapt`` * (1 -
target) per infeasible one, down by ``adapt`` * target per feasible one, so that about ``1 - level0`` of
them are infeasible whatever the errors' distribution does.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from naoviz.search.constraints import Constraint

LEVEL = 0.9          # share of predicted-feasible proposals meant to be truly feasible
PRIOR = 0.2          # margin (log units: 22 %) before MIN_ERRORS out-of-sample errors are known
MIN_ERRORS = 8
RESOLUTION = 0.005   # a margin below this (log units: 0.5 %) is the model's rounding, not an error: none
CAP = 10.0           # log excess of a non-positive prediction of a positive column (rules the region out)
COMBINES = ("held_out", "loo", "min")
LEVEL_RANGE = (0.5, 0.99)   # where an adapted level may go


def _scale(values, use_log: bool) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(v) if use_log else v


@dataclass
class CostCalibration:
    """Per column the out-of-sample excess (true - predicted; log units when ``log[column]``) of every cell
    evaluated after a cost model was fitted and before the next fit. ``observe`` with the model that has
    not yet seen the newest evaluations; ``tighten`` the budgets a model's predictions must meet."""

    level: float = LEVEL
    prior: float = PRIOR
    errors: dict = field(default_factory=dict)     # column -> list of excess (true - predicted)
    log: dict = field(default_factory=dict)        # column -> bool: errors in log units
    n_seen: int = 0                                # history length the last observed model was fitted on
    model: Optional[object] = None                 # the forests of the last ``hw.ranker`` call (local search)
    window: Optional[int] = None                   # margin from the newest ``window`` errors only (None: all)
    current: dict = field(default_factory=dict)    # column -> excess of the current model's LOO predictions
    combine: str = "held_out"                      # "held_out" | "loo" | "min" (see the module docstring)
    adapt: Optional[float] = None                  # adaptive conformal step on ``level`` (None: fixed level)
    target: Optional[float] = None                 # infeasible share ``adapt`` aims at (None: 1 - level)

    def __post_init__(self):
        if self.combine not in COMBINES:
            raise ValueError(f"combine: {self.combine!r} (one of {', '.join(COMBINES)})")

    def observe_loo(self, ctx, loo_pred: dict) -> None:
        """``current`` = per column the excess of true over leave-one-out predictions ``{column: (n,)}``
        of the evaluated cells (a LOO prediction <= 0 of a positive column counts as ``CAP`` log units)."""
        self.current = {}
        for c, p in loo_pred.items():
            true = np.asarray([r.metrics.get(c, math.nan) for r in ctx.history], dtype=float)
            p = np.asarray(p, dtype=float)
            use_log = self.log.setdefault(c, bool(np.all(true[np.isfinite(true)] > 0)))
            if use_log:
                with np.errstate(divide="ignore", invalid="ignore"):
                    excess = np.where(p > 0, np.log(true) - np.log(np.where(p > 0, p, 1.0)), CAP)
                excess[~np.isfinite(true) | ~np.isfinite(p)] = np.nan
            else:
                excess = true - p
            self.current[c] = [float(e) for e in excess[np.isfinite(excess)]]

    def adapt_level(self, feasible: Sequence[bool]) -> None:
        """Adaptive conformal step for each judged query's outcome (``feasible``, in query order):
        level += adapt * (infeasible - target), kept in ``LEVEL_RANGE``; nothing when ``adapt`` is None."""
        if self.adapt is None:
            return
        if self.target is None:
            self.target = 1.0 - self.level
        for ok in feasible:
            self.level += self.adapt * ((0.0 if ok else 1.0) - self.target)
            self.level = min(max(self.level, LEVEL_RANGE[0]), LEVEL_RANGE[1])

    def _sample(self, column: str) -> Optional[np.ndarray]:
        """The errors ``margin`` reads for ``column`` (None while fewer than MIN_ERRORS: the prior holds)."""
        e = np.asarray(self.errors.get(column, []), dtype=float)
        if self.window is not None:
            e = e[-self.window:]
        held = e if len(e) >= MIN_ERRORS else None
        loo = np.asarray(self.current.get(column, []), dtype=float)
        if self.combine == "held_out" or len(loo) < MIN_ERRORS:
            return held
        if self.combine == "loo" or held is None:
            return loo if self.combine == "loo" or self._quantile(loo, column, True) < self.prior else None
        return loo if self._quantile(loo, column, True) <= self._quantile(held, column, True) else held

    def pof(self, column: str, predicted, bound: float, upper: bool = True) -> np.ndarray:
        """``(n,)`` probability that cells predicted at ``predicted`` are truly within ``bound``: the share
        of the column's errors (those ``margin`` reads) that keep prediction + error inside, give or take
        ``RESOLUTION``; before MIN_ERRORS errors 1 when the prediction is inside by the prior margin, else 0."""
        p = np.asarray(predicted, dtype=float)
        use_log = self.log.get(column, bound > 0) and bound > 0
        if use_log:
            with np.errstate(divide="ignore", invalid="ignore"):
                room = np.where(p > 0, math.log(bound) - np.log(np.where(p > 0, p, 1.0)), -CAP)
            tol = RESOLUTION
        else:
            room, tol = bound - p, 0.0
        if not upper:
            room = -room                       # true >= bound: the error must not fall below -room
        room = np.where(np.isfinite(room), room, -CAP)
        e = self._sample(column)
        if e is None:
            prior = self.prior if use_log else 0.0
            return (room >= prior - 1e-12).astype(float)
        e = e if upper else -e
        return np.mean(e[None, :] <= room[:, None] + tol, axis=1) if len(p) else np.zeros(0)

    def _quantile(self, e: np.ndarray, column: str, upper: bool) -> float:
        m = float(np.quantile(e if upper else -e, self.level))
        return m if m > (RESOLUTION if self.log.get(column, True) else 0.0) else 0.0

    def observe(self, ctx, model, columns: Sequence[str]) -> None:
        """Errors of ``model`` (``predict_costs``) on the cells evaluated since ``n_seen``; then n_seen = now."""
        new = ctx.history[self.n_seen:]
        if model is not None and new:                       # these queries were judged by ``model``
            self.adapt_level([bool(getattr(r, "feasible", True)) for r in new])
        if model is not None and new and columns:
            pred = model.predict_costs(ctx.archs[self.n_seen:])
            for c in columns:
                if c not in pred:
                    continue
                true = np.asarray([r.metrics.get(c, math.nan) for r in new], dtype=float)
                p = np.asarray(pred[c], dtype=float)
                use_log = self.log.setdefault(c, bool(np.all(true[np.isfinite(true)] > 0)))
                excess = _scale(true, use_log) - _scale(p, use_log)
                self.errors.setdefault(c, []).extend(float(e) for e in excess[np.isfinite(excess)])
        self.n_seen = len(ctx.history)

    def margin(self, column: str, upper: bool = True) -> float:
        """How far predictions of ``column`` must stay inside an upper (or lower) bound, >= 0."""
        e = np.asarray(self.errors.get(column, []), dtype=float)
        if self.window is not None:
            e = e[-self.window:]          # a model refitted on many more cells errs less than its first fits
        if len(e) < MIN_ERRORS:
            held = self.prior if self.log.get(column, True) else 0.0
        else:
            held = self._quantile(e, column, upper)
        loo = np.asarray(self.current.get(column, []), dtype=float)
        if self.combine == "held_out" or len(loo) < MIN_ERRORS:
            return held
        m = self._quantile(loo, column, upper)
        return m if self.combine == "loo" else min(m, held)

    def tighten(self, budgets: Sequence[Constraint]) -> list[Constraint]:
        """``budgets`` with each bound moved inwards by its column's margin (a log margin scales the bound)."""
        out = []
        for b in budgets:
            m = self.margin(b.column, b.upper)
            use_log = self.log.get(b.column, b.bound > 0) and b.bound > 0
            sign = -1.0 if b.upper else 1.0
            bound = b.bound * math.exp(sign * m) if use_log else b.bound + sign * m
            if m == 0.0:        # cells exactly at the bound (parameter counts are discrete) stay within it
                bound -= sign * 1e-9 * max(1.0, abs(bound))
            out.append(Constraint(b.column, b.op, bound))
        return out


def calibration(ctx) -> CostCalibration:
    """The context's calibration (created on first use; rebuilt identically when a run is replayed)."""
    if getattr(ctx, "cost_calibration", None) is None:
        ctx.cost_calibration = CostCalibration()
    return ctx.cost_calibration

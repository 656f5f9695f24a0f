"""Where a Pareto plot's y axis starts when a few queried cells are far worse than the rest (no plotly).

One cell at 10 % accuracy (a cell whose output is cut off from its input) stretched the axis of a plot whose
other queries lie between 85 and 94 % down to 10 %, and squashed them and the fronts into a strip. The axis
then starts just under the lowest query that is not a far outlier, and the outliers are drawn at its lower edge
with a mark of their own and counted on the plot (:func:`low_cut`), so an author sees that points were cut.
Shared by the Search tab's chart (``naoviz.ui.search_pareto``) and the exported figure (``naoviz.viz.pareto``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

import numpy as np

MIN_POINTS = 10        # fewer queries than this: no point is called an outlier
FENCE_IQR = 3.0        # an outlier lies below Q1 - 3 IQR (Tukey's "far out")
MAX_SHARE = 0.2        # at most this share of the queries is cut: more is no outlier, it is the distribution
MIN_GAIN = 1.5         # cut only when the rest gets at least 1.5 times the height it had
PAD = 0.04             # the axis's margin above the highest query, as a share of the kept span
EDGE = 0.08            # the lower edge (where the outliers are drawn) under the lowest kept query, likewise


@dataclass(frozen=True)
class LowCut:
    """A y axis cut from below: ``lo``..``hi`` the range drawn; ``below`` queries lie under ``lo`` (the lowest
    at ``lowest``) and are drawn at ``lo``."""

    lo: float
    hi: float
    below: int
    lowest: float

    def note(self, unit: str = "") -> str:
        """The words on the plot: how many queries were cut, under what, and the lowest of them (``unit``: the
        short unit after a value, "%")."""
        n, u = self.below, f" {unit}" if unit else ""
        return (f"▼ {n} {'query' if n == 1 else 'queries'} below {self.lo:.4g}{u}, drawn at the axis's lower edge "
                f"(lowest {self.lowest:.4g}{u})")


def low_cut(values: Iterable[float]) -> Optional[LowCut]:
    """The cut for the queried values ``values`` (all searchers pooled; NaN ignored), or None when the plain
    range shows them well: too few queries, no far outlier (under ``Q1 - 3 IQR``), more than a fifth of them
    outliers, or a gain under 1.5 times the height. The axis starts a little under the lowest query that is no
    outlier; only the queries under that edge are moved onto it. Only the low side is cut: the best queries,
    the fronts' tops, are always drawn where they are."""
    y = np.asarray(list(values), dtype=float)
    y = y[np.isfinite(y)]
    if len(y) < MIN_POINTS:
        return None
    q1, q3 = np.percentile(y, [25, 75])
    out = y < q1 - FENCE_IQR * (q3 - q1)
    if not out.any() or out.mean() > MAX_SHARE:
        return None
    kept_lo, hi, lowest = float(y[~out].min()), float(y.max()), float(y.min())
    span = hi - kept_lo
    if span <= 0 or (hi - lowest) < MIN_GAIN * span * (1 + PAD + EDGE):
        return None
    lo = kept_lo - EDGE * span
    return LowCut(lo=lo, hi=hi + PAD * span, below=int((y < lo).sum()), lowest=lowest)

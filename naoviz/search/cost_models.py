"""The hardware-aware search's cost models: predict the cost columns (parameters, latency) of unevaluated cells.

``ForestCosts`` (random forests) ranks candidates for the baselines; ``LinearCosts`` (a ridge with closed-form
leave-one-out) is NAO's feasibility judge. Kept apart from ``naoviz.search.hw``, which decides what the
searchers do with the predictions; they are importable from there too.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from naoviz.errors import check_count, show
from naoviz.search.cost_calibration import RESOLUTION

FEATURE_SETS = ("one_hot", "cost", "loo", "exact")
LEVERAGE_TOL = 0.01    # "exact": a cell with leverage above 1 - this holds an op no other cell has (no LOO test)


def cost_columns_of(columns, who: str) -> list[str]:
    """``columns`` as a list of distinct names (one name alone as CostNAO takes it), else ``ValueError``."""
    cols = [columns] if isinstance(columns, str) else list(columns) if hasattr(columns, "__iter__") else [columns]
    if not cols or not all(isinstance(c, str) and c for c in cols) or len(set(cols)) != len(cols):
        raise ValueError(f"{who}: columns must be distinct column names, got {show(columns)}")
    return cols


def cost_table(archs, table, columns: Sequence[str], who: str) -> dict:
    """``{column: (n,) floats}`` of ``table`` for every column, one value per arch, else ``ValueError``."""
    if not isinstance(table, dict):
        raise ValueError(f"{who}: table must be a dict {{column: values}}, got {show(table)}")
    out = {}
    for c in columns:
        if c not in table:
            raise ValueError(f"{who}: table has no column {c!r}; it has {show(sorted(map(str, table)))}")
        y = np.asarray(table[c], dtype=float).reshape(-1)
        if len(y) != len(archs):
            raise ValueError(f"{who}: table[{c!r}] holds {len(y)} values for {len(archs)} archs")
        out[c] = y
    return out


class ForestCosts:
    """Random forests (one per column, on ``space.one_hot``, log scale for positive columns) that predict
    the cost columns of unevaluated cells for the baselines: ``predict_costs(archs) -> {column: (n,)}``."""

    def __init__(self, space, columns: Sequence[str], n_trees: int = 20, seed: int = 0):
        self.space, self.columns = space, cost_columns_of(columns, "ForestCosts")
        self.n_trees = check_count(n_trees, "ForestCosts: n_trees", 1, 10_000)
        self.seed = check_count(seed, "ForestCosts: seed", 0, 2**32 - 1)

    def fit(self, archs, table: dict) -> "ForestCosts":
        table = cost_table(archs, table, self.columns, "ForestCosts")
        from sklearn.ensemble import RandomForestRegressor
        x = self.space.one_hot(archs)
        self.forests_, self.log_ = {}, {}
        for c in self.columns:
            y = np.asarray(table[c], dtype=float)
            ok = np.isfinite(y)
            self.log_[c] = bool((y[ok] > 0).all())
            f = RandomForestRegressor(n_estimators=self.n_trees, random_state=int(self.seed), n_jobs=1)
            self.forests_[c] = f.fit(x[ok], np.log(y[ok]) if self.log_[c] else y[ok])
        return self

    def predict_costs(self, archs) -> dict:
        x = self.space.one_hot(archs)
        out = {}
        for c, f in self.forests_.items():
            p = f.predict(x)
            out[c] = np.exp(p) if self.log_[c] else p
        return out


class LinearCosts:
    """Ridge regression (one per column, on ``space.one_hot`` or ``space.cost_features`` plus an intercept,
    in the column's own units) that predicts the cost columns of unevaluated cells for NAO's feasibility checks:
    ``predict_costs(archs) -> {column: (n,)}``. Parameter counts are a sum of per-edge op costs (exact in
    this model once the ops were seen) and latencies nearly so; NAO's cost heads, read off a 16-to-100-cell
    embedding, missed by 0.4 log units (sd) on cifar10_params_M (docs/search_experiments.md, "Why NAO lost").

    alpha: the ridge penalty (the one-hot columns of one position sum to one: the penalty picks a solution).
    alphas: when given, each column's penalty is the one of these with the smallest leave-one-out squared
    error on the fitted cells (``alpha_`` per column): parameter counts keep the tiny one that makes them
    exact, mobile latencies (further from additive) take a larger one that errs less on unseen cells
    (latency_pixel3, 80 random cells: LOO 0.9 quantile 0.36 -> 0.31 log units, bench/judge_loo.py).
    features: ``"one_hot"`` (``space.one_hot``), ``"cost"`` (``space.cost_features``: on NB201 also the ops
    of live edges, :meth:`NB201Space.live_edges`), or ``"loo"``: per column the one of the two (with its
    penalty) whose leave-one-out squared error on the fitted cells is smallest (``features_`` per column;
    a tie keeps ``one_hot``). Parameter counts are exact on the one-hot once the ops were seen, but the
    extra live-edge columns spread the weights (LOO 0.9 quantile 0.02 log units on 40 random cells, 0 on
    the one-hot); mobile latency is closer to linear in the live-edge ops (bench/judge_loo.py).
    ``"exact"``: per column the one-hot when its leave-one-out predictions meet the fitted cells to within
    ``RESOLUTION`` (0.5 %; a column the one-hot fits exactly, parameter counts once the ops were seen), else
    ``"cost"``; cells with leverage above ``1 - LEVERAGE_TOL`` (an op no other fitted cell has: no linear
    model can predict them left out) are not counted."""

    def __init__(self, space, columns: Sequence[str], alpha: float = 1e-6, alphas: Optional[Sequence[float]] = None,
                 features: str = "one_hot"):
        if features not in FEATURE_SETS:
            raise ValueError(f"LinearCosts: features must be one of {', '.join(FEATURE_SETS)}, got {features!r}")
        for a in [alpha] + ([] if alphas is None else list(alphas)):
            if isinstance(a, bool) or not isinstance(a, (int, float)) or not np.isfinite(a) or a < 0:
                raise ValueError(f"LinearCosts: alpha{'s' if a is not alpha else ''} must be finite numbers "
                                 f">= 0, got {show(a)}")
        self.space, self.columns = space, cost_columns_of(columns, "LinearCosts")
        self.alpha, self.features = float(alpha), features
        self.alphas = None if alphas is None else [float(a) for a in alphas]

    def _x(self, archs, features: Optional[str] = None) -> np.ndarray:
        feats = self.space.cost_features if (features or self.features) == "cost" else self.space.one_hot
        x = np.asarray(feats(archs), dtype=float)
        return np.hstack([x, np.ones((len(x), 1))])                     # (n, F + 1)

    def _sets(self) -> list[str]:
        return ["one_hot", "cost"] if self.features in ("loo", "exact") else [self.features]

    @staticmethod
    def _solve(x: np.ndarray, y: np.ndarray, alpha: float):
        """Ridge on ``x`` (n, F + 1; last column the unpenalised intercept): ``(w (F + 1,), loo (n,), h (n,))``,
        the leave-one-out predictions in closed form: y_i - e_i / (1 - h_ii), h_ii = x_i (X'X + alpha I')^-1 x_i
        (the leverage; exact for a ridge with a fixed penalty, O(n F^2) instead of n refits)."""
        reg = np.sqrt(alpha) * np.eye(x.shape[1])
        reg[-1, -1] = 0.0                                                 # the intercept is not penalised
        w = np.linalg.lstsq(np.vstack([x, reg]), np.concatenate([y, np.zeros(x.shape[1])]), rcond=None)[0]
        gram = x.T @ x + reg.T @ reg                                      # (F + 1, F + 1)
        h = np.einsum("ij,ji->i", x, np.linalg.solve(gram, x.T))            # (n,) leverages
        with np.errstate(divide="ignore", invalid="ignore"):
            loo = y - (y - x @ w) / np.maximum(1.0 - h, 1e-12)
        return w, loo, h

    def fit(self, archs, table: dict) -> "LinearCosts":
        table = cost_table(archs, table, self.columns, "LinearCosts")
        xs = {f: self._x(archs, f) for f in self._sets()}
        self.coef_, self.alpha_, self.features_ = {}, {}, {}
        for c in self.columns:
            y = np.asarray(table[c], dtype=float)
            ok = np.isfinite(y)
            choose = ok.sum() > 1 and (self.alphas or len(xs) > 1)
            best = None
            for f, x in xs.items():
                for a in (self.alphas if self.alphas and ok.sum() > 1 else [self.alpha]):
                    w, loo, h = self._solve(x[ok], y[ok], a)
                    err = float(np.mean((y[ok] - loo) ** 2)) if choose else 0.0
                    if best is None or err < best[0] - 1e-15:
                        best = (err, a, w, f, loo, h)
                if self.features == "exact" and f == "one_hot":
                    told = best[5] < 1.0 - LEVERAGE_TOL       # cells whose ops other cells show
                    if told.sum() > 1 and np.all(np.abs(y[ok] - best[4])[told] <= RESOLUTION * np.abs(y[ok][told])):
                        break                        # the one-hot fits every cell it has not seen: keep it
                    best = None
            self.alpha_[c], self.coef_[c], self.features_[c] = best[1], best[2], best[3]
        return self

    def loo_predictions(self, archs, table: dict) -> dict:
        """``{column: (n,)}`` each cell's prediction by this ridge (the penalty ``fit`` chose) refitted
        without it (NaN where the column is missing), in closed form (:meth:`_solve`)."""
        feats = getattr(self, "features_", {})
        xs = {f: self._x(archs, f) for f in self._sets()}
        out = {}
        for c in self.columns:
            x = xs[feats.get(c, self._sets()[0])]
            y = np.asarray(table[c], dtype=float)
            ok = np.isfinite(y)
            p = np.full(len(y), np.nan)
            p[ok] = self._solve(x[ok], y[ok], getattr(self, "alpha_", {}).get(c, self.alpha))[1]
            out[c] = p
        return out

    def predict_costs(self, archs) -> dict:
        if not len(archs):
            return {c: np.zeros(0) for c in self.coef_}
        xs = {f: self._x(archs, f) for f in set(self.features_.values())}
        return {c: xs[self.features_[c]] @ w for c, w in self.coef_.items()}

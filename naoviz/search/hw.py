"""Hardware-aware search: what constraints and Pareto objectives change in every searcher, written once.

The context calls :func:`judge` on every evaluation (feasibility, the constrained and objective columns)
and :func:`fitness` to rank evaluated cells. Searchers call :func:`ranker` to rank unevaluated candidates
(predicted cost over a budget sinks a candidate), :func:`round_budgets` for the budgets of this round
(the constraints' bounds; in a Pareto search also a budget on each cost objective, drawn anew each round
so that rounds spread along the front), and NAO the model hooks :func:`nao_model`, :func:`fit_kwargs`,
:func:`nao_cost_model`, :func:`budget_scope` and :func:`seed_scores`.
"""
from __future__ import annotations

import contextlib
from typing import Optional, Sequence

import numpy as np

from naoviz.errors import check_count, show
from naoviz.search.constraints import INFEASIBLE, Constraint, feasible, violation
from naoviz.search.cost_calibration import RESOLUTION, calibration
from naoviz.tables.benchmark import lower_is_better

PENALTY = 1e6      # a predicted-infeasible candidate ranks below every predicted-feasible one
RECENT = 30        # NAO's feasibility margin: from its cost model's newest 30 errors (three rounds)
COMBINE = "min"    # NAO's margin: the smaller of the held-out and the current ridge's LOO one
ACQUISITION = "pof"      # NAO's mutations and fills: "filter" (sink predicted-over-budget) or "pof"
POF_USABLE = 0.7   # under "pof": a neighbour counts as usable (ranked_mutations) from this probability
POF_MIN = 0.7      # under "pof": candidates less likely feasible than this sink as over budget
ADAPT = 0.02       # NAO's margin level: adaptive conformal with this step per judged query (None: fixed 0.9)
ADAPT_TARGET = 0.15   # the infeasible share ADAPT aims at (None: 1 - the calibration's level, 0.1)
JUDGE_ALPHAS = (1e-6, 1.0)   # NAO's ridge judge: one penalty (None: LinearCosts' 1e-6) or picked per column by LOO
JUDGE_FEATURES = "cost"   # NAO's ridge judge reads ``space.one_hot``, ``space.cost_features`` ("cost"), or per
# column one of the two: by LOO error ("loo") or the one-hot where it is exact ("exact"); LinearCosts' docstring
FEATURE_SETS = ("one_hot", "cost", "loo", "exact")
LEVERAGE_TOL = 0.01    # "exact": a cell with leverage above 1 - this holds an op no other cell has (no LOO test)


def cost_columns(ctx) -> list[str]:
    """Columns a cost model must predict: the constrained ones and every objective but the search metric."""
    cols = [c.column for c in ctx.constraints] + [o for o in ctx.objectives if o != ctx.evaluator.metric]
    return list(dict.fromkeys(cols))


def judge(ctx, rec, metrics: dict) -> None:
    """Fill ``rec.feasible`` and ``rec.metrics`` (constrained, objective, search and reported columns)."""
    ev = ctx.evaluator
    cols = [c.column for c in ctx.constraints] + list(ctx.objectives) + [ev.metric, ev.report]
    rec.metrics = {c: float(metrics.get(c, np.nan)) for c in dict.fromkeys(cols)}
    rec.feasible = feasible(ctx.constraints, metrics)


def fitness(ctx) -> np.ndarray:
    """``(n,)`` larger is better. Constraints only: the oriented value when feasible, else INFEASIBLE
    scaled by (1 + violation). Pareto objectives: minus the front rank among feasible cells plus a
    crowding bonus in [0, 0.5) (extremes 0.5), infeasible cells as before."""
    from naoviz.search.pareto import crowding, nondominated_ranks
    hist = ctx.history
    out = ctx.values().astype(float)
    feas = np.asarray([r.feasible for r in hist], dtype=bool)
    for i in np.flatnonzero(~feas):
        out[i] = INFEASIBLE * (1.0 + min(violation(ctx.constraints, hist[i].metrics), 1e6))
    if ctx.objectives and feas.any():
        idx = np.flatnonzero(feas)
        pts = np.asarray([[hist[i].metrics[o] for o in ctx.objectives] for i in idx], dtype=float)
        maxi = [not lower_is_better(o) for o in ctx.objectives]
        ranks = nondominated_ranks(pts, maxi)
        bonus = np.zeros(len(idx))
        for r in np.unique(ranks):
            m = ranks == r
            c = crowding(pts[m], maxi)
            finite = np.isfinite(c)
            bonus[m] = 0.5
            bonus[np.flatnonzero(m)[finite]] = 0.5 * c[finite] / (1.0 + c[finite])
        out[idx] = -ranks + bonus
    return out


def round_budgets(ctx) -> list[Constraint]:
    """The budgets a round's proposals must meet: the constraints, plus in a Pareto search one upper (or
    lower) bound per cost objective at a quantile in [0.1, 0.9] of the feasible cells' values, drawn from a
    stream seeded by (seed, round) so that the searcher's own random stream is untouched."""
    out = list(ctx.constraints)
    objs = [o for o in ctx.objectives if o != ctx.evaluator.metric]
    if not objs:
        return out
    rng = np.random.default_rng([int(ctx.seed), int(ctx.round), 14])
    feas = [r for r in ctx.history if r.feasible]
    for o in objs:
        vals = np.asarray([r.metrics[o] for r in feas], dtype=float)
        vals = vals[np.isfinite(vals)]
        if len(vals) < 2:
            continue
        q = float(rng.uniform(0.1, 0.9))
        out.append(Constraint(o, "<=" if lower_is_better(o) else ">=", float(np.quantile(vals, q))))
    return out


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


def evaluated_columns(ctx, columns: Sequence[str]) -> dict:
    """``{column: (n,)}`` of the evaluated cells (from ``Record.metrics``)."""
    return {c: np.asarray([r.metrics.get(c, np.nan) for r in ctx.history], dtype=float) for c in columns}


def predicted_violation(budgets: Sequence[Constraint], costs: dict) -> np.ndarray:
    """``(n,)`` summed relative violation of ``budgets`` by predicted ``costs`` (0 = predicted feasible)."""
    n = len(next(iter(costs.values()))) if costs else 0
    out = np.zeros(n)
    for b in budgets:
        if b.column in costs:
            out += np.asarray([b.violation(v) for v in costs[b.column]], dtype=float)
    return out


def prob_feasible(cal, budgets: Sequence[Constraint], costs: dict) -> np.ndarray:
    """``(n,)`` probability that cells with predicted ``costs`` meet every one of ``budgets`` (untightened),
    from the calibration's errors (``CostCalibration.pof``; the budgets taken as independent)."""
    n = len(next(iter(costs.values()))) if costs else 0
    out = np.ones(n)
    for b in budgets:
        if b.column in costs:
            out *= cal.pof(b.column, costs[b.column], b.bound, b.upper)
    return out


class FeasibleRanker:
    """A predictor whose ``score`` sinks candidates that a cost model predicts over a budget:
    score - PENALTY * predicted violation. ``fit``/``predict`` are the wrapped predictor's.

    With ``pof`` (a function archs -> ``(n,)`` probability of feasibility, :func:`prob_feasible`) it is a
    feasibility-aware acquisition instead: score (NAO's, in [0, 1]) times that probability, a neighbour
    counting as usable from ``POF_USABLE``, one below ``POF_MIN`` sunk as over budget; ``budgets`` then only
    say that there are budgets."""

    def __init__(self, predictor, cost_model, budgets: Sequence[Constraint], pof=None):
        self.predictor, self.cost_model, self.budgets, self.pof = predictor, cost_model, list(budgets), pof

    def predict(self, archs):
        return self.predictor.predict(archs)

    def within_budget(self, archs) -> Optional[np.ndarray]:
        """``(n,)`` bool: predicted within every budget (None without budgets: all are; ``NAO``'s contract)."""
        if not self.budgets:
            return None
        if not len(archs):
            return np.zeros(0, dtype=bool)
        if self.pof is not None:
            return self.pof(archs) >= POF_USABLE
        return predicted_violation(self.budgets, self.cost_model.predict_costs(archs)) == 0

    def score(self, archs) -> np.ndarray:
        s = np.asarray(self.predictor.score(archs), dtype=float)
        if not self.budgets or not len(archs):
            return s
        if self.pof is not None:
            p = self.pof(archs)
            return s * p - PENALTY * (p < POF_MIN)
        return s - PENALTY * predicted_violation(self.budgets, self.cost_model.predict_costs(archs))


def ranker(ctx, predictor, cost_model=None, seed: int = 0):
    """``predictor`` itself without constraints or objectives; else a :class:`FeasibleRanker` under this
    round's budgets tightened by the calibrated margin (``naoviz.search.cost_calibration``), with
    ``cost_model`` (anything with ``predict_costs``; NAO's cost heads) or, when None, forests fitted on the
    evaluated cells."""
    budgets = round_budgets(ctx)
    if not budgets:
        return predictor
    cal = calibration(ctx)
    if cost_model is None:
        cols = sorted({b.column for b in budgets})
        cal.observe(ctx, cal.model, cols)          # last round's forests on the cells they had not seen
        cost_model = cal.model = ForestCosts(ctx.space, cols, seed=seed).fit(ctx.archs, evaluated_columns(ctx, cols))
    elif ACQUISITION == "pof":                     # NAO's judge: accuracy x probability of feasibility
        return FeasibleRanker(predictor, cost_model, budgets,
                              pof=lambda archs: prob_feasible(cal, budgets, cost_model.predict_costs(archs)))
    return FeasibleRanker(predictor, cost_model, cal.tighten(budgets))


def random_fills(ctx, rng: np.random.Generator, n: int, exclude=(), cost_model=None) -> list:
    """``n`` random unevaluated archs. Under budgets, drawn from 20 n random ones, those predicted within
    this round's tightened budgets first (draw order otherwise), by ``cost_model`` or the forests of the
    last :func:`ranker` call: a fill spends a query like any proposal, so it should be feasible too."""
    budgets = round_budgets(ctx)
    model = cost_model if cost_model is not None else calibration(ctx).model
    if n <= 0 or not budgets or model is None:
        return ctx.random_new(rng, n, exclude=exclude)
    pool = ctx.random_new(rng, 20 * n, exclude=exclude)
    if not pool:
        return []
    if cost_model is not None and ACQUISITION == "pof":     # NAO's judge: the likeliest feasible first
        viol = -prob_feasible(calibration(ctx), budgets, model.predict_costs(pool))
    else:
        viol = predicted_violation(calibration(ctx).tighten(budgets), model.predict_costs(pool))
    return [pool[i] for i in np.argsort(viol, kind="stable")[:n]]


# -- NAO's hooks ---------------------------------------------------------------------------------------
def nao_model(ctx, config):
    """A plain ``NAO`` without constraints/objectives; else a ``CostNAO`` with a head per cost column."""
    cols = cost_columns(ctx)
    if not cols:
        from naoviz.nao import NAO
        return NAO(ctx.space, config)
    from naoviz.nao.cost import CostNAO
    return CostNAO(ctx.space, config, cost_columns=cols)


def fit_kwargs(ctx) -> dict:
    """Extra ``fit`` arguments: the evaluated cells' cost columns for the cost heads."""
    cols = cost_columns(ctx)
    return {"costs": evaluated_columns(ctx, cols)} if cols else {}


def budget_scope(ctx, nao, cost_model=None, budgets=None):
    """While open, NAO's steps are constrained to this round's budgets tightened by the calibrated margin
    (the constrained step aims inside them) and every proposal (the sweep, its wider fallbacks, ranked
    steps) keeps only decodes predicted within them, by ``cost_model`` (:func:`nao_cost_model`) or NAO's
    heads; a null context without budgets. ``budgets``: instead of :func:`round_budgets` (``front_rounds``)."""
    budgets = round_budgets(ctx) if budgets is None else list(budgets)
    if not budgets or not hasattr(nao, "budget"):
        return contextlib.nullcontext()
    return nao.budget(calibration(ctx).tighten(budgets), cost_model=cost_model)


def seed_scores(ctx, scores: np.ndarray) -> np.ndarray:
    """Seed ranking (``(n,)`` predicted scores of the evaluated cells): cells whose true columns break
    this round's budgets sink below the others."""
    budgets = round_budgets(ctx)
    if not budgets:
        return scores
    viol = predicted_violation(budgets, evaluated_columns(ctx, sorted({b.column for b in budgets})))
    return np.asarray(scores, dtype=float) - PENALTY * viol


def nao_cost_model(ctx, nao) -> Optional[object]:
    """The cost model that judges NAO's proposals this round (None without cost columns): a
    :class:`LinearCosts` (on ``JUDGE_FEATURES``, penalty per column from ``JUDGE_ALPHAS``) refitted on every
    evaluated cell, after the calibration took last round's model's
    errors on the cells it had not seen; its margin is the smaller of those errors' and its own
    leave-one-out errors' 0.9 quantile (``COMBINE``: the first rounds' models, fitted on 10-20 cells, erred
    far more than the current one). Call once per round, after NAO's fit. NAO's heads still steer the
    constrained step; this model says which decodes, mutations and random fills are predicted within budget.
    The margin's quantile level adapts to the realised infeasible share of NAO's judged queries (``ADAPT``
    per query, aiming at ``ADAPT_TARGET``; ``CostCalibration.adapt_level``)."""
    cols = cost_columns(ctx)
    if not cols or not hasattr(nao, "predict_costs"):
        return None
    cal = calibration(ctx)
    cal.window, cal.combine, cal.adapt = RECENT, COMBINE, ADAPT
    if ADAPT is not None and ADAPT_TARGET is not None:
        cal.target = ADAPT_TARGET
    cal.observe(ctx, cal.model, cols)
    table = evaluated_columns(ctx, cols)
    cal.model = LinearCosts(ctx.space, cols, alphas=JUDGE_ALPHAS, features=JUDGE_FEATURES).fit(ctx.archs, table)
    if cal.combine != "held_out":
        cal.observe_loo(ctx, cal.model.loo_predictions(ctx.archs, table))
    return cal.model

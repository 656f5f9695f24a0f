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

from naoviz.search.constraints import INFEASIBLE, Constraint, feasible, violation
from naoviz.search.cost_calibration import calibration
# The cost models (ForestCosts, LinearCosts, their features and constants) live in naoviz.search.cost_models.
from naoviz.search.cost_models import ForestCosts, LinearCosts
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

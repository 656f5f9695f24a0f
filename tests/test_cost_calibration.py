"""The calibrated safety margin on predicted costs (naoviz.search.cost_calibration)."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from naoviz.search.constraints import Constraint
from naoviz.search.cost_calibration import MIN_ERRORS, PRIOR, CostCalibration


class Ratio:
    """A cost model (the ``predict_costs`` contract) predicting ``factor`` x the true latency."""

    def __init__(self, truth: dict, factor: float):
        self.truth, self.factor = truth, factor

    def predict_costs(self, archs):
        return {"lat": np.asarray([self.truth[a] * self.factor for a in archs])}


def context(truth: dict):
    archs = list(truth)
    history = [SimpleNamespace(metrics={"lat": truth[a]}) for a in archs]
    return SimpleNamespace(archs=archs, history=history)


def test_prior_margin_until_enough_out_of_sample_errors():
    cal = CostCalibration()
    (b,) = cal.tighten([Constraint("lat", "<=", 10.0)])
    assert b.bound == pytest.approx(10.0 * math.exp(-PRIOR))          # no errors yet: the prior, in log units
    truth = {f"a{i}": 1.0 + i for i in range(MIN_ERRORS - 1)}
    cal.observe(context(truth), Ratio(truth, 0.5), ["lat"])
    assert cal.margin("lat") == PRIOR                                 # still too few errors


def test_margin_is_the_quantile_of_under_prediction_and_tightens_both_directions():
    truth = {f"a{i}": 1.0 + i for i in range(40)}
    ctx = context(truth)
    cal = CostCalibration(level=0.9)
    cal.observe(ctx, Ratio(truth, 0.5), ["lat"])                       # predicts half: true is 2x the prediction
    assert cal.n_seen == 40 and len(cal.errors["lat"]) == 40
    assert cal.margin("lat") == pytest.approx(math.log(2.0))
    upper, lower = cal.tighten([Constraint("lat", "<=", 10.0), Constraint("lat", ">=", 4.0)])
    assert upper.bound == pytest.approx(5.0) and upper.op == "<="       # a prediction <= 5 means true <= 10
    assert lower.bound == pytest.approx(4.0)                          # under-prediction never threatens a lower bound
    cal.observe(ctx, Ratio(truth, 0.5), ["lat"])                       # nothing new since the last observe
    assert len(cal.errors["lat"]) == 40


def test_over_prediction_gives_no_margin_and_a_model_only_learns_on_unseen_cells():
    truth = {f"a{i}": 1.0 + i for i in range(20)}
    ctx = context(truth)
    cal = CostCalibration()
    cal.observe(ctx, None, ["lat"])                                   # the first fit: no model yet, nothing to score
    assert cal.n_seen == 20 and "lat" not in cal.errors
    more = {**truth, **{f"b{i}": 5.0 for i in range(10)}}
    cal.observe(context(more), Ratio(more, 3.0), ["lat"])              # over-predicts: already safe
    assert len(cal.errors["lat"]) == 10 and cal.margin("lat") == 0.0


def test_constrained_local_search_spends_most_queries_feasible(nb201_table):
    """Under the p25 latency budget (a quarter of the cells fit), the calibrated forests keep local search's
    queries mostly feasible; random search stays near the base rate."""
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import make_searcher
    from naoviz.search.constraints import percentile_budget
    ev = TableEvaluator(nb201_table, constraints=[percentile_budget(nb201_table, "latency_pixel3", 25)])
    share = {a: np.mean([make_searcher(a, config={"n_trees": 20} if a == "ls" else None)
                         .run(ev, 60, seed=s, progress=False).feasible().mean() for s in range(2)])
             for a in ("rs", "ls")}
    assert share["ls"] > share["rs"] + 0.2, share


def test_nao_mutations_without_a_budget_take_every_neighbour(nb201_table):
    """Unconstrained, NAO's predictor ranks the mutations itself (its ``within_budget`` is None: no budget),
    so the parent-extension counts every neighbour and the search proposes mutations as before."""
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import make_searcher
    tiny = {"epochs": 4, "warm_epochs": 2, "n_init": 10, "max_eta": 8.0,
            "model": {"hidden_size": 16, "mlp_hidden": 16, "augment_draws": 2}}
    res = make_searcher("nao", preset="fast", config=tiny).run(TableEvaluator(nb201_table), 25, seed=1, progress=False)
    assert len(res.history) == 25
    assert "mutation" in {r.source for r in res.history}


def test_window_takes_the_newest_errors_and_tiny_margins_are_none():
    """A model refitted on more cells errs less than its first fits: with ``window`` only the newest errors
    set the margin; a margin under RESOLUTION is rounding, so a cell predicted exactly at the bound is in."""
    from naoviz.search.cost_calibration import RESOLUTION
    old = {f"a{i}": 1.0 + i for i in range(20)}
    new = {**old, **{f"b{i}": 2.0 + i for i in range(30)}}
    cal = CostCalibration(level=0.9)
    cal.observe(context(old), Ratio(old, 0.5), ["lat"])                # early fits: true is 2x the prediction
    cal.n_seen = 20
    cal.observe(context(new), Ratio(new, 1.0 / (1.0 + RESOLUTION / 2)), ["lat"])   # later: 0.25 % low
    assert len(cal.errors["lat"]) == 50
    assert cal.margin("lat") == pytest.approx(math.log(2.0))           # all errors: the early ones dominate
    cal.window = 30
    assert cal.margin("lat") == 0.0                                    # the newest 30 are under the resolution
    (b,) = cal.tighten([Constraint("lat", "<=", 0.344346)])
    assert b.mask(np.asarray([0.344346, 0.3443461]))[0]                 # exactly at the bound: within
    assert not b.mask(np.asarray([0.3443461]))[0]
    cal.window = 10
    cal.errors["lat"][-3:] = [0.3, 0.3, 0.3]                           # fresh misses widen it again
    assert cal.margin("lat") == pytest.approx(0.3)


def test_loo_errors_of_the_current_model_replace_or_bound_the_held_out_margin():
    """``combine`` "loo": the margin is the quantile of the current model's leave-one-out excess, whatever
    earlier rounds' models erred ("min": the smaller of the two; "held_out": LOO errors are ignored); a
    non-positive LOO prediction of a positive column counts as a large excess; a bad ``combine`` is refused."""
    truth = {f"a{i}": 1.0 + i for i in range(40)}
    ctx = context(truth)
    cals = {k: CostCalibration(combine=k) for k in ("held_out", "loo", "min")}
    loo = {"lat": np.asarray([truth[a] for a in truth]) * np.exp(-0.05)}     # the current model: 5 % low
    for cal in cals.values():
        cal.observe(ctx, Ratio(truth, 0.5), ["lat"])                       # an early model: 50 % low
        cal.observe_loo(ctx, loo)
    held = cals["held_out"].margin("lat")
    assert held == pytest.approx(math.log(2.0))
    assert cals["loo"].margin("lat") == pytest.approx(0.05)
    assert cals["min"].margin("lat") == pytest.approx(0.05)
    worse = CostCalibration(combine="min")
    worse.observe(ctx, Ratio(truth, 0.9), ["lat"])
    worse.observe_loo(ctx, {"lat": np.asarray([truth[a] for a in truth]) * 0.5})
    assert worse.margin("lat") == pytest.approx(-math.log(0.9))              # held-out is the smaller
    few = CostCalibration(combine="loo")
    few.observe_loo(context({"a": 1.0, "b": 2.0}), {"lat": np.asarray([0.5, 1.0])})
    assert few.margin("lat") == PRIOR                                       # too few LOO errors: as before
    neg = CostCalibration(combine="loo")
    neg.observe_loo(ctx, {"lat": np.where(np.arange(40) < 8, -1.0, loo["lat"])})
    assert neg.margin("lat") > 5.0                                          # 20 % predicted <= 0: huge margin
    with pytest.raises(ValueError, match="combine"):
        CostCalibration(combine="mean")


def test_probability_of_feasibility_reads_the_margins_errors():
    """``pof``: the share of the column's errors that keep a prediction within the bound (log units), so a
    cell predicted far inside is 1, at the 0.9 margin about 0.9, over the bound by more than every error 0;
    before MIN_ERRORS errors it is the prior margin's hard filter."""
    cal = CostCalibration()
    room = np.asarray([PRIOR + 0.01, PRIOR - 0.01])
    assert list(cal.pof("lat", 10.0 * np.exp(-room), 10.0)) == [1.0, 0.0]
    truth = {f"a{i}": 1.0 for i in range(20)}
    cal.observe(context(truth), Ratio(truth, 1.0), ["lat"])
    cal.errors["lat"] = list(np.linspace(0.0, 0.19, 20))                 # true up to 0.19 log over predicted
    p = cal.pof("lat", 10.0 * np.exp(-np.asarray([0.3, cal.margin("lat"), 0.0, -0.01])), 10.0)
    assert p[0] == 1.0 and 0.85 <= p[1] <= 0.95 and p[3] == 0.0
    assert p[1] > p[2] > p[3]                                            # closer to the bound: less likely
    assert cal.pof("lat", np.asarray([10.5]), 10.0, upper=False)[0] == 1.0      # errors never push it below


def test_feasibility_aware_ranker_prefers_a_feasible_cell_over_a_slightly_better_infeasible_one():
    """Accuracy x probability of feasibility: a cell predicted 0.02 better but over budget in most of the
    error draws ranks below a surely feasible one, while a much better cell at a small risk still leads."""
    from naoviz.search.hw import FeasibleRanker, prob_feasible

    class Pred:
        def score(self, archs):
            return np.asarray([{"safe": 0.80, "risky": 0.82, "bold": 0.99}[a] for a in archs])

        def predict(self, archs):
            return self.score(archs)

    costs = {"safe": 5.0, "risky": 10.0 * np.exp(0.02), "bold": 10.0 * np.exp(-0.15)}
    model = SimpleNamespace(predict_costs=lambda archs: {"lat": np.asarray([costs[a] for a in archs])})
    cal = CostCalibration()
    cal.errors["lat"], cal.log["lat"] = list(np.linspace(-0.05, 0.19, 25)), True
    budgets = [Constraint("lat", "<=", 10.0)]
    rk = FeasibleRanker(Pred(), model, budgets, pof=lambda a: prob_feasible(cal, budgets, model.predict_costs(a)))
    s = dict(zip(["safe", "risky", "bold"], rk.score(["safe", "risky", "bold"])))
    assert s["safe"] > s["risky"] and s["bold"] > s["safe"], s
    assert list(rk.within_budget(["safe", "risky", "bold"])) == [True, False, True]
    hard = FeasibleRanker(Pred(), model, cal.tighten(budgets))           # the filter: bold is out too
    assert list(hard.within_budget(["safe", "risky", "bold"])) == [True, False, False]


def test_adaptive_level_follows_the_realised_infeasible_share():
    """Adaptive conformal: each infeasible judged query raises the level by adapt * (1 - target), each
    feasible one lowers it by adapt * target; it stays in LEVEL_RANGE; without ``adapt`` it never moves."""
    from naoviz.search.cost_calibration import LEVEL_RANGE
    fixed = CostCalibration()
    fixed.adapt_level([False] * 10)
    assert fixed.level == 0.9
    cal = CostCalibration(adapt=0.01)
    cal.adapt_level([True] * 9 + [False])                               # exactly the target share: no drift
    assert cal.level == pytest.approx(0.9) and cal.target == pytest.approx(0.1)
    cal.adapt_level([False] * 5)
    assert cal.level == pytest.approx(0.9 + 5 * 0.01 * 0.9)
    cal.adapt_level([True] * 10_000)
    assert cal.level == LEVEL_RANGE[0]
    truth = {f"a{i}": 1.0 + i for i in range(40)}
    cal.observe(context(truth), Ratio(truth, 0.5), ["lat"])              # history records without ``feasible``
    assert cal.level == LEVEL_RANGE[0]                                   # count as feasible: stays at the floor

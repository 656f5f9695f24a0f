"""Mutations aimed at the widest gap of the feasible front (naoviz.search.front_gaps, issue 14 hypervolume)."""
from __future__ import annotations

import numpy as np
import pytest

from naoviz.search.front_gaps import front_mutations, gaps


def test_gaps_order_the_front_by_the_empty_rectangle_to_the_next_dearer_member():
    values = np.array([1.0, 2.0, 3.0, 0.5, np.nan, 2.5])    # 3 is dominated, 4 infeasible (NaN)
    costs = np.array([1.0, 2.0, 10.0, 5.0, 0.1, 6.0])
    # front by cost: 0 (1, 1.0), 1 (2, 2.0), 5 (6, 2.5), 2 (10, 3.0); rectangles 1x1, 4x0.5, 4x0.5
    assert gaps(values, costs) == [(1, 6.0), (5, 10.0), (0, 2.0)]
    assert gaps(values[:1], costs[:1]) == []                 # one member: no gap
    assert gaps(np.array([1.0, 2.0]), np.array([1.0, 1.0])) == []   # one dominates the other


@pytest.fixture(scope="module")
def evaluated(nb201_table):
    """A search context under the p50 latency_pixel3 budget with 30 random cells evaluated, the ridge judge
    fitted on them and a forest predictor."""
    from naoviz.evaluate import TableEvaluator
    from naoviz.search.base import SearchContext
    from naoviz.search.constraints import percentile_budget
    from naoviz.search.hw import LinearCosts, evaluated_columns
    from naoviz.search.ranked import ForestPredictor
    ev = TableEvaluator(nb201_table, constraints=[percentile_budget(nb201_table, "latency_pixel3", 50)])
    ctx = SearchContext(ev, 40, algo="test", seed=0, progress=False)
    ctx.evaluate([(a, "random") for a in ctx.random_new(np.random.default_rng(0), 30)])
    judge = LinearCosts(ctx.space, ["latency_pixel3"]).fit(ctx.archs, evaluated_columns(ctx, ["latency_pixel3"]))
    pred = ForestPredictor(ctx.space, n_trees=10).fit(ctx.archs, ctx.values())
    return ctx, judge, pred


def test_front_mutations_are_new_neighbours_of_the_widest_gap_predicted_inside_it(evaluated):
    ctx, judge, pred = evaluated
    col = "latency_pixel3"
    values = np.where([r.feasible for r in ctx.history], ctx.values(), np.nan)
    costs = np.array([r.metrics[col] for r in ctx.history])
    parent, upper = gaps(values, costs)[0]
    picks = front_mutations(ctx, pred, judge, 3)
    assert len(picks) == 3
    near = {ctx.space.canonical(a) for a in ctx.space.neighbours(ctx.archs[parent])}
    for a in picks:
        assert ctx.is_new(a) and ctx.space.canonical(a) in near
    assert (judge.predict_costs(picks)[col] < upper).all()
    # the best by the predictor among the parent's new neighbours predicted cheaper than the next member
    cands = {ctx.space.canonical(a): a for a in ctx.space.neighbours(ctx.archs[parent]) if ctx.is_new(a)}
    cands = [a for a in cands.values() if judge.predict_costs([a])[col][0] < upper]
    best = sorted(pred.score(cands), reverse=True)[:3]
    assert np.allclose(sorted(pred.score(picks), reverse=True), best)
    assert front_mutations(ctx, pred, judge, 3) == picks                  # no random choice
    again = front_mutations(ctx, pred, judge, 2, exclude=picks[:1])
    assert picks[0] not in again and len(again) == 2
    assert front_mutations(ctx, pred, None, 3) == [] and front_mutations(ctx, pred, judge, 0) == []


def test_front_mutations_need_an_upper_constraint(nb201_table):
    from naoviz.evaluate import TableEvaluator
    from naoviz.search.base import SearchContext
    ctx = SearchContext(TableEvaluator(nb201_table), 20, algo="test", seed=0, progress=False)
    ctx.evaluate([(a, "random") for a in ctx.random_new(np.random.default_rng(1), 10)])
    assert front_mutations(ctx, None, object(), 3) == []


def test_front_mutations_field_is_checked_and_a_search_with_it_repeats(nb201_table):
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import make_searcher
    from naoviz.search.constraints import percentile_budget
    from naoviz.search.nao_search import NAOSearchConfig
    with pytest.raises(ValueError, match=r"front_mutations must be an int in 0\.\.5, got 6"):
        NAOSearchConfig(front_mutations=6)
    with pytest.raises(ValueError, match="front_mutations must be an int"):
        NAOSearchConfig(front_mutations=1.5)
    ev = TableEvaluator(nb201_table, constraints=[percentile_budget(nb201_table, "cifar10_params_M", 50)])
    tiny = {"epochs": 4, "warm_epochs": 2, "n_init": 10, "max_eta": 8.0, "front_mutations": 2,
            "model": {"hidden_size": 16, "mlp_hidden": 16, "augment_draws": 2}}
    runs = [make_searcher("nao", preset="sweep", config=tiny).run(ev, 30, seed=4, progress=False) for _ in range(2)]
    assert [r.arch for r in runs[0].history] == [r.arch for r in runs[1].history]
    inc = runs[0].incumbent()
    assert inc is None or inc.feasible

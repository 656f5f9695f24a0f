"""A query at the cheapest cost level and mutations spread over the best feasible cells
(naoviz.search.budget_moves, issue 14; NAOSearchConfig.cheap_rounds / early_parents)."""
from __future__ import annotations

import numpy as np
import pytest

from naoviz.search.budget_moves import cheapest_level, spread_mutations

COL = "cifar10_params_M"


@pytest.fixture(scope="module")
def evaluated(nb201_table):
    """A search context under the p50 params budget with 30 random cells evaluated, the ridge judge fitted
    on them and a forest predictor."""
    from naoviz.evaluate import TableEvaluator
    from naoviz.search.base import SearchContext
    from naoviz.search.constraints import percentile_budget
    from naoviz.search.hw import LinearCosts, evaluated_columns
    from naoviz.search.ranked import ForestPredictor
    ev = TableEvaluator(nb201_table, constraints=[percentile_budget(nb201_table, COL, 50)])
    ctx = SearchContext(ev, 60, algo="test", seed=0, progress=False)
    ctx.evaluate([(a, "random") for a in ctx.random_new(np.random.default_rng(0), 30)])
    judge = LinearCosts(ctx.space, [COL]).fit(ctx.archs, evaluated_columns(ctx, [COL]))
    pred = ForestPredictor(ctx.space, n_trees=10).fit(ctx.archs, ctx.values())
    return ev, ctx, judge, pred


def test_the_cheapest_level_query_is_a_new_cell_at_the_lowest_level_best_predicted_first(evaluated):
    ev, ctx, judge, pred = evaluated
    picks = cheapest_level(ctx, pred, judge, 3, np.random.default_rng(1))
    assert len(picks) == 3 and all(ctx.is_new(a) for a in picks)
    # true parameter counts: the table's lowest level (no convolution at all), not merely cheap
    lowest = float(np.min(ev.table.metric(COL)))
    assert [ev.evaluate(a)["metrics"][COL] for a in picks] == pytest.approx([lowest] * 3, rel=1e-6)
    # the best by the predictor among the pool's cells predicted at that level (the same draws)
    pool = ctx.random_new(np.random.default_rng(1), 2000)
    cost = judge.predict_costs(pool)[COL]
    level = [a for a, c in zip(pool, cost) if c <= 1.02 * cost.min()]
    assert len(level) > 3
    best = np.sort(pred.score(level))[::-1][:3]
    assert np.allclose(pred.score(picks), best)
    assert cheapest_level(ctx, pred, judge, 3, np.random.default_rng(1)) == picks     # seeded
    again = cheapest_level(ctx, pred, judge, 3, np.random.default_rng(1), exclude=picks[:1])
    assert picks[0] not in again
    assert cheapest_level(ctx, pred, None, 3, np.random.default_rng(1)) == []
    assert cheapest_level(ctx, pred, judge, 0, np.random.default_rng(1)) == []


def test_spread_mutations_go_round_robin_over_the_best_feasible_cells(evaluated):
    _, ctx, _, pred = evaluated
    feasible = {r.canonical for r in ctx.history if r.feasible}
    parents = [a for a in ctx.best(len(ctx.archs)) if ctx.space.canonical(a) in feasible][:3]
    assert len(parents) == 3
    picks = spread_mutations(ctx, pred, 6, 3)
    assert len(picks) == 6 and len({ctx.space.canonical(a) for a in picks}) == 6
    for i, a in enumerate(picks):
        parent = parents[i % 3]
        near = [n for n in ctx.space.neighbours(parent) if ctx.is_new(n)]
        assert ctx.space.canonical(a) in {ctx.space.canonical(n) for n in near}
        if i < 3:                                   # each parent's best-ranked new neighbour first
            assert pred.score([a])[0] == pytest.approx(pred.score(near).max())
    # the incumbent alone would have given its own top neighbours: the spread differs
    assert spread_mutations(ctx, pred, 6, 1) != picks
    assert spread_mutations(ctx, pred, 6, 3) == picks                                   # no random choice
    assert picks[0] not in spread_mutations(ctx, pred, 6, 3, exclude=picks[:1])
    assert spread_mutations(ctx, pred, 0, 3) == [] and spread_mutations(ctx, pred, 3, 0) == []


def test_the_fields_are_checked_and_a_search_uses_them(nb201_table):
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import make_searcher
    from naoviz.search.constraints import percentile_budget
    from naoviz.search.nao_search import NAOSearchConfig
    with pytest.raises(ValueError, match=r"cheap_rounds must be an int in 0\.\.100000, got -1"):
        NAOSearchConfig(cheap_rounds=-1)
    with pytest.raises(ValueError, match="cheap_rounds needs n_mutations >= 1"):
        NAOSearchConfig(cheap_rounds=1, n_mutations=0)
    with pytest.raises(ValueError, match="early_parents must be an int"):
        NAOSearchConfig(early_parents=1.5)
    with pytest.raises(ValueError, match=r"early_until must be an int in 1\.\.10000000, got 0"):
        NAOSearchConfig(early_until=0)
    ev = TableEvaluator(nb201_table, constraints=[percentile_budget(nb201_table, COL, 50)])
    tiny = {"epochs": 4, "warm_epochs": 2, "n_init": 10, "max_eta": 8.0, "cheap_rounds": 2,
            "early_parents": 3, "early_until": 20,
            "model": {"hidden_size": 16, "mlp_hidden": 16, "augment_draws": 2}}
    runs = [make_searcher("nao", preset="sweep", config=tiny).run(ev, 30, seed=4, progress=False) for _ in range(2)]
    hist = runs[0].history
    assert [r.arch for r in hist] == [r.arch for r in runs[1].history]
    assert [r.round for r in hist if r.extra.get("cheapest_level")] == [1, 2]
    # round 1's mutations: neighbours of the initial pool's 3 best feasible cells, every one of them a parent
    pool = [r for r in hist[:10] if r.feasible]
    top = sorted(pool, key=lambda r: -r.value)[:3]        # fitness of feasible cells: their value
    space = ev.space
    near = [{space.canonical(n) for n in space.neighbours(space.parse(r.arch))} for r in top]
    muts = [r for r in hist if r.round == 1 and r.source == "mutation"]
    assert len(muts) == 4                                 # 5 mutations, one of them the cheap query
    used = {i for r in muts for i, nb in enumerate(near) if r.canonical in nb}
    assert all(any(r.canonical in nb for nb in near) for r in muts) and used == {0, 1, 2}
    plain = make_searcher("nao", preset="sweep", config={**tiny, "cheap_rounds": 0, "early_parents": 0})
    assert not any(r.extra.get("cheapest_level") for r in plain.run(ev, 30, seed=4, progress=False).history)

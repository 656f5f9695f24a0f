"""Cost heads for a fitted plain NAO (naoviz.nao.cost_heads) and the explorer's constrained step through its
off-grid handler, on the digits table's shipped model (no training of the model itself)."""
from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def digits():
    from naoviz.nao.cache import ModelSpec, load_or_train
    from naoviz.tables import load_benchmark
    bench, spec = load_benchmark("nb201-digits"), ModelSpec()
    nao = load_or_train(bench, spec)[0]
    return bench, spec, nao


@pytest.fixture(scope="module")
def explorer_fit(digits, tmp_path_factory):
    """The explorer's params_M heads, fitted once for this module by ``explorer_heads`` (every cell of the table,
    the handler's seed) into a cache folder of its own, with its memory emptied first and kept for the module, so
    the handler's tests find them there instead of fitting them again: (heads, what it told ``progress``, the
    cache folder). test_the_explorers_heads_... checks them against ``cost_nao_from``'s."""
    from naoviz.nao import heads_cache
    from naoviz.ui.explorer_offgrid import HEADS_SEED
    bench, _, nao = digits
    cache, stages = tmp_path_factory.mktemp("heads-cache"), []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(heads_cache, "_heads", type(heads_cache._heads)())
        with pytest.MonkeyPatch.context() as env:
            env.setenv("NAOVIZ_CACHE", str(cache))
            fitted = heads_cache.explorer_heads(nao, bench, "params_M", seed=HEADS_SEED,
                                                progress=lambda *a: stages.append(a))
        yield fitted, stages, cache


@pytest.fixture(scope="module")
def heads(explorer_fit):
    """Heads on all of the table's cells with the handler's seed: the explorer's own."""
    return explorer_fit[0]


def test_the_plain_model_is_unchanged_and_shared(digits, heads):
    bench, _, nao = digits
    archs = bench.archs()[:300]
    before = {k: v.clone() for k, v in nao.net_.state_dict().items()}
    from naoviz.nao.cost_heads import cost_nao_from
    cost_nao_from(nao, ["params_M"], archs, {"params_M": bench.metric("params_M", archs)}, seed=3, epochs=2)
    after = nao.net_.state_dict()
    assert all(np.array_equal(before[k].numpy(), after[k].numpy()) for k in before)
    np.testing.assert_allclose(heads.predict(archs), nao.predict(archs), rtol=0, atol=1e-9)
    etas = [0.0, 2.0, 6.0]
    assert heads.path(archs[5], etas).decoded == nao.path(archs[5], etas).decoded      # no budget: NAO's path


def test_heads_rank_held_out_cells(digits):
    """Fit on 80 % of the digits cells, measure on the other 20 %: params_M tau 0.959, mean relative error
    0.005 (bench/explorer_constrained.py); the floor leaves room for another seed."""
    from naoviz.nao.cost_heads import cost_nao_from, head_quality
    bench, _, nao = digits
    archs, v = bench.archs(), bench.metric("params_M")
    split = np.random.default_rng(11).permutation(len(archs))
    fit, held = split[:len(archs) * 4 // 5], split[len(archs) * 4 // 5:]
    model = cost_nao_from(nao, ["params_M"], [archs[i] for i in fit], {"params_M": v[fit]}, seed=1)
    q = head_quality(model, [archs[i] for i in held], {"params_M": v[held]})["params_M"]
    assert q["n"] == len(held)
    assert q["tau"] > 0.85 and q["mre"] < 0.05, q


def test_same_seed_same_heads_and_another_seed_differs(digits):
    from naoviz.nao.cost_heads import cost_nao_from
    bench, _, nao = digits
    archs = bench.archs()[:400]
    costs = {"params_M": bench.metric("params_M", archs)}
    a, b, c = (cost_nao_from(nao, ["params_M"], archs, costs, seed=s, epochs=3) for s in (5, 5, 6))
    pa, pb, pc = (m.predict_costs(archs[:50])["params_M"] for m in (a, b, c))
    np.testing.assert_array_equal(pa, pb)
    assert not np.array_equal(pa, pc)


@pytest.mark.parametrize("kwargs, match", [
    ({"columns": ["params_M"], "costs": {"params_M": [1.0, 2.0]}}, r"costs\['params_M'\] must hold"),
    ({"columns": ["params_M"], "costs": [1.0]}, "costs must be a dict"),
    ({"columns": [], "costs": {}}, "cost_columns"),
    ({"columns": ["params_M"], "costs": None, "seed": "x"}, "seed"),
])
def test_bad_input_names_the_argument(digits, kwargs, match):
    from naoviz.nao.cost_heads import cost_nao_from
    bench, _, nao = digits
    kwargs = dict(kwargs)
    with pytest.raises(ValueError, match=match):
        cost_nao_from(nao, kwargs.pop("columns"), bench.archs()[:5], kwargs.pop("costs"), **kwargs)


def test_a_cost_nao_is_not_a_plain_one(heads, digits):
    from naoviz.nao.cost import CostNAO
    bench = digits[0]
    with pytest.raises(ValueError, match="plain NAO"):
        CostNAO.from_nao(heads, ["params_M"], bench.archs()[:5], {"params_M": [1.0] * 5})


def test_budget_path_keeps_the_plain_decodes_within_budget_and_replaces_the_others(digits, heads):
    from naoviz.nao.cost_heads import budget_grid, budget_path
    bench, spec, _ = digits
    bound = float(np.nanpercentile(bench.metric("params_M"), 25))
    etas = np.arange(0, 10.01, 1.0)
    seeds = [bench.archs()[i] for i in (17, 905, 3030)]
    grid = budget_grid(heads, seeds, etas, {"params_M": bound})
    for seed, row in zip(seeds, grid):
        plain = heads.path(seed, etas)
        con = heads.path(seed, etas, budget={"params_M": bound})
        got = budget_path(heads, seed, etas, {"params_M": bound}, benchmark=bench, metric=spec.metric)
        ok = heads.predict_costs(plain.decoded)["params_M"] <= bound
        assert got.decoded == [p if k else c for p, c, k in zip(plain.decoded, con.decoded, ok)] == row
        np.testing.assert_array_equal(got.constrained, ~ok)
        np.testing.assert_allclose(got.predicted, np.where(ok, plain.predicted, con.predicted))
        np.testing.assert_allclose(got.costs["params_M"]["decoded_predicted"],
                                   heads.predict_costs(got.decoded)["params_M"], rtol=1e-6)
        assert got.costs["params_M"]["budget"] == bound
        np.testing.assert_array_equal(got.true, bench.metric(spec.metric, got.decoded))


def test_the_handler_steps_under_the_budget_more_often_than_the_atlas_path(digits, heads):
    """The explorer's handler with a budget (params_M at the table's 25th percentile): its decoded cells are
    predicted within budget more often than the unconstrained path's, by the same heads (same seed)."""
    from naoviz.atlas_cache import cached_atlas
    from naoviz.ui.explorer_offgrid import nao_handler
    from naoviz.ui.explorer_widget import ExplorerWidget
    bench, spec, nao = digits
    atlas = cached_atlas(bench, spec)
    bound = float(np.nanpercentile(bench.metric("params_M"), 25))
    w = ExplorerWidget(atlas, handler=nao_handler(lambda: (nao, bench, spec.metric)))
    w.budget_column, w.budget = "params_M", bound
    within_con, within_plain = [], []
    for m in np.random.default_rng(3).choice(len(atlas.seeds), 12, replace=False):
        w.seed = int(atlas.seeds[m])
        reply = w.constrained_path()
        assert reply["ok"], reply
        assert reply["constrained"] == {"column": "params_M", "bound": bound}
        np.testing.assert_allclose(reply["cost_predicted"], heads.predict_costs(reply["decoded"])["params_M"],
                                   rtol=1e-6)
        assert reply["rows"] == [w._row_of().get(c, -1) for c in reply["decoded"]]
        assert len(reply["constrained_at"]) == len(atlas.etas)
        within_con += [c <= bound for c in reply["cost_predicted"]]
        plain = [atlas.labels[r] for r in atlas.path_decoded[m]]
        within_plain += (heads.predict_costs(plain)["params_M"] <= bound).tolist()
    assert np.mean(within_con) > np.mean(within_plain), (np.mean(within_con), np.mean(within_plain))
    figs = w.figures()                                    # the export carries the constrained path
    names = [t.name for t in figs["map"].data]
    assert f"constrained step, budget parameters <= {bound:g}" in names
    assert any(t.name == "constrained: parameters of decoded cell" for t in figs["prediction"].data)
    w.budget = None
    assert w.constrained_path() is None
    assert not any("constrained" in (t.name or "") for t in w.figures()["map"].data)


@pytest.mark.parametrize("bound", [0.0, -5.0])
def test_a_bound_the_log_scaled_column_cannot_take_is_refused_in_one_line(digits, heads, bound):
    """params_M is log-scaled: a bound <= 0 became -inf/NaN, the step's states NaN, and the decoder's garbage
    reached the explorer as "nb201: token 0 is not legal at position 0". Now one line names the budget."""
    from naoviz.nao.cost_heads import budget_path
    from naoviz.ui.explorer_offgrid import nao_handler
    bench, spec, nao = digits
    with pytest.raises(ValueError, match=r"^budget: params_M <= .* is out of reach: params_M is positive") as e:
        budget_path(heads, bench.archs()[0], [0.0, 5.0], {"params_M": bound})
    assert "\n" not in str(e.value) and "token" not in str(e.value)
    handle = nao_handler(lambda: (nao, bench, spec.metric))
    with pytest.raises(ValueError, match=r"^budget: params_M"):
        handle({"cell": bench.space.format(bench.archs()[0]), "steps": 1, "etas": [0.0, 5.0],
                "budget": {"column": "params_M", "bound": bound}})
    small = float(np.nanmin(bench.metric("params_M"))) / 2        # positive, below every cell: still stepped
    got = budget_path(heads, bench.archs()[0], [0.0, 5.0], {"params_M": small})
    assert len(got.decoded) == 2


def test_the_explorers_heads_are_fitted_once_kept_on_disk_and_the_same_each_way(digits, explorer_fit, monkeypatch):
    """``explorer_heads`` fits a column's head once (its epochs told to ``progress``), keeps it in memory and on
    disk; a later process (memory cleared) loads it, and every way gives the heads ``cost_nao_from`` fits with
    the explorer's seed: the same weights, so the same constrained path."""
    import torch

    from naoviz.nao import heads_cache
    from naoviz.nao.cost_heads import cost_nao_from
    from naoviz.ui.explorer_offgrid import HEADS_SEED
    fitted, stages, cache = explorer_fit                  # fitted by explorer_heads in the fixture, memory empty
    monkeypatch.setenv("NAOVIZ_CACHE", str(cache))
    bench, spec, nao = digits
    assert stages[0][0].startswith("fitting the params_M cost head") and stages[-1][1:] == (60, 60)
    assert [s[1] for s in stages] == list(range(61))
    stages = []
    assert heads_cache.explorer_heads(nao, bench, "params_M", seed=HEADS_SEED, progress=stages.append) is fitted
    assert stages == []                                              # from memory: nothing to tell
    monkeypatch.setattr(heads_cache, "_heads", type(heads_cache._heads)())     # a later process: from disk
    loaded = heads_cache.explorer_heads(nao, bench, "params_M", seed=HEADS_SEED, progress=lambda *a: stages.append(a))
    assert loaded is not fitted and [s[0] for s in stages] == ["loading the params_M cost head (fitted before)"]
    ref = cost_nao_from(nao, ["params_M"], bench.archs(), {"params_M": bench.metric("params_M")}, seed=HEADS_SEED)
    for model in (fitted, loaded):
        mine, theirs = model.net_.state_dict(), ref.net_.state_dict()
        assert mine.keys() == theirs.keys() and all(torch.equal(mine[k], theirs[k]) for k in theirs)
    bound = float(np.nanpercentile(bench.metric("params_M"), 25))
    etas = np.arange(0, 10.01, 1.0)
    from naoviz.nao.cost_heads import budget_path
    want = budget_path(ref, bench.archs()[905], etas, {"params_M": bound})
    got = heads_cache.explorer_path(loaded, bench.archs()[905], etas, {"params_M": bound})
    assert got.decoded == want.decoded and got.constrained.tolist() == want.constrained.tolist()
    assert heads_cache.explorer_path(loaded, bench.archs()[905], etas, {"params_M": bound}) is got   # kept

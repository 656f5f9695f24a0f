"""The cost models a constrained NAO search judges its decodes by (issue 14): CostNAO's cost heads, its budget
and a given cost model, and LinearCosts' ridge fits (exact on parameter counts, leave-one-out predictions,
penalty and features picked by leave-one-out error)."""
from __future__ import annotations

import numpy as np
import pytest


def test_cost_nao_heads_budget_and_path(nb201_table):
    from naoviz.nao import NAOConfig
    from naoviz.nao.cost import CostNAO
    sp = nb201_table.space
    archs = sp.sample(60, seed=0)
    cols = ["latency_pixel3", "cifar10_params_M"]
    nao = CostNAO(sp, NAOConfig.preset("fast", epochs=20, hidden_size=32, mlp_hidden=32), cost_columns=cols)
    nao.fit(archs, nb201_table.metric("valid_acc", archs), costs={c: nb201_table.metric(c, archs) for c in cols},
            progress=False)
    pred = nao.predict_costs(archs[:7])
    assert set(pred) == set(cols) and all(v.shape == (7,) and (v > 0).all() for v in pred.values())
    budget = {"latency_pixel3": float(np.median(nb201_table.metric("latency_pixel3", archs)))}
    found = nao.generate(archs[:10], 4, max_eta=20, exclude=archs, budget=budget)
    if found:                          # every kept decode is predicted within the budget
        assert (nao.predict_costs([g.arch for g in found])["latency_pixel3"] <= budget["latency_pixel3"]).all()
    p = nao.path(archs[0], [0, 2, 5], benchmark=nb201_table, budget=budget)
    entry = p.costs["latency_pixel3"]
    assert entry["predicted"].shape == (3,) and entry["true"].shape == (3,) and entry["budget"] == budget["latency_pixel3"]
    assert entry["true"][0] == pytest.approx(nb201_table.metric("latency_pixel3", [p.decoded[0]])[0])
    with pytest.raises(ValueError, match="no cost head"):
        nao.generate(archs[:2], 1, budget={"cifar10_flops_M": 3.0})
    with pytest.raises(ValueError, match="costs"):
        nao.fit(archs, nb201_table.metric("valid_acc", archs), costs={"latency_pixel3": [1.0]}, progress=False)


def test_linear_costs_are_exact_on_parameter_counts(nb201_table):
    """Parameter counts are a sum of per-edge op costs: the ridge fitted on 60 cells predicts unseen cells'
    counts to rounding, so a budget at a count's level keeps the cells at that level."""
    from naoviz.search.hw import LinearCosts
    sp = nb201_table.space
    archs = sp.sample(400, seed=1)
    fit, rest = archs[:60], archs[60:]
    model = LinearCosts(sp, ["cifar10_params_M", "latency_pixel3"]).fit(
        fit, {c: nb201_table.metric(c, fit) for c in ("cifar10_params_M", "latency_pixel3")})
    pred = model.predict_costs(rest)
    true = nb201_table.metric("cifar10_params_M", rest)
    np.testing.assert_allclose(pred["cifar10_params_M"], true, rtol=1e-6, atol=1e-6)
    lat = nb201_table.metric("latency_pixel3", rest)               # latency: additive only roughly
    assert np.corrcoef(pred["latency_pixel3"], lat)[0, 1] > 0.8
    assert model.predict_costs([])["cifar10_params_M"].shape == (0,)


def test_linear_costs_loo_predictions_equal_refits_without_each_cell(nb201_table):
    """The closed-form leave-one-out predictions (hat matrix) equal refitting the ridge without each cell,
    also for cells whose op at an edge no other cell has (leverage near 1) and with a missing value."""
    from naoviz.search.hw import LinearCosts
    sp = nb201_table.space
    archs = sp.sample(14, seed=3)
    cols = ("cifar10_params_M", "latency_pixel3")
    table = {c: nb201_table.metric(c, archs).astype(float) for c in cols}
    table["latency_pixel3"][5] = np.nan
    model = LinearCosts(sp, list(cols), alpha=1e-3)
    loo = model.fit(archs, table).loo_predictions(archs, table)
    for c in cols:
        for i in range(len(archs)):
            if not np.isfinite(table[c][i]):
                assert np.isnan(loo[c][i])
                continue
            keep = [j for j in range(len(archs)) if j != i]
            refit = LinearCosts(sp, [c], alpha=1e-3).fit([archs[j] for j in keep], {c: table[c][keep]})
            np.testing.assert_allclose(loo[c][i], refit.predict_costs([archs[i]])[c][0], rtol=1e-6, atol=1e-6)
    x = sp.one_hot(archs)
    assert (x.sum(axis=0) == 1).any(), "the case should hold an op seen by one cell only"


def test_linear_costs_pick_each_columns_penalty_by_leave_one_out_error(nb201_table):
    """With ``alphas`` the ridge takes, per column, the penalty with the smallest LOO squared error:
    parameter counts keep a tiny one (still exact on unseen cells), latency_pixel3 a larger one that errs
    less on unseen cells than the fixed 1e-6; LOO predictions use the chosen penalty (equal to refits)."""
    from naoviz.search.hw import LinearCosts
    sp = nb201_table.space
    archs = sp.sample(600, seed=2)
    fit, rest = archs[:60], archs[60:]
    cols = ["cifar10_params_M", "latency_pixel3"]
    table = {c: nb201_table.metric(c, fit).astype(float) for c in cols}
    grid = (1e-6, 1e-2, 1.0, 10.0)
    picked = LinearCosts(sp, cols, alphas=grid).fit(fit, table)
    fixed = LinearCosts(sp, cols).fit(fit, table)
    assert picked.alpha_["cifar10_params_M"] <= 1e-2 and picked.alpha_["latency_pixel3"] >= 1e-2
    pred, base = picked.predict_costs(rest), fixed.predict_costs(rest)
    np.testing.assert_allclose(pred["cifar10_params_M"], nb201_table.metric("cifar10_params_M", rest), rtol=1e-3)
    lat = nb201_table.metric("latency_pixel3", rest)
    err = {k: np.mean((p["latency_pixel3"] - lat) ** 2) for k, p in (("picked", pred), ("fixed", base))}
    assert err["picked"] < err["fixed"], err
    loo = picked.loo_predictions(fit, table)["latency_pixel3"]
    a = picked.alpha_["latency_pixel3"]
    for i in (0, 7):
        keep = [j for j in range(len(fit)) if j != i]
        refit = LinearCosts(sp, ["latency_pixel3"], alpha=a).fit([fit[j] for j in keep],
                                                                 {"latency_pixel3": table["latency_pixel3"][keep]})
        np.testing.assert_allclose(loo[i], refit.predict_costs([fit[i]])["latency_pixel3"][0], rtol=1e-6)


def test_cost_nao_budget_judges_decodes_by_the_given_cost_model(nb201_table):
    """``CostNAO.budget(..., cost_model=)``: decodes are kept by that model's predictions, also through a
    nested ``generate`` without a budget (the search's sweep), and the heads judge again once it closes."""
    from naoviz.nao import NAOConfig
    from naoviz.nao.cost import CostNAO
    sp = nb201_table.space
    archs = sp.sample(40, seed=0)
    col = "cifar10_params_M"
    nao = CostNAO(sp, NAOConfig.preset("fast", epochs=5, hidden_size=16, mlp_hidden=16), cost_columns=[col])
    nao.fit(archs, nb201_table.metric("valid_acc", archs), costs={col: nb201_table.metric(col, archs)}, progress=False)

    class Const:
        def __init__(self, v):
            self.v = v

        def predict_costs(self, a):
            return {col: np.full(len(a), self.v)}

    budget = {col: 1.0}
    with nao.budget(budget, cost_model=Const(5.0)):                # everything predicted over budget
        assert nao.generate(archs[:5], 3, max_eta=8, exclude=archs) == []
        assert not nao.within_budget(archs[:4]).any()
    with nao.budget(budget, cost_model=Const(0.5)):                # everything predicted within it
        assert nao.within_budget(archs[:4]).all()
    heads = nao.predict_costs(archs[:4])[col] <= 1.0
    with nao.budget(budget):
        assert nao.within_budget(archs[:4]).tolist() == heads.tolist()
    assert nao.within_budget(archs[:4]) is None                     # no budget: no judge


def test_linear_costs_on_cost_features_fit_a_cost_that_skips_dead_edges(nb201_table):
    """A cost that counts only live edges' ops (what a device that prunes dead branches pays) is linear in
    ``space.cost_features``: the ridge on them predicts unseen cells to rounding, the one on ``one_hot`` does
    not; a bad ``features`` value is an error that names it."""
    from naoviz.search.hw import LinearCosts
    sp = nb201_table.space
    archs = sp.sample(600, seed=4)
    per_op = np.asarray([0.0, 0.1, 1.0, 3.0, 0.5])
    ops = np.asarray(archs)
    cost = 2.0 + (per_op[ops] * sp.live_edges(archs)).sum(axis=1)          # (n,)
    fit, rest = slice(0, 300), slice(300, None)
    err = {}
    for feats in ("cost", "one_hot"):
        model = LinearCosts(sp, ["c"], features=feats).fit(archs[fit], {"c": cost[fit]})
        err[feats] = np.abs(model.predict_costs(archs[rest])["c"] - cost[rest]).max()
    assert err["cost"] < 1e-4 < 0.1 < err["one_hot"]
    with pytest.raises(ValueError, match="features"):
        LinearCosts(sp, ["c"], features="live")


def test_linear_costs_pick_each_columns_features_by_leave_one_out_error(nb201_table):
    """``features="loo"``: per column the feature set with the smaller LOO squared error. A cost linear in
    the op one-hot (parameter counts) keeps ``one_hot`` and stays exact on unseen cells; a cost that skips
    dead edges takes ``cost`` and errs less on unseen cells than the one-hot; predictions and LOO predictions
    are those of the single-set model chosen."""
    from naoviz.search.hw import LinearCosts
    sp = nb201_table.space
    archs = sp.sample(400, seed=5)
    fit, rest = archs[:40], archs[40:]
    per_op = np.asarray([0.0, 0.1, 1.0, 3.0, 0.5])
    ops = np.asarray(archs)
    live = 2.0 + (per_op[ops] * sp.live_edges(archs)).sum(axis=1)                 # (n,)
    table = {"cifar10_params_M": nb201_table.metric("cifar10_params_M", fit), "live": live[:40]}
    model = LinearCosts(sp, list(table), alphas=(1e-6, 1.0), features="loo").fit(fit, table)
    assert model.features_ == {"cifar10_params_M": "one_hot", "live": "cost"}
    pred = model.predict_costs(rest)
    np.testing.assert_allclose(pred["cifar10_params_M"], nb201_table.metric("cifar10_params_M", rest), atol=1e-5)
    other = LinearCosts(sp, ["live"], alphas=(1e-6, 1.0), features="one_hot").fit(fit, {"live": live[:40]})
    assert np.abs(pred["live"] - live[40:]).mean() < np.abs(other.predict_costs(rest)["live"] - live[40:]).mean()
    for col, feats in model.features_.items():
        single = LinearCosts(sp, [col], alphas=(1e-6, 1.0), features=feats).fit(fit, {col: table[col]})
        np.testing.assert_allclose(pred[col], single.predict_costs(rest)[col])
        np.testing.assert_allclose(model.loo_predictions(fit, table)[col], single.loo_predictions(fit, {col: table[col]})[col])
    assert model.predict_costs([])["live"].shape == (0,)


def test_linear_costs_exact_keeps_the_one_hot_only_for_a_column_it_fits_exactly(nb201_table):
    """``features="exact"``: parameter counts (a sum of per-edge op costs) keep the one-hot, also when a
    fitted cell holds an op no other cell has (leverage 1: its leave-one-out error says nothing); latency_pixel3
    and a cost that skips dead edges take the live-edge features; the predictions equal a single-set ridge."""
    from naoviz.search.hw import LinearCosts
    sp = nb201_table.space
    pool = sp.sample(400, seed=6)
    first = np.asarray(pool)[:, 0]
    odd = [a for a in pool if a[0] == 4]                              # one cell with op 4 on the first edge
    archs = [a for a in pool if a[0] != 4][:60] + odd[:1] + odd[1:] + [a for a in pool if a[0] != 4][60:]
    assert (first == 4).sum() > 1
    fit, rest = archs[:61], archs[61:]
    ops = np.asarray(archs)
    per_op = np.asarray([0.0, 0.1, 1.0, 3.0, 0.5])
    live = 2.0 + (per_op[ops] * sp.live_edges(archs)).sum(axis=1)                 # (n,)
    table = {c: nb201_table.metric(c, fit) for c in ("cifar10_params_M", "latency_pixel3")}
    table["live"] = live[:61]
    x = sp.one_hot(fit)
    lone = np.flatnonzero(x[:, np.flatnonzero(x.sum(axis=0) == 1)].any(axis=1))
    assert len(lone), "the case should hold an op seen by one cell only"
    model = LinearCosts(sp, list(table), alphas=(1e-6, 1.0), features="exact").fit(fit, table)
    assert model.features_ == {"cifar10_params_M": "one_hot", "latency_pixel3": "cost", "live": "cost"}
    pred = model.predict_costs(rest)
    np.testing.assert_allclose(pred["cifar10_params_M"], nb201_table.metric("cifar10_params_M", rest), atol=1e-5)
    for col, feats in model.features_.items():
        single = LinearCosts(sp, [col], alphas=(1e-6, 1.0), features=feats).fit(fit, {col: table[col]})
        np.testing.assert_allclose(pred[col], single.predict_costs(rest)[col])

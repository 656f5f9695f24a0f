"""``project_tol`` (issue 14): the projected step only where the cost judge is reliable. Checked: a column is
judged additive from measured cells alone (parameter counts are, latency is not); a seeded search projects on a
params budget and runs the plain sweep, query for query, on a latency_pixel3 budget; bad values are refused."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.search import make_searcher
from naoviz.search.additive import additive
from naoviz.search.constraints import percentile_budget
from naoviz.search.nao_search import NAOSearchConfig

torch.set_num_threads(1)

TINY = {"hidden_size": 16, "mlp_hidden": 16, "augment_draws": 2}
SWEEP = {"epochs": 8, "warm_epochs": 2, "n_init": 10, "n_new": 5, "n_mutations": 5, "model": TINY}
PROJECT = {"proposer": "rank", "decode_by": "nearest", "nearest_k": 4, "nearest_pool": 300,
           "nearest_feasible": True, "step_fills": 3, "cheap_rounds": 3}


@pytest.mark.parametrize("value", [-0.1, 1.5, "0.01", True, float("nan")])
def test_bad_project_tol_is_refused_in_one_line(value):
    with pytest.raises(ValueError, match="project_tol") as exc:
        NAOSearchConfig(**{**SWEEP, **PROJECT, "project_tol": value})
    assert "\n" not in str(exc.value)


def test_project_tol_needs_the_projection_it_gates():
    with pytest.raises(ValueError, match="project_tol 0.01 needs nearest_feasible"):
        NAOSearchConfig(**{**SWEEP, "project_tol": 0.01})


def test_params_are_additive_on_measured_cells_and_latency_is_not(nb201_table):
    sp = nb201_table.space
    archs = sp.sample(12, seed=5)
    assert additive(sp, archs, nb201_table.metric("cifar10_params_M", archs), 0.005) is True
    assert additive(sp, archs, nb201_table.metric("latency_pixel3", archs), 0.005) is False
    assert additive(sp, archs, nb201_table.metric("latency_pixel3", archs), 1e6) is True     # any error passes
    assert additive(sp, archs[:4], nb201_table.metric("cifar10_params_M", archs[:4]), 0.005) is None   # too few
    y = np.array(nb201_table.metric("cifar10_params_M", archs), dtype=float)
    y[0] = np.nan                                                                      # a missing value is skipped
    assert additive(sp, archs, y, 0.005) is True


def _history(res):
    return [(r.canonical, r.value, r.source, json.dumps(r.extra, sort_keys=True)) for r in res.history]


def _run(table, column, fields, seed=2):
    ev = TableEvaluator(table, constraints=[percentile_budget(table, column, 50)])
    return make_searcher("nao", preset="sweep", config=fields).run(ev, 30, seed, progress=False)


def test_the_rule_projects_on_params_and_runs_the_sweep_on_latency(nb201_table):
    gated = {**SWEEP, **PROJECT, "project_tol": 0.005}
    params = [_run(nb201_table, "cifar10_params_M", gated) for _ in range(2)]
    assert _history(params[0]) == _history(params[1])                                   # seeded
    assert any(r.extra.get("decode") == "nearest" for r in params[0].history)           # projected
    assert any(r.extra.get("cheapest_level") for r in params[0].history)
    latency = _run(nb201_table, "latency_pixel3", gated)
    assert not any(r.extra.get("decode") == "nearest" or r.extra.get("cheapest_level") for r in latency.history)
    assert _history(latency) == _history(_run(nb201_table, "latency_pixel3", SWEEP))    # the sweep, query for query
    free = make_searcher("nao", preset="sweep", config=gated).run(TableEvaluator(nb201_table), 20, 2,
                                                                  progress=False)
    assert _history(free) == _history(make_searcher("nao", preset="sweep", config=SWEEP).run(
        TableEvaluator(nb201_table), 20, 2, progress=False))                           # no budget: the sweep



def test_a_config_the_sweep_fallback_cannot_run_is_refused_in_one_line():
    fields = {**SWEEP, **PROJECT, "proposer": "trust", "near_penalty": 0.5, "near_until": 30, "project_tol": 0.005}
    with pytest.raises(ValueError, match="project_tol: the sweep it falls back to cannot run") as exc:
        NAOSearchConfig(**fields)                                    # near_penalty needs the trust step
    assert "\n" not in str(exc.value)
    assert NAOSearchConfig(**{**fields, "near_penalty": 0.0}).swept().proposer == "sweep"


@pytest.mark.parametrize("value", [-0.1, 1.5, "0.9", True])
def test_bad_project_pof_is_refused_in_one_line(value):
    with pytest.raises(ValueError, match="project_pof") as exc:
        NAOSearchConfig(**{**SWEEP, **PROJECT, "project_tol": 0.005, "project_pof": value})
    assert "\n" not in str(exc.value)
    with pytest.raises(ValueError, match="project_pof 0.9 needs project_tol > 0"):
        NAOSearchConfig(**{**SWEEP, **PROJECT, "project_pof": 0.9})


def test_project_pof_projects_on_latency_onto_likely_feasible_cells_and_leaves_params_alone(nb201_table):
    strict = {**SWEEP, **PROJECT, "project_tol": 0.005, "project_pof": 0.9}
    latency = [_run(nb201_table, "latency_pixel3", strict) for _ in range(2)]
    assert _history(latency[0]) == _history(latency[1])                                 # seeded
    assert any(r.extra.get("decode") == "nearest" for r in latency[0].history)          # projected, not the sweep
    gated = {**SWEEP, **PROJECT, "project_tol": 0.005}
    # where the test passes (params) the field changes nothing
    assert _history(_run(nb201_table, "cifar10_params_M", strict)) == _history(
        _run(nb201_table, "cifar10_params_M", gated))


def test_the_retrieval_pool_keeps_the_cells_a_feasibility_function_passes(nb201_table):
    from naoviz.nao import NAO
    from naoviz.search.base import SearchContext
    from naoviz.search.retrieve import Retriever
    ev = TableEvaluator(nb201_table)
    ctx = SearchContext(ev, 40, algo="test", seed=0, progress=False)
    ctx.evaluate([(a, "random") for a in ctx.random_new(np.random.default_rng(0), 12)])
    nao = NAO(ev.space, NAOSearchConfig(**SWEEP).model_config(0))
    nao.fit(ctx.archs, ctx.values(), progress=False)
    cells = ctx.random_new(np.random.default_rng(1), 50)
    keys = [ev.space.canonical(a) for a in cells]
    lat = {k: ev.evaluate(a)["metrics"]["latency_pixel3"] for k, a in zip(keys, cells)}
    cheap = Retriever(ctx, nao, cells, keys, 4, feasible=lambda cs: np.asarray(
        [lat[ev.space.canonical(a)] <= 5.0 for a in cs]))
    assert cheap.keys == [k for k in keys if lat[k] <= 5.0] and 0 < len(cheap.keys) < 50
    assert Retriever(ctx, nao, cells, keys, 4).keys == keys                             # no filter: every cell

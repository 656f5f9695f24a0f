"""Searcher invariants on the real NB201 tables: valid, unique-by-canonical archs, budget, determinism."""
from __future__ import annotations

import numpy as np
import pytest

import torch

from naoviz.evaluate import TableEvaluator
from naoviz.search import SOURCES, make_searcher

torch.set_num_threads(1)

FAST_NAO = {"epochs": 15, "warm_epochs": 5, "n_init": 10, "top_k": 4, "n_new": 4, "n_mutations": 2,
            "max_eta": 20.0, "model": {"hidden_size": 32, "mlp_hidden": 32, "augment_draws": 2}}


@pytest.fixture(scope="module")
def evaluator(nb201_table):
    return TableEvaluator(nb201_table)


def _search(algo, evaluator, budget, seed):
    config = FAST_NAO if algo == "nao" else None
    preset = "sweep" if algo == "nao" else None          # FAST_NAO: the sweep recipe, smaller
    return make_searcher(algo, preset=preset, config=config).run(evaluator, budget, seed, progress=False)


@pytest.mark.parametrize("algo", ["rs", "re", "ls", "nao"])
def test_history_is_valid_unique_and_within_budget(algo, evaluator, nb201_table):
    budget = 26
    res = _search(algo, evaluator, budget, seed=3)
    space = nb201_table.space
    assert len(res.history) == budget
    assert [r.query for r in res.history] == list(range(1, budget + 1))
    archs = [space.parse(r.arch) for r in res.history]            # parses: every arch is valid
    canon = [space.canonical(a) for a in archs]
    assert canon == [r.canonical for r in res.history]
    assert len(set(canon)) == budget                                 # unique by canonical form
    assert {r.source for r in res.history} <= set(SOURCES)
    # Values are the table's, for exactly these archs.
    np.testing.assert_allclose([r.value for r in res.history], nb201_table.metric("valid_acc", archs))
    np.testing.assert_allclose([r.report for r in res.history], nb201_table.metric("cifar10_test_acc", archs))
    np.testing.assert_allclose(res.train_time_s, nb201_table.metric("train_time_s", archs).sum())
    # The incumbent is the best-by-search-metric so far; its reported value is what the curve shows.
    vc = res.value_curve()
    assert np.all(np.diff(vc) >= 0) and vc[-1] == max(r.value for r in res.history)
    best = int(np.argmax([r.value for r in res.history]))
    assert res.incumbent_curve()[-1] == res.history[best].report
    counts = res.counts()
    assert sum(counts["queries"].values()) == budget
    assert sum(counts["incumbents"].values()) >= 1


@pytest.mark.parametrize("algo", ["rs", "re", "ls", "nao"])
def test_seeded_determinism_and_prefix(algo, evaluator):
    a = _search(algo, evaluator, 22, seed=5)
    b = _search(algo, evaluator, 22, seed=5)
    assert [r.to_dict() for r in a.history] == [r.to_dict() for r in b.history]
    c = _search(algo, evaluator, 22, seed=6)
    assert [r.arch for r in a.history] != [r.arch for r in c.history]
    # Anytime: a short run is a prefix of a longer one with the same seed.
    short = _search(algo, evaluator, 13, seed=5)
    assert [r.arch for r in short.history] == [r.arch for r in a.history[:13]]


def test_nao_credits_decoder_only_with_what_it_decoded(evaluator, nb201_table):
    res = _search("nao", evaluator, 30, seed=1)
    space = nb201_table.space
    decoded = [r for r in res.history if r.source == "decoder"]
    assert decoded, "the decoder proposed nothing"
    for r in decoded:
        seed = space.parse(r.extra["seed"])
        assert space.canonical(seed) != r.canonical                    # a new arch, not its seed
        assert 0 < r.extra["eta"] <= 10 * FAST_NAO["max_eta"]          # the sweep widens when it runs dry
    assert all(r.source == "random" for r in res.history[:FAST_NAO["n_init"]])


def test_minimised_metric_keeps_the_lowest(nb201_table):
    ev = TableEvaluator(nb201_table, metric="valid_loss")
    assert ev.maximize is False
    res = make_searcher("re").run(ev, 30, seed=0, progress=False)
    vc = res.value_curve()
    assert np.all(np.diff(vc) <= 0) and vc[-1] == min(r.value for r in res.history)


def test_incumbent_curve_follows_the_search_metric_not_the_report():
    from naoviz.search import Record, incumbent_curve, incumbent_index

    def rec(q, value, report):
        return Record(query=q, arch=str(q), canonical=str(q), value=value, report=report, source="random", cost_s=0.0)

    recs = [rec(1, 80.0, 70.0), rec(2, 79.0, 99.0), rec(3, 85.0, 60.0), rec(4, 85.0, 90.0)]
    # by value (max): 1, 1, 3, 3 (the first of equal values stays); reports 70, 70, 60, 60
    assert incumbent_index(recs).tolist() == [0, 0, 2, 2]
    assert incumbent_curve(recs).tolist() == [70.0, 70.0, 60.0, 60.0]
    # minimised: 1, 2, 2, 2 -> 70, 99, 99, 99
    assert incumbent_curve(recs, maximize=False).tolist() == [70.0, 99.0, 99.0, 99.0]
    assert incumbent_curve([]).tolist() == []


def test_user_errors_name_the_field(evaluator, nb201_table):
    with pytest.raises(ValueError, match="budget"):
        make_searcher("rs").run(evaluator, 0, seed=0, progress=False)
    with pytest.raises(ValueError, match="budget"):
        make_searcher("rs").run(evaluator, len(nb201_table.space.classes) + 1, seed=0, progress=False)
    with pytest.raises(ValueError, match="algo"):
        make_searcher("bogus")
    with pytest.raises(ValueError, match="preset"):
        make_searcher("nao", preset="bogus")
    with pytest.raises(ValueError, match="population_size"):
        make_searcher("re", config={"population_size": 3})
    with pytest.raises(ValueError, match="metric"):
        TableEvaluator(nb201_table, metric="valid_accuracy")
    with pytest.raises(ValueError, match="sample"):
        make_searcher("re", config={"sample": 50}).run(evaluator, 30, seed=0, progress=False)


def test_a_nao_search_from_python_runs_torch_on_its_configured_threads(evaluator):
    """A NAO search run from Python runs torch on the model's ``threads`` (1 by default), as ``naoviz search``
    does, and puts the process's count back: on torch's default (all cores) docs/search.md's 100-query snippet
    ran several times slower than ``naoviz search`` on a shared 2-core machine (only ``fit`` ran on one thread)."""
    seen = []
    torch.set_num_threads(2)
    try:
        make_searcher("nao", preset="sweep", config=FAST_NAO).run(
            evaluator, 16, 0, progress=False, on_evaluation=lambda r: seen.append(torch.get_num_threads()))
        after = torch.get_num_threads()
    finally:
        torch.set_num_threads(1)
    assert seen == [1] * 16 and after == 2

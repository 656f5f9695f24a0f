"""Two off-by-default options of NAO's search (issue 13): the step's candidates ranked by NAO's acquisition
and a forest together (``forest_blend``: mean of the two ranks), and a space-filling initial pool (``init_design
= "kmeans"``: the cells nearest to k-means centres of an unsupervised embedding). Both are checked, seeded, and
leave every preset's search as it was."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.search import make_searcher
from naoviz.search.base import SearchContext
from naoviz.search.blend import blend_order, ranks_desc
from naoviz.search.design import kmeans, kmeans_design, nearest_distinct
from naoviz.search.nao_search import PRESETS, NAOSearchConfig

torch.set_num_threads(1)

TINY = {"hidden_size": 16, "mlp_hidden": 16, "augment_draws": 2}
STEP = {"epochs": 8, "warm_epochs": 2, "n_init": 10, "top_k": 1, "n_new": 5, "n_mutations": 0,
        "proposer": "trust", "seed_by": "value", "n_etas": 2, "draws": 4, "temperature": 1.5, "model": TINY}


def test_blend_order_is_the_mean_of_two_ranks_ties_by_the_acquisition():
    np.testing.assert_array_equal(ranks_desc([0.1, 0.9, 0.5]), [2, 0, 1])
    assert list(blend_order([3, 2, 1, 0], [0, 1, 2, 3])) == [0, 1, 2, 3]     # all tie: the acquisition's order
    assert list(blend_order([1, 3, 2], [1, 2, 3])) == [1, 2, 0]
    assert list(blend_order([5, 4, 3, 2], [5, 4, 3, 2])) == [0, 1, 2, 3]     # agreement keeps the order
    assert list(blend_order([2, 3, 1], [3, 1, 2])) == [0, 1, 2]


def test_kmeans_finds_separated_clusters_and_nearest_rows_are_distinct():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    x = np.concatenate([c + 0.1 * rng.standard_normal((30, 2)) for c in centres])
    found = kmeans(x, 3, np.random.default_rng(1))
    assert sorted(np.round(found).tolist()) == sorted(centres.tolist())
    picks = nearest_distinct(x, found)
    assert len(set(picks)) == 3 and sorted(p // 30 for p in picks) == [0, 1, 2]      # one row per cluster
    assert nearest_distinct(x, np.zeros((2, 2))) != [picks[0]] * 2                  # never the same row twice


def test_kmeans_design_is_seeded_new_and_spread(nb201_table, tmp_path, monkeypatch):
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    ev = TableEvaluator(nb201_table)
    cfg = NAOSearchConfig(**STEP).model_config(0)
    space = nb201_table.space

    def design(seed):
        ctx = SearchContext(ev, 100, algo="nao", seed=seed)
        return kmeans_design(ctx, cfg, 8, 200, np.random.default_rng(seed), 100, 2, 0)

    a, b, c = design(3), design(3), design(4)
    assert a == b and a != c and len(a) == 8
    assert len({space.canonical(x) for x in a}) == 8
    ctx = SearchContext(ev, 100, algo="nao", seed=3)
    assert kmeans_design(ctx, cfg, 8, 5, np.random.default_rng(3), 100, 2, 0) == \
        ctx.random_new(np.random.default_rng(3), 5)                             # pool <= n: the pool itself


@pytest.mark.parametrize("field,value", [("forest_blend", 1), ("blend_until", -1), ("init_design", "grid"),
                                         ("init_pool", 5), ("init_pool", 1.5)])
def test_options_are_checked(field, value):
    with pytest.raises(ValueError, match=field):
        NAOSearchConfig(**{**STEP, "init_design": "kmeans", field: value})
    with pytest.raises(ValueError, match="forest_blend"):
        NAOSearchConfig(forest_blend=True)                                     # the sweep has no candidate order


def test_off_by_default_in_every_preset_but_kmeans():
    for name, values in PRESETS.items():                   # handoff, stall: kmeans with late retrieval; gp: its GP
        cfg = NAOSearchConfig(**values)
        kmeans_based = ("kmeans", "default", "handoff", "stall", "ladder", "gp")
        assert not cfg.forest_blend and cfg.init_design == ("kmeans" if name in kmeans_based else "random")


def test_searches_with_the_options_are_seeded(nb201_table, tmp_path, monkeypatch):
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    ev = TableEvaluator(nb201_table)
    plain = make_searcher("nao", preset="sweep", config=STEP).run(ev, 25, 2, progress=False)
    for extra in ({"forest_blend": True, "blend_until": 20}, {"init_design": "kmeans", "init_pool": 100}):
        runs = [make_searcher("nao", preset="sweep", config={**STEP, **extra}).run(ev, 25, 2, progress=False)
                for _ in range(2)]
        assert [r.to_dict() for r in runs[0].history] == [r.to_dict() for r in runs[1].history]
        assert len(runs[0].history) == 25
        if "forest_blend" in extra:        # same random pool and first fit; the order of later rounds may differ
            assert [r.arch for r in runs[0].history[:10]] == [r.arch for r in plain.history[:10]]
        else:
            assert [r.arch for r in runs[0].history[:10]] != [r.arch for r in plain.history[:10]]
            assert [r.source for r in runs[0].history[:10]] == ["design"] * 10     # the pool: no random fill
        assert [r.source for r in plain.history[:10]] == ["random"] * 10

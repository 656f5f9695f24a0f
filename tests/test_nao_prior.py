"""A training-free prior for NAO's predictor (issue 13, ``naoviz.nao.prior``, ``NAOSearchConfig.prior``): the
``live_conv`` proxy counts only convolutions on live edges, is refused on spaces it has no meaning for, pretrains
a predictor that ranks unseen cells by it, leaves the cache keys and searches without a prior as they were, and
a search with it is seeded."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch
from scipy.stats import kendalltau

from naoviz.evaluate import TableEvaluator
from naoviz.nao import NAO, NAOConfig, semi
from naoviz.nao.checkpoint import space_spec
from naoviz.nao.prior import live_conv, proxy, rank_targets
from naoviz.nao.targets import TargetScaler
from naoviz.search import make_searcher
from naoviz.search.nao_search import PRESETS, NAOSearchConfig

torch.set_num_threads(1)

TINY = {"hidden_size": 32, "mlp_hidden": 32, "augment_draws": 2}
C3, C1, SK, NO, AV = 3, 2, 1, 0, 4          # NB201 op indices (space.ops)


def _cfg(seed=0, **kw):
    return NAOConfig.preset("default", epochs=10, seed=seed, **{**TINY, **kw})


def test_live_conv_counts_kernels_on_live_edges_only(nb201_space):
    # edges: 0->1, 0->2, 1->2, 0->3, 1->3, 2->3
    assert nb201_space.ops[C3] == "nor_conv_3x3" and nb201_space.ops[C1] == "nor_conv_1x1"
    cells = [(C3,) * 6, (C1,) * 6, (NO,) * 6, (C3, NO, NO, NO, NO, NO),       # all 3x3; all 1x1; empty; dead conv
             (C3, NO, NO, C1, SK, NO), (AV, C3, C3, NO, NO, SK)]              # 0->1->3 live; 0->2, 1->2 live
    np.testing.assert_array_equal(live_conv(nb201_space, cells), [54.0, 6.0, 0.0, 0.0, 10.0, 18.0])
    np.testing.assert_array_equal(proxy("live_conv", nb201_space, cells), live_conv(nb201_space, cells))
    # isomorphic cells (the space's canonical form) get the same value
    for a in nb201_space.sample(50, seed=3):
        for b in [nb201_space.augment(a, seed=s) for s in range(3)]:
            assert live_conv(nb201_space, [a])[0] == live_conv(nb201_space, [b])[0]


def test_rank_targets_are_mid_ranks_in_the_predictor_range():
    np.testing.assert_allclose(rank_targets(np.array([5.0, 1.0, 5.0, 3.0])), [0.75, 0.125, 0.75, 0.375])


def test_a_space_without_a_proxy_is_refused_in_one_line():
    from naoviz.spaces.naonet import NAONetSpace
    space = NAONetSpace()
    with pytest.raises(ValueError, match=r"^prior: no training-free proxy .*naonet") as err:
        proxy("live_conv", space, space.sample(3, seed=0))
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match="^prior"):
        semi.pretrain(space, NAOConfig.preset("default", epochs=1, **TINY), 20, 1, 0, "live_conv", 0.8)


@pytest.mark.parametrize("field,value", [("prior", "synflow"), ("prior", 1), ("prior_weight", 0.0),
                                         ("prior_weight", 1.5), ("prior_weight", True)])
def test_prior_options_are_checked(field, value):
    with pytest.raises(ValueError, match=field):
        NAOSearchConfig(**{"pretrain_cells": 100, "prior": "live_conv", field: value})


def test_prior_needs_a_pretraining_and_is_off_in_every_preset():
    with pytest.raises(ValueError, match="prior live_conv needs a pretraining"):
        NAOSearchConfig(prior="live_conv")
    for name, values in PRESETS.items():
        assert NAOSearchConfig(**values).prior == "none", name


def test_without_a_prior_the_pretrain_key_is_the_old_one(nb201_space):
    cfg = semi.pretrain_config(_cfg(), 2, 7).to_dict()                # the key as hashed before the prior
    for k in ("device", "distance_weight", "rank_weight"):
        cfg.pop(k)
    blob = json.dumps({"space": space_spec(nb201_space), "config": cfg, "n_cells": 60, "format": semi.FORMAT,
                       "version": semi.VERSION}, sort_keys=True, default=str)
    old = f"{nb201_space.name}-{hashlib.sha256(blob.encode()).hexdigest()[:20]}"
    assert semi.pretrain_key(nb201_space, _cfg(), 60, 2, 7) == old
    assert semi.pretrain_key(nb201_space, _cfg(), 60, 2, 7, "none", 0.5) == old
    keys = {semi.pretrain_key(nb201_space, _cfg(), 60, 2, 7, "live_conv", w) for w in (0.3, 0.8)}
    assert len(keys) == 2 and old not in keys


def test_the_pretrained_predictor_ranks_unseen_cells_by_the_proxy(nb201_space, tmp_path, monkeypatch):
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    cfg = _cfg(5, ensemble=3)
    state = semi.pretrained(nb201_space, cfg, 800, 10, 0, "live_conv", 0.8)
    assert any(k.startswith("predictor.") for k in state)
    again = semi.pretrain(nb201_space, cfg, 800, 10, 0, "live_conv", 0.8)       # same seed, same weights
    assert all(torch.equal(state[k], again[k]) for k in state)
    nao = NAO(nb201_space, cfg)
    semi.warm_start(nao, state)
    net = nao.net_.state_dict()
    assert all(torch.equal(net[k], state[k]) for k in state)                     # predictor loaded too
    nao.scaler_ = TargetScaler.fit(np.array([0.0, 1.0]), "minmax", True)
    unseen = nb201_space.sample(400, seed=12345)
    assert kendalltau(nao.score(unseen), live_conv(nb201_space, unseen))[0] > 0.5
    with torch.no_grad():                                                        # the heads keep a spread
        heads = nao.net_.predictor.forward_heads(nao.net_.encoder(nao.tokens(unseen))[1])
    assert float(heads.std(1).mean()) > 0
    # without a prior the pretraining holds no predictor and the search's own seeded one stays
    plain = semi.pretrain(nb201_space, cfg, 60, 1, 0)
    assert not any(k.startswith("predictor.") for k in plain)
    other = NAO(nb201_space, cfg)
    semi.warm_start(other, plain)
    own = other._build().state_dict()
    assert all(torch.equal(other.net_.state_dict()[k], own[k]) for k in own if k.startswith("predictor."))


STEP = {"epochs": 10, "warm_epochs": 3, "n_init": 10, "top_k": 1, "n_new": 5, "n_mutations": 0,
        "proposer": "trust", "seed_by": "value", "n_etas": 2, "draws": 4, "temperature": 2.0, "thompson": True,
        "model": {**TINY, "ensemble": 3}, "pretrain_cells": 100, "pretrain_epochs": 2}


def test_a_search_with_the_prior_is_seeded_and_off_is_unchanged(nb201_table, tmp_path, monkeypatch):
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    ev = TableEvaluator(nb201_table)
    cfg = {**STEP, "prior": "live_conv", "prior_weight": 0.8}
    runs = [make_searcher("nao", preset="sweep", config=cfg).run(ev, 25, 4, progress=False) for _ in range(2)]
    assert [r.to_dict() for r in runs[0].history] == [r.to_dict() for r in runs[1].history]
    off = make_searcher("nao", preset="sweep", config={**STEP, "prior": "none"}).run(ev, 25, 4, progress=False)
    plain = make_searcher("nao", preset="sweep", config=STEP).run(ev, 25, 4, progress=False)
    assert [r.to_dict() for r in off.history] == [r.to_dict() for r in plain.history]
    assert [r.arch for r in off.history[:10]] == [r.arch for r in runs[0].history[:10]]       # same pool
    assert [r.arch for r in off.history] != [r.arch for r in runs[0].history]                 # the prior acts


@pytest.mark.parametrize("field,value", [("prior_cells", -1), ("prior_cells", 1.5), ("prior_until", 0)])
def test_prior_pseudo_label_options_are_checked(field, value):
    with pytest.raises(ValueError, match=field):
        NAOSearchConfig(**{"prior": "live_conv", "prior_cells": 50, field: value})


def test_prior_cells_need_a_prior():
    with pytest.raises(ValueError, match="prior_cells needs a prior"):
        NAOSearchConfig(prior_cells=50)
    assert NAOSearchConfig(prior="live_conv", prior_cells=50).pretrain_cells == 0      # no pretraining needed


def test_the_prior_as_fading_pseudo_labels_is_seeded_and_stops_at_prior_until(nb201_table):
    ev = TableEvaluator(nb201_table)
    base = {k: v for k, v in STEP.items() if not k.startswith("pretrain")}
    cfg = {**base, "prior": "live_conv", "prior_cells": 40, "prior_until": 20, "prior_weight": 1.0}
    runs = [make_searcher("nao", preset="sweep", config=cfg).run(ev, 25, 6, progress=False) for _ in range(2)]
    assert [r.to_dict() for r in runs[0].history] == [r.to_dict() for r in runs[1].history]
    off = make_searcher("nao", preset="sweep", config=base).run(ev, 25, 6, progress=False)
    assert [r.arch for r in off.history[:10]] == [r.arch for r in runs[0].history[:10]]
    assert [r.arch for r in off.history] != [r.arch for r in runs[0].history]
    # prior_until at the initial pool's size: the prior never acts, the search is the one without it
    never = make_searcher("nao", preset="sweep", config={**cfg, "prior_until": 10}).run(ev, 25, 6, progress=False)
    assert [r.to_dict() for r in never.history] == [r.to_dict() for r in off.history]


def test_refit_with_proxy_targets_moves_the_predictor_towards_them(nb201_table):
    space = nb201_table.space
    archs = space.sample(20, seed=1)
    values = nb201_table.metric("valid_acc", archs)
    nao = NAO(space, _cfg(2)).fit(archs, values, progress=False)
    cells = semi.unlabelled(space, archs, 200, np.random.default_rng(0))
    unseen = space.sample(300, seed=77)
    before = kendalltau(nao.score(unseen), live_conv(space, unseen))[0]
    semi.refit_with(nao, archs, values, cells, rank_targets(live_conv(space, cells)), 20, 1.0, seed=3)
    assert kendalltau(nao.score(unseen), live_conv(space, unseen))[0] > max(before, 0.3)


def test_a_prior_under_budgets_is_refused_before_the_first_query(nb201_table, capsys):
    """Refused at the edge, before the progress bar and the first query (``Searcher.check``)."""
    from naoviz.search.constraints import parse_constraint
    ev = TableEvaluator(nb201_table, constraints=[parse_constraint("latency_pixel3<=10", nb201_table.metrics)])
    for cfg in ({"prior": "live_conv", "prior_cells": 40}, {"pseudo_cells": 40}):
        with pytest.raises(ValueError, match="without constraints or cost objectives"):
            make_searcher("nao", preset="sweep", config=cfg).run(ev, 20, 0, progress=True)
    assert capsys.readouterr().err == ""           # the progress bar (stderr) never started

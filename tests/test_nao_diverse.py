"""The diverse batch of NAO's trust step (issue 13, ``NAOSearchConfig.diversity``, ``naoviz.search.diverse``):
the round's cells chosen greedily by the acquisition minus a penalty for embedding similarity to the cells
already chosen. Weight 0 keeps the acquisition's order; a high weight spreads the batch; checked and seeded."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.nao.propose import step_proposals
from naoviz.search import make_searcher
from naoviz.search.diverse import diverse_gens, diverse_order
from naoviz.search.nao_search import PRESETS, NAOSearchConfig

torch.set_num_threads(1)

TINY = {"hidden_size": 16, "mlp_hidden": 16, "augment_draws": 2}
STEP = {"epochs": 8, "warm_epochs": 2, "n_init": 10, "top_k": 1, "n_new": 5, "n_mutations": 0,
        "proposer": "trust", "seed_by": "value", "n_etas": 2, "draws": 4, "temperature": 1.5, "model": TINY}


def two_clusters(rng):
    """Six candidates near direction A (the best scores) and six near B (slightly worse): (12,), (12, 8)."""
    a, b = np.eye(8)[0], np.eye(8)[1]
    emb = np.concatenate([a + 0.05 * rng.standard_normal((6, 8)), b + 0.05 * rng.standard_normal((6, 8))])
    scores = np.concatenate([0.9 - 0.01 * np.arange(6), 0.85 - 0.01 * np.arange(6)])
    return scores, emb


def mean_pair_sim(emb, idx):
    e = emb[idx] / np.linalg.norm(emb[idx], axis=1, keepdims=True)
    s = e @ e.T
    return s[np.triu_indices(len(idx), 1)].mean()


def test_weight_zero_keeps_the_order_and_a_high_weight_spreads_the_batch():
    scores, emb = two_clusters(np.random.default_rng(0))
    assert diverse_order(scores, emb, 4, 0.0) == list(range(12))
    assert diverse_order(scores, emb, 1, 5.0) == list(range(12))
    plain = diverse_order(scores, emb, 4, 0.0)[:4]
    spread = diverse_order(scores, emb, 4, 1.0)
    assert sorted(spread) == list(range(12))                          # a permutation: nothing lost
    assert spread[0] == 0                                             # the best by the acquisition first
    assert {i // 6 for i in spread[:4]} == {0, 1}                     # both clusters in the batch
    assert all(i < 6 for i in plain)                                  # the acquisition alone: cluster A only
    assert mean_pair_sim(emb, spread[:4]) < mean_pair_sim(emb, plain) - 0.3
    assert spread[4:] == sorted(spread[4:])                           # the rest in the given order
    assert diverse_order(scores, emb, 4, 1.0) == spread               # deterministic
    small = diverse_order(scores, emb, 4, 0.001)[:4]                  # a tiny weight: the acquisition decides
    assert small == plain
    with pytest.raises(ValueError, match="weight"):
        diverse_order(scores, emb, 4, -1.0)


@pytest.mark.parametrize("value", [-0.1, 10.5, "0.1", True])
def test_diversity_is_checked(value):
    with pytest.raises(ValueError, match="diversity"):
        NAOSearchConfig(**{**STEP, "diversity": value})


def test_diversity_needs_the_trust_step_and_is_off_in_every_preset():
    with pytest.raises(ValueError, match="diversity needs proposer trust"):
        NAOSearchConfig(diversity=0.1)
    for values in PRESETS.values():
        assert NAOSearchConfig(**values).diversity == 0.0


def test_on_a_fitted_model_a_high_weight_picks_cells_further_apart(nb201_table, tmp_path, monkeypatch):
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    ev = TableEvaluator(nb201_table)
    run = make_searcher("nao", preset="sweep", config=STEP).run(ev, 20, 0, progress=False)
    from naoviz.nao import NAO
    nao = NAO(ev.space, NAOSearchConfig(**STEP).model_config(0))
    nao.fit([r.arch for r in run.history], np.asarray([r.value for r in run.history]), progress=False)
    seed = max(run.history, key=lambda r: r.value).arch
    gens = step_proposals(nao, [seed], 10**9, [[4.0, 16.0]], exclude=[r.arch for r in run.history],
                          rng=np.random.default_rng(0), draws=8, temperature=1.5)
    gens = sorted(gens, key=lambda g: -g.score_decoded)
    assert len(gens) > 5
    assert diverse_gens(nao, gens, 5, 0.0) == gens                    # weight 0: the acquisition's order
    emb = nao.embed([g.arch for g in gens])
    spread = diverse_gens(nao, gens, 5, 10.0)
    idx = [gens.index(g) for g in spread[:5]]
    assert mean_pair_sim(emb, idx) < mean_pair_sim(emb, list(range(5)))
    assert diverse_gens(nao, gens, 5, 10.0) == spread                 # same model, same batch


def test_searches_with_diversity_are_seeded_and_share_the_first_round(nb201_table, tmp_path, monkeypatch):
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    ev = TableEvaluator(nb201_table)
    plain = make_searcher("nao", preset="sweep", config=STEP).run(ev, 25, 2, progress=False)
    zero = make_searcher("nao", preset="sweep", config={**STEP, "diversity": 0.0}).run(ev, 25, 2, progress=False)
    assert [r.to_dict() for r in zero.history] == [r.to_dict() for r in plain.history]
    runs = [make_searcher("nao", preset="sweep", config={**STEP, "diversity": 0.5}).run(ev, 25, 2, progress=False)
            for _ in range(2)]
    assert [r.to_dict() for r in runs[0].history] == [r.to_dict() for r in runs[1].history]
    assert len(runs[0].history) == 25
    assert [r.arch for r in runs[0].history[:10]] == [r.arch for r in plain.history[:10]]   # same initial pool
    assert [r.arch for r in runs[0].history[10:]] != [r.arch for r in plain.history[10:]]

"""Per-seed trust regions for NAO's step (issue 13, ``proposer="trust"``): each seed's eta grows after a
decode beat it or when it decoded nothing new, shrinks when its measured decodes did not, and the search
that uses it is seeded, decodes its model-guided queries and moves each seed's eta by those rules."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.nao import NAO, NAOConfig
from naoviz.nao.propose import step_proposals
from naoviz.search import make_searcher
from naoviz.search.nao_search import NAOSearchConfig
from naoviz.search.trust import GROW, KEEP, SHRINK, TrustRegion

torch.set_num_threads(1)

TINY = {"hidden_size": 32, "mlp_hidden": 32, "augment_draws": 2}
TRUST = {"epochs": 15, "warm_epochs": 5, "n_init": 10, "top_k": 3, "n_new": 5, "n_mutations": 0,
         "proposer": "trust", "seed_by": "value", "eta_init": 8.0, "eta_step": 1.0, "max_eta": 256.0,
         "n_etas": 3, "draws": 4, "noise": 0.15, "per_seed": 2, "model": TINY}


def test_eta_grows_on_success_and_when_dry_shrinks_on_failure():
    tr = TrustRegion(eta_init=8.0, eta_min=1.0, eta_max=32.0)
    assert tr.eta("a") == 8.0
    assert tr.update("a", 0.5, [("c1", 0.4), ("c2", 0.6)], dry=False) == GROW
    assert tr.eta("a") == 16.0
    assert tr.eta("c2") == 16.0 and tr.eta("c1") == 8.0       # the better child inherits the grown region
    assert tr.update("a", 0.6, [("c3", 0.6)], dry=False) == SHRINK       # a tie is no improvement
    assert tr.eta("a") == 8.0
    assert tr.update("a", 0.6, [], dry=True) == GROW                      # nothing new decoded: look further
    assert tr.eta("a") == 16.0
    assert tr.update("a", 0.6, [], dry=False) == KEEP                     # decoded, none chosen: no news
    assert tr.eta("a") == 16.0
    for _ in range(5):
        tr.update("a", 0.6, [], dry=True)
    assert tr.eta("a") == 32.0                                            # clipped at eta_max
    for _ in range(10):
        tr.update("a", 0.6, [("x", 0.1)], dry=False)
    assert tr.eta("a") == 1.0                                             # clipped at eta_min
    assert [o for _, o, _ in tr.log[:4]] == [GROW, SHRINK, GROW, KEEP]


def test_grid_is_each_seeds_own_band():
    tr = TrustRegion(eta_init=4.0, eta_min=1.0, eta_max=100.0)
    tr.etas["b"] = 64.0
    g = tr.grid(["a", "b"], 3)
    np.testing.assert_allclose(g, [[2.0, 4.0, 8.0], [32.0, 64.0, 100.0]])   # [eta/2, 2 eta], clipped
    np.testing.assert_allclose(tr.grid(["a"], 1), [[4.0]])
    with pytest.raises(ValueError):
        TrustRegion(eta_init=0.5, eta_min=1.0, eta_max=10.0)


def test_step_proposals_take_one_eta_row_per_seed(nb201_table):
    space = nb201_table.space
    archs = space.sample(30, seed=np.random.default_rng(0))
    values = nb201_table.metric("valid_acc", archs)
    nao = NAO(space, NAOConfig.preset("default", epochs=20, **TINY)).fit(archs, values, progress=False)
    seeds = archs[:3]
    etas = np.asarray([[2.0, 4.0], [50.0, 100.0], [400.0, 800.0]])
    gens = step_proposals(nao, seeds, 1000, etas, exclude=archs, noise=0.2, draws=4, rng=np.random.default_rng(1))
    assert gens
    row = {space.canonical(s): set(r) for s, r in zip(seeds, etas)}
    for g in gens:
        assert g.eta in row[space.canonical(g.seed)]          # each seed moved by its own etas only
    with pytest.raises(ValueError, match="rows"):
        step_proposals(nao, seeds, 5, etas[:2], exclude=archs)


@pytest.fixture(scope="module")
def evaluator(nb201_table):
    return TableEvaluator(nb201_table)


def test_trust_search_is_seeded_decodes_and_moves_etas_by_the_rule(evaluator):
    runs = []
    for _ in range(2):
        s = make_searcher("nao", preset="sweep", config=TRUST)
        runs.append((s, s.run(evaluator, 30, 3, progress=False)))
    (s, a), (_, b) = runs
    assert [r.to_dict() for r in a.history] == [r.to_dict() for r in b.history]
    assert all(r.source in ("random", "decoder") for r in a.history)
    assert any(r.source == "decoder" for r in a.history)
    log = s._trust.log
    assert log, "no trust-region update"
    # Replay the rule from the log: each eta of a seed is its previous one times 2, 0.5 or 1, clipped.
    prev: dict = {}
    for key, outcome, eta in log:
        old = prev.get(key)
        if old is not None:
            want = {GROW: min(old * 2, 256.0), SHRINK: max(old / 2, 1.0), KEEP: old}[outcome]
            assert eta == want
        prev[key] = eta
    assert {o for _, o, _ in log} & {GROW, SHRINK}


@pytest.mark.parametrize("field,value", [("eta_init", 0.5), ("eta_init", 1e7), ("eta_init", "8"),
                                         ("temperature", -0.1), ("temperature", 11.0), ("temperature", True)])
def test_trust_options_are_checked(field, value):
    with pytest.raises(ValueError, match=field):
        NAOSearchConfig(**{**TRUST, field: value})


def test_sampled_decode_is_seeded_valid_and_wider_than_greedy(nb201_table):
    space = nb201_table.space
    archs = space.sample(30, seed=np.random.default_rng(0))
    values = nb201_table.metric("valid_acc", archs)
    nao = NAO(space, NAOConfig.preset("default", epochs=20, **TINY)).fit(archs, values, progress=False)
    out, _, _ = nao._encode(archs[:4])
    states = out.repeat_interleave(16, dim=0)                           # 16 copies of each seed
    greedy, _ = nao.decode(states)
    a, _ = nao.decode(states, temperature=1.0, generator=torch.Generator().manual_seed(3))
    b, _ = nao.decode(states, temperature=1.0, generator=torch.Generator().manual_seed(3))
    assert a == b                                                        # seeded
    for arch in a:
        space.validate(arch)                                             # the token mask holds when sampling
    assert len({space.canonical(x) for x in a}) > len({space.canonical(x) for x in greedy})
    gens = step_proposals(nao, archs[:3], 1000, [4.0, 8.0], exclude=archs, draws=4, temperature=1.0,
                          rng=np.random.default_rng(5))
    flat = step_proposals(nao, archs[:3], 1000, [4.0, 8.0], exclude=archs, draws=4)
    assert len(gens) > len(flat)            # sampling proposes the decoder's neighbourhood, not one cell
    with pytest.raises(ValueError, match="rng"):
        step_proposals(nao, archs[:3], 5, [4.0], exclude=archs, temperature=1.0)

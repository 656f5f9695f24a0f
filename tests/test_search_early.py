"""Early-exploitation knobs of the trust step (issue 13, ``naoviz.search.early``): a decode-temperature
schedule over the measured count, near decodes ranked first while few cells are labelled, and an ensemble
UCB acquisition with sampled decodes; every one seeded and checked on construction."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.nao import NAO, NAOConfig
from naoviz.nao.propose import step_proposals
from naoviz.search import make_searcher
from naoviz.search.early import near_first, near_penalised, scheduled_temperature
from naoviz.search.nao_search import NAOSearchConfig

torch.set_num_threads(1)

TINY = {"hidden_size": 32, "mlp_hidden": 32, "augment_draws": 2}
TRUST = {"epochs": 15, "warm_epochs": 5, "n_init": 6, "top_k": 1, "n_new": 5, "n_mutations": 0,
         "proposer": "trust", "seed_by": "value", "eta_init": 8.0, "eta_step": 1.0, "max_eta": 256.0,
         "n_etas": 2, "draws": 4, "temperature": 1.5, "model": TINY}


def test_temperature_schedule_rises_linearly_after_the_pool_then_holds():
    t = [scheduled_temperature(0.5, 2.0, 30, n, 10) for n in (0, 10, 20, 25, 40, 100)]
    np.testing.assert_allclose(t, [0.5, 0.5, 1.0, 1.25, 2.0, 2.0])
    assert scheduled_temperature(0.0, 1.5, 30, 12, 10) == 1.5          # off: the preset's temperature
    assert scheduled_temperature(1.0, 1.5, 0, 12, 10) == 1.5
    assert scheduled_temperature(2.0, 1.0, 10, 15, 10) == 1.5          # a falling schedule is allowed


def test_near_decodes_come_first_only_while_few_cells_are_measured():
    g = [SimpleNamespace(name=n, hamming=h) for n, h in (("a", 3), ("b", 1), ("c", 2), ("d", 1))]
    assert [x.name for x in near_first(g, 1, 40, 20)] == ["b", "d", "a", "c"]   # acquisition order kept
    assert [x.name for x in near_first(g, 2, 40, 20)] == ["b", "c", "d", "a"]
    assert [x.name for x in near_first(g, 1, 40, 40)] == ["a", "b", "c", "d"]   # enough labels: unchanged
    assert [x.name for x in near_first(g, 1, 0, 500)] == ["b", "d", "a", "c"]   # until 0: always
    assert [x.name for x in near_first(g, 0, 40, 20)] == ["a", "b", "c", "d"]   # off


def test_near_penalty_trades_edits_against_acquisition_and_fades():
    g = [SimpleNamespace(name=n, score_decoded=s, hamming=h)
         for n, s, h in (("far", 0.90, 3), ("near", 0.85, 1), ("mid", 0.86, 2), ("near2", 0.70, 1))]
    sd = float(np.std([x.score_decoded for x in g]))                       # the penalty is in sds per edit
    names = lambda out: [x.name for x in out]                                 # noqa: E731
    assert names(near_penalised(g, 0.0, 50, 20)) == ["far", "near", "mid", "near2"]       # off: as given
    # the order is the acquisition less w * penalty * sd per edit, w = 1 - n / until (1 when until is 0)
    key = lambda x, w, p: x.score_decoded - w * p * sd * x.hamming           # noqa: E731
    for p, until, n in ((1.0, 0, 500), (1.0, 50, 25), (0.2, 50, 25), (3.0, 100, 10)):
        w = 1.0 if not until else 1 - n / until
        want = [x.name for x in sorted(g, key=lambda x: -key(x, w, p))]
        assert names(near_penalised(g, p, until, n)) == want, (p, until, n)
    assert names(near_penalised(g, 1.0, 0, 500))[0] == "near"                 # a strong penalty flips far
    assert names(near_penalised(g, 0.05, 0, 500))[0] == "far"                 # a weak one does not
    assert names(near_penalised(g, 1.0, 50, 50)) == ["far", "near", "mid", "near2"]       # faded out
    assert names(near_penalised(g[::-1], 1.0, 50, 60)) == ["near2", "mid", "near", "far"]  # faded: order kept
    scaled = [SimpleNamespace(name=x.name, score_decoded=10 * x.score_decoded, hamming=x.hamming) for x in g]
    assert names(near_penalised(scaled, 1.0, 0, 5)) == names(near_penalised(g, 1.0, 0, 5))  # scale-free


@pytest.mark.parametrize("over,field", [({"near_penalty": -0.1}, "near_penalty"),
                                        ({"near_penalty": float("nan")}, "near_penalty"),
                                        ({"near_penalty": "0.1"}, "near_penalty"),
                                        ({"near_penalty": 0.1, "proposer": "rank"}, "near_penalty"),
                                        ({"near_penalty": 0.1, "forest_blend": True}, "near_penalty")])
def test_near_penalty_is_checked_in_one_line(over, field):
    with pytest.raises(ValueError, match=field) as exc:
        NAOSearchConfig(**{**TRUST, **over})
    assert "\n" not in str(exc.value)


def test_near_penalty_search_is_seeded(nb201_table):
    ev = TableEvaluator(nb201_table)
    cfg = {**TRUST, "near_penalty": 0.05, "near_until": 16}
    a, b = [make_searcher("nao", preset="sweep", config=cfg).run(ev, 16, 4, progress=False) for _ in range(2)]
    assert [r.to_dict() for r in a.history] == [r.to_dict() for r in b.history]
    assert sum(r.source == "decoder" for r in a.history) >= 5


@pytest.mark.parametrize("over,field", [({"temperature_early": 1.0}, "anneal"),
                                        ({"anneal": 20}, "temperature_early"),
                                        ({"temperature_early": -1.0, "anneal": 20}, "temperature_early"),
                                        ({"temperature_early": 1.0, "anneal": 20, "temperature": 0.0}, "temperature"),
                                        ({"anneal": -1}, "anneal"), ({"anneal": 2.5}, "anneal"),
                                        ({"near_edits": -1}, "near_edits"), ({"near_until": "40"}, "near_until")])
def test_early_options_are_checked(over, field):
    with pytest.raises(ValueError, match=field):
        NAOSearchConfig(**{**TRUST, **over})


def test_defaults_leave_the_presets_unchanged():
    from naoviz.search.nao_search import PRESETS
    for name, cfg in PRESETS.items():
        c = NAOSearchConfig(**cfg)
        near = (1, 0) if name in ("handoff", "stall", "ladder") else (0, 0)   # one edit first, from their retrieval on
        assert (c.temperature_early, c.anneal, c.near_edits, c.near_until, c.near_penalty) == (0.0, 0, *near, 0.0), name


def test_ucb_over_heads_with_sampled_decodes_is_seeded(nb201_table):
    space = nb201_table.space
    archs = space.sample(30, seed=np.random.default_rng(0))
    values = nb201_table.metric("valid_acc", archs)
    nao = NAO(space, NAOConfig.preset("default", epochs=20, ensemble=4, **TINY)).fit(archs, values, progress=False)
    run = [step_proposals(nao, archs[:2], 8, [4.0, 8.0], exclude=archs, kappa=1.0, draws=4, temperature=1.5,
                          rng=np.random.default_rng(7)) for _ in range(2)]
    assert [g.arch for g in run[0]] == [g.arch for g in run[1]] and run[0]
    acq = np.asarray([g.score_decoded for g in run[0]])
    assert (np.diff(acq) <= 0).all()                              # best acquisition first
    _, emb, _ = nao._encode([g.arch for g in run[0]])
    with torch.no_grad():
        heads = nao.net_.predictor.forward_heads(emb)             # (C, 4)
    ucb = (heads.mean(dim=1) + heads.std(dim=1)).numpy()
    np.testing.assert_allclose(acq, ucb, rtol=1e-5, atol=1e-6)    # mean + kappa * sd of the heads, kappa 1
    assert (heads.std(dim=1) > 0).any()                           # the heads disagree: the bonus is real


def test_early_trust_search_is_seeded_and_decodes(nb201_table):
    ev = TableEvaluator(nb201_table)
    cfg = {**TRUST, "temperature_early": 0.5, "anneal": 10, "near_edits": 1, "near_until": 16}
    runs = [make_searcher("nao", preset="sweep", config=cfg).run(ev, 21, 4, progress=False) for _ in range(2)]
    a, b = runs
    assert [r.to_dict() for r in a.history] == [r.to_dict() for r in b.history]
    assert all(r.source in ("random", "decoder") for r in a.history)
    assert sum(r.source == "decoder" for r in a.history) >= 10

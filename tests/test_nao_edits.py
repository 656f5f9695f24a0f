"""Edit-bounded decoding (issue 13, ``naoviz.nao.edits``): at the moved point the decoder chooses among the
cells within r edits of the seed by its teacher-forced likelihood; every proposal is new, within r edits of
its seed, and the same seed gives the same proposals; the trust search that uses it stays near its seeds."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.nao import NAO, NAOConfig
from naoviz.nao.edits import edit_ball, edit_proposals, pick
from naoviz.search import make_searcher
from naoviz.search.nao_search import NAOSearchConfig
from naoviz.search.trust import TrustRegion

torch.set_num_threads(1)

TINY = {"hidden_size": 32, "mlp_hidden": 32, "augment_draws": 2}
EDIT = {"epochs": 15, "warm_epochs": 5, "n_init": 6, "top_k": 1, "n_new": 5, "n_mutations": 0,
        "proposer": "trust", "seed_by": "value", "eta_init": 8.0, "eta_step": 1.0, "max_eta": 256.0,
        "n_etas": 2, "draws": 1, "temperature": 1.5, "edit_radius": 1, "edit_top": 2, "model": TINY}


@pytest.fixture(scope="module")
def fitted(nb201_table):
    space = nb201_table.space
    archs = space.sample(30, seed=np.random.default_rng(0))
    values = nb201_table.metric("valid_acc", archs)
    return NAO(space, NAOConfig.preset("default", epochs=20, ensemble=3, **TINY)).fit(archs, values, progress=False), archs


def test_edit_ball_holds_every_cell_within_r_edits_once(nb201_space):
    seed = (0, 1, 2, 3, 4, 0)
    one, two = edit_ball(nb201_space, seed, 1), edit_ball(nb201_space, seed, 2)
    assert len(one) == 24 and len(two) == 24 + 240            # 6 edges x 4 other ops; C(6,2) x 16 more
    assert len(set(two)) == len(two) and seed not in two
    assert two[:24] == one                                    # nearest first
    assert [nb201_space.hamming(seed, a) for a in two] == [1] * 24 + [2] * 240
    assert edit_ball(nb201_space, seed, 0) == []


def test_decoder_likelihood_is_a_distribution_over_all_cells(fitted, nb201_space):
    nao, archs = fitted
    out, emb, _ = nao._encode(archs[:2])
    cells = nb201_space.all_archs()                           # all 15,625 cells
    toks = nao.tokens(cells)
    for b in range(2):
        ll = nao.net_.decoder.log_likelihood(out[b:b + 1].expand(len(cells), -1, -1),
                                             emb[b:b + 1].expand(len(cells), -1), toks)
        assert float(torch.logsumexp(ll, 0)) == pytest.approx(0.0, abs=1e-4)   # sums to one over the space
        greedy = nao.decode(out[b:b + 1])[0][0]
        best_token_by_token = ll[cells.index(greedy)]
        assert (ll <= best_token_by_token + 1e-5).float().mean() > 0.99  # the greedy decode is (near) the most likely


def test_pick_takes_the_top_or_samples_them_seeded():
    s = np.asarray([[0.1, 3.0, 2.0, -1.0], [5.0, 0.0, 0.0, 4.0]])
    np.testing.assert_array_equal(pick(s, 2, 0.0, None), [[1, 2], [0, 3]])
    a, b = (pick(s, 2, 1.0, np.random.default_rng(4)) for _ in range(2))
    np.testing.assert_array_equal(a, b)
    assert all(len(set(r)) == 2 for r in a)                   # without replacement
    draws = np.concatenate([pick(s[:1], 1, 0.5, np.random.default_rng(i))[0] for i in range(200)])
    assert np.bincount(draws, minlength=4).argmax() == 1      # the likeliest column is drawn most
    assert len(set(draws.tolist())) > 1                       # but not only it
    with pytest.raises(ValueError, match="rng"):
        pick(s, 1, 1.0, None)


@pytest.mark.parametrize("radius,gain,temperature", [(1, False, 0.0), (2, True, 0.0), (2, False, 1.0)])
def test_edit_proposals_are_new_near_their_seed_and_seeded(fitted, radius, gain, temperature):
    nao, archs = fitted
    space = nao.space
    seeds, etas = archs[:2], np.asarray([[4.0, 16.0], [8.0, 32.0]])
    run = [edit_proposals(nao, seeds, etas, radius, 3, exclude=archs, gain=gain, temperature=temperature,
                          thompson=True, draws=2, rng=np.random.default_rng(9)) for _ in range(2)]
    gens = run[0]
    assert gens and [g.arch for g in gens] == [g.arch for g in run[1]]
    keys = [space.canonical(g.arch) for g in gens]
    assert len(set(keys)) == len(keys)                         # each class once
    assert not set(keys) & {space.canonical(a) for a in archs}   # none measured
    for g in gens:
        assert 1 <= space.hamming(g.seed, g.arch) == g.hamming <= radius
        assert g.eta in set(etas[archs.index(g.seed)])
    assert len(gens) <= 2 * 4 * 3                             # seeds x (etas x draws) x top
    acq = np.asarray([g.score_decoded for g in gens])
    assert (np.diff(acq) <= 0).all()                          # best acquisition first
    per = edit_proposals(nao, seeds, etas, [1, 2], 3, exclude=archs, rng=np.random.default_rng(9))
    assert all(g.hamming <= (1 if g.seed == seeds[0] else 2) for g in per)   # a radius per seed


def test_the_step_changes_what_the_decoder_chooses(fitted):
    nao, archs = fitted
    near = [edit_proposals(nao, archs[:1], [eta], 2, 4, exclude=archs) for eta in (0.01, 64.0)]
    assert [g.arch for g in near[0]] != [g.arch for g in near[1]]   # the gradient decides which edits


def test_radius_follows_the_trust_region():
    tr = TrustRegion(eta_init=8.0, eta_min=1.0, eta_max=256.0)
    tr.etas.update({"b": 16.0, "c": 64.0, "d": 2.0})
    np.testing.assert_array_equal(tr.radius(["a", "b", "c", "d"], 2, 0), [2, 2, 2, 2])   # fixed
    np.testing.assert_array_equal(tr.radius(["a", "b", "c", "d"], 1, 3), [1, 2, 3, 1])   # +1 per doubling


@pytest.mark.parametrize("over,field", [({"proposer": "rank"}, "edit_radius"), ({"edit_radius": 7}, "edit_radius"),
                                        ({"edit_radius_max": 1, "edit_radius": 2}, "edit_radius_max"),
                                        ({"edit_top": 0}, "edit_top"), ({"edit_gain": "yes"}, "edit_gain"),
                                        ({"edit_mix": 1}, "edit_mix"), ({"edit_temperature": -1.0}, "edit_temperature")])
def test_edit_options_are_checked(over, field):
    with pytest.raises(ValueError, match=field):
        NAOSearchConfig(**{**EDIT, **over})


def test_edit_bounded_search_is_seeded_and_stays_near_its_seeds(nb201_table, nb201_space):
    ev = TableEvaluator(nb201_table)
    runs = [make_searcher("nao", preset="sweep", config=EDIT).run(ev, 26, 5, progress=False) for _ in range(2)]
    a, b = runs
    assert [r.to_dict() for r in a.history] == [r.to_dict() for r in b.history]
    dec = [r for r in a.history if r.source == "decoder"]
    assert len(dec) >= 15 and all(r.source in ("random", "decoder") for r in a.history)
    for r in dec:
        seed = nb201_space.parse(r.extra["seed"])
        assert nb201_space.hamming(seed, nb201_space.parse(r.arch)) == 1


def test_blend_orders_the_same_cells_by_two_ranks(fitted):
    nao, archs = fitted
    kw = dict(exclude=archs, gain=True)
    plain = edit_proposals(nao, archs[:1], [4.0, 16.0], 1, 24, **kw)
    mixed = edit_proposals(nao, archs[:1], [4.0, 16.0], 1, 24, blend=True, **kw)
    assert sorted(g.arch for g in plain) == sorted(g.arch for g in mixed)   # the whole ball, reordered
    space, seen = nao.space, {nao.space.canonical(a) for a in archs}
    assert len(plain) == len({space.canonical(a) for a in edit_ball(space, archs[0], 1)} - seen) >= 5
    acq_rank = {g.arch: i for i, g in enumerate(plain)}
    top = mixed[0].arch                          # the blend's first is not worse than half the ball by acquisition
    assert acq_rank[top] < len(plain) / 2
    assert [g.arch for g in mixed] != [g.arch for g in plain]    # the decoder's score moved something

"""A Gaussian process on NAO's embedding as the step's acquisition (``surrogate="gp"``, issue 13): the GP's sd
grows away from the measured cells, the step climbs its acquisition and ranks its candidates by it, the search
is seeded, and bad fields are refused in one line."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.nao import NAO, NAOConfig
from naoviz.nao.gp import EmbeddingGP, fit_gp
from naoviz.nao.propose import step_proposals
from naoviz.nao.step import ascend
from naoviz.search import make_searcher
from naoviz.search.nao_search import NAOSearchConfig

torch.set_num_threads(1)

TINY = {"hidden_size": 32, "mlp_hidden": 32, "augment_draws": 2}
TRUST = {"epochs": 10, "warm_epochs": 3, "n_init": 10, "top_k": 1, "n_new": 5, "n_mutations": 0,
         "proposer": "trust", "seed_by": "value", "n_etas": 3, "draws": 4, "temperature": 1.5, "model": TINY}


def _unit(rng, n, h=16):
    x = rng.standard_normal((n, h))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_the_gp_fits_the_measured_cells_and_is_unsure_far_from_them():
    rng = np.random.default_rng(0)
    x = _unit(rng, 40)
    y = 0.5 + 0.3 * x[:, 0]
    gp = EmbeddingGP(x, y)
    mean, sd = gp.posterior(torch.as_tensor(x))
    assert np.abs(mean.numpy() - y).max() < 0.05                  # near the targets at the measured cells
    far = -torch.as_tensor(x[:5])                                  # antipodes: as far as a unit vector gets
    _, sd_far = gp.posterior(far)
    assert sd_far.min() > 2 * sd.max()
    again = EmbeddingGP(x, y)                                      # no random draw: the same cells, the same GP
    assert torch.equal(again.posterior(far)[0], gp.posterior(far)[0])
    ucb = gp.acquisition(far)
    assert torch.allclose(ucb, gp.posterior(far)[0] + 2.0 * sd_far)


def test_ascending_the_gp_acquisition_raises_it():
    rng = np.random.default_rng(1)
    x = _unit(rng, 25)
    gp = EmbeddingGP(x, 0.5 + 0.3 * x[:, 0], kappa=1.0)
    states = torch.as_tensor(_unit(rng, 6 * 3), dtype=torch.float32).view(6, 3, 16)   # (R, S, H)
    before = gp.score_states(states)
    moved = ascend(gp.score_states, states, torch.full((6,), 0.05), steps=3)
    assert moved.shape == states.shape and (gp.score_states(moved) > before).all()
    ei = EmbeddingGP(x, 0.5 + 0.3 * x[:, 0], ei=True)
    assert (ei.acquisition(torch.as_tensor(x)) >= 0).all()


def test_the_step_ranks_its_decodes_by_the_gp_acquisition(nb201_table):
    space = nb201_table.space
    archs = space.sample(30, seed=np.random.default_rng(0))
    values = nb201_table.metric("valid_acc", archs)
    nao = NAO(space, NAOConfig.preset("default", epochs=15, ensemble=3, **TINY)).fit(archs, values, progress=False)
    gp = fit_gp(nao, archs, values, kappa=1.0)
    gens = step_proposals(nao, archs[:6], 30, np.geomspace(1, 100, 5), exclude=archs, draws=2, noise=0.1,
                          rng=np.random.default_rng(1), gp=gp)
    assert gens, "the step proposed nothing"
    acq = [g.score_decoded for g in gens]
    assert acq == sorted(acq, reverse=True)
    with torch.no_grad():
        again = gp.acquisition(torch.as_tensor(nao.embed([g.arch for g in gens]))).numpy()
    np.testing.assert_allclose(acq, again, rtol=1e-6, atol=1e-9)


def test_the_gp_search_is_seeded_and_differs_from_the_predictor_search(nb201_table):
    ev = TableEvaluator(nb201_table)

    def run(cfg, seed):
        res = make_searcher("nao", preset="sweep", config=cfg).run(ev, 30, seed, progress=False)
        return [r.to_dict() for r in res.history]

    gp = {**TRUST, "surrogate": "gp"}
    a, b = run(gp, 3), run(gp, 3)
    assert a == b
    assert [r["canonical"] for r in a] != [r["canonical"] for r in run(TRUST, 3)]


@pytest.mark.parametrize("over,name", [({"surrogate": "ucb"}, "surrogate"), ({"surrogate": 1}, "surrogate"),
                                       ({"surrogate": "gp", "proposer": "sweep"}, "surrogate"),
                                       ({"surrogate": "gp", "edit_radius": 1}, "surrogate"),
                                       ({"gp_kappa": -1.0}, "gp_kappa"), ({"gp_ei": "yes"}, "gp_ei")])
def test_bad_gp_fields_are_refused_in_one_line(over, name):
    with pytest.raises(ValueError, match=name) as exc:
        NAOSearchConfig(**{**TRUST, **over})
    assert "\n" not in str(exc.value)

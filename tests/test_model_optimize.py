"""Gradient paths and generation on a small fitted model."""
import numpy as np
import pytest
import torch

from naoviz.nao import NAO, NAOConfig
from naoviz.spaces import NB201Space

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def model(nb201_table):
    archs = nb201_table.space.sample(60, seed=5)
    nao = NAO(NB201Space(), NAOConfig.preset("fast", epochs=40, hidden_size=32, mlp_hidden=32, batch_size=30))
    return nao.fit(archs, nb201_table.metric("valid_acc", archs), progress=False), archs


def test_path_on_a_50_eta_grid(model, nb201_table):
    nao, archs = model
    etas = np.linspace(0, 49, 50)
    p = nao.path(archs[0], etas, benchmark=nb201_table, metric="valid_acc")
    assert p.embeddings.shape == (50, 32) and p.states.shape == (50, 6, 32)
    assert p.attention.shape == (50, 12, 6)
    np.testing.assert_allclose(p.attention.sum(-1), 1.0, atol=1e-5)
    assert len(p.decoded) == 50 and p.hamming.shape == (50,) and p.true.shape == (50,)
    assert p.decoded[0] == nao.reconstruct([archs[0]])[0]        # eta = 0 is the seed itself
    np.testing.assert_allclose(p.predicted[0], p.seed_predicted, rtol=1e-5)
    assert p.score[-1] >= p.score[0]                               # ascent
    np.testing.assert_allclose(p.true, nb201_table.metric("valid_acc", p.decoded))
    two = nao.path(archs[0], [0.5, 1.0], steps=2)
    assert two.true is None and two.steps == 2
    with pytest.raises(ValueError, match="steps"):
        nao.path(archs[0], [1.0], steps=0)
    with pytest.raises(ValueError, match="etas"):
        nao.path(archs[0], [])


def test_generate_new_unique_archs(model):
    nao, archs = model
    space = nao.space
    seeds, exclude = archs[:10], archs
    new = nao.generate(seeds, n_new=8, max_eta=50, exclude=exclude)
    assert 0 < len(new) <= 8
    keys = [space.canonical(g.arch) for g in new]
    assert len(set(keys)) == len(keys)
    assert not set(keys) & {space.canonical(a) for a in exclude}
    etas = [g.eta for g in new]
    assert etas == sorted(etas) and all(g.seed in seeds for g in new)
    assert all(0 <= g.score_seed <= 1 and 0 <= g.score_new <= 1 for g in new)
    assert nao.generate(seeds, n_new=0) == []
    with pytest.raises(ValueError, match="max_eta"):
        nao.generate(seeds, 3, max_eta=-1)


def test_generate_require_gain_keeps_only_predicted_improvements(model):
    nao, archs = model
    new = nao.generate(archs[:10], n_new=5, exclude=archs, require_gain=True)
    assert 1 <= len(new) <= 5 and all(g.score_decoded > g.score_seed for g in new)

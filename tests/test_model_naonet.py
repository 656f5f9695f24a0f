"""NAO on the NAONet spaces (40 tokens, 2 per step): training, valid decodes, path, checkpoint rebuild."""
import numpy as np
import pytest
import torch

from naoviz.nao import NAO, NAOConfig
from naoviz.spaces import get_space

torch.set_num_threads(1)


@pytest.mark.parametrize("name", ["naonet", "naonet-ws"])
def test_nao_on_naonet(name, tmp_path):
    space = get_space(name)
    archs = space.sample(30, seed=0)
    values = np.array([sum(a[1::2]) for a in archs], dtype=float)      # a synthetic target: op-id sum
    nao = NAO(space, NAOConfig.preset("default", epochs=15, hidden_size=32, mlp_hidden=32, batch_size=15))
    nao.fit(archs, values, progress=False)
    assert nao.history_[-1][-1]["loss"] < nao.history_[-1][0]["loss"]
    vecs = np.random.default_rng(1).normal(size=(50, 20, 32))
    decoded = nao.decode_vectors(vecs)
    assert len(decoded) == 50 and all(space.validate(a) == a for a in decoded)
    p = nao.path(archs[0], np.arange(50.0))
    assert p.attention.shape == (50, 40, 20) and p.states.shape == (50, 20, 32)
    assert len(p.decoded) == 50 and all(space.validate(a) == a for a in p.decoded)
    new = nao.generate(archs[:5], n_new=3, max_eta=20, exclude=archs)
    keys = [space.canonical(g.arch) for g in new]
    assert 1 <= len(new) <= 3 and len(set(keys)) == len(keys)          # something new, each once
    assert not set(keys) & {space.canonical(a) for a in archs}
    nao.save(tmp_path / "m")
    back = NAO.load(tmp_path / "m")
    assert back.space.name == name
    np.testing.assert_array_equal(back.predict(archs), nao.predict(archs))

"""The model on CUDA (skipped without a GPU): fit, predict, path, generate and a CPU reload agree."""
import numpy as np
import pytest
import torch

from naoviz.nao import NAO, NAOConfig
from naoviz.spaces import NB201Space

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def test_fit_path_generate_on_cuda_and_reload_on_cpu(tmp_path):
    space = NB201Space()
    archs = space.sample(100, seed=0)
    values = np.array([sum(a) for a in archs], dtype=float)
    nao = NAO(space, NAOConfig.preset("fast", epochs=30, device="cuda")).fit(archs, values, progress=False)
    assert next(nao.net_.parameters()).is_cuda
    p = nao.path(archs[0], np.arange(50.0))
    assert p.attention.shape == (50, 12, 6) and all(space.validate(a) == a for a in p.decoded)
    new = nao.generate(archs[:10], n_new=5, exclude=archs)
    keys = [space.canonical(g.arch) for g in new]
    assert 1 <= len(new) <= 5 and len(set(keys)) == len(keys)           # something new, each once
    assert not set(keys) & {space.canonical(a) for a in archs}
    assert all(space.validate(g.arch) == g.arch and g.seed in archs[:10] for g in new)
    nao.save(tmp_path / "m")
    cpu = NAO.load(tmp_path / "m", device="cpu")          # the saved config says cuda
    assert not next(cpu.net_.parameters()).is_cuda
    np.testing.assert_allclose(cpu.score(archs), nao.score(archs), atol=1e-4)

"""The embedding-distance loss (NAOConfig.distance_weight, issue 13): embeddings' cosine distance made to track
the token edit distance; off by default; checked; pretraining cache keys unchanged."""
import numpy as np
import pytest
import torch

from naoviz.nao import NAO, NAOConfig
from naoviz.nao.train import distance_loss
from naoviz.spaces import NB201Space

torch.set_num_threads(1)
TINY = dict(hidden_size=32, mlp_hidden=32, mlp_layers=2, batch_size=40, epochs=60, lr=3e-3)


def test_distance_loss_is_zero_when_cosine_distance_equals_the_edit_share():
    tokens = torch.tensor([[0, 1, 2, 3], [0, 1, 2, 4], [5, 6, 7, 8]])      # edit shares 1/4, 1, 1
    # unit vectors with 1 - cos = 1/4 between rows 0 and 1, orthogonal to row 2
    a = torch.tensor([1.0, 0.0, 0.0])
    b = torch.tensor([0.75, (1 - 0.75 ** 2) ** 0.5, 0.0])
    c = torch.tensor([0.0, 0.0, 1.0])
    assert float(distance_loss(torch.stack([a, b, c]), tokens)) == pytest.approx(0.0, abs=1e-12)
    assert float(distance_loss(torch.stack([a, a, c]), tokens)) == pytest.approx(2 * 0.25 ** 2 / 6)
    assert float(distance_loss(a.unsqueeze(0), tokens[:1])) == 0.0


def _edit_fit(nao, archs) -> float:
    """Pearson correlation between pairwise cosine distance of the embeddings and the edit distance."""
    emb = nao.embed(archs)
    space = nao.space
    i, j = np.triu_indices(len(archs), 1)
    cos = 1.0 - np.sum(emb[i] * emb[j], axis=1)
    ham = np.asarray([space.hamming(archs[a], archs[b]) for a, b in zip(i, j)], dtype=float)
    return float(np.corrcoef(cos, ham)[0, 1])


def test_distance_weight_makes_embeddings_track_edit_distance(nb201_table):
    space = NB201Space()
    archs = space.sample(40, seed=5)
    values = nb201_table.metric("valid_acc", archs)
    held = space.sample(30, seed=6)
    plain = NAO(space, NAOConfig.preset("default", **TINY)).fit(archs, values, progress=False)
    shaped = NAO(space, NAOConfig.preset("default", distance_weight=5.0, **TINY)).fit(archs, values, progress=False)
    assert _edit_fit(shaped, held) > _edit_fit(plain, held) + 0.1
    again = NAO(space, NAOConfig.preset("default", distance_weight=5.0, **TINY)).fit(archs, values, progress=False)
    np.testing.assert_array_equal(shaped.score(held), again.score(held))      # seeded

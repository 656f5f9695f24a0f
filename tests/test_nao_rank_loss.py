"""The pairwise ranking loss of the predictor (NAOConfig.rank_weight, issue 13): it is small when the heads
order the targets, large when they reverse them, zero without an ordered pair, weighted like the MSE; off by
default; checked; the model and pretraining cache keys do not move while it is off."""
from __future__ import annotations

import numpy as np
import torch

from naoviz.nao import NAO, NAOConfig
from naoviz.nao.train import epd_losses, pair_rank_loss
from naoviz.spaces import NB201Space

torch.set_num_threads(1)

TINY = {"hidden_size": 16, "mlp_hidden": 16, "augment_draws": 2, "epochs": 30}


def test_pair_rank_loss_rewards_the_targets_order():
    t = torch.tensor([1.0, 0.5, 0.0])
    right = torch.tensor([[0.9, 0.8], [0.5, 0.5], [0.1, 0.2]])          # (B, K): both heads order t
    wrong = right.flip(0)
    assert float(pair_rank_loss(right, t)) < 0.05 < 3.0 < float(pair_rank_loss(wrong, t))
    assert float(pair_rank_loss(right, torch.ones(3))) == 0.0             # no ordered pair
    assert float(pair_rank_loss(right[:1], t[:1])) == 0.0
    # A pair whose weight is 0 does not count: only (0, 1) is left, which `half` orders and `wrong` reverses.
    w = torch.tensor([1.0, 1.0, 0.0])
    half = torch.tensor([[0.9], [0.1], [0.95]])
    assert float(pair_rank_loss(half, t, w)) < 0.01 < float(pair_rank_loss(half, t))


def test_rank_term_joins_the_predictor_loss():
    torch.manual_seed(0)
    out = {"heads": torch.rand(5, 2), "log_probs": torch.log_softmax(torch.randn(5, 3, 4), -1)}
    tokens, t = torch.randint(0, 4, (5, 3)), torch.rand(5)
    off, on = epd_losses(out, tokens, t, 0.8), epd_losses(out, tokens, t, 0.8, rank=2.0)
    assert "rank" not in off
    torch.testing.assert_close(on["loss"], off["loss"] + 0.8 * 2.0 * pair_rank_loss(out["heads"], t))


def _pair_acc(pred, true):
    i, j = np.triu_indices(len(true), 1)
    keep = true[i] != true[j]
    return float(np.mean(np.sign(pred[i] - pred[j])[keep] == np.sign(true[i] - true[j])[keep]))


def test_rank_weight_orders_the_training_cells_and_is_seeded(nb201_table):
    space = NB201Space()
    archs = space.sample(30, seed=5)
    values = nb201_table.metric("valid_acc", archs)
    plain = NAO(space, NAOConfig.preset("default", **TINY)).fit(archs, values, progress=False)
    ranked = NAO(space, NAOConfig.preset("default", rank_weight=5.0, **TINY)).fit(archs, values, progress=False)
    assert _pair_acc(ranked.score(archs), values) > _pair_acc(plain.score(archs), values)
    again = NAO(space, NAOConfig.preset("default", rank_weight=5.0, **TINY)).fit(archs, values, progress=False)
    np.testing.assert_array_equal(ranked.score(archs), again.score(archs))
    assert NAOConfig().rank_weight == 0.0

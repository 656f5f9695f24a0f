"""The pairwise ranking loss of the predictor (NAOConfig.rank_weight, issue 13): it is small when the heads
order the targets, large when they reverse them, zero without an ordered pair, weighted like the MSE; off by
default; checked; the model and pretraining cache keys do not move while it is off."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from naoviz.nao import NAO, NAOConfig
from naoviz.nao.semi import pretrain_key
from naoviz.nao.train import epd_losses, pair_rank_loss
from naoviz.search.nao_search import NAOSearchConfig
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


@pytest.mark.parametrize("value", [-0.1, 101.0, float("nan"), True, "1"])
def test_rank_weight_is_checked(value):
    with pytest.raises(ValueError, match="rank_weight"):
        NAOConfig(rank_weight=value)
    with pytest.raises(ValueError, match="rank_weight"):
        NAOSearchConfig(model={"rank_weight": value})


def test_cache_keys_unchanged_when_off():
    """The dashboard's model key and the pretraining key must not move while the field is at its neutral 0
    (the shipped digits model and atlas are found by the first); a weight > 0 trains a new model."""
    import hashlib
    import json

    from naoviz.nao.cache import ModelSpec, model_key, training_set
    from naoviz.tables import load_benchmark
    space, cfg = NB201Space(), NAOConfig.preset("default")
    assert pretrain_key(space, cfg, 100, 5, 0) == pretrain_key(space, cfg.replace(rank_weight=2.0), 100, 5, 0)
    bench, spec = load_benchmark("nb201-digits"), ModelSpec()
    archs, values = training_set(bench, spec)
    old = spec.config().to_dict()
    del old["distance_weight"], old["rank_weight"]   # the config as it was hashed before either field existed
    h = hashlib.sha256(json.dumps({"bench": bench.name, "rows": len(bench), "metric": spec.metric, "config": old},
                                  sort_keys=True, default=str).encode())
    h.update(np.asarray(archs, dtype=np.int64).tobytes())
    h.update(np.asarray(values, dtype=np.float64).tobytes())
    assert model_key(bench, spec) == f"{bench.name}-{spec.metric}-{h.hexdigest()[:20]}"
    assert model_key(bench, ModelSpec(overrides={"rank_weight": 0.5})) != model_key(bench, spec)

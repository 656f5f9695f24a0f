"""NAOConfig fields added after models were cached and shipped (``naoviz.nao.cache.KEY_NEUTRAL``): each is
validated, and at its neutral value it stays out of the model and pretraining cache keys, so the shipped digits
model and atlas (found by the model key: an offline first start trains nothing) keep their folder."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from naoviz.nao import NAOConfig
from naoviz.nao.cache import KEY_NEUTRAL, ModelSpec, model_key, training_set
from naoviz.nao.semi import pretrain_key
from naoviz.search.nao_search import NAOSearchConfig
from naoviz.spaces import NB201Space
from naoviz.tables import load_benchmark


@pytest.mark.parametrize("field", sorted(KEY_NEUTRAL))
@pytest.mark.parametrize("value", [-0.1, 101.0, float("nan"), True, "1"])
def test_the_loss_weights_are_checked(field, value):
    with pytest.raises(ValueError, match=field):
        NAOConfig(**{field: value})
    with pytest.raises(ValueError, match=field):
        NAOSearchConfig(model={field: value})


def test_model_key_is_the_key_from_before_the_fields_and_moves_when_one_is_on():
    bench, spec = load_benchmark("nb201-digits"), ModelSpec()
    archs, values = training_set(bench, spec)
    old = spec.config().to_dict()
    for field, neutral in KEY_NEUTRAL.items():
        assert getattr(NAOConfig(), field) == neutral          # the default is the neutral value
        del old[field]                                         # the config as it was hashed before the field
    h = hashlib.sha256(json.dumps({"bench": bench.name, "rows": len(bench), "metric": spec.metric, "config": old},
                                  sort_keys=True, default=str).encode())
    h.update(np.asarray(archs, dtype=np.int64).tobytes())
    h.update(np.asarray(values, dtype=np.float64).tobytes())
    assert model_key(bench, spec) == f"{bench.name}-{spec.metric}-{h.hexdigest()[:20]}"
    for field in KEY_NEUTRAL:                                  # a weight > 0 trains (and caches) a new model
        assert model_key(bench, ModelSpec(overrides={field: 0.5})) != model_key(bench, spec)


@pytest.mark.parametrize("field", sorted(KEY_NEUTRAL))
def test_the_pretraining_key_ignores_the_fields(field):
    space, cfg = NB201Space(), NAOConfig.preset("default")
    assert pretrain_key(space, cfg, 100, 5, 0) == pretrain_key(space, cfg.replace(**{field: 2.0}), 100, 5, 0)


def test_the_default_model_key_names_the_shipped_model():
    """A new NAOConfig field left out of KEY_NEUTRAL moves this key, and the offline first start would retrain."""
    from naoviz.nao.cache import shipped_model_dir
    bench = load_benchmark("nb201-digits")
    shipped = shipped_model_dir(bench, ModelSpec())
    assert shipped is not None and shipped.name == model_key(bench, ModelSpec())

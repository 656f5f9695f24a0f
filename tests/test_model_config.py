"""NAOConfig: presets build, every bad field fails with a message naming the field and the value."""
import pytest

from naoviz.nao import NAOConfig
from naoviz.nao.config import PRESETS


def test_defaults_are_the_official_pytorch_settings():
    c = NAOConfig()
    assert (c.hidden_size, c.encoder_layers, c.mlp_layers, c.mlp_hidden, c.mlp_dropout) == (96, 1, 3, 200, 0.1)
    assert (c.trade_off, c.lr, c.weight_decay, c.grad_clip, c.batch_size, c.epochs) == (0.8, 1e-3, 1e-4, 5.0, 100, 1000)
    assert c.target_norm == "minmax" and c.augment


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_build_and_round_trip(name):
    c = NAOConfig.preset(name)
    assert c.presets == (name,)
    assert NAOConfig.from_dict(c.to_dict()) == c


def test_paper_preset_is_the_paper():
    c = NAOConfig.preset("paper")
    assert (c.tokenization, c.target_norm, c.epochs, c.trade_off) == ("op", "minmax", 1000, 0.8)


@pytest.mark.parametrize("field,value", [
    ("hidden_size", 0), ("hidden_size", 9.5), ("encoder_layers", 0), ("mlp_layers", -1), ("batch_size", 0),
    ("epochs", -3), ("mlp_dropout", 1.0), ("encoder_dropout", -0.1), ("trade_off", 1.5), ("lr", 0),
    ("weight_decay", -1e-4), ("grad_clip", 0), ("target_norm", "zscore"), ("augment", "yes"),
    ("seed", -1), ("device", "tpu"), ("ensemble", 0), ("batch_size", True), ("max_steps", 0)])
def test_bad_field_names_field_and_value(field, value):
    with pytest.raises(ValueError) as err:
        NAOConfig(**{field: value})
    assert f"NAOConfig.{field}" in str(err.value) and repr(value) in str(err.value)


def test_unknown_preset_and_unknown_field():
    with pytest.raises(ValueError, match="unknown preset 'nope'"):
        NAOConfig.preset("nope")
    with pytest.raises(ValueError, match="unknown field.*hiden_size"):
        NAOConfig.from_dict({"hiden_size": 96})
    with pytest.raises(ValueError, match="NAOConfig.epochs"):
        NAOConfig.preset("default", epochs=-1)


def test_epochs_for_applies_the_step_cap():
    cfg = NAOConfig.preset("fast")                    # 300 epochs, at most 300 optimiser steps, batch 100
    assert cfg.epochs_for(1000) == 30                 # 10 steps an epoch
    assert cfg.epochs_for(50) == 300                  # 1 step an epoch: the epoch count decides
    assert NAOConfig(epochs=7).epochs_for(10_000) == 7
    with pytest.raises(ValueError, match="threads"):
        NAOConfig(threads=0)

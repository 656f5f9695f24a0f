"""Child-training presets: the Child tab's ``digits-quick`` recipe learns digits on a poor table cell; presets
are validated, shared with ``naoviz train-child --preset`` and the digits table's build settings."""
from __future__ import annotations

import dataclasses

import pytest
import torch

from naoviz.child import PRESETS, ChildPreset, get_preset, train_preset
from naoviz.child.build_table import BuildConfig
from naoviz.cli import build_parser
from naoviz.cli.child import PRESET_CHOICES, _settings

# A cell at the 5th percentile of the shipped digits table (76.1 % test accuracy with the table's recipe).
POOR = "|skip_connect~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"


def test_digits_quick_learns_a_poor_cell_and_restores_threads():
    before = torch.get_num_threads()
    logs = []
    result = train_preset("nb201", POOR, "digits-quick", callback=lambda e, log: logs.append(log))
    assert torch.get_num_threads() == before
    assert result.arch == POOR and result.data == "digits" and result.epochs == PRESETS["digits-quick"].epochs
    assert len(logs) == result.epochs and result.params < 100_000
    assert result.test_acc >= 80.0, result.test_acc            # the table's recipe gives this cell ~76 %


def test_presets_are_validated_and_shared():
    assert tuple(PRESETS) == PRESET_CHOICES
    for p in PRESETS.values():
        assert p.validate() is p
    table = BuildConfig()
    assert {k: getattr(PRESETS["digits-table"], k) for k in ("epochs", "channels", "cells", "batch_size", "lr", "seed")} \
        == {k: getattr(table, k) for k in ("epochs", "channels", "cells", "batch_size", "lr", "seed")}
    with pytest.raises(ValueError, match="preset: unknown preset 'nope'"):
        get_preset("nope")
    quick = get_preset("digits-quick")
    for field, value in (("epochs", 0), ("lr", float("nan")), ("channels", 0), ("threads", 0), ("threads", True),
                         ("data", "mnist"), ("device", 3), ("name", "")):
        with pytest.raises(ValueError, match=field):
            quick.with_changes(**{field: value})
    with pytest.raises(ValueError, match="unknown field 'epoch'"):
        train_preset("nb201", POOR, quick, epoch=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.epochs = 1
    assert isinstance(get_preset(quick.with_changes(epochs=2)), ChildPreset)


def test_cli_preset_fills_unset_flags_only():
    parser = build_parser()
    args = parser.parse_args(["train-child", "--arch", POOR, "--preset", "digits-quick", "--epochs", "2"])
    s = _settings(args)
    quick = PRESETS["digits-quick"]
    assert s["epochs"] == 2 and s["batch_size"] == quick.batch_size and s["channels"] == quick.channels
    assert s["threads"] == quick.threads and s["device"] == quick.device and s["data"] == "digits"
    plain = _settings(parser.parse_args(["train-child", "--arch", POOR]))
    assert plain["epochs"] == 10 and plain["batch_size"] == 128 and plain["channels"] is None and plain["device"] == "auto"

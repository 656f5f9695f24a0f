"""The explorer's units (explorer_draw.js unitOf, valueUnit, fmtU) in node against naoviz.viz.theme's: one set of
rules, so a value on the page ("true 89.72 %") and an axis of a saved figure ("valid_acc (%)") never disagree."""
from __future__ import annotations

import json

import pytest

from naoviz.viz.theme import VALUE_UNITS, unit, value_unit
from tests.test_explorer_naonet_js import NODE, run_js

pytestmark = pytest.mark.skipif(NODE is None, reason="needs node")

# NB201's and the digits table's columns, user tables' spellings, labels and names that name no unit
NAMES = ["valid_acc", "test_acc", "cifar100_test_acc", "cifar100_valid_acc", "ImageNet16-120_test_acc", "params_M",
         "flops_M", "latency_ms", "latency_pixel3_ms", "train_time_s", "time_s", "predicted test_acc", "accuracy",
         "top1_accuracy", "Accuracy", "val_acc", "latency", "gpu_latency", "latency_p50", "loss", "class_size",
         "predicted", "n_params", "macs", "accent", "stacked", "params_m", "my flops_M", "epochs", ""]


def test_the_front_end_and_theme_give_every_name_the_same_unit():
    got = run_js(f"console.log(JSON.stringify({json.dumps(NAMES)}.map((n) => [unitOf(n), valueUnit(n)])));")
    assert got == [[unit(n), value_unit(n)] for n in NAMES]
    assert {u for _, u in got} == set(VALUE_UNITS.values()) | {""}       # every unit of the table is reached


def test_values_are_written_with_their_unit():
    got = run_js("console.log(JSON.stringify([fmtU(89.7234, 'test_acc'), fmtU(1.5302, 'params_M', 3), "
                 "fmtU(12.4, 'latency_pixel3_ms', 1), fmtU(0.25, 'loss'), fmtU(NaN, 'valid_acc')]));")
    assert got == ["89.72\u00a0%", "1.530\u00a0M", "12.4\u00a0ms", "0.25", "–"]

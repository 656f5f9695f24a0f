"""Strict JSON: every JSON naoviz writes parses with a parser that rejects NaN/Infinity (as jq does)."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from naoviz.cli.common import emit_json


def strict_loads(text: str):
    """json.loads that refuses the NaN / Infinity / -Infinity tokens Python's json writes by default."""
    def refuse(token):
        raise ValueError(f"non-standard JSON constant {token}")
    return json.loads(text, parse_constant=refuse)


PAYLOAD = {"a": float("nan"), "b": [1.0, float("inf"), -np.inf], "c": np.float32("nan"), "d": np.float64(2.5),
           "e": np.array([1.0, np.nan]), "f": np.int64(3), "g": (np.bool_(True), None), 4: {"h": np.nan}}


def test_dumps_strict_turns_non_finite_into_null():
    from naoviz.jsonio import dumps_strict
    out = strict_loads(dumps_strict(PAYLOAD, indent=1))
    assert out == {"a": None, "b": [1.0, None, None], "c": None, "d": 2.5, "e": [1.0, None], "f": 3,
                   "g": [True, None], "4": {"h": None}}
    # default= still serves other objects, and non-finite floats it returns become null too
    assert strict_loads(dumps_strict({"x": object()}, default=lambda o: float("nan"))) == {"x": None}
    with pytest.raises(ValueError):
        strict_loads(json.dumps(PAYLOAD, default=lambda o: o.tolist()))      # today's writers: not strict


def test_emit_json_is_strict(capsys):
    emit_json({"loss": float("nan"), "curve": np.array([np.inf, 1.0]), "path": object.__name__})
    out = strict_loads(capsys.readouterr().out)
    assert out == {"loss": None, "curve": [None, 1.0], "path": "object"}


def test_child_checkpoint_meta_is_strict_and_nan_history_round_trips(tmp_path):
    from naoviz.child.checkpoint import HISTORY_KEYS, META, load_checkpoint, save_checkpoint
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    log = {**{k: 1.0 for k in HISTORY_KEYS}, "epoch": 0, "train_loss": float("nan"), "valid_acc": 10.0}
    meta = {"fingerprint": {"seed": 0}, "epoch": 1, "history": [log]}
    save_checkpoint(tmp_path, model, opt, meta)
    strict_loads((tmp_path / META).read_text())
    back = load_checkpoint(tmp_path, model, opt, {"seed": 0})
    assert math.isnan(back["history"][0]["train_loss"]) and back["history"][0]["valid_acc"] == 10.0


def test_nao_scaler_with_nan_is_written_strictly_and_refused_on_load():
    """A NaN scaler can only come from a tampered file (fit refuses NaN values): strict JSON writes it as
    null, and loading refuses it instead of predicting NaN."""
    import pytest

    from naoviz.jsonio import dumps_strict
    from naoviz.nao.targets import TargetScaler
    scaler = TargetScaler.fit(np.array([90.0, np.nan, 93.0]), "rank", maximize=True)
    text = dumps_strict(scaler.to_dict())
    assert strict_loads(text)["sorted_values"][-1] is None
    with pytest.raises(ValueError, match="expected a finite number"):
        TargetScaler.from_dict(strict_loads(text))

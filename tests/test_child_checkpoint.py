"""Tampered ``train-child --checkpoint-dir`` checkpoints: every bad field or tensor is one line naming the file
and the field or tensor, exit 2 — checked from the JSON and the safetensors header before anything loads."""
from __future__ import annotations

import json
import shutil

import pytest
import torch

from naoviz.child.checkpoint import META, TENSORS
from naoviz.cli import main

torch.set_num_threads(1)
ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"


def _cli(d, epochs=1):
    return main(["train-child", "--space", "nb201", "--arch", ARCH, "--data", "synthetic", "--epochs", str(epochs),
                 "--channels", "4", "--cells", "1", "--device", "cpu", "--json", "--checkpoint-dir", str(d)])


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    d = tmp_path_factory.mktemp("child") / "run"
    assert _cli(d) == 0
    return d


def _copy(good, tmp_path):
    d = tmp_path / "run"
    shutil.copytree(good, d)
    return d


def _refused(d, capsys, *words):
    capsys.readouterr()
    assert _cli(d) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for w in words:
        assert w in err, err
    return err


def test_a_good_checkpoint_resumes(good, tmp_path, capsys):
    d = _copy(good, tmp_path)
    capsys.readouterr()
    assert _cli(d) == 0
    assert json.loads(capsys.readouterr().out)["resumed_from_epoch"] == 1


@pytest.mark.parametrize("edit,field", [
    (lambda m: [m], "checkpoint.json"),
    (lambda m: {**m, "fingerprint": "x"}, "fingerprint"),
    (lambda m: {**m, "epoch": "one"}, "epoch"),
    (lambda m: {**m, "epoch": -1}, "epoch"),
    (lambda m: {**m, "epoch": 99}, "epoch"),
    (lambda m: {**m, "history": "x"}, "history"),
    (lambda m: {**m, "history": []}, "history"),
    (lambda m: {**m, "history": [{"epoch": 0}]}, "history[0]"),
    (lambda m: {**m, "history": [{**m["history"][0], "train_time_s": "fast"}]}, "train_time_s"),
    (lambda m: {k: v for k, v in m.items() if k != "history"}, "history"),
])
def test_tampered_json_is_refused(good, tmp_path, capsys, edit, field):
    d = _copy(good, tmp_path)
    meta = json.loads((d / META).read_text())
    (d / META).write_text(json.dumps(edit(meta)))
    _refused(d, capsys, str(d / META), field)


def _tensors(d):
    from safetensors.torch import load_file
    return load_file(str(d / TENSORS))


def _write(d, tensors):
    from safetensors.torch import save_file
    save_file(tensors, str(d / TENSORS))


def test_tensor_of_the_wrong_shape_is_named(good, tmp_path, capsys):
    d = _copy(good, tmp_path)
    t = _tensors(d)
    name = next(k for k in t if k.startswith("model.") and t[k].ndim == 4)
    t[name] = torch.zeros(2, 3)
    _write(d, t)
    _refused(d, capsys, str(d / TENSORS), f"tensor {name!r} has shape (2, 3)")


def test_momentum_of_the_wrong_shape_or_dtype_is_named(good, tmp_path, capsys):
    d = _copy(good, tmp_path)
    t = _tensors(d)
    shape = tuple(t["momentum.0"].shape)
    t["momentum.0"] = torch.zeros(1)                    # would broadcast silently into the SGD step
    _write(d, t)
    _refused(d, capsys, "tensor 'momentum.0' has shape (1,)")
    t["momentum.0"] = torch.zeros(shape, dtype=torch.float64)
    _write(d, t)
    _refused(d, capsys, "tensor 'momentum.0'", "float64")


def test_unknown_or_missing_tensors_are_refused(good, tmp_path, capsys):
    d = _copy(good, tmp_path)
    t = _tensors(d)
    _write(d, {**t, "momentum.999": torch.zeros(1)})
    _refused(d, capsys, str(d / TENSORS), "momentum.999")
    _write(d, {**t, "evil": torch.zeros(1)})
    _refused(d, capsys, "evil")
    _write(d, {k: v for k, v in t.items() if k != "momentum.0"})   # missing momentum: allowed (as SGD starts)
    capsys.readouterr()
    assert _cli(d) == 0
    model_key = next(k for k in t if k.startswith("model."))
    _write(d, {k: v for k, v in t.items() if k != model_key})
    _refused(d, capsys, "missing", model_key)


def test_nan_weights_are_refused(good, tmp_path, capsys):
    d = _copy(good, tmp_path)
    t = _tensors(d)
    name = next(k for k in t if k.startswith("model.") and t[k].is_floating_point())
    t[name].view(-1)[0] = float("nan")
    _write(d, t)
    _refused(d, capsys, str(d / TENSORS), name, "NaN")


def test_garbage_tensor_file_is_refused(good, tmp_path, capsys):
    d = _copy(good, tmp_path)
    (d / TENSORS).write_bytes((2**40).to_bytes(8, "little") + b"{}")      # header length far beyond the file
    _refused(d, capsys, str(d / TENSORS))


def test_a_ctrl_c_after_a_checkpointed_epoch_says_the_same_command_resumes(tmp_path):
    """``train-child --checkpoint-dir`` stopped by Ctrl-C said only ``naoviz train-child: interrupted``, though the
    epochs it finished are kept and the same command resumes from them: now its stop line says so."""
    import signal
    import time

    from _cli_process import start
    d = tmp_path / "run"
    proc = start("train-child", "--space", "nb201", "--arch", ARCH, "--data", "synthetic", "--epochs", "1000",
                 "--channels", "4", "--cells", "1", "--device", "cpu", "--checkpoint-dir", str(d), text=True)
    deadline = time.monotonic() + 120
    while not (d / META).is_file():              # the first epoch is saved: stop it in a later one
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()[-1000:]
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130, err[-1000:]
    last = err.strip().splitlines()[-1]
    assert last == (f"naoviz train-child: interrupted; the epochs finished so far are in {d}; the same command "
                    "resumes from them"), err[-1000:]

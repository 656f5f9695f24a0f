"""Child trainer: learns digits, resumes exactly from a checkpoint, rejects bad runs, CLI."""
from __future__ import annotations

import json

import pytest
import torch

from naoviz.child import NetOptions, TrainConfig, load_data, resolve_device, train_child
from naoviz.child.checkpoint import META
from naoviz.cli import main
from naoviz.errors import CheckpointError, NaovizError

torch.set_num_threads(1)
NB201_ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"
TINY = NetOptions(channels=8, cells=1)


@pytest.fixture(scope="module")
def digits():
    return load_data("digits", seed=0)


@pytest.fixture(scope="module")
def synthetic():
    return load_data("synthetic", seed=0)


def test_short_training_on_digits_beats_chance(digits):
    logs = []
    result = train_child("nb201", NB201_ARCH, digits,
                         TrainConfig(epochs=3, batch_size=64, lr=0.1, progress=False),
                         TINY, callback=lambda e, l: logs.append((e, l["valid_acc"])))
    assert result.test_acc > 60.0 and result.valid_acc > 60.0           # chance is 10 %
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]
    assert [e for e, _ in logs] == [0, 1, 2] and result.epochs == 3
    assert result.device == "cpu" and result.params == 56818 and result.wall_time_s > 0
    assert result.images_per_s > 0 and result.best_valid_acc >= result.valid_acc


def test_naonet_with_aux_head_and_drop_path_learns(synthetic):
    from naoviz.spaces.naonet import REFERENCE_CELLS
    result = train_child("naonet-ws", REFERENCE_CELLS["NAONet-WS"]["arch"], synthetic,
                         TrainConfig(epochs=3, batch_size=32, lr=0.05, progress=False),
                         NetOptions(channels=4, cells=1, drop_path_keep=0.7, keep_prob=0.8))
    assert result.test_acc > 50.0                                       # chance is 25 %
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]


class _Stop(Exception):
    pass


def _interrupt_after(epoch):
    def callback(e, logs):
        if e == epoch:
            raise _Stop()
    return callback


def test_resume_gives_the_same_result_as_uninterrupted(synthetic, tmp_path):
    net = NetOptions(channels=4, cells=1, drop_path_keep=0.6, keep_prob=0.7)   # dropout + drop-path RNG
    cfg = TrainConfig(epochs=3, batch_size=32, lr=0.05, progress=False, cutout=4)
    full = train_child("naonet-ws", "0 1 0 4 2 2 1 3 1 0 2 0 2 3 1 3 1 2 0 4 | " + "0 0 1 3 " * 5,
                       synthetic, cfg, net)
    ckpt = TrainConfig(**{**cfg.to_dict(), "checkpoint_dir": str(tmp_path / "run")})
    with pytest.raises(_Stop):
        train_child("naonet-ws", full.arch, synthetic, ckpt, net, callback=_interrupt_after(0))
    assert json.loads((tmp_path / "run" / META).read_text())["epoch"] == 1
    resumed = train_child("naonet-ws", full.arch, synthetic, ckpt, net)
    assert resumed.resumed_from_epoch == 1 and resumed.epochs == 3
    for key in ("train_loss", "valid_loss", "valid_acc", "test_loss", "test_acc"):
        assert getattr(resumed, key) == getattr(full, key), key
    # a finished run resumes to the same answer without training again
    again = train_child("naonet-ws", full.arch, synthetic, ckpt, net)
    assert again.resumed_from_epoch == 3 and again.test_loss == full.test_loss


def test_checkpoint_of_another_run_or_corrupt_is_refused(synthetic, tmp_path):
    cfg = TrainConfig(epochs=1, batch_size=64, progress=False, checkpoint_dir=str(tmp_path))
    train_child("nb201", NB201_ARCH, synthetic, cfg, TINY)
    with pytest.raises(CheckpointError, match="another run .*seed: 0 -> 1"):
        train_child("nb201", NB201_ARCH, synthetic, TrainConfig(**{**cfg.to_dict(), "seed": 1}), TINY)
    (tmp_path / META).write_text("{not json")
    with pytest.raises(CheckpointError, match="checkpoint.json: corrupt"):
        train_child("nb201", NB201_ARCH, synthetic, cfg, TINY)


def test_bad_arch_and_device_fail_clearly(synthetic):
    with pytest.raises(ValueError, match="node 3 edge 2: unknown op 'conv_9x9'"):
        train_child("nb201", NB201_ARCH.replace("nor_conv_3x3~2", "conv_9x9~2"), synthetic,
                    TrainConfig(epochs=1, progress=False), TINY)
    with pytest.raises(ValueError, match="unknown device 'gpu0'"):
        resolve_device("gpu0")
    if not torch.cuda.is_available():
        with pytest.raises(NaovizError, match="CUDA is not available"):
            resolve_device("cuda")
    assert resolve_device("auto").type in ("cuda", "mps", "cpu")


def test_cli_trains_and_reports_json(capsys):
    code = main(["train-child", "--space", "nb201", "--arch", NB201_ARCH, "--data", "synthetic",
                 "--epochs", "1", "--channels", "4", "--cells", "1", "--device", "cpu", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["space"] == "nb201" and out["epochs"] == 1 and len(out["history"]) == 1
    assert {"train_acc", "valid_acc", "test_acc", "wall_time_s", "params"} <= set(out)
    bare = NB201_ARCH.strip("|").replace("+", " + ")      # a cell as a table of your own may write it
    code = main(["train-child", "--space", "nb201", "--arch", bare, "--data", "synthetic",
                 "--epochs", "1", "--channels", "4", "--cells", "1", "--device", "cpu", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["arch"] == NB201_ARCH


def test_cli_rejects_bad_input(capsys, tmp_path):
    assert main(["train-child", "--space", "naonet", "--arch", "0 7 1"]) == 2
    assert "expected 40 ints" in capsys.readouterr().err
    assert main(["train-child", "--space", "nb201", "--arch", "NAONet-A"]) == 2
    assert "belongs to --space naonet" in capsys.readouterr().err
    assert main(["train-child", "--arch", NB201_ARCH, "--data", "cifar10", "--data-dir", str(tmp_path)]) == 2
    assert "cifar-10-batches-py" in capsys.readouterr().err


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_path_bf16_channels_last_compile(synthetic, tmp_path):
    cfg = TrainConfig(epochs=2, batch_size=64, lr=0.05, progress=False, device="cuda", compile=True,
                      checkpoint_dir=str(tmp_path))
    result = train_child("naonet-ws", "0 1 0 4 2 2 1 3 1 0 2 0 2 3 1 3 1 2 0 4 | " + "0 0 1 3 " * 5,
                         synthetic, cfg, NetOptions(channels=8, cells=1))
    assert result.device.startswith("cuda") and result.test_acc > 100.0 / synthetic.num_classes
    assert all(torch.isfinite(torch.tensor(h["train_loss"])) for h in result.history)

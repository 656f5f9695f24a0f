"""Checkpoints: safetensors + JSON round-trip exactly; corrupt or mismatched ones fail naming file and field."""
import json

import numpy as np
import pytest
import torch

from naoviz.errors import CheckpointError
from naoviz.nao import NAO, NAOConfig
from naoviz.spaces import NB201Space

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def saved(tmp_path_factory, nb201_table):
    archs = nb201_table.space.sample(30, seed=1)
    nao = NAO(NB201Space(), NAOConfig.preset("default", epochs=3, hidden_size=16, mlp_hidden=16))
    nao.fit(archs, nb201_table.metric("valid_acc", archs), progress=False)
    d = tmp_path_factory.mktemp("ckpt") / "nao"
    nao.save(d)
    return nao, d, archs


def _copy(src, dst):
    dst.mkdir()
    for f in src.iterdir():
        (dst / f.name).write_bytes(f.read_bytes())
    return dst


def test_round_trip_identical(saved):
    nao, d, archs = saved
    back = NAO.load(d)
    np.testing.assert_array_equal(back.predict(archs), nao.predict(archs))
    np.testing.assert_array_equal(back.embed(archs), nao.embed(archs))
    assert back.reconstruct(archs) == nao.reconstruct(archs)
    assert back.config == nao.config and back.space.tokenization == "pair"
    assert not any(p.suffix in (".pt", ".pkl", ".bin") for p in d.iterdir())


def test_corrupt_weights(saved, tmp_path):
    d = _copy(saved[1], tmp_path / "c")
    (d / "nao.safetensors").write_bytes(b"\x00garbage" * 10)
    with pytest.raises(CheckpointError, match="nao.safetensors: corrupt"):
        NAO.load(d)


def test_truncated_json_and_missing_files(saved, tmp_path):
    d = _copy(saved[1], tmp_path / "j")
    (d / "nao.json").write_text((d / "nao.json").read_text()[:40])
    with pytest.raises(CheckpointError, match="nao.json: not valid JSON"):
        NAO.load(d)
    with pytest.raises(CheckpointError, match="metadata not found"):
        NAO.load(tmp_path / "nothing")


def test_mismatched_space_and_config(saved, tmp_path):
    d = _copy(saved[1], tmp_path / "m")
    meta = json.loads((d / "nao.json").read_text())
    meta["space"]["seq_len"] = 6
    (d / "nao.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="nao.json: space seq_len is 6 in the checkpoint but 12"):
        NAO.load(d)
    meta["space"]["seq_len"] = 12
    meta["config"]["hidden_size"] = 32
    (d / "nao.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="nao.safetensors: tensor .* has shape"):
        NAO.load(d)
    meta["config"]["hidden_size"] = -4
    (d / "nao.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="nao.json: bad config.*hidden_size"):
        NAO.load(d)


def test_missing_tensor(saved, tmp_path):
    from safetensors.torch import load, save
    d = _copy(saved[1], tmp_path / "t")
    tensors = load((d / "nao.safetensors").read_bytes())
    tensors.pop("decoder.proj.weight")
    (d / "nao.safetensors").write_bytes(save(tensors))
    with pytest.raises(CheckpointError, match="missing \\['decoder.proj.weight'\\]"):
        NAO.load(d)


def test_load_with_device_override(saved):
    nao, d, archs = saved
    back = NAO.load(d, device="cpu")
    assert back.config.device == "cpu"
    np.testing.assert_array_equal(back.score(archs), nao.score(archs))

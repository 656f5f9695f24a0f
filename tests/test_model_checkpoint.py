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


# -- tampered checkpoints: refused before anything is allocated ------------------------------------

def _tamper(saved, tmp_path, name, edit):
    d = _copy(saved[1], tmp_path / name)
    meta = json.loads((d / "nao.json").read_text())
    edit(meta)
    (d / "nao.json").write_text(json.dumps(meta))
    return d


@pytest.mark.parametrize("field,value", [("hidden_size", 10**6), ("encoder_layers", 10**4), ("decoder_layers", 99),
                                         ("mlp_layers", 10**3), ("mlp_hidden", 10**7), ("ensemble", 10**5)])
def test_oversized_config_is_refused_by_its_bounds(saved, tmp_path, field, value):
    d = _tamper(saved, tmp_path, "big", lambda m: m["config"].update({field: value}))
    with pytest.raises(CheckpointError, match=f"nao.json: bad config.*{field}"):
        NAO.load(d)


def test_sizes_within_bounds_are_checked_against_the_file_header_before_building(saved, tmp_path):
    """hidden_size 4096 is allowed, but the file holds hidden-16 tensors: the header says so before a
    ~700 MB model is built (measured in a fresh process: its peak RSS barely moves)."""
    import subprocess
    import sys
    d = _tamper(saved, tmp_path, "wide", lambda m: m["config"].update(hidden_size=4096))
    code = (
        "import resource, sys\n"
        "from naoviz.nao import NAO\n"
        "from naoviz.errors import CheckpointError\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    NAO.load(sys.argv[1])\n"
        "except CheckpointError as exc:\n"
        "    print(exc)\n"
        "print('grew_mb', (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)\n")
    out = subprocess.run([sys.executable, "-c", code, str(d)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    message, grew = out.stdout.strip().splitlines()
    assert "nao.safetensors: tensor " in message and "the model needs" in message, message
    assert float(grew.split()[1]) < 100, out.stdout


def test_header_mismatch_names_file_and_tensor(saved, tmp_path):
    from safetensors.torch import load, save
    d = _copy(saved[1], tmp_path / "h")
    tensors = load((d / "nao.safetensors").read_bytes())
    tensors["decoder.proj.weight"] = torch.zeros(3, 5)
    (d / "nao.safetensors").write_bytes(save(tensors))
    with pytest.raises(CheckpointError, match=r"nao.safetensors: tensor 'decoder.proj.weight' has shape \(3, 5\)"):
        NAO.load(d)
    tensors["decoder.proj.weight"] = load((saved[1] / "nao.safetensors").read_bytes())["decoder.proj.weight"].double()
    (d / "nao.safetensors").write_bytes(save(tensors))
    with pytest.raises(CheckpointError, match=r"tensor 'decoder.proj.weight' .*float64"):
        NAO.load(d)


@pytest.mark.parametrize("edit,field", [
    (lambda s: s.update(lo=float("nan")), "lo"),
    (lambda s: s.update(hi=float("inf")), "hi"),
    (lambda s: s.update(lo="0.5"), "lo"),
    (lambda s: s.update(sorted_values=[0.1, float("nan"), 0.9]), "sorted_values"),
    (lambda s: s.update(sorted_values=[0.9, 0.1]), "sorted_values"),
    (lambda s: s.update(sorted_values=[]), "sorted_values"),
    (lambda s: s.update(sorted_values="abc"), "sorted_values"),
    (lambda s: s.update(kind="quantile"), "kind"),
    (lambda s: s.update(maximize="false"), "maximize"),
    (lambda s: s.update(lo=2.0, hi=1.0), "lo"),
])
def test_bad_scaler_is_refused(saved, tmp_path, edit, field):
    d = _tamper(saved, tmp_path, "s", lambda m: edit(m["scaler"]))
    assert json.loads((saved[1] / "nao.json").read_text())["scaler"]["kind"] == "rank"
    with pytest.raises(CheckpointError, match=f"nao.json: bad scaler.*{field}"):
        NAO.load(d)


@pytest.mark.parametrize("key,value", [("space", ["nb201"]), ("space", {"name": "nb201", "options": 3}),
                                       ("config", [1, 2]), ("scaler", "minmax"), ("rounds", "many"),
                                       ("rounds", -1)])
def test_wrongly_typed_fields_are_refused(saved, tmp_path, key, value):
    d = _tamper(saved, tmp_path, "f", lambda m: m.update({key: value}))
    with pytest.raises(CheckpointError, match=f"nao.json: .*{key}"):
        NAO.load(d)


def test_errors_quote_tampered_values_cut_short(saved, tmp_path):
    d = _tamper(saved, tmp_path, "long", lambda m: m["space"]["options"].update(tokenization="p" * 10**6))
    with pytest.raises(CheckpointError, match="nao.json: cannot rebuild space") as info:
        NAO.load(d)
    assert len(str(info.value)) < 600


def test_cost_nao_round_trips_with_its_heads_and_refuses_the_wrong_loader(tmp_path, nb201_table):
    """A CostNAO checkpoint holds the cost heads, their columns, step settings and cost scaler: the loaded model
    predicts the same accuracy and costs and takes the same constrained steps; NAO.load and a bad scaler say why."""
    from naoviz.nao.cost import CostNAO
    archs = nb201_table.space.sample(30, seed=2)
    cols = ["latency_pixel3", "cifar10_params_M"]
    nao = CostNAO(NB201Space(), NAOConfig.preset("fast", epochs=3, hidden_size=16, mlp_hidden=16), cost_columns=cols,
                  rho=7.5, sub_steps=3)
    nao.fit(archs, nb201_table.metric("valid_acc", archs), costs={c: nb201_table.metric(c, archs) for c in cols},
            progress=False)
    nao.save(tmp_path / "cost")
    back = CostNAO.load(tmp_path / "cost")
    assert (back.cost_columns, back.rho, back.sub_steps) == (cols, 7.5, 3)
    np.testing.assert_array_equal(back.predict(archs), nao.predict(archs))
    for c in cols:
        np.testing.assert_array_equal(back.predict_costs(archs)[c], nao.predict_costs(archs)[c])
    budget = {"latency_pixel3": float(np.median(nb201_table.metric("latency_pixel3", archs)))}
    assert back.path(archs[0], [0, 3, 6], budget=budget).decoded == nao.path(archs[0], [0, 3, 6], budget=budget).decoded
    with pytest.raises(CheckpointError, match="has cost heads .*latency_pixel3.*CostNAO.load"):
        NAO.load(tmp_path / "cost")
    meta = json.loads((tmp_path / "cost" / "nao.json").read_text())
    meta["cost"]["scaler"]["hi"] = [1.0]                           # one bound for two columns
    bad = _copy(tmp_path / "cost", tmp_path / "bad")
    (bad / "nao.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="nao.json: bad cost heads"):
        CostNAO.load(bad)
    plain = NAO(NB201Space(), NAOConfig.preset("fast", epochs=1, hidden_size=16, mlp_hidden=16))
    plain.fit(archs, nb201_table.metric("valid_acc", archs), progress=False)
    plain.save(tmp_path / "plain")
    with pytest.raises(CheckpointError, match="no cost heads"):
        CostNAO.load(tmp_path / "plain")

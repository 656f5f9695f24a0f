"""The NAONet-WS one-shot supernet: shared weights, single-path training, seeded runs, NAO-WS on it, and
``naoviz search --space naonet-ws --evaluator supernet`` end to end (tiny sizes, digits or synthetic data)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from naoviz.child.naonet_supernet import NAONetWSSuperNet, WSCell
from naoviz.child.oneshot import OneShot, SupernetConfig
from naoviz.child.supernet_evaluator import SupernetEvaluator
from naoviz.child.supernet import SupernetShape, set_bn_batch_stats
from naoviz.cli import main
from naoviz.spaces import get_space
from naoviz.spaces.naonet import REFERENCE_CELLS

torch.set_num_threads(1)
SPACE = get_space("naonet-ws")
WS = SPACE.parse(REFERENCE_CELLS["NAONet-WS"]["arch"])
TINY = dict(data="synthetic", channels=4, epochs=1, batch_size=64, eval_batch_size=64)


def _net(seed: int = 0) -> NAONetWSSuperNet:
    torch.manual_seed(seed)
    net = NAONetWSSuperNet(SupernetShape(channels=4, cells=1, num_classes=5))
    set_bn_batch_stats(net)
    return net


def _with(arch, pos: int, value: int) -> tuple:
    a = list(arch)
    a[pos] = value
    return SPACE.validate(a)


def test_forward_shapes_and_a_path_trains_only_its_own_ops():
    net = _net()
    x = torch.randn(6, 3, 16, 16)
    assert net(x, WS).shape == (6, 5)
    net(x, WS).sum().backward()
    got = {n for n, p in net.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0}
    expected = set(net.path_parameters(WS))
    assert got == expected
    assert any(".ops." in n for n in expected) and len(expected) < len(list(net.parameters())) // 3


def test_two_cells_sharing_an_op_share_its_weights():
    """Node 1's first branch of the normal cell reads input 2 with sep_conv_3x3 (op 0) in ``a``; ``b`` differs
    elsewhere only (its last reduction op), so both paths run the very same module; ``c`` moves that branch
    to max_pool and no longer runs it. Changing that module's weights changes a and b's logits, not c's."""
    a = _with(_with(WS, 4, 2), 5, 0)
    b = _with(a, 39, (a[39] + 1) % 5)
    c = _with(a, 5, 3)
    assert a != b
    net = _net()
    k = WSCell.key(1, 2, 0)
    shared = {n for n in net.path_parameters(a) if n.startswith(f"cells.0.ops.{k}.")}
    assert shared and shared <= set(net.path_parameters(b)) and not shared & set(net.path_parameters(c))
    x = torch.randn(4, 3, 16, 16)
    with torch.no_grad():
        before = [net(x, arch) for arch in (a, b, c)]
        for p in net.cells[0].ops[k].parameters():
            p.add_(0.5)
        after = [net(x, arch) for arch in (a, b, c)]
    assert not torch.allclose(before[0], after[0]) and not torch.allclose(before[1], after[1])
    assert torch.equal(before[2], after[2])


def test_training_and_evaluation_are_seeded():
    archs = SPACE.sample(4, seed=3)
    runs = []
    for seed in (0, 0, 1):
        net = OneShot(SupernetConfig.for_space("naonet-ws", **TINY, seed=seed))
        logs = net.train(1)
        runs.append(({k: v.clone() for k, v in net.model.state_dict().items()}, net.evaluate(archs), logs["train_loss"]))
    (w0, a0, l0), (w1, a1, l1), (w2, _, l2) = runs
    assert all(torch.equal(w0[k], w1[k]) for k in w0) and np.array_equal(a0, a1) and l0 == l1
    assert not all(torch.equal(w0[k], w2[k]) for k in w0) and l0 != l2
    assert a0.shape == (4,) and ((0 <= a0) & (a0 <= 100)).all()


def test_space_defaults_and_fair_sampling():
    cfg = SupernetConfig.for_space("naonet-ws")
    assert (cfg.space, cfg.sampling, cfg.paths_per_step, cfg.channels_last) == ("naonet-ws", "uniform", 1, False)
    assert SupernetConfig.for_space("naonet-ws", epochs=7).epochs == 7
    assert SupernetConfig.for_space("nb201") == SupernetConfig()          # NB201 keeps the dataclass defaults
    net = OneShot(SupernetConfig.for_space("naonet-ws", **{**TINY, "sampling": "fair", "paths_per_step": 5}))
    cells = net.sample_cells(np.random.default_rng(0))
    assert len(cells) == 5 and all(SPACE.validate(c) for c in cells)
    assert all(sorted(c[p] for c in cells) == [0, 1, 2, 3, 4] for p in range(1, 40, 2))


@pytest.mark.parametrize("bad, field", [({"space": "naonet"}, "space"), ({"channels_last": True}, "channels_last"),
                                        ({"epochs": 0}, "epochs"), ({"colour": 1}, "colour")])
def test_bad_configs_are_one_line_errors(bad, field):
    with pytest.raises(ValueError, match=field) as info:
        SupernetConfig.for_space(bad.pop("space", "naonet-ws"), **bad)
    assert "\n" not in str(info.value)


def test_nao_ws_on_naonet_ws():
    from naoviz.search.nao_ws import NAOWSConfig, run_nao_ws
    cfg = NAOWSConfig(space="naonet-ws", pool_size=6, rounds=1, warmup_epochs=1, epochs_per_round=0, top_k=3,
                      n_new=2, max_eta=20, seed=0, supernet={"data": "synthetic", "channels": 4, "eval_batch_size": 64},
                      nao={"max_steps": 20}, rerank_top=0)
    result = run_nao_ws(cfg)
    assert SPACE.validate(result.best) and result.best_arch in result.evaluated and len(result.pool) == 6
    assert result.best_supernet_acc == result.evaluated_acc[int(np.argmax(result.evaluated_score))]
    assert result.rounds[0]["new"] <= 2 and all(SPACE.parse(a) for a in result.rounds[0]["new_archs"])
    with pytest.raises(ValueError, match="space"):
        NAOWSConfig(space="naonet", pool_size=6, n_new=2)
    with pytest.raises(ValueError, match="differs"):
        NAOWSConfig(space="naonet-ws", pool_size=6, n_new=2, supernet={"space": "nb201"})


def test_evaluator_rebuilt_from_its_description_answers_the_same():
    from naoviz.evaluate import evaluator_from_config
    ev = SupernetEvaluator(space="naonet-ws", **TINY)
    again = evaluator_from_config(json.loads(json.dumps(ev.describe())))
    assert again.describe() == ev.describe() and again.space.name == "naonet-ws"
    assert again.evaluate(WS)["metrics"] == ev.evaluate(WS)["metrics"]


def test_cli_search_and_compare_on_digits(tmp_path, capsys):
    db = tmp_path / "runs.db"
    args = ["search", "--space", "naonet-ws", "--evaluator", "supernet", "--data", "digits", "--algo", "rs",
            "--queries", "3", "--epochs", "1", "--store", str(db), "--no-progress", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["history"]) == 3 and all(0 <= r["value"] <= 100 for r in out["history"])
    assert all(SPACE.parse(r["arch"]) for r in out["history"])
    assert main(args) == 0                                   # the same seed: the same supernet, the same answers
    again = json.loads(capsys.readouterr().out)
    assert [r["value"] for r in again["history"]] == [r["value"] for r in out["history"]]
    assert main(["search", "--store", str(db), "--resume", out["run_id"], "--evaluator", "supernet",
                 "--no-progress", "--json"]) == 0                # every answer stored: replayed, nothing trains
    resumed = json.loads(capsys.readouterr().out)
    assert [r["value"] for r in resumed["history"]] == [r["value"] for r in out["history"]]
    compare = ["compare", "--space", "naonet-ws", "--evaluator", "supernet", "--algos", "rs", "--queries", "2",
               "--seeds", "1", "--epochs", "1", "--store", str(tmp_path / "compare.db"), "--no-progress"]
    assert main([*compare, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["algos"]["rs"]
    assert main(compare) == 0                   # the text, as a user reruns it: its run read back, nothing trains
    lines = capsys.readouterr().out.splitlines()
    header = lines[0]                           # says how cells were scored: not "children trained"
    assert "no optimum: cells scored by one shared-weight supernet" in header and "1 seed" in header
    assert "0 new, 1 read from the store (finished, nothing run again)" in lines[-1], lines


@pytest.mark.parametrize("extra, message", [
    (["--space", "naonet"], "--space: the supernet evaluator scores nb201 or naonet-ws cells, got 'naonet'"),
    (["--space", "naonet-ws", "--data", "mnist"], "--data"),
    (["--space", "naonet-ws", "--epochs", "0"], "--epochs"),
    (["--space", "naonet-ws", "--local-cluster", "2"], "--local-cluster: not with --evaluator supernet"),
])
def test_cli_bad_input_is_one_line(extra, message, capsys):
    try:
        code = main(["search", "--evaluator", "supernet", "--queries", "2", "--no-progress", *extra])
    except SystemExit as exc:                   # argparse's own checks
        code = exc.code
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1 and "Traceback" not in err, err


def test_naoviz_supernet_runs_nao_ws_on_naonet_ws(capsys, tmp_path):
    """One run: its text on stdout, its result as JSON in --out's file (the result --json prints; --json itself:
    test_supernet.py's progress test)."""
    out_file = tmp_path / "ws.json"
    assert main(["supernet", "--space", "naonet-ws", "--data", "synthetic", "--channels", "4", "--pool", "6",
                 "--rounds", "1", "--warmup-epochs", "1", "--epochs-per-round", "0", "--top-k", "2", "--n-new", "2",
                 "--rerank-top", "0", "--no-progress", "--out", str(out_file)]) == 0
    out = json.loads(out_file.read_text())
    assert SPACE.parse(out["best"]) and out["search"]["config"]["space"] == "naonet-ws"
    assert "best_rank" not in out                            # no ground-truth table for naonet-ws
    assert out["search"]["config"]["supernet"]["channels"] == 4 and "sampling" not in out["search"]["config"]["supernet"]
    lines = capsys.readouterr().out.splitlines()        # the text output names the cell, its score and the next step
    assert lines[0].endswith(out["best"]) and lines[1].startswith("its supernet valid accuracy ")
    assert f"train-child --space naonet-ws --arch '{out['best']}'" in lines[1]
    assert lines[-1] == f"result: {out_file}"

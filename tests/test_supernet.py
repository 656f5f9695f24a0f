"""The NB201 one-shot supernet, its trainer, the NAO-WS loop and the ``supernet`` evaluator (tiny sizes)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from naoviz.child.oneshot import OneShot, SupernetConfig
from naoviz.child.supernet_evaluator import SupernetEvaluator
from naoviz.child.supernet import NB201SuperNet, SupernetShape, connected, set_bn_batch_stats
from naoviz.spaces import NB201Space

SPACE = NB201Space()
TINY = dict(data="synthetic", channels=4, cells=1, epochs=1, batch_size=64, eval_batch_size=64, sampling="uniform",
            paths_per_step=1)


def test_forward_shape_and_a_path_is_the_standalone_network():
    """A path computes exactly NB201Net of that cell (same weights, BN on batch statistics)."""
    from naoviz.child.nb201_net import NB201Net, NB201NetConfig
    torch.manual_seed(0)
    net = NB201SuperNet(SupernetShape(channels=4, cells=2, num_classes=7))
    set_bn_batch_stats(net)
    x = torch.randn(5, 3, 16, 16)
    arch = SPACE.parse("|avg_pool_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|")
    assert net(x, arch).shape == (5, 7)
    alone = NB201Net(arch, NB201NetConfig(channels=4, cells=2, num_classes=7))
    state = {}
    for name, value in net.state_dict().items():
        parts = name.split(".")
        if parts[0] == "layers" and parts[2] == "edges":
            if int(parts[4]) != arch[int(parts[3])]:
                continue
            name = ".".join(["cells", parts[1], "ops", parts[3]] + parts[5:])
        state[name.replace("layers.", "cells.", 1)] = value
    missing = alone.load_state_dict(state, strict=False)
    assert not missing.unexpected_keys
    assert all(k.endswith(("running_mean", "running_var", "num_batches_tracked")) for k in missing.missing_keys)
    alone.train()
    assert torch.allclose(alone(x), net(x, arch), atol=1e-5)


@pytest.mark.parametrize("text", [
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
    "|nor_conv_1x1~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|nor_conv_3x3~2|",
])
def test_a_sampled_path_trains_only_its_own_ops(text):
    arch = SPACE.parse(text)
    torch.manual_seed(1)
    net = NB201SuperNet(SupernetShape(channels=4, cells=1))
    set_bn_batch_stats(net)
    net(torch.randn(4, 3, 16, 16), arch).sum().backward()
    got = {n for n, p in net.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0}
    expected = set(net.path_parameters(arch))
    assert got == expected
    assert any(".edges." in n for n in expected) and len(expected) < len(list(net.parameters()))


def test_connected():
    assert connected(SPACE.parse("|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|"))
    assert not connected(SPACE.parse("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|"))
    assert sum(connected(a) for a in SPACE.all_archs()) < len(SPACE.all_archs())


def _weights(net: OneShot) -> dict:
    return {k: v.clone() for k, v in net.model.state_dict().items()}


def test_training_and_evaluation_are_seeded():
    archs = SPACE.sample(6, seed=3)
    runs = []
    for seed in (0, 0, 1):
        net = OneShot(SupernetConfig(**TINY, seed=seed))
        logs = net.train(1)
        runs.append((_weights(net), net.evaluate(archs), logs["train_loss"]))
    (w0, a0, l0), (w1, a1, l1), (w2, _, l2) = runs
    assert all(torch.equal(w0[k], w1[k]) for k in w0) and np.array_equal(a0, a1) and l0 == l1
    assert not all(torch.equal(w0[k], w2[k]) for k in w0) and l0 != l2
    assert a0.shape == (6,) and ((0 <= a0) & (a0 <= 100)).all()


def _bn_stats(net: OneShot) -> list:
    return [(m.running_mean.clone(), m.running_var.clone()) for m in net.model.modules()
            if isinstance(m, torch.nn.BatchNorm2d)]


def _on_path(net: OneShot, arch) -> list:
    """Per BatchNorm (in module order), whether the path ``arch`` runs it (its weight is a path parameter)."""
    used = set(net.model.path_parameters(arch))
    return [f"{name}.weight" in used for name, m in net.model.named_modules() if isinstance(m, torch.nn.BatchNorm2d)]


def test_bn_recalibration_sets_per_path_running_stats_deterministically_and_undoes_itself():
    """recal: each cell's BN running stats come from the fixed training batches (seeded), differ per cell,
    and evaluation uses them; afterwards BN is back on batch statistics, the training mode."""
    a = SPACE.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|")
    b = SPACE.parse("|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_1x1~1|nor_conv_3x3~2|")
    runs = []
    for seed in (0, 0, 1):
        net = OneShot(SupernetConfig(**TINY, seed=seed, bn_eval="recal", recal_batches=2))
        net.train(1)
        net.recalibrate(a)
        stats = _bn_stats(net)
        assert not net.model.training
        reset = [torch.equal(m, torch.zeros_like(m)) and torch.equal(v, torch.ones_like(v)) for m, v in stats]
        assert reset == [not used for used in _on_path(net, a)] and not all(reset)    # the path's BNs, only
        net.recalibrate(b)
        other = _bn_stats(net)
        assert any(not torch.equal(x[0], y[0]) for x, y in zip(stats, other))      # per path
        recal = net.scores([a, b])
        net.config.bn_eval = "batch"
        batch = net.scores([a, b])
        runs.append((stats, recal))
        assert not np.array_equal(recal["loss"], batch["loss"])                    # evaluation used them
        assert net.model.training and all(m.running_mean is None for m in net.model.modules()
                                          if isinstance(m, torch.nn.BatchNorm2d))
    (s0, r0), (s1, r1), (s2, _) = runs
    assert all(torch.equal(x[0], y[0]) and torch.equal(x[1], y[1]) for x, y in zip(s0, s1))
    assert np.array_equal(r0["acc"], r1["acc"]) and np.array_equal(r0["loss"], r1["loss"])
    assert not all(torch.equal(x[0], y[0]) for x, y in zip(s0, s2))


def test_rank_scores_follow_the_score_field():
    archs = SPACE.sample(4, seed=5)
    net = OneShot(SupernetConfig(**TINY, score="loss"))
    net.train(1)
    s = net.scores(archs)
    assert np.array_equal(net.rank_scores(archs), -s["loss"]) and (s["loss"] > 0).all()
    net.config.score = "acc"
    assert np.array_equal(net.rank_scores(archs), s["acc"])


def test_fair_sampling_uses_every_op_of_every_edge_once_per_group():
    net = OneShot(SupernetConfig(**{**TINY, "sampling": "fair", "paths_per_step": 5, "skip_disconnected": False}))
    cells = net.sample_cells(np.random.default_rng(0))
    assert len(cells) == 5
    assert all(sorted(c[e] for c in cells) == [0, 1, 2, 3, 4] for e in range(6))


def test_sandwich_sampling_adds_the_largest_and_smallest_cell_to_a_fair_group():
    from naoviz.child.oneshot import LARGEST, SMALLEST
    net = OneShot(SupernetConfig(**{**TINY, "sampling": "sandwich", "paths_per_step": 5, "skip_disconnected": False}))
    cells = net.sample_cells(np.random.default_rng(0))
    assert cells[:2] == [LARGEST, SMALLEST] and len(cells) == 7 and connected(SMALLEST)
    assert all(sorted(c[e] for c in cells[2:]) == [0, 1, 2, 3, 4] for e in range(6))
    with pytest.raises(ValueError, match="sampling"):
        SupernetConfig.for_space("naonet-ws", sampling="sandwich", paths_per_step=5)


def test_config_refuses_bad_fields():
    for bad in ({"sampling": "x"}, {"paths_per_step": 3}, {"epochs": 0}, {"lr": float("nan")},
                {"channels": True}, {"data": "mnist"}, {"bn_eval": "running"}, {"recal_batches": 0},
                {"score": "top1"}, {"eval_views": 0}, {"eval_views": 82}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            SupernetConfig(**bad).validate()


SMALL_WS = dict(pool_size=10, top_k=4, n_new=3, max_eta=20, seed=0,
                supernet={"channels": 4, "batch_size": 128, "eval_batch_size": 120, "sampling": "uniform",
                          "paths_per_step": 1}, nao={"max_steps": 40})


def test_nao_ws_runs_end_to_end_on_digits_and_returns_the_best_evaluated_cell():
    from naoviz.search.nao_ws import NAOWSConfig, run_nao_ws
    events = []
    cfg = NAOWSConfig(rounds=1, warmup_epochs=1, epochs_per_round=1, rerank_top=0, **SMALL_WS)
    result = run_nao_ws(cfg, progress=events.append)
    best = SPACE.validate(result.best)
    assert connected(best) and len(result.pool) == 10 and not result.reranked
    # the final choice is over every evaluated cell (initial pool and new cells, dropped ones included)
    assert len(result.evaluated) == 10 + result.rounds[0]["new"] and set(result.pool) <= set(result.evaluated)
    # score "loss" (the default): minus the held-out loss, less 0.01 per skip_connect edge (nb201's default)
    final = np.asarray(result.evaluated_score) - 0.01 * np.array([a.count("skip_connect") for a in result.evaluated])
    top = int(np.argmax(final))
    assert result.best_arch == result.evaluated[top] and result.best_supernet_acc == result.evaluated_acc[top]
    initial_best = result.evaluated.index(result.rounds[0]["best"])
    assert final[top] >= final[initial_best]
    for arch, acc, score in zip(result.pool, result.pool_acc, result.pool_score):   # same final supernet
        i = result.evaluated.index(arch)
        assert (acc, score) == (result.evaluated_acc[i], result.evaluated_score[i])
    assert all(v < 0 for v in result.pool_score)
    assert len({SPACE.canonical(SPACE.parse(a)) for a in result.evaluated}) == len(result.evaluated)
    assert [e["phase"] for e in events][-1] == "done" and result.rounds[0]["new"] <= 3


def test_nao_ws_rerank_competes_the_top_and_every_round_best():
    """With re-ranking, the candidates are the top ``rerank_top`` of every evaluated cell by the final supernet
    plus each round's best (the initial pool's best among them); the returned cell is the best re-ranked one,
    so never worse by that measure than the initial pool's best."""
    from naoviz.search.nao_ws import NAOWSConfig, run_nao_ws
    cfg = NAOWSConfig(rounds=2, warmup_epochs=1, epochs_per_round=1, rerank_top=2, rerank_epochs=1, **SMALL_WS)
    result = run_nao_ws(cfg)
    final = np.asarray(result.evaluated_score) - 0.01 * np.array([a.count("skip_connect") for a in result.evaluated])
    order = np.argsort(-final, kind="stable")            # nb201's default skip penalty, 0.01 per skip edge
    top2 = [result.evaluated[i] for i in order[:2]]
    bests = [r["best"] for r in result.rounds]
    assert result.candidates == list(dict.fromkeys(top2 + bests))
    assert [r["arch"] for r in result.reranked] == result.candidates
    accs = {r["arch"]: r["valid_acc"] for r in result.reranked}
    assert result.best_arch in result.candidates and accs[result.best_arch] == max(accs.values())
    assert accs[result.best_arch] >= accs[result.rounds[0]["best"]]
    assert result.best_arch in result.evaluated


def test_rerank_by_several_seeds_ranks_by_the_mean_and_never_uses_the_table_seed():
    """``rerank_seeds`` N: each candidate is trained N times (seeds seed+1 .. seed+N, never 0, the digits
    table's own), ranked by the mean; the first training is the one-seed re-ranking's."""
    from naoviz.child.presets import train_preset
    from naoviz.search.nao_ws import NAOWSConfig, _rerank
    net = OneShot(SupernetConfig(**TINY))
    cells = [SPACE.parse(a) for a in ("|avg_pool_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|",
                                      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|skip_connect~1|nor_conv_3x3~2|",
                                      "|skip_connect~0|+|avg_pool_3x3~0|none~1|+|none~0|none~1|skip_connect~2|")]
    one = NAOWSConfig(rerank_top=3, rerank_epochs=1, rerank_seeds=1, rerank_split="supernet", seed=0)
    two = NAOWSConfig(rerank_top=3, rerank_epochs=1, rerank_seeds=2, rerank_split="supernet", seed=0)
    best1, log1 = _rerank(cells, net, one)
    best2, log2 = _rerank(cells, net, two)
    assert [r["valid_accs"][0] for r in log2] == [r["valid_acc"] for r in log1]
    for r in log2:
        assert len(r["valid_accs"]) == 2 and r["valid_acc"] == pytest.approx(np.mean(r["valid_accs"]))
    assert SPACE.format(best2) == max(log2, key=lambda r: r["valid_acc"])["arch"]
    second = train_preset("nb201", cells[0], "digits-table", data=net.data, epochs=1, seed=2, channels=4, cells=1)
    assert log2[0]["valid_accs"][1] == second.valid_acc                      # seed + 2, not the table's 0
    for bad in (0, 11, 1.5, True):
        with pytest.raises(ValueError, match="rerank_seeds"):
            NAOWSConfig(rerank_seeds=bad)


def test_rerank_on_fresh_splits_trains_each_seed_on_its_own_split():
    """``rerank_split="fresh"``: training j (seed s = seed + 1 + j) runs on the split that seed draws from the
    supernet's dataset, not on the supernet's split; the mean still ranks."""
    from naoviz.child.data import load_data
    from naoviz.child.presets import train_preset
    from naoviz.search.nao_ws import NAOWSConfig, _rerank
    net = OneShot(SupernetConfig(**TINY))
    cells = [SPACE.parse(a) for a in ("|avg_pool_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|",
                                      "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|")]
    cfg = NAOWSConfig(rerank_top=2, rerank_epochs=1, rerank_seeds=2, rerank_split="fresh", seed=0)
    best, log = _rerank(cells, net, cfg)
    for seed in (1, 2):
        split = load_data("synthetic", seed=seed)
        assert not np.array_equal(np.asarray(split.valid[1]), np.asarray(net.data.valid[1])) or \
            not np.array_equal(np.asarray(split.valid[0]), np.asarray(net.data.valid[0]))
        alone = train_preset("nb201", cells[1], "digits-table", data=split, epochs=1, seed=seed, channels=4, cells=1)
        assert log[1]["valid_accs"][seed - 1] == alone.valid_acc
    assert SPACE.format(best) == max(log, key=lambda r: r["valid_acc"])["arch"]
    assert NAOWSConfig().rerank_split == "fresh" and NAOWSConfig(space="naonet-ws").rerank_split == "supernet"
    for bad in ("table", "", 1):
        with pytest.raises(ValueError, match="rerank_split"):
            NAOWSConfig(rerank_split=bad)


def test_search_skip_penalty_steers_each_rounds_choice_off_skip_heavy_cells():
    """``search_skip_penalty`` lambda: each round ranks its pool by score - lambda x #skip_connect (NAO's targets,
    the cells it moves, the round's best); with a huge lambda the round-1 best has the initial pool's fewest
    skip edges and its recorded score is that much below the raw one. nb201 only."""
    from naoviz.search.nao_ws import NAOWSConfig, run_nao_ws
    skips = lambda a: a.count("skip_connect")                              # noqa: E731
    raw = run_nao_ws(NAOWSConfig(rounds=1, warmup_epochs=1, epochs_per_round=0, rerank_top=0, **SMALL_WS))
    lam = 1000.0
    pen = run_nao_ws(NAOWSConfig(rounds=1, warmup_epochs=1, epochs_per_round=0, rerank_top=0, search_skip_penalty=lam,
                                 **SMALL_WS))
    initial = pen.evaluated[:10]
    assert initial == raw.evaluated[:10]                                    # same seed, same initial pool
    best = pen.rounds[0]["best"]
    assert skips(best) == min(skips(a) for a in initial)
    # the round's supernet is the final one here (no epochs after the round): the raw score of that cell
    raw_score = raw.evaluated_score[raw.evaluated.index(best)]
    assert pen.rounds[0]["pool_best_score"] == pytest.approx(raw_score - lam * skips(best))
    assert raw.rounds[0]["pool_best_score"] == pytest.approx(max(raw.evaluated_score[:10]))
    assert NAOWSConfig().search_skip_penalty == 0.0
    for bad in ({"search_skip_penalty": -0.1}, {"search_skip_penalty": float("nan")}, {"search_skip_penalty": "x"},
                {"space": "naonet-ws", "search_skip_penalty": 0.01}):
        with pytest.raises(ValueError, match="search_skip_penalty"):
            NAOWSConfig(**bad)


def test_skip_penalty_moves_the_final_choice_off_skip_heavy_cells():
    """The final choice ranks by score - skip_penalty x #skip_connect edges: a skip-heavy cell that the
    supernet scores a little higher loses to a cell without skips; without the penalty it wins."""
    from types import SimpleNamespace
    from naoviz.search.nao_ws import NAOWSConfig, _final_choice
    skips = SPACE.parse("|skip_connect~0|+|skip_connect~0|skip_connect~1|+|nor_conv_3x3~0|skip_connect~1|avg_pool_3x3~2|")
    convs = SPACE.parse("|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|")
    net = SimpleNamespace(space=SPACE)
    score = np.array([-0.30, -0.32])                     # minus loss: the skip-heavy cell by 0.02
    assert _final_choice([skips, convs], score, [], net, NAOWSConfig(skip_penalty=0.0, rerank_top=0))[0] == skips
    assert _final_choice([skips, convs], score, [], net, NAOWSConfig(skip_penalty=0.01, rerank_top=0))[0] == convs   # 4 x 0.01
    assert _final_choice([skips, convs], score, [], net, NAOWSConfig(rerank_top=0))[0] == convs   # nb201's default
    assert _final_choice([skips, convs], score, [], net, NAOWSConfig(skip_penalty=0.004, rerank_top=0))[0] == skips
    assert NAOWSConfig().skip_penalty == 0.01 and NAOWSConfig(space="naonet-ws").skip_penalty == 0.0
    for bad in ({"skip_penalty": -0.1}, {"skip_penalty": float("nan")}, {"skip_penalty": "x"},
                {"space": "naonet-ws", "skip_penalty": 0.01}):
        with pytest.raises(ValueError, match="skip_penalty"):
            NAOWSConfig(**bad)


def test_nao_ws_defaults_are_the_measured_recipe_and_validated():
    from naoviz.search.nao_ws import NAOWSConfig
    cfg = NAOWSConfig()
    assert (cfg.warmup_epochs, cfg.rounds, cfg.epochs_per_round, cfg.rerank_epochs) == (4, 3, 2, 4)
    # nb201's final stage: penalised top 10 (+ round bests), the mean of 2 trainings on fresh splits
    assert (cfg.rerank_top, cfg.rerank_seeds, cfg.rerank_split, cfg.skip_penalty) == (10, 2, "fresh", 0.01)
    ws = NAOWSConfig(space="naonet-ws")
    assert (ws.rerank_top, ws.rerank_seeds, ws.rerank_split, ws.skip_penalty) == (0, 1, "supernet", 0.0)
    assert NAOWSConfig(skip_penalty=0.0).skip_penalty == 0.0                     # an explicit value is kept
    assert (NAOWSConfig(rerank_top=0).rerank_top, NAOWSConfig(rerank_seeds=1).rerank_seeds) == (0, 1)
    assert cfg.total_epochs() == SupernetConfig().epochs == cfg.supernet_config().epochs == 10
    for bad in ({"rerank_top": -1}, {"rerank_top": 101}, {"rerank_top": True}, {"rerank_epochs": 0}, {"rerank_seeds": 0},
                {"warmup_epochs": 0}, {"rounds": 2.5}):
        with pytest.raises(ValueError, match=next(iter(bad))) as info:
            NAOWSConfig(**bad)
        assert "\n" not in str(info.value)


def test_supernet_evaluator_through_a_searcher_and_rebuilt_from_its_description():
    from naoviz.evaluate import evaluator_from_config
    from naoviz.search import start_search
    ev = SupernetEvaluator(**TINY)
    result = start_search("rs", ev, 5, 0, progress=False)
    assert len(result.history) == 5 and all(0 <= r.value <= 100 for r in result.history)
    assert result.history[0].cost_s > result.history[1].cost_s      # the supernet's training is charged once
    again = evaluator_from_config(ev.describe())
    assert again.describe() == ev.describe()
    arch = SPACE.parse(result.history[0].arch)
    assert again.evaluate(arch)["metrics"] == ev.evaluate(arch)["metrics"]     # same seed, same supernet
    m = ev.evaluate(arch)["metrics"]
    assert m["valid_loss"] > 0 and m["test_loss"] > 0 and ev.maximize
    assert not SupernetEvaluator(metric="valid_loss", **TINY).maximize            # a loss is minimised
    with pytest.raises(ValueError, match="metric"):
        SupernetEvaluator(metric="cifar10_test_acc")


def test_eval_views_score_shifted_copies_of_the_held_out_batches():
    from naoviz.child.oneshot import _shift, _view_offsets
    offsets = _view_offsets(1)
    assert offsets[0] == (0, 0) and len(set(offsets)) == 9 and max(max(abs(a), abs(b)) for a, b in offsets) == 1
    x = torch.arange(2 * 1 * 3 * 4, dtype=torch.float32).view(2, 1, 3, 4)
    moved = _shift(x, 1, -1)                          # down one row, left one column, zeros shifted in
    assert torch.equal(moved[:, :, 1:, :-1], x[:, :, :-1, 1:]) and moved[:, :, 0].abs().sum() == 0
    assert moved[:, :, :, -1].abs().sum() == 0
    one = OneShot(SupernetConfig(**TINY))
    three = OneShot(SupernetConfig(**TINY, eval_views=3))
    assert len(three._eval["valid"]) == 3 * len(one._eval["valid"])
    assert torch.equal(three._eval["valid"][0][0], one._eval["valid"][0][0])     # the unshifted images first
    archs = SPACE.sample(3, seed=2)
    s = three.scores(archs)
    assert s["acc"].shape == (3,) and (s["loss"] > 0).all()
    with pytest.raises(ValueError, match="eval_views"):       # synthetic pads its crops by 1: 9 shifts at most
        OneShot(SupernetConfig(**TINY, eval_views=10))


def test_the_supernet_command_reports_progress_in_words_and_json_lines_only_with_json(capsys):
    """`naoviz supernet` printed its progress as JSON dicts on a terminal, and nothing while it re-ranked
    (minutes: each candidate trains from scratch). Now a line in words per phase, one per re-ranked candidate;
    with --json the same events as JSON lines. Its first line came only once the warm-up epochs ended, and
    "epoch 4" / "round 1" said nothing of how many follow: now a line as it starts, and each count of its total."""
    import json as jsonlib

    from naoviz.cli import main
    argv = ["supernet", "--data", "synthetic", "--pool", "10", "--rounds", "1", "--warmup-epochs", "1",
            "--epochs-per-round", "1", "--top-k", "4", "--n-new", "3", "--channels", "4", "--rerank-top", "2",
            "--rerank-epochs", "1", "--rerank-seeds", "1", "--measure", "0"]
    assert main(argv) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err and not any(line.lstrip().startswith("{") for line in err), err
    assert any(line.startswith("round 1 of 1: ") and "new cells" in line for line in err), err
    # said as the work starts, not first after the warm-up's epochs; each epoch line out of the run's total
    assert err[0] == "supernet: training, 1 warm-up epoch, then 1 NAO round of 1 epoch (2 in all; a line as each " \
                     "phase ends)", err
    assert [line.split(",")[0] for line in err if line.startswith("supernet: trained")] == [
        "supernet: trained to epoch 1 of 2", "supernet: trained to epoch 2 of 2"], err
    reranked = [line for line in err if line.startswith("re-rank: candidate ")]
    assert 2 <= len(reranked) <= 3 and reranked[-1].startswith(f"re-rank: candidate {len(reranked)} of "), err
    assert main([*argv, "--json"]) == 0
    captured = capsys.readouterr()
    events = [jsonlib.loads(line) for line in captured.err.strip().splitlines()]
    assert [e["phase"] for e in events].count("rerank") == len(reranked) and events[-1]["phase"] == "done"
    assert events[0]["phase"] == "start" and events[0]["epochs"] == 2
    assert jsonlib.loads(captured.out)["best"]

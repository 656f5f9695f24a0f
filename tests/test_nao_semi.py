"""Training NAO on unlabelled cells (issue 13, SemiNAS direction): the pretrained encoder-decoder is cached as
safetensors + JSON and read back unchanged, is the same for the same pretrain seed whatever the search seed,
warm-starts a model; pseudo-labelled cells are seeded, new and weighted; the search options are checked and a
search with them is seeded."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from naoviz.errors import CheckpointError
from naoviz.evaluate import TableEvaluator
from naoviz.nao import NAO, NAOConfig, semi
from naoviz.nao.train import epd_losses
from naoviz.search import make_searcher
from naoviz.search.nao_search import PRESETS, NAOSearchConfig

torch.set_num_threads(1)

TINY = {"hidden_size": 32, "mlp_hidden": 32, "augment_draws": 2}


def _cfg(seed=0):
    return NAOConfig.preset("default", epochs=10, seed=seed, **TINY)


def test_pretrain_cache_round_trip_and_determinism(nb201_space, tmp_path, monkeypatch):
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "a"))
    first = semi.pretrained(nb201_space, _cfg(1), 60, 2, 7)
    folder = tmp_path / "a" / "pretrain" / semi.pretrain_key(nb201_space, _cfg(1), 60, 2, 7)
    assert (folder / semi.WEIGHTS).is_file() and (folder / semi.META).is_file()
    assert set(first) and all(k.startswith(("encoder.", "decoder.")) for k in first)
    # A cache hit trains nothing (another search seed, same pretrain seed: the same key).
    monkeypatch.setattr(semi, "pretrain", lambda *a, **k: pytest.fail("cache miss"))
    again = semi.pretrained(nb201_space, _cfg(99), 60, 2, 7)
    assert all(torch.equal(first[k], again[k]) for k in first)
    monkeypatch.undo()
    # Trained afresh elsewhere with the same pretrain seed: bit for bit the same; another seed differs.
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "b"))
    fresh = semi.pretrained(nb201_space, _cfg(1), 60, 2, 7)
    assert all(torch.equal(first[k], fresh[k]) for k in first)
    other = semi.pretrain(nb201_space, _cfg(1), 60, 2, 8)
    assert any(not torch.equal(first[k], other[k]) for k in first)
    assert semi.pretrain_key(nb201_space, _cfg(1), 60, 2, 7) != semi.pretrain_key(nb201_space, _cfg(1), 60, 3, 7)
    # A corrupt entry is never trusted: one warning naming the folder, trained again (the same weights), and
    # the rewritten entry read back.
    (folder / semi.WEIGHTS).write_bytes(b"not safetensors")
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "a"))
    with pytest.warns(UserWarning, match="unreadable pretrained model"):
        rebuilt = semi.pretrained(nb201_space, _cfg(1), 60, 2, 7)
    assert all(torch.equal(first[k], rebuilt[k]) for k in first)
    with pytest.raises(CheckpointError, match="unexpected or non-finite"):
        semi._write(folder, {"other.w": torch.zeros(2)}, {"space": {}})
        semi._read(folder)
    assert semi._read_or_none(folder) is None


def test_pretraining_learns_to_reconstruct_and_warm_starts(nb201_table):
    space = nb201_table.space
    state = semi.pretrain(space, _cfg(), 400, 60, 0)
    nao = NAO(space, _cfg(3))
    semi.warm_start(nao, state)
    own = nao._build().state_dict()
    net = nao.net_.state_dict()
    assert all(torch.equal(net[k], state[k]) for k in state)                   # encoder + decoder loaded
    assert all(torch.equal(net[k], own[k]) for k in own if k.startswith("predictor."))   # own predictor
    archs = space.sample(40, seed=5)
    cold = NAO(space, _cfg(3).replace(epochs=1)).fit(archs, nb201_table.metric("valid_acc", archs), progress=False)
    nao.config = nao.config.replace(epochs=1)
    nao.fit(archs, nb201_table.metric("valid_acc", archs), progress=False)
    test = space.sample(200, seed=11)
    hits = lambda m: np.mean([space.canonical(a) == space.canonical(b) for a, b in zip(test, m.reconstruct(test))])
    assert hits(nao) > 0.5 > hits(cold)                 # reconstruction from pretraining, no labels used
    with pytest.raises(ValueError, match="pretrained"):
        semi.warm_start(NAO(space, _cfg().replace(hidden_size=64)), state)


def test_unlabelled_cells_are_seeded_and_new(nb201_space):
    taken = nb201_space.sample(50, seed=1)
    a = semi.unlabelled(nb201_space, taken, 40, np.random.default_rng(4))
    b = semi.unlabelled(nb201_space, taken, 40, np.random.default_rng(4))
    c = semi.unlabelled(nb201_space, taken, 40, np.random.default_rng(5))
    assert a == b and a != c and 0 < len(a) <= 40
    keys = [nb201_space.canonical(x) for x in a]
    assert len(set(keys)) == len(keys) and not set(keys) & {nb201_space.canonical(x) for x in taken}


def test_weighted_loss_ignores_zero_weight_targets():
    torch.manual_seed(0)
    out = {"heads": torch.rand(4, 2), "log_probs": torch.log_softmax(torch.randn(4, 3, 5), -1)}
    tokens = torch.randint(0, 5, (4, 3))
    t1, t2 = torch.rand(4), torch.rand(4)
    t2[:2] = t1[:2]
    w = torch.tensor([1.0, 1.0, 0.0, 0.0])
    assert torch.equal(epd_losses(out, tokens, t1, 0.8, w)["mse"], epd_losses(out, tokens, t2, 0.8, w)["mse"])
    torch.testing.assert_close(epd_losses(out, tokens, t1, 0.8, torch.ones(4))["mse"],
                               epd_losses(out, tokens, t1, 0.8)["mse"])


def test_pseudo_refit_is_seeded(nb201_table):
    space = nb201_table.space
    archs = space.sample(30, seed=0)
    values = nb201_table.metric("valid_acc", archs)
    runs = []
    for _ in range(2):
        nao = NAO(space, _cfg()).fit(archs, values, progress=False)
        cells = semi.unlabelled(space, archs, 20, np.random.default_rng(2))
        pseudo = semi.pseudo_refit(nao, archs, values, cells, 3, 0.5, seed=4)
        runs.append((pseudo, nao.score(archs)))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert ((runs[0][0] >= 0) & (runs[0][0] <= 1)).all() and len(runs[0][0]) == len(cells)


SEMI = {"epochs": 10, "warm_epochs": 3, "n_init": 10, "top_k": 1, "n_new": 5, "n_mutations": 0,
        "proposer": "trust", "seed_by": "value", "n_etas": 2, "draws": 4, "temperature": 1.5, "model": TINY,
        "pretrain_cells": 60, "pretrain_epochs": 2, "pseudo_cells": 20, "pseudo_epochs": 2,
        "pseudo_weight": 0.5, "pseudo_until": 20}


@pytest.mark.parametrize("field,value", [("pretrain_cells", -1), ("pretrain_epochs", 0), ("pretrain_seed", 1.5),
                                         ("pseudo_cells", True), ("pseudo_weight", -0.1), ("pseudo_until", -2)])
def test_semi_options_are_checked(field, value):
    with pytest.raises(ValueError, match=field):
        NAOSearchConfig(**{**SEMI, field: value})


def test_semi_search_is_seeded_and_off_by_default(nb201_table):
    assert NAOSearchConfig().pretrain_cells == 0 and NAOSearchConfig().pseudo_cells == 0
    ev = TableEvaluator(nb201_table)
    runs = [make_searcher("nao", preset="sweep", config=SEMI).run(ev, 25, 3, progress=False) for _ in range(2)]
    assert [r.to_dict() for r in runs[0].history] == [r.to_dict() for r in runs[1].history]
    plain = make_searcher("nao", preset="sweep", config={**SEMI, "pretrain_cells": 0, "pseudo_cells": 0}).run(ev, 25, 3, progress=False)
    assert [r.arch for r in plain.history[:10]] == [r.arch for r in runs[0].history[:10]]   # same random pool


def test_only_the_semi_presets_train_on_unlabelled_cells():
    for name, values in PRESETS.items():
        cfg = NAOSearchConfig(**values)
        assert (cfg.pretrain_cells > 0 and cfg.pseudo_cells > 0) == (name in ("semi", "semi_thompson", "semi_edit")), name
    combo = dict(PRESETS["semi_thompson"])
    for k in ("thompson", "temperature", "model"):                # semi_thompson is semi with thompson's step
        assert combo.pop(k) == PRESETS["thompson"][k]
    assert combo == {k: v for k, v in PRESETS["semi"].items() if k not in ("thompson", "temperature", "model")}
    edit = {k: v for k, v in PRESETS["semi_edit"].items() if not k.startswith("edit_")}
    assert edit == PRESETS["semi"]                             # semi_edit is semi with edit-bounded proposals
    semi_cfg = dict(PRESETS["semi"])
    for k in ("pretrain_cells", "pretrain_epochs", "pretrain_seed", "pseudo_cells", "pseudo_epochs",
              "pseudo_weight", "pseudo_until"):
        semi_cfg.pop(k)
    assert semi_cfg == PRESETS["trust"]                  # semi is trust plus the unlabelled cells


def test_semi_with_a_thompson_step_is_seeded_and_decodes(nb201_table):
    ev = TableEvaluator(nb201_table)
    cfg = {**SEMI, "thompson": True, "temperature": 2.0, "model": {**TINY, "ensemble": 3}}
    runs = [make_searcher("nao", preset="sweep", config=cfg).run(ev, 25, 4, progress=False) for _ in range(2)]
    assert [r.to_dict() for r in runs[0].history] == [r.to_dict() for r in runs[1].history]
    assert all(r.source in ("random", "decoder") for r in runs[0].history)
    assert sum(r.source == "decoder" for r in runs[0].history) >= 10

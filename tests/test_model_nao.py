"""The NAO estimator on NB201: shapes, training, decoding validity, gradient direction, determinism."""
import numpy as np
import pytest
import torch

from naoviz.nao import NAO, NAOConfig
from naoviz.spaces import NB201Space

torch.set_num_threads(1)
TINY = dict(hidden_size=32, mlp_hidden=32, mlp_layers=2, batch_size=20)


@pytest.fixture(scope="module")
def data(nb201_table):
    archs = nb201_table.space.sample(40, seed=3)
    return archs, nb201_table.metric("valid_acc", archs)


@pytest.fixture(scope="module")
def fitted(data):
    archs, values = data
    nao = NAO(NB201Space(), NAOConfig.preset("default", **{**TINY, "epochs": 150, "batch_size": 10, "lr": 3e-3}))
    return nao.fit(archs[:20], values[:20], progress=False)


def test_shapes_and_ranges(fitted, data):
    archs = data[0]
    emb = fitted.embed(archs)
    assert emb.shape == (40, 32)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    s = fitted.score(archs)
    assert s.shape == (40,) and (s >= 0).all() and (s <= 1).all()
    p = fitted.predict(archs)
    assert p.shape == (40,) and np.isfinite(p).all()
    out = fitted.net_(fitted.tokens(archs))
    assert out["outputs"].shape == (40, 6, 32)        # 12 pair tokens, 2 per step
    assert out["log_probs"].shape == (40, 12, 9)


def test_loss_falls_and_decoder_memorises(fitted, data):
    hist = fitted.history_[-1]
    assert hist[-1]["loss"] < 0.5 * hist[0]["loss"]
    archs = data[0][:20]
    assert fitted.reconstruct(archs) == list(archs)


def test_score_tracks_training_targets(fitted, data):
    from scipy.stats import kendalltau
    archs, values = data
    assert kendalltau(fitted.score(archs[:20]), values[:20])[0] > 0.7


def test_random_unit_vectors_always_decode_valid(fitted):
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(200, 6, 32)) * rng.uniform(0.1, 50, size=(200, 1, 1))
    archs = fitted.decode_vectors(vecs)
    space = fitted.space
    assert len(archs) == 200 and all(space.validate(a) == a for a in archs)


def test_small_ascent_step_raises_prediction(fitted, data):
    from naoviz.nao.modules import pool
    from naoviz.nao.step import ascend
    net = fitted.net_.eval()
    with torch.no_grad():
        out, _ = net.encoder(fitted.tokens(data[0]))
        before = net.predictor(pool(out))
    after = net.predictor(pool(ascend(net.score_states, out, torch.full((40,), 1e-2))))
    grad_ok = (after > before - 1e-7)
    assert grad_ok.float().mean() >= 0.95 and (after - before).mean() > 0


def test_minimise_flips_the_direction(data):
    archs, values = data
    kw = dict(epochs=10, **TINY)
    up = NAO(NB201Space(), NAOConfig.preset("fast", **kw)).fit(archs, values, progress=False)
    down = NAO(NB201Space(), NAOConfig.preset("fast", **kw)).fit(archs, 100 - values, maximize=False,
                                                                progress=False)
    np.testing.assert_allclose(up.score(archs), down.score(archs), atol=1e-5)
    np.testing.assert_allclose(100 - up.predict(archs), down.predict(archs), atol=1e-3)


def test_seeded_training_is_deterministic_and_warm_start_continues(data):
    archs, values = data
    cfg = NAOConfig.preset("fast", epochs=5, **TINY)
    a = NAO(NB201Space(), cfg).fit(archs, values, progress=False)
    b = NAO(NB201Space(), cfg).fit(archs, values, progress=False)
    np.testing.assert_array_equal(a.score(archs), b.score(archs))
    before = a.score(archs)
    seen = []
    a.fit(archs, values, progress=False, callback=lambda e, logs: seen.append((e, sorted(logs))))
    assert a.rounds_ == 2 and len(a.history_) == 2 and not np.array_equal(before, a.score(archs))
    assert seen[0] == (0, ["loss", "mse", "nll", "seconds"]) and len(seen) == 5
    a.fit(archs, values, progress=False, warm_start=False)
    np.testing.assert_array_equal(a.score(archs), b.score(archs))


def test_callback_can_stop_training(data):
    archs, values = data
    nao = NAO(NB201Space(), NAOConfig.preset("fast", epochs=50, **TINY))
    nao.fit(archs, values, progress=False, callback=lambda e, logs: e >= 2)
    assert len(nao.history_[-1]) == 3


def test_paper_preset_uses_op_tokens_and_bad_inputs_fail(data):
    archs, values = data
    nao = NAO(NB201Space(), NAOConfig.preset("paper"))
    assert nao.space.tokenization == "op" and nao.space.seq_len == 6
    with pytest.raises(ValueError, match="not fitted"):
        nao.predict(archs)
    with pytest.raises(ValueError, match="values has 3 entries but archs has 40"):
        nao.fit(archs, values[:3])
    with pytest.raises(ValueError, match=r"values\[1\] is nan"):
        nao.fit(archs[:2], [1.0, float("nan")])
    with pytest.raises(ValueError, match="nb201"):
        nao.fit(["|bogus~0|+|none~0|none~1|+|none~0|none~1|none~2|"], [1.0])


def test_max_steps_caps_the_epochs(data):
    archs, values = data          # 40 archs, batch 20 -> 2 steps per epoch
    nao = NAO(NB201Space(), NAOConfig.preset("fast", epochs=50, max_steps=5, **TINY))
    nao.fit(archs, values, progress=False)
    assert len(nao.history_[-1]) == 3


def test_fit_runs_epochs_for_and_restores_torch_threads(data):
    archs, values = data
    before = torch.get_num_threads()
    cfg = NAOConfig.preset("fast", **{**TINY, "max_steps": 6, "threads": 1})
    nao = NAO(NB201Space(), cfg).fit(archs, values, progress=False)
    assert len(nao.history_[-1]) == cfg.epochs_for(len(archs)) == 3      # 2 steps an epoch, capped at 6
    assert torch.get_num_threads() == before


def test_own_adam_matches_torch_adam_bit_for_bit(data):
    """train.Adam replaces torch.optim.Adam (which imports torch._dynamo); the weights must not change."""
    import naoviz.nao.train as train
    archs, values = data
    cfg = NAOConfig.preset("default", epochs=4, **TINY)
    ours = NAO(NB201Space(), cfg).fit(archs, values, progress=False).fit(archs, values, progress=False)
    own = train.Adam
    train.Adam = lambda params, lr, weight_decay: torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    try:
        ref = NAO(NB201Space(), cfg).fit(archs, values, progress=False).fit(archs, values, progress=False)
    finally:
        train.Adam = own
    a, b = ours.net_.state_dict(), ref.net_.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_generate_keeps_the_eta_by_eta_sweep_order(fitted, data):
    """generate moves many etas per batch; its picks are those of the paper's one-eta-at-a-time loop."""
    from naoviz.nao.modules import pool
    archs = data[0]
    seeds, exclude = archs[:6], archs[:20]
    new = fitted.generate(seeds, n_new=12, max_eta=40, exclude=exclude)
    space = fitted.space
    seen = {space.canonical(a) for a in exclude}
    out0 = fitted._encode(seeds)[0]
    expect, eta = [], 1.0
    while eta <= 40 and len(expect) < 12:
        states = fitted.move(out0, np.full(len(seeds), eta))
        for i, arch in enumerate(fitted.decode(states, pool(states))[0]):
            if space.canonical(arch) not in seen and len(expect) < 12:
                seen.add(space.canonical(arch))
                expect.append((arch, seeds[i], eta))
        eta += 1.0
    assert len(new) >= 6
    assert [(g.arch, g.seed, g.eta) for g in new] == expect


def test_rank_targets_equal_scipy_average_ranks(data):
    """targets.average_ranks stands in for scipy.stats.rankdata (not imported by a search): same values."""
    from scipy.stats import rankdata

    from naoviz.nao.targets import TargetScaler, average_ranks
    values = np.asarray(data[1], dtype=float)
    for v in (values, np.round(values), np.repeat(values[:7], 3), values[:1]):
        assert np.array_equal(average_ranks(v), rankdata(v, method="average"))
    scaler = TargetScaler.fit(values, "rank", maximize=False)
    np.testing.assert_array_equal(scaler.transform(values), 1.0 - (rankdata(values) - 0.5) / len(values))

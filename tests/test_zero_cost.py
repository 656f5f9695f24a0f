"""Zero-cost proxies on supernet paths, the ``jacob`` ranking score, and the disjoint confirmation sample."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from naoviz.child.oneshot import OneShot, SupernetConfig
from naoviz.child.supernet import connected
from naoviz.child.zero_cost import PROXIES, proxy_scores
from naoviz.spaces import NB201Space

SPACE = NB201Space()
TINY = dict(data="synthetic", channels=4, cells=1, epochs=1, batch_size=64, eval_batch_size=64, sampling="uniform",
            paths_per_step=1)
CONV = SPACE.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_1x1~1|nor_conv_3x3~2|")
POOL = SPACE.parse("|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|")
DEAD = SPACE.parse("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|")


def _weights(net):
    return {k: v.clone() for k, v in net.model.state_dict().items()}


def test_proxies_are_seeded_finite_and_leave_the_supernet_as_it_was():
    net = OneShot(SupernetConfig(**TINY))
    archs = [a for a in SPACE.sample(5, seed=1) if connected(a)] + [CONV, POOL]
    before = _weights(net)
    a = proxy_scores(net, archs, PROXIES, batch=16, seed=0)
    b = proxy_scores(net, archs, PROXIES, batch=16, seed=0)
    c = proxy_scores(net, archs, ["jacob_cov"], batch=16, seed=1)
    assert set(a) == set(PROXIES) and all(v.shape == (len(archs),) and np.isfinite(v).all() for v in a.values())
    assert all(np.array_equal(a[k], b[k]) for k in PROXIES)
    assert not np.array_equal(a["jacob_cov"], c["jacob_cov"])            # another seed, other images
    after = _weights(net)
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.grad is None for p in net.model.parameters())
    # a path with more weights has a larger synflow and gradient norm than a path of parameter-free pools
    assert a["synflow"][-2] > a["synflow"][-1] and a["grad_norm"][-2] > a["grad_norm"][-1]
    with pytest.raises(ValueError, match="proxies"):
        proxy_scores(net, archs, ["naswot"])


def test_jacob_cov_is_highest_for_uncorrelated_jacobians():
    """The proxy is minus sum(log(l + k) + 1/(l + k)) over the eigenvalues l of the Jacobians' correlation
    matrix: largest when the per-image Jacobians are uncorrelated (every l = 1), lower when they agree."""
    net = OneShot(SupernetConfig(**TINY))
    score = proxy_scores(net, [CONV], ["jacob_cov"], batch=8)["jacob_cov"][0]
    n, k = 8, 1e-5
    best = -n * (np.log(1 + k) + 1 / (1 + k))
    assert score < best


def test_jacob_score_ranks_by_minus_the_proxy_and_puts_a_constant_net_last():
    archs = [CONV, POOL, DEAD]
    net = OneShot(SupernetConfig(**TINY, score="jacob", proxy_batch=16))
    net.train(1)
    rank = net.rank_scores(archs)
    proxy = proxy_scores(net, archs[:2], ["jacob_cov"], batch=16, seed=0)["jacob_cov"]
    assert np.allclose(rank[:2], -proxy)
    assert not connected(DEAD) and rank[2] < rank[:2].min()
    s = net.scores(archs)                        # the loss and accuracy are still there for the other scores
    net.config.score = "loss"
    assert np.array_equal(net.rank_scores(archs, scores=s), -s["loss"])


def test_jacob_loss_score_is_the_mean_rank_by_minus_proxy_and_minus_loss():
    from scipy.stats import rankdata
    archs = [a for a in SPACE.sample(8, seed=4) if connected(a)] + [CONV, POOL]
    net = OneShot(SupernetConfig(**TINY, score="jacob_loss", proxy_batch=16))
    net.train(1)
    s = net.scores(archs)
    jac = proxy_scores(net, archs, ["jacob_cov"], batch=16, seed=0)["jacob_cov"]
    got = net.rank_scores(archs, scores=s)
    assert np.allclose(got, (rankdata(-jac) + rankdata(-s["loss"])) / (2 * len(archs)))
    assert ((0 < got) & (got <= 1)).all()


def test_config_validates_the_proxy_fields():
    SupernetConfig(score="jacob", proxy_batch=32).validate()
    SupernetConfig(score="jacob_loss").validate()
    for bad in ({"proxy_batch": 1}, {"proxy_batch": 1.5}, {"score": "synflow"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            SupernetConfig(**bad).validate()


def test_nao_ws_with_the_jacob_score_returns_its_best_evaluated_cell():
    from naoviz.search.nao_ws import NAOWSConfig, run_nao_ws
    cfg = NAOWSConfig(pool_size=8, top_k=3, n_new=3, max_eta=20, seed=0, rounds=1, warmup_epochs=1,
                      epochs_per_round=1, rerank_top=0, skip_penalty=0.0, nao={"max_steps": 30},
                      supernet={**{k: v for k, v in TINY.items() if k != "epochs"}, "score": "jacob",
                                "proxy_batch": 16})
    result = run_nao_ws(cfg)
    top = int(np.argmax(result.evaluated_score))
    assert result.best_arch == result.evaluated[top] and connected(SPACE.parse(result.best_arch))
    assert any(v > 0 for v in result.evaluated_score)          # minus jacob_cov (>0), not minus a loss (<0)


def test_disjoint_sample_shares_no_class_and_is_seeded():
    from naoviz.experiments.supernet import disjoint_sample, table_sample
    a = table_sample(300, 0)
    b, b2, c = disjoint_sample(300, 1, a), disjoint_sample(300, 1, a), disjoint_sample(300, 2, a)
    assert len(b) == 300 and not set(a) & set(b) and b == b2 and b != c
    with pytest.raises(ValueError, match="n must be"):
        disjoint_sample(6466, 0, a)


def test_naoviz_supernet_takes_the_jacob_score(capsys):
    import json
    from naoviz.cli import main
    assert main(["supernet", "--data", "synthetic", "--channels", "4", "--pool", "6", "--rounds", "1",
                 "--warmup-epochs", "1", "--epochs-per-round", "0", "--top-k", "2", "--n-new", "2", "--score", "jacob",
                 "--rerank-top", "0", "--no-progress", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["search"]["config"]["supernet"]["score"] == "jacob" and connected(SPACE.parse(out["best"]))
    assert all(v > 0 for v in out["search"]["evaluated_score"])


def test_measure_nao_ws_rescores_the_evaluated_cells_with_the_final_supernet():
    """``rescores``: every evaluated cell scored again by another ``score`` of the same final supernet (for
    final-choice rules measured offline); the search's own score reproduces ``evaluated_score``."""
    from naoviz.experiments.supernet import measure_nao_ws
    from naoviz.search.nao_ws import NAOWSConfig
    cfg = NAOWSConfig(pool_size=8, top_k=3, n_new=3, max_eta=20, seed=0, rounds=1, warmup_epochs=1,
                      epochs_per_round=0, rerank_top=0, nao={"max_steps": 30},
                      supernet={**{k: v for k, v in TINY.items() if k != "epochs"}, "proxy_batch": 16})
    out = measure_nao_ws(cfg, n=0, against_table=False, rescores=["loss", "jacob"])
    ev = out["search"]["evaluated"]
    assert len(out["rescored"]["loss"]) == len(out["rescored"]["jacob"]) == len(ev)
    assert np.allclose(out["rescored"]["loss"], out["search"]["evaluated_score"])    # the search's score: loss
    assert all(v > 0 for v in out["rescored"]["jacob"])                               # minus jacob_cov

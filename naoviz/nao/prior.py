"""A training-free prior for NAO's predictor (issue 13): a zero-cost proxy computed from the cell alone.

Zero-cost proxies (Abdelfattah et al., ICLR 2021; White et al., NeurIPS 2021) rank NAS-Bench-201 cells about as
well by size as by synflow. Computed from the architecture only (no data, no training, no table column), a
proxy is label-free, so the predictor may be pretrained on it the way SemiNAS pretrains on unlabelled cells
(``naoviz.nao.semi``: ``NAOSearchConfig.prior``), or its ranks may serve as fading pseudo-labels in the search's
first fits (``NAOSearchConfig.prior_cells``).

``live_conv`` (NB201 space, so also the digits table): the convolution weight on *live* edges
(``NB201Space.live_edges``: an op other than ``none`` on some input -> output path), a 3x3 conv counting 9 and a
1x1 conv 1 (their kernels' sizes), pooling and skip 0, averaged over the cell's canonical class. Why this one: it
is the parameter count of the convolutions that can reach the output (a conv on a dead edge trains nothing), and
it ranks NB201 cells better than the analytic parameter count, which counts dead convs too (Kendall tau on all
15,625 cells, ``bench/proxy_tau.py``: cifar10_test_acc 0.647 vs 0.578, cifar100_test_acc 0.621 vs 0.553). Where
it is weak: within the top 10 % of cells tau is 0.09 (CIFAR-10) and 0.20 (CIFAR-100), and on the digits table
it hardly ranks at all (0.03 on valid_acc, 0.06 on test_acc): size is not what digits rewards.

Values are ranked to [0, 1] per call (``rank_targets``), the predictor's target range, ties sharing a rank.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

PRIORS = ("none", "live_conv")
PRIOR_EPOCHS = 5        # the brief refit with proxy-labelled cells (NAOSearchConfig.prior_cells), SemiNAS' 5
KERNEL = {"nor_conv_3x3": 9.0, "nor_conv_1x1": 1.0}     # weights per channel pair; other ops have none


def _live_conv_raw(space, archs: Sequence) -> np.ndarray:
    """``(n,)``: summed kernel size of the convolutions on live edges of each written cell."""
    ops = np.asarray(archs, dtype=np.int64).reshape(-1, len(archs[0]) if len(archs) else 0)   # (n, edges)
    weight = np.asarray([KERNEL.get(op, 0.0) for op in space.ops])                            # (V,)
    return (weight[ops] * space.live_edges(archs)).sum(1)


def _class_means(space) -> dict:
    """Canonical class -> the mean raw ``live_conv`` of its members (every cell of the space, computed once)."""
    key = space.name
    if key not in _CLASS_MEANS:
        _CLASS_MEANS[key] = {c: float(_live_conv_raw(space, m).mean()) for c, m in space.classes.items()}
    return _CLASS_MEANS[key]


_CLASS_MEANS: dict = {}


def live_conv(space, archs: Sequence) -> np.ndarray:
    """``(n,)`` float: summed kernel size (3x3: 9, 1x1: 1) of the convolutions on live edges, averaged over
    the cell's canonical class. The space's isomorphism merges cells of different sizes that compute the same
    function (a 1x1 conv on 0->3 or a skip from node 1 = conv1x1(input)), and NAO trains on any member of a
    class (``augment``) with the class's one target, so the proxy is a function of the class too."""
    check_space("live_conv", space)
    means = _class_means(space)
    return np.asarray([means[space.canonical(a)] for a in archs], dtype=float)


def check_space(prior: str, space) -> None:
    """``ValueError`` (one line) when ``prior`` has no proxy for ``space``."""
    if prior != "none" and not (hasattr(space, "live_edges") and hasattr(space, "classes")):
        raise ValueError(f"prior: no training-free proxy {prior!r} for space {space.name} (nb201 spaces only)")


def proxy(prior: str, space, archs: Sequence) -> np.ndarray:
    """The proxy ``prior`` of ``archs`` ``(n,)``, higher = predicted better."""
    if prior != "live_conv":
        raise ValueError(f"prior must be one of {', '.join(PRIORS[1:])}, got {prior!r}")
    return live_conv(space, archs)


def rank_targets(values: np.ndarray) -> np.ndarray:
    """``(n,)`` -> ``(n,)`` in (0, 1): mid-ranks ``(rank - 0.5) / n``, ties averaged (the predictor's range)."""
    from naoviz.nao.targets import average_ranks
    v = np.asarray(values, dtype=float)
    return (average_ranks(v) - 0.5) / max(len(v), 1)

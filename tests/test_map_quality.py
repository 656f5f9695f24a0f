"""naoviz.map_quality: islands, neighbourhood and smoothness measures of a 2-D map (bench/atlas_map.py)."""
from __future__ import annotations

import numpy as np
import pytest

from naoviz import map_quality as mq


def _blobs(n_blobs: int, per: int, gap: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(n_blobs * per, 2) points in tight blobs on a line ``gap`` apart, and each point's blob."""
    rng = np.random.default_rng(seed)
    centres = np.stack([np.arange(n_blobs) * gap, np.zeros(n_blobs)], 1)
    lab = np.repeat(np.arange(n_blobs), per)
    return centres[lab] + rng.normal(scale=0.01, size=(len(lab), 2)), lab


def test_islands_counts_separated_blobs_and_merges_them_when_the_radius_spans_the_gap():
    xy, lab = _blobs(6, 20, gap=1.0)
    isl = mq.islands(xy, frac=0.01)                       # radius 0.05: the blobs stay apart
    assert isl["islands"] == 6 and isl["components"] == 6 and isl["speck_share"] == 0.0
    assert len(set(zip(isl["labels"].tolist(), lab.tolist()))) == 6          # one island per blob
    assert np.isclose(isl["radius"], 0.01 * np.ptp(xy, axis=0).max())
    assert mq.islands(xy, frac=0.25)["islands"] == 1      # radius 1.25 > gap: one island
    few = np.vstack([xy, [[100.0, 0.0], [100.0, 1.0]]])    # two far points: specks, not islands
    out = mq.islands(few, frac=0.001)
    assert out["islands"] == 6 and out["components"] == 8 and np.isclose(out["speck_share"], 2 / len(few))


def test_islands_and_knn_refuse_bad_input():
    with pytest.raises(ValueError, match="xy"):
        mq.islands(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="frac"):
        mq.islands(np.zeros((5, 2)), frac=1.5)
    with pytest.raises(ValueError, match="k"):
        mq.knn(np.zeros((5, 2)), 5)


def test_knn_matches_brute_force_and_cosine_ignores_scale():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4))
    d = ((X[:, None] - X[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert (mq.knn(X, 5, block=64) == np.argsort(d, axis=1, kind="stable")[:, :5]).all()
    scaled = X * rng.uniform(0.1, 10, size=(300, 1))
    assert (mq.knn(scaled, 5, cosine=True) == mq.knn(X, 5, cosine=True)).all()


def test_knn_recall_is_one_for_a_faithful_map_and_low_for_a_shuffled_one():
    rng = np.random.default_rng(2)
    emb = rng.normal(size=(400, 2))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)       # points on a circle: the map can be exact
    assert mq.knn_recall(emb, emb * 3.0) == 1.0
    assert mq.knn_recall(emb, rng.permutation(emb)) < 0.1


def test_class_edit_distances_take_the_nearest_member_of_each_class():
    ops = np.array([[0, 0, 0], [1, 1, 1], [1, 1, 0], [2, 2, 2]])     # rows 1 and 2 form one class
    class_of = np.array([0, 1, 1, 3])
    points = np.array([0, 1, 3])
    dist = mq.class_edit_distances(ops, class_of, points, sample=[0, 2])
    assert dist.tolist() == [[0, 2, 3], [3, 3, 0]]      # row 0 -> class {1,2}: 2 edits (to row 2, not 3 to row 1)
    nb = np.array([[1, 2], [0, 2], [0, 1]])
    assert mq.edit_share(dist, nb, [0, 2], 2) == 0.25    # point 0's neighbours: 2 and 3 edits; row 3's: 3 and 3
    with pytest.raises(ValueError, match="class_of"):
        mq.class_edit_distances(ops, class_of, np.array([0, 3]), sample=[0])


def test_smoothness_and_same_group_share():
    xy, lab = _blobs(5, 30, gap=1.0, seed=3)
    nb = mq.knn(xy, 5)
    smooth = mq.smoothness(lab.astype(float), nb, seed=0)     # values constant within blobs
    assert smooth["neighbour_diff"] == 0.0 and smooth["random_diff"] > 1.0 and smooth["ratio"] == 0.0
    noisy = mq.smoothness(np.random.default_rng(0).normal(size=len(lab)), nb, seed=0)
    assert 0.7 < noisy["ratio"] < 1.3
    assert mq.same_group_share(lab, nb) == 1.0
    assert mq.same_group_share(np.random.default_rng(1).permutation(lab), nb) < 0.5

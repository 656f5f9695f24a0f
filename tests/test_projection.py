"""Projector: sklearn-style, deterministic batch-independent transform, disk cache, no UI imports."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from naoviz.projection import Projector, fit_background


def _embeddings(n=400, d=32, seed=0):
    X = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_init_only_stores_params_and_validates_in_fit():
    p = Projector(method="tsne", n_neighbors=1)
    assert p.method == "tsne" and not hasattr(p, "embedding_")
    with pytest.raises(ValueError, match="method"):
        p.fit(_embeddings())
    with pytest.raises(RuntimeError, match="fit"):
        Projector("pca").transform(_embeddings(5))


def test_pca_transform_is_batch_independent_and_matches_fit():
    X = _embeddings()
    p = Projector("pca", cache=False).fit(X)
    assert p.embedding_.shape == (len(X), 2)
    np.testing.assert_allclose(p.transform(X[:10]), p.embedding_[:10], atol=1e-5)
    new = X[:20] + 0.1
    whole = p.transform(new)
    one_by_one = np.vstack([p.transform(new[i:i + 1]) for i in range(len(new))])
    np.testing.assert_allclose(whole, one_by_one, atol=1e-6)


def test_cache_round_trip_and_key_depends_on_data_and_params(tmp_path, monkeypatch):
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    X = _embeddings()
    a = Projector("pca").fit(X)
    assert not a.from_cache_ and a.is_cached(X)
    b = Projector("pca").fit(X)
    assert b.from_cache_
    np.testing.assert_array_equal(a.embedding_, b.embedding_)
    assert Projector("pca").cache_key(X) != Projector("pca").cache_key(X[::-1])
    assert Projector("pca").cache_key(X) != Projector("pca", random_state=1).cache_key(X)
    # a corrupt cache file is recomputed, not trusted
    a.cache_path(X).write_bytes(b"garbage")
    c = Projector("pca").fit(X)
    assert not c.from_cache_
    np.testing.assert_allclose(c.embedding_, a.embedding_)


def test_umap_fit_and_knn_transform(tmp_path, monkeypatch):
    """The one real UMAP fit in the suite (small: exact NN, still pays numba's layout JIT once)."""
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    X = _embeddings(300, 16)
    p = Projector("umap", n_neighbors=10).fit(X)
    assert p.embedding_.shape == (300, 2) and np.isfinite(p.embedding_).all()
    # fitted rows land exactly on their map position; new points deterministic whatever the batch
    np.testing.assert_array_equal(p.transform(X[:5]), p.embedding_[:5])
    new = X[:30] + 0.05 * _embeddings(30, 16, seed=1)
    whole = p.transform(new)
    assert np.array_equal(whole, np.vstack([p.transform(new[i:i + 1]) for i in range(30)]))
    assert np.array_equal(whole, p.transform(new))
    # a near point lands inside the map's extent
    lo, hi = p.embedding_.min(0), p.embedding_.max(0)
    assert ((whole >= lo - 1e-9) & (whole <= hi + 1e-9)).all()
    q = Projector("umap", n_neighbors=10).fit(X)
    assert q.from_cache_ and np.array_equal(q.embedding_, p.embedding_)


def test_fit_background_resolves_and_calls_back(tmp_path, monkeypatch):
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    seen = []
    fut = fit_background(Projector("pca"), _embeddings(), on_done=seen.append)
    proj = fut.result(timeout=30)
    assert proj.embedding_.shape == (400, 2)
    bad = fit_background(Projector("pca"), np.full((5, 3), np.nan))
    with pytest.raises(ValueError, match="NaN"):
        bad.result(timeout=30)


def test_backend_import_has_no_ui_libraries():
    code = ("import sys, naoviz.projection, naoviz.tables; "
            "bad=[m for m in ('plotly','ipywidgets','anywidget','IPython') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("method", ["pca", "umap"])
def test_a_restored_map_places_points_to_the_bit(method, tmp_path, monkeypatch):
    """``restore(X, state_)`` (a stopped atlas build's checkpoint) gives the fitted map's ``transform_many`` bit
    for bit, its state arrays copied elsewhere in memory. The PCA transform was a float32 BLAS product and
    failed this on every try (1-ulp differences): its rounding followed the operands' memory."""
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    rng = np.random.default_rng(0)
    X = rng.standard_normal((600 if method == "umap" else 6466, 96)).astype(np.float32)
    Y = rng.standard_normal((4714, 96)).astype(np.float32)
    fitted = Projector(method, cache=False, n_neighbors=10).fit(X)
    placed = fitted.transform_many(Y)
    for i in range(5):
        junk = [np.empty(int(n), np.float32) for n in rng.integers(1, 200, i)]     # other heap layouts
        state = {k: v.copy() for k, v in fitted.state_.items()}
        restored = Projector(method, cache=False, n_neighbors=10).restore(X, state)
        assert np.array_equal(restored.embedding_, fitted.embedding_) and len(junk) == i
        assert np.array_equal(restored.transform_many(Y.copy()), placed)
    with pytest.raises((ValueError, KeyError)):
        Projector(method, cache=False).restore(X[:10], fitted.state_)                # another X's state

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
    # a corrupt cache file is recomputed, not trusted, and says so
    a.cache_path(X).write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="unreadable cached map"):
        c = Projector("pca").fit(X)
    assert not c.from_cache_
    np.testing.assert_allclose(c.embedding_, a.embedding_)


def test_umap_fit_and_knn_transform(tmp_path, monkeypatch):
    """The one real UMAP fit in the suite (small: exact NN, still pays numba's layout JIT once). It leaves torch's
    thread count as it was: the fit that starts numba's OpenMP pool once set it to the number of cores, and the
    NAO tests after it ran several times slower inside the whole suite."""
    import torch
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    threads = torch.get_num_threads()           # 1 (tests/conftest.py)
    X = _embeddings(300, 16)
    p = Projector("umap", n_neighbors=10).fit(X)
    assert p.embedding_.shape == (300, 2) and np.isfinite(p.embedding_).all()
    assert torch.get_num_threads() == threads
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


def test_a_umap_fit_in_a_new_process_loads_umaps_compiled_code_and_draws_the_same_map():
    """umap-learn compiled its fit's numba code in every process (11 CPU-seconds before each dashboard kernel's or
    atlas build's first map): naoviz.numba_cache keeps it in numba's disk cache, so a fresh process loads every
    one of those functions (cache hits, no compile) and, seeded alike, draws this process's map to the bit."""
    import json
    here = Projector("umap", cache=False, n_neighbors=10).fit(_embeddings(300, 16)).embedding_   # fills the cache
    code = ("import importlib, json, numpy as np; from naoviz.projection import Projector; "
            "from naoviz.numba_cache import UMAP_FIT_FUNCTIONS as F; "
            "X = np.random.default_rng(0).standard_normal((300, 16)).astype(np.float32); "
            "X = X / np.linalg.norm(X, axis=1, keepdims=True); "
            "xy = Projector('umap', cache=False, n_neighbors=10).fit(X).embedding_; "
            "fn = [getattr(importlib.import_module(m), n) for m, n in F]; "
            "print(json.dumps({'hits': [sum(f.stats.cache_hits.values()) for f in fn], "
            "'misses': [sum(f.stats.cache_misses.values()) for f in fn], 'map': xy.tolist()}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["misses"] == [0, 0, 0, 0] and all(h >= 1 for h in got["hits"]), got["hits"]
    assert np.array_equal(np.array(got["map"]), here)


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


def _two_islands(land_radius):
    """A map of two islands (8 rows each, at x=0 and x=10) restored from a hand-made state, so no UMAP fit:
    rows of island A point near (1, 0, 0), island B's near (0, 1, 0)."""
    rng = np.random.default_rng(0)
    A = np.array([1.0, 0.0, 0.0]) + 0.02 * rng.standard_normal((8, 3))
    B = np.array([0.0, 1.0, 0.0]) + 0.02 * rng.standard_normal((8, 3))
    X = np.vstack([A, B]).astype(np.float32)
    xy = np.vstack([[0.0, 0.0] + 0.02 * rng.standard_normal((8, 2)), [10.0, 0.0] + 0.02 * rng.standard_normal((8, 2))])
    p = Projector("umap", cache=False, n_neighbors=12, land_radius=land_radius).restore(X, {"embedding": xy})
    return p, X, xy


def test_a_point_between_two_islands_lands_on_the_nearer_island_not_in_the_sea():
    """Its 12 nearest rows sit on both islands; all-k averaging (``land_radius=None``, the old placement) put it
    in the empty sea between them, the default keeps it on the nearest row's island."""
    q = np.array([[1.0, 0.95, 0.0], [0.95, 1.0, 0.0]], dtype=np.float32)        # nearer A, nearer B
    old, _, xy = _two_islands(None)
    sea = old.transform(q)
    assert (np.linalg.norm(sea[:, None] - xy[None], axis=-1).min(1) > 1.0).all()   # the old way: in the sea
    p, X, xy = _two_islands(0.01)
    placed = p.transform(q)
    radius = 0.01 * np.ptp(xy, axis=0).max()
    assert np.linalg.norm(placed[0] - xy[:8], axis=1).min() <= radius            # on island A
    assert np.linalg.norm(placed[1] - xy[8:], axis=1).min() <= radius            # on island B
    # deterministic, batch-independent, transform_many the same up to rounding, exact hits on their dots
    assert np.array_equal(placed, np.vstack([p.transform(q[i:i + 1]) for i in range(2)]))
    assert np.array_equal(placed, p.transform(q))
    np.testing.assert_allclose(p.transform_many(q), placed, atol=1e-9)
    np.testing.assert_array_equal(p.transform(X), xy)
    np.testing.assert_array_equal(p.transform_many(X), xy)


def test_land_radius_is_checked_and_not_part_of_the_cache_key():
    X = _embeddings(50, 8)
    for bad in (0, 1.5, True, "0.01"):
        with pytest.raises(ValueError, match="land_radius"):
            Projector("pca", cache=False, land_radius=bad).fit(X)
    assert Projector(land_radius=None).cache_key(X) == Projector(land_radius=0.05).cache_key(X)
    assert Projector(land_radius=0.05).get_params()["land_radius"] == 0.05


def test_path_jumps_flag_a_segment_between_two_islands_not_one_on_an_island():
    """Two islands of a 2-D map: a path along island A, then to island B, is steps on A and one jump; on a PCA
    (linear) map nothing is a jump; a non-finite point makes no jump; shapes (..., E - 1)."""
    from naoviz.projection import path_jumps
    # islands A (y = 0) and B (y = 5): dots 0.025 apart, joined at 1 % of the extent (5), so 0.05
    dots = np.vstack([np.c_[np.linspace(0, 1, 41), np.zeros(41)], np.c_[np.linspace(0, 1, 41), np.full(41, 5.0)]])
    path = np.array([[0.0, 0.01], [0.3, 0.02], [0.6, -0.01], [0.6, 4.99], [0.9, 5.0]])   # A, A, A, B, B
    assert path_jumps("umap", dots, path).tolist() == [False, False, True, False]
    assert path_jumps("pca", dots, path).tolist() == [False] * 4
    batch = np.stack([path, path[::-1]])                                          # (2, 5, 2) -> (2, 4)
    assert path_jumps("umap", dots, batch).tolist() == [[False, False, True, False], [False, True, False, False]]
    holed = path.copy()
    holed[3] = np.nan                                                             # unknown point: no jump drawn
    assert path_jumps("umap", dots, holed).tolist() == [False] * 4
    assert path_jumps("umap", dots, [[0.0, 0.0], [1.0, 0.0]]).tolist() == [False]   # long, but along island A
    assert path_jumps("umap", dots, path[:1]).shape == (0,)
    with pytest.raises(ValueError, match="method"):
        path_jumps("tsne", dots, path)
    with pytest.raises(ValueError, match="path_xy"):
        path_jumps("umap", dots, path[:, :1])


def test_path_jumps_on_the_shipped_digits_atlas_cross_the_sea_and_steps_do_not():
    """The real digits atlas (6,466 paths of 21 points): every flagged UMAP segment passes a spot at least half
    the land radius from every dot (two islands are more than the radius apart); almost no unflagged segment
    passes a spot farther than the radius from every dot (where no placed point can be); PCA has none."""
    from scipy.spatial import cKDTree

    from naoviz.atlas import Atlas
    from naoviz.projection import LAND_RADIUS
    from naoviz.resources import shipped_dir
    base = sorted(shipped_dir().glob("*-atlas-*.json"))[0].with_suffix("")
    atlas = Atlas.load(base)
    jumps = atlas.path_jumps("umap")
    M, E = atlas.path_decoded.shape
    assert jumps.shape == (M, E - 1) and 0.01 < jumps.mean() < 0.5           # some jumps, mostly steps
    assert np.array_equal(atlas.path_jumps("umap", int(atlas.seeds[7])), jumps[7])
    assert not atlas.path_jumps("pca").any()
    dots = np.unique(np.asarray(atlas.maps["umap"], np.float64), axis=0)
    radius = LAND_RADIUS * np.ptp(dots, axis=0).max()
    P = np.asarray(atlas.path_maps["umap"], np.float64)
    t = np.linspace(0, 1, 65)[1:-1]
    rng = np.random.default_rng(0)
    pick = rng.choice(M, 800, replace=False)
    seg = P[pick, :-1, None] + t[None, None, :, None] * (P[pick, 1:, None] - P[pick, :-1, None])   # (800, E-1, 63, 2)
    far = cKDTree(dots).query(seg.reshape(-1, 2))[0].reshape(seg.shape[:3]).max(-1)            # (800, E-1)
    flagged = jumps[pick]
    assert flagged.any() and (far[flagged] >= 0.45 * radius).all()
    assert np.mean(far[~flagged] > radius) < 0.01


def test_a_umap_map_of_three_points_is_their_pca_plane(tmp_path, monkeypatch):
    """A table of 3 classes (the fewest a map takes): UMAP's spectral start raised a TypeError from scipy
    (k >= N), a traceback from `naoviz atlas --table` on a 3-row CSV; now the 3 points are laid out in their
    PCA plane, and placing a fitted row puts it on its own position."""
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    X = _embeddings(3, 16)
    p = Projector("umap").fit(X)
    assert p.embedding_.shape == (3, 2) and np.isfinite(p.embedding_).all()
    assert len({tuple(np.round(row, 6)) for row in p.embedding_}) == 3             # three distinct places
    np.testing.assert_array_equal(p.transform(X[:1]), p.embedding_[:1])


def test_exact_knn_is_each_rows_nearest_rows_itself_first():
    from sklearn.neighbors import NearestNeighbors

    from naoviz.projection import exact_knn
    X = _embeddings(700, 8, seed=3)
    rows, dists = exact_knn(X, 12, block=256)                 # blocks that do not divide the rows
    d, i = NearestNeighbors(n_neighbors=12).fit(X).kneighbors(X)
    assert rows.shape == dists.shape == (700, 12) and (rows[:, 0] == np.arange(700)).all()
    assert np.array_equal(rows, i) and np.allclose(dists, d, atol=1e-5) and (np.diff(dists, axis=1) >= 0).all()


def test_a_umap_map_of_4096_rows_or_more_uses_the_exact_neighbours_not_nn_descent(tmp_path, monkeypatch):
    """From 4096 rows umap-learn would search neighbours by NN-descent (numba compiled in every process, 20-30 s
    on 2 cores); the map gets the exact ones instead, and the same seed still gives the same map."""
    import pynndescent

    class refuse(pynndescent.NNDescent):
        def __init__(self, *args, **kwargs):
            raise AssertionError("NN-descent was used")
    monkeypatch.setattr(pynndescent, "NNDescent", refuse)
    monkeypatch.setattr("umap.umap_.NNDescent", refuse)
    import umap

    class few_epochs(umap.UMAP):                  # the layout's length is not what this test checks: 30 of 500
        def __init__(self, *args, **kwargs):
            super().__init__(*args, n_epochs=30, **kwargs)
    monkeypatch.setattr(umap, "UMAP", few_epochs)
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    X = _embeddings(4100, 16, seed=2)
    one = Projector("umap", cache=False, n_neighbors=10).fit(X).embedding_
    two = Projector("umap", cache=False, n_neighbors=10).fit(X).embedding_
    assert one.shape == (4100, 2) and np.isfinite(one).all() and np.array_equal(one, two)

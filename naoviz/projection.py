"""2-D maps of architecture embeddings: PCA or UMAP, scikit-learn style, cached on disk.

``fit`` learns a map of the embeddings of a whole space (for NB201: 15,625 rows of NAO's unit
vectors). ``transform`` places new points (a gradient path's moved embeddings) on that map
deterministically and fast: PCA is linear (row sums, no BLAS product); for UMAP a new point is the
distance-weighted mean of the map positions of its ``n_neighbors`` nearest fitted points (UMAP's own
out-of-sample initialisation, without the stochastic refinement), so a point lands on the same spot whatever
batch it comes in and no numba code runs after ``fit``. A point equal to a fitted row lands exactly on that row.
Only those neighbours count whose map positions lie within ``land_radius`` (a share of the map's extent) of
the nearest one's: an NB201 map is ~100 islands, and a mean over neighbours on two islands put a path point
in the empty sea between them, where no cell is (docs/ui.md, "Path points stay on land"). The placed point is
then always within that radius of its nearest fitted row's dot.

:func:`path_jumps` tells which segments of a placed path are jumps rather than steps: on a UMAP map a moved
point sits on its nearest class's island, so when that island changes between two etas the point teleports,
and a line between them would draw a path across the empty sea that no moved point ever takes. A PCA map is
linear: a one-step moved point (e + eta * df/de, a straight line in eta) moves continuously on it, never a jump.

UMAP's first fit in a process loads its numba code from numba's disk cache (naoviz.numba_cache; the first
fit of an install compiles it: about 11 CPU-seconds); :func:`fit_background` runs a fit in a
thread so a UI can show the PCA map first. Fitted maps are cached in ``cache_dir()/projections`` keyed by
a hash of the embeddings and the parameters, so a warm start loads in milliseconds without importing umap.
"""
from __future__ import annotations

import hashlib
import io
import json
import sys
import threading
import zipfile
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from naoviz.errors import rebuild_note
from naoviz.paths import atomic_write_bytes, cache_dir, mark_used

METHODS = ("umap", "pca")
MIN_ROWS = 3         # fewer points than this have no map (the CLI refuses such a table before training)
METRICS = ("cosine", "euclidean")
LAND_RADIUS = 0.01   # share of the map's extent: neighbours farther than this from the nearest one's dot are
                     # not averaged (tuned on NB201, bench/path_placement.py; 1 % is also the islands' radius)
CONTINUOUS_METHODS = ("pca",)   # linear maps: a moved point's position changes continuously with eta, no jumps


UMAP_APPROXIMATES_FROM = 4096   # rows from which umap-learn finds neighbours by NN-descent, not exactly


@contextmanager
def torch_threads_kept():
    """Give torch back its CPU thread count after the block. UMAP's first parallel numba function starts numba's
    OpenMP pool, which sets the thread count of the libgomp that torch shares to all cores: every later torch op
    of this thread (NAO steps, predictions) then ran on 2 threads on 2 busy cores, several times slower
    (docs/model.md, "Use one thread on shared cores"). torch is not imported for this: without it, nothing to keep."""
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    try:
        yield
    finally:
        if torch is not None and torch.get_num_threads() != before:
            torch.set_num_threads(before)


def exact_knn(X: np.ndarray, k: int, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest rows of each row of ``X`` ``(n, d)``, itself first (distance 0), then by euclidean
    distance, ties by row index: ``(indices (n, k) int64, distances (n, k) float32)``, as UMAP's own exact
    search returns them; in row blocks of ``(block, n)`` float64 distances."""
    X = np.asarray(X, dtype=np.float64)
    sq = (X ** 2).sum(1)                                                          # (n,)
    n = len(X)
    rows = np.empty((n, k), dtype=np.int64)
    dists = np.empty((n, k), dtype=np.float32)
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        d2 = np.maximum(sq[None, :] - 2.0 * (X[lo:hi] @ X.T) + sq[lo:hi, None], 0.0)   # (b, n)
        d2[np.arange(hi - lo), np.arange(lo, hi)] = -1.0                          # itself first
        idx = np.argpartition(d2, k - 1, axis=1)[:, :k]                           # (b, k)
        dk = np.take_along_axis(d2, idx, axis=1)
        order = np.lexsort((idx, dk), axis=1)
        rows[lo:hi] = np.take_along_axis(idx, order, 1)
        dists[lo:hi] = np.sqrt(np.maximum(np.take_along_axis(dk, order, 1), 0.0))
    return rows, dists


class Projector:
    """PCA or UMAP map of embeddings ``(n, d)`` to ``(n, 2)``.

    Parameters
    ----------
    method : "umap" or "pca" (default "umap").
    metric : "cosine" (default; rows are L2-normalised first) or "euclidean".
    random_state : int seed of the UMAP layout / PCA solver (default 0).
    n_neighbors : UMAP neighbourhood size and the k of the out-of-sample transform (default 15, 2..200).
    min_dist : UMAP's minimum distance between laid-out points (default 0.1, UMAP's own; 0..1).
    cache : keep fitted maps on disk under ``cache_dir()/projections`` (default True).
    land_radius : UMAP ``transform`` averages only the neighbours whose map positions are within this share of
        the map's extent (its larger side) of the nearest neighbour's (default ``LAND_RADIUS``, 0..1; None:
        all k, the placement before 2026-12-05). Not part of the cache key: the fit does not use it.

    Learned attributes: ``embedding_`` (n, 2) map of the fitted rows, ``key_`` cache key,
    ``from_cache_`` whether ``fit`` loaded it, ``fit_seconds_``, ``state_`` the arrays ``restore`` takes
    (embedding (n, 2) float64; PCA also mean (d,) and components (2, d) float32).
    """

    def __init__(self, method: str = "umap", metric: str = "cosine", random_state: int = 0,
                 n_neighbors: int = 15, cache: bool = True, min_dist: float = 0.1,
                 land_radius: Optional[float] = LAND_RADIUS):
        self.method = method
        self.metric = metric
        self.random_state = random_state
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.cache = cache
        self.land_radius = land_radius

    # -- sklearn API ----------------------------------------------------------------------------
    def get_params(self) -> dict:
        return {**self._fit_params(), "land_radius": self.land_radius}

    def _fit_params(self) -> dict:
        """The parameters the fitted map depends on (the cache key's)."""
        return {"method": self.method, "metric": self.metric, "random_state": self.random_state,
                "n_neighbors": self.n_neighbors, "min_dist": self.min_dist}

    def _validate(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method: expected one of {METHODS}, got {self.method!r}")
        if self.metric not in METRICS:
            raise ValueError(f"metric: expected one of {METRICS}, got {self.metric!r}")
        if not 2 <= int(self.n_neighbors) <= 200:
            raise ValueError(f"n_neighbors: expected 2..200, got {self.n_neighbors!r}")
        if isinstance(self.min_dist, bool) or not isinstance(self.min_dist, (int, float)) \
                or not 0 <= float(self.min_dist) <= 1:
            raise ValueError(f"min_dist: expected a number in 0..1, got {self.min_dist!r}")
        r = self.land_radius
        if r is not None and (isinstance(r, bool) or not isinstance(r, (int, float)) or not 0 < float(r) <= 1):
            raise ValueError(f"land_radius: expected None or a number in (0, 1], got {r!r}")

    def _prep(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2:
            raise ValueError(f"X: expected a 2-D array (n, d), got shape {X.shape}")
        if not np.isfinite(X).all():
            raise ValueError("X: embeddings contain NaN or inf")
        if self.metric == "cosine":
            norm = np.linalg.norm(X, axis=1, keepdims=True)
            X = X / np.maximum(norm, 1e-12)
        return np.ascontiguousarray(X, dtype=np.float32)

    def cache_key(self, X) -> str:
        """Hash of the embeddings (as float32) and the parameters: the name of the cached map."""
        X = np.ascontiguousarray(np.asarray(X, dtype=np.float32))
        h = hashlib.sha256()
        h.update(json.dumps(self._fit_params(), sort_keys=True).encode())
        h.update(str(X.shape).encode())
        h.update(X.tobytes())
        return h.hexdigest()[:24]

    def cache_path(self, X) -> Path:
        return cache_dir() / "projections" / f"{self.method}-{self.cache_key(X)}.npz"

    def is_cached(self, X) -> bool:
        """Whether ``fit(X)`` would load from disk (instant) rather than compute."""
        return self.cache and self.cache_path(X).is_file()

    def fit(self, X, y=None) -> "Projector":
        """Learn the map of ``X`` (n, d); loads it from the disk cache when present."""
        import time

        self._validate()
        t0 = time.perf_counter()
        Xp = self._prep(X)
        if len(Xp) < MIN_ROWS:
            raise ValueError(f"X: need at least {MIN_ROWS} rows to fit a map, got {len(Xp)}")
        self.key_ = self.cache_key(X)
        path = cache_dir() / "projections" / f"{self.method}-{self.key_}.npz"
        self.from_cache_ = False
        if self.cache and path.is_file():
            try:
                with np.load(path, allow_pickle=False) as z:
                    state = {k: z[k] for k in z.files}
                self._set_state(state, Xp)
                self.from_cache_ = True
                mark_used(path)
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
                self.from_cache_ = False     # corrupt cache (a torn or foreign file): recompute and overwrite
                rebuild_note(path, "cached map", exc, "computing it again")
        if not self.from_cache_:
            state = self._compute(Xp)
            self._set_state(state, Xp)
            if self.cache:
                buf = io.BytesIO()
                np.savez(buf, **state)
                atomic_write_bytes(path, buf.getvalue())
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def restore(self, X, state: dict) -> "Projector":
        """The map of ``X`` (n, d) from a ``state_`` saved after an earlier ``fit(X)`` (a stopped atlas build's
        checkpoint, naoviz/atlas_resume.py), computing nothing: ``transform`` then equals that fit's.
        ValueError/KeyError when ``state`` does not belong to this method or to ``X``'s shape."""
        self._validate()
        Xp = self._prep(X)
        self.key_, self.from_cache_, self.fit_seconds_ = self.cache_key(X), True, 0.0
        self._set_state(state, Xp)
        return self

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.fit(X).embedding_.copy()

    def transform(self, X) -> np.ndarray:
        """Map new rows ``(m, d)`` to ``(m, 2)``; each row independently of the others."""
        if not hasattr(self, "embedding_"):
            raise RuntimeError("Projector: call fit() before transform()")
        Xp = self._prep(X)
        if Xp.shape[1] != self._X.shape[1]:
            raise ValueError(f"X: expected {self._X.shape[1]} columns, got {Xp.shape[1]}")
        if self.method == "pca":
            return self._pca_transform(Xp)
        return self._knn_transform(Xp)

    def transform_many(self, X, block: int = 2048) -> np.ndarray:
        """``transform`` for many rows ``(m, d)`` in blocks (matrix products, not one gemv per row); the
        same neighbours and weights as ``transform``, equal to it up to float rounding."""
        if not hasattr(self, "embedding_"):
            raise RuntimeError("Projector: call fit() before transform_many()")
        Xp = self._prep(X)
        if Xp.shape[1] != self._X.shape[1]:
            raise ValueError(f"X: expected {self._X.shape[1]} columns, got {Xp.shape[1]}")
        if self.method == "pca":
            return self._pca_transform(Xp)
        k = min(int(self.n_neighbors), len(self._X))
        out = np.empty((len(Xp), 2))
        for lo in range(0, len(Xp), block):
            x = Xp[lo:lo + block].astype(np.float64)                              # (b, d)
            d2 = np.maximum(self._sq[None, :] - 2.0 * (x @ self._X.T) + (x ** 2).sum(1)[:, None], 0.0)
            idx = np.argpartition(d2, k - 1, axis=1)[:, :k]                       # (b, k)
            dk = np.take_along_axis(d2, idx, axis=1)
            order = np.lexsort((idx, dk), axis=1)                                 # ties by row index
            idx, d = np.take_along_axis(idx, order, 1), np.sqrt(np.take_along_axis(dk, order, 1))
            out[lo:lo + block] = self._place(idx, d)
        return out

    # -- internals ------------------------------------------------------------------------------
    def _compute(self, Xp: np.ndarray) -> dict:
        if self.method == "pca":
            from sklearn.decomposition import PCA

            pca = PCA(n_components=2, random_state=self.random_state).fit(Xp)
            return {"embedding": pca.transform(Xp).astype(np.float64),
                    "mean": pca.mean_.astype(np.float32), "components": pca.components_.astype(np.float32)}
        if len(Xp) < 4:   # 3 points (fit needs 3): UMAP's spectral start fails in scipy (k >= N); their PCA plane
            from sklearn.decomposition import PCA
            layout = PCA(n_components=2, random_state=self.random_state).fit_transform(Xp)
            return {"embedding": layout.astype(np.float64)}
        import warnings

        import umap  # deferred: importing umap costs 1-15 s (numba)

        from naoviz.numba_cache import cache_umap_jit
        cache_umap_jit()                  # its fit's numba code compiled once per install, not once per process

        k = min(int(self.n_neighbors), len(Xp) - 1)
        # From 4096 rows UMAP finds neighbours by NN-descent, whose numba code compiles anew in every process
        # (20-30 s on 2 cores: each dashboard cold start, each atlas build); the exact neighbours cost well
        # under a second at these sizes and are what NN-descent approximates. Below 4096 UMAP is exact itself.
        knn = {"precomputed_knn": (*exact_knn(Xp, k), None)} if len(Xp) >= UMAP_APPROXIMATES_FROM else {}
        reducer = umap.UMAP(n_neighbors=k, min_dist=float(self.min_dist), metric="euclidean", n_components=2,
                            random_state=self.random_state, transform_seed=self.random_state, **knn)
        # Rows are already unit vectors for "cosine": euclidean on the sphere ranks neighbours the same.
        with warnings.catch_warnings(), torch_threads_kept():   # "n_jobs overridden by random_state": intended
            warnings.simplefilter("ignore", UserWarning)
            return {"embedding": reducer.fit_transform(Xp).astype(np.float64)}

    def _set_state(self, state: dict, Xp: np.ndarray) -> None:
        emb = np.asarray(state["embedding"], dtype=np.float64)
        if emb.shape != (len(Xp), 2):
            raise ValueError(f"cached map has shape {emb.shape}, expected {(len(Xp), 2)}")
        self.embedding_ = emb
        self.state_ = {k: np.asarray(v) for k, v in state.items()}   # what restore() needs: the map's own state
        self._X = Xp.astype(np.float64)          # float64 once: transform does one gemv per row
        self._sq = (self._X ** 2).sum(1)
        extent = float(np.ptp(emb, axis=0).max())                                # the map's larger side
        self._land = None if self.land_radius is None else float(self.land_radius) * extent
        if self.method == "pca":
            self.mean_ = np.asarray(state["mean"], dtype=np.float32)
            self.components_ = np.asarray(state["components"], dtype=np.float32)

    def _pca_transform(self, Xp: np.ndarray) -> np.ndarray:
        """(m, d) -> (m, 2) on the PCA axes, in float64 by elementwise products and row sums, not a BLAS
        product: a matrix product's rounding can change with where its operands lie in memory (seen: a
        stopped atlas build's restored map placed 1-ulp-different points), a row sum's cannot."""
        Xc = Xp.astype(np.float64) - self.mean_.astype(np.float64)                       # (m, d)
        return np.stack([(Xc * axis).sum(1) for axis in self.components_.astype(np.float64)], axis=1)

    def _knn_transform(self, Xp: np.ndarray) -> np.ndarray:
        """(m, d) -> (m, 2) by ``_place`` from the k nearest fitted rows, found row by row (batch-independent)."""
        k = min(int(self.n_neighbors), len(self._X))
        out = np.empty((len(Xp), 2))
        for i, x in enumerate(Xp.astype(np.float64)):   # row by row: batch-independent by construction
            d2 = np.maximum(self._sq - 2.0 * (self._X @ x) + x @ x, 0.0)
            idx = np.argpartition(d2, k - 1)[:k]
            idx = idx[np.lexsort((idx, d2[idx]))]       # ties broken by row index: deterministic
            out[i] = self._place(idx[None], np.sqrt(d2[idx])[None])[0]
        return out

    def _place(self, idx: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Map positions (b, 2) of b points from their k nearest fitted rows ``idx`` (b, k), sorted by distance
        ``d`` (b, k): the weighted mean (weights exp(-(d - d_0) / mean(d - d_0))) of those rows' positions that
        lie within ``land_radius`` x the map's extent of the nearest row's position, so a point whose
        neighbours sit on two islands lands on the nearest one's island, not in the sea between. An exact hit
        (d_0 < 1e-6) lands on its row."""
        sigma = np.maximum((d - d[:, :1]).mean(1, keepdims=True), 1e-6)
        w = np.exp(-(d - d[:, :1]) / sigma)                                       # (b, k), w[:, 0] == 1
        pos = self.embedding_[idx]                                                # (b, k, 2)
        if self._land is not None:
            far = ((pos - pos[:, :1]) ** 2).sum(-1) > self._land ** 2              # (b, k), never the nearest
            w = np.where(far, 0.0, w)
        xy = (w[:, :, None] * pos).sum(1) / w.sum(1, keepdims=True)
        exact = d[:, 0] < 1e-6
        xy[exact] = pos[exact, 0]
        return xy

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"Projector({args})"


def path_jumps(method: str, dots, path_xy, land_radius: float = LAND_RADIUS) -> np.ndarray:
    """Which segments of gradient paths on a map are jumps: bool ``(..., E - 1)`` for paths ``path_xy``
    ``(..., E, 2)`` (points at consecutive etas) on a map whose fitted dots are ``dots`` ``(n, 2)``.

    Segment i (point i to point i + 1) is a jump when the two points' nearest dots lie on different islands,
    the components of the graph joining dots closer than ``land_radius`` x the map's extent
    (``naoviz.map_quality.islands``; the radius ``transform`` keeps a point within of its nearest class's dot).
    Why: a placed point never leaves its nearest class's island, so between two islands it does not move, it
    teleports, and a straight line between the two points is a path through the sea no moved point takes.
    Two dots on different islands are more than the radius apart, so such a segment passes a spot at least
    half the radius from every dot. ``method`` in ``CONTINUOUS_METHODS`` (PCA, linear): all False, the moved
    point moves continuously there and the segment is a chord of its curve. A segment with a non-finite end is not a jump."""
    P = np.asarray(path_xy, dtype=np.float64)
    if P.ndim < 2 or P.shape[-1] != 2:
        raise ValueError(f"path_xy: expected an array (..., E, 2), got shape {P.shape}")
    out = np.zeros(P.shape[:-2] + (max(P.shape[-2] - 1, 0),), dtype=bool)
    if method in CONTINUOUS_METHODS or not out.size:
        return out
    if method not in METHODS:
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}")
    from scipy.spatial import cKDTree          # here: a PCA map (the quick atlas) imports no scipy

    from naoviz.map_quality import islands
    dots = np.asarray(dots, dtype=np.float64).reshape(-1, 2)
    dots = np.unique(dots[np.isfinite(dots).all(1)], axis=0)            # (u, 2): cells of one class share a dot
    labels = islands(dots, float(land_radius), min_size=1)["labels"]                             # (u,)
    flat = P.reshape(-1, 2)
    ok = np.isfinite(flat).all(1)
    lab = np.full(len(flat), -1)
    lab[ok] = labels[cKDTree(dots).query(flat[ok])[1]]
    lab = lab.reshape(P.shape[:-1])                                                              # (..., E)
    return (lab[..., 1:] != lab[..., :-1]) & (lab[..., 1:] >= 0) & (lab[..., :-1] >= 0)


def jump_maps(maps: dict, path_maps: dict) -> dict:
    """``{map: (M, E - 1) bool}``: :func:`path_jumps` of the paths ``path_maps[map]`` (M, E, 2) on every map of
    ``maps`` (``{map: (n, 2)}`` dots) that is not linear: what an atlas stores (``Atlas.path_jump_maps``)."""
    return {name: path_jumps(name, maps[name], xy) for name, xy in path_maps.items() if name not in CONTINUOUS_METHODS}


def fit_background(projector: Projector, X, on_done: Optional[Callable[[Projector], None]] = None) -> Future:
    """Fit ``projector`` on ``X`` in a daemon thread; the Future resolves to the fitted projector.

    ``on_done(projector)`` runs in that thread after a successful fit (a UI swaps its map there).
    """
    future: Future = Future()
    X = np.array(X, dtype=np.float32, copy=True)

    def work():
        try:
            projector.fit(X)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the Future
            future.set_exception(exc)
            return
        future.set_result(projector)
        if on_done is not None:
            on_done(projector)

    threading.Thread(target=work, name="naoviz-projector", daemon=True).start()
    return future

"""What the explorer works on, without widgets: a benchmark, a fitted NAO model (from naoviz.nao.cache),
the embeddings and predictions of every architecture, their 2-D map, and gradient paths cached per seed.

Everything here is plain Python and numpy so it is testable without a browser; the widgets only read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from naoviz.projection import Projector, fit_background


@dataclass
class PathView:
    """One seed's path as the figures need it: the PathResult, its map coordinates (E, 2) and strings."""

    result: object
    xy: np.ndarray
    decoded: list
    seed_row: Optional[int]


class Session:
    """Benchmark + model + map. ``method`` "pca" shows at once; "umap" starts PCA and swaps in UMAP when a
    background fit finishes (``on_map_ready`` is called then), or loads it instantly when cached."""

    def __init__(self, bench, model, metric: str = "valid_acc", method: str = "umap",
                 on_map_ready: Optional[Callable[["Session"], None]] = None, random_state: int = 0):
        self.bench, self.model, self.metric = bench, model, metric
        self.space = bench.space
        self.archs = bench.archs()
        self.rows = {a: i for i, a in enumerate(self.archs)}
        self.labels = [self.space.format(a) for a in self.archs]
        self.embeddings = model.embed(self.archs)                  # (N, H)
        self.predicted = model.predict(self.archs)                 # (N,)
        self.true = bench.metric(metric)                           # (N,)
        self.extra = {m: bench.metric(m) for m in ("valid_acc", "test_acc") if m in bench.metrics and m != metric}
        self._paths: dict = {}
        self.projector = Projector("pca", random_state=random_state).fit(self.embeddings)
        self.map_method = "PCA"
        self.umap_future = None
        if method == "umap":
            umap = Projector("umap", random_state=random_state)
            if umap.is_cached(self.embeddings):
                self._use(umap.fit(self.embeddings))
            else:
                def done(p):
                    self._use(p)
                    if on_map_ready is not None:
                        on_map_ready(self)
                self.umap_future = fit_background(umap, self.embeddings, on_done=done)
        elif method != "pca":
            raise ValueError(f"method: expected 'umap' or 'pca', got {method!r}")

    def _use(self, projector: Projector) -> None:
        self.projector, self.map_method = projector, projector.method.upper()
        self._paths = {k: PathView(v.result, projector.transform(v.result.embeddings), v.decoded, v.seed_row)
                       for k, v in self._paths.items()}

    @property
    def xy(self) -> np.ndarray:
        return self.projector.embedding_

    def colour(self, by: str = "true") -> np.ndarray:
        return self.true if by == "true" else self.predicted

    def row_of(self, arch) -> Optional[int]:
        return self.rows.get(tuple(arch))

    def path(self, seed, etas, steps: int = 1) -> PathView:
        """The gradient path of ``seed`` over ``etas`` (computed once per (seed, etas, steps), then cached)."""
        seed = self.space.coerce(seed)
        etas = np.asarray(etas, dtype=float)
        key = (seed, tuple(np.round(etas, 9)), int(steps))
        if key not in self._paths:
            res = self.model.path(seed, etas, steps=int(steps), benchmark=self.bench, metric=self.metric)
            self._paths[key] = PathView(res, self.projector.transform(res.embeddings),
                                        [self.space.format(d) for d in res.decoded], self.row_of(seed))
        return self._paths[key]

    def describe(self, arch) -> dict:
        """Predicted and true metric of one architecture (true is NaN when the table lacks it)."""
        arch = self.space.coerce(arch)
        row = self.row_of(arch)
        pred = float(self.predicted[row]) if row is not None else float(self.model.predict([arch])[0])
        try:
            true = float(self.bench.metric(self.metric, [arch])[0])
        except (KeyError, ValueError):
            true = float("nan")
        return {"arch": self.space.format(arch), "row": row, "predicted": pred, "true": true}

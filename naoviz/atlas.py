"""The atlas: everything the explorer draws, precomputed once per fitted model, in one compact file.

For a fitted NAO model and a space's cells it holds the 2-D maps, the predictions, table columns, nearest
neighbours in the embedding, and for every seed the gradient path on an eta grid (decoded cell, predicted
at the moved point, predicted for the decoded cell). The explorer answers slider, click, hover and search
from it in the browser with no kernel round trip. Loading needs numpy and safetensors only (no torch), so a
student's kernel stays small; building (``naoviz.atlas_build``) needs the model.

On disk: ``<name>.safetensors`` (arrays, never unpickled) + ``<name>.json`` (metadata), both written
atomically, the JSON last, so a reader never sees half an atlas.

Shapes: N cells (rows of ``labels``; the first ``n_table`` are the table's rows, any further ones are
decoded cells the table lacks), M seeds with paths, E step sizes, K neighbours.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from naoviz.paths import atomic_write_bytes, atomic_write_text

FORMAT_VERSION = 1
_ARRAYS = ("predicted", "etas", "seeds", "class_of", "class_size", "neighbours", "neighbour_dist",
           "path_decoded", "path_pred_moved", "path_pred_decoded")


def budget_columns(columns) -> list:
    """The columns a budget can bound (sizes, FLOPs, latencies, times: lower is better and not a loss)."""
    from naoviz.tables.benchmark import lower_is_better
    return [c for c in columns if lower_is_better(c) and not c.endswith("loss")]


@dataclass
class Atlas:
    """What the explorer needs, as plain arrays (float32 / int32)."""

    space: str                      # space name ("nb201", "naonet")
    metric: str                     # the column the model predicts (e.g. "valid_acc")
    lower_is_better: bool           # direction of ``metric``
    model_key: str                  # fingerprint of the fitted model this atlas was built from
    labels: list                    # (N,) cell strings, space.format(arch)
    n_table: int                    # rows 0..n_table-1 are the table's cells
    maps: dict                      # {"umap": (N, 2), "pca": (N, 2)} float32 map coordinates
    predicted: np.ndarray           # (N,) float32, predictor output in metric units
    columns: dict                   # {column: (N,) float32} table columns (true metric, params, latency...), NaN if absent
    class_of: np.ndarray            # (N,) int32 row of this cell's isomorphism-class representative (itself if none)
    class_size: np.ndarray          # (N,) int32 cells in this cell's isomorphism class (1 where not applicable)
    neighbours: np.ndarray          # (N, K) int32 rows of the K nearest cells in the embedding (cosine)
    neighbour_dist: np.ndarray      # (N, K) float32 their cosine distances
    etas: np.ndarray                # (E,) float32 step-size grid, etas[0] == 0
    seeds: np.ndarray               # (M,) int32 rows that have a path
    path_decoded: np.ndarray        # (M, E) int32 row of the decoded cell at each eta
    path_pred_moved: np.ndarray     # (M, E) float32 predicted at the moved embedding (metric units)
    path_pred_decoded: np.ndarray   # (M, E) float32 predicted for the decoded cell re-encoded
    path_maps: dict                 # {"umap": (M, E, 2), "pca": (M, E, 2)} moved points on each map
    meta: dict = field(default_factory=dict)   # free-form JSON-ready facts (build time, config, ...)
    # {"umap": (M, E - 1) bool} which path segments jump islands, stored by the build so a visit's kernel needs
    # no scipy (about 30 MB and 0.3 s each); a map not in it (PCA, atlases saved before it) is computed on demand
    path_jump_maps: dict = field(default_factory=dict)

    def seed_index(self, row: int) -> int:
        """Index into ``seeds`` of table row ``row``; ValueError if that row has no path."""
        hits = np.flatnonzero(self.seeds == int(row))
        if not len(hits):
            raise ValueError(f"seed: row {row} has no path in this atlas")
        return int(hits[0])

    def path_jumps(self, view: str, row: Optional[int] = None) -> np.ndarray:
        """Which segments of the paths on map ``view`` are jumps to another island, not steps: bool (M, E - 1),
        or (E - 1,) for seed ``row``'s path (``naoviz.projection.path_jumps``; none on the linear PCA map)."""
        stored = self.path_jump_maps.get(view)
        if stored is not None and stored.shape == self.path_maps[view].shape[:-2] + (self.path_maps[view].shape[-2] - 1,):
            return np.asarray(stored if row is None else stored[self.seed_index(row)], dtype=bool)
        from naoviz.projection import path_jumps
        xy = self.path_maps[view] if row is None else self.path_maps[view][self.seed_index(row)]
        return path_jumps(view, self.maps[view], xy)

    def budget_mask(self, column: str, budget: float) -> np.ndarray:
        """(N,) bool: cells whose ``column`` is at most ``budget`` (NaN never is); ValueError naming the column."""
        if column not in self.columns:
            raise ValueError(f"budget_column: {column!r} is not a column of this atlas ({', '.join(self.columns)})")
        with np.errstate(invalid="ignore"):
            return np.asarray(self.columns[column], dtype=np.float64) <= float(budget)

    def path_costs(self, row: int, column: str) -> np.ndarray:
        """(E,) true ``column`` value of the cell decoded from seed ``row`` at each eta (NaN where absent)."""
        return np.asarray(self.columns[column], dtype=np.float64)[self.path_decoded[self.seed_index(row)]]

    def best_feasible(self, row: int, column: str, budget: float) -> int:
        """Largest eta index whose decoded cell (seed ``row``'s unconstrained path) is within ``budget`` on
        ``column``, or -1 when none is: the precomputed path filtered by the budget, not a constrained step."""
        ok = self.budget_mask(column, budget)[self.path_decoded[self.seed_index(row)]]
        hits = np.flatnonzero(ok)
        return int(hits[-1]) if len(hits) else -1

    def locate(self, cell: str, space=None) -> tuple[int, int]:
        """``(row, path_row)`` of a cell string: its row (else, when ``space`` knows isomorphism classes, the
        row of a cell of its class; -1 when the atlas has neither) and the row whose path the explorer shows
        for it (itself or its class's representative; -1 when neither has a path). A ``cell`` that is not a
        string, or (with ``space``) not one of its cells, is an error naming it, not a -1."""
        from naoviz.errors import show
        if not isinstance(cell, str):
            raise TypeError(f"cell: expected a cell string, got {type(cell).__name__} {show(cell)}")
        rows = {label: i for i, label in enumerate(self.labels)}
        row = rows.get(cell, -1)
        classes = getattr(space, "classes", None)
        if row < 0 and classes is not None:
            try:
                arch = space.parse(cell)
            except ValueError as exc:
                raise ValueError(f"cell: {exc}") from None
            try:
                members = classes.get(space.canonical(arch), ())
            except (ValueError, KeyError):
                members = ()
            row = next((rows[m] for m in map(space.format, members) if m in rows), -1)
        if row < 0:
            return -1, -1
        with_path = set(self.seeds.tolist())
        path_row = next((r for r in (row, int(self.class_of[row])) if r in with_path), -1)
        return row, path_row

    def save(self, path) -> tuple[Path, Path]:
        """Write ``path``.safetensors and ``path``.json atomically (JSON last, holding the SHA-256 of the
        safetensors, so a kill between the two writes leaves a pair :meth:`load` refuses); return both paths."""
        from safetensors.numpy import save as st_save
        base = Path(path)
        tensors = {k: np.ascontiguousarray(getattr(self, k)) for k in _ARRAYS}
        for name, xy in self.maps.items():
            tensors[f"map.{name}"] = np.ascontiguousarray(xy, dtype=np.float32)
        for name, xy in self.path_maps.items():
            tensors[f"path_map.{name}"] = np.ascontiguousarray(xy, dtype=np.float32)
        for name, jumps in self.path_jump_maps.items():
            tensors[f"path_jump.{name}"] = np.ascontiguousarray(jumps, dtype=np.uint8)
        for name, col in self.columns.items():
            tensors[f"column.{name}"] = np.ascontiguousarray(col, dtype=np.float32)
        st, js = base.with_suffix(".safetensors"), base.with_suffix(".json")
        payload = st_save(tensors)
        atomic_write_bytes(st, payload)
        meta = {"format": FORMAT_VERSION, "space": self.space, "metric": self.metric,
                "lower_is_better": bool(self.lower_is_better), "model_key": self.model_key,
                "labels": list(self.labels), "n_table": int(self.n_table), "meta": self.meta,
                "tensors_sha256": hashlib.sha256(payload).hexdigest()}     # the pair: see load
        atomic_write_text(js, json.dumps(meta, allow_nan=False))
        return st, js

    @classmethod
    def load(cls, path) -> "Atlas":
        """Read an atlas written by :meth:`save`; ValueError naming the file when it is not one."""
        from safetensors import SafetensorError
        from safetensors.numpy import load_file
        if not isinstance(path, (str, os.PathLike)):
            from naoviz.errors import show
            raise TypeError(f"path: expected an atlas file's path, got {type(path).__name__} {show(path)}")
        base = Path(path)
        st, js = base.with_suffix(".safetensors"), base.with_suffix(".json")
        try:
            meta = json.loads(js.read_text(encoding="utf-8"))
            payload = st.read_bytes()
            arrays = load_file(str(st))        # (not ``load(payload)``: its keys come in a random order)
        except (OSError, ValueError, SafetensorError) as exc:       # a truncated file: SafetensorError
            raise ValueError(f"{base}: not a readable atlas ({str(exc)[:200]})") from exc
        if not isinstance(meta, dict):
            raise ValueError(f"{js}: not an atlas's JSON")
        want = meta.get("tensors_sha256")         # absent in atlases saved before it (the check is skipped)
        if want is not None and hashlib.sha256(payload).hexdigest() != want:
            raise ValueError(f"{base}: .safetensors and .json of two different saves (one cut short by a kill?)")
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{js}: atlas format {meta.get('format')!r}, this naoviz reads {FORMAT_VERSION}")

        def group(prefix):
            return {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}

        missing = [k for k in _ARRAYS if k not in arrays]
        if missing:
            raise ValueError(f"{st}: atlas lacks {', '.join(missing)}")
        from naoviz.atlas_checks import check_arrays, check_meta
        check_meta(meta, js)                      # a file someone handed on, or replaced in the cache: every
        check_arrays(arrays, len(meta["labels"]), st)     # field, dtype, shape and row index, before any use
        return cls(space=meta["space"], metric=meta["metric"], lower_is_better=meta["lower_is_better"],
                   model_key=meta["model_key"], labels=meta["labels"], n_table=meta["n_table"],
                   maps=group("map."), columns=group("column."), path_maps=group("path_map."),
                   path_jump_maps={k: v.astype(bool) for k, v in group("path_jump.").items()},
                   meta=meta.get("meta", {}), **{k: arrays[k] for k in _ARRAYS})

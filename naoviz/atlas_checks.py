"""What a loaded atlas must be before anything uses it: a saved atlas is a file someone may hand you
(``export-page --atlas``) or replace in the cache. Every field's type, every array's dtype and shape, every row
index within the atlas's rows and every map coordinate finite; anything else is one ``ValueError`` naming the
file and the field, not a traceback later nor a page that draws nothing."""
from __future__ import annotations

from pathlib import Path

import numpy as np

# (kind, shape) of each fixed array; shape in the letters N (cells), K (neighbours), E (step sizes), M (seeds)
FIXED = {"predicted": ("f", "N"), "class_of": ("i", "N"), "class_size": ("i", "N"), "neighbours": ("i", "NK"),
         "neighbour_dist": ("f", "NK"), "etas": ("f", "E"), "seeds": ("i", "M"), "path_decoded": ("i", "ME"),
         "path_pred_moved": ("f", "ME"), "path_pred_decoded": ("f", "ME")}
ROW_ARRAYS = ("class_of", "neighbours", "seeds", "path_decoded")      # values are rows 0..N-1
GROUPS = {"map.": ("f", "N2"), "path_map.": ("f", "ME2"), "path_jump.": ("iub", "MJ"), "column.": ("f", "N")}
STRINGS = ("space", "metric", "model_key")


def check_meta(meta: dict, js: Path) -> None:
    """The JSON's fields have the types :meth:`naoviz.atlas.Atlas.load` hands on; else ValueError naming one."""
    for name in STRINGS:
        if not isinstance(meta.get(name), str):
            raise ValueError(f"{js}: {name!r} must be a string, got {_kind(meta.get(name))}")
    if not isinstance(meta.get("lower_is_better"), bool):
        raise ValueError(f"{js}: 'lower_is_better' must be true or false, got {_kind(meta.get('lower_is_better'))}")
    labels = meta.get("labels")
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
        raise ValueError(f"{js}: 'labels' must be a non-empty list of cell strings, got {_kind(labels)}")
    n_table = meta.get("n_table")
    if isinstance(n_table, bool) or not isinstance(n_table, int) or not 0 < n_table <= len(labels):
        raise ValueError(f"{js}: 'n_table' must be a whole number from 1 to the {len(labels)} labels, "
                         f"got {_kind(n_table)}")
    if not isinstance(meta.get("meta", {}), dict):
        raise ValueError(f"{js}: 'meta' must be an object, got {_kind(meta.get('meta'))}")


def check_arrays(arrays: dict, n: int, st: Path) -> None:
    """``arrays`` (name -> numpy array, as read from ``st``) fit an atlas of ``n`` cells: every tensor known,
    each of its dtype kind and shape (N, K, E, M the same throughout), rows in 0..n-1, maps and step sizes
    finite, at least one map, each path group's maps among the maps; else ValueError naming the tensor."""
    sizes = {"N": n, "2": 2}
    maps = {k[len("map."):] for k in arrays if k.startswith("map.")}
    if not maps:
        raise ValueError(f"{st}: holds no map (a map.NAME tensor)")
    for name in sorted(arrays, key=lambda k: (k not in FIXED, k)):        # the fixed ones first: they set K, E, M
        prefix = next((p for p in GROUPS if name.startswith(p)), None)
        if name in FIXED:
            kind, dims = FIXED[name]
        elif prefix is not None and len(name) > len(prefix):
            kind, dims = GROUPS[prefix]
            if prefix in ("path_map.", "path_jump.") and name[len(prefix):] not in maps:
                raise ValueError(f"{st}: tensor {name!r} is for a map this atlas lacks ({', '.join(sorted(maps))})")
        else:
            raise ValueError(f"{st}: unexpected tensor {name[:60]!r}")
        a = arrays[name]
        if a.dtype.kind not in kind:
            raise ValueError(f"{st}: tensor {name!r} is {a.dtype}, expected {_dtype_words(kind)}")
        if "J" in dims:
            sizes.setdefault("J", max(sizes["E"] - 1, 0))
        want = tuple(sizes.setdefault(d, a.shape[i] if i < a.ndim else -1) for i, d in enumerate(dims))
        if a.shape != want:
            raise ValueError(f"{st}: tensor {name!r} has shape {a.shape}, expected {want} "
                             f"({', '.join(f'{d}={sizes[d]}' for d in dims if d.isalpha())})")
        if name in ROW_ARRAYS and a.size and (a.min() < 0 or a.max() >= n):
            raise ValueError(f"{st}: tensor {name!r} names rows outside 0..{n - 1} (the atlas's cells)")
        if (name == "etas" or prefix in ("map.", "path_map.")) and not np.isfinite(a).all():
            raise ValueError(f"{st}: tensor {name!r} holds NaN or inf values")
    if not sizes.get("E"):
        raise ValueError(f"{st}: tensor 'etas' is empty (a path needs step sizes)")


def _kind(value) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:40] + '...' if len(text) > 40 else text}"


def _dtype_words(kind: str) -> str:
    return {"f": "floating point", "i": "integers", "iub": "integers or booleans"}[kind]

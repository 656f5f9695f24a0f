"""An :class:`~naoviz.atlas.Atlas` as one compact binary payload for the browser (widget and standalone page).

Layout: a JSON-ready ``header`` (facts, and for each array its dtype, shape, byte offset and, for quantised
arrays, the per-last-axis range) plus ``blob`` = zlib(deflate) of the arrays laid end to end, 4-byte aligned.
Besides the atlas's own arrays it ships ``path_jump.<map>`` (M, E - 1), 1 where a path's segment is a jump
to another island (``Atlas.path_jumps``): the front end draws it dashed and faint, not as a step.
The browser inflates it with the built-in ``DecompressionStream('deflate')`` (no library, no network).

Why quantise: map coordinates and predicted values only place pixels and chart points, so 16 bits
(1/65,535 of their range; 65,535 itself marks NaN) lose nothing visible and halve the bytes; table columns,
``predicted`` and the eta grid, which the page prints, stay float32. An NB201 atlas packs to ~2 MB.
"""
from __future__ import annotations

import zlib

import numpy as np

from naoviz.atlas import budget_columns
from naoviz.column_names import axis_titles, readable, readable_names

PAYLOAD_VERSION = 2                 # 2: path_jump.<map> (M, E-1) u8, 1 where a path segment is a jump to another island
_NAN16 = 65535                      # the quantised code for NaN
_DTYPES = {"f32": np.float32, "u16": np.uint16, "u8": np.uint8, "i32": np.int32}


def _quantise(values: np.ndarray) -> tuple[np.ndarray, list, list]:
    """(..., D) floats -> uint16 codes 0..65534 per last-axis column, and that column's [lo], [hi]."""
    v = np.asarray(values, dtype=np.float64)
    flat = v.reshape(-1, v.shape[-1]) if v.ndim > 1 else v.reshape(-1, 1)
    lo, hi, codes = [], [], np.empty(flat.shape, dtype=np.uint16)
    for d in range(flat.shape[1]):
        col = flat[:, d]
        finite = np.isfinite(col)
        a = float(col[finite].min()) if finite.any() else 0.0
        b = float(col[finite].max()) if finite.any() else 0.0
        span = (b - a) or 1.0
        q = np.rint((np.where(finite, col, a) - a) / span * (_NAN16 - 1))
        codes[:, d] = np.where(finite, q, _NAN16).astype(np.uint16)
        lo.append(a)
        hi.append(b)
    return codes.reshape(v.shape), lo, hi


def _int_codes(values: np.ndarray) -> tuple[np.ndarray, str]:
    """Row indices as uint16 when they fit (NB201: N = 15,625), else int32."""
    v = np.asarray(values)
    if v.size and v.min() >= 0 and v.max() < _NAN16:
        return v.astype(np.uint16), "u16"
    return v.astype(np.int32), "i32"


def atlas_arrays(atlas) -> dict[str, tuple[np.ndarray, str, dict]]:
    """name -> (array to ship, dtype code, extra header fields) for every array the explorer reads."""
    out: dict[str, tuple[np.ndarray, str, dict]] = {}

    def q(name, values):
        codes, lo, hi = _quantise(values)
        out[name] = (codes, "u16", {"q": [lo, hi]})

    def ints(name, values):
        codes, kind = _int_codes(values)
        out[name] = (codes, kind, {})

    for name, xy in atlas.maps.items():
        q(f"map.{name}", xy)
    for name, xy in atlas.path_maps.items():
        q(f"path_map.{name}", xy)
        out[f"path_jump.{name}"] = (atlas.path_jumps(name).astype(np.uint8), "u8", {})   # drawn dashed, not solid
    out["predicted"] = (np.asarray(atlas.predicted, np.float32), "f32", {})
    for name, col in atlas.columns.items():
        out[f"column.{name}"] = (np.asarray(col, np.float32), "f32", {})
    out["etas"] = (np.asarray(atlas.etas, np.float32), "f32", {})
    for name in ("seeds", "class_of", "class_size", "neighbours", "path_decoded"):
        ints(name, getattr(atlas, name))
    q("neighbour_dist", atlas.neighbour_dist)
    q("path_pred_moved", atlas.path_pred_moved)
    q("path_pred_decoded", atlas.path_pred_decoded)
    labels = "\n".join(atlas.labels).encode("utf-8")
    out["labels"] = (np.frombuffer(labels, dtype=np.uint8), "u8", {})
    return out


def color_names(columns, metric: str) -> dict[str, str]:
    """``{id: name in words}`` of every colour the explorer offers (the table's columns, its metric, "predicted",
    "class_size"): the page shows the words and keeps the id in brackets or a hover title. Text, never markup."""
    names = readable_names([*columns, metric])
    names["predicted"] = f"predicted {readable(metric, [*columns, metric])}"
    names["class_size"] = "cells in its isomorphism class"
    return names


def pack(atlas, level: int = 6) -> tuple[dict, bytes]:
    """(header, zlib blob) of ``atlas``; deterministic: the same atlas gives the same bytes."""
    arrays = atlas_arrays(atlas)
    parts, index, offset = [], {}, 0
    for name, (arr, kind, extra) in arrays.items():
        raw = np.ascontiguousarray(arr, dtype=_DTYPES[kind]).tobytes()
        index[name] = {"dtype": kind, "shape": list(arr.shape), "offset": offset, **extra}
        pad = (-len(raw)) % 4
        parts.append(raw + b"\0" * pad)
        offset += len(raw) + pad
    raw_all = b"".join(parts)
    header = {
        "version": PAYLOAD_VERSION, "space": atlas.space, "metric": atlas.metric,
        "lower_is_better": bool(atlas.lower_is_better), "model_key": atlas.model_key,
        "n": len(atlas.labels), "n_table": int(atlas.n_table),
        "maps": list(atlas.maps), "columns": list(atlas.columns), "cost_columns": budget_columns(atlas.columns),
        "names": color_names(atlas.columns, atlas.metric),
        "titles": axis_titles([*atlas.columns, atlas.metric]),
        "steps": int(atlas.meta.get("steps", 1)) if isinstance(atlas.meta, dict) else 1,
        "title": str(atlas.meta.get("title") or atlas.meta.get("table") or "") if isinstance(atlas.meta, dict) else "",
        "raw_bytes": len(raw_all), "arrays": index,
    }
    return header, zlib.compress(raw_all, level)


def unpack(header: dict, blob: bytes) -> dict[str, np.ndarray]:
    """The arrays of a payload, decoded as the browser decodes them (quantised ones back to float32, NaN
    restored); ``labels`` as a list of str. For tests and for Python readers of an exported page."""
    raw = zlib.decompress(blob)
    if len(raw) != header["raw_bytes"]:
        raise ValueError(f"payload: {len(raw)} bytes after inflating, header says {header['raw_bytes']}")
    out = {}
    for name, spec in header["arrays"].items():
        dtype = np.dtype(_DTYPES[spec["dtype"]])
        count = int(np.prod(spec["shape"])) if spec["shape"] else 1
        arr = np.frombuffer(raw, dtype=dtype, count=count, offset=spec["offset"]).reshape(spec["shape"])
        if "q" in spec:
            lo, hi = (np.asarray(x, np.float64) for x in spec["q"])
            flat = arr.reshape(-1, len(lo)).astype(np.float64)
            vals = lo + flat / (_NAN16 - 1) * (hi - lo)
            vals[flat == _NAN16] = np.nan
            arr = vals.astype(np.float32).reshape(spec["shape"])
        out[name] = arr
    out["labels"] = bytes(out["labels"]).decode("utf-8").split("\n")
    return out

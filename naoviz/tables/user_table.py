"""A table of your own: one resolver from a ``--table`` value (a name or a CSV path) to a :class:`Benchmark`.

Every command that picks a table (``search``/``compare --table``, ``dashboard``, ``atlas``, ``export-page``,
``predictor``, ``data show``) goes through :func:`open_table`. A name (``nb201``, ``nb201-digits``,
``digits``) loads a known table; anything else is a path to a CSV in ``naoviz build-table``'s format:
``arch_str`` plus numeric metric columns, ``arch_index`` optional (it is computed from ``arch_str``; when
present it must agree). The file is checked whole before any work (``TableFileError``, one line naming the
file and the line of the first bad row): a folder, a link loop, not a UTF-8 CSV, a column name empty or
repeated, no ``arch_str``, an arch string that is not an NB201 cell, a non-numeric / NaN / infinite metric,
two rows of one isomorphism class.

A file table may be *partial* (build-table ``--archs 200``): it answers only the classes it has rows for, and
a search on it draws from those classes only (``TableEvaluator.pool``, ``SearchContext``).
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Optional, Union

import numpy as np
import pandas as pd

from naoviz.errors import NaovizError, cut, show

# --table / --space names of the known tables (``digits`` is nb201-digits' short name in the dashboard commands)
TABLE_NAMES = {"nb201": "nb201", "nb201-digits": "nb201-digits", "digits": "nb201-digits"}
MAX_BYTES = 200_000_000          # a 6,466-row table is ~1 MB; this refuses a wrong file early


class TableFileError(NaovizError, ValueError):
    """A table file that cannot be used; the message names the file (and line)."""


def is_table_name(value: str) -> bool:
    return value in TABLE_NAMES


def file_fingerprint(path: Union[str, Path]) -> str:
    """sha256 of the file's bytes (first 16 hex digits): what the atlas cache keys a file table on."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def table_name(path: Path) -> str:
    """The table's short name (its file stem, safe in a cache folder name): ``pets_table.csv`` -> pets_table."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem)[:60].strip("._") or "table"


def _short(text: str, limit: int = 60) -> str:
    """A path as an error names it: whole up to ``limit`` characters, else its tail (the file name stays)."""
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


def _line(i: int) -> str:
    return f"line {i + 2}"       # data row i (from 0) sits under the header line


def load_table_file(path: Union[str, Path]):
    """The CSV at ``path`` as a :class:`Benchmark` over the NB201 space, checked whole (``TableFileError``)."""
    from naoviz.spaces.nb201 import NB201Space
    from naoviz.tables.benchmark import Benchmark
    p = Path(path).expanduser()
    where = _short(str(path))
    try:
        _check_file(p, where)
        frame = pd.read_csv(p)
        header = pd.read_csv(p, header=None, nrows=1, dtype=str, keep_default_na=False).iloc[0].tolist()
    except TableFileError:
        raise
    except PermissionError:
        raise TableFileError(f"{where}: cannot be read (permission denied)") from None
    except UnicodeDecodeError:
        raise TableFileError(f"{where}: not UTF-8 text (a spreadsheet's UTF-16 or Latin-1 export? "
                             "save it as CSV UTF-8)") from None
    except OSError as exc:                        # a name too long for the file system, an I/O error
        raise TableFileError(f"{where}: cannot be read ({exc.strerror or cut(exc, 80)})") from None
    except Exception as exc:  # noqa: BLE001 - pandas raises many types for a file that is no CSV
        raise TableFileError(f"{where}: not a readable CSV table ({cut(' '.join(str(exc).split()), 120)})") from None
    _check_header(header, where)
    if "arch_str" not in frame.columns:
        for sep in (";", "\t"):                  # a spreadsheet's export in a locale that writes 1,5 for 1.5
            if len(frame.columns) == 1 and "arch_str" in str(frame.columns[0]).split(sep):
                raise TableFileError(f"{where}: columns separated by {sep!r}, not commas; export it as CSV with "
                                     "commas (and a dot for decimals)")
        raise TableFileError(f"{where}: no arch_str column (columns: {cut(', '.join(map(str, frame.columns)), 60)}); "
                             "build-table's format: arch_str + numeric columns")
    if not len(frame):
        raise TableFileError(f"{where}: no rows under the header")
    space = NB201Space()
    index = np.empty(len(frame), dtype=np.int64)
    for i, text in enumerate(frame["arch_str"].tolist()):
        try:
            index[i] = space.index_of(space.parse(text if isinstance(text, str) else show(text)))
        except ValueError as exc:
            raise TableFileError(f"{where}: {_line(i)}: arch_str {show(text)} is not an NB201 cell "
                                 f"({str(exc).removeprefix('nb201: ')})") from None
    metrics = [c for c in frame.columns if c not in ("arch_str", "arch_index")]
    if not metrics:
        raise TableFileError(f"{where}: no metric column besides arch_str")
    for col in metrics:
        _check_metric_column(frame, col, where)
    if "arch_index" in frame.columns:              # optional; given, it must be the string's index
        given = pd.to_numeric(frame["arch_index"], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(given != index)
        if len(bad):
            i = int(bad[0])
            raise TableFileError(f"{where}: {_line(i)}: arch_index {cut(str(frame['arch_index'].iloc[i]), 40)} is not the "
                                 f"index of its arch_str ({index[i]}); drop the arch_index column to have it computed")
        frame = frame.drop(columns="arch_index")
    frame.index = pd.Index(index, name="arch_index")
    frame["arch_str"] = [space.format(space.from_index(int(i))) for i in index]   # written the space's way
    _check_classes(space, frame, where)
    return Benchmark(table_name(p), space, frame.sort_index(), source=str(p.resolve()),
                     fingerprint=file_fingerprint(p))


def _check_file(p: Path, where: str) -> None:
    """A path that is no readable regular file is refused before pandas opens it (a FIFO would block)."""
    if not p.exists():
        if p.is_symlink():
            raise TableFileError(f"{where}: a symbolic link to nothing (broken, or a loop of links)")
        raise TableFileError(f"{where}: no such file (a table name is one of {', '.join(TABLE_NAMES)})")
    if p.is_dir():
        raise TableFileError(f"{where}: is a folder, not a CSV table file")
    if not p.is_file():
        raise TableFileError(f"{where}: not a regular file")
    if p.stat().st_size > MAX_BYTES:
        raise TableFileError(f"{where}: {p.stat().st_size / 1e6:.0f} MB is too large for a table of at most "
                             "15,625 rows")


def _check_header(header: list, where: str) -> None:
    """Column names as written (pandas renames a repeated one ``valid_acc.1`` and an empty one ``Unnamed: 3``,
    so a table with two ``valid_acc`` columns would silently search the first): each non-empty, each once."""
    for k, name in enumerate(header):
        if not str(name).strip():
            raise TableFileError(f"{where}: line 1: column {k + 1} has no name")
        if name in header[:k]:
            raise TableFileError(f"{where}: line 1: column {show(name)} appears twice (columns "
                                 f"{header.index(name) + 1} and {k + 1})")


def _check_metric_column(frame: pd.DataFrame, col, where: str) -> None:
    values = pd.to_numeric(frame[col], errors="coerce")
    text_bad = values.isna() & frame[col].notna()
    if text_bad.any():
        i = int(np.flatnonzero(text_bad.to_numpy())[0])
        raise TableFileError(f"{where}: {_line(i)}: column {show(col)} holds {show(frame[col].iloc[i])}, not a number")
    finite = np.isfinite(values.to_numpy(dtype=float))
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        what = "an empty or NaN value" if np.isnan(values.iloc[i]) else f"{values.iloc[i]}"
        raise TableFileError(f"{where}: {_line(i)}: column {show(col)} holds {what}, not a finite number")
    frame[col] = values.astype(float)


def _check_classes(space, frame: pd.DataFrame, where: str) -> None:
    """Two rows of one isomorphism class (the same cell written twice, or two equivalent cells) are refused:
    a class has one value, and a table that gives it two cannot say which a search found."""
    first: dict[str, int] = {}
    for pos, i in enumerate(frame.index.tolist()):
        c = space.canonical(space.from_index(int(i)))
        if c in first:
            j = first[c]
            same = "the same cell" if frame.index[j] == i else "the same cell up to isomorphism"
            raise TableFileError(f"{where}: lines {j + 2} and {pos + 2} hold {same}; keep one row per class")
        first[c] = pos


def open_table(value: Union[str, Path], directory: Optional[Path] = None):
    """The table a ``--table``/``--space`` value names: a known name (:data:`TABLE_NAMES`) or a CSV path."""
    from naoviz.tables.benchmark import load_benchmark
    text = os.fspath(value)
    if text in TABLE_NAMES:
        return load_benchmark(TABLE_NAMES[text], directory)
    return load_table_file(text)


def table_id(value: Union[str, Path]) -> str:
    """What a run stores for a table: the name itself, or the file's absolute path."""
    text = os.fspath(value)
    # os.path.realpath, not Path.resolve: a loop of symbolic links is left for load_table_file to name
    # (Python 3.11's resolve raises RuntimeError on one)
    return TABLE_NAMES[text] if text in TABLE_NAMES else os.path.realpath(os.path.expanduser(text))

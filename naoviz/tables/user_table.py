"""A table of your own: one resolver from a ``--table`` value (a name or a CSV path) to a :class:`Benchmark`.

Every command that picks a table (``search``/``compare --table``, ``dashboard``, ``atlas``, ``export-page``,
``predictor``, ``data show``) goes through :func:`open_table`. A name (``nb201``, ``nb201-digits``,
``digits``) loads a known table; anything else is a path to a CSV in ``naoviz build-table``'s format:
``arch_str`` plus numeric metric columns, ``arch_index`` optional (it is computed from ``arch_str``; when
present it must agree). The file is checked whole before any work (``TableFileError``, one line naming the
file and the line of the first bad row): a folder, a link loop, an empty file, not a UTF-8 or cp1252 CSV, a row
with more or fewer values than the header (a thousands comma), a column name empty or
repeated, no ``arch_str``, an arch string that is not an NB201 cell, a non-numeric / NaN / infinite metric,
an accuracy in 0..1 (naoviz's are percent), the same cell twice. What a spreadsheet or a hand writes the same
table as reads as it (names with spaces, ``ARCH_STR``, cells without the outer ``|``, gzip, tabs or semicolons
between columns, cp1252 bytes: ``naoviz.tables.table_text``). Several cells of one
isomorphism class (an export of all 15,625 NB201 cells) are read as the NB201 table is: a cell by its own row, a
class by its first row (lowest ``arch_index``); ``Benchmark.note`` says so.

A file table may be *partial* (build-table ``--archs 200``): it answers only the classes it has rows for, and
a search on it draws from those classes only (``TableEvaluator.pool``, ``SearchContext``).
"""
from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path
from typing import Optional, Union

import numpy as np
import pandas as pd

from naoviz.errors import NaovizError, cut, cut_path, show

# --table / --space names of the known tables (``digits`` is nb201-digits' short name in the dashboard commands)
TABLE_NAMES = {"nb201": "nb201", "nb201-digits": "nb201-digits", "digits": "nb201-digits"}
MAX_BYTES = 200_000_000          # a 6,466-row table is ~1 MB; this refuses a wrong file early
MAX_ROWS = 15_625                # NB201's cells; more rows must repeat one (read no further: a gzip bomb stops here)


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


SHOWN_PATH = 60                  # characters of a table file's path in an error (cut_path keeps its start and name)


def shown_path(text: Union[str, Path], limit: int = SHOWN_PATH) -> str:
    """A table file as every error names it: the path as the user typed it (relative stays relative), its middle
    elided past ``limit`` characters (``naoviz.errors.cut_path``: its start and its file name stay), never the
    absolute path naoviz resolved it to."""
    return cut_path(os.fspath(text), limit)


def _line(i: int) -> str:
    return f"line {i + 2}"       # data row i (from 0) sits under the header line


def load_table_file(path: Union[str, Path], given: Optional[str] = None):
    """The CSV at ``path`` as a :class:`Benchmark` over the NB201 space, checked whole (``TableFileError``).
    ``given``: the path as the user typed it, what errors name (default ``path``; a run may store the absolute
    path, ``table_id``, and open that)."""
    from naoviz.spaces.nb201 import NB201Space
    from naoviz.tables import table_text
    from naoviz.tables.benchmark import Benchmark
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a table file's path, got {type(path).__name__} {show(path)}")
    p = Path(path).expanduser()
    typed = os.fspath(path) if given is None else os.fspath(given)
    where = shown_path(typed)
    try:
        _check_file(p, where)
        text, encoding = table_text.decode(table_text.file_bytes(p, where, MAX_BYTES), where)
        table_text.check_first_line(text, where)
        sep = table_text.separator(text, where)
        table_text.check_fields(text, sep, where, MAX_ROWS + 1)
        # blank lines kept (then dropped as empty rows below), so the line an error names is the file's line;
        # index_col=False: rows that end in a separator are not read with arch_str as a row label
        frame = pd.read_csv(io.StringIO(text), sep=sep, nrows=MAX_ROWS + 1, skip_blank_lines=False, index_col=False)
        header = pd.read_csv(io.StringIO(text), sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False,
                             skip_blank_lines=False).iloc[0].tolist()
    except TableFileError:
        raise
    except PermissionError:
        raise TableFileError(f"{where}: cannot be read (permission denied)") from None
    except OSError as exc:                        # a name too long for the file system, an I/O error
        raise TableFileError(f"{where}: cannot be read ({exc.strerror or cut(exc, 80)})") from None
    except Exception as exc:  # noqa: BLE001 - pandas raises many types for a file that is no CSV
        raise TableFileError(f"{where}: not a readable CSV table ({cut(' '.join(str(exc).split()), 120)})") from None
    while len(header) > 1 and not str(header[-1]).strip() and frame.iloc[:, -1].isna().all():
        header, frame = header[:-1], frame.iloc[:, :-1]    # a separator ending every line, the header's too
    _check_header(header, where)
    if len(frame) > MAX_ROWS:
        raise TableFileError(f"{where}: more than {MAX_ROWS:,} rows, the NB201 space's cells; keep one row per cell")
    frame = _standard_names(frame, where)
    frame = frame.loc[~frame.isna().all(axis=1)]           # a spreadsheet's trailing ",,," rows: no cell, no value
    if "arch_str" not in frame.columns and "arch_index" in frame.columns:    # NATS-Bench's index alone names a cell
        frame.insert(0, "arch_str", _cells_of_indices(frame, where))
    if "arch_str" not in frame.columns:
        named = _cells_column(frame)
        if named is not None:
            raise TableFileError(f"{where}: no arch_str column; column {show(named)} holds NB201 cells: rename it arch_str")
        raise TableFileError(f"{where}: no arch_str column (columns: {cut(', '.join(map(str, frame.columns)), 60)}); "
                             "build-table's format: arch_str + numeric columns")
    if not len(frame):
        raise TableFileError(f"{where}: no rows under the header")
    space = NB201Space()
    index = np.empty(len(frame), dtype=np.int64)
    for i, text in enumerate(frame["arch_str"].tolist()):
        try:
            if not isinstance(text, str) or not text.strip():
                raise TableFileError(f"{where}: {_line(frame.index[i])}: arch_str is empty")
            index[i] = space.index_of(space.parse(cell_text(text)))
        except ValueError as exc:       # a long cell is left out: the line and the reason's edge point at it
            cell = f" {show(text)}" if len(str(text)) <= 40 else ""
            raise TableFileError(f"{where}: {_line(frame.index[i])}: arch_str{cell} is not an NB201 cell "
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
            raise TableFileError(f"{where}: {_line(frame.index[i])}: arch_index {cut(str(frame['arch_index'].iloc[i]), 40)} is not the "
                                 f"index of its arch_str ({index[i]}); drop the arch_index column to have it computed")
        frame = frame.drop(columns="arch_index")
    rows = frame.index.to_numpy()                  # data rows as read (from 0), for the line an error names
    frame.index = pd.Index(index, name="arch_index")
    frame["arch_str"] = [space.format(space.from_index(int(i))) for i in index]   # written the space's way
    classes = _check_cells(space, frame, where, rows)
    note = "; ".join(n for n in (table_text.SEPARATORS[sep], encoding, _classes_note(len(frame), classes)) if n)
    return Benchmark(table_name(p), space, frame.sort_index(), source=str(p.resolve()),
                     fingerprint=file_fingerprint(p), note=note, given=typed)


def cell_text(text: str) -> str:
    """An NB201 cell as written by hand: spaces and surrounding quotes dropped, the outer ``|`` added when left off
    (``nor_conv_3x3~0|+|...|skip_connect~2`` is ``|nor_conv_3x3~0|+|...|skip_connect~2|``)."""
    s = "".join(text.split()).strip("'\"")       # spaces, and the quotes of a Python repr ('|...|')
    if s and not s.startswith("|"):
        s = "|" + s
    if s and not s.endswith("|"):
        s += "|"
    return s


def _standard_names(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Column names as a spreadsheet writes them: spaces around a name dropped, and ``Arch_Str`` /
    ``ARCH_INDEX`` (any case) read as ``arch_str`` / ``arch_index``; metric names keep their case."""
    names = [str(c).strip() for c in frame.columns]
    names = [n.lower() if n.lower() in ("arch_str", "arch_index") else n for n in names]
    for k, n in enumerate(names):
        if n in names[:k]:
            raise TableFileError(f"{where}: line 1: columns {names.index(n) + 1} and {k + 1} are both {show(n)} "
                                 "(up to case and spaces)")
    frame.columns = names
    return frame


def _cells_of_indices(frame: pd.DataFrame, where: str) -> list[str]:
    """The NB201 cell of each row's ``arch_index`` (0..15624, NAS-Bench-201/NATS-Bench's topology index)."""
    from naoviz.spaces.nb201 import NUM_ARCHS, NB201Space
    space = NB201Space()
    given = pd.to_numeric(frame["arch_index"], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(given) | (given != np.round(given)) | (given < 0) | (given >= NUM_ARCHS))
    if len(bad):
        i = int(bad[0])
        raise TableFileError(f"{where}: {_line(frame.index[i])}: arch_index {cut(str(frame['arch_index'].iloc[i]), 40)} "
                             f"is not an NB201 index (0..{NUM_ARCHS - 1}), and there is no arch_str column")
    return [space.format(space.from_index(int(i))) for i in given]


def _cells_column(frame: pd.DataFrame) -> Optional[str]:
    """The name of a column whose first value is an NB201 cell (``arch``, ``architecture``...), if any."""
    from naoviz.spaces.nb201 import NB201Space
    space = NB201Space()
    for col in frame.columns:
        first = frame[col].dropna()
        if len(first) and isinstance(first.iloc[0], str):
            try:
                space.parse(cell_text(first.iloc[0]))
                return str(col)
            except ValueError:
                continue
    return None


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
            hint = " (a row number written by pandas' to_csv? write with index=False)" if k == 0 else ""
            raise TableFileError(f"{where}: line 1: column {k + 1} has no name{hint}")
        if name in header[:k]:
            raise TableFileError(f"{where}: line 1: column {show(name)} appears twice (columns "
                                 f"{header.index(name) + 1} and {k + 1})")


def is_accuracy(column) -> bool:
    """A column named as an accuracy (the word ``acc`` or ``accuracy``, any case: ``valid_acc``, ``Test_Accuracy``,
    ``acc``), which naoviz holds in percent, 0..100."""
    return re.search(r"(^|[^a-z])acc(uracy)?($|[^a-z])", str(column).lower()) is not None


def _check_metric_column(frame: pd.DataFrame, col, where: str) -> None:
    if frame[col].dtype == bool:                   # pandas reads a column of True/False as booleans, 1.0/0.0 below
        raise TableFileError(f"{where}: {_line(frame.index[0])}: column {show(col)} holds {show(str(frame[col].iloc[0]))}, "
                             "not a number")
    values = pd.to_numeric(frame[col], errors="coerce")
    text_bad = values.isna() & frame[col].notna()
    if text_bad.any():
        i = int(np.flatnonzero(text_bad.to_numpy())[0])
        value = frame[col].iloc[i]
        if str(value).strip().endswith("%"):
            raise TableFileError(f"{where}: {_line(frame.index[i])}: column {show(col)} holds {show(value)}, not a "
                                 "number (write 91.5 for 91.5%)")
        comma = (" (write 1234.5: no thousands separator)" if re.fullmatch(r"\s*-?\d{1,3}(,\d{3})+\.\d*\s*|"
                                                                          r"\s*-?\d{1,3}(,\d{3}){2,}\s*", str(value))
                 else " (write 91.5: a dot for decimals)" if re.fullmatch(r"\s*-?\d+,\d+\s*", str(value)) else "")
        if values.isna().all() and not comma:      # a notes or date column: no number in it at all
            raise TableFileError(f"{where}: column {show(col)} is text ({show(value)}...): every column but "
                                 "arch_str and arch_index is a metric; drop it")
        raise TableFileError(f"{where}: {_line(frame.index[i])}: column {show(col)} holds {show(value)}, not a "
                             f"number{comma}")
    finite = np.isfinite(values.to_numpy(dtype=float))
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        what = "an empty or NaN value" if np.isnan(values.iloc[i]) else f"{values.iloc[i]}"
        raise TableFileError(f"{where}: {_line(frame.index[i])}: column {show(col)} holds {what}, not a finite number")
    frame[col] = values.astype(float)
    outside = np.flatnonzero(((values < 0) | (values > 100)).to_numpy()) if is_accuracy(col) else []
    if len(outside):                               # a -1 written for a failed run would be searched as a value
        i = int(outside[0])
        raise TableFileError(f"{where}: {_line(frame.index[i])}: column {show(col)} holds {values.iloc[i]:g}, outside "
                             "0..100 (accuracies are percent; a failed run? drop its row)")
    if is_accuracy(col) and values.max() <= 1.0 and values.min() >= 0.0 and values.max() > 0.0:
        # a 0..1 fraction where every table, the child trainer and build-table write percent: a search would
        # read it, but a child trained to 90 % next to a table's 0.9 (or --constraint valid_acc>=90) is wrong
        raise TableFileError(f"{where}: column {show(col)} holds fractions ({values.min():g}..{values.max():g}); "
                             "accuracies are percent (0..100) in naoviz: multiply the column by 100")


def _check_cells(space, frame: pd.DataFrame, where: str, rows: np.ndarray) -> int:
    """The same cell written twice is refused (a mistake: two values for one cell); several cells of one
    isomorphism class are an export (NATS-Bench's 15,625 cells, NB201's own table) and are kept. Returns the
    number of classes the rows cover."""
    index = frame.index.to_numpy()
    twice = np.flatnonzero(pd.Index(index).duplicated())
    if len(twice):
        later = int(twice[0])
        earlier = int(np.flatnonzero(index == index[later])[0])
        raise TableFileError(f"{where}: lines {rows[earlier] + 2} and {rows[later] + 2} hold the same cell "
                             f"(arch_index {index[later]}); keep one row per cell (average a cell's seeds)")
    return len({space.canonical(space.from_index(int(i))) for i in index})


def _classes_note(n_rows: int, n_classes: int) -> str:
    """What a file of several rows per class means, said where a command prints what it read."""
    if n_rows == n_classes:
        return ""
    return (f"{n_rows:,} rows in {n_classes:,} class{'es' if n_classes != 1 else ''}: a cell is answered by its own row, a cell without one by "
            "its class's first row (lowest arch_index), as the NB201 table is")


def open_table(value: Union[str, Path], directory: Optional[Path] = None, given: Optional[str] = None):
    """The table a ``--table``/``--space`` value names: a known name (:data:`TABLE_NAMES`) or a CSV path
    (``given``: as the user typed it, what its errors name; default ``value``)."""
    from naoviz.tables.benchmark import load_benchmark
    text = os.fspath(value)
    if text in TABLE_NAMES:
        return load_benchmark(TABLE_NAMES[text], directory)
    return load_table_file(text, given)


def table_id(value: Union[str, Path]) -> str:
    """What a run stores for a table: the name itself, or the file's absolute path."""
    text = os.fspath(value)
    # os.path.realpath, not Path.resolve: a loop of symbolic links is left for load_table_file to name
    # (Python 3.11's resolve raises RuntimeError on one)
    return TABLE_NAMES[text] if text in TABLE_NAMES else os.path.realpath(os.path.expanduser(text))

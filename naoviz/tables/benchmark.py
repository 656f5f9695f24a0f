"""Tabular benchmarks behind one query interface: by arch, string or index, and vectorised.

A :class:`Benchmark` is a pandas frame indexed by the space's ``arch_index`` with one column per metric.
The NAS-Bench-201 tables are read from the data directory (``NAOVIZ_DATA``); naoviz's own digits
table ships in the repository's ``data/`` folder. pandas is imported when a table is read, not with this module:
a dashboard visitor's kernel that opens its atlas by the stored key (``naoviz.explorer_keys``) never needs it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional, Sequence, Union

import numpy as np

from naoviz.errors import DataMissingError, NaovizError, cut_path, show
from naoviz.paths import data_dir
from naoviz.spaces.base import Arch
from naoviz.spaces.nb201 import NUM_ARCHS, NB201Space

if TYPE_CHECKING:
    import pandas as pd

# The NB201 table files (same names in the data dir as in the published conversion).
NB201_FILES = {
    "cifar10valid": "nb201_cifar10valid_200ep.csv",   # required: the search signal
    "test": "nb201_test_acc_200ep.csv",               # required: the reported test accuracies
    "cost": "nb201_params_flops_derived.csv",         # optional: params / FLOPs
    "latency": "nb201_latency_ms_help.csv",           # optional: 27 devices
}
REQUIRED = ("cifar10valid", "test")
DIGITS_FILE = "nb201_digits.csv"
BENCHMARKS = ("nb201", "nb201-digits")

# Metrics where smaller is better; everything else is higher-is-better. A name matches a suffix whole
# (``params_M``) or after a dataset prefix (``cifar10_params_M``); latency columns carry ``latency_``.
_LOWER_PREFIXES = ("latency_",)
_LOWER_SUFFIXES = ("loss", "time_s", "params_M", "flops_M", "error", "latency", "latency_ms")

# one short line (with the folder's path): the two ways to install them, and what works offline at once
# (the folder may hold them already: NAOVIZ_DATA set to another folder, or not set at all, is the usual cause)
# Under 200 characters with the default folder's path: the line was 226 with /root/.local/share/naoviz.
POINT_AT = "point NAOVIZ_DATA at their folder"
MISSING_HELP = f"{POINT_AT} or run `naoviz data download`; offline: --table nb201-digits"

ArchLike = Union[Arch, str, int, Sequence[int]]


def lower_is_better(metric: str) -> bool:
    """True for losses, times, sizes and latencies."""
    return metric.startswith(_LOWER_PREFIXES) or any(metric == s or metric.endswith("_" + s)
                                                     for s in _LOWER_SUFFIXES)


@dataclass
class Benchmark:
    """Metrics for the architectures of one space; rows indexed by ``arch_index``."""

    name: str
    space: NB201Space
    frame: pd.DataFrame           # index: arch_index; columns: arch_str + metrics
    source: str = ""
    fingerprint: str = ""         # a file table's content hash (naoviz.tables.user_table); "" for the known tables
    note: str = ""                # how a file table was read when not plainly (several rows per class...), else ""
    given: str = ""               # a file table's path as the user typed it (what errors name); "" for the known tables

    # -- lookup ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.frame)

    @property
    def metrics(self) -> list[str]:
        return [c for c in self.frame.columns if c != "arch_str"]

    def index_of(self, arch: ArchLike, what: str = "arch") -> int:
        """The row of ``arch`` (an arch tuple, its string, or an ``arch_index``: an int or numpy integer;
        bools, floats, bytes and None are a ``ValueError``, naming the argument ``what``)."""
        if isinstance(arch, (bool, np.bool_)) or arch is None or isinstance(arch, (float, bytes, np.floating)):
            raise ValueError(f"{what}: {self.name}: expected an arch tuple, an arch string or an int arch_index, "
                             f"got {type(arch).__name__} {show(arch)}")
        if isinstance(arch, (int, np.integer)):
            index = int(arch)
            if not 0 <= index < NUM_ARCHS:
                raise ValueError(f"{what}: {self.name}: arch_index {index} out of range 0..{NUM_ARCHS - 1}")
        else:
            try:
                index = self.space.index_of(self.space.coerce(arch))
            except ValueError as exc:
                raise ValueError(f"{what}: {exc}") from None
        if index in self.frame.index:
            return index
        # Tables with one row per class (the digits table) answer for every member of the class.
        rep = self._class_rows.get(self.space.canonical(self.space.from_index(index)))
        if rep is None:
            raise KeyError(f"{self.name}: no row for arch_index {index} ({self.space.format(self.space.from_index(index))})")
        return rep

    def query(self, arch: ArchLike) -> dict:
        """Every metric of one architecture, plus ``arch_index`` and ``arch_str``."""
        index = self.index_of(arch)
        row = self.frame.loc[index]
        out = {"arch_index": index, "arch_str": self.space.format(self.space.from_index(index))}
        out.update({k: float(v) for k, v in row.items() if k != "arch_str"})
        return out

    def metric(self, name: str, archs: Optional[Iterable[ArchLike]] = None) -> np.ndarray:
        """Vectorised metric: for ``archs`` in order, or for every row when ``archs`` is None.

        An architecture the table has no row for (a partial table) gives NaN; ``query`` raises instead.
        """
        self._check_metric(name)
        if archs is None:
            return self.frame[name].to_numpy(dtype=float)
        if isinstance(archs, str) or not hasattr(archs, "__iter__"):
            raise TypeError(f"archs: expected a list of architectures (or None: every row), "
                            f"got {type(archs).__name__} {show(archs)}")
        rows = [self._row_or_minus_one(a, f"archs[{i}]") for i, a in enumerate(archs)]
        return self.frame[name].reindex(rows).to_numpy(dtype=float)

    def _row_or_minus_one(self, arch: ArchLike, what: str = "arch") -> int:
        try:
            return self.index_of(arch, what)
        except KeyError:
            return -1                      # never an arch_index, so reindex gives NaN

    def archs(self) -> list[Arch]:
        """The architectures of every row, in row order."""
        return [self.space.from_index(int(i)) for i in self.frame.index]

    def class_rows(self) -> dict[str, int]:
        """Canonical id -> the row (``arch_index``) that answers for that class: the classes the table has."""
        return dict(self._class_rows)

    @property
    def complete(self) -> bool:
        """True when every canonical class of the space has a row, so a search may query any architecture."""
        return len(self._class_rows) == len(self.space.classes)

    def best(self, name: str) -> tuple[int, float]:
        """(arch_index, value) of the best row for ``name`` (direction-aware)."""
        col = self.frame[self._check_metric(name)]
        index = col.idxmin() if lower_is_better(name) else col.idxmax()
        return int(index), float(col.loc[index])

    def summary(self) -> dict:
        """Row count, location, and best/mean/min/max of each metric (for ``naoviz data show``)."""
        per_metric = {}
        for m in self.metrics:
            idx, val = self.best(m)
            col = self.frame[m]
            per_metric[m] = {"best": val, "best_index": idx, "mean": float(col.mean()),
                             "min": float(col.min()), "max": float(col.max()),
                             "lower_is_better": lower_is_better(m)}
        return {"name": self.name, "rows": len(self), "source": self.source, "metrics": per_metric}

    def _check_metric(self, name: str) -> str:
        if name not in self.frame.columns or name == "arch_str":
            raise ValueError(f"{self.name}: unknown metric {name!r}; available: {', '.join(self.metrics)}")
        return name

    @cached_property
    def _class_rows(self) -> dict[str, int]:
        """Canonical id -> the first row of that class (built once, on the first lookup that needs it)."""
        rows: dict[str, int] = {}
        for i in self.frame.index:
            rows.setdefault(self.space.canonical(self.space.from_index(int(i))), int(i))
        return rows


def _read_csv(path: Path, index_col: str = "arch_index") -> pd.DataFrame:
    import pandas as pd
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise
    except Exception as exc:  # pandas raises many types for corrupt files
        raise NaovizError(f"{path}: not a readable CSV table ({exc})") from exc
    if index_col not in frame.columns:
        raise NaovizError(f"{path}: column {index_col!r} missing; columns are {list(frame.columns)}")
    return frame.set_index(index_col)


def _check_strings(space: NB201Space, frame: pd.DataFrame, path: Path) -> None:
    """``arch_index`` holds ints in 0..15624, and every ``arch_str`` sits at the index the space gives it."""
    import pandas as pd
    if len(frame) and not pd.api.types.is_integer_dtype(frame.index):
        raise NaovizError(f"{path}: arch_index must hold integers, found {show(frame.index[0])} "
                          f"({frame.index.dtype})")
    if len(frame) and not (frame.index.min() >= 0 and frame.index.max() < NUM_ARCHS):
        i = frame.index[(frame.index < 0) | (frame.index >= NUM_ARCHS)][0]
        raise NaovizError(f"{path}: arch_index {int(i)} out of range 0..{NUM_ARCHS - 1}")
    if "arch_str" not in frame.columns:
        return
    strings = space.all_strings()
    expected = [strings[i] for i in frame.index.tolist()]
    bad = np.flatnonzero(frame["arch_str"].to_numpy() != np.asarray(expected, dtype=object))
    if len(bad):
        i, got = int(frame.index[bad[0]]), frame["arch_str"].iloc[bad[0]]
        if list(bad) == [len(frame) - 1] and isinstance(got, str) and expected[bad[0]].startswith(got):
            raise NaovizError(f"{cut_path(path, 70)}: the file ends mid-row (arch_index {i}): cut short by an "
                              "interrupted copy? `naoviz data download` again")
        raise NaovizError(f"{cut_path(path, 70)}: arch_index {i} holds {show(got, 40)}, expected "
                          f"{show(expected[bad[0]], 90)} ({len(bad)} mismatching rows)")


def nb201_missing(directory: Optional[Path] = None) -> Optional[str]:
    """What is missing of the NAS-Bench-201 tables in ``directory`` (default: the data dir), said in a few
    words with the folder (``no NAS-Bench-201 tables in DIR``), or None when they are all there."""
    directory = Path(directory) if directory else data_dir()
    missing = [NB201_FILES[k] for k in REQUIRED if not (directory / NB201_FILES[k]).is_file()]
    if not missing:
        return None
    if len(missing) == len(REQUIRED):       # a mistyped NAOVIZ_DATA: said, not only "no tables"
        why = "" if directory.is_dir() else " (a file, not a folder)" if directory.exists() else " (no such folder)"
        return f"no NAS-Bench-201 tables in {directory}{why}"
    return f"NAS-Bench-201 table {missing[0]} missing in {directory}"


def load_nb201(directory: Optional[Path] = None) -> Benchmark:
    """The NAS-Bench-201 tables from ``directory`` (default: the data dir), joined on ``arch_index``."""
    directory = Path(directory) if directory else data_dir()
    missing = nb201_missing(directory)
    if missing:
        raise DataMissingError(f"{missing}: {MISSING_HELP}")
    space = NB201Space()
    main = _read_csv(directory / NB201_FILES["cifar10valid"])
    _check_strings(space, main, directory / NB201_FILES["cifar10valid"])
    parts = [main]
    test = _read_csv(directory / NB201_FILES["test"])
    _check_strings(space, test, directory / NB201_FILES["test"])
    parts.append(test.drop(columns=["arch_str"], errors="ignore"))
    if (directory / NB201_FILES["cost"]).is_file():
        parts.append(_read_csv(directory / NB201_FILES["cost"]))
    if (directory / NB201_FILES["latency"]).is_file():
        parts.append(_read_csv(directory / NB201_FILES["latency"]).add_prefix("latency_"))
    import pandas as pd
    frame = pd.concat(parts, axis=1, join="inner").sort_index()
    return Benchmark("nb201", space, frame, source=str(directory))


def load_digits_table(path: Optional[Path] = None) -> Benchmark:
    """naoviz's own NB201-on-digits table (one row per canonical class), shipped inside the package
    (``naoviz/resources``); a table of the same name in the data folder takes precedence."""
    path = Path(path) if path else find_digits_file()
    frame = _read_csv(path)
    space = NB201Space()
    _check_strings(space, frame, path)
    return Benchmark("nb201-digits", space, frame.sort_index(), source=str(path))


def find_digits_file() -> Path:
    """The digits table's file: the data folder's when it has one, else the one shipped in the package."""
    from naoviz.resources import DIGITS_TABLE, resource_path
    if (data_dir() / DIGITS_FILE).is_file():
        return data_dir() / DIGITS_FILE
    shipped = resource_path(DIGITS_TABLE)
    if shipped.is_file():
        return shipped
    raise DataMissingError(f"{DIGITS_FILE} not found in {data_dir()} or in the package: "
                           "build it with `naoviz build-table --space nb201 --data digits`")


def load_benchmark(name: str = "nb201", directory: Optional[Path] = None) -> Benchmark:
    """A benchmark by name: ``nb201`` (NAS-Bench-201 tables) or ``nb201-digits`` (naoviz's own); or a table
    file by its path (a ``.csv`` name or one with a folder in it: ``naoviz.tables.user_table``)."""
    if directory is not None and not Path(directory).expanduser().is_dir():
        raise DataMissingError(f"directory: no such folder {show(str(directory))} (the folder the table files are in)")
    if name == "nb201":
        return load_nb201(directory)
    if name == "nb201-digits":
        return load_digits_table(Path(directory) / DIGITS_FILE if directory else None)
    if isinstance(name, (str, Path)) and (str(name).lower().endswith(".csv") or "/" in str(name) or os.sep in str(name)):
        from naoviz.tables.user_table import load_table_file
        return load_table_file(name)
    raise ValueError(f"benchmark: unknown benchmark {name!r}; expected one of {', '.join(BENCHMARKS)}")


def default_benchmark() -> Benchmark:
    """NAS-Bench-201 when installed, else the shipped digits table (the offline default)."""
    try:
        return load_nb201()
    except DataMissingError:
        return load_digits_table()



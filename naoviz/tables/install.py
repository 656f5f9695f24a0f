"""Put benchmark tables into the data directory: validate a staged copy first, then replace file by file.

Used by ``naoviz data download`` (tables converted in memory) and ``naoviz data import DIR`` (tables the
user already has). A reader of the data directory never sees a half-written or unvalidated table.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from naoviz.tables.help_latency import LATENCY_FILE, find_help_dir, latency_table
from naoviz.tables.benchmark import DIGITS_FILE, NB201_FILES, REQUIRED, _read_csv, load_digits_table, load_nb201
from naoviz.errors import NaovizError, cut, show
from naoviz.paths import atomic_write_bytes, data_dir
from naoviz.spaces.nb201 import NUM_ARCHS

KNOWN_FILES = (*NB201_FILES.values(), DIGITS_FILE)


def target_dir(directory: Optional[Path] = None) -> Path:
    """``directory`` or the data dir (``NAOVIZ_DATA`` / per-user), as an absolute path."""
    return Path(directory).expanduser().resolve() if directory else data_dir()


def check_table(path: Path, shown: Optional[str] = None) -> None:
    """One NB201 table on its own: every arch_index 0..15624 once, numeric metric columns without gaps.

    ``shown`` is the path to name in messages (the user's file rather than a staged copy)."""
    shown = shown or str(path)
    try:
        frame = _read_csv(path)
    except NaovizError as exc:
        raise NaovizError(str(exc).replace(str(path), shown)) from None
    if frame.index.has_duplicates:
        dup = int(frame.index[frame.index.duplicated()][0])
        raise NaovizError(f"{shown}: arch_index {dup} appears more than once")
    if len(frame) != NUM_ARCHS or not frame.index.sort_values().equals(pd.RangeIndex(NUM_ARCHS)):
        raise NaovizError(f"{shown}: expected arch_index 0..{NUM_ARCHS - 1} ({NUM_ARCHS} rows), "
                          f"found {len(frame)} rows")
    check_finite(frame, shown)


def check_finite(frame: pd.DataFrame, shown: str) -> None:
    """Every metric column (all but ``arch_str``) holds finite numbers: no NaN, inf or text."""
    for column in frame.columns:
        if column == "arch_str":
            continue
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            i = bad[0]
            raise NaovizError(f"{shown}: column {show(column)} at arch_index {int(frame.index[i])} is not a "
                              f"finite number: {show(frame[column].iloc[i])} ({len(bad)} bad rows)")


def validate_staged(stage: Path, shown: dict[str, str]) -> dict:
    """Validate the tables in ``stage``; ``shown`` maps file name -> path to name in messages.

    Each NB201 table is checked alone, then all are joined with :func:`load_nb201`. Returns row counts."""
    counts = {}
    for name in NB201_FILES.values():
        if (stage / name).is_file():
            check_table(stage / name, shown[name])
    if (stage / NB201_FILES["cifar10valid"]).is_file():
        try:
            counts["nb201"] = len(load_nb201(stage))
        except NaovizError as exc:
            message = str(exc)
            for name, where in shown.items():
                message = message.replace(str(stage / name), where)
            raise NaovizError(message.replace(str(stage), "staged tables")) from None
    if (stage / DIGITS_FILE).is_file():
        try:
            digits = load_digits_table(stage / DIGITS_FILE)
        except NaovizError as exc:
            raise NaovizError(str(exc).replace(str(stage / DIGITS_FILE), shown[DIGITS_FILE])) from None
        if digits.frame.index.has_duplicates:
            dup = int(digits.frame.index[digits.frame.index.duplicated()][0])
            raise NaovizError(f"{shown[DIGITS_FILE]}: arch_index {dup} appears more than once")
        check_finite(digits.frame, shown[DIGITS_FILE])
        counts["nb201-digits"] = len(digits)
    return counts


def install(tables: dict[str, bytes], directory: Optional[Path] = None,
            shown: Optional[dict[str, str]] = None) -> dict:
    """Validate ``tables`` ({file name: bytes}) together with the NB201 tables already installed, then
    write each atomically into the data dir. ``shown`` names each table's origin in messages.
    Returns {"dir", "files", "rows"}."""
    dest = target_dir(directory)
    shown = dict(shown or {name: name for name in tables})
    unknown = sorted(set(tables) - set(KNOWN_FILES))
    if unknown:
        raise NaovizError(f"unknown table file(s) {unknown}; known: {', '.join(KNOWN_FILES)}")
    with tempfile.TemporaryDirectory(prefix="naoviz-stage-") as tmp:
        stage = Path(tmp)
        for name, payload in tables.items():
            (stage / name).write_bytes(payload)
        # A partial set (e.g. only the latency table) is validated together with the installed rest.
        if set(tables) != {DIGITS_FILE}:
            for name in NB201_FILES.values():
                if name not in tables and (dest / name).is_file():
                    shutil.copyfile(dest / name, stage / name)
                    shown[name] = str(dest / name)
            missing = [NB201_FILES[k] for k in REQUIRED if not (stage / NB201_FILES[k]).is_file()]
            if missing:
                raise NaovizError(f"required table(s) {', '.join(missing)} neither given nor installed in "
                                  f"{dest}; run `naoviz data download` or `naoviz data import DIR` with them")
        rows = validate_staged(stage, shown)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for name, payload in tables.items():
            atomic_write_bytes(dest / name, payload)
    except OSError as exc:
        for name in tables:  # atomic_write_bytes leaves its temporary file behind when a write fails
            (dest / f".{name}.{os.getpid()}.tmp").unlink(missing_ok=True)
        raise NaovizError(f"cannot write tables into {dest}: {exc.strerror or exc}; "
                          "choose a writable folder with --dir or NAOVIZ_DATA") from None
    return {"dir": str(dest), "files": sorted(tables), "rows": rows}


def import_dir(source: Path, directory: Optional[Path] = None) -> dict:
    """``naoviz data import``: copy the known tables found in ``source`` into the data dir, validated."""
    source = Path(source).expanduser().resolve()
    if not source.is_dir():
        raise NaovizError(f"data import: {source} is not a folder")
    if source == target_dir(directory):
        raise NaovizError(f"data import: {source} already is the data dir")
    found = {name: (source / name).read_bytes() for name in KNOWN_FILES if (source / name).is_file()}
    shown = {name: str(source / name) for name in found}
    help_dir = find_help_dir(source)
    if help_dir is not None and LATENCY_FILE not in found:   # a HELP checkout: convert its .pt latencies
        found[LATENCY_FILE] = latency_table(help_dir).encode("utf-8")
        shown[LATENCY_FILE] = f"{LATENCY_FILE} (converted from {help_dir / 'latency'})"
    own = sorted(p.name for p in source.iterdir() if p.suffix.lower() in (".csv", ".tsv", ".txt", ".gz") and p.is_file())
    if not found and own:     # a researcher's own table: used where it is, by path, never copied into the data folder
        raise NaovizError(f"no NAS-Bench-201 tables in {source}: {cut(own[0], 40)} is not one; a table of your own "
                          f"is not imported: give it to a command as --table PATH (docs/data.md)")
    if not found:
        # one short line (the command already prefixes "naoviz data import"); the file names: docs/data.md
        raise NaovizError(f"no table files in {source}: expected nb201_*.csv tables (docs/data.md, \"Schema\") "
                          "or a HELP checkout (data/nasbench201/latency/*.pt)")
    result = install(found, directory, shown=shown)
    result["ignored"] = sorted(p.name for p in source.iterdir() if p.is_file() and p.name not in found)
    result["converted"] = [LATENCY_FILE] if LATENCY_FILE in shown and "converted" in shown[LATENCY_FILE] else []
    return result

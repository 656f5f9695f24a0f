"""Helpers shared by the command modules: JSON output, argparse ``type=`` checks, output-path checks and
the one-line error format (``naoviz CMD: error: --option: <why>, got <value>``).

Every value a message echoes goes through :func:`show` / :func:`cut` (about 80 characters, one line).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

from naoviz.errors import cut, cut_path, show  # noqa: F401  (the one cutting helper, re-exported for the commands)
from naoviz.jsonio import dumps_strict

MAX_LINE = 400           # safety net for the final error line; messages echo values through show()
MAX_SEED = 2**63 - 1     # seeds are stored in SQLite INTEGER columns (int64)
MAX_PATH = 4096

_INT = re.compile(r"[+-]?[0-9]{1,30}")                                      # ASCII digits only
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,4})?")  # no nan / inf / 1_0


def emit_json(payload: Any) -> None:
    """Print ``payload`` as indented, strict JSON on stdout (the ``--json`` flag of every command):
    NaN and infinities are written as ``null``."""
    sys.stdout.write(dumps_strict(payload, indent=2, default=str) + "\n")


def one_line(message: object, limit: int = MAX_LINE) -> str:
    """An error message as one line of at most ``limit`` characters."""
    return cut(message, limit)


def option_error(exc: BaseException, *options: str) -> BaseException:
    """``exc`` re-worded for the CLI when its message starts with ``<field>:`` for a field in ``options``
    (e.g. ``metric: unknown metric ...`` -> ``--metric: unknown metric ...``); else ``exc`` itself."""
    message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    for name in options:
        field = name.lstrip("-").replace("-", "_")
        for prefix in (f"{field}:", f"{name.lstrip('-')}:"):
            if message.startswith(prefix):
                return ValueError(f"--{name.lstrip('-')}:{message[len(prefix):]}")
    return exc


# -- argparse types: argparse reports "argument --x: <message>" and exits 2 ------------------------------
def _typed(name: str, fn, ranges: tuple = ()):
    """``fn`` named ``name`` (argparse names the type in its fallback message); ``ranges``: how its accepted
    range is written (the first as ``--help`` adds it, every one as a help text may already say it)."""
    fn.__name__ = name
    fn.range_text = tuple(ranges)
    return fn


def _span(lo: int, hi: int) -> str:
    """``1..256``; an upper end too large to matter to anyone typing (seeds: 2**32 - 1 and up) as ``>= lo``."""
    return f">= {lo}" if hi >= 2**32 - 1 else f"{lo}..{hi}"


class RangeHelpFormatter(argparse.HelpFormatter):
    """``--help`` says each checked option's range: ``(range 1..256)`` after the help of an option whose type
    is :func:`int_in`, :func:`workers_in` or :func:`float_in`, unless its help already writes that range."""

    def _get_help_string(self, action):
        text = action.help or ""
        ranges = getattr(action.type, "range_text", ())
        if ranges and text and text != argparse.SUPPRESS and not any(r in text for r in ranges):
            last = text.rfind("(")
            if text.endswith(")") and "default" in text[last:]:      # "(default 4)" -> "(default 4; range 1..10)"
                return f"{text[:-1]}; range {ranges[0]})"
            text += f" (range {ranges[0]})"
        return text


def int_in(lo: int, hi: int):
    """``type=`` for an int in ``lo..hi`` written in ASCII digits (no 1e9, 2.5, True, or other scripts)."""
    def parse(text: str) -> int:
        s = str(text).strip()
        if not _INT.fullmatch(s) or not lo <= int(s) <= hi:
            raise argparse.ArgumentTypeError(f"must be an int in {lo}..{hi}, got {show(text)}")
        return int(s)
    return _typed(f"int in {lo}..{hi}", parse, (_span(lo, hi), f"{lo}..{hi}"))


def workers_in(lo: int, hi: int):
    """``type=`` for a worker count: an int in ``lo..hi`` (as :func:`int_in`) or ``auto``."""
    def parse(text: str):
        s = str(text).strip()
        if s == "auto":
            return s
        if not _INT.fullmatch(s) or not lo <= int(s) <= hi:
            raise argparse.ArgumentTypeError(f"must be auto or an int in {lo}..{hi}, got {show(text)}")
        return int(s)
    return _typed(f"auto or int in {lo}..{hi}", parse, (f"auto or {lo}..{hi}", f"{lo}..{hi}"))


def float_in(lo: Optional[float] = None, hi: Optional[float] = None, lo_open: bool = False):
    """``type=`` for a finite float in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``); NaN and inf refused."""
    left = "(" if lo_open else "["
    span = f"in {left}{lo:g}, {hi:g}]" if lo is not None and hi is not None else \
        (f"> {lo:g}" if lo_open else f">= {lo:g}") if lo is not None else "finite"

    def parse(text: str) -> float:
        s = str(text).strip()
        ok = bool(_FLOAT.fullmatch(s))
        v = float(s) if ok else math.nan
        ok = ok and math.isfinite(v) and (lo is None or (v > lo if lo_open else v >= lo)) \
            and (hi is None or v <= hi)
        if not ok:
            raise argparse.ArgumentTypeError(f"must be a finite number {span}, got {show(text)}")
        return v
    dots = f"{lo:g}..{hi:g}" if lo is not None and hi is not None and not lo_open else span
    plain = span.removeprefix("in ").replace("1e+06", "1000000")     # --help: no exponent for a million
    return _typed("number", parse, (plain, span.removeprefix("in "), dots))


def nonempty(what: str = "a non-empty value", limit: int = 10_000):
    """``type=`` for a string that is not empty, has no NUL byte and is at most ``limit`` characters."""
    def parse(text: str) -> str:
        if not text.strip() or "\x00" in text or len(text) > limit:
            raise argparse.ArgumentTypeError(f"must be {what}, got {show(text)}")
        return text
    return _typed("text", parse)


MAX_NAME = 255          # bytes in one file or folder name on Linux, macOS and Windows file systems
_path_text = nonempty("a non-empty path (no NUL byte, at most 4096 characters)", MAX_PATH)


def path_arg(text: str) -> str:
    """``type=`` for a path option: ``nonempty``'s checks, and no file or folder name in it over 255 bytes
    (the file system would refuse it later, after work, as ``File name too long`` naming no option)."""
    text = _path_text(text)
    if any(len(os.fsencode(part)) > MAX_NAME for part in text.replace("\\", "/").split("/")):
        raise argparse.ArgumentTypeError(f"must be a path whose file and folder names are at most {MAX_NAME} "
                                         f"bytes each, got {show(text)}")
    return text


path_arg = _typed("path", path_arg)


def path_type(text: str) -> Path:
    """``type=`` for a path option that the command reads as a ``Path``."""
    return Path(path_arg(text)).expanduser()


path_type.__name__ = "path"


def json_value(text: str, option: str) -> Any:
    """``text`` parsed as JSON; ``ValueError`` naming ``option`` when it is not JSON or nested too deeply."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{option}: not valid JSON ({exc.msg} at position {exc.pos}), got {show(text)}") from None
    except RecursionError:
        raise ValueError(f"{option}: JSON nested too deeply, got {show(text)}") from None


# -- output paths: checked before any work, so a bad one never wastes a training run ---------------------
def _try_write(folder: Path, option: str) -> None:
    try:
        fd, name = tempfile.mkstemp(prefix=".naoviz-check-", dir=folder)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise ValueError(f"{option}: cannot write into {cut_path(folder)} ({exc.strerror or exc})") from None


def writable_dir(path, option: str, create: bool = True) -> Path:
    """The folder ``path`` (created when ``create``), checked writable; ``ValueError`` naming ``option``."""
    folder = Path(path).expanduser()
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{option}: {cut_path(folder)} is a file, not a folder")
    if not create:                     # nothing made: the nearest existing ancestor must be a folder
        ancestor = next((a for a in folder.absolute().parents if a.exists()), None)
        if ancestor is not None and not ancestor.is_dir():
            raise ValueError(f"{option}: {cut_path(ancestor)} is a file, not a folder")
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{option}: cannot create folder {cut_path(folder)} ({exc.strerror or exc})") from None
    _try_write(folder, option)
    return folder


def writable_file(path, option: str) -> Path:
    """The file ``path`` can be written (its folder is created; an existing file must be writable)."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise ValueError(f"{option}: {cut_path(target)} is a folder, not a file")
    writable_dir(target.parent if str(target.parent) else Path("."), option)
    if target.exists() and not os.access(target, os.W_OK):
        raise ValueError(f"{option}: {cut_path(target)} is not writable")
    return target


def resume_command(store, run_id: str) -> str:
    """The command that continues stored search run ``run_id`` of run store ``store`` (as the user named it)."""
    return f"naoviz search --store {store} --resume {run_id}"


def not_the_store(out, store, option: str = "--out") -> None:
    """``ValueError`` naming ``option`` when the file ``out`` would overwrite the run store ``store`` (or its
    SQLite ``-wal``/``-shm``/``-journal``): a CSV written there would replace every stored run."""
    out_path, store_path = Path(out).expanduser().resolve(), Path(store).expanduser().resolve()
    if out_path in {store_path.with_name(store_path.name + end) for end in ("", "-wal", "-shm", "-journal")}:
        what = "itself" if out_path == store_path else "journal"
        raise ValueError(f"{option}: {cut_path(out)} is the run store {what}; the CSV would overwrite it (give another file)")


def readable_dir(path, option: str) -> Path:
    """An existing folder, else ``ValueError`` naming ``option``."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        why = "is a file, not a folder" if folder.exists() else "does not exist"
        raise ValueError(f"{option}: {cut_path(folder)} {why}")
    return folder


def max_workers() -> int:
    """Upper bound of worker-count options: 4 per CPU core."""
    return 4 * (os.cpu_count() or 1)


# -- tables: one resolver for every command that picks a table ------------------------------------------
TABLE_METAVAR = "NAME|PATH"


def resolve_table(value, option: str = "--table", given=None):
    """The :class:`~naoviz.tables.Benchmark` a ``--table`` value names: ``nb201``, ``nb201-digits`` /
    ``digits``, or the path of a CSV table (``naoviz build-table``'s format); a bad file is a ``ValueError``
    naming ``option`` and the file as the user typed it (``given``, default ``value``: one rule for every
    command, ``naoviz.tables.user_table.shown_path``), before any work. Quiet: the caller says the table's note
    with :func:`say_table` once its own checks have passed, so a bad option is one line, not the note and then
    the error."""
    from naoviz.tables.user_table import TableFileError, open_table
    try:
        return open_table(value, given=given)
    except TableFileError as exc:
        raise ValueError(f"{option}: {exc}") from None


EXPLORER_METRIC = "valid_acc"     # what the explorer's model learns (naoviz.explorer_plan.explorer_metric's default)


# A partial table file's way to more classes. Table files do not record who wrote them, so the advice says both:
# a researcher's own CSV gets more rows by hand; one that naoviz build-table wrote, by its command again.
BUILD_TABLE_MORE = "or rerun the naoviz build-table command that wrote it with --archs all"


def table_shown(bench) -> str:
    """How an error names ``bench``: a file table by its path as typed (cut short), a known table by its name."""
    from naoviz.tables.user_table import shown_path
    if getattr(bench, "fingerprint", ""):
        return shown_path(getattr(bench, "given", "") or bench.source)
    return bench.name


def say_table(bench, trained_on=None) -> None:
    """The table's note (:func:`table_note_line`) on stderr (``--json`` keeps stdout), when it has one: call it
    after every check of the options and of the table, just before the work."""
    line = table_note_line(bench, trained_on)
    if line:
        print(line, file=sys.stderr)


def table_note_line(bench, trained_on=None) -> str:
    """How a table file was read when not plainly, and the column the explorer's model learns when it is not
    ``valid_acc`` (``trained_on``: a table without one), as one line (``table t.csv: 15,625 rows in 6,466
    classes...; model trained on test_acc (no valid_acc column)``); "" for a plain file or a named table."""
    if bench is None:
        return ""
    parts = [bench.note] if getattr(bench, "note", "") else []
    if trained_on is not None and trained_on != EXPLORER_METRIC:
        parts.append(f"model trained on {trained_on} (no {EXPLORER_METRIC} column)")
    if not parts:
        return ""
    name = Path(bench.source).name if getattr(bench, "fingerprint", "") else bench.name
    return f"table {cut(name, 60)}: {'; '.join(parts)}"


def explorer_metric(bench, option: str = "--table") -> str:
    """The metric the explorer's model learns on ``bench`` (``naoviz.explorer_plan.explorer_metric``: valid_acc,
    else the table's first accuracy column, which :func:`say_table` then names); a table without one, or with
    too few rows to map (one point per class, at least ``projection.MIN_ROWS``), is a ``ValueError`` naming
    ``option``, before the model trains."""
    from naoviz.explorer_plan import explorer_metric as metric_of
    from naoviz.projection import MIN_ROWS
    try:
        metric = metric_of(bench, EXPLORER_METRIC)
    except ValueError:
        raise ValueError(f"{option}: {table_shown(bench)} has no {EXPLORER_METRIC} (or other *acc*) column for the "
                         f"explorer's model; columns: {cut(', '.join(bench.metrics), 120)}") from None
    if len(bench) < MIN_ROWS:
        rows = f"{len(bench)} row" + ("" if len(bench) == 1 else "s")
        raise ValueError(f"{option}: {table_shown(bench)} has {rows}; the explorer's maps need "
                         f"at least {MIN_ROWS} (one point per isomorphism class)")
    return metric

"""Build ``nb201_latency_ms_help.csv`` from a local checkout of HELP (Lee et al., NeurIPS 2021).

HELP ships NAS-Bench-201 latencies as PyTorch ``.pt`` files: zip archives whose ``data.pkl`` is a plain
list of 15,625 numbers (arch_index order) and, in ``str_arch2idx.pt``, a dict arch string -> index.
They are read with a pickle loader that refuses every global and every persistent id (tensor storage),
so no code in a file can run; torch is not needed. Before it runs, every opcode is checked (without
building anything) against an allow-list of those that make lists, dicts, numbers and strings, and
counted: a file of other opcodes (tuples and sets too: a 200,000-deep tuple used as a dict key crashed the
interpreter while hashing it), more than ``MAX_OPCODES`` of them (each makes at most one object, so what
unpickling allocates is bounded), or a length running past the data is refused. Any failure, whatever
its kind, is a one-line :class:`NaovizError` naming the file.
"""
from __future__ import annotations

import io
import math
import pickle
import pickletools
import reprlib
import zipfile
from pathlib import Path
from typing import Any, Optional

from naoviz.errors import NaovizError
from naoviz.spaces.nb201 import NUM_ARCHS, NB201Space

LATENCY_FILE = "nb201_latency_ms_help.csv"
INDEX_FILE = "str_arch2idx.pt"
DIGITS = 4
_MAX_PICKLE_BYTES = 64 << 20
# HELP's files are one list of 15,625 floats (~16 k opcodes) or a dict of 15,625 strings (~47 k opcodes).
MAX_OPCODES = 16 * NUM_ARCHS
# Opcodes (protocols 0-4) that make lists, dicts, numbers and strings; no tuple, set, global or object.
ALLOWED_OPCODES = frozenset({
    "PROTO", "FRAME", "STOP", "MARK", "POP", "POP_MARK", "DUP",
    "EMPTY_LIST", "LIST", "APPEND", "APPENDS", "EMPTY_DICT", "DICT", "SETITEM", "SETITEMS",
    "NONE", "NEWTRUE", "NEWFALSE", "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4",
    "FLOAT", "BINFLOAT", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE",
    "PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE", "GET", "BINGET", "LONG_BINGET"})
_short = reprlib.Repr()
_short.maxstring = _short.maxother = 60
_short.maxlevel = 2


class _NoGlobalsUnpickler(pickle.Unpickler):
    """Plain containers, numbers and strings only: any class, function or tensor storage is refused."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refused global {module}.{name} (only plain lists/dicts/numbers allowed)")

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("refused persistent id (tensor storage); expected a plain Python list")


def safe_load_pt(path: Path) -> Any:
    """The object in a zip-format ``.pt`` file, unpickled without any global (raises NaovizError)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n == "data.pkl" or n.endswith("/data.pkl")]
            if len(names) != 1:
                raise NaovizError(f"{path}: expected one data.pkl in the archive, found {len(names)}")
            if archive.getinfo(names[0]).file_size > _MAX_PICKLE_BYTES:
                raise NaovizError(f"{path}: data.pkl larger than {_MAX_PICKLE_BYTES >> 20} MiB")
            payload = archive.read(names[0])
    except (zipfile.BadZipFile, OSError) as exc:
        raise NaovizError(f"{path}: not a zip-format .pt file ({exc})") from None
    _check_opcodes(path, payload)
    try:
        return _NoGlobalsUnpickler(io.BytesIO(payload)).load()
    except Exception as exc:  # noqa: BLE001 - MemoryError, RecursionError, EOFError...: an unusable file
        raise NaovizError(f"{path}: {type(exc).__name__}: {str(exc)[:120]}") from None


def _check_opcodes(path: Path, payload: bytes) -> None:
    """Every opcode is in ALLOWED_OPCODES, there are at most MAX_OPCODES and none reads past the end
    (pickletools parses the stream without building any object)."""
    try:
        for count, (op, arg, pos) in enumerate(pickletools.genops(payload), 1):
            if op.name not in ALLOWED_OPCODES:
                what = (f"global {str(arg).replace(' ', '.')[:80]}" if op.name in ("GLOBAL", "INST")
                        else f"pickle opcode {op.name}")
                raise NaovizError(f"{path}: refused {what} at byte {pos} (only plain lists/dicts/numbers/"
                                  f"strings allowed)")
            if count > MAX_OPCODES:
                raise NaovizError(f"{path}: more than {MAX_OPCODES} pickle opcodes (a HELP file has under "
                                  f"{4 * NUM_ARCHS})")
    except NaovizError:
        raise
    except Exception as exc:  # noqa: BLE001 - a malformed stream
        raise NaovizError(f"{path}: corrupt pickle ({str(exc)[:120]})") from None


def find_help_dir(folder: Path) -> Optional[Path]:
    """The ``data/nasbench201`` folder of a HELP checkout at ``folder`` (repo root or that folder itself)."""
    for candidate in (Path(folder) / "data" / "nasbench201", Path(folder)):
        if (candidate / "latency").is_dir() and any((candidate / "latency").glob("*.pt")):
            return candidate
    return None


def _check_index(path: Path, space: NB201Space) -> None:
    """HELP's arch string -> index map must equal the NB201 space's order (the tables' arch_index)."""
    mapping = safe_load_pt(path)
    if not isinstance(mapping, dict) or len(mapping) != NUM_ARCHS:
        raise NaovizError(f"{path}: expected a dict of {NUM_ARCHS} arch strings, got {type(mapping).__name__}"
                          f" of length {len(mapping) if hasattr(mapping, '__len__') else '?'}")
    for text, index in mapping.items():
        if not isinstance(text, str) or len(text) > 200 or isinstance(index, bool) or not isinstance(index, int):
            raise NaovizError(f"{path}: expected arch string -> int entries, got {_short.repr(text)} -> "
                              f"{_short.repr(index)}")
        try:
            ours = space.index_of(space.parse(text))
        except ValueError as exc:
            raise NaovizError(f"{path}: {exc}") from None
        if ours != index:
            raise NaovizError(f"{path}: {text!r} has index {index} there but arch_index {ours} in NAS-Bench-201")


def _column(path: Path) -> list[str]:
    from naoviz.tables.download import format_number

    values = safe_load_pt(path)
    if not isinstance(values, list) or len(values) != NUM_ARCHS:
        raise NaovizError(f"{path}: expected a list of {NUM_ARCHS} numbers, got {type(values).__name__}"
                          f" of length {len(values) if hasattr(values, '__len__') else '?'}")
    out = []
    for i, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise NaovizError(f"{path}: entry {i} is not a finite number: {_short.repr(value)}")
        out.append(format_number(value, DIGITS))
    return out


def latency_table(help_dir: Path) -> str:
    """CSV text of ``nb201_latency_ms_help.csv``: arch_index + one column (ms) per ``latency/<device>.pt``."""
    help_dir = Path(help_dir)
    if not (help_dir / INDEX_FILE).is_file():
        raise NaovizError(f"{help_dir}: {INDEX_FILE} missing; it is needed to check the latency index order")
    _check_index(help_dir / INDEX_FILE, NB201Space())
    files = sorted((help_dir / "latency").glob("*.pt"), key=lambda p: p.stem)
    columns = {p.stem: _column(p) for p in files}
    lines = [",".join(["arch_index", *columns])]
    lines += [",".join([str(i), *(col[i] for col in columns.values())]) for i in range(NUM_ARCHS)]
    return "\n".join(lines) + "\n"

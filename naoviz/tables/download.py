"""Fetch the public NAS-Bench-201 source files at pinned commits, verify them, convert them to naoviz tables.

Two raw CSVs (published with the PPSN 2022 NAS-Landscapes paper and the nats-bench-landscape repository)
hold every number of the two required tables; the params/FLOPs table is derived exactly from the
architecture strings (see :func:`derive_params_flops`). Nothing is trained here.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from naoviz.errors import NaovizError
from naoviz.fetch import stream
from naoviz.spaces.nb201 import NUM_ARCHS, NB201Space

DEFAULT_BASE_URL = "https://raw.githubusercontent.com"


@dataclass(frozen=True)
class Source:
    """One public file: its path under the base URL (``owner/repo/commit/path``) and its SHA-256."""

    name: str          # short file name used in messages
    url_path: str
    sha256: str
    licence: str

    def url(self, base_url: str = DEFAULT_BASE_URL) -> str:
        return f"{base_url.rstrip('/')}/{self.url_path}"


LANDSCAPES = Source(
    name="cifar10_avg.csv",
    url_path="gabro8a/NAS-Landscapes/abd5221948d901f765e3bc61d0175a3c1c52b802/data/accuracy/cifar10_avg.csv",
    sha256="1fc89edb42c804223ea2f520a3a65b5e10d8c34bc2d1bbca6bc4b4b38a193827",
    licence="MIT (Ochoa & Veerapen, NAS-Landscapes)",
)
NATS_LANDSCAPE = Source(
    name="nats_bench.csv",
    url_path="v-tao/nats-bench-landscape/b307ae5fe6e8d7043cd4fe7d1c3532288271adb7/nats_bench.csv",
    sha256="cb5d777ec3368be83c8f9b3aa4d520696051cb0eb8d94b8f85b519f9ea4afa3e",
    licence="no licence file; numbers are NATS-Bench's (MIT)",
)
SOURCES = (LANDSCAPES, NATS_LANDSCAPE)

# Raw column -> table column, in table order.
CIFAR10VALID_COLUMNS = {
    "train-accuracy": "train_acc", "valid-accuracy": "valid_acc", "test-accuracy": "test_acc",
    "train-loss": "train_loss", "valid-loss": "valid_loss", "test-loss": "test_loss",
    "train-all-time": "train_time_s",
}
TEST_COLUMNS = {
    "CIFAR10TestAccuracy200Epochs": "cifar10_test_acc",
    "CIFAR100TestAccuracy200Epochs": "cifar100_test_acc",
    "ImageNetTestAccuracy200Epochs": "imagenet16_120_test_acc",
}

# NAS-Bench-201 TinyNetwork (C=16, N=5; stages of 5 cells at 16/32/64 channels on 32x32/16x16/8x8 maps).
# Per-edge costs summed over the 15 cells, in units (parameters) and in NASLib's FLOP convention; the
# intercept is the stem, the two residual reduction blocks and the classifier. These reproduce the
# NASLib subset exactly (see docs/data.md); FLOPs of ImageNet16-120 (16x16 input) are a quarter.
_PARAMS_PER_EDGE = {"nor_conv_3x3": 243_040, "nor_conv_1x1": 28_000, "avg_pool_3x3": 0}
_FLOPS_PER_EDGE_32 = {"nor_conv_3x3": 35_819_520, "nor_conv_1x1": 4_362_240, "avg_pool_3x3": 1_290_240}
_COST_DATASETS = (  # (column prefix, params intercept, FLOPs intercept, per-edge FLOPs divisor: input area)
    ("cifar10", 73_306, 7_943_872, 1),
    ("cifar100", 79_156, 7_949_632, 1),
    ("imagenet16_120", 80_456, 1_993_792, 4),
)


def format_number(value: float, digits: int = 6) -> str:
    """Round to ``digits`` decimals and drop trailing zeros (``10.0`` -> ``10``): the tables' format."""
    text = f"{round(float(value), digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fetch(source: Source, base_url: str = DEFAULT_BASE_URL, progress: bool = True) -> bytes:
    """The bytes of ``source`` from ``base_url``, checked against its pinned SHA-256 (kept in memory)."""
    url = source.url(base_url)
    buffer = io.BytesIO()
    got = stream(url, buffer.write, source.name, progress=progress,
                 offline_hint="offline? copy the tables with `naoviz data import DIR`")["sha256"]
    if got != source.sha256:
        raise NaovizError(f"download of {source.name} from {url}: SHA-256 mismatch: expected {source.sha256}, "
                          f"got {got}; nothing was written")
    return buffer.getvalue()


def _rows(payload: bytes, source_name: str, needed: list[str]) -> list[dict]:
    """Parse a raw CSV, checking that ``needed`` columns exist (the message names the file)."""
    try:
        reader = csv.DictReader(io.StringIO(payload.decode("utf-8")))
        header = reader.fieldnames or []
        missing = [c for c in needed if c not in header]
        if missing:
            raise NaovizError(f"{source_name}: columns {missing} missing; header is {header}")
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise NaovizError(f"{source_name}: not a readable CSV ({exc})") from None
    if len(rows) != NUM_ARCHS:
        raise NaovizError(f"{source_name}: expected {NUM_ARCHS} rows, found {len(rows)}")
    return rows


def _write_table(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _number(row: dict, column: str, source_name: str, line: int) -> str:
    try:
        return format_number(float(row[column]))
    except (TypeError, ValueError):
        raise NaovizError(f"{source_name}: row {line}: column {column!r} is not a number: {row[column]!r}") from None


def convert_cifar10valid(payload: bytes) -> str:
    """``nb201_cifar10valid_200ep.csv`` from NAS-Landscapes' ``cifar10_avg.csv`` (rows by its ``index``)."""
    name = LANDSCAPES.name
    rows = _rows(payload, name, ["index", "arch_str", *CIFAR10VALID_COLUMNS])
    try:
        rows.sort(key=lambda r: int(r["index"]))
    except ValueError:
        raise NaovizError(f"{name}: column 'index' holds a non-integer") from None
    if [int(r["index"]) for r in rows] != list(range(NUM_ARCHS)):
        raise NaovizError(f"{name}: column 'index' is not a permutation of 0..{NUM_ARCHS - 1}")
    out = [[r["index"], r["arch_str"]] + [_number(r, c, name, i) for c in CIFAR10VALID_COLUMNS]
           for i, r in enumerate(rows)]
    return _write_table(["arch_index", "arch_str", *CIFAR10VALID_COLUMNS.values()], out)


def convert_test_acc(payload: bytes) -> str:
    """``nb201_test_acc_200ep.csv`` from nats-bench-landscape's ``nats_bench.csv`` (row order = arch_index)."""
    name = NATS_LANDSCAPE.name
    rows = _rows(payload, name, ["ArchitectureString", *TEST_COLUMNS])
    out = [[str(i), r["ArchitectureString"]] + [_number(r, c, name, i) for c in TEST_COLUMNS]
           for i, r in enumerate(rows)]
    return _write_table(["arch_index", "arch_str", *TEST_COLUMNS.values()], out)


def derive_params_flops(arch_strs: list[str]) -> str:
    """``nb201_params_flops_derived.csv``: exact linear counts of conv3x3 / conv1x1 / avg-pool edges.

    ``arch_strs[i]`` is the string of arch_index ``i``. Integer arithmetic, so the 6-decimal values are exact.
    """
    space = NB201Space()
    header = ["arch_index"]
    for prefix, *_ in _COST_DATASETS:
        header += [f"{prefix}_flops_M", f"{prefix}_params_M"]
    rows = []
    for index, text in enumerate(arch_strs):
        ops = [space.ops[o] for o in space.parse(text)]
        params = sum(_PARAMS_PER_EDGE.get(op, 0) for op in ops)
        flops = sum(_FLOPS_PER_EDGE_32.get(op, 0) for op in ops)
        row = [str(index)]
        for _, params0, flops0, divisor in _COST_DATASETS:
            row += [_millions(flops0 + flops // divisor), _millions(params0 + params)]
        rows.append(row)
    return _write_table(header, rows)


def _millions(count: int) -> str:
    whole, frac = divmod(count, 1_000_000)
    return f"{whole}.{frac:06d}".rstrip("0").rstrip(".")


def build_tables(base_url: str = DEFAULT_BASE_URL, progress: bool = True,
                 log: Callable[[str], None] = lambda _: None) -> dict[str, str]:
    """Download both sources and return {table file name: CSV text} for the three NB201 tables."""
    from naoviz.tables.benchmark import NB201_FILES

    payloads = {}
    for source in SOURCES:
        log(f"fetching {source.url(base_url)}")
        payloads[source.name] = fetch(source, base_url, progress)
        log(f"  {source.name}: {len(payloads[source.name]):,} bytes, sha256 ok")
    main = convert_cifar10valid(payloads[LANDSCAPES.name])
    test = convert_test_acc(payloads[NATS_LANDSCAPE.name])
    arch_strs = [line.split(",", 2)[1] for line in main.splitlines()[1:]]
    return {NB201_FILES["cifar10valid"]: main, NB201_FILES["test"]: test,
            NB201_FILES["cost"]: derive_params_flops(arch_strs)}


def download(directory: Optional[Path] = None, base_url: str = DEFAULT_BASE_URL, progress: bool = True,
             log: Callable[[str], None] = lambda _: None) -> dict:
    """``naoviz data download``: fetch, verify, convert, validate, then install the three NB201 tables."""
    from naoviz.tables.install import install

    tables = build_tables(base_url, progress, log)
    shown = {name: f"{name} (converted from the download)" for name in tables}
    return install({name: text.encode("utf-8") for name, text in tables.items()}, directory, shown=shown)

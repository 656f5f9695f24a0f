"""The explorer's atlas by a stored key: what a dashboard visitor's kernel needs to open the cached atlas without
reading the table (pandas: ~40 MB and 0.2 CPU-s in every visitor's kernel, only to recompute the model key, which
hashes the training rows drawn from the table).

``cache_dir()/visit-keys/<plan>.json`` holds the model key, the file names of the full and the quick atlas and the
table's name, size and columns for one ``ExplorerPlan`` and table. ``naoviz dashboard``'s warm-up
(``explorer_plan.prepare``) writes it first thing; a kernel that read the table writes it too. On a cold start
the kernels wait for the warm-up's entry and then for its atlases by these names (``explorer_plan.await_built``),
so they never read the table either. It is trusted only while the table's files have the bytes it names (SHA-256)
and naoviz's backend code is the code that wrote it (:func:`code_stamp`); else the kernel reads the table as before. The key and name are the ones
``nao.cache.model_key`` and ``atlas_cache.atlas_name`` computed, stored, not recomputed: the same cache entries.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from naoviz.paths import atomic_write_text, cache_dir, data_dir, mark_used, sources_digest

FORMAT, VERSION = "naoviz-visit-key", 2     # 2: the quick atlas's name too
FOLDER = "visit-keys"
ATLAS_NAME = re.compile(r"[A-Za-z0-9_.+-]+-atlas-[0-9a-f]{16}")     # a file name in atlases/, never a path


@dataclass(frozen=True)
class TableFacts:
    """What the page says of the table (``ui.dashboard.table_line``) and the metric the model predicts."""

    name: str
    rows: int
    metrics: tuple
    metric: str

    @classmethod
    def of(cls, bench, metric: str) -> "TableFacts":
        return cls(str(bench.name), len(bench), tuple(bench.metrics), metric)


@functools.lru_cache(maxsize=1)
def code_stamp() -> str:
    """SHA-256 (16 hex digits) over the sources of naoviz's backend (every module but naoviz.ui and naoviz.viz):
    the code that reads tables and computes keys; where they cannot be read (a zipped install), the version."""
    import naoviz
    root = Path(naoviz.__file__).parent
    files = [(p.relative_to(root).as_posix(), p) for p in sorted(root.rglob("*.py"))
             if p.relative_to(root).parts[0] not in ("ui", "viz")]
    return (sources_digest(files) if files else None) or f"version {naoviz.__version__}"


def table_files(table: Optional[str]) -> Optional[list[Path]]:
    """The files ``ExplorerPlan.benchmark()`` reads for ``table`` (None: NB201 when installed, else the digits
    table), as ``tables.load_benchmark`` picks them; None when they are not there (the table path says why)."""
    from naoviz.errors import DataMissingError
    from naoviz.tables.benchmark import NB201_FILES, find_digits_file, nb201_missing
    name = table or ("nb201" if nb201_missing() is None else "nb201-digits")
    if name == "nb201":
        folder = data_dir()
        return None if nb201_missing(folder) else [folder / f for f in NB201_FILES.values() if (folder / f).is_file()]
    if name == "nb201-digits":
        try:
            return [find_digits_file()]
        except DataMissingError:
            return None
    if not isinstance(name, str) or not (name.lower().endswith(".csv") or "/" in name or os.sep in name):
        return None                           # not a table file to load_benchmark: the table path says why
    try:                                      # a table file (naoviz.tables.user_table.load_table_file's path)
        path = Path(name).expanduser()
        return [path.resolve(strict=True)] if path.is_file() else None
    except (OSError, RuntimeError, ValueError):
        return None


def files_stamp(plan) -> Optional[dict]:
    """{"files": [[path, sha256], ...]} of the plan's table files (read before the table itself, so an entry
    never names bytes newer than the table its key was computed from), or None when they cannot be read."""
    files = table_files(plan.table)
    if files is None:
        return None
    out = []
    try:
        for path in files:
            h = hashlib.sha256()
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            out.append([os.fspath(path), h.hexdigest()])
    except OSError:
        return None
    return {"files": out}


def entry_path(plan, stamp: dict) -> Path:
    """Where the entry of ``plan`` on the table files of ``stamp`` is kept (named by both)."""
    ident = json.dumps({"plan": dataclasses.asdict(plan), "files": [p for p, _ in stamp["files"]]}, sort_keys=True)
    return cache_dir(create=False) / FOLDER / f"{hashlib.sha256(ident.encode()).hexdigest()[:16]}.json"


def remember(plan, stamp: Optional[dict], bench, spec, full: dict) -> Optional[str]:
    """Store the model key and atlas name of (``bench``, ``spec``, ``full`` options), and the name of the plan's quick
    atlas (None when it has none: ``ExplorerPlan.quick_options``), for ``plan``, whose table files
    had ``stamp`` before ``bench`` was read; skipped when they changed since (or cannot be read: None) or the
    cache cannot be written. Returns the model key."""
    from naoviz.atlas_cache import atlas_name
    from naoviz.nao.cache import model_key
    key = model_key(bench, spec)
    if stamp is None or files_stamp(plan) != stamp:
        return key
    quick = plan.quick_options(bench)
    entry = {"format": FORMAT, "version": VERSION, "code": code_stamp(), "plan": dataclasses.asdict(plan),
             "files": stamp["files"], "model_key": key, "atlas": atlas_name(bench, spec, key=key, **full),
             "quick": None if quick is None else atlas_name(bench, spec, key=key, **quick),
             "table": dataclasses.asdict(TableFacts.of(bench, spec.metric))}
    path = entry_path(plan, stamp)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(entry, indent=1, sort_keys=True))
    except OSError:                       # a read-only or full cache: the next kernel reads the table
        pass
    return key


def read_entry(plan, stamp: Optional[dict]) -> Optional[dict]:
    """The stored entry of ``plan`` when it names these table files' bytes (``stamp``) and this code, else None."""
    if stamp is None:
        return None
    path = entry_path(plan, stamp)
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        ok = (entry["format"], entry["version"], entry["code"], entry["files"], entry["plan"]) == (
            FORMAT, VERSION, code_stamp(), stamp["files"], dataclasses.asdict(plan))
        facts = TableFacts(**{**entry["table"], "metrics": tuple(entry["table"]["metrics"])})
        if not (ok and isinstance(entry["model_key"], str) and ATLAS_NAME.fullmatch(str(entry["atlas"]))
                and (entry["quick"] is None or ATLAS_NAME.fullmatch(str(entry["quick"])))):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    mark_used(path)
    return {**entry, "table": facts}


def await_entry(plan, stamp: Optional[dict], alive, poll_s: float = 0.2) -> Optional[dict]:
    """The stored entry of ``plan`` (:func:`read_entry`), waiting for it while ``alive()`` (the warm-up that writes
    it first thing runs); None once it ends without one, or when the table files cannot be read (``stamp`` None)."""
    import time
    while stamp is not None:
        running = alive()                # asked before the read: an entry written as the warm-up ends is read
        entry = read_entry(plan, stamp)
        if entry is not None or not running:
            return entry
        time.sleep(poll_s)
    return None


def find(plan, stamp: Optional[dict]):
    """(atlas, TableFacts) of the plan's shipped or cached full atlas by its stored entry (``stamp``: the
    table files' :func:`files_stamp`), or None: no entry, a stale one, or no such atlas (then the caller reads
    the table)."""
    from naoviz.atlas_cache import atlas_named
    entry = read_entry(plan, stamp)
    if entry is None:
        return None
    atlas = atlas_named(entry["atlas"], entry["model_key"])
    return None if atlas is None else (atlas, entry["table"])

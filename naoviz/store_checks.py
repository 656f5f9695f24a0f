"""What a run store file must be before naoviz writes to it, and the integers SQLite holds.

The checks only read: a place that cannot hold a store, or a file that is not a naoviz run store (not SQLite,
corrupt, another schema, a newer schema version), is refused with a :class:`StoreError` naming the file and
left as it was. ``naoviz.store.RunStore`` runs them when it opens a file.
"""
from __future__ import annotations

import operator
import os
import sqlite3
from pathlib import Path
from typing import Any, Mapping, Sequence

from naoviz.errors import NaovizError, cut

INT64_MAX = 2**63 - 1               # SQLite INTEGER is a signed 64-bit integer


class StoreError(NaovizError, ValueError):
    """The run store file cannot be used (corrupt, another schema, not writable); the message names the file."""


def check_int(value: Any, name: str, prefix: str = "") -> int:
    """``value`` as an int in 0..2**63-1 (what SQLite's INTEGER holds and numpy seeds accept), else ValueError."""
    try:
        number = None if isinstance(value, bool) else operator.index(value)
    except TypeError:
        number = None
    if number is None or not 0 <= number <= INT64_MAX:
        raise ValueError(f"{prefix}{name}: must be an int in 0..2**63-1, got {value!r}")
    return number


JOURNALS = ("-wal", "-shm", "-journal")


def _is_database(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\0"
    except OSError:
        return False


def check_companions(path: Path) -> None:
    """StoreError if ``<path>-wal`` or ``<path>-journal`` is an SQLite database (a store renamed so): SQLite,
    opening ``path``, would take it for its journal and delete it."""
    for suffix in ("-wal", "-journal"):
        companion = path.with_name(path.name + suffix)
        if companion.is_file() and _is_database(companion):
            raise StoreError(f"run store: {companion.name} beside it is an SQLite database, not {path.name}'s "
                             "journal, and SQLite would delete it: rename it first")


def check_place(path: Path) -> None:
    """The file's folder exists (created if needed) and is writable; the path is not a folder."""
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in (parent, *parent.parents) if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise StoreError(f"run store: cannot create {path}: {blocker} is a file, not a folder") from None
        raise StoreError(f"run store: cannot create folder {parent} for {path}: "
                         f"{exc.strerror or exc}") from None
    if path.is_dir():
        raise StoreError(f"run store: {path} is a folder; give a file path such as {path / 'runs.db'}")
    if path.exists() and not path.is_file():
        raise StoreError(f"run store: {path} is not a regular file")
    # SQLite keeps <store>-wal, -shm (and -journal) beside the store, and deletes or resets them as its own: a
    # store under such a name, or an SQLite database found under one, would be lost the next time the other opens.
    if path.name.endswith(JOURNALS):
        raise StoreError(f"run store: {path.name} ends in -wal, -shm or -journal, the names of a store's own SQLite "
                         "files; choose another name")
    check_companions(path)
    # SQLite writes <store>-wal and <store>-shm beside the store, and run locks live there too.
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StoreError(f"run store: folder {parent} is not writable (the store {path.name} and its "
                         "-wal/-shm files live there)")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(f"run store: {path} is not readable and writable")


def open_read_only(path: Path, timeout_s: float) -> sqlite3.Connection:
    """A connection that does not write: a plain one with ``query_only`` (SQLite tidies its ``-shm`` on close),
    else ``mode=ro`` (a read-only file), else ``immutable=1`` (a WAL store in a folder SQLite may not write its
    ``-shm`` into; exact when no ``-wal`` holds rows not yet in the file). A file that is not SQLite or is
    corrupt raises its ``sqlite3.DatabaseError`` at once; ``OperationalError`` when nothing opens it."""
    from urllib.parse import quote
    uri = f"file:{quote(str(Path(path).resolve()))}"
    wal = Path(f"{path}-wal")
    error = None
    ways = ((str(path), {}), (f"{uri}?mode=ro", {"uri": True}), (f"{uri}?mode=ro&immutable=1", {"uri": True}))
    for target, flags in ways:
        if "immutable" in target and wal.exists() and wal.stat().st_size > 0:
            break
        conn = None
        try:
            conn = sqlite3.connect(target, timeout=timeout_s, check_same_thread=False, **flags)
            conn.execute("PRAGMA query_only = ON")
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError as exc:     # cannot open (or not so): the next way
            if conn is not None:
                conn.close()
            error = error or exc
        except sqlite3.Error:
            if conn is not None:
                conn.close()
            raise
    raise error


def check_schema(path: Path, tables: Mapping[str, Sequence[str]], version: int, timeout_s: float) -> bool:
    """Read-only look at the file before anything is written to it: True for a new (empty) store.

    ``tables``: each table's required columns; ``version``: the schema version this naoviz writes. Refuses,
    naming the file, what is not a naoviz run store: not SQLite at all, corrupt (``PRAGMA quick_check``), an
    SQLite database of another schema (its tables are left untouched), or a newer schema version.
    """
    if not path.exists() or path.stat().st_size == 0:
        return True
    try:
        # a read-only connection (no journal-mode change), so a foreign file is left as it was
        conn = open_read_only(path, timeout_s)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"run store: {path} is not a usable SQLite database ({exc})") from None
    try:
        found_version = conn.execute("PRAGMA user_version").fetchone()[0]
        found = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        columns = {t: {r[1] for r in conn.execute(f"PRAGMA table_info({t})")} for t in tables if t in found}
        # naoviz makes no trigger or view: one in a store handed over would run SQL on naoviz's own writes
        # (rewrite the results it records) or stand in for a table, so it is refused, not run
        foreign = conn.execute("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') "
                               "ORDER BY type, name LIMIT 3").fetchall()
        problem = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"run store: {path} is not a usable SQLite database ({exc})") from None
    finally:
        conn.close()
    if problem != "ok":
        raise StoreError(f"run store: {path} is corrupt (SQLite integrity check: {' '.join(problem.split())})")
    if foreign:
        kind, name = foreign[0]
        raise StoreError(f"run store: {path} holds a {kind} ({cut(str(name), 60)}), which naoviz never makes; "
                         "not opened (a store from elsewhere could rewrite what naoviz records)")
    if found_version > version:
        raise StoreError(f"run store: {path} has schema version {found_version}; this naoviz reads "
                         f"version {version} (upgrade naoviz)")
    if not found:
        return True
    missing = [t for t in tables if t not in found]
    if missing:
        raise StoreError(f"run store: {path} is an SQLite database of another schema, not a naoviz run "
                         f"store (no table {', '.join(missing)}; it has {', '.join(found)})")
    for table, need in tables.items():
        lacking = [c for c in need if c not in columns[table]]
        if lacking:
            raise StoreError(f"run store: {path} is not a naoviz run store of schema version "
                             f"{version} (table {table} lacks column(s) {', '.join(lacking)})")
    return False

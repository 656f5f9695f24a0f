"""The run store's tables in one place (SQL, columns, version): ``RunStore`` creates them, ``check_schema`` compares."""
from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from pathlib import Path

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    config TEXT NOT NULL,              -- JSON object
    seed INTEGER,
    status TEXT NOT NULL,
    created TEXT NOT NULL              -- ISO 8601, UTC
);
CREATE TABLE IF NOT EXISTS evaluations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs(id),
    space TEXT NOT NULL,
    arch TEXT NOT NULL,
    canonical TEXT NOT NULL,
    metrics TEXT NOT NULL,             -- JSON object
    evaluator TEXT NOT NULL,
    cost_s REAL NOT NULL,
    extra TEXT,                        -- JSON object or NULL
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS evaluations_run ON evaluations(run_id, id);
CREATE TABLE IF NOT EXISTS artifacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs(id),
    path TEXT NOT NULL,
    sha256 TEXT,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS artifacts_run ON artifacts(run_id, id);
"""
EVAL_COLUMNS = ("id", "run_id", "space", "arch", "canonical", "metrics", "evaluator", "cost_s", "extra", "created")
TABLES = {"runs": ("id", "kind", "config", "seed", "status", "created"),
          "evaluations": EVAL_COLUMNS,
          "artifacts": ("id", "run_id", "path", "sha256", "created")}


def set_up(conn: sqlite3.Connection, fresh: bool) -> None:
    """Inside the opening transaction: the tables of a ``fresh`` (new or empty) file, then the schema version."""
    if fresh:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
    if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def create_whole(path: Path) -> None:
    """A new store appears whole: tables and WAL mode are written to a hidden file beside ``path``, which is then
    linked into place. Two processes opening the same new path at once (a search creating its store, a reader
    polling for it) both switched a fresh file to WAL, and one of them could fail with "database is locked";
    now the second finds a finished WAL store, or links nothing and opens the first's. Where the folder's file
    system has no hard links, nothing is done here and the store is created in place, as before."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.new")
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                return                                      # no WAL here: RunStore says so in one line
            conn.execute("BEGIN IMMEDIATE")
            set_up(conn, True)
            conn.execute("COMMIT")
        finally:
            conn.close()                                    # the last close checkpoints and removes tmp-wal/-shm
        with contextlib.suppress(FileExistsError):          # another process's store came first: use that one
            os.link(tmp, path)
    except (OSError, sqlite3.Error):                        # no hard links or no room: create in place, as before
        pass
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            with contextlib.suppress(OSError):
                leftover.unlink()

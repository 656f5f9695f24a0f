"""The run store's tables in one place (SQL, columns, version): ``RunStore`` creates them, ``check_schema`` compares."""
from __future__ import annotations

import sqlite3

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

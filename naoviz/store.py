"""The run store: runs, every evaluated architecture with its metrics and cost, and artifacts, in SQLite.

WAL journal + busy timeout, so several processes (search workers, the dashboard) can read and append at
once; every append is one transaction, so a killed run keeps each evaluation it finished (and only those).
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, TypeVar, Union

# The open-time checks live in naoviz.store_checks; StoreError, check_int and INT64_MAX stay importable from here.
from naoviz.errors import cut, cut_path, show
from naoviz.store_checks import (INT64_MAX, StoreError, check_companions, check_int, check_place,
                                 check_schema, open_read_only)
# The CSV export lives in naoviz.store_export; FORMULA_START and spreadsheet_safe stay importable from here.
from naoviz.store_export import FORMULA_START, StoreExport, spreadsheet_safe
from naoviz.store_values import dumps as _dumps
from naoviz.store_values import now as _now
from naoviz.store_values import sha256_of
# The tables' SQL, columns and version live in naoviz.store_schema; SCHEMA_VERSION stays importable from here.
from naoviz.store_schema import EVAL_COLUMNS as _EVAL_COLUMNS
from naoviz.store_schema import SCHEMA_VERSION, create_whole, set_up
from naoviz.store_schema import TABLES as _TABLES

__all__ = ["RunStore", "STATUSES", "BUSY_TIMEOUT_MS", "FORMULA_START", "spreadsheet_safe", "StoreError",
           "check_int", "INT64_MAX"]

T = TypeVar("T")
STATUSES = ("running", "finished", "failed", "stopped")   # stopped: by its stop flag or Ctrl-C; resumable
# a run row with its evaluation count (get_run, runs, find_runs add WHERE / ORDER BY)
_RUN_ROWS = "SELECT r.*, (SELECT COUNT(*) FROM evaluations e WHERE e.run_id = r.id) AS n_evaluations FROM runs r "
BUSY_TIMEOUT_MS = 60_000


class RunStore(StoreExport):
    """Runs and their evaluations in one SQLite file; safe to share across threads and processes."""

    def __init__(self, path: Union[str, Path], synchronous: str = "NORMAL", read_only: bool = False):
        # NORMAL in WAL mode survives a killed process (every committed append stays); FULL also survives
        # power loss at one fsync per append. read_only: only reads (``naoviz runs``), so a store on a read-only
        # file or folder lists; a missing or empty file reads as no runs and is neither created nor written.
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError(f"run store: synchronous must be 'NORMAL' or 'FULL', got {synchronous!r}")
        if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
            raise StoreError(f"run store: expected a file path, got {path!r}")
        if not isinstance(read_only, bool):
            raise ValueError(f"run store: read_only must be True or False, got {show(read_only)}")
        self.path = Path(path).expanduser()
        self._synchronous = synchronous
        self._lock = threading.RLock()
        self._conn: Optional[sqlite3.Connection] = None
        self._pid = -1
        self.read_only = read_only
        if read_only:
            if not self.path.is_file():
                raise StoreError(f"run store: {self.path} is not a file")
            check_companions(self.path)
            self._empty = check_schema(self.path, _TABLES, SCHEMA_VERSION, BUSY_TIMEOUT_MS / 1000)
            return
        self._empty = False
        check_place(self.path)
        if not self.path.exists():
            create_whole(self.path)
        fresh = check_schema(self.path, _TABLES, SCHEMA_VERSION, BUSY_TIMEOUT_MS / 1000)
        try:
            self._write(lambda conn: set_up(conn, fresh))
        except sqlite3.Error as exc:
            self.close()
            raise StoreError(f"run store: cannot set up {self.path}: {exc}") from None
        except BaseException:
            self.close()
            raise

    # -- connection ------------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        """One connection per process (a forked child opens its own)."""
        if self._conn is None or self._pid != os.getpid():
            if self.read_only:
                return self._read_only_connection()
            try:
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                       check_same_thread=False)
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise sqlite3.OperationalError(f"journal_mode is {mode}, WAL unavailable")
                conn.execute(f"PRAGMA synchronous = {self._synchronous}")
                conn.execute("PRAGMA foreign_keys = ON")
            except sqlite3.Error as exc:
                if "conn" in locals():
                    conn.close()
                raise StoreError(f"run store: cannot open {self.path} as a naoviz run store: {exc}") from None
            conn.row_factory = sqlite3.Row
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _read_only_connection(self) -> sqlite3.Connection:
        try:
            conn = open_read_only(self.path, BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as exc:
            raise StoreError(f"run store: cannot read {self.path}: {exc}") from None
        conn.isolation_level = None
        conn.row_factory = sqlite3.Row
        self._conn, self._pid = conn, os.getpid()
        return conn

    def _write(self, body: Callable[[sqlite3.Connection], T]) -> T:
        """``body(conn)`` in BEGIN IMMEDIATE ... COMMIT, rolled back on any error: one append = one transaction. A
        call, not a ``with``: a Ctrl-C between a context manager's steps would leave the transaction open. SQLite's
        operational errors (disk full, ``ulimit -f``, I/O error, a lock held past the busy timeout) become one
        ``StoreError`` naming the file; every earlier commit stays (WAL)."""
        if self.read_only:
            raise StoreError(f"run store: {self.path} was opened read-only")
        with self._lock:
            conn = self._connection()
            try:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    out = body(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:   # disk full, file size limit, I/O error: one line, not a trace
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise StoreError(f"run store: cannot write {cut_path(self.path, 80)}: {cut(exc, 40)} (disk full? "
                                 "what was committed stays)") from None
            return out

    def _read(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        if self._empty:                               # read-only, and no tables yet: no runs
            return []
        with self._lock:
            return self._connection().execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __getstate__(self) -> dict:
        """Picklable (e.g. sent to a Dask worker): only the path travels; the copy opens its own connection."""
        return {"path": self.path, "synchronous": self._synchronous}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["path"], state["synchronous"])

    def __repr__(self) -> str:
        return f"RunStore({str(self.path)!r})"

    # -- runs ------------------------------------------------------------------------------------
    def create_run(self, kind: str, config: dict, seed: int, status: str = "running") -> str:
        """A new run; returns its id, 12 hex digits. ``status``: "stopped" for a run that :meth:`marked` marks
        once its caller holds it, so a stop before that leaves it resumable, not "running" with no writer."""
        if status not in STATUSES:
            raise ValueError(f"run store: status must be one of {', '.join(STATUSES)}, got {status!r}")
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"run store: kind must be a non-empty string, got {kind!r}")
        if not isinstance(config, dict):
            raise ValueError(f"run store: config must be a dict, got {type(config).__name__} {show(config)}")
        config_json = _dumps(config, "config")
        seed_value = None if seed is None else check_int(seed, "seed", prefix="run store: ")
        def insert(conn) -> str:
            while True:
                run_id = uuid.uuid4().hex[:12]
                if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                    break
            conn.execute("INSERT INTO runs (id, kind, config, seed, status, created) VALUES (?, ?, ?, ?, ?, ?)",
                         (run_id, kind, config_json, seed_value, status, _now()))
            return run_id
        return self._write(insert)

    def _check_run(self, conn: sqlite3.Connection, run_id: str) -> None:
        if not isinstance(run_id, str) or self._empty or conn.execute(
                "SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
            raise KeyError(f"run store: no run {run_id!r} in {self.path}")

    def lock_path(self, run_id: str) -> Path:
        """The lock file of ``run_id``: ``<store>.<run_id>.lock`` beside the store."""
        if not isinstance(run_id, str) or not re.fullmatch(r"[0-9A-Za-z_-]{1,64}", run_id):
            raise ValueError(f"run store: {run_id!r} is not a run id")
        return self.path.with_name(f"{self.path.name}.{run_id}.lock")

    @contextlib.contextmanager
    def hold_run(self, run_id: str) -> Iterator[Path]:
        """Be the only writer of ``run_id`` for the ``with`` block (a search writing or resuming it).

        An exclusive ``flock`` on :meth:`lock_path`, which records the holder's PID; another holder, in this
        process or another, makes this raise :class:`StoreError` "run X is in use by PID N" at once. The
        kernel drops the lock when its process dies (SIGKILL included), so a crash never leaves it held.
        The lock file is removed when the block ends (``lock(..., remove=True)``: safe, see ``naoviz.locks``);
        only a killed writer leaves one, empty of a live holder, until the run is next taken up.
        """
        from naoviz.locks import LockHeld, holder, lock
        path = self.lock_path(run_id)
        with self._lock:
            self._check_run(self._connection(), run_id)
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(lock(path, wait=False, remove=True))
            except LockHeld as exc:
                pid = exc.pid
                for _ in range(20):               # the holder writes its PID just after taking the lock
                    if pid is not None:
                        break
                    time.sleep(0.01)
                    pid = holder(path)
                raise StoreError(f"run {run_id} is in use by PID {pid if pid is not None else 'unknown'} "
                                 f"(lock {path})") from None
            except OSError as exc:
                raise StoreError(f"run store: cannot lock run {run_id} ({path}: {exc.strerror or exc})") from None
            yield path

    def marked(self, run_id: str, work: Callable[[], T], ending: Callable[[T], str] = lambda _: "finished") -> T:
        """``work()`` with ``run_id`` "running" (its caller holds it: :meth:`hold_run`), then ``ending(result)``;
        an exception marks it "stopped" (``KeyboardInterrupt``: Ctrl-C, SIGTERM) or "failed", and propagates. One
        ``try`` holds every mark, so a stop landing anywhere (a mark being written, rolled back, included) leaves
        "stopped" or "finished", never "running" with no process at work on it (a ``with`` has uncovered steps)."""
        try:
            self.set_status(run_id, "running")
            out = work()
            self.set_status(run_id, ending(out))
        except BaseException as exc:
            self.set_status(run_id, "stopped" if isinstance(exc, KeyboardInterrupt) else "failed")
            raise
        return out

    def writer_of(self, run_id: str) -> Optional[int]:
        """The PID of the process holding ``run_id`` (:meth:`hold_run`) now, or None: a run whose status
        says "running" with no writer was killed, and can be resumed."""
        from naoviz.locks import held_by
        return held_by(self.lock_path(run_id))

    def get_run(self, run_id: str) -> dict:
        """One run: id, kind, config (decoded), seed, status, created, n_evaluations."""
        rows = self._read(_RUN_ROWS + "WHERE r.id = ?", (run_id,))
        if not rows:
            raise KeyError(f"run store: no run {run_id!r} in {self.path}")
        return self._run_dict(rows[0])

    def runs(self) -> list[dict]:
        """Every run, oldest first."""
        rows = self._read(_RUN_ROWS + "ORDER BY r.created, r.rowid")
        return [self._run_dict(r) for r in rows]

    def find_runs(self, kind: str, config: dict, seed: Optional[int]) -> list[dict]:
        """The runs of ``kind`` stored with exactly this ``config`` (compared as JSON) and ``seed``, oldest first:
        how ``naoviz compare --store`` finds the runs an interrupted comparison already started."""
        if not isinstance(config, dict):
            raise ValueError(f"run store: config must be a dict, got {type(config).__name__} {show(config)}")
        if seed is not None:
            check_int(seed, "seed", prefix="run store: ")
        want = json.loads(_dumps(config, "config"))
        rows = self._read(_RUN_ROWS + "WHERE r.kind = ? AND r.seed IS ? ORDER BY r.created, r.rowid", (kind, seed))
        return [run for run in map(self._run_dict, rows) if run["config"] == want]

    def _run_dict(self, row: sqlite3.Row) -> dict:
        out = dict(row)
        out["config"] = self._loads(out["config"], f"run {out['id']}'s config")
        return out

    def _loads(self, text: Any, what: str) -> Any:
        """A stored JSON column decoded; a row edited by hand into something else is a StoreError naming it."""
        try:
            return json.loads(text)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"run store: {self.path}: {what} is not valid JSON ({exc}; edited by hand?)") from None

    def set_status(self, run_id: str, status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"run store: status must be one of {', '.join(STATUSES)}, got {status!r}")
        def update(conn) -> None:
            self._check_run(conn, run_id)
            conn.execute("UPDATE runs SET status = ? WHERE id = ?", (status, run_id))
        self._write(update)

    # -- evaluations -----------------------------------------------------------------------------
    def add_evaluation(self, run_id: str, *, space: str, arch: str, canonical: str, metrics: dict,
                       evaluator: str, cost_s: float, extra: Optional[dict] = None) -> int:
        """Append one evaluated architecture (one transaction); returns its evaluation id."""
        if not isinstance(metrics, dict):
            raise ValueError(f"run store: metrics must be a dict, got {type(metrics).__name__}")
        if extra is not None and not isinstance(extra, dict):
            raise ValueError(f"run store: extra must be a dict or None, got {type(extra).__name__}")
        for field, value in (("space", space), ("arch", arch), ("canonical", canonical), ("evaluator", evaluator)):
            if not isinstance(value, str):
                raise ValueError(f"run store: {field} must be a string, got {type(value).__name__} {value!r}")
        try:
            cost = float(cost_s)
        except (TypeError, ValueError, OverflowError):
            cost = float("nan")
        if not math.isfinite(cost) or cost < 0:
            raise ValueError(f"run store: cost_s must be a finite number >= 0, got {cost_s!r}")
        row = (run_id, space, arch, canonical, _dumps(metrics, "metrics"), evaluator, cost,
               None if extra is None else _dumps(extra, "extra"), _now())
        def insert(conn) -> int:
            self._check_run(conn, run_id)
            return int(conn.execute("INSERT INTO evaluations (run_id, space, arch, canonical, metrics, evaluator, "
                                    "cost_s, extra, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row).lastrowid)
        return self._write(insert)

    def evaluations(self, run_id: str) -> list[dict]:
        """Every evaluation of ``run_id`` in insertion order, metrics and extra decoded."""
        with self._lock:
            conn = self._connection()
            self._check_run(conn, run_id)
            rows = conn.execute(f"SELECT {', '.join(_EVAL_COLUMNS)} FROM evaluations WHERE run_id = ? ORDER BY id",
                                (run_id,)).fetchall()
        return [self._eval_dict(r) for r in rows]

    def _eval_dict(self, row: sqlite3.Row) -> dict:
        out = dict(row)
        where = f"evaluation {out['id']} of run {out['run_id']}"
        metrics = self._loads(out["metrics"], f"{where}: metrics")
        if not isinstance(metrics, dict):
            raise StoreError(f"run store: {self.path}: {where}: metrics are not a JSON object (edited by hand?)")
        # Metrics are numbers: null is a non-finite value stored strictly (rows written before that hold NaN).
        out["metrics"] = {k: float("nan") if v is None else v for k, v in metrics.items()}
        out["extra"] = self._loads(out["extra"], f"{where}: extra") if out["extra"] is not None else None
        return out

    # -- artifacts -------------------------------------------------------------------------------
    def add_artifact(self, run_id: str, path: Union[str, Path], sha256: Optional[str] = None) -> int:
        """Record a file or folder (a checkpoint) by absolute path and SHA-256 (computed when None)."""
        path = Path(path).expanduser().resolve()
        if sha256 is None:
            if not path.exists():
                raise FileNotFoundError(f"run store: artifact {path} does not exist (pass sha256 to record it anyway)")
            sha256 = sha256_of(path)
        def insert(conn) -> int:
            self._check_run(conn, run_id)
            return int(conn.execute("INSERT INTO artifacts (run_id, path, sha256, created) VALUES (?, ?, ?, ?)",
                                    (run_id, str(path), sha256, _now())).lastrowid)
        return self._write(insert)

    def artifacts(self, run_id: str) -> list[dict]:
        """The artifacts of ``run_id``, oldest first."""
        with self._lock:
            conn = self._connection()
            self._check_run(conn, run_id)
            rows = conn.execute("SELECT * FROM artifacts WHERE run_id = ? ORDER BY id", (run_id,)).fetchall()
        return [dict(r) for r in rows]

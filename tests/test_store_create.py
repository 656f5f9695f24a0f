"""A new run store appears whole: processes that create or open the same new file at once all get it (a search
creating its ``--store`` while ``naoviz runs`` or a test polls it once failed with "database is locked")."""
from __future__ import annotations

import multiprocessing as mp
import sqlite3
import subprocess
import sys
import time

from naoviz.store import RunStore
from naoviz.store_schema import TABLES


def _open_at(job: tuple[str, float]) -> str:
    """Open the store at ``path`` once the clock passes ``start`` (so the contenders start together)."""
    path, start = job
    while time.time() < start:
        pass
    try:
        RunStore(path).runs()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - the message is what the test reports
        return f"{type(exc).__name__}: {exc}"


def test_processes_opening_one_new_store_at_once_all_open_it(tmp_path):
    contenders, trials = 6, 25
    with mp.get_context("spawn").Pool(contenders) as pool:
        pool.map(_open_at, [(str(tmp_path / "warm.db"), 0.0)] * contenders)      # the workers have imported
        failed = []
        for trial in range(trials):
            path = tmp_path / f"s{trial}.db"
            start = time.time() + 0.05
            failed += [r for r in pool.map(_open_at, [(str(path), start)] * contenders) if r != "ok"]
    assert failed == [], f"{len(failed)} of {contenders * trials} opens failed, e.g. {failed[0]}"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [], "a hidden file was left"


def test_a_new_store_is_never_seen_half_made(tmp_path):
    path = tmp_path / "runs.db"
    child = subprocess.Popen([sys.executable, "-c", f"from naoviz.store import RunStore; RunStore({str(path)!r})"])
    try:
        while not path.exists():
            assert child.poll() is None or path.exists(), "the child ended without making the store"
        header = path.read_bytes()[:100]
    finally:
        child.wait(timeout=60)
    assert child.returncode == 0
    assert header[:16] == b"SQLite format 3\x00" and header[18:20] == b"\x02\x02", "not a WAL store when first seen"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} >= set(TABLES)

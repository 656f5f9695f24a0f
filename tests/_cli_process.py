"""A ``naoviz`` command in a process of its own, watched through its run store and killed mid-run: the shared
part of the SIGKILL tests (search resume, compare resume, ``naoviz runs``)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from naoviz.store import RunStore

ROOT = str(Path(__file__).resolve().parent.parent)


def default_stop_signals() -> None:
    """In a child before exec: SIGINT and SIGHUP back to their defaults (a background or ``nohup`` test run
    starts with them ignored, and an ignored signal stays ignored across exec)."""
    for signum in (signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def start(*args: str, **popen) -> subprocess.Popen:
    """``python -m naoviz.cli ARGS`` with this checkout on the path and torch on one thread. SIGINT and SIGHUP
    are set back to their defaults in the child, so the command there handles a Ctrl-C or a hang-up even when
    the tests run as a background job or under ``nohup`` (which start with SIGINT, or SIGHUP, ignored, and an
    ignored signal stays ignored across exec: naoviz then leaves it ignored, as a user's ``nohup`` asks)."""
    popen.setdefault("stdout", subprocess.DEVNULL)
    popen.setdefault("stderr", subprocess.PIPE)
    popen.setdefault("preexec_fn", default_stop_signals)
    return subprocess.Popen([sys.executable, "-m", "naoviz.cli", *args], env=env(), **popen)


def env() -> dict:
    return {**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1"}


def wait_for_store(proc: subprocess.Popen, db, ready: Callable[[RunStore, list], bool],
                   timeout: float = 60.0) -> RunStore:
    """The store at ``db`` once ``ready(store, store.runs())`` holds, polled every 30 ms; fails if ``proc`` ends
    or ``timeout`` seconds pass first."""
    deadline, store, db = time.monotonic() + timeout, None, Path(db)
    while True:
        if db.exists():
            store = store or RunStore(db)
            if ready(store, store.runs()):
                return store
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"the command ended before the store was ready: {err!r}"[-2000:])
        assert time.monotonic() < deadline, "the store never became ready"
        time.sleep(0.03)


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL ``proc`` and check that the signal is what ended it."""
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

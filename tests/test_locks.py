"""Cross-process locks (naoviz/locks.py) and the model cache that trains under one (naoviz/nao/cache.py),
with real processes hand-shaking through files, so the order of events is fixed, not timed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from naoviz.locks import LockHeld, holder, lock
from naoviz.nao.cache import DONE

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).with_name("_lock_worker.py")


def _start(*args: str, env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, **(env or {})}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    return subprocess.Popen([sys.executable, str(WORKER), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"worker exited {proc.returncode} before {path.name}: {proc.stderr.read()}")
        if time.monotonic() > end:
            proc.kill()
            raise AssertionError(f"timed out waiting for {path.name}")
        time.sleep(0.02)


def _result(proc: subprocess.Popen, timeout: float = 180.0) -> dict:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_lock_held_by_another_process_names_its_pid(tmp_path):
    path = tmp_path / "sub" / "x.lock"
    proc = _start("hold", str(path), str(tmp_path))
    try:
        _wait_for(tmp_path / "held", proc)
        with pytest.raises(LockHeld, match=rf"locked by PID {proc.pid}\b") as info:
            with lock(path, wait=False):
                pass
        assert info.value.pid == proc.pid and info.value.path == path and holder(path) == proc.pid
        (tmp_path / "release").touch()
        assert _result(proc)["pid"] == proc.pid
    finally:
        (tmp_path / "release").touch()
        if proc.poll() is None:
            proc.kill()
    with lock(path, wait=False):                 # released: free again, and now it names this process
        assert holder(path) == os.getpid()
    assert holder(path) is None


def test_lock_of_a_killed_holder_is_free(tmp_path):
    path = tmp_path / "x.lock"
    proc = _start("hold", str(path), str(tmp_path))
    _wait_for(tmp_path / "held", proc)
    proc.kill()                                   # SIGKILL: no finally runs, the kernel drops the flock
    proc.communicate(timeout=30)
    with lock(path, wait=False):
        assert holder(path) == os.getpid()


def test_two_processes_train_the_cached_model_once(tmp_path):
    cache = tmp_path / "cache"
    env = {"NAOVIZ_CACHE": str(cache), "OMP_NUM_THREADS": "1"}
    first = _start("train", str(tmp_path), "first", env=env)
    second = None
    try:
        _wait_for(tmp_path / "training", first)          # first holds the model lock, mid-fit
        locks = list((cache / "models").glob("*.lock"))
        assert len(locks) == 1 and holder(locks[0]) == first.pid
        second = _start("train", str(tmp_path), "second", env=env)
        _wait_for(tmp_path / "waiting", second)          # second found it locked and waits
        assert not list((cache / "models").glob(f"*/{DONE}"))
        (tmp_path / "release").touch()
        a, b = _result(first), _result(second)
    finally:
        (tmp_path / "release").touch()
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.kill()
    assert (a["cached"], a["waited"], a["epochs"]) == (False, False, 5)    # trained, all 5 epochs
    assert (b["cached"], b["waited"], b["epochs"]) == (True, True, 0)      # waited, then loaded: no epoch
    assert not b["dynamo"]         # loading imported torch._dynamo (~2 s a process) before checkpoint._NoMetaInit
    models = [d for d in (cache / "models").iterdir() if d.is_dir()]
    assert len(models) == 1 and (models[0] / DONE).is_file()


def test_two_processes_started_at_once_train_once(tmp_path):
    env = {"NAOVIZ_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    procs = [_start("train", str(tmp_path), "any", env=env) for _ in range(2)]
    try:
        runs = sorted((_result(p) for p in procs), key=lambda r: r["cached"])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    # whoever wins trains; the other waits on the lock (or comes late) and loads what was saved
    assert [(r["cached"], r["epochs"]) for r in runs] == [(False, 5), (True, 0)]
    assert runs[0]["waited"] is False


def test_a_removing_lock_leaves_no_file_and_stays_exclusive(tmp_path):
    """remove=True deletes the lock file on release; meanwhile it excludes others like any lock, another
    process's holding included, and a later holder makes a new file."""
    path = tmp_path / "r.lock"
    with lock(path, wait=False, remove=True):
        assert path.exists() and holder(path) == os.getpid()
        with pytest.raises(LockHeld):
            with lock(path, wait=False):
                pass
    assert not path.exists()
    proc = _start("hold", str(path), str(tmp_path))          # a plain holder in another process
    try:
        _wait_for(tmp_path / "held", proc)
        with pytest.raises(LockHeld, match=rf"locked by PID {proc.pid}\b"):
            with lock(path, wait=False, remove=True):
                pass
        assert path.exists() and holder(path) == proc.pid    # a refused remover deleted nothing
    finally:
        (tmp_path / "release").touch()
        _result(proc)


def test_a_lock_taken_on_a_file_unlinked_meanwhile_is_taken_again_on_the_file_there(tmp_path, monkeypatch):
    """The race remove=True opens: B opens the path, A (holding) unlinks it and lets go, B locks the orphan.
    B must then lock the file now at the path, or a third process could hold that one at the same time."""
    import fcntl as real_fcntl
    path = tmp_path / "x.lock"
    calls = []
    real_flock = real_fcntl.flock

    def flock(fd, op):                     # the first lock attempt finds the file unlinked under it
        if op & real_fcntl.LOCK_EX and not calls:
            calls.append(fd)
            path.unlink()
        return real_flock(fd, op)

    monkeypatch.setattr("naoviz.locks.fcntl.flock", flock)
    with lock(path, wait=False):
        assert path.exists() and holder(path) == os.getpid()
        assert len(calls) == 1                               # the race happened, and was survived
        with pytest.raises(LockHeld):                        # the file at the path is the one held
            with lock(path, wait=False):
                pass

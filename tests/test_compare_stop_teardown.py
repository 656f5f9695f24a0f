"""A stopped ``naoviz compare --jobs 2`` ends without any of its processes tearing its interpreter down.

That teardown (torch, numba, pandas: seconds of CPU each, no Python frame left) was where a stop's time went: the
workers' before the parent could reap them (up to ``GRACE_S``), then the parent's own, after its stop line; ~40 s
on a loaded machine. A ``sitecustomize`` on the path plants an object whose ``__del__`` writes the process's PID
to a log when the interpreter tears down, so the test sees which processes went through it."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from _cli_process import ROOT, default_stop_signals, env, wait_for_store
from test_compare_jobs import _gone, _store_args, _two_runs_under_way, _workers, needs_proc

PLANT = '''import os
class _Teardown:
    def __init__(self, path, pid, write=os.write, opn=os.open, flags=os.O_WRONLY | os.O_APPEND | os.O_CREAT):
        self.args = (path, pid, write, opn, flags)
    def __del__(self):
        path, pid, write, opn, flags = self.args
        write(opn(path, flags, 0o644), f"{pid}\\n".encode())
_teardown = _Teardown(os.environ["TEARDOWN_LOG"], os.getpid())
'''


def _torn_down(log: Path) -> set[int]:
    return {int(line) for line in log.read_text().split()} if log.exists() else set()


@needs_proc
def test_a_stopped_parallel_compare_skips_every_processs_teardown(tmp_path):
    (tmp_path / "plant").mkdir()
    (tmp_path / "plant" / "sitecustomize.py").write_text(PLANT)
    log = tmp_path / "teardown.log"
    planted = {**env(), "PYTHONPATH": f"{tmp_path / 'plant'}:{ROOT}", "TEARDOWN_LOG": str(log)}
    control = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], env=planted,
                             capture_output=True, text=True, timeout=60)
    assert _torn_down(log) == {int(control.stdout)}          # the plant sees a plain exit's teardown
    log.unlink()

    db = tmp_path / "cmp.db"
    proc = subprocess.Popen([sys.executable, "-m", "naoviz.cli", *_store_args(db)], env=planted,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=default_stop_signals)
    store = wait_for_store(proc, db, _two_runs_under_way, timeout=120)
    workers = _workers(proc.pid)
    assert len(workers) == 2
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 143, err
    assert err.strip().splitlines() == [err.strip()] and "naoviz compare: stopped by SIGTERM;" in err, err
    assert _gone(workers, timeout=5), "a worker outlived the comparison"
    assert not _torn_down(log) & ({proc.pid} | workers), "a stopped process tore its interpreter down"
    cut = [r for r in store.runs() if r["kind"] == "search" and r["status"] != "finished"]
    assert len(cut) == 2 and {r["status"] for r in cut} == {"stopped"}       # resumable, as before

"""Atomic writes leave nothing behind: a writer SIGKILLed half way (no handler runs) has its temporary file
removed by the next write of the same path, while a live writer's temporary is never touched."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from naoviz.paths import atomic_write_bytes, clear_stale_temps, temp_path

ROOT = Path(__file__).resolve().parent.parent

# The real atomic_write_bytes, stopped after its temporary file is written and before the rename: fsync sleeps.
_WRITER = """
import os, sys, time
import naoviz.paths as paths
def stall(fd):
    print("writing", flush=True)
    time.sleep(600)
os.fsync = stall
paths.atomic_write_bytes(sys.argv[1], b"half of a new file")
"""


def _writer_mid_write(target: Path) -> subprocess.Popen:
    """A child process inside atomic_write_bytes(target), its temporary file written, not yet renamed."""
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.readline().strip() == "writing"
    assert (target.parent / f".{target.name}.{proc.pid}.tmp").is_file()
    return proc


def test_a_killed_writers_temporary_is_cleared_by_the_next_write(tmp_path):
    target = tmp_path / "summary.json"
    target.write_bytes(b"old")
    killed = _writer_mid_write(target)
    killed.send_signal(signal.SIGKILL)
    killed.wait(10)
    assert killed.returncode == -signal.SIGKILL
    stale = tmp_path / f".summary.json.{killed.pid}.tmp"
    assert stale.is_file() and target.read_bytes() == b"old"       # no handler ran: the leftover is there
    live = _writer_mid_write(target)                                 # another writer, still running
    try:
        atomic_write_bytes(target, b"new")
        assert target.read_bytes() == b"new"
        assert not stale.exists()                                    # the dead writer's leftover is gone
        assert (tmp_path / f".summary.json.{live.pid}.tmp").is_file()  # the live writer's is not touched
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["summary.json", f".summary.json.{live.pid}.tmp"])
    finally:
        live.kill()
        live.wait(10)
    atomic_write_bytes(target, b"newer")                             # now that one is gone too
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"] and target.read_bytes() == b"newer"


def test_only_this_paths_dead_temporaries_are_cleared(tmp_path):
    """Other files' temporaries, this process's own, and names that merely look alike are left as they are."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    target = tmp_path / "fig.png"
    gone = [tmp_path / f".fig.png.{pid}.tmp", tmp_path / f".fig.png.{pid}.tmp-3.png"]
    kept = [tmp_path / f".other.png.{pid}.tmp", temp_path(target), tmp_path / f".fig.png.{pid}.tmpx",
            tmp_path / f"fig.png.{pid}.tmp", tmp_path / f".fig.png.{pid}.tmp.bak"]
    for p in gone + kept:
        p.write_bytes(b"x")
    assert sorted(clear_stale_temps(target)) == sorted(gone)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in gone)
    assert clear_stale_temps(tmp_path / "no-such-folder" / "x") == []

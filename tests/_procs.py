"""Processes read from Linux /proc, for the tests and benches that check what a stop or a server leaves running
(tests/test_search_dask_stops.py, tests/test_compare_jobs.py, tests/test_dashboard_server.py,
tests/test_dashboard_processes.py, tests/test_ui_browser.py and bench/hostile_env_cases_procs.py, which imports it from here). Elsewhere every
answer is empty. No pytest here: a bench script imports it."""
from __future__ import annotations

import os
from pathlib import Path


def _pids() -> list[int]:
    return [int(n) for n in os.listdir("/proc") if n.isdigit()] if os.path.isdir("/proc") else []


def stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name: [state, ppid, pgrp, ...]; None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def command_line(pid: int) -> bytes:
    """/proc/PID/cmdline, its arguments NUL-separated (b"" once it is gone, or for a zombie)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def alive(pid: int) -> bool:
    """Running and not a zombie."""
    fields = stat(pid)
    return fields is not None and fields[0] != "Z"


def group(pgid: int) -> set[int]:
    """Live (not zombie) processes of process group ``pgid``."""
    return {pid for pid in _pids() if (f := stat(pid)) and int(f[2]) == pgid and f[0] != "Z"}


def children(pid: int) -> set[int]:
    """PIDs whose parent is ``pid`` now (zombies included)."""
    return {p for p in _pids() if (f := stat(p)) and int(f[1]) == pid}


def running_with(text: str) -> set[int]:
    """PIDs whose command line holds ``text`` within one argument."""
    return {pid for pid in _pids() if text.encode() in command_line(pid)}

"""What the real reverse proxies in front of a test's dashboard share (tests/_proxy_nginx.py, _proxy_caddy.py,
_proxy_apache.py: Debian's binaries, each run as the test's own user with its own config in a temporary folder, on
127.0.0.1, in the foreground; never a system service): a free port, starting one until it listens, stopping it.
Each proxy module gives NAME, BINARY (None when absent), PACKAGE (Debian's), SUBPATH and ROOT (docs/security.md's
blocks, word for word; tests/test_dashboard_proxy_browser.py checks the page holds them), ``start(folder,
dashboard_port, block)`` and ``served(folder)``: what its access log says it answered, as (method, uri, status).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

DASHBOARD = "127.0.0.1:8866"        # the docs' blocks name the dashboard's default address; a test's replaces it


def binary(name: str, *places: str) -> str | None:
    """``name`` on PATH, else the first of ``places`` that is executable (Debian puts daemons in /usr/sbin)."""
    return shutil.which(name) or next((p for p in places if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(name: str, cmd: list[str], folder: Path, port: int, env: dict | None = None,
           timeout_s: float = 20) -> subprocess.Popen:
    """Run ``cmd`` (a proxy in the foreground) with its output in ``folder``/``name``.out; return it once
    127.0.0.1:``port`` accepts, or fail with what it and its error log (``folder``/error.log) said."""
    out = folder / f"{name}.out"
    with open(out, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=folder,
                                env=env)
    deadline = time.time() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                stop(proc)
                said = [p.read_text(errors="replace")[-2000:] for p in (out, folder / "error.log") if p.exists()]
                raise AssertionError(f"{name} did not listen on 127.0.0.1:{port}: {said}") from None
            time.sleep(0.1)


def stop(proc: subprocess.Popen) -> None:
    """Stop a proxy (SIGTERM: each stops its workers and exits) and wait for it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def indent(block: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" if line else "\n" for line in block.splitlines())

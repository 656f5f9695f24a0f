"""A real JupyterLab server for the browser tests that run naoviz's widgets in Lab (tests/test_explorer_widget_lab.py,
tests/test_theme_browser.py): on 127.0.0.1, no token, its config, runtime, settings and log in the test's own
folder, naoviz and tests/ importable by its kernels."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def jupyterlab(work: Path, *options: str, timeout_s: float = 90):
    """JupyterLab serving ``work`` (``options``: more ``--LabApp.*``/``--ServerApp.*`` flags); yields its URL once
    its API answers (fails with its log's tail when it exits or ``timeout_s`` passes first), stops it after."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = work / "lab.log"
    log = open(log_path, "w")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
               JUPYTER_CONFIG_DIR=str(work / "cfg"), JUPYTER_RUNTIME_DIR=str(work / "rt"))
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                             f"--ServerApp.port={port}", "--ServerApp.token=", "--ServerApp.password=",
                             "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={work}", "--allow-root",
                             "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                             "--LabApp.extension_manager=readonly", *options],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + timeout_s
        while True:
            try:
                urllib.request.urlopen(url + "api", timeout=2)
                break
            except OSError:
                assert proc.poll() is None and time.time() < deadline, log_path.read_text(errors="replace")[-3000:]
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()

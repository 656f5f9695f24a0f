"""The dashboard's browser tests' shared pieces: a Voila server on 127.0.0.1 (on the dashboard notebook, or by
``naoviz dashboard``) and the URL with its token that it printed, the warm one as the ``server`` fixture
(registered by tests/conftest.py; shared by consecutive modules, tests/_shared.py: tests/test_ui_browser.py and
tests/test_ui_browser_tabs.py use one), and a fresh visitor's page. The warm server opens the digits table's shipped atlas (an empty cache: nothing trained).
The server tests' own pieces (a dry run, a GET, a one-cell Voila, its kernel count) are at the end.
Logs and screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from _procs import children, command_line
from _shared import Shared

ROOT = Path(__file__).resolve().parent.parent
ART = ROOT / "tests" / "artifacts"
READY = ".nx-root[data-ready='1']"
WARM = {"NAOVIZ_DASHBOARD_TABLE": "nb201-digits", "NAOVIZ_DASHBOARD_BUDGET": "20"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_served(proc, url: str, log_path: Path, timeout_s: float = 90) -> None:
    """Wait until the Voila server ``proc`` answers at ``url`` (its static voila.js; a token in ``url`` is kept),
    so a test does not reach it before it listens; fail with its log's tail when it exits or ``timeout_s``
    passes first."""
    deadline = time.time() + timeout_s
    while True:
        try:
            urllib.request.urlopen(at(url, "voila/static/voila.js"), timeout=2)
            return
        except urllib.error.HTTPError:         # it answers (a refusal: a token it was not given)
            return
        except OSError:
            assert proc.poll() is None and time.time() < deadline, Path(log_path).read_text(errors="replace")[-3000:]
            time.sleep(0.3)


def _log_path(name: str) -> Path:
    """tests/artifacts/voila-``name``.log, with the pytest-xdist worker's id in it under ``make test`` (each
    worker starts its own warm server: one log each)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return ART / (f"voila-{name}-{worker}.log" if worker else f"voila-{name}.log")


def _serve(env_extra: dict, cache: Path, name: str, via_cli: bool = False, theme: str = "light", start_s: float = 90):
    """Voila on the dashboard notebook in ``theme``, its log in tests/artifacts/voila-``name``.log; ``via_cli``:
    launched as users do, by ``naoviz dashboard`` (which also warms the explorer's model and atlases beside
    Voila; the light theme); it must answer within ``start_s``. Returns (process, open log file, URL)."""
    import sys

    from naoviz.cli.dashboard import voila_command, voila_env
    ART.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = dict(os.environ, **env_extra, NAOVIZ_CACHE=str(cache), OMP_NUM_THREADS="1")
    log_path = _log_path(name)
    log = open(log_path, "w")
    cmd = ([sys.executable, "-m", "naoviz.cli", "dashboard", "--port", str(port)] if via_cli else
           voila_command(ROOT / "notebooks" / "dashboard.ipynb", port, "127.0.0.1", theme=theme))
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env if via_cli else voila_env(env),
                            cwd=ART)
    deadline = time.time() + start_s
    url = printed_url(log_path, proc, deadline)
    wait_served(proc, url, log_path, timeout_s=deadline - time.time())
    return proc, log, url


# `naoviz dashboard: http://127.0.0.1:8866/?token=...` or Voila's own `http://127.0.0.1:8866/?token=...` line (a
# token Voila made itself; one from JUPYTER_TOKEN it shows as "?token=...", which is not matched)
PRINTED_URL = re.compile(r"(http://[^\s?]+/(?:\?token=[\w-]+)?)(?=\s|$)", re.M)


def printed_url(log_path: Path, proc, deadline: float) -> str:
    """The dashboard's URL as the server printed it in ``log_path`` (with its token), waited for until ``deadline``."""
    while True:
        found = PRINTED_URL.search(log_path.read_text(errors="replace"))
        if found:
            return found.group(1)
        assert proc.poll() is None and time.time() < deadline, log_path.read_text()
        time.sleep(0.2)


def at(url: str, path: str = "", query: str = "") -> str:
    """``path`` on the server of the printed ``url``, keeping its token, plus ``query`` (``"seed=5&eta=2"``)."""
    base, _, token = url.partition("?")
    return base + path + "?" + "&".join(q for q in (token, query) if q) if token or query else base + path


def _start_warm(tmp_path_factory) -> dict:
    exports = tmp_path_factory.mktemp("exports")                   # the kernel's export folder (--exports)
    proc, log, url = _serve({**WARM, "NAOVIZ_EXPORT_DIR": str(exports)}, tmp_path_factory.mktemp("warm-cache"), "warm")
    return {"url": url, "proc": proc, "log": _log_path("warm"), "exports": exports, "_log": log}


def _stop_warm(server: dict) -> None:
    server["proc"].terminate()
    server["proc"].wait(20)
    server["_log"].close()


@pytest.fixture(scope="session")
def _warm_server(tmp_path_factory):
    shared = Shared("server", lambda: _start_warm(tmp_path_factory), _stop_warm)
    yield shared
    shared.stop()


@pytest.fixture(scope="module")
def server(request, _warm_server):
    """The warm Voila server: {url (as printed, with its token), proc, log (its path), exports (the kernel's
    export folder)}."""
    yield _warm_server.get()
    _warm_server.done_with(request)


def _open(browser, url, width=1400, timeout_ms=120_000, log_path: Path | None = None, height=1100, **context):
    """A fresh visitor (own context; ``context``: more of Playwright's new_context options, e.g. has_touch=True for
    a tablet); returns (page, seconds to interactive, websocket bytes received). A page
    that never gets ready fails with what it shows, its console and the server log's tail (and a screenshot in
    tests/artifacts/), so a failure on CI says where it stopped."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    ctx = browser.new_context(viewport={"width": width, "height": height}, **context)
    page = ctx.new_page()
    got = {"ws": 0, "requests": [], "console": []}
    page.on("request", lambda r: got["requests"].append(r.url))
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: got.__setitem__("ws", got["ws"] + len(p))))
    page.on("console", lambda m: got["console"].append(f"{m.type}: {m.text}"[:300]))
    page.on("pageerror", lambda e: got["console"].append(f"page error: {e}"[:300]))
    t0 = time.perf_counter()
    try:
        page.goto(url, timeout=timeout_ms)
        page.wait_for_selector(READY, timeout=timeout_ms)
    except PlaywrightTimeout:
        shot = ART / f"not-ready-{time.strftime('%H%M%S')}.png"
        page.screenshot(path=str(shot), full_page=True)
        shows = " ".join(page.inner_text("body").split())[:800]
        log_tail = log_path.read_text(errors="replace").splitlines()[-25:] if log_path else []
        raise AssertionError(f"{url}: not ready after {time.perf_counter() - t0:.0f} s ({shot.name}); the page shows: "
                             f"{shows!r}\nconsole (last 20): {got['console'][-20:]}\nserver log (last 25 lines):\n"
                             + "\n".join(log_tail)) from None
    return page, time.perf_counter() - t0, got


# -- the server tests' pieces (tests/test_dashboard_server.py, tests/test_dashboard_processes.py) -----------

def dry(capsys, *argv):
    """``naoviz dashboard --dry-run ARGV``: (exit status, stdout, stderr)."""
    from naoviz.cli import main
    rc = main(["dashboard", "--dry-run", *argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def get(port: int, path: str) -> tuple[int, str]:
    """(status, body) of GET ``path`` from 127.0.0.1:``port``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


@contextlib.contextmanager
def tiny_voila(tmp_path, token: str | None = None, **options):
    """naoviz's Voila (its command and environment) on a one-cell notebook printing naoviz-tiny-42, on 127.0.0.1,
    requiring ``token`` (None: no token, as ``--no-token``; ``options``: voila_command's); yields (process, port)
    once it answers, and stops it after."""
    from naoviz.cli.dashboard import voila_command, voila_env
    nb = tmp_path / "tiny.ipynb"
    nb.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "print('naoviz-tiny-' + str(6 * 7))"}]}))
    port = _free_port()
    env = voila_env(dict(os.environ, OMP_NUM_THREADS="1"), token)
    log = open(tmp_path / "voila.log", "w")
    proc = subprocess.Popen(voila_command(nb, port, "127.0.0.1", bool(token), **options), env=env, cwd=tmp_path,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_served(proc, f"http://127.0.0.1:{port}/", tmp_path / "voila.log", timeout_s=60)
        yield proc, port
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def kernels_of(pid: int) -> int:
    """Kernel processes started by the server ``pid`` (its children running ipykernel)."""
    return sum(b"ipykernel" in command_line(k) for k in children(pid))

"""``naoviz dashboard``'s kernels and processes: the culling and pool options reach Voila, which culls a
closed visit's kernel; the explorer's warm-up is reaped; the URL line says what a first start does; a killed
dashboard takes its Voila with it. Who may reach the server: tests/test_dashboard_server.py."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from _dashboard_server import _free_port, dry, get, kernels_of, printed_url
from _procs import alive, children, command_line, stat


def test_dashboard_options_pass_culling_and_pool_size(capsys):
    rc, out, _ = dry(capsys, "--cull-idle", "90", "--pool-size", "3", "--cull-connected")
    assert rc == 0
    words = out.split()
    assert "--pool_size=3" in words and "--MappingKernelManager.cull_idle_timeout=90" in words
    assert "--MappingKernelManager.cull_connected=True" in words
    _, out0, _ = dry(capsys, "--cull-idle", "0", "--pool-size", "0")
    assert "cull_idle_timeout" not in out0 and "--preheat_kernel=True" not in out0
    rc, out, err = dry(capsys, "--cull-idle", "0", "--cull-connected")
    assert rc == 2 and out == "" and "--cull-connected" in err and len(err.strip().splitlines()) == 1


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to count kernels")
def test_real_voila_culls_the_kernel_of_a_closed_visit(tmp_path):
    """A visit starts a kernel; once nobody is connected and it is idle past --cull-idle it is shut down,
    while the pre-started pool kernel stays. A pool kernel that waited past --cull-idle is not culled the moment a
    visit takes it: the visit has the whole --cull-idle to connect (it was culled at the culler's next pass, before
    a slow browser asked for it, and the page showed no widgets)."""
    from naoviz.cli.dashboard import voila_command, voila_env
    nb = tmp_path / "tiny.ipynb"
    nb.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "print('naoviz-cull-' + str(6 * 7))"}]}))
    port = _free_port()
    env = voila_env(dict(os.environ, OMP_NUM_THREADS="1"))
    log = open(tmp_path / "voila.log", "w")
    idle_s = 3                                   # the culler looks every second (naoviz.cli.dashboard.cull_options)
    proc = subprocess.Popen(voila_command(nb, port, "127.0.0.1", pool_size=1, cull_idle_s=idle_s), env=env,
                            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 90
        while kernels_of(proc.pid) < 1:          # the pool kernel is up
            assert proc.poll() is None and time.time() < deadline, (tmp_path / "voila.log").read_text()
            time.sleep(0.3)
        url = printed_url(tmp_path / "voila.log", proc, deadline)     # with the token Voila made
        while "Kernel pool of tiny.ipynb is filled" not in (tmp_path / "voila.log").read_text():
            assert time.time() < deadline, (tmp_path / "voila.log").read_text()
            time.sleep(0.2)
        time.sleep(idle_s + 3)                   # the scenario, not a wait: the pool kernel, its one print run, sits
        asked = time.monotonic()                 # idle past --cull-idle (a visit taking it had it culled at once)
        status, html = get(port, "/?" + url.partition("?")[2])
        assert status == 200 and "naoviz-cull-42" in html
        while kernels_of(proc.pid) < 2:          # the visit took the pool kernel; the pool refills
            assert time.time() < deadline, (tmp_path / "voila.log").read_text()
            time.sleep(0.3)
        while kernels_of(proc.pid) > 1:          # the visit's kernel, never connected, is culled ...
            assert time.time() < deadline, (tmp_path / "voila.log").read_text()
            time.sleep(0.2)
        lived = time.monotonic() - asked         # ... --cull-idle after it was handed out, not at the next pass
        assert lived >= idle_s, f"the visit's kernel was culled {lived:.1f} s after the page was asked for"
        time.sleep(3)
        assert kernels_of(proc.pid) == 1         # the pool kernel is never culled
        assert "Culling kernel" in (tmp_path / "voila.log").read_text()
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def _children(pid: int) -> list[tuple[int, str, bytes]]:
    """(pid, state, cmdline) of every child process of ``pid``."""
    return [(k, f[0], command_line(k)) for k in sorted(children(pid)) if (f := stat(k))]


def test_the_finished_warm_up_is_reaped_not_left_a_zombie_and_a_killed_dashboard_takes_its_voila_with_it(tmp_path):
    """Two facts of one ``naoviz dashboard`` run (one start instead of two; they were
    test_the_finished_warm_up_is_reaped_not_left_a_zombie and test_a_killed_dashboard_takes_its_voila_server_with_it).
    It runs the explorer's warm-up beside Voila; once it has finished (at once for the shipped digits atlas) the
    dashboard waits for it, so no defunct child stays until the dashboard exits. Then `kill -9` of the dashboard,
    which runs no handler, so it cannot stop its children: Voila (and its kernel pool) kept serving the port until
    found and killed by hand. Voila now stops once its parent is gone."""
    port = _free_port()
    log = open(tmp_path / "dashboard.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "naoviz.cli", "dashboard", "--port", str(port), "--table",
                             "nb201-digits", "--pool-size", "0"], env=dict(os.environ, OMP_NUM_THREADS="1"),
                            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    voila: list[int] = []
    try:
        deadline = time.time() + 120
        while True:
            kids = _children(proc.pid)
            warm = [k for k in kids if b"explorer_plan" in k[2]]
            started = any(b"voila" in k[2] for k in kids)
            if started and not any(state != "Z" for _, state, _ in warm):
                break                                  # Voila is up and the warm-up has exited (or was reaped)
            assert proc.poll() is None and time.time() < deadline, (tmp_path / "dashboard.log").read_text()
            time.sleep(0.3)
        while [k for k in _children(proc.pid) if k[1] == "Z"]:      # reaped soon, not when the dashboard exits
            assert proc.poll() is None and time.time() < deadline, _children(proc.pid)
            time.sleep(0.1)
        while True:                                    # Voila answers on the port
            assert proc.poll() is None and time.time() < deadline, (tmp_path / "dashboard.log").read_text()
            try:
                if get(port, "/")[0] in (200, 302):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        while not (said := [line for line in (tmp_path / "dashboard.log").read_text().splitlines()
                            if line.startswith("naoviz dashboard: http")]):     # printed once Voila answers
            assert proc.poll() is None and time.time() < deadline, (tmp_path / "dashboard.log").read_text()
            time.sleep(0.1)
        assert said[0].endswith("(Ctrl-C to stop; the digits table's model and map ship with naoviz: nothing to "
                                "train)"), said          # not NAS-Bench-201's first start, which it does not serve
        voila = [pid for pid, _, cmd in _children(proc.pid) if b"voila" in cmd]
        assert voila, _children(proc.pid)
        proc.kill()
        proc.wait(10)
        deadline = time.time() + 30
        while [pid for pid in voila if alive(pid)]:
            assert time.time() < deadline, ("Voila still running after its dashboard was killed", voila)
            time.sleep(0.3)
        with pytest.raises(OSError):                   # nothing serves the port any more
            get(port, "/")
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in voila:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        log.close()


def test_the_url_line_says_what_the_first_start_on_a_table_file_does(tmp_path):
    """`naoviz dashboard --table pets_table.csv` (docs/ui.md) trains that table's model and map on its first
    start; the line with the URL said the digits table's ship and NAS-Bench-201's are trained, neither served."""
    import naoviz
    rows = (Path(naoviz.__file__).parent / "resources" / "nb201_digits.csv").read_text().splitlines()[:201]
    (tmp_path / "pets_table.csv").write_text("\n".join(rows) + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "naoviz.cli", "dashboard", "--port", str(_free_port()),
                             "--table", "pets_table.csv", "--pool-size", "0"], cwd=tmp_path, text=True,
                            env=dict(os.environ, OMP_NUM_THREADS="1", NAOVIZ_CACHE=str(tmp_path / "cache")),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        line = ""
        while "naoviz dashboard:" not in line:
            line = proc.stderr.readline()
            assert line, "the dashboard ended before printing its URL"
    finally:
        proc.terminate()
        proc.wait(60)
        proc.stderr.close()
    assert line.rstrip().endswith("(Ctrl-C to stop; pets_table.csv's model and map are trained and cached on the "
                                  "first start, later starts are quick)"), line
    assert "digits" not in line and "NAS-Bench-201" not in line, line

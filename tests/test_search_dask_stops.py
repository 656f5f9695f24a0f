"""``naoviz search --local-cluster`` stopped by a signal, for real: one stop line on stderr, the signal's exit
status, no traceback, no Dask warning, no "leaked semaphore" from multiprocessing's resource tracker, and no
worker left running. Plus the two interrupt rules behind it, in a process of their own."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from _cli_process import default_stop_signals, env, start, wait_for_store
from _procs import command_line, group

pytest.importorskip("distributed")
needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")


def _evaluating(_, runs) -> bool:
    return bool(runs) and runs[-1]["n_evaluations"] >= 2


@needs_proc
@pytest.mark.parametrize("how", ["group", "workers-first", "timeout", "pid", "ctrl-c"])
def test_a_stopped_local_cluster_search_says_one_line(tmp_path, how):
    """group: ``kill -TERM -PGID``; workers-first: the same signal reaching the workers a second before the naoviz
    process (as under load): the workers died of it at once and the scheduler warned "Removing worker ... caused
    the cluster to lose already computed task(s)" under the stop line; now they wait to be closed (at most
    ``naoviz.executors.TERM_GRACE_S``); timeout: as timeout(1) or a job scheduler does,
    SIGTERM to the command and then to its whole group, which was taken as a second stop (os._exit: "SIGTERM again: stopped at once" and
    12 semaphores reported leaked); pid: ``kill PID`` (the cluster closed with evaluations in flight, each
    worker logged "Async instruction ... ended with CancelledError"); ctrl-c: SIGINT to the group (same)."""
    db = tmp_path / "s.db"
    proc = start("search", "--algo", "rs", "--queries", "300", "--delay", "0.3", "--local-cluster", "2",
                 "--store", str(db), "--no-progress", start_new_session=True)
    store = wait_for_store(proc, db, _evaluating, timeout=120)
    members = group(proc.pid)
    assert len(members) >= 4, members             # naoviz, the resource tracker, two workers
    if how == "group":
        os.killpg(proc.pid, signal.SIGTERM)
    elif how == "workers-first":
        workers = [pid for pid in members if b"spawn_main" in command_line(pid)]
        assert len(workers) == 2, [command_line(pid) for pid in members]
        for pid in workers:
            os.kill(pid, signal.SIGTERM)
        time.sleep(1.0)
        os.kill(proc.pid, signal.SIGTERM)
    elif how == "timeout":                        # two deliveries (back to back, the kernel may merge them)
        os.kill(proc.pid, signal.SIGTERM)
        time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGTERM)
    elif how == "pid":
        os.kill(proc.pid, signal.SIGTERM)
    else:
        os.killpg(proc.pid, signal.SIGINT)
    err = proc.communicate(timeout=120)[1].decode()
    status, said = (130, "interrupted") if how == "ctrl-c" else (143, "stopped by SIGTERM")
    assert proc.returncode == status, err
    lines = [line for line in err.splitlines() if line.strip()]
    run_id = store.runs()[-1]["id"]
    assert lines[0].startswith(f"run {run_id} in {db}"), err
    assert len(lines) == 2 and lines[1].startswith(f"naoviz search: {said}; resume it:"), err
    assert "Traceback" not in err and "leaked semaphore" not in err and "WARNING" not in err
    assert store.get_run(run_id)["status"] == "stopped"
    deadline = time.monotonic() + 15
    while group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not group(proc.pid), "a process of the cluster outlived the command"


_TWICE = """
import multiprocessing, os, signal, sys, time
from naoviz.cli import interrupts
lock = multiprocessing.get_context("spawn").Lock()      # a named semaphore, registered with the tracker
signum = getattr(signal, sys.argv[2])
gap = float(sys.argv[1])
with interrupts.caught():
    try:
        os.kill(os.getpid(), signum)
        time.sleep(5)
    except KeyboardInterrupt:
        if gap:                                         # a later one: say so first, then wait
            print("stopping", flush=True)
            time.sleep(gap)
        os.kill(os.getpid(), signum)                    # the second one; with no gap, back to back as timeout(1)'s
        if not gap:                                     # (printing first let a loaded machine put > 0.1 s between)
            print("stopping", flush=True)
    time.sleep(1)
    print("went on", flush=True)
"""


@pytest.mark.parametrize("name, gap, again", [("SIGTERM", 0.0, False), ("SIGTERM", 0.3, False),
                                              ("SIGTERM", 1.5, True), ("SIGINT", 0.0, False),
                                              ("SIGINT", 0.3, True)])
def test_a_second_signal_is_a_second_stop_only_after_the_same_stop_delivered_twice(name, gap, again):
    """The same signal within interrupts.TWICE_S of the first is one stop delivered twice (ignored): SIGTERM
    within a second (timeout(1), a job scheduler: the command, then its group), SIGINT only back to back
    (``timeout -s INT``), so a user's second Ctrl-C 0.3 s later stops at once. A second stop ends the process at
    once, and this process's semaphores are unlinked first: the resource tracker has none left to report leaked.
    The child starts with SIGINT at its default: a test run in the background or under ``nohup`` starts with it
    ignored, naoviz leaves an ignored signal ignored, and both SIGINT cases then printed "went on" alone."""
    proc = subprocess.run([sys.executable, "-c", _TWICE, str(gap), name], env=env(), capture_output=True,
                          text=True, timeout=60, preexec_fn=default_stop_signals)
    assert proc.stdout.splitlines()[0] == "stopping"
    if again:
        assert proc.returncode == 128 + getattr(signal, name) and "went on" not in proc.stdout
        assert proc.stderr.strip() == f"naoviz: {name} again: stopped at once", proc.stderr
    else:
        assert proc.returncode == 0 and "went on" in proc.stdout and proc.stderr == "", proc.stderr


@needs_proc
@pytest.mark.parametrize("second", ["ctrl-c", "timeout -s INT"])
def test_a_second_ctrl_c_stops_a_closing_search_at_once_a_doubled_one_does_not(tmp_path, second):
    """``naoviz search --local-cluster``, Ctrl-C (SIGINT to its group) while it evaluates. ctrl-c: the user's
    second Ctrl-C 0.25 s later, while the cluster closes, ends it at once (it was ignored for a second: one
    stop delivered twice, as SIGTERM's is). timeout -s INT: SIGINT to the command and at once to its group, as
    timeout(1) sends it: one stop, its one line and the resume command."""
    db = tmp_path / "s.db"
    proc = start("search", "--algo", "rs", "--queries", "300", "--delay", "0.3", "--local-cluster", "2",
                 "--store", str(db), "--no-progress", start_new_session=True)
    store = wait_for_store(proc, db, _evaluating, timeout=120)
    if second == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.25)
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGINT)
        os.killpg(proc.pid, signal.SIGINT)
    err = proc.communicate(timeout=120)[1].decode()
    lines = [line for line in err.splitlines() if line.strip()]
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "leaked semaphore" not in err, err
    if second == "ctrl-c":
        assert lines[-1] == "naoviz: SIGINT again: stopped at once", err
    else:
        run_id = store.runs()[-1]["id"]
        assert len(lines) == 2 and lines[1].startswith("naoviz search: interrupted; resume it:"), err
        assert store.get_run(run_id)["status"] == "stopped"
    deadline = time.monotonic() + 15
    while group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not group(proc.pid), "a process of the cluster outlived the command"


class _DaskPart:
    """Stands in for Dask's Client / LocalCluster at close: ``close()`` records the call, or fails as
    distributed 2026.8's does when stopped while the cluster starts (an UnboundLocalError from utils.sync)."""

    def __init__(self, fails: bool):
        self.fails, self.closed = fails, False

    def close(self):
        self.closed = True
        if self.fails:
            raise UnboundLocalError("cannot access local variable 'result' where it is not associated with a value")


def _levels() -> dict:
    import logging

    from naoviz.executors import QUIETED_LOGGERS
    return {name: logging.getLogger(name).level for name in QUIETED_LOGGERS}


def test_a_stop_quiets_dask_only_while_the_cluster_closes():
    """A stop (KeyboardInterrupt: a Jupyter kernel's interrupt, Ctrl-C) inside ``Executors`` with a real
    LocalCluster and an evaluation in flight: the loggers Dask's close would fill with cancelled gathers are
    quiet during the close and back at their levels after it. They were left at CRITICAL + 1 for the rest of
    the process: fine for the CLI about to exit, not for a kernel that goes on (and asyncio then said nothing
    to later tests in a pytest process: tests/test_voila_server.py failed in the full suite)."""
    import logging

    from naoviz.evaluate import ClusterConfig, Executors, TableEvaluator
    logging.getLogger("asyncio").setLevel(logging.INFO)      # a level of the user's own, not the default
    before = _levels()
    during = {}

    class Part:                                              # a witness closed after the real cluster
        def close(self):
            during.update(_levels())
    ex = Executors(ClusterConfig(local_cluster=1, retries=0))
    try:
        with pytest.raises(KeyboardInterrupt):
            with ex as executor:
                ex._cluster = _Both(ex._cluster, Part())
                future = executor.submit(TableEvaluator("nb201-digits", delay_s=30.0).evaluate,
                                         TableEvaluator("nb201-digits").space.from_index(3))
                deadline = time.monotonic() + 60
                while ex.client.processing() == {} or not any(ex.client.processing().values()):
                    assert time.monotonic() < deadline, "the evaluation never started"
                    time.sleep(0.05)
                raise KeyboardInterrupt
        assert future.cancelled() or future.done()
        assert set(during.values()) == {logging.CRITICAL + 1}, during
        assert _levels() == before
    finally:
        logging.getLogger("asyncio").setLevel(logging.NOTSET)


class _Both:
    """The real LocalCluster, then a witness: closed in turn."""

    def __init__(self, *parts):
        self.parts = parts

    def close(self):
        for part in self.parts:
            part.close()


def test_a_close_that_fails_during_a_stop_gives_way_to_the_stop():
    """A SIGTERM while the cluster started ended in Dask's UnboundLocalError traceback (rc 1) instead of the stop
    line: while a stop propagates, a part's failing close is passed over and the other part still closed; with
    no stop under way the failure is raised."""
    from naoviz.cli.interrupts import Interrupted
    from naoviz.executors import Executors
    before = _levels()
    ex = Executors()
    ex._client, ex._cluster = _DaskPart(fails=True), _DaskPart(fails=False)
    client, cluster = ex._client, ex._cluster
    stop = Interrupted(signal.SIGTERM)
    ex.__exit__(Interrupted, stop, None)
    assert client.closed and cluster.closed and ex.client is None and _levels() == before
    ex._client = _DaskPart(fails=True)
    with pytest.raises(UnboundLocalError):
        ex.__exit__(None, None, None)
    assert ex.client is None


_HEARTBEAT = """
import asyncio, logging, os, signal, sys
from distributed import Worker
from naoviz import executors

async def main():
    worker = Worker("tcp://127.0.0.1:9", nthreads=1)     # never started: only its status and logger are used
    executors.dask_setup(worker)
    if sys.argv[1] == "ctrl-c":
        os.kill(os.getpid(), signal.SIGINT)
    await asyncio.sleep(0.1)
    try:
        raise OSError("Timed out trying to connect")
    except OSError:
        logging.getLogger("distributed.worker").exception("Failed to communicate with scheduler during heartbeat.")
    for who in (None, "tls://127.0.0.1:7"):           # the naoviz process's client or scheduler; a peer worker
        try:
            raise OSError("Stream is closed")
        except OSError:
            logging.getLogger("distributed.worker").exception("failed during get data with %s -> %s",
                                                              "tls://127.0.0.1:9", who)
    logging.getLogger("distributed.comm.tcp").warning("Listener on 'tls://127.0.0.1:9': TLS handshake failed with "
                                                      "remote 'tls://127.0.0.1:8': [Errno 104] Connection reset by peer")
    print("still running", flush=True)

asyncio.run(main())
"""


@pytest.mark.parametrize("signalled", [False, True])
def test_a_worker_keeps_its_failed_heartbeat_quiet_only_after_a_ctrl_c_reached_its_group(signalled):
    """Seen under load: after a Ctrl-C, a local worker's heartbeat reached the scheduler the naoviz process
    was closing, and the worker printed Dask's "Failed to communicate with scheduler" traceback under the stop
    line; after a second Ctrl-C (the naoviz process ended mid-connect) its "TLS handshake failed ... Connection
    reset by peer" WARNING. A worker the Ctrl-C reached notes it and drops them; without a stop both print.
    A worker's "failed during get data" traceback for the naoviz process's client (requester None: it hung up
    mid-transfer, closing on a ``kill PID``) is dropped either way; for a peer worker it prints."""
    out = subprocess.run([sys.executable, "-c", _HEARTBEAT, "ctrl-c" if signalled else "running"],
                         capture_output=True, text=True, timeout=120, env=env())
    assert out.returncode == 0 and "still running" in out.stdout, out.stderr
    assert ("Failed to communicate with scheduler" in out.stderr) is not signalled, out.stderr
    assert ("Traceback" in out.stderr) is not signalled, out.stderr
    assert ("TLS handshake failed" in out.stderr) is not signalled, out.stderr
    assert "-> None" not in out.stderr and ("-> tls://127.0.0.1:7" in out.stderr) is not signalled, out.stderr


class _Closing:
    """A witness closed by ``Executors.__exit__``: its close waits until the test lets it end."""

    def __init__(self):
        self.entered, self.release = threading.Event(), threading.Event()

    def close(self):
        self.entered.set()
        assert self.release.wait(30)


def test_two_stops_closing_at_once_put_the_loggers_back_whatever_order_they_end_in():
    """Two ``Executors`` stopped at once in two threads (a kernel's search and compare, say): both closes
    overlap, the first to start ends first. Each saved the levels it found and put them back at its end, so the
    second, which had found them already quieted, restored CRITICAL + 1 last and Dask's loggers stayed silent
    for the rest of the process. Now the loggers are quiet while any stop closes, and back after the last."""
    import logging

    from naoviz.evaluate import Executors
    logging.getLogger("asyncio").setLevel(logging.INFO)      # a level of the user's own, not the default
    before = _levels()
    stops = [Executors(), Executors()]
    parts = [_Closing(), _Closing()]
    threads = []
    try:
        for ex, part in zip(stops, parts):
            ex._client = part
            threads.append(threading.Thread(target=ex.__exit__, args=(KeyboardInterrupt, KeyboardInterrupt(), None)))
            threads[-1].start()
            assert part.entered.wait(30)                     # the first is closing before the second starts to
        assert set(_levels().values()) == {logging.CRITICAL + 1}
        parts[0].release.set()                               # the first stop ends while the second still closes
        threads[0].join(30)
        assert set(_levels().values()) == {logging.CRITICAL + 1}
        parts[1].release.set()
        threads[1].join(30)
        assert _levels() == before
    finally:
        for part in parts:
            part.release.set()
        logging.getLogger("asyncio").setLevel(logging.NOTSET)

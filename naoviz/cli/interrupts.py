"""Ctrl-C, SIGTERM and SIGHUP in the ``naoviz`` command: each stops the command as Ctrl-C does, and none is lost.

SIGTERM (``kill``, a job scheduler, a closing service) and SIGHUP (a closed terminal) raise :class:`Interrupted`,
a ``KeyboardInterrupt``, so a stored run is marked "stopped" and its resume line printed, exit status 128 +
the signal (130, 143, 129). A signal that arrives while a library runs a ``__del__`` or weakref callback (numba
does during a UMAP fit) has its exception swallowed there ("Exception ignored in ..."): :func:`check`, called by
progress callbacks, raises it again, and a second signal ends the process at once (every stored evaluation is
already committed; the run is then listed as interrupted, resumable), except the same one within
:data:`TWICE_S` of the first: one stop delivered twice (a second Ctrl-C a user types is not). :func:`close_bars`
closes the open tqdm bars before the stop line, so it starts a line rather than following an unfinished bar; on a
terminal :func:`line_start` also puts it over the echo of a typed Ctrl-C ("^C"), not after it. A stopped
command then ends without the interpreter's teardown (:func:`leave`).
"""
from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import time
from typing import Iterator, Optional

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
# The same signal again this soon after the first (seconds, per signal) is one stop delivered twice, not a second
# stop. SIGTERM: timeout(1) sends it to the command and then to its whole process group (the command included), a
# job scheduler may signal the leader and then the group; taken as "again", it ended the process at once
# (os._exit) and a Dask cluster's semaphores were reported leaked by multiprocessing's resource tracker. SIGHUP: a
# closed terminal's kernel hang-up reaches the foreground group, and bash, hung up, sends its jobs SIGHUP again.
# SIGINT: a terminal's Ctrl-C reaches the foreground group once (as does `kill -INT` or a Jupyter interrupt); only
# `timeout -s INT` sends it twice, back to back (two kill(2) calls, microseconds apart, most often merged by the
# kernel into one): so a short window, and a user's second Ctrl-C, always later than that, stops at once.
TWICE_S = {signal.SIGINT: 0.1, signal.SIGTERM: 1.0, **({signal.SIGHUP: 1.0} if hasattr(signal, "SIGHUP") else {})}
_state: dict = {"signum": None, "pid": None, "at": None}


class Interrupted(KeyboardInterrupt):
    """The command was stopped by ``signum`` (SIGINT, SIGTERM or SIGHUP)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def caught() -> Iterator[None]:
    """Catch the stop signals in this process while the block runs (main thread only; the handlers before
    are put back after, so ``main()`` called in a test leaves the test process as it was). A signal ignored
    at start (a background job's SIGINT, ``nohup``'s SIGHUP) stays ignored."""
    _state.update(signum=None, pid=os.getpid(), at=None)
    before = {}
    for signum in SIGNALS:
        try:
            handler = signal.getsignal(signum)
            if handler is not signal.SIG_IGN:
                signal.signal(signum, _handler)
                before[signum] = handler
        except (ValueError, OSError):          # not the main thread, or a platform without it
            pass
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        _state.update(signum=None, pid=None, at=None)


def _handler(signum: int, frame) -> None:
    if os.getpid() != _state["pid"]:           # a forked worker: die of the signal as it would have
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    if _state["signum"] is not None:
        if signum == _state["signum"] and time.monotonic() - _state["at"] < TWICE_S.get(signum, 0.0):
            return                             # the same stop delivered twice (timeout(1)): already stopping
        # the first one was swallowed, or cleanup hangs: stop now
        print(f"naoviz: {signal.Signals(signum).name} again: stopped at once", file=sys.stderr)
        _release_semaphores()
        os._exit(128 + signum)
    _state.update(signum=signum, at=time.monotonic())
    raise Interrupted(signum)


def _release_semaphores() -> None:
    """Unlink the multiprocessing semaphores this process made (a local Dask cluster's nanny queues) before
    ``os._exit``, which skips multiprocessing's exit finalizers: else the resource tracker, left the last one
    holding them, unlinks them itself and prints "There appear to be N leaked semaphore objects" on stderr."""
    util, synchronize = sys.modules.get("multiprocessing.util"), sys.modules.get("multiprocessing.synchronize")
    if util is None or synchronize is None:    # nothing imported: no semaphore made
        return
    try:
        finalizers = list(getattr(util, "_finalizer_registry", {}).values())
        for finalizer in finalizers:
            if getattr(finalizer, "_callback", None) is synchronize.SemLock._cleanup:
                finalizer()                    # sem_unlink + the tracker told; run once, then removed
    except Exception:                          # a private registry changed shape: the tracker still cleans up
        pass


def check() -> None:
    """Raise :class:`Interrupted` again if a stop signal came and its exception was swallowed by a library."""
    signum: Optional[int] = _state["signum"]
    if signum is not None and _state["pid"] == os.getpid():
        raise Interrupted(signum)


def close_bars() -> None:
    """Close every open tqdm progress bar, so the line printed next (``interrupted``, ``stopped by SIGTERM``, an
    error) starts a line of its own rather than after an unfinished bar. On a terminal a ``leave=False`` bar is
    cleared; written to a file or pipe it is left as last drawn, ended by a newline (a cleared bar there is
    ``\\r`` and blanks, and the next line would follow them on the same line of the log)."""
    std = sys.modules.get("tqdm.std")
    if std is None:                            # no tqdm imported: no bar can be open
        return
    bars, classes = set(), [std.tqdm]
    while classes:                             # tqdm.auto's class may keep its own instance set
        cls = classes.pop()
        bars.update(vars(cls).get("_instances", ()))
        classes.extend(cls.__subclasses__())
    from naoviz.progress import close
    for bar in sorted(bars, key=lambda b: -abs(getattr(b, "pos", 0) or 0)):     # inner (lower) bars first
        try:
            close(bar, cut_short=True)
        except Exception:                      # a closed stream, a half-made bar: nothing to tidy there
            pass


def line_start() -> str:
    """What the stop line starts with: on a terminal, a carriage return and erase-line (``\\r\\x1b[K``), so it
    starts at the line's first column over the terminal's echo of a typed Ctrl-C ("^C": after a bar, or alone
    at the start of a line before any output) instead of after it; nothing where stderr is a file or pipe
    (no echo reaches it, and a log keeps plain lines)."""
    try:
        return "\r\x1b[K" if sys.stderr.isatty() else ""
    except (AttributeError, ValueError):       # a closed or replaced stderr
        return ""


def exit_status(exc: KeyboardInterrupt) -> int:
    """128 + the signal that stopped the command (130 for a plain Ctrl-C)."""
    return 128 + int(getattr(exc, "signum", signal.SIGINT))


def how(exc: KeyboardInterrupt) -> str:
    """'interrupted' (Ctrl-C), or 'stopped by SIGTERM' / 'stopped by SIGHUP'."""
    signum = int(getattr(exc, "signum", signal.SIGINT))
    return "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"


def leave(status: int, stopped: bool):
    """End the ``naoviz`` process with ``status``; a stopped one (``stopped``) without the interpreter's teardown
    of torch, numba and pandas (seconds of CPU after the stop line, ~5x that on a loaded machine): stdout and
    stderr flushed and the exit handlers run (multiprocessing's, temporary folders'), then ``os._exit``. By then
    every evaluation is committed, every run marked, every worker reaped."""
    if not stopped:
        sys.exit(status)
    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        os._exit(status)

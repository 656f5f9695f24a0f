"""One kaleido browser kept per kernel for PNG/SVG/PDF exports: started on the first export, closed after
``IDLE_S`` without one and at exit, started again when it died or the browser setting changed; and one per CLI
command that exports several sets (:func:`for_command`: closed when the command's exports end).

kaleido's one-shot calls (plotly's ``write_images``) start Chromium for every batch: about 3-4 s of each of the
explorer's export sets on 2 loaded cores (bench/RESULTS.md). A kernel exports set after set, so the explorer widget
exports inside :func:`using` and later sets reuse the running browser. It runs in a daemon thread with its own event
loop, one tab, MathJax off (kaleido's default page loads MathJax from a CDN; naoviz's figures have no TeX) and the
installed plotly's own plotly.js. A call that finds the browser dead (killed, crashed) starts a new one and renders
again once. Every export renders through one of these (:func:`one_shot` outside the blocks above: kaleido's own
one-shot calls waited forever on a browser that never answered), so none waits without end: a browser that has not
started within :func:`timeout_s` (``$NAOVIZ_EXPORT_TIMEOUT``, default 60 s), or writes no next figure within it, is
a NaovizError, and its process group is killed (no Chromium left behind).
"""
from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import contextvars
import os
import signal
import threading
import time
from pathlib import Path
from typing import Optional

from naoviz import export_settings
from naoviz.errors import NaovizError
from naoviz.viz import browser_logs

# kaleido's page loads MathJax from a CDN unless told not to (plotly's write_images and to_image cannot say it):
# naoviz's figures have no TeX, and an export fetches nothing from the network (figure_files' one-shot calls too).
KALEIDO_OPTIONS = {"mathjax": False}
IDLE_S = 120.0        # a kept browser unused this long is closed (a dashboard visitor's kernel lives for hours)
START_S = export_settings.START_S      # $NAOVIZ_EXPORT_TIMEOUT's default (naoviz.export_settings reads it)
ENV = export_settings.TIMEOUT_ENV
timeout_s = export_settings.timeout_s  # seconds to start, and for each next figure; a bad value: one NaovizError


class _Stalled(Exception):
    """No next figure written within the limit: the browser stopped answering."""


class KeptBrowser:
    """A kaleido ``Kaleido`` kept open in a thread of its own; :meth:`write` renders, :meth:`close` ends it."""

    def __init__(self, at_exit: bool = True):
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._kaleido = None
        self._key: Optional[str] = None
        self._quiet = False                   # holds browser_logs' filter (the libraries' log records dropped)
        self.starts = 0                       # browsers started so far (the bench and tests read it)
        self.idle_s = IDLE_S
        self._idle: Optional[threading.Timer] = None
        if at_exit:
            atexit.register(self.close)

    def write(self, specs: list, key: str, name: str = "") -> tuple:
        """Render kaleido ``specs`` (``{"fig", "path", "opts"}`` each) to their paths; returns kaleido's tuple of
        per-figure errors (a figure that failed is left out, as in a one-shot batch). ``key`` names the browser
        kaleido launches (its ``BROWSER_PATH`` and what that runs): another key starts another browser. ``name``:
        the browser as an error names it. A browser not started, or writing no next file, within :func:`timeout_s`
        is killed with its processes: a NaovizError."""
        limit, said = timeout_s(), f"the browser{' ' + name if name else ''}"
        with self._lock:
            if self._idle is not None:
                self._idle.cancel()
            for attempt in (1, 2):
                if key != self._key or not self._alive():
                    self._stop()
                    self._start(key, limit, said)
                try:
                    errors = self._watch(self._kaleido.write_fig_from_object(specs), [s["path"] for s in specs],
                                         limit)
                    self._idle = threading.Timer(self.idle_s, self._close_idle, args=(self.starts,))
                    self._idle.daemon = True          # a Chromium's memory is not held for a visitor who left
                    self._idle.start()
                    return errors
                except _Stalled:
                    self._stop(hung=True)
                    raise NaovizError(f"export: {said} stopped answering: no figure rendered in {limit:g} s; "
                                      f"it was stopped (set {ENV} to wait longer)") from None
                except Exception:  # noqa: BLE001 - a dead browser is started again once; else said
                    died = not self._alive()
                    self._stop()
                    if not died or attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def _watch(self, coro, paths: list, limit: float):
        """``coro``'s result; :class:`_Stalled` (and ``coro`` cancelled) once no next file of ``paths`` has been
        written for ``limit`` seconds (a frozen browser answers nothing; kaleido's own per-figure timeout is off: it
        then reloads the tab, which waits on the frozen browser forever)."""
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        seen, since = 0, time.monotonic()
        while True:
            try:
                return future.result(0.5)
            except concurrent.futures.TimeoutError:
                done = sum(written(p) for p in paths)
                if done > seen:
                    seen, since = done, time.monotonic()
                elif time.monotonic() - since > limit:
                    future.cancel()
                    raise _Stalled() from None

    def close(self) -> None:
        """Close the browser (at exit; a later :meth:`write` starts another)."""
        with self._lock:
            if self._idle is not None:
                self._idle.cancel()           # its timer ends with it, not 2 minutes later in a process that lives on
                self._idle = None
            self._stop()

    def _close_idle(self, starts: int) -> None:
        """The idle timer's end: close the browser unless a write is under way or a newer browser runs."""
        if self._lock.acquire(blocking=False):
            try:
                if self.starts == starts:
                    self._stop()
            finally:
                self._lock.release()

    def running(self) -> bool:
        """Whether a browser is kept now."""
        return self._alive()

    def _alive(self) -> bool:
        proc = getattr(self._kaleido, "subprocess", None)
        return (self._kaleido is not None and self._thread is not None and self._thread.is_alive()
                and proc is not None and proc.poll() is None)

    def _start(self, key: str, limit: float, said: str) -> None:
        import kaleido
        if not self._quiet:                   # choreographer's tracebacks and warnings: naoviz says it in one line
            browser_logs.hold()
            self._quiet = True
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, daemon=True, name="naoviz-kaleido")
        thread.start()
        self._loop, self._thread = loop, thread
        made = []

        async def open_browser():
            k = kaleido.Kaleido(n=1, timeout=None, **KALEIDO_OPTIONS)     # the limit is _watch's
            made.append(k)                    # its process is killed below if it never answers
            await k.open()
            return k
        try:
            self._kaleido = self._call(open_browser(), limit)
        except concurrent.futures.TimeoutError:
            self._kaleido = made[0] if made else None
            self._stop(hung=True)
            raise NaovizError(f"export: {said} did not start within {limit:g} s; it was stopped "
                              f"(set {ENV} to wait longer)") from None
        except BaseException as exc:
            self._kaleido = made[0] if made else None
            proc = getattr(self._kaleido, "subprocess", None)
            gone = proc is not None and proc.poll() is not None
            self._stop(hung=True)
            # choreographer says so as BrowserFailedError (advising its own Chrome download) or, when its watchdog saw
            # the exit first, ChannelClosedError ("Was .open() or .close() called?")
            if isinstance(exc, Exception) and (gone or type(exc).__name__ == "BrowserFailedError"):
                raise NaovizError(f"export: {said} closed as soon as it started") from None
            raise
        self._key = key
        self.starts += 1

    def _call(self, coro, timeout: float):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _stop(self, hung: bool = False) -> None:
        """Close the browser (``hung``: one that answers nothing, killed without asking it to close), kill what is
        left of its process group, and end the loop's thread."""
        k, loop, thread = self._kaleido, self._loop, self._thread
        self._kaleido = self._loop = self._thread = self._key = None
        if not hung and k is not None and loop is not None and thread is not None and thread.is_alive():
            try:
                asyncio.run_coroutine_threadsafe(k.close(), loop).result(20)
            except Exception:  # noqa: BLE001 - a dead or hung browser: killed below
                pass
        _kill_group(getattr(k, "subprocess", None))
        if loop is not None and thread is not None and thread.is_alive():
            try:                                  # choreographer's watchdog and the like: ended, not destroyed pending
                asyncio.run_coroutine_threadsafe(_cancel_tasks(), loop).result(10)
            except Exception:  # noqa: BLE001 - the loop is stopped below all the same
                pass
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(10)
            if thread is None or not thread.is_alive():
                loop.close()
        if self._quiet:                       # after its watchdog's and close's last words
            browser_logs.release()
            self._quiet = False


def _kill_group(proc) -> None:
    """SIGKILL the browser's process group while its leader is unreaped (choreographer starts it in a session of its
    own, whose id is the leader's pid): the browser a launcher script runs is the leader's child, and a frozen or
    sleeping one outlived a kill of the leader alone."""
    if proc is None or proc.poll() is not None:
        return
    try:
        if os.name == "posix" and os.getpgid(proc.pid) == proc.pid:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.wait(10)
    except Exception:  # noqa: BLE001 - gone meanwhile, or reaped later by the system: nothing more to do here
        pass


def written(path) -> bool:
    """Whether ``path`` is a file with something in it (an export's draft the browser has written)."""
    path = Path(path)
    return path.is_file() and path.stat().st_size > 0


async def _cancel_tasks() -> None:
    """Cancel every other task of the running loop and wait for them to end."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


_kept: Optional[KeptBrowser] = None
_using: contextvars.ContextVar = contextvars.ContextVar("naoviz_kept_browser", default=False)


def shared() -> KeptBrowser:
    """The process's kept browser (made on first use; its Chromium starts on the first export through it)."""
    global _kept
    if _kept is None:
        _kept = KeptBrowser()
    return _kept


@contextlib.contextmanager
def using():
    """Exports inside this block render with the process's kept browser (the explorer's export sets); others start
    their own as before."""
    token = _using.set(True)
    try:
        yield shared()
    finally:
        _using.reset(token)


@contextlib.contextmanager
def for_command():
    """One browser for every export inside this block, closed when the block ends, on an error or a Ctrl-C too
    (a CLI command's figure sets: ``naoviz compare --out`` started Chromium once per set, 3 s each of its
    PNG, 7 in and 3.5 in sets); a browser the process kept before is closed with it."""
    with using() as browser:
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def one_shot():
    """A browser of its own for one export outside :func:`using` (started on its first write, closed when the block
    ends): kaleido's own one-shot calls have no time limit (a browser that never answered hung the export)."""
    browser = KeptBrowser(at_exit=False)
    try:
        yield browser
    finally:
        browser.close()


def kept() -> Optional[KeptBrowser]:
    """The kept browser inside :func:`using`, else None (the export starts its own browser)."""
    return shared() if _using.get() else None


def close() -> None:
    """Close the process's kept browser if one runs (at exit anyway; a test that used it, earlier)."""
    if _kept is not None:
        _kept.close()

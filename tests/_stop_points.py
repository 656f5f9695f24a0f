"""A stop that lands at an exact point of the real code: the shared part of the tests that a run stopped anywhere
(Ctrl-C, SIGTERM, its parent gone) is never left "running".

A signal's Python handler runs at the next call or return of the code it interrupts; :func:`stop_at` fires at the
``k``-th call, return, C call or C return made by code in ``FILES`` (the run store, its locks, the search runs), so
a sweep over ``k`` puts a stop at every point a signal could land there, one process each, deterministically.
Nothing of naoviz is replaced: the stop is a real ``KeyboardInterrupt``, or a real signal to this process whose
handler (the compare worker's, the CLI's) raises it.
"""
from __future__ import annotations

import inspect
import os
import signal
import sys
from typing import Callable, Optional

FILES = tuple(os.path.join("naoviz", *p) for p in (("store.py",), ("locks.py",), ("search", "runs.py"))) + (
    os.path.join("", "contextlib.py"),)          # the steps of a `with` block: a stop can land between them
_EVENTS = ("call", "return", "c_call", "c_return")
_RESUMABLE = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def _ours(frame, event) -> bool:
    """A point to count: a call or return in ``FILES``, except a generator's yield and resume, where an error
    raised by a profiler ends the generator without its ``finally`` (a signal cannot: its handler raises inside
    the generator, or in the caller once the yield is back)."""
    if not frame.f_code.co_filename.endswith(FILES):
        return False
    return not (event in ("call", "return") and frame.f_code.co_flags & _RESUMABLE)


def count_points(fn: Callable[[], object]) -> int:
    """How many points ``fn()`` passes (calls and returns in ``FILES``) when nothing stops it."""
    seen = [0]

    def profile(frame, event, arg):
        if event in _EVENTS and _ours(frame, event):
            seen[0] += 1
    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return seen[0]


def stop_at(k: int, signum: Optional[int] = None, when: Optional[Callable] = None) -> None:
    """From now on, in this thread, stop at the ``k``-th point (1-based): send this process ``signum`` (its
    handler raises the stop), or with None raise ``KeyboardInterrupt`` as Python's own SIGINT handler does.
    ``when(frame, event)``: count only the points it accepts. One stop, then the profiler is gone."""
    left = [k]

    def profile(frame, event, arg):
        if event not in _EVENTS or not _ours(frame, event) or (when is not None and not when(frame, event)):
            return
        left[0] -= 1
        if left[0] == 0:
            sys.setprofile(None)
            if signum is None:
                raise KeyboardInterrupt
            os.kill(os.getpid(), signum)        # the handler runs at once, here: the point is this one
    sys.setprofile(profile)


def status_write(status: str, event: str = "call"):
    """A ``when`` for :func:`stop_at`: the run store's ``set_status(run_id, status)``, at its call or return."""
    def when(frame, ev) -> bool:
        return (ev == event and frame.f_code.co_name == "set_status"
                and frame.f_locals.get("status") == status)
    return when


def created(frame, event) -> bool:
    """A ``when`` for :func:`stop_at`: the return of ``RunStore.create_run`` (the new run's row is committed)."""
    return event == "return" and frame.f_code.co_name == "create_run"


def stopped_worker_run(point: str):
    """A ``one_run`` for ``compare_jobs.run_parallel`` that sends its own worker SIGTERM (as the parent's stop,
    or the parent's death, does) at ``point`` of its first run, then runs the real ``one_run``."""
    return _POINTS[point]


def _one_run(when, evaluator, store, spec, algo, preset, seed):
    from naoviz.experiments.compare_runs import one_run
    if seed == 0:                                # one worker is stopped; the parent then stops the other
        stop_at(1, signal.SIGTERM, when)
    return one_run(evaluator, store, spec, algo, preset, seed)


def after_create(*args):
    return _one_run(created, *args)


def after_running(*args):
    return _one_run(status_write("running", "return"), *args)


def before_finished(*args):
    return _one_run(status_write("finished", "call"), *args)


_POINTS = {"after_create": after_create, "after_running": after_running, "before_finished": before_finished}

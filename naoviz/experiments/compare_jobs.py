"""``compare(..., jobs=N)``: a comparison's (searcher, seed) runs in N worker processes, one torch thread each.

Each run is already a function of its (searcher, seed) alone (every searcher seeds its own generators), so the
runs can go anywhere; the parent hands them out one at a time over a pipe per worker (spawn start method, no
inherited threads or CUDA state) and puts the results back in task order, so the summary is the one ``jobs=1``
gives, wall times aside. Under a run store every worker opens the store itself (WAL, one lock per run:
``RunStore.hold_run``), so a comparison killed part way resumes as with ``jobs=1``.

Stopping: the workers ignore SIGINT (a terminal's Ctrl-C reaches the whole process group; the parent decides);
the parent, stopped or failing, sends each worker SIGTERM, which raises ``KeyboardInterrupt`` in its run (a
stored run is then marked "stopped" wherever the stop lands: ``RunStore.marked``; as a Ctrl-C does in one
process), waits for them, and SIGKILLs any left after ``GRACE_S``. A worker ends with ``os._exit`` once its run
is marked (:func:`_exit_now`): the interpreter's teardown took seconds, every stop waited on it. A worker whose parent died (SIGKILL) stops itself the same way. A worker's exception comes
back as plain data (its kind, its one line, its traceback as a note) and is raised in the parent as the
run's own error.

Progress: with ``on_query``, each worker also sends its run's query count over the same pipe as the run goes
(at most every ``TICK_S``, and once more when the run ends), so the parent can show one bar over every query of
every run (``naoviz compare --jobs N``) that moves while long runs (NAO: ~10 s each) are under way.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Callable, Optional, Sequence

from naoviz.errors import NaovizError, cut_path
from naoviz.parent_watch import stop_with_parent

MAX_JOBS = 256          # --jobs' cap: more processes than this buy nothing on any machine we know
GRACE_S = 10.0          # how long stopped workers get to mark their runs "stopped" before SIGKILL
TICK_S = 0.2            # a worker sends its run's query count at most this often (and at the run's end)
_STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


CPU_MAX = Path("/sys/fs/cgroup/cpu.max")      # cgroup v2: "QUOTA PERIOD" (microseconds) or "max PERIOD"
CFS_DIR = Path("/sys/fs/cgroup/cpu")          # cgroup v1: cpu.cfs_quota_us (-1: none) and cpu.cfs_period_us


def quota_cpus(cpu_max: Path = CPU_MAX, cfs_dir: Path = CFS_DIR) -> Optional[int]:
    """The CPUs a cgroup quota lets this process use (a container's ``--cpus 2``: ``200000 100000`` -> 2;
    1.5 CPUs -> 2, rounded up: a worker per started CPU), at least 1; None when there is no quota: the
    file missing, unreadable or not two numbers, or it says ``max`` (v2) or -1 (v1). cpu.max first, then v1's
    files."""
    def numbers(*texts: str) -> Optional[tuple[int, int]]:
        try:
            quota, period = (int(t) for t in texts)
        except ValueError:                     # "max", a stray word, a missing number
            return None
        return (quota, period) if quota > 0 and period > 0 else None

    found = None
    try:
        found = numbers(*cpu_max.read_text().split())
    except OSError:
        try:
            found = numbers((cfs_dir / "cpu.cfs_quota_us").read_text().strip(),
                            (cfs_dir / "cpu.cfs_period_us").read_text().strip())
        except OSError:
            pass
    return None if found is None else max(1, -(-found[0] // found[1]))


def cpu_cores(cpu_max: Path = CPU_MAX, cfs_dir: Path = CFS_DIR) -> int:
    """The CPU cores this process may use (``--jobs auto``): the smaller of its affinity set (where the OS has
    one; else every core) and its cgroup CPU quota (:func:`quota_cpus`), at least 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:                      # not on Linux
        cores = os.cpu_count() or 1
    quota = quota_cpus(cpu_max, cfs_dir)
    return max(1, min(cores, quota) if quota is not None else cores)


def resolve_jobs(jobs) -> int:
    """``jobs`` as a process count: an int in 1..MAX_JOBS, or "auto" (:func:`cpu_cores`, capped)."""
    if jobs == "auto":
        return min(cpu_cores(), MAX_JOBS)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS:
        raise ValueError(f"jobs: must be auto or an int in 1..{MAX_JOBS}, got {jobs!r}")
    return jobs


def check_parallel(evaluator) -> None:
    """Only table look-ups run in parallel: a trained or supernet-scored cell would have N processes share one
    GPU's memory and load the data N times (a GPU box needs per-worker device pinning, not done)."""
    if getattr(evaluator, "name", None) != "table":
        raise ValueError(f"jobs: runs in parallel only look cells up in a table; the {evaluator.name!r} evaluator "
                         "trains or scores cells itself (one GPU and data set shared by every worker): use jobs 1")
    if not _in_process(evaluator):
        raise ValueError("jobs: the evaluator already sends its evaluations to a Dask cluster, which parallelises "
                         "inside each search: use one or the other")


def _in_process(evaluator) -> bool:
    from naoviz.executors import InProcessExecutor
    return isinstance(getattr(evaluator, "executor", None), InProcessExecutor)


class WorkerStopped(KeyboardInterrupt):
    """A worker was stopped by a signal its parent did not send (``signum``): the comparison stops as if the
    parent had been (the CLI's stop line, exit status 128 + signum)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def run_parallel(one_run: Callable, evaluator, store, spec, tasks: Sequence[tuple], jobs: int,
                 on_run: Optional[Callable[[dict], None]] = None, torch: bool = False,
                 on_query: Optional[Callable[[int, int], None]] = None) -> list:
    """``[one_run(evaluator, store, spec, *task) for task in tasks]`` computed in ``jobs`` spawned processes;
    ``on_run(run)`` is called in the parent as each finishes (completion order, ``run`` being the result's
    first item). ``torch``: pin each worker to one torch thread (NAO), as the CLI pins its own process.
    ``on_query(i, n)``: task ``i``'s run has made ``n`` queries (stored ones replayed included), called in the
    parent as the worker reports it (throttled: ``TICK_S``; the final count before ``on_run``); ``one_run`` then
    gets ``on_evaluation=`` a callback that counts them."""
    import multiprocessing as mp
    from multiprocessing.connection import wait
    ctx = mp.get_context("spawn")
    results: list = [None] * len(tasks)
    queue = list(enumerate(tasks))[::-1]                # popped from the end: task order
    workers: dict = {}                                  # connection -> [process, task index or None]
    try:
        for _ in range(min(jobs, len(tasks))):
            here, there = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(there, one_run, evaluator, store, spec, torch,
                                                               on_query is not None),
                               name="naoviz-compare-worker", daemon=True)
            workers[here] = [proc, None]                # before it starts: a stop now finds it too
            _start_without_sigint(proc)
            there.close()
            _hand_out(here, workers, queue, tasks)
        while any(slot[1] is not None for slot in workers.values()):
            busy = {c: s for c, s in workers.items() if s[1] is not None}
            ready = wait(list(busy) + [s[0].sentinel for s in busy.values()], timeout=1.0)
            for conn, (proc, index) in busy.items():
                if conn not in ready and proc.sentinel not in ready:
                    continue
                try:
                    kind, payload = conn.recv()
                except (EOFError, OSError):
                    proc.join(1.0)
                    algo, preset, seed = tasks[index][:3]
                    raise NaovizError(f"jobs: a worker process died (exit status {proc.exitcode}) running "
                                       f"{algo}{':' + preset if preset else ''} seed {seed}") from None
                if kind == "query":                     # a running run's query count: more follows
                    if on_query is not None:
                        on_query(index, payload)
                    continue
                if kind == "stopped":
                    raise WorkerStopped(payload)
                if kind == "error":
                    raise _rebuilt(payload)
                results[index] = payload
                workers[conn][1] = None
                if on_run is not None:
                    on_run(payload[0])
                _hand_out(conn, workers, queue, tasks)
        for proc, _ in workers.values():
            proc.join(GRACE_S)
        return results
    finally:
        stop_workers([proc for proc, _ in workers.values()])
        for conn in workers:
            conn.close()


def _hand_out(conn, workers: dict, queue: list, tasks) -> None:
    """The next task to the worker on ``conn``, or None (it exits) when none is left."""
    if queue:
        index, task = queue.pop()
        conn.send(task)
        workers[conn][1] = index
    else:
        conn.send(None)


def _start_without_sigint(proc) -> None:
    """Start ``proc`` with the stop signals (SIGINT, SIGTERM, SIGHUP) blocked across its exec, so a stop while it
    starts neither cuts the parent's write of its arguments short (the worker then printed an UnpicklingError
    traceback, and, its PID not yet known, was left to end by itself) nor lands while it imports. Blocked here,
    the parent gets a stop the moment the start returns, the worker once its handlers are in place (``_worker``)."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None or threading.current_thread() is not threading.main_thread():
        proc.start()
        return
    old = mask(signal.SIG_BLOCK, {signal.SIGINT, *_STOP_SIGNALS})
    try:
        proc.start()
    finally:
        mask(signal.SIG_SETMASK, old)


def stop_workers(procs: Sequence, grace_s: float = GRACE_S) -> None:
    """SIGTERM every live worker (each marks its run stopped and exits), wait up to ``grace_s``, SIGKILL the
    rest, and reap them all: no worker outlives the comparison."""
    live = [p for p in procs if p.exitcode is None and p.pid is not None]
    for proc in live:
        try:
            os.kill(proc.pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + grace_s
    for proc in live:
        proc.join(max(0.0, deadline - time.monotonic()))
    for proc in live:
        if proc.exitcode is None:
            proc.kill()
            proc.join(5.0)


class _Stop(KeyboardInterrupt):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_stop(signum, frame) -> None:
    for s in _STOP_SIGNALS:                     # one stop per worker: a second signal finds it stopping
        signal.signal(s, signal.SIG_IGN)
    raise _Stop(signum)


def _worker(conn, one_run, evaluator, store, spec, torch, ticks: bool = False) -> None:
    """A worker's loop: receive a task, send back ``("run", result)``, ``("error", _portable(...))`` or
    ``("stopped", signum)``; None ends it. ``ticks``: ``("query", n)`` messages (the run's query count so far,
    :class:`_Ticker`) come before a run's result. Nothing is printed from here, whatever happens."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # blocked at start (``_start_without_sigint``), now ignored
    try:
        for s in _STOP_SIGNALS:
            signal.signal(s, _raise_stop)
        if hasattr(signal, "pthread_sigmask"):        # a stop sent while it started is raised here
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, *_STOP_SIGNALS})
        stop_with_parent(0.1)      # parent SIGKILLed: stop as SIGTERM does (run marked stopped, lock released)
        if torch:
            import torch as _torch
            _torch.set_num_threads(1)
        try:
            getattr(evaluator, "table", None)   # loaded once before the first run, so no run's wall time has it
            failed = None
        except Exception as exc:                # said with the first task, as that run's error
            failed = exc
        while True:
            task = conn.recv()
            if task is None:
                return
            if failed is not None:
                conn.send(("error", _portable(failed, task)))
                return
            tick = _Ticker(conn) if ticks else None
            try:
                result = (one_run(evaluator, store, spec, *task) if tick is None else
                          one_run(evaluator, store, spec, *task, on_evaluation=tick))
                if tick is not None:
                    tick.send()                        # the run's final count, before its result
            except KeyboardInterrupt as exc:
                conn.send(("stopped", getattr(exc, "signum", signal.SIGTERM)))
                return
            except Exception as exc:
                conn.send(("error", _portable(exc, task)))
                return
            conn.send(("run", result))
    except BaseException:                       # stopped between runs, or the parent gone: nothing to report
        pass
    finally:
        for s in _STOP_SIGNALS:
            signal.signal(s, signal.SIG_IGN)
        try:
            conn.close()
        except OSError:
            pass
        _exit_now()


def _exit_now() -> None:
    """End the worker here, skipping the interpreter's teardown. A spawned process ends with ``sys.exit``, whose
    teardown of torch, numba and pandas took ~3 s of CPU (py-spy: no Python frame left, GIL held) and far more on
    a loaded machine, after every run had been marked and every evaluation committed: a stopped comparison
    waited on it (``GRACE_S``). Nothing is lost: the store's transactions are committed, its run locks are flocks
    the kernel drops, and the worker writes no other file."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(0)


class _Ticker:
    """An ``on_evaluation`` callback that counts a run's queries and sends ``("query", count)`` over ``conn``
    at most every ``TICK_S`` (table look-ups come hundreds a second: one message each would flood the pipe)."""

    def __init__(self, conn):
        self.conn, self.count, self.sent, self.last = conn, 0, -1, 0.0

    def __call__(self, record) -> None:
        self.count += 1
        if time.monotonic() - self.last >= TICK_S:
            self.send()

    def send(self) -> None:
        if self.count != self.sent:
            self.conn.send(("query", self.count))
            self.sent, self.last = self.count, time.monotonic()


# the kinds a worker's error keeps (the CLI prints each as its one line), first match; anything else: RuntimeError
_KINDS = {"NaovizError": NaovizError, "ValueError": ValueError, "KeyError": KeyError, "OSError": OSError}


def _portable(exc: Exception, task) -> dict:
    """``exc`` as plain data for the parent (no exception object crosses the pipe, so the parent never
    unpickles a class a worker names): its kind (the first of :data:`_KINDS` it is, else None), the one line
    the CLI would print for it, and the worker's traceback as a note (shown only where a traceback is)."""
    algo, preset, seed = task[:3]
    kind = next((name for name, cls in _KINDS.items() if isinstance(exc, cls)), None)
    if kind == "KeyError" and exc.args:
        message = str(exc.args[0])
    elif kind == "OSError" and not isinstance(exc, NaovizError) and exc.filename and exc.strerror:
        where = f"{exc.filename} -> {exc.filename2}" if exc.filename2 else str(exc.filename)
        message = f"{cut_path(where)}: {exc.strerror}"          # as naoviz.cli prints an OSError
    else:
        message = str(exc) if kind else f"{type(exc).__name__}: {exc}"
    note = (f"in a compare worker (PID {os.getpid()}) running {algo}{':' + preset if preset else ''} seed "
            f"{seed}:\n" + "".join(traceback.format_exception(exc)))
    return {"kind": kind, "message": message, "note": note}


def _rebuilt(error: dict) -> Exception:
    """A worker's error (:func:`_portable`) as an exception of its kind, raised in the parent."""
    kind = _KINDS.get(error.get("kind"), RuntimeError)
    exc = kind(str(error.get("message", "")))
    exc.add_note(str(error.get("note", "")))
    return exc

"""Where evaluations run: a ``concurrent.futures.Executor`` for an evaluator's ``evaluate_many``.

In-process by default (deterministic, no pickling), or a Dask ``distributed`` cluster, local worker processes
or a scheduler's, with ``retries``, so a worker that dies mid-evaluation costs a re-run, not a lost result.
On a machine with CUDA GPUs, local workers are pinned to them (``CUDA_VISIBLE_DEVICES``), one per GPU with
``local_cluster="auto"``: :func:`worker_environments` decides, from the GPU count alone.
Evaluators (``naoviz.evaluate``) say what an evaluation is; this module says where it runs.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import numbers
import os
import threading
from dataclasses import dataclass
from typing import Optional, Union


class InProcessExecutor(cf.Executor):
    """Runs each call at ``submit`` time in the calling thread: deterministic, no pickling, no threads."""

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


# Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536 (hand memory back to the OS early). Training a torch
# net under it spends as long in page faults as in compute: 2.2x slower per arch here (bench/dask_workers.py).
# Keep freed memory for reuse instead; the OMP/MKL/OpenBLAS = 1 thread settings stay as Dask sets them.
WORKER_MALLOC_ENV = {"MALLOC_TRIM_THRESHOLD_": 256 * 2**20, "MALLOC_MMAP_THRESHOLD_": 32 * 2**20}


def worker_environments(workers: Union[int, str], gpus: int, visible: Optional[str] = None,
                        cpu_workers: int = 2) -> list[dict]:
    """The environment variables of each local Dask worker (one dict per worker, so ``len`` = workers).

    ``workers``: ``"auto"`` = one worker per GPU, or ``cpu_workers`` CPU workers when there is none; an int N =
    N workers, pinned to the GPUs in turn (worker i to GPU i mod ``gpus``; N = ``gpus`` is one per GPU).
    ``gpus``: the CUDA devices this process sees (0: CPU workers, whose environment is left alone).
    ``visible``: this process's ``CUDA_VISIBLE_DEVICES``; a worker is pinned to one of *its* entries (``"2,3"``:
    the workers get ``"2"`` and ``"3"``), so a machine shared by restricting devices stays restricted.
    Pure: nothing is detected or started here (the caller passes :func:`cuda_device_count`).
    """
    if isinstance(gpus, bool) or not isinstance(gpus, numbers.Integral) or gpus < 0:
        raise ValueError(f"gpus: expected a count >= 0, got {gpus!r}")
    if workers == "auto":
        n = gpus or cpu_workers
    elif isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or workers < 1:
        raise ValueError(f"local_cluster: need at least 1 worker or 'auto', got {workers!r}")
    else:
        n = int(workers)
    if not gpus:
        return [{} for _ in range(n)]
    ids = [d.strip() for d in visible.split(",") if d.strip()] if visible else []
    ids = (ids or [str(i) for i in range(gpus)])[:gpus]
    return [{"CUDA_VISIBLE_DEVICES": ids[i % len(ids)]} for i in range(n)]


# Device nodes of a GPU torch.cuda could see on Linux: NVIDIA's driver, WSL2's GPU paravirtualisation, AMD ROCm.
GPU_NODES = ("/dev/nvidiactl", "/dev/nvidia0", "/proc/driver/nvidia", "/dev/dxg", "/dev/kfd")


def cuda_device_count() -> int:
    """CUDA devices torch sees here (0 without torch or CUDA); asks the driver (NVML) without creating a
    CUDA context, so the workers started afterwards get the devices whole. On Linux without any GPU device
    node the answer is 0 without importing torch (seconds of a CPU-only table search's cluster start)."""
    import sys
    if (sys.platform.startswith("linux") and "torch" not in sys.modules
            and not any(os.path.exists(p) for p in GPU_NODES)):
        return 0
    try:
        import torch
    except ImportError:
        return 0
    return int(torch.cuda.device_count()) if torch.cuda.is_available() else 0


def cpu_worker_count() -> int:
    """CPU cores this process may use (the ``auto`` worker count without a GPU)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:                       # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class ClusterConfig:
    """Where evaluations run. Default: in-process. ``scheduler`` (``tcp://host:port``) or ``local_cluster``
    (N worker processes, 1 thread each; ``True`` = 2; ``"auto"`` = one per GPU, else one per CPU core) selects
    Dask; ``retries`` re-runs an evaluation whose worker died. ``gpus``: the GPU count the local workers are
    pinned to (None: :func:`cuda_device_count`)."""

    scheduler: Optional[str] = None
    local_cluster: Union[bool, int, str] = False
    retries: int = 2
    gpus: Optional[int] = None


class Executors:
    """Context manager that yields a ``concurrent.futures.Executor`` for a :class:`ClusterConfig`."""

    def __init__(self, config: Optional[ClusterConfig] = None):
        self.config = config or ClusterConfig()
        self._client = self._cluster = self._scratch = None

    def __enter__(self) -> cf.Executor:
        c = self.config
        if c.scheduler and c.local_cluster:
            raise ValueError("scheduler: give either a scheduler address or local_cluster, not both")
        if not c.scheduler and not c.local_cluster:
            return InProcessExecutor()
        from distributed import Client, LocalCluster
        if c.scheduler:
            if not str(c.scheduler).startswith(("tcp://", "tls://", "inproc://", "ws://", "wss://")):
                raise ValueError(f"scheduler: expected an address like tcp://host:8786, got {c.scheduler!r}")
            from naoviz.dask_connect import NoHandshake, check_tls_config, client_security, handshake, tls_refused
            from naoviz.errors import NaovizError
            failed = None
            check_tls_config(str(c.scheduler))
            security = client_security(str(c.scheduler))
            try:
                if str(c.scheduler).startswith(("tcp://", "tls://")):
                    handshake(str(c.scheduler), CONNECT_S, HANDSHAKE_S, security.get_connection_args("client"))
                self._client = Client(c.scheduler, timeout=f"{CONNECT_S:g}s", security=security)
            except NoHandshake as exc:
                failed = f"--scheduler: {c.scheduler} {exc}"
            except (OSError, TimeoutError) as exc:
                if str(c.scheduler).startswith("tls://") and tls_refused(exc):
                    failed = (f"--scheduler: {c.scheduler} refused the TLS handshake (it does not accept the "
                              f"certificate in Dask's distributed.comm.tls config, or it is no TLS scheduler)")
                else:   # named as the option that gave the address (search/compare --scheduler; the field's too)
                    failed = f"--scheduler: cannot reach the Dask scheduler at {c.scheduler} ({exc})"
            except Exception as exc:   # something answered, not as a Dask scheduler (an HTTP port, a proxy): Dask
                # then fails anywhere in its handshake (a MemoryError for a garbage frame length, a ValueError, ...)
                # whose text ('Unable to allocate 3.07 EiB ...') tells a user nothing: named by its type only
                failed = (f"--scheduler: {c.scheduler} did not answer as a Dask scheduler (another protocol there, "
                          f"an HTTP server or a proxy?; Dask's read of it failed with {type(exc).__name__})")
            if failed is not None:
                _finalize_half_built_clients()
                raise NaovizError(failed)
        else:
            workers = 2 if c.local_cluster is True else c.local_cluster
            gpus = cuda_device_count() if c.gpus is None else c.gpus
            envs = worker_environments(workers, gpus, os.environ.get("CUDA_VISIBLE_DEVICES"), cpu_worker_count())
            import dask
            environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **WORKER_MALLOC_ENV}
            from naoviz.dask_connect import local_cluster_security
            security = local_cluster_security()
            with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}), self._closed_on_error():
                scratch = self._scratch = private_scratch(dask.config.get("temporary-directory", None))
                # Scheduler, nannies, workers and the Dask dashboard listen on this machine only, and speak
                # mutual TLS with a key made for this cluster (local_cluster_security): any account of the
                # machine reaches 127.0.0.1, and a Dask connection runs the pickled functions it submits.
                # Their scratch folders go in a folder of this user's own, not Dask's shared default
                # (private_scratch): Dask puts each one first on sys.path, here and in the workers.
                self._cluster = LocalCluster(n_workers=0, threads_per_worker=1, processes=True,
                                             host="127.0.0.1", dashboard_address="127.0.0.1:0", security=security,
                                             local_directory=scratch, scheduler_kwargs={"local_directory": scratch})
                # One spec per worker: its nanny's env (kept when the nanny restarts a dead worker).
                spec = self._cluster.new_spec
                # preload (dask_setup below): Ctrl-C at a terminal signals the whole process group; the
                # workers leave it to this process, which closes them, instead of each printing a traceback
                self._cluster.worker_spec.update(
                    {i: {"cls": spec["cls"], "options": {**spec["options"], "env": env, "preload": [__name__]}}
                     for i, env in enumerate(envs)})
                self._cluster.scale(len(envs))
                self._client = Client(self._cluster)
                # The nannies start asynchronously and read pre-spawn-environ then: wait inside this block.
                self._client.wait_for_workers(len(envs), timeout=120)
        return self._client.get_executor(retries=int(c.retries), pure=False)

    @contextlib.contextmanager
    def _closed_on_error(self):
        """A cluster that fails to start (a worker that never comes up) is closed, not left running."""
        try:
            yield
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise

    @property
    def client(self):
        return self._client

    def __exit__(self, exc_type=None, *exc) -> None:
        stopped = exc_type is not None and issubclass(exc_type, KeyboardInterrupt) and \
            (self._client is not None or self._cluster is not None)
        try:
            with _quiet_dask_logs() if stopped else contextlib.nullcontext():
                self._close(exc_type)
        finally:
            self._client = self._cluster = None
            if self._scratch is not None:
                drop_scratch(self._scratch)
                self._scratch = None

    def _close(self, exc_type) -> None:
        """Close the client, then the cluster; a part's failing close while an exception propagates is passed over."""
        for part in (self._client, self._cluster):
            if part is None:
                continue
            try:
                part.close()
            except Exception:
                # Stopped while the cluster started (Ctrl-C, SIGTERM), Dask's close can fail in its own
                # cleanup (distributed 2026.8: an UnboundLocalError from utils.sync when the close's task is
                # cancelled); the stop is what the user asked for and what is raised, not this traceback.
                if exc_type is None:
                    raise


def private_scratch(temporary_directory: Optional[str] = None) -> str:
    """A new folder of this user's own (mode 0700) for a local cluster's scratch folders, in Dask's
    ``temporary-directory`` (else the system's temporary folder). Dask's default, ``<tmp>/dask-scratch-space``,
    is one name for every account of the machine: another user who makes it first (world-writable) owns it, and
    Dask puts the scheduler's, each nanny's and each worker's folder in it first on ``sys.path`` (this process's
    and, through the spawn, the workers'), so a module planted there is imported instead of the real one."""
    import tempfile
    return tempfile.mkdtemp(prefix="naoviz-dask-", dir=temporary_directory or None)


def drop_scratch(scratch: str) -> None:
    """Remove ``scratch`` (:func:`private_scratch`) and the ``sys.path`` entries Dask left for it in this
    process: once the folder is gone, another user could make one at that known name."""
    import shutil
    import sys
    sys.path[:] = [p for p in sys.path if not (p == scratch or p.startswith(scratch + os.sep))]
    shutil.rmtree(scratch, ignore_errors=True)


CONNECT_S = 10.0      # Dask's connect timeout: the TCP connection, retried (an OSError after it)
HANDSHAKE_S = 20.0    # connection and the scheduler's handshake, which Dask itself waits for without a limit


def _finalize_half_built_clients() -> None:
    """Close, here and now, the ``Client`` whose constructor just failed. Its exception's traceback holds it in a
    reference cycle (Dask's ``sync`` keeps the error in a local of the frame it raises from), so without this the
    cyclic garbage collector runs its ``__del__`` -> ``close()`` -> ``LoopRunner.stop()`` at some later
    allocation; when that allocation is inside another ``LoopRunner.start()`` (the next ``LocalCluster`` or
    ``Client``), both want Dask's class-wide, non-reentrant ``LoopRunner._lock`` and the process hangs for
    ever at 0 % CPU (seen once in a pytest run of the Dask tests; distributed 2026.8). Called with no exception
    being handled, so the cycle is unreachable and one collection finalizes it while no Dask lock is held."""
    import gc
    gc.collect()


QUIETED_LOGGERS = ("distributed", "distributed.client", "distributed.comm", "distributed.core", "tornado",
                   "tornado.application", "asyncio")


_QUIET_LOCK = threading.Lock()
_QUIET = {"depth": 0, "levels": {}}     # stops closing now, and the loggers' levels from before the first


@contextlib.contextmanager
def _quiet_dask_logs():
    """While a stopped cluster closes: closing the client cancels the evaluations in flight, and Dask and tornado
    log each cancelled gather as an error with its traceback (50 lines before ``naoviz compare: interrupted``).
    The user stopped the work on purpose, so these loggers say nothing until the close returns; their levels are
    then put back, as a long-lived process (a Jupyter kernel that interrupted a search) still wants them.
    Counted under a lock: stops that overlap (two ``Executors`` closing in two threads) quiet the loggers at the
    first, save their levels only then, and put them back at the last, whatever order they end in (each saving
    and restoring its own, the first to end put the levels back under the second, which then restored its
    "before": CRITICAL + 1, and the loggers stayed silent for the rest of the process)."""
    import logging
    with _QUIET_LOCK:
        if _QUIET["depth"] == 0:
            _QUIET["levels"] = {name: logging.getLogger(name).level for name in QUIETED_LOGGERS}
            for name in QUIETED_LOGGERS:
                logging.getLogger(name).setLevel(logging.CRITICAL + 1)
        _QUIET["depth"] += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _QUIET["depth"] -= 1
            if _QUIET["depth"] == 0:
                levels, _QUIET["levels"] = _QUIET["levels"], {}
                for name, level in levels.items():
                    logging.getLogger(name).setLevel(level)


def dask_setup(worker=None) -> None:
    """Dask preload hook, run in each local worker process as it starts (``preload=["naoviz.executors"]``):
    the worker only notes a SIGINT. A Ctrl-C at a terminal reaches the whole process group; the naoviz process
    then closes the cluster (:class:`Executors`), and the workers would otherwise each print a KeyboardInterrupt
    traceback first. A SIGTERM waits for that close too (:func:`_term_after_grace`). The evaluation that closing
    cancels is not logged either (:class:`_ClosingQuiet`)."""
    import logging
    import signal
    import threading
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _note_group_stop)
        signal.signal(signal.SIGTERM, _term_after_grace)
    if worker is not None:
        logging.getLogger("distributed.worker.state_machine").addFilter(_ClosingQuiet(worker))
        logging.getLogger("distributed.worker").addFilter(_ClosingQuiet(worker))


_GROUP_STOP = []    # in a local worker: the stop signals (SIGINT, SIGTERM) that reached its process group


def _note_group_stop(signum, frame) -> None:
    """A local worker's SIGINT handler: the Ctrl-C is the naoviz process's to act on (it closes the cluster, or
    a second Ctrl-C ends it at once); the worker notes it and its Dask loggers say nothing more. Its failed
    heartbeat to the closing scheduler, or a "TLS handshake failed ... Connection reset by peer" WARNING from
    the naoviz process dying mid-connect, printed under the stop line (seen under load after a second Ctrl-C)."""
    import logging
    _GROUP_STOP.append(signum)
    for name in QUIETED_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


TERM_GRACE_S = 10.0    # a local worker's SIGTERM: how long it waits for the naoviz process to close it


def _term_after_grace(signum, frame) -> None:
    """A local worker's SIGTERM handler. ``kill -TERM -PGID`` or a job scheduler signals the whole group: the naoviz
    process, stopping, closes the cluster, but a worker that died of the signal at once made the scheduler (in the
    naoviz process) warn "Removing worker ... caused the cluster to lose already computed task(s)" under the stop
    line when the signal reached the workers first (seen under load). So the worker notes it as a Ctrl-C, and
    ends itself only if still running ``TERM_GRACE_S`` later (a SIGTERM sent to it alone) or at a second one."""
    if signum in _GROUP_STOP:
        os._exit(128 + signum)
    _note_group_stop(signum, frame)
    timer = threading.Timer(TERM_GRACE_S, os._exit, args=(128 + signum,))
    timer.daemon = True
    timer.start()


class _ClosingQuiet:
    """Logging filter in a local worker: drops Dask's "Async instruction for <Task ...> ended with
    CancelledError" warning while the worker is closing. Stopping a command (Ctrl-C, ``kill PID``) closes the
    cluster with evaluations in flight; closing the worker cancels each (Dask: "this should exclusively happen
    in Worker.close()"), and each worker logged one such line above the command's stop line. The same
    warning while the worker runs, and every other record, passes. Likewise the worker's "Failed to communicate
    with scheduler during heartbeat" traceback once it is closing or a Ctrl-C reached its group: the scheduler
    lives in the naoviz process, which is closing it (seen once under load in the Ctrl-C test). And always its
    "failed during get data with ADDRESS -> None" traceback: the requester that hung up mid-transfer was no peer
    worker but the naoviz process's client or scheduler, which speaks for itself (seen under load: ``kill PID``
    closed the client while a worker sent it a result, and the traceback came before the stop line)."""

    def __init__(self, worker):
        import weakref
        self._worker = weakref.ref(worker)

    def filter(self, record) -> bool:
        worker = self._worker()
        status = getattr(getattr(worker, "status", None), "name", "")
        message = record.getMessage()
        closing = status in ("closing", "closed", "closing_gracefully")
        if message.endswith("ended with CancelledError"):
            return not closing
        if message.startswith("Failed to communicate with scheduler during heartbeat"):
            return not (closing or _GROUP_STOP)
        if message.startswith("failed during get data with ") and message.endswith(" -> None"):
            return False
        return True

"""Where evaluations run: a ``concurrent.futures.Executor`` for an evaluator's ``evaluate_many``.

In-process by default (deterministic, no pickling), or a Dask ``distributed`` cluster, local worker processes
or a scheduler's, with ``retries``, so a worker that dies mid-evaluation costs a re-run, not a lost result.
Evaluators (``naoviz.evaluate``) say what an evaluation is; this module says where it runs.
"""
from __future__ import annotations

import concurrent.futures as cf
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


@dataclass
class ClusterConfig:
    """Where evaluations run. Default: in-process. ``scheduler`` (``tcp://host:port``) or ``local_cluster``
    (worker processes, 1 thread each) selects Dask; ``retries`` re-runs an evaluation whose worker died."""

    scheduler: Optional[str] = None
    local_cluster: Union[bool, int] = False
    retries: int = 2


class Executors:
    """Context manager that yields a ``concurrent.futures.Executor`` for a :class:`ClusterConfig`."""

    def __init__(self, config: Optional[ClusterConfig] = None):
        self.config = config or ClusterConfig()
        self._client = self._cluster = None

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
            try:
                self._client = Client(c.scheduler, timeout="10s")
            except (OSError, TimeoutError) as exc:
                from naoviz.errors import NaovizError
                raise NaovizError(f"scheduler: cannot reach the Dask scheduler at {c.scheduler} ({exc})") from exc
        else:
            n = 2 if c.local_cluster is True else int(c.local_cluster)
            if n < 1:
                raise ValueError(f"local_cluster: need at least 1 worker, got {c.local_cluster!r}")
            import dask
            environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **WORKER_MALLOC_ENV}
            with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
                # Scheduler, workers and the Dask dashboard listen on this machine only.
                self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                             host="127.0.0.1", dashboard_address="127.0.0.1:0")
            self._client = Client(self._cluster)
        return self._client.get_executor(retries=int(c.retries), pure=False)

    @property
    def client(self):
        return self._client

    def __exit__(self, *exc) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

"""Evaluators: how a searcher turns an architecture into metrics, and where that work runs.

An evaluator is a picklable callable ``evaluate(arch) -> {"metrics": {...}, "cost_s": float}``; the searcher
only reads ``metric`` (what it optimises), ``report`` (what tables quote) and ``cost_s``. Work goes through a
``concurrent.futures.Executor``: in-process by default, or a Dask ``distributed`` cluster (with ``retries``, so
a worker that dies mid-evaluation costs a re-run, not a lost result).
"""
from __future__ import annotations

import concurrent.futures as cf
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, Union

from naoviz.spaces.base import Arch, SearchSpace

_TABLES: dict[tuple[str, str], Any] = {}   # per-process cache: workers load a table once


def _load_table(name: str, directory: Optional[str]):
    """The benchmark ``name`` from ``directory`` (cached per process; Dask workers load their own copy)."""
    key = (name, directory or "")
    if key not in _TABLES:
        from naoviz.tables import load_benchmark
        _TABLES[key] = load_benchmark(name, Path(directory) if directory else None)
    return _TABLES[key]


class InProcessExecutor(cf.Executor):
    """Runs each call at ``submit`` time in the calling thread: deterministic, no pickling, no threads."""

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


class Evaluator:
    """Base class: subclasses implement :meth:`evaluate`; :meth:`evaluate_many` fans out over ``executor``."""

    name = "evaluator"
    space: SearchSpace
    metric: str = "valid_acc"
    report: str = "cifar10_test_acc"
    maximize: bool = True

    def __init__(self) -> None:
        self.executor: cf.Executor = InProcessExecutor()

    def evaluate(self, arch: Arch) -> dict:
        """``{"metrics": dict[str, float], "cost_s": float}`` for one architecture."""
        raise NotImplementedError

    def __call__(self, arch: Arch) -> dict:
        return self.evaluate(arch)

    def describe(self) -> dict:
        """JSON-able settings, enough to rebuild the evaluator on ``--resume``."""
        return {"name": self.name, "metric": self.metric, "report": self.report}

    def evaluate_many(self, archs: Sequence[Arch], max_in_flight: int = 32) -> Iterator[tuple[int, dict]]:
        """Yield ``(position, outcome)`` in completion order, keeping at most ``max_in_flight`` submitted:
        every submission carries a pickled evaluator, so submitting thousands at once costs gigabytes."""
        queue = iter(enumerate(archs))
        pending: dict = {}

        def submit_next() -> None:
            for i, arch in queue:
                pending[self.executor.submit(_call, self, arch)] = i
                return

        for _ in range(max(1, int(max_in_flight))):
            submit_next()
        while pending:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                position = pending.pop(future)
                submit_next()
                yield position, future.result()

    def use_executor(self, executor: cf.Executor) -> "Evaluator":
        self.executor = executor
        return self

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("executor", None)        # never ship a client to a worker
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.executor = InProcessExecutor()


def _call(evaluator: Evaluator, arch: Arch) -> dict:
    return evaluator.evaluate(arch)


class TableEvaluator(Evaluator):
    """Looks architectures up in a tabular benchmark (NB201 by default); cost = the table's training time.

    ``report`` defaults to the table's test accuracy (``cifar10_test_acc`` on NB201, ``test_acc`` on the
    digits table). ``delay_s`` sleeps per query to imitate a slow evaluation (used to exercise clusters and resume).
    Pickles without the table: a Dask worker loads it from ``directory`` (default: the data dir).
    """

    name = "table"

    def __init__(self, benchmark: Union[str, Any] = "nb201", metric: str = "valid_acc",
                 report: Optional[str] = None, cost: str = "train_time_s", delay_s: float = 0.0,
                 directory: Optional[str] = None):
        super().__init__()
        if isinstance(benchmark, str):
            self.benchmark_name, self._table = benchmark, None
        else:
            self.benchmark_name, self._table = benchmark.name, benchmark
        self.directory = str(directory) if directory else None
        table = self.table
        if report is None:            # the table's test accuracy: cifar10_test_acc on NB201, test_acc on digits
            report = next((m for m in ("cifar10_test_acc", "test_acc") if m in table.metrics), metric)
        for field, value in (("metric", metric), ("report", report)):
            if value not in table.metrics:
                raise ValueError(f"{field}: unknown metric {value!r} for {self.benchmark_name}; "
                                 f"available: {', '.join(table.metrics)}")
        if cost and cost not in table.metrics:
            raise ValueError(f"cost: unknown metric {cost!r} for {self.benchmark_name}")
        from naoviz.tables.benchmark import lower_is_better
        self.metric, self.report, self.cost, self.delay_s = metric, report, cost, float(delay_s)
        self.maximize = not lower_is_better(metric)
        self.space = table.space

    @property
    def table(self):
        if self._table is None:
            self._table = _load_table(self.benchmark_name, self.directory)
        return self._table

    def evaluate(self, arch: Arch) -> dict:
        if self.delay_s:
            time.sleep(self.delay_s)
        row = self.table.query(tuple(arch))
        metrics = {k: v for k, v in row.items() if k not in ("arch_str", "arch_index")}
        metrics["arch_index"] = row["arch_index"]
        return {"metrics": metrics, "cost_s": float(metrics.get(self.cost, 0.0)) if self.cost else 0.0}

    def best(self) -> tuple[float, float]:
        """(best search-metric value, reported metric of the best-by-search-metric arch) in the table."""
        index, value = self.table.best(self.metric)
        return value, float(self.table.query(index)[self.report])

    def report_optimum(self) -> float:
        """Best reported metric over the whole table (what 'reaching the optimum' means)."""
        return self.table.best(self.report)[1]

    def describe(self) -> dict:
        return {"name": self.name, "benchmark": self.benchmark_name, "metric": self.metric,
                "report": self.report, "cost": self.cost, "delay_s": self.delay_s,
                "directory": self.directory}

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["_table"] = None
        return state


class TrainingEvaluator(Evaluator):
    """Thin adapter over the child trainer (``naoviz.child``): trains ``arch`` and reports its metrics.

    ``train_fn(arch, **options) -> dict`` must return metrics including ``metric``/``report``; the cost is
    its ``train_time_s`` (else wall time). E.g. ``TrainingEvaluator(space, naoviz.child.build_table.train_metrics,
    epochs=4, data="digits")``. Kept as an adapter so the searcher never knows whether it queries a table or trains.
    """

    name = "training"

    def __init__(self, space: SearchSpace, train_fn, metric: str = "valid_acc",
                 report: str = "test_acc", maximize: bool = True, **options):
        super().__init__()
        self.space, self.train_fn, self.options = space, train_fn, options
        self.metric, self.report, self.maximize = metric, report, maximize

    def evaluate(self, arch: Arch) -> dict:
        start = time.perf_counter()
        metrics = dict(self.train_fn(tuple(arch), **self.options))
        for field in (self.metric, self.report):
            if field not in metrics:
                raise ValueError(f"metric: the trainer returned no {field!r} (got {sorted(metrics)})")
        wall = float(time.perf_counter() - start)
        return {"metrics": metrics, "cost_s": float(metrics.get("train_time_s", wall))}

    def describe(self) -> dict:
        fn = self.train_fn
        return {"name": self.name, "space": self.space.name, "metric": self.metric, "report": self.report,
                "maximize": self.maximize,
                "train_fn": f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', str(fn))}",
                "options": self.options}


# -- executors -----------------------------------------------------------------------------------
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


def evaluator_from_config(config: dict) -> Evaluator:
    """Rebuild an evaluator from its ``describe()`` (used by ``--resume``)."""
    if config.get("name") == "training":
        import importlib
        from naoviz.spaces import get_space
        module, _, qualname = str(config["train_fn"]).partition(":")
        fn = importlib.import_module(module)
        for part in qualname.split("."):
            fn = getattr(fn, part)
        return TrainingEvaluator(get_space(config["space"]), fn, metric=config["metric"], report=config["report"],
                                 maximize=config.get("maximize", True), **config.get("options", {}))
    if config.get("name") != "table":
        raise ValueError(f"evaluator: cannot rebuild evaluator {config.get('name')!r} from a stored run")
    return TableEvaluator(config["benchmark"], metric=config["metric"], report=config["report"],
                          cost=config.get("cost", "train_time_s"), delay_s=config.get("delay_s", 0.0),
                          directory=config.get("directory"))

"""Evaluators: how a searcher turns an architecture into metrics.

An evaluator is a picklable callable ``evaluate(arch) -> {"metrics": {...}, "cost_s": float}``; the searcher
only reads ``metric`` (what it optimises), ``report`` (what tables quote) and ``cost_s``. Where the work runs
(in-process, or a Dask cluster with retries) is ``naoviz.executors``; its names are importable from here too.
"""
from __future__ import annotations

import concurrent.futures as cf
import time
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, Union

from naoviz.errors import NaovizError, did_you_mean, show
from naoviz.executors import WORKER_MALLOC_ENV, ClusterConfig, Executors, InProcessExecutor
from naoviz.spaces.base import Arch, SearchSpace
from naoviz.train_functions import (
    check_train_options, register_train_function, train_function, train_function_name, train_functions)

# the executors' and train functions' names are public here too (the module's docstring)
__all__ = ["Evaluator", "TableEvaluator", "TrainingEvaluator", "evaluator_from_config", "WORKER_MALLOC_ENV",
           "ClusterConfig", "Executors", "InProcessExecutor", "check_train_options", "register_train_function",
           "train_function", "train_function_name", "train_functions"]

_TABLES: dict[tuple[str, str], Any] = {}   # per-process cache: workers load a table once


def _load_table(name: str, directory: Optional[str]):
    """The benchmark ``name`` from ``directory`` (cached per process; Dask workers load their own copy). The
    key holds the data folder ``directory=None`` means at the time of the call, so a process that changes
    ``NAOVIZ_DATA`` does not get the table of the folder it read first; a table file's key holds its path and a
    hash of its bytes, so an edited CSV is read again."""
    from naoviz.paths import data_dir
    from naoviz.tables.benchmark import BENCHMARKS
    if name not in BENCHMARKS:                # a table file: keyed by path and content, so an edit reloads
        from naoviz.tables.user_table import file_fingerprint
        try:
            key = (str(Path(name).expanduser().resolve()), file_fingerprint(Path(name).expanduser()))
        except OSError:
            key = (name, "missing")              # load_benchmark says what is wrong with it
    else:
        key = (name, str(Path(directory).expanduser().resolve()) if directory else str(data_dir()))
    if key not in _TABLES:
        from naoviz.tables import load_benchmark
        _TABLES[key] = load_benchmark(name, Path(directory) if directory else None)
    return _TABLES[key]


class Evaluator:
    """Base class: subclasses implement :meth:`evaluate`; :meth:`evaluate_many` fans out over ``executor``."""

    name = "evaluator"
    space: SearchSpace
    metric: str = "valid_acc"
    report: str = "cifar10_test_acc"
    maximize: bool = True
    constraints: tuple = ()          # naoviz.search.constraints.Constraint: feasibility of every evaluation
    objectives: tuple = ()           # Pareto search: the search metric first, then cost columns

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
        every submission carries a pickled evaluator, so submitting thousands at once costs gigabytes.
        In-process, each is evaluated when the previous one has been consumed (so a search stores every
        evaluation the moment it exists, not after the whole batch)."""
        if isinstance(self.executor, InProcessExecutor):
            for i, arch in enumerate(archs):
                yield i, _call(self, arch)
            return
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
                 directory: Optional[str] = None, constraints: Sequence = (), objectives: Sequence = ()):
        super().__init__()
        if isinstance(benchmark, str):
            self.benchmark_name, self._table = benchmark, None
        elif not (hasattr(benchmark, "metrics") and hasattr(benchmark, "space")):
            raise TypeError(f"benchmark: expected a table's name or path, or a table (load_benchmark(...)), "
                            f"got {type(benchmark).__name__} {show(benchmark)}")
        else:               # a table file's run names the file (what --resume reloads), a known table its name
            self.benchmark_name = benchmark.source if getattr(benchmark, "fingerprint", "") else benchmark.name
            self._table = benchmark
        self.directory = str(directory) if directory else None
        self._shipped = False            # True in a copy unpickled elsewhere (a Dask worker): see ``table``
        table = self.table
        self._fingerprint = getattr(table, "fingerprint", "")       # a table file's content, checked there
        if report is None:            # the table's test accuracy: cifar10_test_acc on NB201, test_acc on digits
            report = next((m for m in ("cifar10_test_acc", "test_acc") if m in table.metrics), metric)
        # a table file is named in errors as the user typed it, cut short (its absolute path can be hundreds of
        # characters): naoviz.tables.user_table.shown_path, the rule of every --table error
        if getattr(table, "fingerprint", ""):
            from naoviz.tables.user_table import shown_path
            typed = getattr(table, "given", "") or Path(table.source).name
            label = shown_path(typed, 40)           # 40: the error lists the table's columns too
            again = f" --table {label}" if label == typed else None    # a cut path: named once, not pasted
        else:
            label, again = self.benchmark_name, ""
        for field, value in (("metric", metric), ("report", report)):
            if not isinstance(value, str) or value not in table.metrics:
                where = "" if again is None else ": naoviz data show" + again
                shown = ", ".join(table.metrics[:5]) + (f", ... ({len(table.metrics)} in all{where})"
                                                         if len(table.metrics) > 5 else "")
                from naoviz.search.constraints import missing_column_hint
                raise ValueError(f"{field}: unknown metric {show(value)} for {label}"      # Valid_Acc for valid_acc
                                 + (did_you_mean(value, table.metrics) if isinstance(value, str) else "")
                                 + (missing_column_hint(value, table.metrics) or f"; available: {shown}"))
        if cost == "train_time_s" and cost not in table.metrics:
            cost = ""       # the default, on a table without training times (one of your own): queries cost 0 s
        if cost and cost not in table.metrics:
            raise ValueError(f"cost: unknown metric {show(cost)} for {label}")
        if isinstance(delay_s, bool) or not isinstance(delay_s, (int, float)) or not 0 <= delay_s <= 3600:
            raise ValueError(f"delay_s: must be a number of seconds in [0, 3600], got {show(delay_s)}")
        from naoviz.tables.benchmark import lower_is_better
        self.metric, self.report, self.cost, self.delay_s = metric, report, cost, float(delay_s)
        self.maximize = not lower_is_better(metric)
        self.space = table.space
        from naoviz.search.constraints import check_satisfiable, parse_constraints
        numeric = [m for m in table.metrics if m != "arch_index"]
        self.constraints = parse_constraints(constraints or (), numeric)     # one text, or a list of them
        check_satisfiable(table, self.constraints, label)   # no feasible row: every query would be wasted
        if objectives and not isinstance(objectives, str) and not hasattr(objectives, "__iter__"):
            raise ValueError(f"objectives: expected column names (a list, or one comma-separated text), "
                             f"got {show(objectives)}")
        objectives = [o.strip() for o in objectives.split(",")] if isinstance(objectives, str) else list(objectives or ())
        if objectives:
            if len(objectives) < 2 or len(set(objectives)) != len(objectives):
                raise ValueError("objectives: need two or more distinct columns (e.g. "  # as typed
                                 f"valid_acc,latency_pixel3), got {show(','.join(map(str, objectives)))}")
            bad = [o for o in objectives if not isinstance(o, str) or o not in numeric]
            if bad:
                from naoviz.search.constraints import columns_hint, missing_column_hint
                raise ValueError(f"objectives: unknown column {show(bad[0])}"
                                 + (did_you_mean(bad[0], numeric) if isinstance(bad[0], str) else "")
                                 + (missing_column_hint(bad[0], numeric) or columns_hint(numeric)))
            if objectives[0] != metric:
                raise ValueError(f"objectives: the first objective must be the search metric {metric!r}, "
                                 f"got {show(objectives[0])}")
        self.objectives = tuple(objectives)

    @property
    def table(self):
        if self._table is None:
            try:
                table = _load_table(self.benchmark_name, self.directory)
            except NaovizError as exc:
                if not getattr(self, "_shipped", False):
                    raise
                raise NaovizError(_worker_table_error(self.benchmark_name, self.directory, exc)) from None
            if getattr(self, "_shipped", False) and getattr(self, "_fingerprint", "") not in ("", getattr(table, "fingerprint", "")):
                raise NaovizError(f"table file {self.benchmark_name} on Dask worker {_host()} is not the client's "
                                  f"(another file at that path): give every worker the same file")
            self._table = table
        return self._table

    @property
    def pool(self) -> Optional[dict]:
        """None when the table answers every class; for a partial table (a file with fewer rows than the
        space's 6,466 classes) canonical id -> the arch of each class it has: what a search may propose
        (``SearchContext`` draws, dedupes and caps the budget by it)."""
        table = self.table
        if table.complete:
            return None
        return {c: table.space.from_index(i) for c, i in table.class_rows().items()}

    def evaluate(self, arch: Arch) -> dict:
        if self.delay_s:
            time.sleep(self.delay_s)
        row = self.table.query(arch)          # a tuple, a list or a cell string; a bad one is named "arch"
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
                "directory": self.directory,
                **({"constraints": [str(c) for c in self.constraints]} if self.constraints else {}),
                **({"objectives": list(self.objectives)} if self.objectives else {})}

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["_table"], state["_shipped"] = None, True
        return state


def _host() -> str:
    import socket
    return socket.gethostname()


def _worker_table_error(name: str, directory: Optional[str], exc: Exception) -> str:
    """One line for a Dask worker (a copy of the evaluator in another process) that cannot load the client's
    table: a table file is read at the client's path, NB201 from the worker's own NAOVIZ_DATA (or ``directory``)."""
    from naoviz.tables.benchmark import BENCHMARKS, nb201_missing
    if name not in BENCHMARKS:
        if not Path(name).exists():
            return (f"table file {name} not found on Dask worker {_host()}: every worker reads it at the "
                    f"client's path (copy it there, or use a shared disk)")
        return f"table file {name} on Dask worker {_host()}: {exc}"
    missing = nb201_missing(Path(directory) if directory else None) if name == "nb201" else None
    where = "the folder given to the evaluator" if directory else "its NAOVIZ_DATA"
    return (f"{missing} on Dask worker {_host()} ({where}): set NAOVIZ_DATA on every worker to a folder "
            f"with the tables" if missing else f"Dask worker {_host()}: {exc}")


class TrainingEvaluator(Evaluator):
    """Thin adapter over the child trainer (``naoviz.child``): trains ``arch`` and reports its metrics.

    ``train_fn(arch, **options) -> dict`` must return metrics including ``metric``/``report``; the cost is
    its ``train_time_s`` (else wall time). ``train_fn`` is a registered training function, by name
    (``"child-trainer"`` = ``naoviz.child.build_table.train_metrics``) or the function itself; others are
    added with :func:`register_train_function`. ``options`` are JSON scalars under keys ``train_fn`` takes.
    E.g. ``TrainingEvaluator(space, "child-trainer", epochs=4, data="digits")``. Kept as an adapter so the
    searcher never knows whether it queries a table or trains.
    """

    name = "training"

    def __init__(self, space: SearchSpace, train_fn, metric: str = "valid_acc",
                 report: str = "test_acc", maximize: bool = True, **options):
        super().__init__()
        if not isinstance(space, SearchSpace):
            raise TypeError(f"space: expected a search space (naoviz.spaces.get_space('nb201')), "
                            f"got {type(space).__name__} {show(space)}")
        if isinstance(train_fn, str):
            try:
                self.train_fn_name, self.train_fn = train_fn, train_function(train_fn)
            except ValueError as exc:
                raise ValueError(f"train_fn: {exc}") from None
        else:
            self.train_fn_name, self.train_fn = train_function_name(train_fn), train_fn
        for field, value in (("metric", metric), ("report", report)):
            if not isinstance(value, str) or not value:
                raise ValueError(f"{field}: expected a metric name, got {value!r}")
        if not isinstance(maximize, bool):
            raise ValueError(f"maximize: expected true or false, got {maximize!r}")
        self.space, self.options = space, check_train_options(self.train_fn_name, options)
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
        return {"name": self.name, "space": self.space.name, "metric": self.metric, "report": self.report,
                "maximize": self.maximize, "train_fn": self.train_fn_name, "options": self.options}


_STORED_KEYS = {"training": {"name", "space", "metric", "report", "maximize", "train_fn", "options"},
                "table": {"name", "benchmark", "metric", "report", "cost", "delay_s", "directory", "constraints",
                          "objectives"},
                "supernet": {"name", "metric", "report", "config"}}       # naoviz.child.oneshot


def evaluator_from_config(config: dict) -> Evaluator:
    """Rebuild an evaluator from its ``describe()`` (used by ``--resume``).

    The config comes from a data file, so nothing in it picks code: the training function is looked up by
    registered name (:func:`train_function`), the space by :func:`naoviz.spaces.get_space`, the table by
    :func:`naoviz.tables.load_benchmark`; unknown keys and ill-typed values are refused before anything runs.
    """
    if not isinstance(config, dict):
        raise ValueError(f"evaluator: expected an object, got {type(config).__name__}")
    kind = config.get("name")
    if kind not in _STORED_KEYS:
        raise ValueError(f"evaluator: cannot rebuild evaluator {kind!r} from a stored run; "
                         f"known: {', '.join(_STORED_KEYS)}")
    unknown = sorted(set(config) - _STORED_KEYS[kind])
    if unknown:
        raise ValueError(f"evaluator: unknown key(s) {', '.join(map(repr, unknown))} in a stored {kind} evaluator")
    if kind == "supernet":
        from naoviz.child.supernet_evaluator import SupernetEvaluator
        if not isinstance(config.get("config"), dict):
            raise ValueError(f"evaluator: config must be an object, got {config.get('config')!r}")
        return SupernetEvaluator(metric=config.get("metric"), report=config.get("report"), **config["config"])
    if kind == "training":
        fn = train_function(config.get("train_fn"))      # refuses unregistered names before any import
        from naoviz.spaces import get_space
        if not isinstance(config.get("space"), str):
            raise ValueError(f"evaluator: space must be a space name, got {config.get('space')!r}")
        return TrainingEvaluator(get_space(config["space"]), fn, metric=config.get("metric"),
                                 report=config.get("report"), maximize=config.get("maximize", True),
                                 **check_train_options(config["train_fn"], config.get("options", {})))
    for key in ("benchmark", "metric", "report"):
        if not isinstance(config.get(key), str):
            raise ValueError(f"evaluator: {key} must be a string, got {config.get(key)!r}")
    for key in ("cost", "directory"):
        if config.get(key) is not None and not isinstance(config[key], str):
            raise ValueError(f"evaluator: {key} must be a string or null, got {config[key]!r}")
    delay = config.get("delay_s", 0.0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay < float("inf"):
        raise ValueError(f"evaluator: delay_s must be a finite number >= 0, got {delay!r}")
    for key in ("constraints", "objectives"):
        if not isinstance(config.get(key, []), list) or not all(isinstance(x, str) for x in config.get(key, [])):
            raise ValueError(f"evaluator: {key} must be a list of strings, got {config.get(key)!r}")
    return TableEvaluator(config["benchmark"], metric=config["metric"], report=config["report"],
                          cost=config.get("cost", "train_time_s"), delay_s=delay,
                          directory=config.get("directory"), constraints=config.get("constraints", []),
                          objectives=config.get("objectives", []))

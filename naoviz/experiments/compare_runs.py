"""A comparison's (searcher, seed) runs: each searched, taken up or read back from the run store, as its entry in
``compare``'s summary and its incumbent curve (``naoviz.experiments.search.compare`` summarises them).

Under a store, the runs that finished there with a whole record are read back first, in the calling process
(``finished_search``: nothing searched, evaluated or written, no worker started for them); only the rest are
run, one after another or in ``jobs`` worker processes (``compare_jobs``), and resumed or replayed where the
store holds part of them (``search_or_resume``).
"""
from __future__ import annotations

import dataclasses
import itertools
import time
from typing import Callable, Optional

import numpy as np

from naoviz.experiments.compare_record import label
from naoviz.search.result import SOURCES, incumbent_index
from naoviz.search.runs import finished_search, search_or_resume

OPTIMUM_TOL = 1e-9


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """What every run of one comparison shares (sent to each worker under ``jobs``)."""

    budget: int
    checks: tuple                   # checkpoints (queries), the budget included
    optimum: Optional[float]
    report_sign: float              # +1: a higher reported value is better
    hw: bool                        # --constraint / --objectives: constrained.run_stats per run
    progress: bool = False


def one_run(evaluator, store, spec: RunSpec, algo: str, preset: Optional[str], seed: int,
            on_evaluation: Optional[Callable] = None) -> tuple[dict, list]:
    """Search (or take up from ``store``) one (algo, seed): its ``runs`` entry and its incumbent curve.
    ``on_evaluation(record)`` after each query (a replayed one too)."""
    start = time.perf_counter()
    res = search_or_resume(algo, evaluator, spec.budget, int(seed), preset=preset, progress=spec.progress,
                           store=store, on_evaluation=on_evaluation)
    return _entry(evaluator, spec, algo, preset, res, time.perf_counter() - start)


def stored_run(evaluator, store, spec: RunSpec, algo: str, preset: Optional[str], seed: int,
               finished: Optional[dict] = None) -> Optional[tuple[dict, list]]:
    """``one_run``'s answer for a run that finished in ``store`` with a whole record, read back
    (``finished_search``: nothing searched, evaluated or written; ``stored`` true in its entry, ``wall_s`` the
    reading's), or taken from ``finished`` (:func:`read_finished`'s, read before) without reading it again; None
    for any other, which ``one_run`` then runs, resumes or replays."""
    if finished is not None:
        got = finished.get((algo, preset, int(seed)))
        return None if got is None else _entry(evaluator, spec, algo, preset, *got)
    start = time.perf_counter()
    res = finished_search(algo, evaluator, spec.budget, int(seed), preset=preset, store=store)
    return None if res is None else _entry(evaluator, spec, algo, preset, res, time.perf_counter() - start)


def _entry(evaluator, spec: RunSpec, algo: str, preset: Optional[str], res, wall: float) -> tuple[dict, list]:
    """Search result ``res`` of one (algo, seed) as its ``runs`` entry and its incumbent curve."""
    curve = res.incumbent_curve()
    hit = at_optimum(curve, spec.optimum, spec.report_sign)
    checks = spec.checks
    run = {"algo": label(algo, preset), "seed": int(res.seed), "wall_s": wall, "final": float(curve[-1]),
           "run_id": res.run_id, "replayed": int(sum(r.replayed for r in res.history)), "stored": bool(res.stored),
           "train_time_s": res.train_time_s, **res.counts(),
           "at": {str(c): float(curve[c - 1]) for c in checks},
           "counts_at": {str(c): counts_prefix(res, c) for c in checks},
           "queries_to_optimum": int(np.argmax(hit)) + 1 if hit.any() else None,
           "retrieved": res.retrieved()}       # decoder queries retrieved from the pool, not LSTM-decoded
    if spec.hw:
        from naoviz.experiments import constrained
        run["hw"] = constrained.run_stats(evaluator, res, checks, spec.optimum)
    return run, curve


def all_runs(evaluator, algos, seeds, spec: RunSpec, on_run, store, jobs: int, on_query=None,
             on_plan=None, finished: Optional[dict] = None) -> list:
    """(run, curve) of every (algo, seed), algos outer, seeds inner: in this process, one after another, or
    in ``jobs`` worker processes; the same list either way. Under ``store`` the runs that finished there with a
    whole record are read back first, in this process (``stored_run``; ``finished``: those :func:`read_finished`
    read already, none read again), and only the rest are run (never shipped to a worker); ``on_plan(read,
    total)`` says how many were read, before any run starts."""
    tasks = [(algo, preset, int(seed)) for algo, preset in algos for seed in seeds]
    out = [stored_run(evaluator, store, spec, *task, finished=finished) if store is not None else None
           for task in tasks]
    rest = [i for i, done in enumerate(out) if done is None]
    if on_plan is not None:
        on_plan(len(tasks) - len(rest), len(tasks))
    for i, done in enumerate(out):
        if done is not None:
            if on_query is not None:
                on_query(i, spec.budget)
            if on_run is not None:
                on_run(done[0])
    if jobs > 1 and rest:                     # as a fresh comparison: its worker pins torch to one thread
        from naoviz.experiments import compare_jobs
        torch = any(tasks[i][0] == "nao" for i in rest)
        ran = compare_jobs.run_parallel(one_run, evaluator, store, dataclasses.replace(spec, progress=False),
                                        [tasks[i] for i in rest], jobs, on_run, torch=torch,
                                        on_query=None if on_query is None else lambda j, n: on_query(rest[j], n))
        for i, done in zip(rest, ran):
            out[i] = done
        return out
    for i in rest:
        counted = None if on_query is None else _counter(on_query, i)
        out[i] = one_run(evaluator, store, spec, *tasks[i], on_evaluation=counted)
        if on_run is not None:
            on_run(out[i][0])
    return out


def read_finished(evaluator, algos, budget: int, seeds, store) -> dict:
    """``{(algo, preset, seed): (result, seconds to read it)}`` of every run that finished in ``store`` with a
    whole record (``finished_search``), each read once: ``naoviz compare`` decides from it whether NAO's model
    must be built and a Dask cluster started (:func:`all_finished`), then passes it to ``compare(finished=...)``,
    which reads none of them again (each was read up to three times: for NAO, for the cluster, for the runs)."""
    out = {}
    for algo, preset in algos:
        for seed in seeds:
            start = time.perf_counter()
            res = finished_search(algo, evaluator, budget, int(seed), preset=preset, store=store)
            if res is not None:
                out[(algo, preset, int(seed))] = (res, time.perf_counter() - start)
    return out


def all_finished(finished: dict, algos, seeds) -> bool:
    """Whether every (algo, seed) run is in ``finished`` (:func:`read_finished`'s), so that ``all_runs`` will run
    none of them: ``naoviz compare`` then builds no NAO model and starts no Dask cluster (and connects to none)
    for evaluations that will not be made."""
    return all((algo, preset, int(seed)) in finished for algo, preset in algos for seed in seeds)


def _counter(on_query: Callable[[int, int], None], i: int) -> Callable:
    """An ``on_evaluation`` callback that calls ``on_query(i, n)`` with run ``i``'s n-th query (1, 2, ...)."""
    made = itertools.count(1)
    return lambda record: on_query(i, next(made))


def at_optimum(values: np.ndarray, optimum: Optional[float], report_sign: float) -> np.ndarray:
    """Boolean mask: reported ``values`` at the optimum, in the report metric's direction (NaN never is)."""
    values = np.asarray(values, dtype=float)
    if optimum is None:
        return np.zeros(values.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        return report_sign * (values - float(optimum)) >= -OPTIMUM_TOL


def counts_prefix(res, n: int) -> dict:
    """Source counts of the first ``n`` queries and of the incumbent after query ``n``."""
    hist = res.history[:n]
    q = {s: sum(r.source == s for r in hist) for s in SOURCES}
    best = hist[int(incumbent_index(hist, res.maximize)[-1])] if hist else None
    return {"queries": q, "incumbent_source": best.source if best else None}

"""Searches that survive: start a run in the store, or resume one by replaying its stored evaluations.

The store row of a run holds everything needed to rebuild it (algo, searcher config, budget, evaluator
settings, seed); a resumed searcher re-proposes the same archs from the same seed, takes the answers it
already has from the store and evaluates only the rest, so no finished evaluation is lost or repeated.
A search ended by its ``stop`` flag (the Search tab's stop button) is marked "stopped" and resumes the same way.
A run that already finished is not replayed: its result is read back from the store (``stored_result``;
``finished_search`` for ``naoviz compare --store``).
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Optional

from naoviz.errors import check_function, show
from naoviz.evaluate import Evaluator, evaluator_from_config
from naoviz.search.nao_presets import budgets_of
from naoviz.search.base import check_budget, check_run_args
from naoviz.search.registry import make_searcher, rebuild_searcher
from naoviz.search.result import Record, SearchResult
from naoviz.search.stored import finished_result
from naoviz.store import check_int


def run_config(algo: str, searcher, evaluator: Evaluator, budget: int, preset: Optional[str]) -> dict:
    """The JSON stored with a run: enough to rebuild searcher and evaluator on ``--resume``. ``preset`` is
    the name asked for; ``preset_label`` says what ran (``default (sweep_projected under constraints)``); ``searcher``
    holds every field of what ran, so a resume runs it whatever the presets mean by then."""
    return {"algo": algo, "preset": preset, "preset_label": searcher.preset_label, "budget": int(budget),
            "space": evaluator.space.name, "searcher": dataclasses.asdict(searcher.config),
            "evaluator": evaluator.describe()}


def start_search(algo: str, evaluator: Evaluator, budget: int, seed: int, *, preset: Optional[str] = None,
                 config: Optional[dict] = None, store=None, progress: bool = True,
                 on_evaluation: Optional[Callable[[Record], None]] = None, stop=None,
                 on_start: Optional[Callable[[str], None]] = None) -> SearchResult:
    """A new search; with ``store`` every finished evaluation is written to a new run as it completes.
    ``stop`` (a ``threading.Event``): set it to end the search before its next evaluation (see
    :class:`~naoviz.search.base.SearchContext`); the result says ``stopped`` and a stored run is "stopped".
    ``on_start(run_id)``: called once the run is in the store, before its first evaluation (the CLI prints
    the id then, so a killed search can be resumed)."""
    seed = check_int(seed, "seed")                # before any work: numpy and SQLite take 0..2**63-1
    store = open_store(store)
    check_budget(budget)
    check_run_args(evaluator, store, on_evaluation, stop)
    # under --constraint / --objectives NAO's `default` runs the `sweep` recipe (nao_presets.recipe)
    searcher = make_searcher(algo, preset=preset, config=config, budgets=budgets_of(evaluator))
    if store is None:
        return _run(searcher, evaluator, budget, seed, None, None, progress, on_evaluation, None, stop)
    return _new_run(searcher, run_config(algo, searcher, evaluator, budget, preset), evaluator, budget, seed, store,
                    progress, on_evaluation, stop, on_start)


def open_store(store, must_exist: bool = False):
    """``store`` as a run store: a ``RunStore`` as it is, a path (str or ``os.PathLike``) opened as one
    (``RunStore``'s errors name a path that is a folder or not a store; with ``must_exist`` a missing file is a
    ``FileNotFoundError``, not a new empty store), None as None; else ``TypeError``."""
    import os
    if store is None or hasattr(store, "get_run"):
        return store
    if isinstance(store, (str, os.PathLike)):
        from naoviz.store import RunStore
        if must_exist and not os.path.exists(store):
            from naoviz.errors import cut_path
            raise FileNotFoundError(f"store: no run store at {cut_path(store)}")
        return RunStore(store)
    from naoviz.errors import show
    raise TypeError(f"store: expected a naoviz.store.RunStore, a path or None, got {type(store).__name__} "
                    f"{show(store)}")


def _new_run(searcher, stored: dict, evaluator, budget, seed, store, progress, on_evaluation, stop,
             on_start=None) -> SearchResult:
    """Create the run (config ``stored``) and search it, holding its lock throughout. It is created "stopped"
    (resumable) and marked "running" once held (``RunStore.marked``): a stop in between leaves no run "running"."""
    run_id = store.create_run("search", stored, seed, status="stopped")
    with store.hold_run(run_id):                  # the only writer of the new run while it runs
        if on_start is not None:
            on_start(run_id)
        return _run(searcher, evaluator, budget, seed, store, run_id, progress, on_evaluation, None, stop)


def _check_replay(replay: list, evaluator, store, run_id: str) -> None:
    """Every stored evaluation has a number for the metric and the reported column (NaN stored as null is one),
    a cost, and the ``canonical`` of its own ``arch`` (once in the run), so a row edited by hand is a StoreError
    naming it, before the run is touched, not a bare KeyError mid-replay or a cell evaluated and stored twice
    (replay matches stored rows by ``canonical``: an edited one was never matched, its cell run again)."""
    import numbers

    from naoviz.errors import show
    from naoviz.store import StoreError
    space, seen = evaluator.space, {}
    for ev in replay:
        where = f"run store: {store.path}: run {run_id}, evaluation {ev['id']}"
        try:
            canon = space.canonical(space.parse(ev["arch"]))
        except (ValueError, TypeError):
            raise StoreError(f"{where}: arch {show(ev['arch'], 60)} is not a {space.name} cell (edited by "
                             f"hand?)") from None
        if ev["canonical"] != canon:
            raise StoreError(f"{where}: canonical {show(ev['canonical'], 40)} is not its arch's (edited by hand?)")
        if canon in seen:
            raise StoreError(f"{where}: the same cell as evaluation {seen[canon]} (edited by hand?)")
        seen[canon] = ev["id"]
        for name in dict.fromkeys((evaluator.metric, evaluator.report)):
            value = ev["metrics"].get(name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                got = "no such metric" if name not in ev["metrics"] else f"got {show(value, 40)}"
                raise StoreError(f"{where}: {name!r} is not a number ({got}; edited by hand?)")
        cost = ev["cost_s"]
        if isinstance(cost, bool) or not isinstance(cost, numbers.Real) or not 0 <= cost < float("inf"):
            raise StoreError(f"{where}: cost_s is not a finite number >= 0 (got {show(cost, 40)}; edited by hand?)")


def _continue(searcher, evaluator, budget, seed, store, run_id, progress, on_evaluation, stop,
              answer_finished: bool = False, on_replay: Optional[Callable[[int], None]] = None) -> SearchResult:
    """Search stored run ``run_id`` again: its evaluations replayed, the rest run. One writer per run: a second
    taker (or the run's own, still alive, first process) is refused here, before it reads what to replay, so
    no evaluation is written twice. ``answer_finished``: a run that finished with a whole record is answered
    from the store instead (``naoviz.search.stored``), nothing searched or written. ``on_replay(n)``: called,
    the run held, before ``n`` > 0 stored evaluations are replayed."""
    with store.hold_run(run_id):
        replay = store.evaluations(run_id)
        _check_replay(replay, evaluator, store, run_id)
        if answer_finished:
            done = finished_result(store.get_run(run_id), replay, searcher, evaluator, budget, seed, on_evaluation)
            if done is not None:
                return done
        if on_replay is not None and replay:
            on_replay(len(replay))
        return _run(searcher, evaluator, budget, seed, store, run_id, progress, on_evaluation, replay, stop)


def search_or_resume(algo: str, evaluator: Evaluator, budget: int, seed: int, *, preset: Optional[str] = None,
                     config: Optional[dict] = None, store=None, progress: bool = True,
                     on_evaluation: Optional[Callable[[Record], None]] = None, stop=None) -> SearchResult:
    """``start_search``, except that a run of this very search (same stored config, same seed) already in
    ``store`` is taken up again with ``evaluator``: a finished one is replayed from its evaluations (nothing
    is evaluated again), an unfinished one (killed, stopped, failed) continues where it ended. This is what
    makes a rerun of an interrupted ``naoviz compare --store`` pick up where it stopped."""
    store = open_store(store)
    if store is None:
        return start_search(algo, evaluator, budget, seed, preset=preset, config=config, progress=progress,
                            on_evaluation=on_evaluation, stop=stop)
    seed = check_int(seed, "seed")
    check_budget(budget)
    check_run_args(evaluator, store, on_evaluation, stop)
    searcher, stored, runs = _same_search(algo, evaluator, budget, seed, preset, config, store)
    if not runs:
        return _new_run(searcher, stored, evaluator, budget, seed, store, progress, on_evaluation, stop)
    finished = [r for r in runs if r["status"] == "finished"]
    return _continue(searcher, evaluator, budget, seed, store, (finished or runs)[-1]["id"], progress,
                     on_evaluation, stop)


def finished_search(algo: str, evaluator: Evaluator, budget: int, seed: int, *, store, preset: Optional[str] = None,
                    config: Optional[dict] = None,
                    on_evaluation: Optional[Callable[[Record], None]] = None) -> Optional[SearchResult]:
    """The result of this very search (the run ``search_or_resume`` would take up: same stored config, same seed)
    read from ``store`` when it finished with a whole record (``naoviz.search.stored``), under the run's lock:
    nothing searched, evaluated or written. None when there is no such run or its record is not whole (then
    ``search_or_resume`` replays it, which mends it). What ``naoviz compare --store`` tries for each run first."""
    import os
    seed = check_int(seed, "seed")
    check_budget(budget)
    if isinstance(store, (str, os.PathLike)) and not os.path.exists(store):
        check_run_args(evaluator, None, on_evaluation, None)
        return None                      # no store there: no such run, and none is created by asking
    store = open_store(store)
    check_run_args(evaluator, store, on_evaluation, None)
    searcher, _, runs = _same_search(algo, evaluator, budget, seed, preset, config, store)
    finished = [r for r in runs if r["status"] == "finished"]
    if not finished:
        return None
    return _read_finished(store, finished[-1]["id"], searcher, evaluator, budget, seed, on_evaluation)


def _same_search(algo, evaluator, budget, seed, preset, config, store) -> tuple:
    """(searcher, the config a run of it stores, the runs of that config and ``seed`` in ``store``, oldest first)."""
    searcher = make_searcher(algo, preset=preset, config=config, budgets=budgets_of(evaluator))
    stored = run_config(algo, searcher, evaluator, budget, preset)
    return searcher, stored, store.find_runs("search", stored, seed)


def resume_search(store, run_id: str, *, executor=None, progress: bool = True,
                  on_evaluation: Optional[Callable[[Record], None]] = None, stop=None,
                  on_replay: Optional[Callable[[int], None]] = None) -> SearchResult:
    """Continue run ``run_id``: stored evaluations are replayed (not re-evaluated), the rest run. A run that
    already finished, with a whole record, is answered from the store (``result.stored``; see ``stored_result``).
    ``on_replay(n)``: called once the run is held, before its ``n`` stored evaluations are replayed (the CLI's line)."""
    store = open_store(store, must_exist=True)
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise TypeError(f"executor: expected a concurrent.futures.Executor (or a Dask client) or None, got "
                        f"{type(executor).__name__} {show(executor)}")
    check_function(on_evaluation, "on_evaluation", "a function of one record")
    check_function(on_replay, "on_replay", "a function of the replayed count")
    run = store.get_run(run_id)
    searcher, evaluator, budget, seed = _rebuild(run)
    if executor is not None:
        evaluator.use_executor(executor)
    return _continue(searcher, evaluator, budget, seed, store, run_id, progress, on_evaluation, stop,
                     answer_finished=True, on_replay=on_replay)


def stored_result(store, run_id: str, on_evaluation: Optional[Callable[[Record], None]] = None
                  ) -> Optional[SearchResult]:
    """The result of search run ``run_id`` when it finished with a whole record (``naoviz.search.stored``), read
    from the store under the run's lock: nothing searched, evaluated or written, no model trained; None when it
    did not finish (or its record is not whole), without loading anything for a run not marked finished. What
    ``naoviz search --resume`` tries first, before it starts torch or a cluster for a replay."""
    check_function(on_evaluation, "on_evaluation", "a function of one record")
    store = open_store(store, must_exist=True)
    run = store.get_run(run_id)
    if run["kind"] != "search" or run["status"] != "finished":
        return None
    return _read_finished(store, run_id, *_rebuild(run), on_evaluation)


def _read_finished(store, run_id: str, searcher, evaluator, budget: int, seed: int, on_evaluation
                   ) -> Optional[SearchResult]:
    """Finished run ``run_id``'s result read under its lock (``finished_result``), its evaluations checked first;
    None when its record is not whole. ``stored_result`` and ``finished_search`` both answer this way."""
    with store.hold_run(run_id):
        stored = store.evaluations(run_id)
        _check_replay(stored, evaluator, store, run_id)
        return finished_result(store.get_run(run_id), stored, searcher, evaluator, budget, seed, on_evaluation)


def _rebuild(run: dict):
    """(searcher, evaluator, budget, seed) of stored search run ``run``, each checked (it is read from a data file)."""
    run_id = run["id"]
    if run["kind"] != "search":
        raise ValueError(f"resume: run {run_id!r} is a {run['kind']!r} run, not a search")
    cfg = _search_config(run)
    seed = check_int(run["seed"], f"run {run_id}: the stored seed")
    try:
        evaluator = evaluator_from_config(cfg["evaluator"])
    except ValueError as exc:
        raise ValueError(f"run {run_id}: {exc}") from None
    label = cfg.get("preset_label")
    searcher = rebuild_searcher(cfg["algo"], cfg["searcher"], label if isinstance(label, str) else None)
    return searcher, evaluator, cfg["budget"], seed


def _search_config(run: dict) -> dict:
    """The stored config of a search run, checked for shape (it is read from a data file)."""
    cfg, run_id = run["config"], run["id"]
    missing = [k for k in ("algo", "budget", "searcher", "evaluator") if not isinstance(cfg, dict) or k not in cfg]
    if missing:
        raise ValueError(f"run {run_id}: the stored config is not a search config (missing {', '.join(missing)})")
    budget = cfg["budget"]
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise ValueError(f"run {run_id}: the stored budget must be an int >= 1, got {budget!r}")
    if not isinstance(cfg["searcher"], dict):
        raise ValueError(f"run {run_id}: the stored searcher config must be an object, got {cfg['searcher']!r}")
    if not isinstance(cfg["algo"], str):
        raise ValueError(f"run {run_id}: the stored algo must be a searcher name, got {cfg['algo']!r}")
    return cfg


def _run(searcher, evaluator, budget, seed, store, run_id, progress, on_evaluation, replay, stop) -> SearchResult:
    """Search; a stored run is "running" for it, then "finished", or "stopped" (its stop flag, Ctrl-C,
    SIGTERM) or "failed" (``RunStore.marked``)."""
    def search() -> SearchResult:
        return searcher.run(evaluator, budget, seed, store=store, run_id=run_id, progress=progress,
                            on_evaluation=on_evaluation, replay=replay, stop=stop)
    if store is None:
        return search()
    return store.marked(run_id, search, lambda result: "stopped" if result.stopped else "finished")

"""A stored run stopped at any point (Ctrl-C, SIGTERM, a compare worker whose parent is gone) is never left
"running": it is "stopped" (or already "finished"), its lock is free, and taking it up again finishes it with
the uninterrupted run's evaluations, none repeated. The stop is put at every point a signal could land in the
run store, its locks and the search runs (``_stop_points``), one after another."""
from __future__ import annotations

import gc
import shutil
import signal
import sys

import pytest

from naoviz.evaluate import TableEvaluator
from naoviz.search.runs import search_or_resume
from naoviz.store import RunStore

from _stop_points import count_points, stop_at, stopped_worker_run

BUDGET = 2


@pytest.fixture(scope="module")
def table():
    return TableEvaluator("nb201-digits")


def _search(store, table, on_evaluation=None):
    return search_or_resume("rs", table, BUDGET, 0, store=store, progress=False, on_evaluation=on_evaluation)


def _ctrl_c(_record):
    raise KeyboardInterrupt


def _stopped_somewhere(store, table, k: int) -> None:
    """Search (or take up) the run with a stop at point ``k``; then no run is "running" or held."""
    stop_at(k)
    try:
        _search(store, table)
    except KeyboardInterrupt:
        pass
    finally:
        sys.setprofile(None)
    runs = store.runs()
    assert all(r["status"] != "running" for r in runs), (k, runs)
    if any(store.writer_of(r["id"]) is not None for r in runs):
        gc.collect()    # a lock a stop left in a half-entered `with` goes with it, as when the process ends
    assert all(store.writer_of(r["id"]) is None for r in runs), k


def _finishes_as_uninterrupted(store, table, reference) -> None:
    again = _search(store, table)
    runs = store.runs()
    assert [r["status"] for r in runs] == ["finished"]
    assert [r.arch for r in again.history] == reference
    assert len(store.evaluations(runs[0]["id"])) == BUDGET                 # none repeated


def test_a_new_run_stopped_at_any_point_is_stopped_and_resumes(tmp_path, table):
    reference = [r.arch for r in _search(None, table).history]
    empty = tmp_path / "empty.db"
    RunStore(empty).close()
    _sweep(tmp_path, table, empty, reference)


def test_a_taken_up_run_stopped_at_any_point_is_stopped_and_resumes(tmp_path, table):
    """A run stopped after one evaluation (a Ctrl-C there), taken up again and stopped anywhere in that."""
    reference = [r.arch for r in _search(None, table).history]
    first = tmp_path / "first.db"
    store = RunStore(first)
    with pytest.raises(KeyboardInterrupt):
        _search(store, table, on_evaluation=_ctrl_c)
    assert [r["status"] for r in store.runs()] == ["stopped"]
    store.close()
    _sweep(tmp_path, table, first, reference)


def _sweep(tmp_path, table, start, reference):
    """From a copy of the store ``start`` each time: a stop at each point of the search, then its resume."""
    shutil.copy(start, tmp_path / "count.db")
    counting = RunStore(tmp_path / "count.db")
    n = count_points(lambda: _search(counting, table))
    assert n > 50                                        # the sweep reaches into the store, not just its edge
    for k in range(1, n + 1):
        shutil.copy(start, tmp_path / f"{k}.db")
        store = RunStore(tmp_path / f"{k}.db")
        _stopped_somewhere(store, table, k)
        _finishes_as_uninterrupted(store, table, reference)
        store.close()


@pytest.mark.parametrize("point", ["after_create", "after_running", "before_finished"])
def test_a_compare_worker_sigtermed_at_a_status_write_leaves_no_run_running(tmp_path, table, point):
    """Real worker processes, a real SIGTERM (what the parent's stop or the parent's death sends), landing just
    after a new run's row is written, just after a taken-up run is marked "running", or just before a finished
    run is marked so: the comparison stops, no run is "running", and the same comparison finishes them all."""
    from naoviz.experiments.compare_jobs import WorkerStopped, run_parallel
    from naoviz.experiments.search import RunSpec, compare
    store = RunStore(tmp_path / "cmp.db")
    spec = RunSpec(budget=BUDGET, checks=(BUDGET,), optimum=None, report_sign=1.0, hw=False)
    tasks = [("rs", None, 0), ("rs", None, 1)]
    if point == "after_running":                     # runs to take up: stopped before their first evaluation
        with pytest.raises(WorkerStopped):
            run_parallel(stopped_worker_run("after_create"), table, store, spec, tasks, 2)
    with pytest.raises(WorkerStopped) as stopped:
        run_parallel(stopped_worker_run(point), table, store, spec, tasks, 2)
    assert stopped.value.signum == signal.SIGTERM
    runs = store.runs()
    assert runs and all(r["status"] in ("stopped", "finished") for r in runs), runs
    assert all(store.writer_of(r["id"]) is None for r in runs)
    compare(table, [("rs", None)], BUDGET, [0, 1], store=store, jobs=2)
    searches = [r for r in store.runs() if r["kind"] == "search"]
    assert len(searches) == 2 and {r["status"] for r in searches} == {"finished"}
    assert sum(len(store.evaluations(r["id"])) for r in searches) == 2 * BUDGET

"""Evaluations on a real Dask LocalCluster (2 worker processes): a worker killed mid-evaluation is retried."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from naoviz.evaluate import ClusterConfig, Executors, TableEvaluator
from naoviz.search import make_searcher

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    """A real LocalCluster: 2 worker processes under nannies, 1 thread each; evaluations retried twice."""
    executors = Executors(ClusterConfig(local_cluster=2, retries=2))
    with executors as executor:
        yield executor, executors.client


def _pid_if_evaluating():
    """Run on a worker: its pid while one of its threads is inside ``TableEvaluator.evaluate`` (the innermost
    Python frame: its ``delay_s`` sleep), else None."""
    import sys
    code = TableEvaluator.evaluate.__code__
    return os.getpid() if any(f.f_code is code for f in sys._current_frames().values()) else None


def _kill_a_busy_worker(client, timeout=60.0) -> tuple[int, str]:
    """SIGKILL the process of a worker once its evaluation has started (seen in the worker's own threads, not
    guessed from the clock); returns (pid, task key)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = {w: pid for w, pid in client.run(_pid_if_evaluating).items() if pid is not None}
        if running:
            worker, pid = next(iter(running.items()))
            keys = client.processing(workers=[worker]).get(worker) or [None]
            os.kill(pid, signal.SIGKILL)
            return pid, keys[0]
        time.sleep(0.02)
    raise AssertionError("no worker ever started an evaluation")


def test_killed_worker_evaluation_is_retried_not_lost(cluster, nb201_table):
    executor, client = cluster
    client.wait_for_workers(2, timeout=30)
    ev = TableEvaluator("nb201", delay_s=2.0).use_executor(executor)
    arch = nb201_table.space.from_index(123)
    future = executor.submit(ev.evaluate, arch)
    before = set(client.run(os.getpid).values())
    pid, key = _kill_a_busy_worker(client)
    assert pid in before
    outcome = future.result(timeout=30)
    assert outcome["metrics"]["valid_acc"] == pytest.approx(nb201_table.query(123)["valid_acc"])
    assert outcome["metrics"]["arch_index"] == 123
    # The scheduler saw the task die with its worker (suspicious) and ran it again elsewhere.
    suspicious = client.run_on_scheduler(lambda dask_scheduler: max(
        (ts.suspicious for ts in dask_scheduler.tasks.values()), default=0))
    assert suspicious >= 1
    client.wait_for_workers(2, timeout=30)
    assert pid not in set(client.run(os.getpid).values())   # the nanny started a fresh worker


def test_search_on_cluster_survives_a_worker_kill(cluster, nb201_table):
    executor, client = cluster
    client.wait_for_workers(2, timeout=30)
    reference = make_searcher("rs").run(TableEvaluator(nb201_table), 8, seed=4, progress=False)
    ev = TableEvaluator("nb201", delay_s=1.0).use_executor(executor)
    killed = {}
    killer = threading.Thread(target=lambda: killed.update(pid=_kill_a_busy_worker(client)[0]), daemon=True)
    killer.start()
    res = make_searcher("rs").run(ev, 8, seed=4, progress=False)
    killer.join(timeout=30)
    assert "pid" in killed
    assert [r.to_dict() for r in res.history] == [r.to_dict() for r in reference.history]


def _malloc_env() -> dict:
    return {k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "OMP_NUM_THREADS")}


def test_workers_keep_freed_memory_even_after_a_restart(cluster):
    """Dask's MALLOC_TRIM_THRESHOLD_=65536 makes torch training page-fault; every worker (including one the
    scheduler restarted after the kill above) runs with naoviz's settings and one OpenMP thread."""
    from naoviz.evaluate import WORKER_MALLOC_ENV
    _, client = cluster
    envs = client.run(_malloc_env)
    assert len(envs) == 2
    expected = {**{k: str(v) for k, v in WORKER_MALLOC_ENV.items()}, "OMP_NUM_THREADS": "1"}
    assert all(env == expected for env in envs.values()), envs


def test_compare_on_a_local_cluster_gives_the_in_process_numbers(tmp_path, capsys):
    """``naoviz compare --local-cluster 1 --store``: the table lookups run on a real Dask worker, every run is
    stored, and the curves are those of the same comparison in this process; run again, it reads them back."""
    import json

    from naoviz.cli import main
    from naoviz.experiments.search import compare
    from naoviz.store import RunStore
    code = main(["compare", "--space", "nb201-digits", "--algos", "rs,ls", "--queries", "15", "--seeds", "2",
                 "--local-cluster", "1", "--store", str(tmp_path / "c.db"), "--no-progress", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    summary = json.loads(out.out)
    reference = compare(TableEvaluator("nb201-digits"), [("rs", None), ("ls", None)], 15, [0, 1])
    for name in ("rs", "ls"):
        assert summary["algos"][name]["curves"] == reference["algos"][name]["curves"]
    assert [r["kind"] for r in RunStore(tmp_path / "c.db").runs()] == ["compare"] + ["search"] * 4
    # The same command again: every run is read back from the store, no cluster is started for it (nor is a
    # scheduler reached: an address where none listens answers the same), and it prints the same summary.
    for cluster in (["--local-cluster", "1"], ["--scheduler", "tcp://127.0.0.1:9"]):
        code = main(["compare", "--space", "nb201-digits", "--algos", "rs,ls", "--queries", "15", "--seeds", "2",
                     *cluster, "--store", str(tmp_path / "c.db"), "--no-progress", "--json"])
        out = capsys.readouterr()
        assert code == 0, out.err
        assert out.err.startswith("compare: 4 of 4 runs taken from the store"), out.err
        again = json.loads(out.out)
        for name in ("rs", "ls"):
            assert again["algos"][name]["curves"] == summary["algos"][name]["curves"]
            assert [r["stored"] for r in again["algos"][name]["runs"]] == [True, True]


def test_ctrl_c_at_a_terminal_stops_a_cluster_compare_with_one_line(tmp_path):
    """Ctrl-C at a terminal signals the whole process group: the naoviz process and its Dask workers. The
    workers ignore it (naoviz.executors.dask_setup) and the naoviz process closes them: no traceback (there
    were 67 lines of them: each worker's KeyboardInterrupt, the client's cancelled gathers), exit status 130,
    and the last line says how to resume."""
    from _cli_process import start, wait_for_store
    db = tmp_path / "c.db"
    proc = start("compare", "--space", "nb201-digits", "--algos", "rs", "--queries", "200", "--seeds", "2",
                 "--local-cluster", "2", "--delay", "0.05", "--store", str(db), "--no-progress",
                 start_new_session=True)                                   # its own process group, as a shell job
    wait_for_store(proc, db, lambda _, runs: runs and runs[-1]["n_evaluations"] >= 5, timeout=120)
    os.killpg(proc.pid, signal.SIGINT)
    err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("naoviz compare: interrupted; the runs so far are in"), err


def test_a_worker_without_the_table_says_so_in_one_line(tmp_path, monkeypatch, nb201_table):
    """A remote worker reads a table file at the client's path and NB201 from its own NAOVIZ_DATA. Here the
    worker (a fresh process) lacks both: the file is removed after the client read it, and the worker's
    NAOVIZ_DATA is an empty folder. Each evaluation fails with one line naming the worker, the path or folder,
    and what to do (it was the bare loader's line, which named neither the worker nor NAOVIZ_DATA)."""
    from naoviz.errors import NaovizError
    from naoviz.tables import load_digits_table
    table = tmp_path / "own.csv"
    load_digits_table().frame.reset_index().head(50).drop(columns="arch_index").to_csv(table, index=False)
    own, nb201 = TableEvaluator(str(table)), TableEvaluator("nb201")
    arch = next(iter(own.pool.values()))
    table.unlink()
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path / "empty"))         # what the worker process inherits
    (tmp_path / "empty").mkdir()
    with Executors(ClusterConfig(local_cluster=1, retries=0)) as executor:
        for ev, names in ((own, [f"table file {table} not found on Dask worker", "client's path"]),
                          (nb201, [f"no NAS-Bench-201 tables in {tmp_path / 'empty'} on Dask worker", "NAOVIZ_DATA"])):
            with pytest.raises(NaovizError) as caught:
                executor.submit(ev.evaluate, arch).result(timeout=60)
            line = str(caught.value)
            assert "\n" not in line and len(line) - len(str(tmp_path)) <= 160 and all(n in line for n in names), line
    assert own.evaluate(arch)["metrics"]["valid_acc"] == own.table.query(tuple(arch))["valid_acc"]   # the client's copy


def test_a_worker_with_another_file_at_the_table_path_refuses_it(tmp_path):
    """The worker's file at the client's path holds other values (another machine's copy, or an edit since):
    the evaluation is refused rather than mixing two tables in one search."""
    import pickle

    import naoviz.evaluate as evaluate
    from naoviz.errors import NaovizError
    from naoviz.tables import load_digits_table
    table = tmp_path / "own.csv"
    frame = load_digits_table().frame.reset_index().head(50).drop(columns="arch_index")
    frame.to_csv(table, index=False)
    shipped = pickle.dumps(TableEvaluator(str(table)))           # what a submission carries
    frame.assign(valid_acc=frame["valid_acc"] - 1).to_csv(table, index=False)
    worker = pickle.loads(shipped)
    evaluate._TABLES.clear()
    with pytest.raises(NaovizError, match=f"table file {table} on Dask worker .* is not the client's"):
        worker.table

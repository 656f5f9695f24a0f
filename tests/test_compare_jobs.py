"""``naoviz compare --jobs N``: the runs in N worker processes give the summary one process gives (wall times
aside); bad values and combinations are one line; a run store survives a killed parallel comparison; Ctrl-C
stops every worker; a worker's error is the run's own one line."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from naoviz.cli import main
from naoviz.store import RunStore

from _cli_process import env, kill, start, wait_for_store
from _procs import alive, children, command_line

SMALL = ["compare", "--space", "nb201-digits", "--queries", "30", "--seeds", "3", "--no-progress", "--json"]


def _without_wall(value):
    """The summary minus what may differ between runs of the same comparison: wall-clock times, and the
    process count ``environment.jobs``."""
    if isinstance(value, dict):
        return {k: _without_wall(v) for k, v in value.items() if k not in ("wall_s", "jobs")}
    if isinstance(value, list):
        return [_without_wall(v) for v in value]
    return value


def _compare_json(capsys, *args) -> dict:
    assert main([*SMALL, *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_two_jobs_give_the_summary_of_one_process(capsys):
    """nao, ls and re over seeds 0-1 in two workers: every figure, run by run, as in one process. The seeds'
    curves differ, so a run put back under another seed or searcher would fail the comparison. 20 queries: NAO's
    first fit and a warm refit (its 10 initial cells, then rounds of 5), as at any budget; the fast preset (fewer
    epochs) runs the same loop, and the figures' equality does not depend on epochs."""
    few = ["--algos", "nao:fast,ls,re", "--queries", "20", "--seeds", "2"]
    one = _compare_json(capsys, *few, "--jobs", "1")
    two = _compare_json(capsys, *few, "--jobs", "2")
    assert one["environment"]["jobs"] == 1 and two["environment"]["jobs"] == 2
    assert _without_wall(two) == _without_wall(one)
    for name, a in two["algos"].items():
        assert [r["seed"] for r in a["runs"]] == [0, 1] and {r["algo"] for r in a["runs"]} == {name}
        assert len({tuple(c) for c in a["curves"]}) > 1 or name.startswith("nao")    # order matters: seeds differ
    assert two["algos"]["ls"]["curves"] != two["algos"]["re"]["curves"]


def _affinity() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def test_jobs_auto_is_the_cores_this_process_may_use(capsys):
    from naoviz.experiments.compare_jobs import cpu_cores, quota_cpus, resolve_jobs
    quota = quota_cpus()                             # this machine's own cgroup quota, None when it has none
    expected = _affinity() if quota is None else min(_affinity(), quota)
    assert cpu_cores() == expected and resolve_jobs("auto") == min(expected, 256)
    out = _compare_json(capsys, "--algos", "rs", "--seeds", "2", "--jobs", "auto")
    assert out["environment"]["jobs"] == min(resolve_jobs("auto"), 2)       # never more processes than runs


@pytest.mark.parametrize("cpu_max,v1,cpus", [
    ("200000 100000\n", None, 2),            # docker --cpus 2
    ("150000 100000\n", None, 2),            # 1.5 CPUs: a worker per started CPU
    ("50000 100000\n", None, 1),             # half a CPU: still one worker
    ("max 100000\n", None, None),            # v2's "no quota"
    ("max 100000\n", ("100000", "100000"), None),    # cpu.max there, saying max: v1's files not read
    ("banana\n", None, None),                # what cannot be read as a quota is none
    ("", None, None),
    (None, None, None),                       # no cgroup files at all
    (None, ("-1", "100000"), None),           # v1's "no quota"
    (None, ("300000", "100000"), 3),          # cgroup v1: cfs_quota_us / cfs_period_us
])
def test_a_cgroup_quota_is_read_from_cpu_max_or_v1s_files(tmp_path, cpu_max, v1, cpus):
    from naoviz.experiments.compare_jobs import quota_cpus
    if cpu_max is not None:
        (tmp_path / "cpu.max").write_text(cpu_max)
    (tmp_path / "v1").mkdir()
    if v1 is not None:
        (tmp_path / "v1" / "cpu.cfs_quota_us").write_text(v1[0] + "\n")
        (tmp_path / "v1" / "cpu.cfs_period_us").write_text(v1[1] + "\n")
    assert quota_cpus(tmp_path / "cpu.max", tmp_path / "v1") == cpus


def test_jobs_auto_takes_the_smaller_of_affinity_and_quota(tmp_path):
    """A quota of 1 CPU caps auto at 1 whatever the cores; a quota above the cores leaves the affinity set's
    count; no quota file is the affinity set's count, what auto was before quotas were read."""
    from naoviz.experiments.compare_jobs import cpu_cores
    none = tmp_path / "missing"
    (tmp_path / "one").write_text("100000 100000\n")
    (tmp_path / "many").write_text(f"{(_affinity() + 5) * 100000} 100000\n")
    assert cpu_cores(tmp_path / "one", none) == 1
    assert cpu_cores(tmp_path / "many", none) == _affinity()
    assert cpu_cores(none, none) == _affinity()


def test_the_cli_cap_is_the_backends():
    from naoviz.cli.compare import MAX_JOBS
    from naoviz.experiments import compare_jobs
    assert MAX_JOBS == compare_jobs.MAX_JOBS


@pytest.mark.parametrize("args, says", [
    (["--jobs", "0"], "--jobs: must be auto or an int in 1..256, got '0'"),
    (["--jobs", "257"], "--jobs: must be auto or an int in 1..256, got '257'"),
    (["--jobs", "two"], "--jobs: must be auto or an int in 1..256, got 'two'"),
    (["--jobs", "2", "--local-cluster", "2"], "--jobs: runs whole searches in parallel processes; --local-cluster 2 "
                                              "parallelises the evaluations inside each search"),
    (["--jobs", "auto", "--scheduler", "tcp://127.0.0.1:1"], "--jobs: runs whole searches in parallel processes; "
                                                            "--scheduler 'tcp://127.0.0.1:1' parallelises"),
    (["--jobs", "2", "--evaluator", "train"], "--jobs: only table look-ups run in parallel; --evaluator train"),
    (["--jobs", "2", "--evaluator", "supernet"], "--jobs: only table look-ups run in parallel; --evaluator supernet"),
])
def test_bad_jobs_and_combinations_are_one_line_before_any_run(args, says, capsys, tmp_path):
    assert main([*SMALL, "--algos", "rs", "--store", str(tmp_path / "r.db"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"naoviz compare: error: {says}") and err.count("\n") == 1, err
    assert not (tmp_path / "r.db").exists() or not RunStore(tmp_path / "r.db").runs()     # nothing ran


def test_the_python_api_refuses_parallel_training():
    from naoviz.evaluate import TrainingEvaluator
    from naoviz.experiments.search import compare
    from naoviz.spaces import get_space
    ev = TrainingEvaluator(get_space("nb201"), "child-trainer", data="digits")
    with pytest.raises(ValueError, match="jobs: runs in parallel only look cells up in a table"):
        compare(ev, [("rs", None)], 5, [0], jobs=2)


# -- processes: store, signals, errors -------------------------------------------------------------------------

def _workers(pid: int) -> set[int]:
    """The compare workers among ``pid``'s children (not multiprocessing's resource tracker)."""
    return {child for child in children(pid) if b"spawn_main" in command_line(child)}


def _gone(pids: set[int], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
ALGOS, QUERIES, SEEDS = "rs,ls", 15, 3    # at --delay 0.05 a run takes 0.75 s: time to land a stop inside one


def _store_args(db, *extra) -> list[str]:
    return ["compare", "--space", "nb201-digits", "--algos", ALGOS, "--queries", str(QUERIES), "--seeds", str(SEEDS),
            "--store", str(db), "--delay", "0.05", "--no-progress", "--json", "--jobs", "2", *extra]


def _evaluations(store: RunStore) -> list[dict]:
    return [e for run in store.runs() for e in store.evaluations(run["id"])]


def _two_runs_under_way(_, runs) -> bool:
    going = [r for r in runs if r["kind"] == "search" and r["status"] == "running" and r["n_evaluations"] >= 3]
    return len(going) == 2


@needs_proc
def test_a_killed_parallel_compare_resumed_loses_and_repeats_no_evaluation(tmp_path):
    """SIGKILL the parent while both workers are inside a run: the workers see it gone and stop their runs
    (marked "stopped", locks released); the same command then takes every run up and finishes them."""
    db = tmp_path / "cmp.db"
    proc = start(*_store_args(db))
    store = wait_for_store(proc, db, _two_runs_under_way, timeout=120)
    workers = children(proc.pid)                 # the two workers and multiprocessing's resource tracker
    assert len(_workers(proc.pid)) == 2
    kill(proc)
    assert _gone(workers), "a worker outlived its killed parent"
    before = _evaluations(store)
    cut = [r for r in store.runs() if r["kind"] == "search" and r["status"] != "finished"]
    assert len(cut) >= 2 and {r["status"] for r in cut} == {"stopped"} and len(before) < 2 * SEEDS * QUERIES

    done = subprocess.run([sys.executable, "-m", "naoviz.cli", *_store_args(db)], env=env(), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    after = _evaluations(store)
    searches = [r for r in store.runs() if r["kind"] == "search"]
    assert {e["id"] for e in before} <= {e["id"] for e in after}                    # nothing lost
    assert len(searches) == 2 * SEEDS and all(r["status"] == "finished" for r in searches)
    assert len(after) == 2 * SEEDS * QUERIES                                          # nothing repeated
    for run in searches:
        assert len({e["canonical"] for e in store.evaluations(run["id"])}) == QUERIES
    assert sum(r["replayed"] for a in summary["algos"].values() for r in a["runs"]) == len(before)
    from naoviz.evaluate import TableEvaluator
    from naoviz.experiments.search import compare
    reference = compare(TableEvaluator("nb201-digits"), [("rs", None), ("ls", None)], QUERIES, range(SEEDS))
    for name in ("rs", "ls"):
        assert summary["algos"][name]["curves"] == reference["algos"][name]["curves"]


@needs_proc
@pytest.mark.parametrize("signum, group, status, how", [
    (signal.SIGINT, False, 130, "interrupted"),
    (signal.SIGINT, True, 130, "interrupted"),           # a terminal's Ctrl-C: the whole process group gets it
    (signal.SIGTERM, False, 143, "stopped by SIGTERM")])
def test_a_stopped_parallel_compare_stops_every_worker_in_one_line(tmp_path, signum, group, status, how):
    """No traceback from any process, the one stop line, the exit status of one process; every worker gone
    and its run "stopped" (resumable)."""
    db = tmp_path / "cmp.db"
    args = _store_args(db)
    proc = start(*args, start_new_session=group)
    store = wait_for_store(proc, db, _two_runs_under_way, timeout=120)
    workers = children(proc.pid)                 # the two workers and multiprocessing's resource tracker
    assert len(_workers(proc.pid)) == 2
    if group:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == status, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"naoviz compare: {how}; the runs so far are in {db}"), err
    assert _gone(workers, timeout=5), "a worker outlived the comparison"
    cut = [r for r in store.runs() if r["kind"] == "search" and r["status"] != "finished"]
    assert len(cut) == 2 and {r["status"] for r in cut} == {"stopped"}
    assert [r["status"] for r in store.runs() if r["kind"] == "compare"] == ["stopped"]


def test_a_workers_error_is_the_runs_own_one_line(tmp_path, capsys):
    """A stored evaluation edited by hand fails its run's replay in a worker: the StoreError's one line, exit
    status 2, no pickled traceback; the other runs are stopped."""
    db = tmp_path / "cmp.db"
    args = [*SMALL, "--algos", "rs,ls", "--seeds", "2", "--store", str(db)]
    assert main(args) == 0
    capsys.readouterr()
    store = RunStore(db)
    victim = next(r for r in store.runs() if r["kind"] == "search" and r["config"]["algo"] == "ls" and r["seed"] == 1)
    first = store.evaluations(victim["id"])[2]["id"]
    store.close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE evaluations SET canonical = canonical || 'x' WHERE id = ?", (first,))
    conn.close()
    assert main([*args, "--jobs", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"naoviz compare: error: run store: {db}: run {victim['id']}, "
                                                   f"evaluation {first}: canonical"), err
    assert "Traceback" not in err


@needs_proc
def test_a_worker_killed_mid_run_is_one_error_line_and_stops_the_rest(tmp_path):
    """A worker SIGKILLed (the kernel's OOM killer does this): the comparison ends with one line naming the run it
    was in, exit status 2; the other worker is stopped, its run resumable. The killed worker's run, which no
    handler could mark, stays "running" with its lock free: ``naoviz runs`` lists it as interrupted, and the same
    command takes it up and finishes every run, losing and repeating no evaluation."""
    db = tmp_path / "cmp.db"
    proc = start(*_store_args(db))
    store = wait_for_store(proc, db, _two_runs_under_way, timeout=120)
    workers = sorted(_workers(proc.pid))
    assert len(workers) == 2
    held = {store.writer_of(r["id"]): r["id"] for r in store.runs() if r["kind"] == "search" and r["status"] == "running"}
    victim = held[workers[0]]                     # the run the killed worker holds (its lock names its PID)
    os.kill(workers[0], signal.SIGKILL)
    err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 2, err
    assert err.count("\n") == 1 and err.startswith("naoviz compare: error: jobs: a worker process died (exit "
                                                   "status -9) running "), err
    assert _gone(set(workers), timeout=5)
    assert {r["status"] for r in store.runs() if r["kind"] == "search"} <= {"finished", "stopped", "running"}
    orphans = [r["id"] for r in store.runs() if r["kind"] == "search" and r["status"] == "running"]
    assert orphans == [victim] and store.writer_of(victim) is None
    listed = subprocess.run([sys.executable, "-m", "naoviz.cli", "runs", "--store", str(db), "--json"], env=env(),
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert {r["id"]: r["status"] for r in json.loads(listed.stdout)["runs"]}[victim] == "interrupted"
    before = _evaluations(store)
    done = subprocess.run([sys.executable, "-m", "naoviz.cli", *_store_args(db)], env=env(), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    searches = [r for r in store.runs() if r["kind"] == "search"]
    assert len(searches) == 2 * SEEDS and {r["status"] for r in searches} == {"finished"}
    assert {e["id"] for e in before} <= {e["id"] for e in _evaluations(store)}            # nothing lost
    assert len(_evaluations(store)) == 2 * SEEDS * QUERIES                                  # nothing repeated


def test_a_workers_error_crosses_as_plain_data_and_keeps_its_kind_and_line():
    """No exception object crosses the pipe (the parent unpickles no class a worker names): the error is JSON-able
    data, rebuilt in the parent as the kind the CLI prints in one line, with the worker's traceback as a note."""
    import json as jsonlib

    from naoviz.errors import NaovizError
    from naoviz.experiments.compare_jobs import _portable, _rebuilt
    from naoviz.store_checks import StoreError
    task = ("ls", None, 3)
    stored = "run store: x.db: edited by hand"
    for exc, kind, line in [(StoreError(stored), NaovizError, stored), (KeyError("valid_acc"), KeyError, "valid_acc"),
                            (PermissionError(13, "Permission denied", "/data/runs.db"), OSError,
                             "/data/runs.db: Permission denied"),
                            (ZeroDivisionError("by zero"), RuntimeError, "ZeroDivisionError: by zero")]:
        try:
            raise exc
        except Exception as caught:
            data = _portable(caught, task)
        assert jsonlib.loads(jsonlib.dumps(data)) == data
        back = _rebuilt(data)
        assert type(back) is kind and (back.args[0] if kind is KeyError else str(back)) == line
        assert "running ls seed 3" in back.__notes__[-1] and "Traceback" in back.__notes__[-1]


def test_the_parallel_bar_counts_every_query_of_every_run_and_moves_within_runs(capsys):
    """`--jobs 2`: one bar over runs x queries (2 searchers x 2 seeds x 12 queries = 48), fed by the workers as
    their runs go (a run takes ~0.6 s at --delay 0.05: 3 ticks of 0.2 s), so it moves before the first run ends;
    it reaches 48, the postfix counts the runs done; stdout and the figures are those of --no-progress, and that
    prints no bar."""
    import re
    args = ["compare", "--space", "nb201-digits", "--algos", "rs,ls", "--queries", "12", "--seeds", "2",
            "--delay", "0.05", "--jobs", "2", "--json"]
    assert main(args) == 0
    captured = capsys.readouterr()
    frames = [f for f in captured.err.splitlines() if f.startswith("compare:")]     # a log's plain lines
    counts = [tuple(map(int, re.search(r" (\d+)/(\d+) \[", f).groups())) for f in frames]
    assert counts and {total for _, total in counts} == {48}, frames
    assert max(n for n, _ in counts) == 48 and "4/4 runs done" in frames[-1], frames[-3:]
    before_a_run_ended = [n for (n, _), f in zip(counts, frames) if "runs done" not in f]
    assert max(before_a_run_ended) > 0, frames                 # ticks from inside the runs, not only at their ends
    assert "query/s" in captured.err and "search:" not in captured.err           # no per-search bars from workers
    assert main([*args, "--no-progress"]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == ""
    assert _without_wall(json.loads(quiet.out)) == _without_wall(json.loads(captured.out))

"""Runs that survive: a CLI search killed with SIGKILL resumes without losing or repeating an evaluation."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.search import resume_search, start_search
from naoviz.store import RunStore

from _cli_process import ROOT, env as _env, kill, start, wait_for_store

torch.set_num_threads(1)


def _cli(*args) -> list[str]:
    return [sys.executable, "-m", "naoviz.cli", "search", *args]


def test_cli_search_killed_then_resumed_matches_uninterrupted(tmp_path, nb201_table):
    budget, seed = 40, 7
    reference = start_search("ls", TableEvaluator(nb201_table), budget, seed, progress=False)

    db = tmp_path / "runs.db"
    proc = start("search", "--algo", "ls", "--queries", str(budget), "--seed", str(seed), "--store", str(db),
                 "--delay", "0.05", "--no-progress", "--json")
    store = wait_for_store(proc, db, lambda _, runs: runs and runs[0]["n_evaluations"] >= 10)
    kill(proc)
    run_id = store.runs()[0]["id"]
    before = store.evaluations(run_id)
    assert 10 <= len(before) < budget                                  # killed mid-run
    assert store.get_run(run_id)["status"] == "running"

    out = subprocess.run(_cli("--store", str(db), "--resume", run_id, "--no-progress", "--json"),
                         env=_env(), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    resumed = json.loads(out.stdout)
    after = store.evaluations(run_id)
    # Nothing lost (the stored rows are untouched), nothing repeated (one row per canonical form).
    assert [e["id"] for e in after[:len(before)]] == [e["id"] for e in before]
    assert len(after) == budget
    assert len({e["canonical"] for e in after}) == budget
    assert sum(r["replayed"] for r in resumed["history"]) == len(before)
    # Same run as an uninterrupted one with the same seed.
    assert [r["arch"] for r in resumed["history"]] == [r.arch for r in reference.history]
    assert resumed["incumbent"]["arch"] == reference.incumbent().arch
    assert resumed["incumbent"]["report"] == reference.incumbent().report
    assert store.get_run(run_id)["status"] == "finished"


class _Crash(Exception):
    pass


def test_nao_search_resumes_to_the_same_incumbent(tmp_path, nb201_table):
    config = {"epochs": 15, "warm_epochs": 5, "n_init": 10, "top_k": 4, "n_new": 4, "n_mutations": 2,
              "max_eta": 20.0, "model": {"hidden_size": 32, "mlp_hidden": 32, "augment_draws": 2}}
    ev = TableEvaluator(nb201_table)
    reference = start_search("nao", ev, 30, 2, preset="sweep", config=config, progress=False)
    store = RunStore(tmp_path / "runs.db")

    def crash_after_20(record):
        if record.query == 20:
            raise _Crash

    with pytest.raises(_Crash):
        start_search("nao", ev, 30, 2, preset="sweep", config=config, store=store, progress=False, on_evaluation=crash_after_20)
    run_id = store.runs()[0]["id"]
    stored = store.evaluations(run_id)
    assert store.get_run(run_id)["status"] == "failed" and len(stored) >= 20
    resumed = resume_search(store, run_id, progress=False)
    assert [r.to_dict()["arch"] for r in resumed.history] == [r.arch for r in reference.history]
    assert sum(r.replayed for r in resumed.history) == len(stored)
    assert resumed.incumbent().arch == reference.incumbent().arch
    assert len(store.evaluations(run_id)) == 30


def test_a_stopped_search_is_a_prefix_marked_stopped_and_resumes_to_the_uninterrupted_run(tmp_path):
    """The Search tab's stop button: a stop flag set after query 25 ends evolution there (one query at a time
    after its population); the store says "stopped" and holds exactly those queries; resuming finishes the
    run as if it had never stopped. Random search proposes batches of 10: the batch in flight finishes."""
    import threading

    from naoviz.tables import load_benchmark
    ev = TableEvaluator(load_benchmark("nb201-digits"))
    reference = start_search("re", ev, 40, 5, progress=False)
    store, stop = RunStore(tmp_path / "runs.db"), threading.Event()

    def stop_at_25(record):
        if record.query == 25:
            stop.set()

    res = start_search("re", ev, 40, 5, store=store, progress=False, on_evaluation=stop_at_25, stop=stop)
    run_id = res.run_id or store.runs()[0]["id"]
    assert res.stopped and len(res.history) == 25 and res.to_dict()["stopped"] is True
    assert [r.arch for r in res.history] == [r.arch for r in reference.history[:25]]
    assert store.get_run(run_id)["status"] == "stopped" and len(store.evaluations(run_id)) == 25
    resumed = resume_search(store, run_id, progress=False)
    assert not resumed.stopped and sum(r.replayed for r in resumed.history) == 25
    assert [r.arch for r in resumed.history] == [r.arch for r in reference.history]
    assert store.get_run(run_id)["status"] == "finished" and len(store.evaluations(run_id)) == 40
    batch = threading.Event()
    rs = start_search("rs", ev, 40, 5, progress=False, stop=batch,
                      on_evaluation=lambda r: batch.set() if r.query == 13 else None)
    assert rs.stopped and len(rs.history) == 20            # the second batch of 10 finished, no third began
    done = threading.Event()
    full = start_search("rs", ev, 20, 5, progress=False, stop=done,
                        on_evaluation=lambda r: done.set() if r.query == 20 else None)
    assert not full.stopped and len(full.history) == 20    # a flag set on the last query stops nothing


# -- a run store is data: nothing in it picks code ---------------------------------------------------
_EVIL_MODULE = '''
import os, pathlib
pathlib.Path(os.environ["NAOVIZ_TEST_MARKER"]).write_text("imported")


def train(arch, **options):
    pathlib.Path(os.environ["NAOVIZ_TEST_MARKER"]).write_text("called")
    return {"valid_acc": 1.0, "test_acc": 1.0}
'''


def _training_run(store, train_fn, options, **evaluator) -> str:
    cfg = {"name": "training", "space": "nb201", "metric": "valid_acc", "report": "test_acc", "maximize": True,
           "train_fn": train_fn, "options": options, **evaluator}
    return store.create_run("search", {"algo": "rs", "preset": None, "budget": 3, "space": "nb201",
                                       "searcher": {}, "evaluator": cfg}, seed=0)


def test_a_crafted_store_naming_code_cannot_run_it_on_resume(tmp_path):
    (tmp_path / "evilmod.py").write_text(_EVIL_MODULE)
    marker = tmp_path / "marker"
    db = tmp_path / "runs.db"
    store = RunStore(db)
    env = {**_env(), "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}", "NAOVIZ_TEST_MARKER": str(marker)}
    cases = {"os:system": ({"command": f"touch {marker}"}, True),
             "evilmod:train": ({}, True),                               # importable in the CLI's process
             "subprocess:call": ({"args": f"touch {marker}", "shell": True}, False),
             "builtins:eval": ({"source": f"open({str(marker)!r}, 'w')"}, False),
             "naoviz.child.build_table:train_metrics": ({"epochs": 1}, False)}   # an older store's form
    for name, (options, via_cli) in cases.items():
        run = _training_run(store, name, options)
        message = f"run {run}: unknown training function {name!r}; known: child-trainer"
        if via_cli:
            out = subprocess.run(_cli("--store", str(db), "--resume", run, "--no-progress"),
                                 env=env, capture_output=True, text=True, timeout=120)
            assert (out.returncode, out.stderr) == (2, f"naoviz search: error: {message}\n"), out.stderr
        else:
            with pytest.raises(ValueError) as info:
                resume_search(store, run, progress=False)
            assert str(info.value) == message
        assert not marker.exists(), f"{name}: code ran ({marker.read_text()})"
        assert store.evaluations(run) == [] and store.get_run(run)["status"] == "running"


def test_stored_training_options_are_checked_against_the_registered_function(tmp_path):
    from naoviz.child.build_table import train_metrics
    from naoviz.evaluate import TrainingEvaluator, evaluator_from_config, register_train_function
    from naoviz.spaces import NB201Space
    store = RunStore(tmp_path / "runs.db")
    for options, kw, why in (({"epochs": 1, "evil": "x"}, {}, "unknown option 'evil'; known: data, epochs"),
                             ({"data": {"nested": "x"}}, {}, "data must be a string, number, boolean or null"),
                             ([1, 2], {}, "expected an object, got list"),
                             ({"epochs": 1}, {"train_fn_module": "os"}, "unknown key\\(s\\) 'train_fn_module'")):
        run = _training_run(store, "child-trainer", options, **kw)
        with pytest.raises(ValueError, match=f"run {run}: .*{why}"):
            resume_search(store, run, progress=False)
    ev = TrainingEvaluator(NB201Space(), train_metrics, epochs=1, data="digits")
    assert ev.describe()["train_fn"] == "child-trainer"
    assert evaluator_from_config(ev.describe()).train_fn is train_metrics

    def my_trainer(arch, *, lr=0.1):
        return {"valid_acc": lr, "test_acc": lr}
    with pytest.raises(ValueError, match="'.*my_trainer' is not a registered training function"):
        TrainingEvaluator(NB201Space(), my_trainer)
    register_train_function("test-my-trainer", my_trainer)
    ev = TrainingEvaluator(NB201Space(), my_trainer, lr=0.5)
    rebuilt = evaluator_from_config(ev.describe())
    assert ev.describe()["train_fn"] == "test-my-trainer" and rebuilt.train_fn is my_trainer
    assert rebuilt((0, 0, 0, 0, 0, 0))["metrics"]["valid_acc"] == 0.5
    with pytest.raises(ValueError, match="unknown option 'epochs'; known: lr"):
        TrainingEvaluator(NB201Space(), "test-my-trainer", epochs=3)


# -- one writer per run ------------------------------------------------------------------------------
def test_two_resumes_at_once_one_runs_the_other_is_refused(tmp_path, nb201_table):
    import re
    budget = 130
    store = RunStore(tmp_path / "runs.db")

    def crash_after_10(record):
        if record.query == 10:
            raise _Crash
    with pytest.raises(_Crash):                      # 0.05 s per query: the resumed part takes ~6 s
        start_search("rs", TableEvaluator(nb201_table, delay_s=0.05), budget, 5, store=store, progress=False,
                     on_evaluation=crash_after_10)
    run = store.runs()[0]["id"]
    assert len(store.evaluations(run)) == 10
    args = _cli("--store", str(store.path), "--resume", run, "--no-progress", "--json")
    procs = [subprocess.Popen(args, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    codes = [p.returncode for p in procs]
    assert sorted(codes) == [0, 2], [o[1] for o in outs]
    winner, loser = (0, 1) if codes[0] == 0 else (1, 0)
    assert re.fullmatch(rf"naoviz search: error: run {run} is in use by PID {procs[winner].pid} \(lock .*\)\n",
                        outs[loser][1]), outs[loser][1]
    assert outs[loser][0] == ""
    evals = store.evaluations(run)
    assert len(evals) == budget and len({e["canonical"] for e in evals}) == budget
    assert json.loads(outs[winner][0])["queries"] == budget and store.get_run(run)["status"] == "finished"


def test_a_new_run_holds_its_lock_while_it_runs(tmp_path):
    from naoviz.locks import holder
    from naoviz.store import StoreError
    db = tmp_path / "runs.db"
    proc = start("search", "--algo", "rs", "--queries", "40", "--store", str(db), "--delay", "0.05",
                 "--no-progress", "--json", text=True)
    store = wait_for_store(proc, db, lambda s, runs: runs and holder(s.lock_path(runs[0]["id"])) == proc.pid)
    run = store.runs()[0]["id"]
    with pytest.raises(StoreError, match=f"^run {run} is in use by PID {proc.pid} "):
        with store.hold_run(run):
            pass
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert len(store.evaluations(run)) == 40
    with store.hold_run(run) as path:                 # released when the writer finished
        assert holder(path) == os.getpid()


# -- --resume takes the run as stored ----------------------------------------------------------------
def test_resume_refuses_options_that_conflict_with_the_stored_run(tmp_path, nb201_table, capsys):
    from naoviz.cli import main
    db = tmp_path / "runs.db"
    store = RunStore(db)
    start_search("rs", TableEvaluator(nb201_table), 5, 3, config={"batch": 5}, store=store, progress=False)
    run = store.runs()[0]["id"]
    resume = ["search", "--store", str(db), "--resume", run, "--no-progress"]
    for extra, message in (
            (["--algo", "re"], f"--algo: 're' conflicts with run {run}, stored with 'rs'"),
            (["--queries", "7"], f"--queries: 7 conflicts with run {run}, stored with 5"),
            (["--seed", "4"], f"--seed: 4 conflicts with run {run}, stored with 3"),
            (["--space", "nb201-digits"], f"--space: 'nb201-digits' conflicts with run {run}, stored with 'nb201'"),
            (["--metric", "valid_loss"], f"--metric: 'valid_loss' conflicts with run {run}, stored with 'valid_acc'"),
            (["--report", "valid_acc"], f"--report: 'valid_acc' conflicts with run {run}, stored with 'cifar10_test_acc'"),
            (["--preset", "paper"], f"--preset: 'paper' conflicts with run {run}, stored with None"),
            (["--delay", "0.5"], f"--delay: 0.5 conflicts with run {run}, stored with 0.0"),
            (["--config", '{"batch": 3}'], f"--config: batch=3 conflicts with run {run}, stored with batch=5"),
            (["--config", '{"top_k": 3}'], f'--config: top_k=3 conflicts with run {run}, stored with top_k="<no such field>"')):
        assert main([*resume, *extra]) == 2, extra
        err = capsys.readouterr().err
        assert err.startswith(f"naoviz search: error: {message} (drop ") and err.count("\n") == 1, err
    assert len(store.evaluations(run)) == 5 and store.get_run(run)["status"] == "finished"
    # The stored values, given explicitly, are no conflict.
    assert main([*resume, "--algo", "rs", "--queries", "5", "--seed", "3", "--space", "nb201",
                 "--report", "cifar10_test_acc", "--config", '{"batch": 5}', "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["queries"] == 5 and len(store.evaluations(run)) == 5


def test_store_resume_and_seed_values_are_checked_before_any_work(tmp_path, capsys):
    from naoviz.cli import main
    db = tmp_path / "new.db"
    for argv, message in ((["--store", ""], "--store: must be a non-empty path"),
                          (["--store", "  ", "--resume", "abc"], "--store: must be a non-empty path"),
                          (["--store", str(db), "--resume", ""], "--resume: must be a run id"),
                          (["--store", str(db), "--seed", str(2**70)],
                           "--seed: must be an int in 0..9223372036854775807, got '1180591620717411303424'"),
                          (["--store", str(db), "--seed", "-1"], "--seed: must be an int in 0..9223372036854775807, got '-1'")):
        assert main(["search", "--algo", "rs", "--queries", "3", "--no-progress", *argv]) == 2, argv
        assert capsys.readouterr().err.startswith(f"naoviz search: error: {message}")
    assert not db.exists()                            # refused before the store was opened
    with pytest.raises(ValueError, match=r"seed: must be an int in 0\.\.2\*\*63-1, got 1180591620717411303424"):
        start_search("rs", TableEvaluator("nb201"), 3, 2**70, store=RunStore(db), progress=False)
    assert RunStore(db).runs() == []                  # no run row left behind
    assert main(["search", "--store", str(db), "--resume", "abc", "--no-progress"]) == 2   # a mistyped id
    assert capsys.readouterr().err == (f"naoviz search: error: --resume: run store: no run 'abc' in {db} "
                                       f"(naoviz runs --store {db} lists them)\n")


@pytest.mark.parametrize("metrics, why", [('{"valid_acc": "high", "test_acc": 1}', "got 'high'"),
                                          ('{"test_acc": 1}', "no such metric"),
                                          ('{"valid_acc": true, "test_acc": 1}', "got True")])
def test_a_replayed_evaluation_edited_by_hand_is_named_before_the_run_is_touched(tmp_path, metrics, why):
    """Before: `naoviz search --resume` stopped with 'error: valid_acc' (a bare KeyError) or 'could not convert
    string to float', mid-replay, and marked the run failed; now one line names the store, run, evaluation and
    column, and the run keeps its status."""
    import sqlite3

    from naoviz.store import StoreError
    from naoviz.tables import load_benchmark
    ev = TableEvaluator(load_benchmark("nb201-digits"))
    store = RunStore(tmp_path / "runs.db")
    run_id = start_search("rs", ev, 10, 0, store=store, progress=False).run_id
    store.set_status(run_id, "stopped")
    store.close()
    with sqlite3.connect(tmp_path / "runs.db") as conn:
        conn.execute("UPDATE evaluations SET metrics = ? WHERE id = 3", (metrics,))
    conn.close()
    with pytest.raises(StoreError, match=f"run {run_id}, evaluation 3: 'valid_acc' is not a number \\({why}"):
        resume_search(RunStore(tmp_path / "runs.db"), run_id, progress=False)
    assert RunStore(tmp_path / "runs.db").get_run(run_id)["status"] == "stopped"
    with sqlite3.connect(tmp_path / "runs.db") as conn:
        conn.execute("UPDATE evaluations SET metrics = '{\"valid_acc\": 1, \"test_acc\": 1}', cost_s = 'x' "
                     "WHERE id = 3")
    conn.close()
    with pytest.raises(StoreError, match="evaluation 3: cost_s is not a finite number >= 0 \\(got 'x'"):
        resume_search(RunStore(tmp_path / "runs.db"), run_id, progress=False)


@pytest.mark.parametrize("edit, message", [
    ("canonical = canonical || 'x'", "canonical .* is not its arch's \\(edited by hand\\?\\)"),
    ("canonical = (SELECT canonical FROM evaluations WHERE id = 1)", "canonical .* is not its arch's"),
    ("arch = '|conv~0|'", "arch '\\|conv~0\\|' is not a nb201 cell"),
    ("arch = (SELECT arch FROM evaluations WHERE id = 1), canonical = (SELECT canonical FROM evaluations WHERE id = 1)",
     "the same cell as evaluation 1")])
def test_a_replayed_evaluation_whose_cell_was_edited_by_hand_is_refused(tmp_path, edit, message):
    """Replay matches stored rows by `canonical`: one edited by hand was never matched, so `search --resume`
    evaluated its cell again and stored it twice. Now one line names the store, run and evaluation, and the
    run keeps its status and rows."""
    import sqlite3

    from naoviz.store import StoreError
    from naoviz.tables import load_benchmark
    ev = TableEvaluator(load_benchmark("nb201-digits"))
    db = tmp_path / "runs.db"
    store = RunStore(db)
    run_id = start_search("rs", ev, 10, 0, store=store, progress=False).run_id
    store.set_status(run_id, "stopped")
    store.close()
    with sqlite3.connect(db) as conn:
        conn.execute(f"UPDATE evaluations SET {edit} WHERE id = 3")
    conn.close()
    with pytest.raises(StoreError, match=f"{db}: run {run_id}, evaluation 3: {message}"):
        resume_search(RunStore(db), run_id, progress=False)
    again = RunStore(db)
    assert again.get_run(run_id)["status"] == "stopped" and len(again.evaluations(run_id)) == 10

"""``naoviz compare --store``: every run stored; the same command run again takes the stored runs up, so a
comparison killed part way (SIGKILL) or stopped by Ctrl-C (SIGINT) finishes with the same numbers, losing and
repeating no evaluation."""
from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys

from naoviz.evaluate import TableEvaluator
from naoviz.experiments.search import compare
from naoviz.store import RunStore

from _cli_process import env, kill, start, wait_for_store

ALGOS, QUERIES, SEEDS = "rs,ls", 30, 3


def _compare_args(db, *extra) -> list[str]:
    return ["compare", "--space", "nb201-digits", "--algos", ALGOS, "--queries", str(QUERIES), "--seeds", str(SEEDS),
            "--first-seed", "4", "--store", str(db), "--no-progress", "--json", *extra]


def _searches(store: RunStore) -> list[dict]:
    """The search runs (the store also holds the comparison's own "compare" record, without evaluations)."""
    return [r for r in store.runs() if r["kind"] == "search"]


def _stored_evaluations(store: RunStore) -> list[dict]:
    return [e for run in store.runs() for e in store.evaluations(run["id"])]


def test_compare_killed_then_rerun_matches_an_uninterrupted_compare(tmp_path):
    reference = compare(TableEvaluator("nb201-digits"), [("rs", None), ("ls", None)], QUERIES, range(4, 4 + SEEDS))
    db = tmp_path / "cmp.db"
    proc = start(*_compare_args(db, "--delay", "0.05"))
    # past the first runs, inside another
    store = wait_for_store(proc, db, lambda _, runs: len(runs) >= 4 and runs[-1]["n_evaluations"] >= 5, timeout=120)
    kill(proc)
    before = _stored_evaluations(store)
    unfinished = [r for r in _searches(store) if r["status"] == "running"]
    assert len(unfinished) == 1 and 0 < unfinished[0]["n_evaluations"] < QUERIES     # killed inside a run
    assert len(before) < 2 * SEEDS * QUERIES

    done = subprocess.run([sys.executable, "-m", "naoviz.cli", *_compare_args(db, "--delay", "0.05")], env=env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    after = _stored_evaluations(store)
    runs = _searches(store)
    # Nothing lost (the rows written before the kill are untouched), nothing repeated, no run started twice.
    assert {e["id"] for e in before} <= {e["id"] for e in after}
    assert len(runs) == 2 * SEEDS and all(r["status"] == "finished" for r in runs)   # the same command: same runs
    assert len(after) == 2 * SEEDS * QUERIES
    for run in runs:
        assert len({e["canonical"] for e in store.evaluations(run["id"])}) == QUERIES
    replayed = sum(r["replayed"] for a in summary["algos"].values() for r in a["runs"])
    assert replayed == len(before)
    # The same numbers as a comparison that never stopped.
    for name in ("rs", "ls"):
        assert summary["algos"][name]["curves"] == reference["algos"][name]["curves"]
        assert summary["algos"][name]["queries_to_optimum"] == reference["algos"][name]["queries_to_optimum"]


def test_compare_rerun_on_a_finished_store_replays_every_run(tmp_path):
    store = RunStore(tmp_path / "cmp.db")
    evaluator = TableEvaluator("nb201-digits")
    first = compare(evaluator, [("ls", None)], 20, [0, 1], store=store)
    rows = len(_stored_evaluations(store))
    again = compare(evaluator, [("ls", None)], 20, [0, 1], store=store)
    assert len(_stored_evaluations(store)) == rows == 40               # nothing evaluated a second time
    assert [r["replayed"] for r in again["algos"]["ls"]["runs"]] == [20, 20]
    assert [r["run_id"] for r in again["algos"]["ls"]["runs"]] == [r["run_id"] for r in first["algos"]["ls"]["runs"]]
    assert again["algos"]["ls"]["curves"] == first["algos"]["ls"]["curves"]
    # Another budget or seed is another search: a new run, not a replay.
    third = compare(evaluator, [("ls", None)], 25, [0], store=store)
    assert third["algos"]["ls"]["runs"][0]["replayed"] == 0
    assert len(_searches(store)) == 3
    records = [r for r in store.runs() if r["kind"] == "compare"]          # one per distinct comparison
    assert [r["status"] for r in records] == ["finished", "finished"] and records[0]["config"]["seeds"] == [0, 1]


def test_compare_interrupted_by_ctrl_c_says_so_in_one_line_and_the_rerun_resumes(tmp_path):
    """Ctrl-C (SIGINT) mid-run: one line naming the store and how to resume, exit status 130, the run it was
    inside marked "stopped" with its evaluations kept; the same command then finishes every run."""
    db = tmp_path / "cmp.db"
    args = _compare_args(db, "--delay", "0.05")
    proc = start(*args)
    store = wait_for_store(proc, db, lambda _, runs: len(runs) >= 3 and runs[-1]["n_evaluations"] >= 5, timeout=120)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [f"naoviz compare: interrupted; the runs so far are in {db}; the same "
                                        f"command resumes them: naoviz {shlex.join(args)}"], err
    before = _stored_evaluations(store)
    stopped = [r for r in _searches(store) if r["status"] != "finished"]
    assert [r["status"] for r in store.runs() if r["kind"] == "compare"] == ["stopped"]
    assert [r["status"] for r in stopped] == ["stopped"] and 0 < stopped[0]["n_evaluations"] < QUERIES
    done = subprocess.run([sys.executable, "-m", "naoviz.cli", *args], env=env(), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    after = _stored_evaluations(store)
    assert {e["id"] for e in before} <= {e["id"] for e in after} and len(after) == 2 * SEEDS * QUERIES
    assert len(_searches(store)) == 2 * SEEDS and all(r["status"] == "finished" for r in store.runs())


def test_a_rerun_with_other_jobs_or_output_flags_takes_up_the_same_compare_record(tmp_path):
    """The record keeps the command line; a rerun that differs only in how it runs (--jobs, --no-progress,
    --json) made a second record, and the first stayed "stopped" in `naoviz runs` although its runs finished."""
    store = RunStore(tmp_path / "cmp.db")
    evaluator = TableEvaluator("nb201-digits")
    base = ["naoviz", "compare", "--space", "nb201-digits", "--algos", "ls", "--queries", "10", "--seeds", "2"]
    for extra in ([], ["--jobs", "2", "--no-progress"], ["--json", "--jobs=auto"]):
        compare(evaluator, [("ls", None)], 10, [0, 1], store=store, command=base + extra, cwd=str(tmp_path))
    records = [r for r in store.runs() if r["kind"] == "compare"]
    assert len(records) == 1 and records[0]["status"] == "finished"
    assert records[0]["config"]["command"] == base                  # the first command, offered by `naoviz runs`
    # what it compares is still the record's identity: another seed count is another comparison
    compare(evaluator, [("ls", None)], 10, [0], store=store, command=[*base[:-1], "1"], cwd=str(tmp_path))
    assert len([r for r in store.runs() if r["kind"] == "compare"]) == 2

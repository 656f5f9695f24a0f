"""Runs that survive: a CLI search killed with SIGKILL resumes without losing or repeating an evaluation."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.search import resume_search, start_search
from naoviz.store import RunStore

torch.set_num_threads(1)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _cli(*args) -> list[str]:
    return [sys.executable, "-m", "naoviz.cli", "search", *args]


def _env():
    return {**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1"}


def test_cli_search_killed_then_resumed_matches_uninterrupted(tmp_path, nb201_table):
    budget, seed = 40, 7
    reference = start_search("ls", TableEvaluator(nb201_table), budget, seed, progress=False)

    db = tmp_path / "runs.db"
    proc = subprocess.Popen(_cli("--algo", "ls", "--queries", str(budget), "--seed", str(seed), "--store", str(db),
                                 "--delay", "0.1", "--no-progress", "--json"),
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    store = None
    while time.monotonic() < deadline:
        if db.exists():
            store = store or RunStore(db)
            runs = store.runs()
            if runs and runs[0]["n_evaluations"] >= 10:
                break
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.03)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
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
    reference = start_search("nao", ev, 30, 2, config=config, progress=False)
    store = RunStore(tmp_path / "runs.db")

    def crash_after_20(record):
        if record.query == 20:
            raise _Crash

    with pytest.raises(_Crash):
        start_search("nao", ev, 30, 2, config=config, store=store, progress=False, on_evaluation=crash_after_20)
    run_id = store.runs()[0]["id"]
    stored = store.evaluations(run_id)
    assert store.get_run(run_id)["status"] == "failed" and len(stored) >= 20
    resumed = resume_search(store, run_id, progress=False)
    assert [r.to_dict()["arch"] for r in resumed.history] == [r.arch for r in reference.history]
    assert sum(r.replayed for r in resumed.history) == len(stored)
    assert resumed.incumbent().arch == reference.incumbent().arch
    assert len(store.evaluations(run_id)) == 30

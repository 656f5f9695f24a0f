"""``naoviz search --evaluator train``: children trained for real, every evaluation in the store, a run killed
with SIGKILL resumed without training an evaluated cell again; your own images; options checked first."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import torch
from _images import make_folder

from naoviz.cli import main
from naoviz.evaluate import TableEvaluator
from naoviz.search import start_search
from naoviz.store import RunStore

torch.set_num_threads(1)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _cli(*args) -> list[str]:
    return [sys.executable, "-m", "naoviz.cli", "search", *args]


def _env():
    return {**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1"}


def test_trained_rs_search_stores_every_evaluation_and_resumes_after_sigkill(tmp_path, capsys):
    db, budget, seed = tmp_path / "runs.db", 3, 4
    proc = subprocess.Popen(_cli("--evaluator", "train", "--data", "digits", "--algo", "rs", "--queries", str(budget),
                                 "--epochs", "1", "--seed", str(seed), "--store", str(db), "--no-progress", "--json"),
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline, store = time.monotonic() + 90, None
    while time.monotonic() < deadline:                   # kill it as soon as its first evaluation is stored
        if db.exists():
            store = store or RunStore(db)
            runs = store.runs()
            if runs and runs[0]["n_evaluations"] >= 1:
                break
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    run_id = store.runs()[0]["id"]
    before = store.evaluations(run_id)
    assert 1 <= len(before) < budget and store.get_run(run_id)["status"] == "running"
    stored = store.get_run(run_id)["config"]["evaluator"]
    assert stored["name"] == "training" and stored["train_fn"] == "child-trainer"       # a name, never a path
    assert stored["options"]["data"] == "digits" and stored["options"]["epochs"] == 1

    code = main(["search", "--store", str(db), "--resume", run_id, "--no-progress", "--json"])   # in-process
    out = capsys.readouterr()
    assert code == 0, out.err
    resumed = json.loads(out.out)
    after = store.evaluations(run_id)
    assert [e["id"] for e in after[:len(before)]] == [e["id"] for e in before]          # nothing lost
    assert len(after) == budget and len({e["canonical"] for e in after}) == budget      # nothing trained twice
    assert sum(r["replayed"] for r in resumed["history"]) == len(before)
    for r, e in zip(resumed["history"], after):
        assert r["value"] == e["metrics"]["valid_acc"] and 0 <= r["report"] <= 100 and e["cost_s"] > 0
    # The searcher proposed what it would have without the kill (random search: the seed alone decides).
    reference = start_search("rs", TableEvaluator("nb201-digits"), budget, seed, progress=False)
    assert [r["arch"] for r in resumed["history"]] == [r.arch for r in reference.history]
    assert store.get_run(run_id)["status"] == "finished"
    # Options given again must agree with the stored run.
    code = main(["search", "--store", str(db), "--resume", run_id, "--epochs", "2"])
    assert code == 2


def _error(capsys, *argv) -> str:
    code = main(["search", "--no-progress", *argv])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_search_and_compare_on_an_image_folder(tmp_path, capsys):
    root = make_folder(tmp_path / "imgs")
    db = tmp_path / "runs.db"
    code = main(["search", "--evaluator", "train", "--data", f"imagefolder:{root}", "--image-size", "8",
                 "--algo", "re", "--queries", "2", "--epochs", "1", "--store", str(db), "--no-progress", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    result = json.loads(out.out)
    assert result["queries"] == 2 and result["report"] == "test_acc"
    assert "data: 3 classes (" in out.err and "train/valid/test images of 8x8" in out.err      # what it read
    run = RunStore(db).get_run(result["run_id"])
    assert run["config"]["evaluator"]["options"]["data"] == f"imagefolder:{root}"
    assert run["config"]["evaluator"]["options"]["image_size"] == 8 and run["n_evaluations"] == 2

    code = main(["compare", "--evaluator", "train", "--data", f"imagefolder:{root}", "--image-size", "8",
                 "--algos", "rs,ls", "--queries", "2", "--seeds", "1", "--epochs", "1", "--no-progress", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    summary = json.loads(out.out)
    assert set(summary["algos"]) == {"rs", "ls"} and summary["optimum"] is None
    assert all(0 <= a["at"]["2"]["mean"] <= 100 for a in summary["algos"].values())


def test_bad_training_options_fail_before_a_run_is_stored(tmp_path, capsys):
    db = tmp_path / "runs.db"
    train = ["--evaluator", "train", "--queries", "2", "--epochs", "1", "--store", str(db)]
    corrupt = make_folder(tmp_path / "corrupt")
    (corrupt / "cat" / "3.png").write_bytes(b"not a png")
    assert f"{corrupt / 'cat' / '3.png'}: not a readable image" in _error(
        capsys, *train, "--data", f"imagefolder:{corrupt}")
    assert "no such folder" in _error(capsys, *train, "--data", f"imagefolder:{tmp_path / 'nope'}")
    assert "--space: 'nb201-digits' is a table" in _error(capsys, *train, "--space", "nb201-digits")
    assert "--metric: unknown metric 'cifar10_valid_acc' for --evaluator train" in _error(
        capsys, *train, "--metric", "cifar10_valid_acc")
    assert "--constraint: only with --evaluator table" in _error(capsys, *train, "--constraint", "params_M<=1")
    assert "--delay: only with --evaluator table" in _error(capsys, *train, "--delay", "1")
    assert "--data: only with --evaluator train or supernet" in _error(capsys, "--data", "digits", "--store", str(db))
    assert "--epochs: only with --evaluator train or supernet" in _error(capsys, "--epochs", "2")
    assert "--child-preset: only with --evaluator train (" in _error(capsys, "--child-preset", "digits-quick")
    assert "--space: 'naonet' has no table evaluator" in _error(capsys, "--space", "naonet")
    assert not db.exists() or RunStore(db).runs() == []


def test_bad_supernet_options_fail_before_a_run_is_stored(tmp_path, capsys):
    db = tmp_path / "runs.db"
    sn = ["--evaluator", "supernet", "--queries", "2", "--epochs", "1", "--store", str(db)]
    assert "--child-preset: only with --evaluator train" in _error(capsys, *sn, "--child-preset", "digits-quick")
    assert "--image-size: only with --evaluator train" in _error(capsys, *sn, "--image-size", "8")
    assert "--metric: the supernet evaluator gives valid_acc, test_acc, valid_loss, test_loss" in \
        _error(capsys, *sn, "--metric", "params_M")
    assert "--space: the supernet evaluator scores nb201 or naonet-ws cells" in _error(capsys, *sn, "--space", "naonet")
    assert "--constraint: only with --evaluator table" in _error(capsys, *sn, "--constraint", "params_M<=1")
    assert "--evaluator supernet: " in _error(capsys, *sn, "--data", "imagefolder:/nonexistent")
    assert not db.exists() or RunStore(db).runs() == []

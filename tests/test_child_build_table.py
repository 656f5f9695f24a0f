"""build-table: trains one arch per class into the run store, resumes, writes a table the benchmark reads."""
from __future__ import annotations

import pytest

from naoviz.tables.benchmark import load_digits_table
from naoviz.child.build_table import BuildConfig, build_benchmark, representatives
from naoviz.cli import main
from naoviz.spaces import NB201Space
from naoviz.store import RunStore

TINY = dict(data="digits", epochs=1, channels=4, cells=1, batch_size=128, lr=0.05, seed=0)


def test_representatives_cover_every_class_once():
    space = NB201Space()
    reps = representatives(space)
    assert len(reps) == 6466 and len({space.canonical(a) for _, a in reps}) == 6466
    assert all(space.index_of(a) == i for i, a in reps[:50])
    sub = representatives(space, 5, seed=3)
    assert len(sub) == 5 and sub == representatives(space, 5, seed=3) and set(sub) <= set(reps)


class _Stop(Exception):
    pass


def _stop_after(n):
    def hook(count, metrics):
        if count == n:
            raise _Stop()
    return hook


def test_build_resumes_and_writes_a_readable_table(tmp_path):
    db, out = tmp_path / "runs.db", tmp_path / "nb201_digits.csv"
    config = BuildConfig(archs=4, **TINY)
    with pytest.raises(_Stop):
        build_benchmark(config, db, out, progress=False, on_result=_stop_after(2))
    store = RunStore(db)
    (run,) = store.runs()
    assert run["status"] == "failed" and run["n_evaluations"] == 2
    summary = build_benchmark(config, db, out, progress=False)
    assert summary["run_id"] == run["id"] and (summary["trained"], summary["reused"], summary["rows"]) == (2, 2, 4)
    assert store.get_run(run["id"])["status"] == "finished"
    evals = store.evaluations(run["id"])
    assert len({e["canonical"] for e in evals}) == 4
    table = load_digits_table(out)
    assert len(table) == 4 and {"valid_acc", "test_acc", "train_time_s", "params_M"} <= set(table.metrics)
    assert ((table.metric("test_acc") >= 0) & (table.metric("test_acc") <= 100)).all()
    # every member of a built class is answered by its representative's row
    space = table.space
    i = int(table.frame.index[0])
    members = space.classes[space.canonical(space.from_index(i))]
    assert table.query(members[-1])["test_acc"] == table.query(i)["test_acc"]


def test_a_larger_build_reuses_classes_trained_with_the_same_settings(tmp_path):
    db = tmp_path / "runs.db"
    settings = {**TINY, "seed": 2}                      # seed 2: the 2-class subset lies inside the 3-class one
    small = build_benchmark(BuildConfig(archs=2, **settings), db, tmp_path / "two.csv", progress=False)
    assert small["trained"] == 2
    larger = build_benchmark(BuildConfig(archs=3, **settings), db, tmp_path / "three.csv", progress=False)
    assert (larger["copied_from_other_runs"], larger["trained"], larger["rows"]) == (2, 1, 3)
    two, three = load_digits_table(tmp_path / "two.csv"), load_digits_table(tmp_path / "three.csv")
    for i in two.frame.index:
        assert three.query(int(i)) == two.query(int(i))
    # other training settings are a different benchmark: nothing is copied
    other = build_benchmark(BuildConfig(archs=2, **{**settings, "lr": 0.1}), db, tmp_path / "lr.csv", progress=False)
    assert (other["copied_from_other_runs"], other["trained"]) == (0, 2)


def test_cli_bench_build_and_bad_options(tmp_path, capsys):
    args = ["build-table", "--archs", "1", "--epochs", "1", "--channels", "4", "--store", str(tmp_path / "r.db"),
            "--out", str(tmp_path / "t.csv"), "--json"]
    assert main(args) == 0
    assert '"rows": 1' in capsys.readouterr().out
    assert main(args[:2] + ["many"] + args[3:]) == 2
    assert "--archs: expected 'all' or a number, got 'many'" in capsys.readouterr().err
    assert main(args[:2] + ["0"] + args[3:]) == 2
    assert "--archs" in capsys.readouterr().err


def test_build_on_a_dask_local_cluster(tmp_path):
    from naoviz.evaluate import ClusterConfig
    config = BuildConfig(archs=1, **TINY)
    summary = build_benchmark(config, tmp_path / "runs.db", tmp_path / "t.csv",
                              cluster=ClusterConfig(local_cluster=1), progress=False)
    assert summary["rows"] == 1 and len(load_digits_table(tmp_path / "t.csv")) == 1


def test_train_metrics_plugs_into_the_training_evaluator():
    from naoviz.child.build_table import train_metrics
    from naoviz.evaluate import TrainingEvaluator
    from naoviz.spaces import get_space
    space = get_space("naonet-ws")
    ev = TrainingEvaluator(space, train_metrics, metric="valid_acc", report="test_acc", space_name="naonet-ws",
                           data="synthetic", epochs=1, channels=4, cells=1, batch_size=128)
    out = ev(space.sample(1, seed=0)[0])
    assert 0 <= out["metrics"]["valid_acc"] <= 100 and out["cost_s"] > 0 and out["metrics"]["params_M"] > 0


def test_a_nan_metric_is_an_error_never_a_table_row(tmp_path):
    from naoviz.child.build_table import METRICS, write_table
    from naoviz.errors import NaovizError
    space = NB201Space()
    store = RunStore(tmp_path / "s.db")
    run = store.create_run("build-table", {"x": 1}, 0)
    arch = space.from_index(0)
    metrics = {m: 1.0 for m in METRICS} | {"valid_loss": float("nan")}
    store.add_evaluation(run, space="nb201", arch=space.format(arch), canonical=space.canonical(arch),
                         metrics=metrics, evaluator="child-trainer", cost_s=1.0)
    with pytest.raises(NaovizError, match="non-finite metrics.*valid_loss"):
        write_table(store, run, tmp_path / "t.csv")
    assert not (tmp_path / "t.csv").exists()
    with pytest.raises(ValueError, match="--lr"):
        BuildConfig(**{**TINY, "lr": float("nan")}).check()

"""RunStore on real SQLite files, with real writer processes (killed with SIGKILL, or racing each other)."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from naoviz.store import RunStore

WRITER = Path(__file__).with_name("_store_writer.py")


def _writer(db: Path, run_id: str, tag: str, n: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WRITER), str(db), run_id, tag, str(n)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_round_trip_and_contract(tmp_path):
    store = RunStore(tmp_path / "runs.db")
    run = store.create_run("nao-search", {"budget": 100, "lr": np.float32(0.5), "out": tmp_path}, seed=3)
    assert len(run) == 12 and int(run, 16) >= 0
    assert store.get_run(run) == {"id": run, "kind": "nao-search", "config": {"budget": 100, "lr": 0.5,
                                  "out": str(tmp_path)}, "seed": 3, "status": "running",
                                  "created": store.get_run(run)["created"], "n_evaluations": 0}
    ids = [store.add_evaluation(run, space="nb201", arch=f"a{i}", canonical=f"c{i}",
                                metrics={"valid_acc": 80.0 + i, "test_acc": np.float64(70.5)},
                                evaluator="table", cost_s=0.25, extra={"source": "random"} if i else None)
           for i in range(3)]
    assert ids == sorted(ids)
    evals = store.evaluations(run)
    assert [e["id"] for e in evals] == ids and [e["arch"] for e in evals] == ["a0", "a1", "a2"]
    assert evals[1]["metrics"] == {"valid_acc": 81.0, "test_acc": 70.5}
    assert evals[0]["extra"] is None and evals[2]["extra"] == {"source": "random"}
    store.set_status(run, "finished")
    other = store.create_run("random", {}, seed=0)
    assert [r["id"] for r in store.runs()] == [run, other]
    assert store.get_run(run)["status"] == "finished" and store.get_run(run)["n_evaluations"] == 3
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "model.safetensors").write_bytes(b"weights")
    art = store.add_artifact(run, ckpt)
    assert store.artifacts(run)[0]["id"] == art and len(store.artifacts(run)[0]["sha256"]) == 64
    store.add_artifact(run, tmp_path / "gone.pt", sha256="0" * 64)
    assert len(store.artifacts(run)) == 2

    frame = store.to_frame(run)
    assert list(frame.columns)[:8] == ["id", "run_id", "space", "arch", "canonical", "evaluator", "cost_s", "created"]
    assert frame["valid_acc"].tolist() == [80.0, 81.0, 82.0] and frame["test_acc"].tolist() == [70.5] * 3
    out = store.export_csv(tmp_path / "out" / "evals.csv")
    back = pd.read_csv(out)
    assert back["arch"].tolist() == ["a0", "a1", "a2"] and json.loads(back["extra"][1]) == {"source": "random"}
    assert len(store.to_frame()) == 3 and len(store.to_frame(other)) == 0

    again = RunStore(tmp_path / "runs.db")              # reopen: same data, schema untouched
    assert again.evaluations(run) == evals
    import pickle
    assert pickle.loads(pickle.dumps(store)).evaluations(run) == evals   # picklable for worker processes
    conn = sqlite3.connect(tmp_path / "runs.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= \
        {"runs", "evaluations", "artifacts"}


def test_bad_input_errors_name_the_value(tmp_path):
    store = RunStore(tmp_path / "runs.db")
    run = store.create_run("nao", {}, seed=0)
    ok = dict(space="nb201", arch="a", canonical="c", metrics={}, evaluator="table", cost_s=0.0)
    for call in (lambda: store.evaluations("deadbeef0000"), lambda: store.get_run("nope"),
                 lambda: store.add_evaluation("nope", **ok), lambda: store.set_status("nope", "failed"),
                 lambda: store.add_artifact("nope", tmp_path, sha256="x")):
        with pytest.raises(KeyError, match="nope|deadbeef0000"):
            call()
    with pytest.raises(ValueError, match="'done'"):
        store.set_status(run, "done")
    with pytest.raises(ValueError, match="cost_s.*-1"):
        store.add_evaluation(run, **{**ok, "cost_s": -1})
    with pytest.raises(ValueError, match="metrics must be JSON serialisable"):
        store.add_evaluation(run, **{**ok, "metrics": {"x": object()}})
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        store.add_artifact(run, tmp_path / "missing.pt")
    assert store.evaluations(run) == []               # failed appends left nothing behind
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)
    with pytest.raises(ValueError, match="junk.db"):
        RunStore(tmp_path / "junk.db")


def test_sigkill_mid_run_keeps_every_committed_row(tmp_path):
    db = tmp_path / "runs.db"
    store = RunStore(db)
    run = store.create_run("search", {"budget": -1}, seed=0)
    proc = _writer(db, run, "w", -1)
    printed = []
    try:
        while len(printed) < 300:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            printed.append(int(line))
            if len(printed) == 150:                   # a reader in another process while the writer writes
                assert len(RunStore(db).evaluations(run)) >= 150
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    after = RunStore(db)
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    evals = after.evaluations(run)
    stored = [e["id"] for e in evals]
    assert set(printed) <= set(stored)
    assert len(stored) >= len(printed)                # at most the one row committed but not yet printed
    assert [e["metrics"]["seq"] for e in evals] == list(range(len(evals)))   # a prefix: no gaps, no dupes
    after.add_evaluation(run, space="nb201", arch="resumed", canonical="c", metrics={}, evaluator="t", cost_s=0)
    assert after.evaluations(run)[-1]["arch"] == "resumed"


def test_two_processes_and_threads_appending_lose_nothing(tmp_path):
    db = tmp_path / "runs.db"
    store = RunStore(db)
    run = store.create_run("parallel", {}, seed=0)
    procs = {tag: _writer(db, run, tag, 150) for tag in ("A", "B")}

    def threaded(tag: str) -> None:                    # one shared RunStore used from several threads
        for i in range(40):
            store.add_evaluation(run, space="nb201", arch=f"{tag}-{i}", canonical="c", metrics={"seq": i},
                                 evaluator="thread", cost_s=0.0)
    threads = [threading.Thread(target=threaded, args=(t,)) for t in ("T1", "T2")]
    for t in threads:
        t.start()
    outputs = {tag: p.communicate(timeout=120) for tag, p in procs.items()}
    for t in threads:
        t.join()
    for tag, p in procs.items():
        assert p.returncode == 0, outputs[tag][1]
    evals = store.evaluations(run)
    assert len(evals) == 2 * 150 + 2 * 40
    for tag, n in (("A", 150), ("B", 150), ("T1", 40), ("T2", 40)):
        mine = [e for e in evals if e["arch"].startswith(f"{tag}-")]
        assert [e["metrics"]["seq"] for e in mine] == list(range(n))
    for tag in ("A", "B"):
        assert sorted(int(x) for x in outputs[tag][0].split()) == \
            [e["id"] for e in evals if e["arch"].startswith(f"{tag}-")]


def test_non_finite_metrics_are_strict_json_and_read_back_as_nan(tmp_path):
    store = RunStore(tmp_path / "runs.db")
    run = store.create_run("search", {"budget": 2}, seed=0)
    store.add_evaluation(run, space="nb201", arch="a", canonical="a", evaluator="table", cost_s=1.0,
                         metrics={"valid_loss": float("nan"), "latency": np.float64("inf"), "acc": 91.5},
                         extra={"score": np.float32("nan")})
    def refuse(token):
        raise ValueError(token)
    with sqlite3.connect(tmp_path / "runs.db") as conn:
        metrics_text, extra_text = conn.execute("SELECT metrics, extra FROM evaluations").fetchone()
        assert json.loads(metrics_text, parse_constant=refuse)["acc"] == 91.5      # jq / json_extract can read it
        json.loads(extra_text, parse_constant=refuse)
        assert conn.execute("SELECT json_extract(metrics, '$.acc') FROM evaluations").fetchone()[0] == 91.5
    m = store.evaluations(run)[0]["metrics"]
    assert np.isnan(m["valid_loss"]) and np.isnan(m["latency"]) and m["acc"] == 91.5


def _filled_store(path: Path, n: int = 2000) -> None:
    store = RunStore(path)
    run = store.create_run("search", {"budget": n}, seed=0)
    for i in range(n):
        store.add_evaluation(run, space="nb201", arch=f"a{i}", canonical=f"c{i}", metrics={"valid_acc": i},
                             evaluator="t", cost_s=0.0, extra={"blob": "x" * 200})
    store._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


def _make_text(p):
    p.write_text("id,kind\n1,search\n" * 50)


def _make_random(p):
    p.write_bytes(np.random.default_rng(0).bytes(20_000))


def _make_truncated(p):
    _filled_store(p)
    data = p.read_bytes()
    p.write_bytes(data[:len(data) // 2])


def _make_torn_page(p):                                   # a page in the middle overwritten with garbage
    _filled_store(p)
    data = bytearray(p.read_bytes())
    data[40_960:45_056] = np.random.default_rng(1).bytes(4096)
    p.write_bytes(bytes(data))


def _sql(p, *statements):
    conn = sqlite3.connect(p, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()


def _make_other_schema(p):
    _sql(p, "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)", "INSERT INTO photos (name) VALUES ('cat.jpg')")


def _make_missing_columns(p):
    _sql(p, "CREATE TABLE runs (id TEXT PRIMARY KEY, kind TEXT, config TEXT)",
         "CREATE TABLE evaluations (id INTEGER PRIMARY KEY, run_id TEXT)",
         "CREATE TABLE artifacts (id INTEGER PRIMARY KEY, run_id TEXT)")


def _make_newer(p):
    RunStore(p).close()
    _sql(p, "PRAGMA user_version = 9")


@pytest.mark.parametrize("make, why", [
    (_make_text, "not a usable SQLite database"), (_make_random, "not a usable SQLite database"),
    (_make_truncated, "malformed|corrupt"), (_make_torn_page, "malformed|corrupt"),
    (_make_other_schema, "another schema.*photos"), (_make_missing_columns, "lacks column"),
    (_make_newer, "schema version 9")])
def test_files_that_are_not_run_stores_are_refused_at_open_and_left_as_they_were(tmp_path, make, why):
    path = tmp_path / f"{make.__name__[6:]}.db"
    make(path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=why) as info:
        RunStore(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    assert path.read_bytes() == before                 # nothing written into a file that is not ours
    assert not any(p.name.endswith(("-wal", "-shm")) and p.stat().st_size for p in tmp_path.iterdir())


def test_store_paths_that_cannot_hold_a_store_are_clear_errors(tmp_path):
    (tmp_path / "notes.txt").write_text("a file")
    for bad, why in ((tmp_path / "notes.txt" / "runs.db", "notes.txt is a file, not a folder"),
                     (tmp_path / "notes.txt" / "deeper" / "runs.db", "notes.txt is a file, not a folder"),
                     (tmp_path, "is a folder"), ("", "expected a file path")):
        with pytest.raises(ValueError, match=why):
            RunStore(bad)
    if Path("/proc/self").is_dir():                     # a folder nobody may create files in, root included
        with pytest.raises(ValueError, match="/proc/self is not writable"):
            RunStore("/proc/self/runs.db")
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        with pytest.raises(ValueError, match="ro is not writable"):
            RunStore(ro / "runs.db")


def test_cli_refuses_a_store_of_another_schema_in_one_line(tmp_path):
    db = tmp_path / "old.db"
    _make_missing_columns(db)
    out = subprocess.run([sys.executable, "-m", "naoviz.cli", "search", "--algo", "rs", "--queries", "3",
                          "--store", str(db), "--no-progress"],
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert str(db) in out.stderr and "lacks column" in out.stderr


def test_integers_sqlite_cannot_hold_are_refused_before_writing(tmp_path):
    store = RunStore(tmp_path / "runs.db")
    for seed in (2**70, 2**63, -1, 1.5, True, "3"):
        with pytest.raises(ValueError, match=r"seed: must be an int in 0\.\.2\*\*63-1"):
            store.create_run("search", {}, seed=seed)
    assert store.runs() == []
    run = store.create_run("search", {}, seed=np.int64(2**63 - 1))
    assert store.get_run(run)["seed"] == 2**63 - 1
    ok = dict(space="nb201", arch="a", canonical="c", metrics={}, evaluator="table")
    for cost in (10**400, "x", None, float("inf")):
        with pytest.raises(ValueError, match="cost_s"):
            store.add_evaluation(run, **ok, cost_s=cost)
    assert store.evaluations(run) == []


def test_build_table_takes_its_run_lock_before_writing(tmp_path):
    from naoviz.child.build_table import BuildConfig, build_benchmark
    from naoviz.store import StoreError
    config = BuildConfig(archs=2, epochs=1, channels=4)
    store = RunStore(tmp_path / "runs.db")
    run = store.create_run("build-table", json.loads(json.dumps(config.to_dict())), config.seed)
    with store.hold_run(run):                          # another writer holds the run build-table would resume
        with pytest.raises(StoreError, match=f"^run {run} is in use by PID {os.getpid()} "):
            build_benchmark(config, store.path, tmp_path / "t.csv", progress=False)
    assert store.evaluations(run) == [] and store.get_run(run)["status"] == "running"
    assert not (tmp_path / "t.csv").exists()


@pytest.mark.parametrize("column, value, named", [("runs.config", "not json", "config is not valid JSON"),
                                                  ("evaluations.metrics", "garbage", "metrics is not valid JSON"),
                                                  ("evaluations.metrics", "[1, 2]", "not a JSON object"),
                                                  ("evaluations.extra", "{", "extra is not valid JSON")])
def test_a_row_edited_by_hand_into_bad_json_is_one_line_naming_the_row(tmp_path, column, value, named):
    db = tmp_path / "runs.db"
    store = RunStore(db)
    run = store.create_run("search", {"algo": "rs"}, seed=0)
    store.add_evaluation(run, space="nb201", arch="a", canonical="a", metrics={"valid_acc": 1.0},
                         evaluator="table", cost_s=1.0, extra={"source": "random"})
    store.close()
    table, field = column.split(".")
    _sql(db, f"UPDATE {table} SET {field} = '{value}'")
    from naoviz.store import StoreError
    with pytest.raises(StoreError, match=named) as err:
        RunStore(db).evaluations(run) if table == "evaluations" else RunStore(db).get_run(run)
    assert str(db) in str(err.value) and run in str(err.value)
    out = subprocess.run([sys.executable, "-m", "naoviz.cli", "runs", "--store", str(db), "--csv", "all", "--out", "-"],
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and named in out.stderr, out.stderr


def _runs_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "naoviz.cli", "runs", *args],
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
                          capture_output=True, text=True, timeout=120)


def test_naoviz_runs_on_an_empty_file_lists_no_runs_and_writes_nothing(tmp_path):
    """Listing writes nothing (docs/store.md): before, `naoviz runs` on a zero-byte file made it a 32 kB store."""
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    out = _runs_cli("--store", str(db))
    assert out.returncode == 0 and "no runs" in out.stdout, out.stderr
    assert db.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


def _read_only(path: Path, on: bool) -> None:
    """A file or folder nobody may write, root included (chmod does not stop root; `chattr +i` does)."""
    if os.geteuid() != 0:
        path.chmod(0o555 if path.is_dir() else 0o444) if on else path.chmod(0o755 if path.is_dir() else 0o644)
        return
    done = subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot make {path} read-only as root here: {done.stderr!r}")


def test_naoviz_runs_lists_a_store_in_a_read_only_folder(tmp_path):
    """A store on a read-only mount or someone else's folder is listed and exported (read with mode=ro, or
    immutable where SQLite cannot make its -shm file); before: "is not readable and writable" / "unable to open
    database file". Writing to it is still refused in one line."""
    folder = tmp_path / "shared"
    folder.mkdir()
    store = RunStore(folder / "runs.db")
    run = store.create_run("search", {"algo": "rs", "budget": 1}, seed=0)
    store.add_evaluation(run, space="nb201", arch="a", canonical="a", metrics={"valid_acc": 1.0},
                         evaluator="table", cost_s=1.0)
    store.close()
    for name in ("runs.db-wal", "runs.db-shm"):                # as after a clean close
        assert not (folder / name).exists()
    _read_only(folder / "runs.db", True)
    _read_only(folder, True)
    try:
        out = _runs_cli("--store", str(folder / "runs.db"))
        assert out.returncode == 0 and run in out.stdout, out.stderr
        out = _runs_cli("--store", str(folder / "runs.db"), "--csv", run, "--out", "-")
        assert out.returncode == 0 and out.stdout.count("\n") == 2, out.stderr
        with pytest.raises(ValueError):
            RunStore(folder / "runs.db")                       # to write: refused
        with pytest.raises(ValueError, match="read-only"):
            RunStore(folder / "runs.db", read_only=True).set_status(run, "finished")
        assert sorted(p.name for p in folder.iterdir()) == ["runs.db"]
    finally:
        _read_only(folder, False)
        _read_only(folder / "runs.db", False)


def test_a_store_named_like_another_stores_journal_is_refused_before_it_can_be_lost(tmp_path):
    """`--store runs.db-wal` beside runs.db made a store that SQLite deleted as runs.db's WAL the next time runs.db
    was opened (its runs lost); now the name is refused, and an SQLite database found under such a name stops the
    opening of runs.db, left as it was."""
    from naoviz.store import StoreError
    RunStore(tmp_path / "runs.db").close()
    for name in ("runs.db-wal", "runs.db-shm", "other.db-journal"):
        with pytest.raises(StoreError, match="-wal, -shm or -journal"):
            RunStore(tmp_path / name)
        assert not (tmp_path / name).exists()
    other = tmp_path / "b.db"                                # a database that was renamed to a journal's name
    store = RunStore(other)
    store.create_run("search", {}, seed=0)
    store.close()
    other.rename(tmp_path / "a.db-wal")
    before = (tmp_path / "a.db-wal").read_bytes()
    (tmp_path / "a.db").write_bytes(b"")
    for read_only in (False, True):                          # naoviz search and naoviz runs alike
        with pytest.raises(StoreError, match="a.db-wal beside it is an SQLite database"):
            RunStore(tmp_path / "a.db", read_only=read_only)
    assert (tmp_path / "a.db-wal").read_bytes() == before

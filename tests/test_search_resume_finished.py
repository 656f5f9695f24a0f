"""``search --resume`` of a run that already finished answers from the store (nothing searched, trained or written);
a finished run whose record is not whole is replayed instead; a replay says so before it starts."""
from __future__ import annotations

import json
import re
import sqlite3

import pytest

from naoviz.cli import main
from naoviz.evaluate import TableEvaluator
from naoviz.search import resume_search, start_search
from naoviz.store import RunStore

# a tiny NAO: two rounds of refits on 12 queries
NAO_CONFIG = {"epochs": 5, "warm_epochs": 2, "n_init": 6, "top_k": 2, "n_new": 3, "n_mutations": 1,
              "model": {"hidden_size": 16, "mlp_hidden": 16, "augment_draws": 1}}


def _data_version(con) -> int:
    """SQLite's count of commits made by other connections than ``con`` (any process) since it opened."""
    return con.execute("PRAGMA data_version").fetchone()[0]


def _same(result: dict) -> dict:
    """A search's --json with what differs between a run and its stored answer left out."""
    out = {k: v for k, v in result.items() if k not in ("wall_s", "stored")}
    out["history"] = [{k: v for k, v in r.items() if k != "replayed"} for r in result["history"]]
    out["incumbent"] = {k: v for k, v in result["incumbent"].items() if k != "replayed"}
    return out


def test_a_finished_nao_run_resumed_prints_its_stored_result_and_writes_nothing(tmp_path, capsys):
    """Before: the whole search was replayed (NAO refit every round: 57 s for a 60-query nao:paper run) and the
    run marked running then finished again, to print what the store already held."""
    db = tmp_path / "runs.db"
    assert main(["search", "--algo", "nao", "--preset", "sweep", "--config", json.dumps(NAO_CONFIG), "--queries",
                 "12", "--seed", "1", "--store", str(db), "--no-progress", "--json"]) == 0
    first = capsys.readouterr()
    original = json.loads(first.out)
    run_id = original["run_id"]
    assert {r["round"] for r in original["history"]} == {0, 1, 2}          # the pool, then two NAO rounds
    con = sqlite3.connect(db)
    version = _data_version(con)

    assert main(["search", "--store", str(db), "--resume", run_id, "--no-progress", "--json"]) == 0
    again = capsys.readouterr()
    assert _data_version(con) == version                      # no write: the run was not marked running again
    assert again.err == f"run {run_id} finished already (12/12 queries): its stored result, nothing searched again\n"
    resumed = json.loads(again.out)
    assert original["stored"] is False and resumed["stored"] is True and all(r["replayed"] for r in resumed["history"])
    assert _same(resumed) == _same(original)

    assert main(["search", "--store", str(db), "--resume", run_id]) == 0     # progress on: no bar, nothing to run
    text = capsys.readouterr()
    lines = text.out.splitlines()
    assert text.err.startswith(f"run {run_id} finished already") and text.err.count("\n") == 1, text.err
    assert lines[0].startswith("nao:sweep on nb201: 12 queries, seed 1, stored result (nothing run again), ")
    inc = original["incumbent"]
    assert lines[1].startswith(f"incumbent: {inc['arch']}  valid_acc={inc['value']:.4f}")
    queries = original["counts"]["queries"]
    assert lines[2] == "queries    decoder/mutation/random/design: " + "/".join(
        str(queries[s]) for s in ("decoder", "mutation", "random", "design"))
    assert lines[-1] == f"run {run_id} in {db} (finished: its 12 stored evaluations read, nothing replayed)"
    assert _data_version(con) == version
    assert RunStore(db).get_run(run_id)["status"] == "finished" and len(RunStore(db).evaluations(run_id)) == 12


def test_a_finished_run_whose_record_is_not_whole_is_replayed_not_answered(tmp_path, nb201_table):
    """Marked finished but with fewer rows than its budget (deleted by hand), or a row whose query number is gone:
    not a finished run's record, so it is replayed (and filled up) as before, to the uninterrupted run."""
    store = RunStore(tmp_path / "runs.db")
    ev = TableEvaluator(nb201_table)
    original = start_search("rs", ev, 10, 3, config={"batch": 4}, store=store, progress=False)
    run_id = original.run_id
    answered = resume_search(store, run_id, progress=False)
    assert answered.stored and [r.arch for r in answered.history] == [r.arch for r in original.history]

    with sqlite3.connect(store.path) as con:
        last = [r[0] for r in con.execute("SELECT id FROM evaluations ORDER BY id DESC LIMIT 3")]
        con.execute(f"DELETE FROM evaluations WHERE id IN ({','.join('?' * 3)})", last)
    assert store.get_run(run_id)["status"] == "finished" and len(store.evaluations(run_id)) == 7
    filled = resume_search(store, run_id, progress=False)
    assert not filled.stored and sum(r.replayed for r in filled.history) == 7
    assert [r.arch for r in filled.history] == [r.arch for r in original.history]
    assert len(store.evaluations(run_id)) == 10

    first = store.evaluations(run_id)[0]
    extra = {k: v for k, v in first["extra"].items() if k != "query"}
    with sqlite3.connect(store.path) as con:
        con.execute("UPDATE evaluations SET extra = ? WHERE id = ?", (json.dumps(extra), first["id"]))
    replayed = resume_search(store, run_id, progress=False)
    assert not replayed.stored and sum(r.replayed for r in replayed.history) == 10
    assert [r.arch for r in replayed.history] == [r.arch for r in original.history]
    assert len(store.evaluations(run_id)) == 10


@pytest.mark.parametrize("progress", [False, True])
def test_a_resume_says_it_replays_before_it_does(tmp_path, capsys, progress):
    """A run stopped half way: the resume's first line says how many stored queries it replays (a NAO replay
    refits every round, as long as the run took), and its progress bar counts them under its own name."""
    import threading

    from naoviz.tables import load_benchmark
    store, stop = RunStore(tmp_path / "runs.db"), threading.Event()
    res = start_search("rs", TableEvaluator(load_benchmark("nb201-digits")), 20, 0, store=store, progress=False,
                       stop=stop, on_evaluation=lambda r: stop.set() if r.query == 3 else None)
    assert res.stopped and len(store.evaluations(res.run_id)) == 10           # rs: a batch of 10 finishes
    assert main(["search", "--store", str(store.path), "--resume", res.run_id, "--json"]
                + ([] if progress else ["--no-progress"])) == 0
    out = capsys.readouterr()
    assert out.err.startswith(f"run {res.run_id}: replaying its 10 of 20 stored queries first\n"), out.err
    assert ("rs search: replaying stored" in out.err) == progress and ("rs search:" in out.err) == progress
    resumed = json.loads(out.out)
    assert resumed["stored"] is False and sum(r["replayed"] for r in resumed["history"]) == 10
    assert re.fullmatch(r"[0-9a-f]{12}", resumed["run_id"])

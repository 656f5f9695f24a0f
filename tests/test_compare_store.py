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

ALGOS, QUERIES, SEEDS = "rs,ls", 15, 3    # at --delay 0.05 a run takes 0.75 s: time to land a stop inside one


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


def test_compare_rerun_on_a_finished_store_reads_every_run_back(tmp_path):
    store = RunStore(tmp_path / "cmp.db")
    evaluator = TableEvaluator("nb201-digits")
    first = compare(evaluator, [("ls", None)], 20, [0, 1], store=store)
    rows = len(_stored_evaluations(store))
    plans = []
    again = compare(evaluator, [("ls", None)], 20, [0, 1], store=store, on_plan=lambda *n: plans.append(n))
    assert len(_stored_evaluations(store)) == rows == 40               # nothing evaluated a second time
    assert plans == [(2, 2)]                                           # both read back before anything ran
    assert [(r["replayed"], r["stored"]) for r in again["algos"]["ls"]["runs"]] == [(20, True), (20, True)]
    assert [r["stored"] for r in first["algos"]["ls"]["runs"]] == [False, False]
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


def _same(summary: dict) -> dict:
    """A comparison's --json without what says how this command got each run (searched, replayed or read back)
    and how long it took: what a rerun must print as a fresh comparison does."""
    out = {k: v for k, v in summary.items() if k != "environment"}
    out["algos"] = {name: {**{k: v for k, v in a.items() if k not in ("wall_s", "runs")},
                           "runs": [{k: v for k, v in r.items() if k not in ("wall_s", "replayed", "stored")}
                                    for r in a["runs"]]} for name, a in summary["algos"].items()}
    return out


def _table(text: str) -> list[str]:
    """The printed table's rows without their last cell, "s per run" (this command's time)."""
    return [line.rsplit("|", 2)[0] for line in text.splitlines() if line.startswith("|")]


def test_a_rerun_compare_reads_its_finished_runs_from_the_store_and_prints_what_a_fresh_one_does(tmp_path, capsys):
    """Before, every finished run was replayed (its searcher run again over its stored answers: NAO refit every
    round), so a rerun cost about what the comparison did; now each is read back, and the output is the same."""
    from naoviz.cli import main
    args = ["compare", "--space", "nb201-digits", "--algos", "rs,ls", "--queries", "12", "--seeds", "2",
            "--no-progress"]
    db, text_db = tmp_path / "cmp.db", tmp_path / "text.db"
    assert main([*args, "--store", str(db), "--json"]) == 0
    fresh = json.loads(capsys.readouterr().out)
    store = RunStore(db)
    rows = _stored_evaluations(store)
    searches = _searches(store)
    assert main([*args, "--store", str(db), "--json"]) == 0
    out = capsys.readouterr()
    again = json.loads(out.out)
    assert out.err == "compare: 4 of 4 runs taken from the store (finished: read back, not run again); nothing to run\n"
    assert _stored_evaluations(store) == rows and _searches(store) == searches     # nothing written to a run
    assert [r["stored"] for a in again["algos"].values() for r in a["runs"]] == [True] * 4
    assert [r["stored"] for a in fresh["algos"].values() for r in a["runs"]] == [False] * 4
    assert _same(again) == _same(fresh)

    assert main([*args, "--store", str(text_db)]) == 0               # the printed table, fresh then read back
    first = capsys.readouterr().out
    assert main([*args, "--store", str(text_db)]) == 0
    second = capsys.readouterr().out
    assert _table(second) == _table(first) and len(_table(first)) == 4
    assert second.splitlines()[-1] == (f"runs in {text_db}: 0 new, 4 read from the store (finished, nothing run "
                                       "again); s per run counts this command's time, not the first pass")


def test_a_finished_run_whose_record_is_not_whole_is_run_again_by_the_rerun(tmp_path):
    """A finished run that lost a row (deleted by hand) is not a whole record: the rerun replays it and evaluates
    the missing query again, in a worker under jobs=2 (the runs read back stay in this process), and the summary
    is the fresh one's."""
    import sqlite3
    store = RunStore(tmp_path / "cmp.db")
    evaluator = TableEvaluator("nb201-digits")
    algos = [("rs", None), ("ls", None)]
    fresh = compare(evaluator, algos, 12, [0, 1], store=store)
    cut = fresh["algos"]["ls"]["runs"][1]["run_id"]
    with sqlite3.connect(store.path) as con:
        con.execute("DELETE FROM evaluations WHERE id = (SELECT max(id) FROM evaluations WHERE run_id = ?)", (cut,))
    con.close()
    assert store.get_run(cut)["status"] == "finished" and len(store.evaluations(cut)) == 11
    plans, counts = [], {}
    again = compare(evaluator, algos, 12, [0, 1], store=store, jobs=2, on_plan=lambda *n: plans.append(n),
                    on_query=lambda i, n: counts.__setitem__(i, n))
    assert plans == [(3, 4)] and counts == {0: 12, 1: 12, 2: 12, 3: 12}
    runs = [r for a in again["algos"].values() for r in a["runs"]]
    assert [(r["stored"], r["replayed"]) for r in runs] == [(True, 12), (True, 12), (True, 12), (False, 11)]
    assert len(store.evaluations(cut)) == 12 and len(_stored_evaluations(store)) == 4 * 12
    assert _same(again) == _same(fresh)


def test_a_rerun_whose_nao_runs_are_all_stored_imports_no_torch(tmp_path):
    """Reading NAO's finished runs back needs no model: the rerun skips the model check (which builds NAO, so
    imports torch: 1-5 s) and says the same as the first pass; with one NAO run not stored, the check runs."""
    args = ["compare", "--space", "nb201-digits", "--algos", "nao,rs", "--queries", "12", "--seeds", "1",
            "--store", str(tmp_path / "cmp.db"), "--no-progress", "--json"]
    probe = ("import json, sys; from naoviz.cli import main; code = main(sys.argv[1:]); "
             "print(json.dumps({'code': code, 'torch': 'torch' in sys.modules}), file=sys.stderr)")

    def run(*extra):
        done = subprocess.run([sys.executable, "-c", probe, *args, *extra], env=env(), capture_output=True,
                              text=True, timeout=300)
        return json.loads(done.stderr.splitlines()[-1]), json.loads(done.stdout)

    (first, fresh) = run()
    assert first == {"code": 0, "torch": True}                        # NAO ran: its model was built
    (again, read) = run()
    assert again == {"code": 0, "torch": False}                       # every run read back: no torch
    assert _same(read) == _same(fresh)
    (more, _) = run("--first-seed", "0", "--seeds", "2")              # seed 1's NAO run is new: the model again
    assert more == {"code": 0, "torch": True}

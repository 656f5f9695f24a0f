"""``--table NAME|PATH`` from the command line, each in a process of its own: every command that picks a table
takes a CSV of your own, a bad one is one line naming ``--table`` (exit 2, no traceback) before any work, and
``compare --table`` runs end to end on a partial table."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _cli_process import ROOT, env
from test_user_table import _bad_files, write_tables


def naoviz(*args, cwd=None, timeout=300, cache=None) -> subprocess.CompletedProcess:
    """``naoviz ARGS`` in a process; ``cache``: a NAOVIZ_CACHE of its own (what the test builds is new)."""
    environ = {**env(), **({"NAOVIZ_CACHE": str(cache)} if cache else {})}
    return subprocess.run([sys.executable, "-m", "naoviz.cli", *map(str, args)], capture_output=True, text=True,
                          env=environ, cwd=cwd or ROOT, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def digits():
    from naoviz.tables import load_digits_table
    return load_digits_table()


@pytest.fixture(scope="module")
def tables(tmp_path_factory, digits):
    return write_tables(tmp_path_factory.mktemp("own-cli"), digits)


def assert_one_line(proc, *must: str) -> str:
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and len(lines[0]) <= 400, lines
    for m in must:
        assert m in lines[0], (m, lines[0])
    return lines[0]


def test_bad_table_files_are_refused_by_every_command_in_one_line(tmp_path, digits, capsys):
    from naoviz.cli import main
    bad = dict((p.name, (p, m)) for p, m in _bad_files(tmp_path, digits))
    commands = [["search", "--algo", "rs", "--queries", "5", "--no-progress"],
                ["compare", "--algos", "rs", "--queries", "5", "--seeds", "1", "--no-progress"],
                ["atlas"], ["export-page", str(tmp_path / "x.html")], ["dashboard", "--dry-run"],
                ["predictor", "--train-sizes", "10", "--seeds", "1"], ["data", "show"]]
    for command in commands:        # every command, one bad file each, in a process of its own
        path, must = bad["nan.csv"]
        assert_one_line(naoviz(*command, "--table", path), "--table", must)
    for path, must in bad.values():  # every bad file through one command: its line, here (a process each took 20 s)
        if len(path.name) > 255:        # the command line refuses a name the file system cannot hold before reading
            must = "names are at most 255 bytes"
        args = ["search", "--algo", "rs", "--no-progress", "--table", str(path)]
        code = main(args)
        out, err = capsys.readouterr()
        assert_one_line(subprocess.CompletedProcess(args, code, out, err), "--table", must)


def test_options_that_do_not_fit_the_table_are_named(tables, tmp_path):
    partial = tables[1]
    s = ["search", "--algo", "rs", "--no-progress", "--table", partial]
    assert_one_line(naoviz(*s, "--metric", "cifar10_valid"), "--metric", "cifar10_valid")
    assert_one_line(naoviz(*s, "--report", "nope"), "--report")
    assert_one_line(naoviz(*s, "--queries", "201"), "--queries", "at most 200", "give fewer, add rows",
                    "--archs all")
    assert_one_line(naoviz(*s, "--space", "nb201-digits"), "--table", "either --space or --table")
    assert_one_line(naoviz(*s, "--evaluator", "train"), "--table", "--evaluator train")
    assert_one_line(naoviz("compare", "--algos", "rs", "--table", partial, "--queries", "500"), "--queries")
    frame = pd.read_csv(partial).rename(columns={"valid_acc": "v", "train_acc": "t", "test_acc": "s"})
    frame.to_csv(tmp_path / "noacc.csv", index=False)
    assert_one_line(naoviz("atlas", "--table", tmp_path / "noacc.csv"), "--table", "no valid_acc")


def test_a_table_too_small_to_map_is_refused_before_the_model_trains(tables, tmp_path):
    """`atlas --table` on a 1- or 2-row file trained the model, then failed `X: need at least 3 rows`, naming no
    option; now atlas, export-page and dashboard refuse it first, naming --table and the row count."""
    frame = pd.read_csv(tables[1])
    for rows in (1, 2):
        path = tmp_path / f"rows{rows}.csv"
        frame.head(rows).to_csv(path, index=False)
        for command in (["atlas"], ["export-page", str(tmp_path / "x.html")], ["dashboard", "--dry-run"]):
            line = assert_one_line(naoviz(*command, "--table", path, cache=tmp_path / "cache"), "--table",
                                   f"has {rows} row", "at least 3")
            assert "train" not in line, line
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.safetensors"))


def test_a_one_row_table_is_refused_by_the_predictor_naming_the_rows_it_needs(tables, tmp_path):
    """`predictor --table` on a 1-row file said `train size 1 must be in 1..0`; now it names --table, the row
    count and the 2 rows a train/measure split needs."""
    path = tmp_path / "one.csv"
    pd.read_csv(tables[1]).head(1).to_csv(path, index=False)
    assert_one_line(naoviz("predictor", "--table", path, "--train-sizes", "1", "--seeds", "1"), "--table",
                    "has 1 row", "needs at least 2")


def test_a_column_written_in_another_case_is_named_by_the_metric_error(tables, tmp_path):
    """A table with `Valid_Acc`: the default --metric valid_acc said only 'available: Valid_Acc, ...'; now it
    names the column it meant, and `--metric Valid_Acc` searches."""
    path = tmp_path / "cased.csv"
    pd.read_csv(tables[1]).rename(columns={"valid_acc": "Valid_Acc", "train_time_s": "Train_Time_s"}).to_csv(
        path, index=False)
    s = ["search", "--algo", "rs", "--queries", "3", "--no-progress", "--table", path]
    assert_one_line(naoviz(*s), "--metric: unknown metric 'valid_acc'", "(did you mean 'Valid_Acc'?)")
    assert_one_line(naoviz(*s, "--metric", "Valid_Acc", "--objectives", "Valid_Acc,train_time_s"),
                    "--objectives", "(did you mean 'Train_Time_s'?)")
    done = naoviz(*s, "--metric", "Valid_Acc")
    assert done.returncode == 0 and "Valid_Acc=" in done.stdout, done.stderr[-500:]


def test_a_long_table_path_keeps_option_errors_short_and_names_its_columns(tables, tmp_path):
    """A table file deep in a long folder: --metric / --report errors name the file as typed, its middle cut
    (they were 300 characters), point to `data show --table FILE` when the path is short enough to paste, and an unknown --constraint column lists the
    table's few numeric columns."""
    deep = tmp_path / ("d" * 150)
    deep.mkdir()
    own = deep / "own.csv"
    own.write_bytes(tables[1].read_bytes())
    s = ["search", "--algo", "rs", "--no-progress", "--table", own]
    for option in ("--metric", "--report"):
        line = assert_one_line(naoviz(*s, option, "nope"), option, "/own.csv; ", "(8 in all)")
        assert len(line) <= 200, line
        s_here = [*s[:-1], "own.csv"]                           # typed short: the command to paste is said
        assert_one_line(naoviz(*s_here, option, "nope", cwd=deep), "for own.csv;", "naoviz data show --table own.csv")
    line = assert_one_line(naoviz(*s, "--constraint", "energy<=1"), "--constraint", "numeric columns: ", "params_M")
    assert len(line) <= 200, line


def test_compare_on_a_partial_table_end_to_end(tables, tmp_path):
    done = naoviz("compare", "--table", tables[1], "--algos", "rs,ls,nao:fast", "--queries", "25", "--seeds", "2",
                  "--no-progress", "--json", "--store", tmp_path / "runs.db")
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    table = pd.read_csv(tables[1])
    assert summary["optimum"] == pytest.approx(table["test_acc"].max())
    from naoviz.spaces import NB201Space
    from naoviz.store import RunStore
    space = NB201Space()
    allowed = {space.canonical(space.parse(s)) for s in table["arch_str"]}
    runs = [r for r in RunStore(tmp_path / "runs.db").runs() if r["kind"] == "search"]
    assert len(runs) == 6
    for run in runs:
        cells = [e["canonical"] for e in RunStore(tmp_path / "runs.db").evaluations(run["id"])]
        assert len(cells) == 25 and set(cells) <= allowed
        assert run["config"]["evaluator"]["benchmark"] == str(tables[1].resolve())


def test_search_resumes_a_run_on_a_table_file(tables, tmp_path):
    store = tmp_path / "s.db"
    first = naoviz("search", "--table", tables[1], "--algo", "re", "--queries", "12", "--store", store,
                   "--no-progress", "--json")
    assert first.returncode == 0, first.stderr[-1000:]
    run_id = json.loads(first.stdout)["run_id"]
    again = naoviz("search", "--store", store, "--resume", run_id, "--table", tables[1], "--no-progress", "--json")
    assert again.returncode == 0, again.stderr[-1000:]
    assert [r["arch"] for r in json.loads(again.stdout)["history"]] == \
        [r["arch"] for r in json.loads(first.stdout)["history"]]
    other = naoviz("search", "--store", store, "--resume", run_id, "--table", tables[0], "--no-progress")
    assert_one_line(other, "--table", "conflicts with run")
    said = naoviz("search", "--store", store, "--resume", run_id, "--no-progress")     # as the first run said it
    assert said.returncode == 0 and "partial table: 200 of 6,466 classes" in said.stdout, said.stdout + said.stderr


def test_search_json_says_the_cell_space_and_names_the_table_apart(tables):
    """`space` is the space the cells are in (a table file's arch_str cells are NB201 cells), as for a named
    table; `table` says which table was searched (docs/search.md): the file as given, its path, its sha256."""
    from naoviz.tables.user_table import file_fingerprint
    own = naoviz("search", "--table", tables[1], "--algo", "rs", "--queries", "5", "--no-progress", "--json")
    named = naoviz("search", "--space", "nb201-digits", "--algo", "rs", "--queries", "5", "--no-progress", "--json")
    assert own.returncode == 0 and named.returncode == 0, (own.stderr[-1000:], named.stderr[-1000:])
    own, named = json.loads(own.stdout), json.loads(named.stdout)
    assert own["space"] == named["space"] == "nb201"
    assert named["table"] == {"name": "nb201-digits"}
    assert own["table"] == {"name": "partial", "file": str(tables[1]), "path": str(tables[1].resolve()),
                            "fingerprint": file_fingerprint(tables[1])}


def test_data_show_and_the_dashboard_take_a_table_file(tables):
    shown = naoviz("data", "show", "--table", tables[1])
    assert shown.returncode == 0 and "classes: 200 of 6,466 (partial" in shown.stdout, shown.stdout + shown.stderr
    searched = naoviz("search", "--table", tables[1], "--algo", "rs", "--queries", "5", "--no-progress")
    assert searched.returncode == 0 and "partial table: 200 of 6,466 classes" in searched.stdout, searched.stderr
    dry = naoviz("dashboard", "--table", tables[1], "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"NAOVIZ_DASHBOARD_TABLE={tables[1].resolve()}" in dry.stdout


def test_atlas_of_a_table_file_is_built_again_after_an_edit(tmp_path, digits):
    _, path = write_tables(tmp_path, digits, n=80, seed=1)
    atlas = ["atlas", "--table", path, "--maps", "pca", "--seeds", "none", "--json"]
    cache = tmp_path / "cache"
    first, cached = naoviz(*atlas, cache=cache), naoviz(*atlas, cache=cache)
    assert first.returncode == 0 and cached.returncode == 0, first.stderr[-1000:] + cached.stderr[-1000:]
    assert json.loads(first.stdout)["built"] and not json.loads(cached.stdout)["built"]
    written = json.loads(first.stdout)["cache_file"]              # where the build saved it; a load writes nothing
    assert written.startswith(str(cache)) and Path(written + ".json").is_file(), written
    assert json.loads(cached.stdout)["cache_file"] is None
    frame = pd.read_csv(path)
    frame.loc[np.argmax(frame["params_M"].to_numpy()), "params_M"] *= 2          # a column the atlas shows
    frame.to_csv(path, index=False)
    edited = naoviz(*atlas, cache=cache)
    assert edited.returncode == 0 and json.loads(edited.stdout)["built"], edited.stderr[-1000:]


def test_atlas_says_which_of_its_cells_are_table_rows(tmp_path):
    """The shipped digits atlas holds more cells than the table has rows (decodes that are no row): the line says
    how many of each, so '6912 cells' beside the dashboard's '6,466 cells' does not read as a mismatch."""
    from naoviz.atlas_cache import atlas_for
    from naoviz.nao.cache import ModelSpec
    from naoviz.tables import load_benchmark
    atlas = atlas_for(load_benchmark("nb201-digits"), ModelSpec())
    extra = len(atlas.labels) - atlas.n_table
    assert extra > 0
    out = naoviz("atlas", "--table", "digits", cache=tmp_path / "cache")
    assert out.returncode == 0, out.stderr
    assert f"{len(atlas.labels)} cells ({atlas.n_table} table rows + {extra} decoded off the table)" in out.stdout, out.stdout

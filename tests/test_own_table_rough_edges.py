"""A researcher's own CSV (300 cells, and a copy without ``valid_acc``) through the CLI: a bad file is named as
typed by every command that takes ``--table``; a model that trains on another column than valid_acc says which;
a partial own table's advice fits a CSV made by hand; ``compare --out``'s summary names its table; an unreachable
``--scheduler`` is named as the option."""
from __future__ import annotations

import contextlib
import io
import json

import pytest

from naoviz.cli import main, walk_parsers


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    """``my_cells.csv`` (300 cells, valid_acc + test_acc), ``missing_col.csv`` (no valid_acc) and
    ``nonnum.csv`` (a text metric), in ``sub/`` of the folder returned."""
    from naoviz.tables import load_digits_table
    folder = tmp_path_factory.mktemp("rough")
    (folder / "sub").mkdir()
    frame = load_digits_table().frame.reset_index().drop(columns="arch_index")
    cells = frame[["arch_str", "valid_acc", "test_acc"]].iloc[::20].iloc[:300]
    cells.to_csv(folder / "sub" / "my_cells.csv", index=False)
    cells.drop(columns="valid_acc").to_csv(folder / "sub" / "missing_col.csv", index=False)
    bad = cells.iloc[:5].astype({"valid_acc": object})
    bad["valid_acc"] = "abc"
    bad.to_csv(folder / "sub" / "nonnum.csv", index=False)
    return folder


def run_cli(argv, cwd, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


# every command with --table, and what it needs besides (a cheap run: each is refused on the file first)
TABLE_COMMANDS = {
    ("search",): ["--algo", "rs", "--queries", "5", "--no-progress"],
    ("compare",): ["--algos", "rs", "--seeds", "1", "--queries", "5", "--no-progress"],
    ("atlas",): [],
    ("export-page",): ["x.html"],
    ("dashboard",): ["--dry-run", "--exports", "exports"],
    ("predictor",): ["--train-sizes", "10", "--seeds", "1"],
    ("data", "show"): [],
}


def test_every_table_command_is_listed():
    with_table = {words for words, p in walk_parsers() if any("--table" in a.option_strings for a in p._actions)}
    assert with_table == set(TABLE_COMMANDS)


@pytest.mark.parametrize("words", list(TABLE_COMMANDS), ids=" ".join)
def test_a_bad_table_file_is_named_as_typed_by_every_command(own, words, monkeypatch):
    """`data show` named ``sub/nonnum.csv`` while `search` and `compare` named its absolute path."""
    code, _, err = run_cli([*words, *TABLE_COMMANDS[words], "--table", "sub/nonnum.csv"], own, monkeypatch)
    lines = err.splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"naoviz {' '.join(words)}: error: --table: sub/nonnum.csv: column 'valid_acc'"), lines[0]
    assert str(own) not in lines[0]


def test_small_table_errors_name_the_file_as_typed(own, monkeypatch):
    (own / "sub" / "two.csv").write_text("\n".join((own / "sub" / "my_cells.csv").read_text().splitlines()[:3]) + "\n")
    for argv, option in ((["atlas", "--table", "sub/two.csv"], "--table: sub/two.csv has 2 rows"),
                         (["predictor", "--table", "sub/two.csv", "--train-sizes", "5"], "(the sub/two.csv table"),
                         (["search", "--table", "sub/my_cells.csv", "--metric", "nope"], "for sub/my_cells.csv")):
        code, _, err = run_cli(argv, own, monkeypatch)
        assert code == 2 and option in err and str(own) not in err, err


def test_a_table_without_valid_acc_says_which_column_the_model_learns(own, monkeypatch):
    """export-page / atlas / dashboard trained on test_acc without a word; the table's note line says it."""
    code, out, err = run_cli(["dashboard", "--dry-run", "--exports", "exports", "--table", "sub/missing_col.csv"], own,
                             monkeypatch)
    assert code == 0, err
    assert "table missing_col.csv: model trained on test_acc (no valid_acc column)" in err.splitlines(), err
    from naoviz.cli.common import explorer_metric, resolve_table, table_note_line
    bench = resolve_table(own / "sub" / "my_cells.csv")
    assert table_note_line(bench, explorer_metric(bench)) == ""          # valid_acc: nothing to say


def test_a_partial_own_table_gets_advice_that_fits_a_hand_made_csv(own, monkeypatch):
    code, out, _ = run_cli(["data", "show", "--table", "sub/my_cells.csv"], own, monkeypatch)
    assert code == 0
    line = next(x for x in out.splitlines() if "classes:" in x)
    assert "add rows" in line and "build-table command that wrote it" in line, line
    code, _, err = run_cli(["compare", "--algos", "rs", "--seeds", "1", "--no-progress", "--table", "sub/my_cells.csv",
                            "--queries", "400"], own, monkeypatch)
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "--queries: at most 300" in err and "give fewer, add rows, or rerun its build-table command" in err, err


def test_compare_summary_names_its_table(own, monkeypatch):
    from naoviz.experiments.search import table_text
    from naoviz.tables.user_table import file_fingerprint
    code, _, err = run_cli(["compare", "--algos", "rs", "--seeds", "1", "--queries", "5", "--no-progress", "--table",
                            "sub/my_cells.csv", "--json", "--out", "cmp"], own, monkeypatch)
    assert code == 0, err
    summary = json.loads((own / "cmp" / "summary.json").read_text())
    assert summary["table"] == {"name": "my_cells", "file": "sub/my_cells.csv",
                                "path": str((own / "sub" / "my_cells.csv").resolve()),
                                "fingerprint": file_fingerprint(own / "sub" / "my_cells.csv")}
    assert table_text(summary).startswith("table my_cells (sub/my_cells.csv, sha256 ")
    del summary["table"]                                                  # a summary.json from before
    assert table_text(summary) == ""


@pytest.mark.parametrize("command", [["search", "--algo", "rs"], ["compare", "--algos", "rs", "--seeds", "1"]],
                         ids=lambda c: c[0])
def test_an_unreachable_scheduler_names_the_option(command, tmp_path, monkeypatch):
    """Nothing listens on port 9: Dask retries the refused connection until its connect timeout (CONNECT_S, 10 s;
    1 s here: the line is the same, the wait is not what is tested), then one line naming --scheduler."""
    from naoviz import executors
    monkeypatch.setattr(executors, "CONNECT_S", 1.0)
    code, _, err = run_cli([*command, "--queries", "5", "--no-progress", "--scheduler", "tcp://127.0.0.1:9"],
                           tmp_path, monkeypatch)
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(f"naoviz {command[0]}: error: --scheduler: cannot reach the Dask scheduler at "
                          "tcp://127.0.0.1:9"), err

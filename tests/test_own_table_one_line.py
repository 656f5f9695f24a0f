"""A bad option beside a table of your own is ONE line on stderr, naming the option: the table's note
(``table t.tsv: tab-separated``, how the file was read) is said only once every check has passed, just before
the work, not above the error (``naoviz.cli.common.say_table``)."""
from __future__ import annotations

import pytest

from test_table_cli import naoviz


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Tab-separated tables (each read with a note): 40 digits rows, one row, and one with no accuracy column;
    and a file that is no SQLite store."""
    from naoviz.tables import load_digits_table
    folder = tmp_path_factory.mktemp("one-line")
    rows = load_digits_table().frame.reset_index().drop(columns="arch_index").iloc[:40]
    rows.to_csv(folder / "t.tsv", index=False, sep="\t")
    rows.iloc[:1].to_csv(folder / "one.tsv", index=False, sep="\t")
    rows[["arch_str", "params_M"]].to_csv(folder / "nometric.tsv", index=False, sep="\t")
    (folder / "junk.db").write_text("not a database\n")
    return folder


CASES = [  # (the command, with {f} the folder of the files; the option its one line names)
    ("predictor --table {f}/t.tsv --metric nope", "--metric"),
    ("predictor --table {f}/t.tsv --train-sizes 10,99", "--train-sizes"),
    ("predictor --table {f}/one.tsv", "--table"),
    ("atlas --table {f}/nometric.tsv", "--table"),
    ("export-page {f}/page.html --table {f}/nometric.tsv", "--table"),
    ("dashboard --dry-run --exports {f}/exports --table {f}/nometric.tsv", "--table"),
    ("search --table {f}/t.tsv --queries 5 --store {f}/junk.db --no-progress", "--store"),
]


@pytest.mark.parametrize("command,option", CASES, ids=[c.split()[0] + " " + o for c, o in CASES])
def test_a_refusal_beside_an_own_table_is_one_line_naming_the_option(files, command, option):
    done = naoviz(*command.format(f=files).split())
    assert done.returncode == 2, done.stderr[-500:]
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"naoviz {command.split()[0]}: error: {option}: "), lines[0]


def test_the_note_is_said_once_when_the_options_pass(files):
    """What the quiet read must not lose: a command that goes on says how the table was read, once."""
    for command in (f"data show --table {files}/t.tsv",
                    f"dashboard --dry-run --exports {files}/exports --table {files}/t.tsv"):
        done = naoviz(*command.split())
        assert done.returncode == 0, done.stderr[-500:]
        assert done.stderr.splitlines().count("table t.tsv: tab-separated") == 1, done.stderr

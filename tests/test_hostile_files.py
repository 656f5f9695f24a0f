"""Where a table's names become file names: a column name never takes a write out of ``--out`` (docs/security.md)."""
from __future__ import annotations

import csv

from naoviz.cli import main
from naoviz.resources import DIGITS_TABLE, resource_path


def _table_with_column(path, old: str, new: str) -> None:
    """The shipped digits table with column ``old`` renamed ``new`` (what an attacker's CSV can name it)."""
    with open(resource_path(DIGITS_TABLE), newline="") as f:
        rows = list(csv.reader(f))
    rows[0][rows[0].index(old)] = new
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)


def test_compare_cost_column_names_no_path_outside_out(tmp_path, capsys):
    """compare --out writes ``pareto-<cost>.html`` with the cost column made a plain file name: a column named
    ``x/../../escaped`` wrote ``escaped.html`` two folders above --out before (and made folders below it)."""
    cost = "x/../../escaped"
    table, out = tmp_path / "t.csv", tmp_path / "a" / "b" / "out"
    _table_with_column(table, "params_M", cost)
    assert main(["compare", "--table", str(table), "--algos", "rs", "--queries", "8", "--seeds", "1",
                 "--objectives", f"valid_acc,{cost}", "--no-progress", "--out", str(out)]) == 0
    capsys.readouterr()
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and out not in p.parents and p != table]
    assert outside == []
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".html") == ["compare.html", "pareto-x-..-..-escaped.html"]

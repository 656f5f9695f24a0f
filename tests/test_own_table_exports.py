"""A table of your own as researchers export it: several rows per isomorphism class (all 15,625 NB201 cells from
the NATS-Bench API), read as NB201's own table is (the same cell twice stays refused); tab- or
semicolon-separated; cp1252 bytes (Excel on Windows). The files are written in tmp_path from the shipped digits table or, where NAOVIZ_DATA has
them, NB201's own columns."""
from __future__ import annotations

import gzip
import importlib.util
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from naoviz.evaluate import TableEvaluator
from naoviz.search import start_search
from naoviz.tables import load_digits_table
from naoviz.tables.user_table import TableFileError, load_table_file
from test_table_cli import naoviz


@pytest.fixture(scope="module")
def digits():
    return load_digits_table()


@pytest.fixture(scope="module")
def nb201_export(tmp_path_factory):
    """(the built-in NB201 table, its 15,625 rows written as build-table's CSV: arch_index, arch_str, metrics)."""
    from naoviz.tables.benchmark import load_nb201, nb201_missing
    if nb201_missing():
        pytest.skip(nb201_missing())
    bench = load_nb201()
    path = tmp_path_factory.mktemp("nats") / "nats_export.csv"
    bench.frame.reset_index().to_csv(path, index=False)
    return bench, path


def test_an_export_of_every_nb201_cell_reads_and_searches_as_the_nb201_table(nb201_export):
    """15,625 rows in 6,466 classes: the same frame, the same classes and the same seeded searches as
    ``--table nb201``, and the note says how the file was read."""
    bench, path = nb201_export
    own = load_table_file(path)
    pd.testing.assert_frame_equal(own.frame, bench.frame, check_dtype=False, check_names=False)
    assert own.complete and own.class_rows() == bench.class_rows()
    assert own.note.startswith("15,625 rows in 6,466 classes") and "lowest arch_index" in own.note
    for algo in ("re", "ls"):
        runs = [start_search(algo, TableEvaluator(t, metric="valid_acc", report="cifar10_test_acc"), 40, 3,
                             progress=False) for t in (bench, own)]
        assert [(r.arch, r.metrics) for r in runs[0].history] == [(r.arch, r.metrics) for r in runs[1].history]


def test_data_show_on_the_export_prints_the_nb201_tables_figures_and_the_note(nb201_export):
    bench, path = nb201_export
    shown = naoviz("data", "show", "--table", path)
    named = naoviz("data", "show", "--table", "nb201")
    assert shown.returncode == named.returncode == 0, shown.stderr[-500:]
    assert shown.stdout.splitlines()[1:] == named.stdout.splitlines()[1:]       # line 0 names the source
    assert shown.stderr.strip() == "table nats_export.csv: " + load_table_file(path).note
    assert named.stderr.strip() == ""


def _class_with(space, members: int):
    """A class of at least ``members`` cells, and its cells by arch_index."""
    for c, archs in space.classes.items():
        if len(archs) >= members:
            return c, sorted(space.index_of(a) for a in archs)
    raise AssertionError("no such class")


def test_several_rows_of_a_class_answer_it_by_its_lowest_arch_index(tmp_path, digits):
    """A partial file with several rows of one class, written highest arch_index first: a cell with a row
    is answered by it, a cell of the class without one (and the class's pool entry) by the lowest arch_index's
    row, as the built-in frame (sorted by arch_index) is; a search on it stays within the file's classes."""
    space = digits.space
    c, cells = _class_with(space, 4)
    mine = cells[1:]                              # the class's lowest cell is left out: cells[1] is its first row
    rows = pd.DataFrame({"arch_index": mine[::-1], "valid_acc": np.linspace(60, 70, len(mine))})
    others = digits.frame.reset_index()[["arch_index", "valid_acc"]].iloc[:30]
    others = others[[space.canonical(space.from_index(int(i))) != c for i in others["arch_index"]]]
    pd.concat([others, rows]).to_csv(tmp_path / "several.csv", index=False)
    table = load_table_file(tmp_path / "several.csv")
    want = dict(zip(rows["arch_index"], rows["valid_acc"]))
    assert len(table) == len(others) + len(mine) and not table.complete
    assert table.class_rows()[c] == mine[0]
    for i in mine:
        assert table.query(i)["valid_acc"] == want[i]
    assert table.query(cells[0])["valid_acc"] == want[mine[0]]        # no row of its own: the class's first
    assert table.metric("valid_acc", [cells[0]])[0] == want[mine[0]]
    assert table.note == f"{len(table)} rows in {len(others) + 1} classes: a cell is answered by its own row, " \
                         "a cell without one by its class's first row (lowest arch_index), as the NB201 table is"
    evaluator = TableEvaluator(table)
    assert evaluator.pool[c] == space.from_index(mine[0])
    run = start_search("re", evaluator, len(evaluator.pool), 0, progress=False)
    assert {r.canonical for r in run.history} == set(evaluator.pool)


def test_the_same_cell_twice_is_still_refused_in_every_spelling(tmp_path, digits):
    """Two rows of one arch_index are a mistake, not an export: refused naming both lines, whether the cell is
    written the same, without its outer ``|``, by arch_index alone, or in a gzip'd file."""
    space = digits.space
    frame = digits.frame.reset_index().drop(columns="arch_index").iloc[:10]
    again = frame.iloc[[3]].copy()
    again["arch_str"] = again["arch_str"].str.strip("|")
    pd.concat([frame, again]).to_csv(tmp_path / "spelled.csv", index=False)
    indexed = frame.copy()
    indexed.insert(0, "arch_index", [space.index_of(space.parse(a)) for a in indexed.pop("arch_str")])
    pd.concat([indexed, indexed.iloc[[3]]]).to_csv(tmp_path / "indexed.csv", index=False)
    (tmp_path / "zipped.csv").write_bytes(gzip.compress((tmp_path / "indexed.csv").read_bytes()))
    for name in ("spelled.csv", "indexed.csv", "zipped.csv"):
        with pytest.raises(TableFileError) as info:
            load_table_file(tmp_path / name)
        message = str(info.value)
        assert "lines 5 and 12 hold the same cell (arch_index" in message and name in message, message
        assert "keep one row per cell (average a cell's seeds)" in message and "\n" not in message


def test_an_arch_index_only_export_with_several_rows_per_class_reads(tmp_path, digits):
    """NATS-Bench's index alone, every cell of two classes: read, both classes answered, no refusal."""
    space = digits.space
    _, first = _class_with(space, 3)
    c2, second = next((c, sorted(space.index_of(a) for a in archs)) for c, archs in space.classes.items()
                      if len(archs) >= 2 and space.index_of(archs[0]) not in first)
    cells = first + second
    pd.DataFrame({"arch_index": cells, "valid_acc": np.linspace(50, 60, len(cells))}).to_csv(
        tmp_path / "idx.csv", index=False)
    table = load_table_file(tmp_path / "idx.csv")
    assert len(table) == len(cells) and len(table.class_rows()) == 2
    assert table.class_rows()[c2] == second[0]


def _plain(tmp_path, digits, n=40):
    """(the rows, the plain CSV's table) of ``n`` digits rows."""
    rows = digits.frame.reset_index().drop(columns="arch_index").iloc[:n].copy()
    rows.to_csv(tmp_path / "plain.csv", index=False)
    return rows, load_table_file(tmp_path / "plain.csv")


def test_a_tab_separated_file_reads_as_the_plain_one_whatever_its_name(tmp_path, digits):
    """A TSV named .csv, .tsv or .txt, quoted, gzip'd, or by arch_index alone; a semicolon-separated file with
    decimal dots: read as the comma file, and the note names the separator."""
    rows, plain = _plain(tmp_path, digits)
    for name in ("t.csv", "t.tsv", "t.txt"):
        rows.to_csv(tmp_path / name, index=False, sep="\t")
    rows.to_csv(tmp_path / "quoted.tsv", index=False, sep="\t", quoting=1)
    (tmp_path / "t.tsv.gz").write_bytes(gzip.compress((tmp_path / "t.tsv").read_bytes()))
    indexed = rows.copy()
    indexed.insert(0, "arch_index", [digits.space.index_of(digits.space.parse(a)) for a in indexed.pop("arch_str")])
    indexed.to_csv(tmp_path / "indexed.tsv", index=False, sep="\t")
    rows.to_csv(tmp_path / "semi.csv", index=False, sep=";")
    for name, note in (("t.csv", "tab"), ("t.tsv", "tab"), ("t.txt", "tab"), ("quoted.tsv", "tab"),
                       ("t.tsv.gz", "tab"), ("indexed.tsv", "tab"), ("semi.csv", "semicolon")):
        table = load_table_file(tmp_path / name)
        pd.testing.assert_frame_equal(table.frame, plain.frame)
        assert table.note == f"{note}-separated", (name, table.note)
    assert plain.note == ""


def test_a_tab_separated_file_is_checked_as_the_comma_file_is(tmp_path, digits):
    """The same cell twice, a text value: one line naming the file's line, as in a CSV (and a zstd file without
    the package that reads it: one line saying so)."""
    rows, _ = _plain(tmp_path, digits, 10)
    pd.concat([rows, rows.iloc[[2]]]).to_csv(tmp_path / "dup.tsv", index=False, sep="\t")
    bad = rows.astype({"test_acc": object})
    bad.loc[4, "test_acc"] = "high"
    bad.to_csv(tmp_path / "text.tsv", index=False, sep="\t")
    cases = [("dup.tsv", "lines 4 and 12 hold the same cell"),
             ("text.tsv", "line 6: column 'test_acc' holds 'high', not a number")]
    if importlib.util.find_spec("zstandard") is None:           # a zstd file where pandas cannot read it either
        (tmp_path / "z.csv").write_bytes(b"\x28\xb5\x2f\xfd" + bytes(40))
        cases.append(("z.csv", "a zstd file; reading it needs the zstandard package"))
    for name, must in cases:
        with pytest.raises(TableFileError) as info:
            load_table_file(tmp_path / name)
        assert must in str(info.value) and name in str(info.value) and "\n" not in str(info.value)


def test_search_on_a_tsv_says_how_it_was_read_and_finds_what_the_csv_finds(tmp_path, digits):
    rows, _ = _plain(tmp_path, digits)
    rows.to_csv(tmp_path / "t.tsv", index=False, sep="\t")
    s = ["search", "--algo", "re", "--queries", "24", "--seed", "2", "--no-progress", "--json"]   # past its 20 random
    tsv, csv = naoviz(*s, "--table", tmp_path / "t.tsv"), naoviz(*s, "--table", tmp_path / "plain.csv")
    assert tsv.returncode == csv.returncode == 0, tsv.stderr[-500:]
    assert tsv.stderr.strip() == "table t.tsv: tab-separated" and csv.stderr.strip() == ""
    got, want = (json.loads(p.stdout) for p in (tsv, csv))
    assert [r["arch"] for r in got["history"]] == [r["arch"] for r in want["history"]]


CP1252 = "cp1252 text (not UTF-8: a Windows Latin-1 export)"


def test_a_cp1252_file_reads_as_the_plain_one_and_its_names_are_matched(tmp_path, digits):
    """An accented column name (and a euro sign: a cp1252 byte Latin-1 lacks) written by Excel on Windows, with
    ``ARCH_STR`` in capitals: read, the names as meant; so is a gzip'd TSV of several rows per class by
    arch_index alone (and zipped), and its note says all three."""
    rows, plain = _plain(tmp_path, digits)
    accented = rows.rename(columns={"arch_str": "ARCH_STR", "test_acc": "précision_acc", "params_M": "cost_€"})
    (tmp_path / "excel.csv").write_bytes(accented.to_csv(index=False).encode("cp1252"))
    table = load_table_file(tmp_path / "excel.csv")
    want = plain.frame.rename(columns={"test_acc": "précision_acc", "params_M": "cost_€"})
    pd.testing.assert_frame_equal(table.frame, want)
    assert table.note == CP1252
    space = digits.space
    _, cells = _class_with(space, 3)
    export = pd.DataFrame({"arch_index": cells, "précision_acc": np.linspace(50, 60, len(cells))})
    (tmp_path / "all.tsv.gz").write_bytes(gzip.compress(export.to_csv(index=False, sep="\t").encode("cp1252")))
    with zipfile.ZipFile(tmp_path / "all.zip", "w") as z:
        z.writestr("all.tsv", export.to_csv(index=False, sep="\t").encode("cp1252"))
    for name in ("all.tsv.gz", "all.zip"):
        table = load_table_file(tmp_path / name)
        assert list(table.frame.columns) == ["arch_str", "précision_acc"] and len(table) == len(cells)
        assert table.note.startswith(f"tab-separated; {CP1252}; {len(cells)} rows in 1 class: ")
        assert table.query(cells[-1])["précision_acc"] == 60.0


def test_bytes_that_are_no_cp1252_text_are_refused_in_one_line(tmp_path, digits):
    """A byte cp1252 leaves undefined, a control byte, a text column with an accent: one line each (the last as
    in a UTF-8 file)."""
    rows, _ = _plain(tmp_path, digits, 10)
    text = rows.to_csv(index=False)
    (tmp_path / "undefined.csv").write_bytes(text.encode() + b"\x81")
    (tmp_path / "control.csv").write_bytes(text.replace("test_acc", "test_acc\x1b", 1).encode() + b"\xe9")
    noted = rows.assign(notes="réseau")
    (tmp_path / "notes.csv").write_bytes(noted.to_csv(index=False).encode("cp1252"))
    for name, must in (("undefined.csv", "not UTF-8 or cp1252 text (byte "),
                       ("control.csv", "not a CSV text file (byte "),
                       ("notes.csv", "column 'notes' is text ('réseau'...)")):
        with pytest.raises(TableFileError) as info:
            load_table_file(tmp_path / name)
        assert must in str(info.value) and name in str(info.value) and "\n" not in str(info.value), str(info.value)


def test_data_show_on_a_cp1252_file_says_how_it_was_read(tmp_path, digits):
    rows, _ = _plain(tmp_path, digits, 10)
    (tmp_path / "excel.csv").write_bytes(rows.rename(columns={"test_acc": "précision_acc"}).to_csv(
        index=False).encode("cp1252"))
    shown = naoviz("data", "show", "--table", tmp_path / "excel.csv")
    assert shown.returncode == 0 and "précision_acc" in shown.stdout, shown.stderr[-500:]
    assert shown.stderr.strip() == f"table excel.csv: {CP1252}"
    as_json = naoviz("data", "show", "--table", tmp_path / "excel.csv", "--json")
    assert json.loads(as_json.stdout)["benchmarks"]["excel"]["note"] == CP1252

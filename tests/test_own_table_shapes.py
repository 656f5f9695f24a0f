"""A table of your own in the shapes a researcher's file takes: what a spreadsheet or a hand writes reads as
the plain file, and what would be read wrongly (0..1 accuracies, a failed run's -1, 91.5%) or cannot be read is
one line saying what to do. The files are written in tmp_path from rows of the shipped digits table."""
from __future__ import annotations

import pandas as pd
import pytest

from naoviz.tables import load_digits_table
from naoviz.tables.user_table import TableFileError, load_table_file, open_table
from test_user_table import _rows, write_tables


@pytest.fixture(scope="module")
def digits():
    return load_digits_table()


@pytest.fixture(scope="module")
def tables(tmp_path_factory, digits):
    return write_tables(tmp_path_factory.mktemp("own"), digits)


def test_a_researchers_own_spellings_read_as_the_plain_file(tmp_path, digits):
    """Spreadsheet and hand-written shapes that mean the same table: names with spaces around them or
    ``ARCH_STR`` in capitals, cells without the outer ``|`` or with spaces, a gzip'd file (named .csv or .gz),
    trailing ``,,,`` rows, numeric columns beyond the metrics."""
    import gzip
    plain = tmp_path / "plain.csv"
    _rows(digits).to_csv(plain, index=False)
    text = plain.read_text()
    want = load_table_file(plain).frame
    head, body = text.split("\n", 1)
    (tmp_path / "spaced.csv").write_text(" " + head.replace(",", " , ").replace("arch_str", "ARCH_Str") + "\n" + body)
    f = _rows(digits)
    f["arch_str"] = [s.strip("|") for s in f["arch_str"]]
    f.to_csv(tmp_path / "nopipe.csv", index=False)
    f["arch_str"] = [" " + s.replace("+", " + ") for s in f["arch_str"]]
    f.to_csv(tmp_path / "spacedcells.csv", index=False)
    f = _rows(digits)
    f["arch_str"] = [repr(s) for s in f["arch_str"]]              # a Python repr written into the cell: '|...|'
    f.to_csv(tmp_path / "quotedcells.csv", index=False)
    (tmp_path / "zipped.csv").write_bytes(gzip.compress(text.encode()))
    (tmp_path / "zipped.csv.gz").write_bytes(gzip.compress(text.encode()))
    (tmp_path / "trailing.csv").write_text(text + ",,,,,,,,\n,,,,,,,,\n")
    f = _rows(digits)
    f.insert(0, "arch_index", [digits.space.index_of(digits.space.parse(a)) for a in f.pop("arch_str")])
    f.to_csv(tmp_path / "indexonly.csv", index=False)          # NATS-Bench's index, no arch_str: the cell is known
    for name in ("spaced.csv", "nopipe.csv", "spacedcells.csv", "zipped.csv", "zipped.csv.gz", "trailing.csv",
                 "indexonly.csv", "quotedcells.csv"):
        pd.testing.assert_frame_equal(load_table_file(tmp_path / name).frame, want, check_names=True)
    f = _rows(digits)
    f["seed"] = 7
    f.to_csv(tmp_path / "extra.csv", index=False)
    assert list(load_table_file(tmp_path / "extra.csv").frame.columns) == [*want.columns, "seed"]


def _refused(tmp_path, cases):
    for name, must in cases:
        with pytest.raises(TableFileError) as info:
            load_table_file(tmp_path / name)
        message = str(info.value)
        assert must in message and name in message and "\n" not in message, (name, message)


def test_a_table_laid_out_wrongly_is_one_line_saying_what_to_do(tmp_path, digits, monkeypatch):
    """A pandas row-number column, the cells under another name, ``arch_str`` twice up to case, more rows than
    NB201 has cells, an empty cell (line numbers still count an empty row), a zip of two files, a gzip bomb."""
    import gzip
    import zipfile
    from naoviz.tables import user_table
    cases = []

    def put(name, frame, must, **kw):
        frame.to_csv(tmp_path / name, **{"index": False, **kw})
        cases.append((name, must))

    put("index.csv", _rows(digits), "column 1 has no name (a row number written by pandas", index=True)
    put("named.csv", _rows(digits).rename(columns={"arch_str": "architecture"}),
        "column 'architecture' holds NB201 cells: rename it arch_str")
    put("twice.csv", _rows(digits).rename(columns={"valid_acc": "ARCH_STR"}), "are both 'arch_str'")
    put("big.csv", pd.concat([digits.frame.reset_index().drop(columns="arch_index")] * 3), "more than 15,625 rows")
    f = _rows(digits).astype({"arch_str": object})
    f.loc[5, "arch_str"] = ""
    put("blank.csv", f, "line 7: arch_str is empty")
    f = _rows(digits).drop(columns="arch_str")
    f.insert(0, "arch_index", digits.frame.index[:20].astype(float) + 0.5)
    put("badindex.csv", f, "line 2: arch_index 0.5 is not an NB201 index (0..15624), and there is no arch_str")
    (tmp_path / "gap.csv").write_text(_rows(digits, 3).to_csv(index=False) + ",,,,,,,,\n"
                                      + _rows(digits, 3).to_csv(index=False, header=False))
    cases.append(("gap.csv", "lines 2 and 6 hold the same cell"))
    text = _rows(digits, 6).to_csv(index=False).splitlines()
    text[5] = ",".join(text[5].split(",")[:2] + [""] + text[5].split(",")[3:])      # row 5's valid_acc empty
    (tmp_path / "blankline.csv").write_text("\n".join(text[:3] + [""] + text[3:]) + "\n")
    cases.append(("blankline.csv", "line 7: column 'valid_acc' holds an empty"))   # the file's line, blank counted
    (tmp_path / "lead.csv").write_text("\n" + _rows(digits).to_csv(index=False))
    cases.append(("lead.csv", "line 1 is empty; the header"))
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as z:
        z.writestr("a.csv", _rows(digits).to_csv(index=False))
        z.writestr("b.csv", _rows(digits).to_csv(index=False))
    cases.append(("two.zip", "a zip file of 2 files"))
    with zipfile.ZipFile(tmp_path / "book.xlsx", "w") as z:        # an Excel workbook: a zip of XML files
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    cases.append(("book.xlsx", "a spreadsheet workbook (Excel or OpenDocument), not a CSV; save it as CSV UTF-8"))
    _refused(tmp_path, cases)
    (tmp_path / "bomb.csv").write_bytes(gzip.compress(b"x" * 5000))
    monkeypatch.setattr(user_table, "MAX_BYTES", 4000)          # the cap, small: the bomb is 5,000 bytes unzipped
    _refused(tmp_path, [("bomb.csv", "gzip file holds more than")])


def test_a_metric_that_is_no_percent_number_is_refused_in_one_line(tmp_path, digits):
    """0..1 accuracies (naoviz's are percent: a child trained to 90 % beside a table's 0.9, or
    ``--constraint valid_acc>=90``, would be silently wrong), percent strings, True/False."""
    cases = []
    f = _rows(digits)
    f["valid_acc"] = f["valid_acc"] / 100
    f.to_csv(tmp_path / "fraction.csv", index=False)
    cases.append(("fraction.csv", "column 'valid_acc' holds fractions"))
    f = _rows(digits).rename(columns={"test_acc": "Test_ACC"})
    f["Test_ACC"] = f["Test_ACC"] / 100
    f.to_csv(tmp_path / "fraction2.csv", index=False)
    cases.append(("fraction2.csv", "multiply the column by 100"))
    f = _rows(digits).astype({"test_acc": object})
    f["test_acc"] = [f"{v:.1f}%" for v in _rows(digits)["test_acc"]]
    f.to_csv(tmp_path / "percent.csv", index=False)
    cases.append(("percent.csv", "not a number (write 91.5 for 91.5%)"))
    f = _rows(digits)
    f["notes"] = "ran on gpu 0"
    f.to_csv(tmp_path / "notes.csv", index=False)
    cases.append(("notes.csv", "column 'notes' is text ('ran on gpu 0'...): every column but arch_str and arch_index is a metric; drop it"))
    f = _rows(digits).astype({"test_acc": object})
    f.loc[3, "test_acc"] = "91,5"                  # a decimal comma, quoted by the spreadsheet
    f.to_csv(tmp_path / "comma.csv", index=False)
    cases.append(("comma.csv", "line 5: column 'test_acc' holds '91,5', not a number (write 91.5: a dot for decimals)"))
    f = _rows(digits)
    f["train_acc"] = True
    f.to_csv(tmp_path / "bool.csv", index=False)
    cases.append(("bool.csv", "column 'train_acc' holds 'True', not a number"))
    _refused(tmp_path, cases)
    for name, value, line in (("failed.csv", -1, 5), ("over.csv", 150, 9)):   # a failed run's -1; a typo
        f = _rows(digits)
        f.loc[line - 2, "valid_acc"] = value
        f.to_csv(tmp_path / name, index=False)
        _refused(tmp_path, [(name, f"line {line}: column 'valid_acc' holds {value}, outside 0..100")])
    f = _rows(digits)
    f["valid_loss"] = f["valid_loss"] / 100                        # 0..1 is fine where the name is no accuracy
    f.to_csv(tmp_path / "loss.csv", index=False)
    assert load_table_file(tmp_path / "loss.csv").frame["valid_loss"].max() <= 1


def test_the_readme_recipe_on_a_partial_table_says_to_fit_on_its_rows(tables):
    """README's "Use it from Python" samples 1,000 cells of the space; on a table of your own most have no row (NaN), and
    NAO.fit said only 'every value must be finite'; now it says to fit on ``table.archs()``, which works."""
    from naoviz.nao import NAO, NAOConfig
    table = open_table(tables[1])
    archs = table.space.sample(50, seed=0)
    nao = NAO(table.space, NAOConfig.preset("fast", epochs=2))
    with pytest.raises(ValueError, match=r"fit on table\.archs\(\)"):
        nao.fit(archs, table.metric("valid_acc", archs))
    rows = table.archs()[:20]
    nao.fit(rows, table.metric("valid_acc", rows))
    assert len(nao.path(rows[0], etas=range(3), benchmark=table, metric="valid_acc").predicted) == 3

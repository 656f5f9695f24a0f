"""A CSV typed or exported by hand: each slip is one line naming the file, the line and what to write instead, never
a traceback; a separator at the end of every line reads as the plain file. The files are written in tmp_path from
rows of the shipped digits table."""
from __future__ import annotations

import pytest

from naoviz.tables import load_digits_table
from naoviz.tables.user_table import TableFileError, load_table_file, shown_path
from test_table_cli import naoviz


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """(folder, the text of a 20-row table: arch_str, valid_acc, test_acc, train_time_s)."""
    frame = load_digits_table().frame.reset_index()[["arch_str", "valid_acc", "test_acc", "train_time_s"]].iloc[:20]
    return tmp_path_factory.mktemp("hand"), frame.round(3).to_csv(index=False)


def _edit(text: str, line: int, old: str, new: str) -> str:
    """``text`` with the first ``old`` on file line ``line`` (from 1) replaced by ``new``."""
    lines = text.splitlines()
    assert old in lines[line - 1], (old, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "\n".join(lines) + "\n"


def _cut_last_value(text: str, line: int) -> str:
    lines = text.splitlines()
    lines[line - 1] = lines[line - 1].rsplit(",", 1)[0]
    return "\n".join(lines) + "\n"


def _mistakes(text: str) -> dict:
    """name -> (the file's bytes, what its one line must say)."""
    time_6 = text.splitlines()[5].rsplit(",", 1)[1]
    return {
        "empty.csv": (b"", "the file is empty"),
        "blank.csv": (b"\n \n\r\n", "the file is empty"),
        "bom_only.csv": (b"\xef\xbb\xbf", "the file is empty"),
        "thousands.csv": (_edit(text, 6, "," + time_6, ",1,234.5").encode(),
                          "line 6: 5 values, but the header names 4 columns (a thousands separator? write 1234.5"),
        "quoted_thousands.csv": (_edit(text, 6, "," + time_6, ',"1,234.5"').encode(),
                                 "line 6: column 'train_time_s' holds '1,234.5', not a number (write 1234.5: no "
                                 "thousands separator)"),
        "short_row.csv": (_cut_last_value(text, 7).encode(), "line 7: 3 values, but the header names 4 columns "
                                                             "(a value missing?)"),
        "op_typo.csv": (_edit(text, 4, "nor_conv_3x3", "nor_conv3x3").encode(),
                        "line 4: arch_str is not an NB201 cell (node 2 edge 0: unknown op 'nor_conv3x3' (did you mean "
                        "'nor_conv_3x3'?))"),
    }


NAMES = ["empty.csv", "blank.csv", "bom_only.csv", "thousands.csv", "quoted_thousands.csv", "short_row.csv",
         "op_typo.csv"]


@pytest.mark.parametrize("name", NAMES)
def test_a_hand_made_slip_is_one_line_naming_the_line(plain, name):
    folder, text = plain
    data, must = _mistakes(text)[name]
    (folder / name).write_bytes(data)
    with pytest.raises(TableFileError) as info:
        load_table_file(folder / name)
    message = str(info.value)
    assert message.startswith(f"{shown_path(folder / name)}: ") and must in message and "\n" not in message, message


def test_a_typo_in_an_op_names_the_op_it_likely_means(plain):
    folder, text = plain
    (folder / "typo.csv").write_text(_edit(text, 4, "nor_conv_3x3", "nor_conv3x3"))
    with pytest.raises(TableFileError, match=r"unknown op 'nor_conv3x3' \(did you mean 'nor_conv_3x3'\?\)"):
        load_table_file(folder / "typo.csv")


def test_a_separator_ending_every_line_reads_as_the_plain_file(plain):
    """Rows ending in ',' (the header's too, or not) were read with arch_str as pandas' row label: a TypeError."""
    folder, text = plain
    (folder / "plain.csv").write_text(text)
    lines = text.splitlines()
    (folder / "rows.csv").write_text("\n".join([lines[0]] + [row + "," for row in lines[1:]]) + "\n")
    (folder / "all.csv").write_text("\n".join(row + "," for row in lines) + "\n")
    want = load_table_file(folder / "plain.csv").frame
    for name in ("rows.csv", "all.csv"):
        assert load_table_file(folder / name).frame.equals(want), name


def test_the_cli_says_the_slip_in_one_line_and_reads_the_trailing_separators(plain):
    folder, text = plain
    lines = text.splitlines()
    (folder / "trail.csv").write_text("\n".join([lines[0]] + [row + "," for row in lines[1:]]) + "\n")
    done = naoviz("data", "show", "--table", folder / "trail.csv")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-800:]
    assert "classes: 20 of 6,466" in done.stdout, done.stdout
    (folder / "none.csv").write_bytes(b"")
    done = naoviz("data", "show", "--table", folder / "none.csv")
    assert done.returncode == 2 and done.stderr.splitlines() == [
        f"naoviz data show: error: --table: {shown_path(folder / 'none.csv')}: the file is empty; a table is a header line "
        "(arch_str and metric names), then one row per cell"], done.stderr

"""`naoviz data import` (validated, atomic copy) and `naoviz data show` on the real NAS-Bench-201 tables."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from naoviz.cli import main

SHARED = Path(os.environ["NAOVIZ_DATA"])
NB201 = ("nb201_cifar10valid_200ep.csv", "nb201_test_acc_200ep.csv", "nb201_params_flops_derived.csv",
         "nb201_latency_ms_help.csv")


def _error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if re.match(r"naoviz data (download|import|show): error:", line)]
    assert len(errors) == 1, stderr
    return errors[0]


def _show_json(capsys, *args) -> dict:
    assert main(["data", "show", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_show_json_facts_of_the_real_tables(capsys):
    facts = _show_json(capsys)
    assert facts["data_dir"] == str(SHARED.resolve()) and facts["missing"] is None
    nb = facts["benchmarks"]["nb201"]
    assert nb["rows"] == 15625
    c10 = nb["metrics"]["cifar10_test_acc"]
    assert (round(c10["best"], 2), c10["best_index"], round(c10["mean"], 2)) == (94.37, 6111, 87.06)
    assert nb["metrics"]["valid_acc"]["best_index"] == 6111
    assert nb["metrics"]["latency_pixel3"]["lower_is_better"] is True


def test_show_text(capsys):
    assert main(["data", "show"]) == 0
    out = capsys.readouterr().out
    assert f"data dir: {SHARED.resolve()}" in out and "nb201: 15,625 rows" in out
    line = next(l for l in out.splitlines() if l.strip().startswith("cifar10_test_acc"))
    assert line.split()[1:4] == ["94.3733", "6111", "87.0629"]


def test_show_without_data_names_the_folder_and_the_download(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))
    assert main(["data", "show", "--json"]) == 2
    err = _error_line(capsys.readouterr().err)
    assert "point NAOVIZ_DATA at their folder" in err and "naoviz data download" in err and str(tmp_path) in err


def test_import_copies_validates_and_show_reads_it(tmp_path, capsys):
    dest = tmp_path / "data"
    assert main(["data", "import", str(SHARED), "--dir", str(dest)]) == 0
    out = capsys.readouterr().out
    assert "15,625 rows" in out and "nb101_naslib_subset.csv" in out   # reported as ignored
    assert sorted(p.name for p in dest.iterdir()) == sorted(NB201)
    for name in NB201:
        assert (dest / name).read_bytes() == (SHARED / name).read_bytes()
    facts = _show_json(capsys, "--dir", str(dest))
    assert facts["benchmarks"]["nb201"]["rows"] == 15625
    assert facts["benchmarks"]["nb201"]["metrics"]["cifar10_test_acc"]["best_index"] == 6111


def _copy_tables(folder: Path, names=NB201) -> Path:
    folder.mkdir()
    for name in names:
        shutil.copyfile(SHARED / name, folder / name)
    return folder


def test_import_of_a_truncated_table_names_it_and_writes_nothing(tmp_path, capsys):
    src = _copy_tables(tmp_path / "src")
    bad = src / "nb201_latency_ms_help.csv"
    bad.write_bytes(bad.read_bytes()[:200_000])                        # cut mid-row: fewer rows, a ragged line
    dest = tmp_path / "data"
    assert main(["data", "import", str(src), "--dir", str(dest)]) == 2
    err = _error_line(capsys.readouterr().err)
    assert str(bad) in err
    assert not dest.exists() or not any(dest.iterdir())


def test_import_of_a_corrupt_table_names_it(tmp_path, capsys):
    src = _copy_tables(tmp_path / "src", NB201[:2])
    bad = src / "nb201_test_acc_200ep.csv"
    lines = bad.read_text().splitlines(keepends=True)
    lines[10], lines[11] = lines[11].replace("|", "!", 1), lines[10]      # wrong string at an index
    bad.write_text("".join(lines))
    assert main(["data", "import", str(src), "--dir", str(tmp_path / "data")]) == 2
    assert str(bad) in _error_line(capsys.readouterr().err)
    bad.write_bytes(b"\x00\x01garbage\xff\n")
    assert main(["data", "import", str(src), "--dir", str(tmp_path / "data")]) == 2
    err = _error_line(capsys.readouterr().err)
    assert str(bad) in err and "not a readable CSV" in err


def test_partial_import_is_validated_against_installed_tables(tmp_path, capsys):
    dest = _copy_tables(tmp_path / "data", NB201[:2])
    src = _copy_tables(tmp_path / "src", NB201[3:])                    # latency only
    assert main(["data", "import", str(src), "--dir", str(dest), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["files"] == ["nb201_latency_ms_help.csv"] and result["rows"] == {"nb201": 15625}
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["data", "import", str(empty), "--dir", str(dest)]) == 2
    err = _error_line(capsys.readouterr().err)
    assert "no table files" in err and "nb201_*.csv" in err and len(err) - len(str(empty)) <= 150
    (empty / "my_archs.csv").write_text("arch_str,valid_acc\n")        # a researcher's own table: not imported
    assert main(["data", "import", str(empty), "--dir", str(dest)]) == 2
    err = _error_line(capsys.readouterr().err)
    assert "my_archs.csv is not one; a table of your own is not imported: give it to a command as --table PATH" \
        in err and len(err) - len(str(empty)) <= 200, err
    lonely = _copy_tables(tmp_path / "lonely", NB201[3:])
    assert main(["data", "import", str(lonely), "--dir", str(tmp_path / "fresh")]) == 2
    err = _error_line(capsys.readouterr().err)
    assert "nb201_cifar10valid_200ep.csv" in err and "naoviz data download" in err


def test_show_includes_a_digits_table_when_present(tmp_path, capsys):
    dest = _copy_tables(tmp_path / "data", NB201[:2])
    head = (SHARED / "nb201_test_acc_200ep.csv").read_text().splitlines()[:4]   # 3 rows, distinct classes
    (dest / "nb201_digits.csv").write_text("\n".join(head) + "\n")
    facts = _show_json(capsys, "--dir", str(dest))
    assert facts["benchmarks"]["nb201-digits"]["rows"] == 3
    assert facts["benchmarks"]["nb201"]["rows"] == 15625


def test_info_reports_tables_cifar_and_what_to_run(tmp_path, capsys, monkeypatch):
    import json

    from naoviz.cli import main
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "nb201_ready: no" in out and "naoviz data download`" in out and "point NAOVIZ_DATA at their folder" in out
    assert re.search(r"device: (cpu \((1 thread|\d+ threads)\)|cuda|mps)", out), out
    assert "cifar: cifar10 no, cifar100 no" in out and "naoviz data download cifar10" in out
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(b"")
    assert main(["info", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["data_dir"] == str(tmp_path.resolve()) and facts["cifar"] == {"cifar10": True, "cifar100": False}
    assert facts["nb201_ready"] is False and set(facts["nb201_tables"]) >= {"cifar10valid", "test"}


def test_info_names_the_latency_import_when_only_the_download_is_installed(tmp_path, capsys, monkeypatch):
    """`naoviz data download` installs no latency table: info says where latency_* comes from, only then."""
    for name in NB201[:3]:
        (tmp_path / name).symlink_to(SHARED / name)
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "nb201_ready: yes" in out and "latency no" in out and "naoviz data import HELP" in out
    (tmp_path / NB201[3]).symlink_to(SHARED / NB201[3])
    assert main(["info"]) == 0
    assert "naoviz data import HELP" not in capsys.readouterr().out


def test_import_of_a_missing_folder_says_what_the_folder_is(tmp_path, capsys, monkeypatch):
    """`naoviz data import HELP`, typed as the README and the latency hints write it, in a folder with no HELP
    clone: the error says that DIR is the user's folder of tables or HELP clone, in one short line."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path / "data"))
    assert main(["data", "import", "HELP"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DIR: HELP does not exist" in err and len(err.strip()) <= 200
    assert "a clone of github.com/HayeonLee/HELP" in err and "nb201_*.csv tables" in err


def test_no_tables_names_the_offline_table_and_following_it_works(tmp_path, capsys, monkeypatch):
    """The first thing a pip newcomer without data sees: `naoviz search` says how to install NAS-Bench-201
    and that the shipped digits table works at once, in one line, and that hint, followed, runs."""
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))
    assert main(["search", "--algo", "rs", "--queries", "5", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("naoviz search: error: no NAS-Bench-201 tables in ")
    assert "naoviz data download" in err and "--table nb201-digits" in err
    assert "point NAOVIZ_DATA at their folder" in err      # tables already on disk elsewhere: how to say where
    # under 200 with a 50-character folder (the default /root/.local/share/naoviz gave 226; 290 before that)
    assert len(err.strip()) - len(str(tmp_path)) <= 150
    assert main(["search", "--table", "nb201-digits", "--algo", "rs", "--queries", "5", "--no-progress"]) == 0
    assert "rs on nb201-digits: 5 queries" in capsys.readouterr().out


@pytest.mark.parametrize("given", ["no-such-folder", "a-file"])
def test_a_data_folder_that_is_not_one_is_said(tmp_path, capsys, monkeypatch, given):
    """NAOVIZ_DATA mistyped (no such folder) or naming a file: the line says which, not only "no tables in"."""
    if given == "a-file":
        (tmp_path / given).write_text("x")
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path / given))
    assert main(["search", "--algo", "rs", "--queries", "5", "--no-progress"]) == 2
    said = {"no-such-folder": "(no such folder)", "a-file": "(a file, not a folder)"}[given]
    assert f"no NAS-Bench-201 tables in {tmp_path / given} {said}: point NAOVIZ_DATA" in capsys.readouterr().err


def test_one_nb201_table_missing_is_named(tmp_path, capsys, monkeypatch):
    """Only the test-accuracy table is missing: the line names it, not 'no tables'."""
    from naoviz.tables.benchmark import NB201_FILES
    (tmp_path / NB201_FILES["cifar10valid"]).write_text("arch_index,arch_str\n")
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))
    assert main(["search", "--algo", "rs", "--queries", "5", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"naoviz search: error: NAS-Bench-201 table {NB201_FILES['test']} missing in {tmp_path}: "), err


def test_data_show_of_a_dir_without_tables_says_to_point_dir_at_them(tmp_path, capsys):
    """``data show --dir D`` with no tables in D: the line says --dir, which the user gave, not NAOVIZ_DATA."""
    folder = tmp_path / "x" / ("d" * 40)
    folder.mkdir(parents=True)
    assert main(["data", "show", "--dir", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"no NAS-Bench-201 tables in {folder}: point --dir at their folder" in err
    assert "NAOVIZ_DATA" not in err and len(err.strip()) - len(str(folder)) <= 150


"""The CLI as a newcomer meets it: every command's ``--help`` says what it does and each path option whether it
wants a file or a folder; a command names every file it wrote (``compare --out``, with a skipped PNG as a note,
``build-table``, ``runs --csv``, ``supernet --out``, ``train-child --checkpoint-dir``); ``search`` names its table
as typed and records it in ``--json`` as ``compare`` does; errors name the option and echo the value as typed;
an optimum under ``--constraint`` is called the constrained one."""
from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import naoviz
from naoviz.cli import main, walk_parsers
from naoviz.cli.common import path_arg, path_type

PATH_METAVARS = {"FILE", "DIR", "PATH", "DATA_DIR", "NAME|PATH", "OUT.html"}


def _own_table(folder: Path, rows: int = 40) -> Path:
    """The first ``rows`` cells of the shipped digits table, as a researcher's own CSV."""
    lines = (Path(naoviz.__file__).parent / "resources" / "nb201_digits.csv").read_text().splitlines()
    path = folder / "own.csv"
    path.write_text("\n".join(lines[:rows + 1]) + "\n")
    return path


def test_every_command_help_says_what_it_does(capsys):
    for words, parser in walk_parsers():
        assert parser.description, f"naoviz {' '.join(words)} --help has no description"
        assert main([*words, "--help"]) == 0
        shown = " ".join(capsys.readouterr().out.split())
        assert " ".join(parser.description.split())[:60] in shown, words


def test_path_options_say_file_or_folder():
    for words, parser in walk_parsers():
        for action in parser._actions:
            if action.type in (path_arg, path_type):
                shown = action.metavar or action.dest.upper()
                assert shown in PATH_METAVARS, f"naoviz {' '.join(words)} {action.option_strings}: {shown}"


def test_compare_out_names_every_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NAOVIZ_CHROMIUM", "none")     # no PNG/SVG/PDF: as on a machine without a browser
    out = tmp_path / "cmp"
    assert main(["compare", "--algos", "re,rs", "--queries", "10", "--seeds", "2", "--no-progress",
                 "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"summary: {out / 'summary.json'}" in lines
    assert json.loads((out / "summary.json").read_text())["budget"] == 10
    figures = [line.removeprefix("figure: ") for line in lines if line.startswith("figure: ")]
    assert figures and all(Path(f).is_file() for f in figures), figures
    assert f"readme: {out / 'README.md'}" in lines                    # where the figures came from, written too
    assert sorted(p.name for p in out.iterdir()) == sorted(["summary.json", "README.md",
                                                            *(Path(f).name for f in figures)])
    notes = [line for line in lines if line.startswith("note: PNG skipped")]
    assert len(notes) == 1 and "NAOVIZ_CHROMIUM=none" in notes[0]


def test_search_names_its_table_as_typed_and_in_json(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _own_table(tmp_path)
    assert main(["search", "--table", "own.csv", "--algo", "re", "--queries", "5", "--no-progress",
                 "--store", "runs.db"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[0].startswith("re on own.csv: 5 queries"), out.out
    run_id = re.search(r"run ([0-9a-f]+) in runs.db", out.err).group(1)

    assert main(["search", "--table", "own.csv", "--algo", "re", "--queries", "5", "--no-progress", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)["table"]
    assert table["name"] == "own" and table["file"] == "own.csv"
    assert table["path"] == str(tmp_path / "own.csv") and re.fullmatch(r"[0-9a-f]{16}", table["fingerprint"])

    assert main(["search", "--store", "runs.db", "--resume", run_id, "--json", "--no-progress"]) == 0
    resumed = json.loads(capsys.readouterr().out)["table"]        # the stored run's table: the same file
    assert resumed["fingerprint"] == table["fingerprint"] and resumed["path"] == table["path"]

    assert main(["search", "--algo", "rs", "--queries", "5", "--no-progress", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["table"] == {"name": "nb201"}


def test_data_show_names_a_mistyped_dir(tmp_path, capsys):
    assert main(["data", "show", "--dir", str(tmp_path / "no-such-folder")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"naoviz data show: error: --dir: {tmp_path / 'no-such-folder'} does not exist"]
    assert main(["data", "show", "--dir", str(tmp_path)]) == 2       # a folder without tables: the download hint
    assert "naoviz data download" in capsys.readouterr().err


def test_objectives_error_echoes_the_value_as_typed(capsys):
    for typed in ("valid_acc", "valid_acc,valid_acc"):
        assert main(["search", "--objectives", typed, "--no-progress"]) == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and err[0].startswith("naoviz search: error: --objectives: need two or more")
        assert err[0].endswith(f"got '{typed}'"), err[0]


def test_build_table_names_its_store_and_table(tmp_path, capsys):
    store, out = tmp_path / "build.db", tmp_path / "mine.csv"
    assert main(["build-table", "--archs", "1", "--epochs", "1", "--data", "synthetic", "--store", str(store),
                 "--out", str(out)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    run_id = re.fullmatch(rf"run ([0-9a-f]+) in {re.escape(str(store))}: trained 1, reused 0, 1 row -> "
                          rf"{re.escape(str(out))}", line).group(1)
    assert out.is_file() and main(["runs", "--store", str(store)]) == 0
    assert run_id in capsys.readouterr().out


def test_compare_says_when_its_optimum_is_the_constrained_one(capsys, nb201_table):
    feasible = nb201_table.metric("latency_pixel3") <= 6.44
    best = float(nb201_table.metric("cifar10_test_acc")[feasible].max())
    assert best < float(nb201_table.metric("cifar10_test_acc").max())     # the budget excludes the optimum
    assert main(["compare", "--algos", "rs", "--queries", "10", "--seeds", "2", "--no-progress",
                 "--constraint", "latency_pixel3<=6.44"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert f"(constrained optimum {best:g}" in head or f"(constrained optimum {best}" in head, head
    assert main(["compare", "--algos", "rs", "--queries", "10", "--seeds", "2", "--no-progress"]) == 0
    assert "(optimum " in capsys.readouterr().out.splitlines()[0]
    assert main(["compare", "--algos", "rs", "--queries", "10", "--seeds", "2", "--no-progress",   # no budget
                 "--objectives", "valid_acc,latency_pixel3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "(optimum " in lines[0]
    assert any(line.startswith("objectives valid_acc,latency_pixel3: optimum ") for line in lines), lines


def test_runs_csv_with_json_says_what_it_wrote(tmp_path, capsys):
    store = tmp_path / "runs.db"
    assert main(["search", "--algo", "rs", "--queries", "7", "--no-progress", "--store", str(store)]) == 0
    capsys.readouterr()
    out = tmp_path / "evals.csv"
    assert main(["runs", "--store", str(store), "--csv", "all", "--out", str(out), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said == {"store": str(store), "csv": str(out), "run": "all", "evaluations": 7}
    assert len(out.read_text().splitlines()) == 1 + 7
    assert main(["runs", "--store", str(store), "--csv", "all", "--out", "-", "--json"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("naoviz runs: error: --json: with --out - the CSV itself")


def test_info_without_nb201_points_at_the_shipped_table(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))                  # an empty data folder
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "nb201_ready: no" in out and "digits_table: yes" in out
    assert "naoviz data download" in out and "--table nb201-digits" in out
    assert main(["search", "--table", "nb201-digits", "--algo", "rs", "--queries", "3", "--no-progress"]) == 0


def test_supernet_names_the_file_out_wrote(tmp_path, capsys):
    out = tmp_path / "result.json"
    assert main(["supernet", "--data", "synthetic", "--pool", "6", "--rounds", "0", "--warmup-epochs", "1",
                 "--top-k", "2", "--n-new", "0", "--rerank-top", "0", "--no-progress", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"result: {out}"
    assert json.loads(out.read_text())["best"] in lines[0]


def test_train_child_names_its_checkpoint_folder(tmp_path, capsys):
    ckpt = tmp_path / "ckpt"
    cell = "|nor_conv_3x3~0|+|skip_connect~0|none~1|+|skip_connect~0|none~1|nor_conv_1x1~2|"
    argv = ["train-child", "--arch", cell, "--preset", "digits-quick", "--data", "synthetic", "--checkpoint-dir",
            str(ckpt)]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"checkpoint: {ckpt} (the same command resumes from it)"
    assert any(ckpt.iterdir())
    assert main(argv) == 0                              # the same command again: its epochs are in the folder
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == f"checkpoint: {ckpt} (resumed after epoch 4; the same command resumes from it)", last


def test_compare_shows_each_search_under_the_runs_bar(capsys):
    assert main(["compare", "--algos", "rs,re", "--queries", "8", "--seeds", "2"]) == 0
    err = capsys.readouterr().err.replace("\r", "\n")
    assert "compare:" in err and "rs search:" in err and "re search:" in err
    assert main(["compare", "--algos", "rs", "--queries", "8", "--seeds", "2", "--no-progress"]) == 0
    assert "search:" not in capsys.readouterr().err


def test_dashboard_on_a_taken_port_says_so_and_starts_nothing(tmp_path, capsys):
    # Voila moved a taken port to the next free one while naoviz printed the asked-for port's URL (with this
    # dashboard's token) to open: another server's page, another user's dashboard on a shared machine.
    token_file = tmp_path / "token"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", "--port", str(port), "--table", "nb201-digits", "--token-file", str(token_file),
                     "--exports", str(tmp_path / "ex")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("naoviz dashboard: error: --port: in use on 127.0.0.1"), err
    assert err[0].endswith(f"got {port}") and re.search(r"--port \d+ is\)", err[0]), err[0]
    assert not token_file.exists()                       # refused before the token file was made or Voila started


def test_search_names_a_metric_it_also_reports_once(tmp_path, capsys):
    table = _own_table(tmp_path)
    assert main(["search", "--table", str(table), "--algo", "rs", "--queries", "3", "--metric", "test_acc",
                 "--no-progress"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("incumbent: "))
    assert line.count("test_acc=") == 1, line           # was "test_acc=28.0556  test_acc=28.0556"
    assert main(["search", "--table", str(table), "--algo", "rs", "--queries", "3", "--no-progress"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("incumbent: "))
    assert "valid_acc=" in line and "test_acc=" in line, line


def test_docs_lists_the_pages_and_opens_each_one_help_texts_name(capsys):
    """`naoviz docs`: the folder and each page with its title; every ``docs/<page>.md`` a --help text names resolves
    to that file (path, or --print: the text), as the wheel's user types it. The installed wheel's copy is
    checked by .ci/wheel_smoke.sh; here the checkout's docs/ is the folder."""
    docs = Path(naoviz.__file__).resolve().parent.parent / "docs"
    assert main(["docs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"docs folder: {docs}"
    listed = {line.split()[0]: line.split(None, 1)[1] for line in lines[1:-1]}
    assert listed.keys() == {p.name for p in docs.glob("*.md")} and listed["search.md"].startswith("Search: NAO")
    assert main(["info"]) == 0 and f"docs_dir: {docs}" in capsys.readouterr().out

    named = {m for _, parser in walk_parsers() for m in re.findall(r"docs/(\w+\.md)", parser.format_help())}
    assert {"search.md", "data.md", "security.md"} <= named, named
    for page in sorted(named):
        assert main(["docs", f"docs/{page}"]) == 0
        assert capsys.readouterr().out == f"{docs / page}\n"
    assert main(["docs", "UI", "--print"]) == 0
    assert capsys.readouterr().out == (docs / "ui.md").read_text()
    assert main(["docs", "store.md#run-locks", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"page": "store", "title": "The run store",
                                                    "path": str(docs / "store.md")}


def test_docs_refuses_an_unknown_page_naming_the_pages(capsys):
    pages = "the pages are changelog, child, data, install, interfaces, model, search, search_experiments, "
    for argv, start in [(["docs", "nosuchpage"], f"naoviz docs: error: PAGE: no page 'nosuchpage'; {pages}"),
                        (["docs", "--print"], "naoviz docs: error: --print: give a PAGE")]:
        assert main(argv) == 2
        out = capsys.readouterr()
        assert out.out == "" and len(out.err.splitlines()) == 1 and out.err.startswith(start), out.err

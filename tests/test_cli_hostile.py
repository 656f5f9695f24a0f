"""Hostile input to every option of every command, in-process: the CLI answers with exit status 2 and ONE
short error line that names the option, never a traceback, a hang or a silent success.

Each case must be rejected before any work starts (no training, no search, no download), which is what keeps
this file fast; the per-test timeout turns a hang into a failure. Hand-picked values cover the known bad
inputs (NaN, inf, 1e9, 2.5, bool, other-script digits, empty strings, files where folders belong, 100 kB
values, duplicated searchers, CUDA on a CPU-only build). The commands that train (train-child, build-table,
supernet) are tests/test_cli_hostile_train.py's; generated values per option kind
tests/test_cli_hostile_generated.py's; the CLI's other lines (help, OS errors, names the file system refuses)
tests/test_cli_messages.py's.
"""
from __future__ import annotations

import json

import pytest

from _cli_rejects import HANG_S, HUGE, assert_rejected, cuda, hostile_paths


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    """A file (where a folder or a folder's parent belongs), a folder (where a file belongs), a store."""
    return hostile_paths(tmp_path_factory.mktemp("hostile"))


# -- search -----------------------------------------------------------------------------------------------
SEARCH = ["search", "--algo", "rs", "--queries", "5", "--no-progress"]


def search_cases(p) -> list[tuple[list[str], str]]:
    cases = [
        (["search", "--space", "x"], "--space"), (["search", "--space", ""], "--space"),
        (["search", "--algo", "bogus"], "--algo"), (["search", "--algo", ""], "--algo"),
        (["search", "--algo", "a\nb"], "--algo"), (["search", "--algo", HUGE], "--algo"),
        (SEARCH + ["--queries", "0"], "--queries"), (SEARCH + ["--queries", "1000001"], "--queries"),
        (SEARCH + ["--queries", "6467"], "--queries"),          # above the 6,466 NB201 classes
        (SEARCH + ["--seed", "-1"], "--seed"), (SEARCH + ["--seed", str(2**63)], "--seed"),
        (SEARCH + ["--metric", "nope"], "--metric"), (SEARCH + ["--metric", ""], "--metric"),
        (SEARCH + ["--metric", HUGE], "--metric"), (SEARCH + ["--report", "nope"], "--report"),
        (SEARCH + ["--preset", "paper"], "--preset"),           # rs has no presets
        (["search", "--algo", "nao", "--preset", "bogus"], "--preset"), (SEARCH + ["--preset", ""], "--preset"),
        (SEARCH + ["--store", ""], "--store"), (SEARCH + ["--store", p["folder"]], "--store"),
        (SEARCH + ["--store", p["under_file"]], "--store"), (SEARCH + ["--store", "a\x00b"], "--store"),
        (SEARCH + ["--store", p["file"]], "--store"),           # a file that is not a SQLite store
        (SEARCH + ["--resume", ""], "--resume"), (SEARCH + ["--resume", "abc"], "--store"),
        (SEARCH + ["--resume", "nope", "--store", p["store"]], "--resume"),
        (SEARCH + ["--scheduler", "x"], "--scheduler"), (SEARCH + ["--scheduler", ""], "--scheduler"),
        (SEARCH + ["--scheduler", "tcp://127.0.0.1:1", "--local-cluster", "2"], "--scheduler"),
        (SEARCH + ["--local-cluster", "-1"], "--local-cluster"), (SEARCH + ["--local-cluster", "100000"], "--local-cluster"),
        (SEARCH + ["--local-cluster", "Auto"], "--local-cluster"), (SEARCH + ["--local-cluster", ""], "--local-cluster"),
        (SEARCH + ["--local-cluster", "2.5"], "--local-cluster"),
        (SEARCH + ["--scheduler", "tcp://127.0.0.1:1", "--local-cluster", "auto"], "--scheduler"),
        (SEARCH + ["--retries", "-1"], "--retries"), (SEARCH + ["--retries", "101"], "--retries"),
        (SEARCH + ["--delay", "inf"], "--delay"), (SEARCH + ["--delay", "nan"], "--delay"),
        (SEARCH + ["--delay", "-1"], "--delay"), (SEARCH + ["--delay", "1e9"], "--delay"),
        (SEARCH + ["--no-progress=x"], "--no-progress"), (SEARCH + ["--json=1"], "--json"),
        (SEARCH + ["--bogus"], "--bogus"),
        (["search", "--preset", "semi", "--constraint", "latency_pixel3<=9", "--queries", "5"], "--preset"),
        (["search", "--config", '{"pseudo_cells": 5}', "--objectives", "valid_acc,latency_pixel3"], "--config"),
        (SEARCH + ["--constraint", "latency_pixel<=3"], "--constraint"),     # unknown column
        (SEARCH + ["--constraint", "latency_pixel3<=nan"], "--constraint"),
        (SEARCH + ["--constraint", "latency_pixel3<=NaN"], "--constraint"),
        (SEARCH + ["--constraint", "latency_pixel3<=1e999"], "--constraint"),
        (SEARCH + ["--constraint", "latency_pixel3=<3"], "--constraint"), (SEARCH + ["--constraint", ""], "--constraint"),
        (SEARCH + ["--constraint", "latency_pixel3"], "--constraint"), (SEARCH + ["--constraint", HUGE], "--constraint"),
        (SEARCH + ["--constraint", "x<=1", "--constraint", "x<=1"], "--constraint"),
        (SEARCH + ["--constraint", "latency_pixel3<=3", "--constraint", "latency_pixel3<=3"], "--constraint"),
        (SEARCH + ["--objectives", "valid_acc"], "--objectives"), (SEARCH + ["--objectives", "valid_acc,nope"], "--objectives"),
        (SEARCH + ["--objectives", "latency_pixel3,valid_acc"], "--objectives"), (SEARCH + ["--objectives", ""], "--objectives"),
        (SEARCH + ["--objectives", "9" * 400], "--objectives"),     # one column, long: the line stayed 204 characters
    ]
    configs = {
        "rs": ['{"batch": 0}', '{"batch": -3}', '{"batch": "x"}', '{"batch": 1e9}', '{"batch": 1000000000}',
               '{"batch": 1.5}', '{"batch": true}', '{"batch": NaN}', '{"batch": null}', '{"bogus": 1}',
               '[1]', '"x"', "not json", "{", "[" * 100_000 + "]" * 100_000, json.dumps({HUGE: 1}),
               json.dumps({"batch": HUGE})],
        "re": ['{"population": 0}', '{"population": 100001}', '{"sample": 50}', '{"sample": 0}',
               '{"max_tries": -1}', '{"population": 2.0}'],
        "ls": ['{"per_round": 1.5}', '{"n_init": 1}', '{"n_trees": 10001}', '{"parents": 0}',
               '{"min_samples_leaf": Infinity}'],
        "nao": ['{"model": 5}', '{"model": {"hidden_size": 1e9}}', '{"model": {"hidden_size": 1000000000}}',
                '{"model": {"lr": NaN}}', '{"model": {"bogus": 1}}', '{"model": {"tokenization": "xx"}}',
                '{"model": {"hidden_size": 3}}', '{"eta_step": 1e-300}', '{"max_eta": Infinity}',
                '{"epochs": 0}', '{"trade_off": 2}', '{"seed_by": "x"}', '{"model_preset": "x"}',
                '{"n_new": 0, "n_mutations": 0}', '{"top_k": [1]}'],
    }
    if not cuda():
        configs["nao"].append('{"model": {"device": "cuda"}}')
    for algo, items in configs.items():
        cases += [(["search", "--algo", algo, "--queries", "5", "--no-progress", "--config", c], "--config")
                  for c in items]
    return cases


@pytest.mark.timeout(HANG_S)
def test_search_rejects_hostile_input(paths):
    cases = search_cases(paths)
    for argv, option in cases:
        assert_rejected(argv, option)
    assert len(cases) > 80


def compare_cases(p) -> list[tuple[list[str], str]]:
    base = ["compare", "--algos", "rs", "--queries", "5", "--seeds", "1", "--no-progress"]
    return [
        (base + ["--space", "x"], "--space"),
        (["compare", "--algos", "rs,rs", "--seeds", "1"], "--algos"), (["compare", "--algos", "rs,,re"], "--algos"), (["compare", "--algos", ""], "--algos"),
        (["compare", "--algos", ","], "--algos"), (["compare", "--algos", "xx"], "--algos"),
        (["compare", "--algos", "rs:paper"], "--algos"), (["compare", "--algos", "nao:bogus"], "--algos"), (["compare", "--algos", "nao:,re"], "--algos"),
        (["compare", "--algos", HUGE], "--algos"), (["compare", "--algos", "rs," + HUGE], "--algos"),
        (base + ["--queries", "0"], "--queries"), (base + ["--queries", "6467"], "--queries"),
        (["compare", "--algos", "ls,re", "--against", "nao"], "--against"),
        (["compare", "--algos", "ls,nao:kmeans", "--against", "nao"], "--against"),
        (["compare", "--algos", "ls,re", "--against", ""], "--against"), (base + ["--against", "rs"], "--against"),
        (["compare", "--algos", "ls,re", "--seeds", "1", "--against", "ls"], "--against"),
        (["compare", "--algos", "ls,re", "--against", "ls", "--bootstrap", "0"], "--bootstrap"),
        (["compare", "--algos", "ls,re", "--against", "ls", "--bootstrap", "1e4"], "--bootstrap"),
        (["compare", "--algos", "ls,re", "--against", "ls", "--bootstrap", "99"], "--bootstrap"),
        (["compare", "--algos", "ls,re", "--bootstrap", "1000"], "--bootstrap"),
        (base + ["--seeds", "0"], "--seeds"), (base + ["--seeds", "10001"], "--seeds"),
        (base + ["--first-seed", "-1"], "--first-seed"), (base + ["--first-seed", str(2**63 - 1)], "--first-seed"),
        (base + ["--metric", "nope"], "--metric"), (base + ["--report", ""], "--report"),
        (base + ["--out", ""], "--out"), (base + ["--out", p["file"]], "--out"),
        (base + ["--out", p["under_file"]], "--out"),
        (base + ["--constraint", "nope<=1"], "--constraint"), (base + ["--constraint", "latency_pixel3<=inf"], "--constraint"),
        (base + ["--objectives", "valid_acc,valid_acc"], "--objectives"),
        (["compare", "--algos", "nao:semi", "--constraint", "latency_pixel3<=9", "--seeds", "1"], "--algos"),
        (base + ["--store", ""], "--store"), (base + ["--store", p["folder"]], "--store"),
        (base + ["--store", p["under_file"]], "--store"), (base + ["--store", p["file"]], "--store"),
        (base + ["--scheduler", "x"], "--scheduler"),
        (base + ["--scheduler", "tcp://127.0.0.1:1", "--local-cluster", "2"], "--scheduler"),
        (base + ["--local-cluster", "-1"], "--local-cluster"), (base + ["--local-cluster", "Auto"], "--local-cluster"),
        (base + ["--retries", "101"], "--retries"), (base + ["--delay", "nan"], "--delay"),
        (base + ["--delay", "1e9"], "--delay"),
        (base + ["--evaluator", "train", "--space", "nb201", "--delay", "1"], "--delay"),
    ]


@pytest.mark.timeout(HANG_S)
def test_compare_rejects_hostile_input(paths):
    cases = compare_cases(paths)
    for argv, option in cases:
        assert_rejected(argv, option)


# -- predictor --------------------------------------------------------------------------------------------
def predictor_cases() -> list[tuple[list[str], str]]:
    cases = [
        (["predictor", "--space", "x"], "--space"), (["predictor", "--metric", "nope"], "--metric"),
        (["predictor", "--metric", ""], "--metric"),
        (["predictor", "--train-sizes", "0"], "--train-sizes"), (["predictor", "--train-sizes", "x"], "--train-sizes"),
        (["predictor", "--train-sizes", "10,10"], "--train-sizes"), (["predictor", "--train-sizes", "99999"], "--train-sizes"),
        (["predictor", "--train-sizes", "10,99999"], "--train-sizes"),   # checked before the first size trains
        (["predictor", "--train-sizes", ""], "--train-sizes"), (["predictor", "--train-sizes", "1e3"], "--train-sizes"),
        (["predictor", "--train-sizes", "\u0661\u0660"], "--train-sizes"),
        (["predictor", "--train-sizes", HUGE], "--train-sizes"),
        (["predictor", "--seeds", "0"], "--seeds"), (["predictor", "--seeds", "1001"], "--seeds"),
        (["predictor", "--preset", "bogus"], "--preset"), (["predictor", "--preset", ""], "--preset"),
        (["predictor", "--threads", "0"], "--threads"), (["predictor", "--threads", "-1"], "--threads"),
        (["predictor", "--threads", "257"], "--threads"),
    ]
    sets = ["epochs", "epochs=-1", "=1", "bogus=1", "lr=NaN", "lr=Infinity", "hidden_size=3", "hidden_size=1e9",
            "hidden_size=1000000000", 'tokenization="xx"', "epochs=1e9", "batch_size=true", "epochs=2.5",
            "weight_decay=NaN", "threads=0", "seed=-1", "epochs=" + "[" * 100_000, HUGE + "=1", "epochs=" + HUGE]
    if not cuda():
        sets += ['device="cuda"', "device=cuda"]
    cases += [(["predictor", "--set", s], "--set") for s in sets]
    return cases


@pytest.mark.timeout(HANG_S)
def test_predictor_rejects_hostile_input():
    for argv, option in predictor_cases():
        assert_rejected(argv, option)


# -- data, dashboard, info --------------------------------------------------------------------------------
def other_cases(p) -> list[tuple[list[str], str]]:
    offline = ["--base-url", "file:///nonexistent-naoviz-mirror", "--no-progress"]
    return [
        (["data", "download", "x"], "what"), (["data", "download", "--dir", p["file"]] + offline, "--dir"),
        (["data", "download", "--dir", p["under_file"]] + offline, "--dir"),
        (["data", "download", "--dir", ""] + offline, "--dir"),
        (["data", "download", "cifar10", "--dir", p["file"]] + offline, "--dir"),
        (["data", "download", "--dir", p["folder"], "--base-url", "ftp://x"], "--base-url"),
        (["data", "download", "--dir", p["folder"], "--base-url", ""], "--base-url"),
        (["data", "download", "--dir", p["folder"], "--base-url", "not a url"], "--base-url"),
        (["data", "download", "--dir", p["folder"], "--base-url", HUGE], "--base-url"),
        (["data", "import"], "DIR"), (["data", "import", ""], "DIR"), (["data", "import", p["file"]], "DIR"),
        (["data", "import", p["under_file"]], "DIR"),
        (["data", "import", p["folder"], "--dir", p["file"]], "--dir"),
        (["data", "import", p["folder"], "--dir", ""], "--dir"),
        (["data", "show", "--dir", p["file"]], "--dir"), (["data", "show", "--dir", ""], "--dir"),
        (["data", "bogus"], "bogus"),
        (["dashboard", "--dry-run", "--port", "0"], "--port"), (["dashboard", "--dry-run", "--port", "65536"], "--port"),
        (["dashboard", "--dry-run", "--port", "1e3"], "--port"), (["dashboard", "--dry-run", "--port", "x"], "--port"),
        (["dashboard", "--dry-run", "--ip", ""], "--ip"), (["dashboard", "--dry-run", "--ip", "a b"], "--ip"),
        (["dashboard", "--dry-run", "--ip", HUGE], "--ip"),
        (["dashboard", "--dry-run", "--data", p["file"]], "--data"), (["dashboard", "--dry-run", "--data", ""], "--data"),
        (["dashboard", "--dry-run", "--data", p["under_file"]], "--data"),
        (["dashboard", "--dry-run", "--exports", p["file"]], "--exports"),
        (["dashboard", "--dry-run", "--exports", p["under_file"]], "--exports"),
        (["dashboard", "--dry-run", "--exports", ""], "--exports"), (["dashboard", "--dry-run=1"], "--dry-run"),
        (["dashboard", "--dry-run", "--pool-size", "-1"], "--pool-size"),
        (["dashboard", "--dry-run", "--pool-size", "65"], "--pool-size"),
        (["dashboard", "--dry-run", "--cull-idle", "1.5"], "--cull-idle"),
        (["dashboard", "--dry-run", "--cull-idle", "-5"], "--cull-idle"),
        (["dashboard", "--dry-run", "--cull-idle", "0", "--cull-connected"], "--cull-connected"),
        (["dashboard", "--dry-run", "--token-file", ""], "--token-file"),
        (["dashboard", "--dry-run", "--token-file", HUGE], "--token-file"),
        (["dashboard", "--dry-run", "--token-file", p["file"]], "--token-file"),      # mode 0644, not a token
        (["dashboard", "--dry-run", "--token-file", p["folder"]], "--token-file"),
        (["dashboard", "--dry-run", "--token-file", p["under_file"]], "--token-file"),
        (["dashboard", "--dry-run", "--no-token", "--token-file", p["store"]], "--token-file"),
        *((["dashboard", "--dry-run", "--base-url", v], "--base-url") for v in (
            "", "naoviz", "/a/../b", "/a b/", "/a?x=1", "//evil.com/", "/a/./", "/a#b", "/%2e%2e/", "/a\nb/",
            "/" + "a" * 250, HUGE)),
        (["info", "--json=x"], "--json"), (["info", "--bogus"], "--bogus"), (["bogus"], "bogus"),
        (["runs"], "--store"), (["runs", "--store", ""], "--store"), (["runs", "--store", p["folder"]], "--store"),
        (["runs", "--store", p["file"]], "--store"), (["runs", "--store", p["under_file"]], "--store"),
        (["runs", "--store", HUGE], "--store"), (["runs", "--store", p["store"], "--json=1"], "--json"),
        (["runs", "--store", p["file"], "--csv", ""], "--csv"), (["runs", "--store", p["file"], "--csv", "all"], "--out"),
        (["runs", "--store", p["file"], "--csv", "all", "--out", p["under_file"]], "--out"),
    ]


@pytest.mark.timeout(HANG_S)
def test_data_dashboard_info_reject_hostile_input(paths):
    for argv, option in other_cases(paths):
        assert_rejected(argv, option)


def export_page_cases(p) -> list[tuple[list[str], str]]:
    root = p["root"]
    broken = root / "broken-atlas"
    broken.with_suffix(".json").write_text("{not json")
    broken.with_suffix(".safetensors").write_bytes(b"\0" * 16)
    page = str(root / "page.html")
    return [
        (["export-page", p["folder"], "--atlas", str(broken)], "OUT.html"),
        (["export-page", str(root / "page.txt"), "--atlas", str(broken)], "OUT.html"),
        (["export-page", p["file"] + "/sub/page.html", "--atlas", str(broken)], "OUT.html"),
        (["export-page", ""], "OUT.html"), (["export-page", HUGE + ".html"], "OUT.html"),
        (["export-page", page, "--atlas", str(broken)], "--atlas"),
        (["export-page", page, "--atlas", str(root / "missing")], "--atlas"),
        (["export-page", page, "--atlas", ""], "--atlas"), (["export-page", page, "--atlas", p["folder"]], "--atlas"),
        (["export-page", page, "--table", "bogus"], "--table"), (["export-page", page, "--table", ""], "--table"),
        (["export-page", page, "--title", ""], "--title"), (["export-page", page, "--title", HUGE], "--title"),
        (["export-page"], "OUT.html"),
    ]


@pytest.mark.timeout(HANG_S)
def test_export_page_rejects_hostile_input(paths):
    for argv, option in export_page_cases(paths):
        assert_rejected(argv, option)
    assert not (paths["root"] / "page.html").exists()


@pytest.mark.timeout(HANG_S)
def test_import_refuses_nan_in_the_digits_table(tmp_path):
    from naoviz.resources import DIGITS_TABLE, resource_path
    src = tmp_path / "src"
    src.mkdir()
    lines = resource_path(DIGITS_TABLE).read_text().splitlines()
    cells = lines[5].split(",")
    cells[3] = "nan"
    lines[5] = ",".join(cells)
    (src / "nb201_digits.csv").write_text("\n".join(lines) + "\n")
    last = assert_rejected(["data", "import", str(src), "--dir", str(tmp_path / "data")], "nb201_digits.csv")
    assert "not a finite number" in last and not (tmp_path / "data" / "nb201_digits.csv").exists()


def test_atlas_rejects_hostile_input(paths):
    p = paths
    cases = [(["atlas", "--table", "x"], "--table"), (["atlas", "--table", ""], "--table"),
             (["atlas", "--etas", ""], "--etas"), (["atlas", "--etas", "1,2"], "--etas"),
             (["atlas", "--etas", "0,2,1"], "--etas"), (["atlas", "--etas", "0,0"], "--etas"),
             (["atlas", "--etas", "nan:3"], "--etas"), (["atlas", "--etas", "inf:3"], "--etas"),
             (["atlas", "--etas", "10:1"], "--etas"), (["atlas", "--etas", "10:1e9"], "--etas"),
             (["atlas", "--etas", "0:5"], "--etas"), (["atlas", "--etas", "0,,1"], "--etas"),
             (["atlas", "--etas", "0"], "--etas"),           # one step size: no path (MAX:N needs N >= 2 too)
             (["atlas", "--etas", HUGE], "--etas"), (["atlas", "--etas", "0," + ",".join(map(str, range(1, 1200)))], "--etas"),
             (["atlas", "--maps", "tsne"], "--maps"), (["atlas", "--maps", "pca,pca"], "--maps"),
             (["atlas", "--maps", ""], "--maps"), (["atlas", "--maps", ","], "--maps"),
             (["atlas", "--k", "0"], "--k"), (["atlas", "--k", "2.5"], "--k"), (["atlas", "--k", "1e9"], "--k"),
             (["atlas", "--seeds", "some"], "--seeds"), (["atlas", "--out", ""], "--out"),
             (["atlas", "--out", p["folder"]], "--out"), (["atlas", "--out", p["under_file"]], "--out"),
             (["atlas", "--json=1"], "--json")]
    for argv, name in cases:
        assert_rejected(argv, name)

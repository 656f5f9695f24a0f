"""Hostile input to every option of every command, in-process: the CLI answers with exit status 2 and ONE
short error line that names the option, never a traceback, a hang or a silent success.

Each case must be rejected before any work starts (no training, no search, no download), which is what keeps
this file fast; the per-test timeout turns a hang into a failure. Hand-picked values cover the known bad
inputs (NaN, inf, 1e9, 2.5, bool, other-script digits, empty strings, files where folders belong, 100 kB
values, duplicated searchers, CUDA on a CPU-only build); hypothesis adds generated values per option kind.
"""
from __future__ import annotations

import contextlib
import io
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from naoviz.cli import main

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
HUGE = "x" * 100_000
MAX_LINE = 200
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _cuda() -> bool:
    import torch
    return torch.cuda.is_available()


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_rejected(argv: list[str], must_name: str) -> str:
    """``argv`` exits 2 with a last stderr line that is short, one line, names ``must_name``; no traceback."""
    code, out, err = run_cli(argv)
    shown = [a if len(a) < 100 else a[:60] + "..." for a in argv]
    assert "Traceback" not in out + err, (shown, err[-2000:])
    assert code == 2, (shown, code, out[-500:], err[-500:])
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, (shown, "no error line")
    last = lines[-1]
    assert len(last) <= MAX_LINE, (shown, len(last), last[:300])
    assert last.startswith("naoviz"), (shown, last)
    assert must_name in last, (shown, must_name, last)
    return last


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    """A file (where a folder or a folder's parent belongs), a folder (where a file belongs), a store."""
    root = tmp_path_factory.mktemp("hostile")
    afile = root / "a-file"
    afile.write_text("not a folder\n")
    folder = root / "a-folder"
    folder.mkdir()
    return {"file": str(afile), "under_file": str(afile / "sub" / "x.db"), "folder": str(folder),
            "store": str(root / "runs.db"), "root": root}


BAD_INTS = ["-1", "1e9", "2.5", "nan", "inf", "", "x", "\u0663", "1_0", "0x10", "True", "9" * 40, "5 5", "\n"]
BAD_FLOATS = ["nan", "NaN", "inf", "-inf", "1e999", "x", "", "1,5", "\u0663"]


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
    if not _cuda():
        configs["nao"].append('{"model": {"device": "cuda"}}')
    for algo, items in configs.items():
        cases += [(["search", "--algo", algo, "--queries", "5", "--no-progress", "--config", c], "--config")
                  for c in items]
    return cases


@pytest.mark.timeout(60)
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


@pytest.mark.timeout(60)
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
    if not _cuda():
        sets += ['device="cuda"', "device=cuda"]
    cases += [(["predictor", "--set", s], "--set") for s in sets]
    return cases


@pytest.mark.timeout(60)
def test_predictor_rejects_hostile_input():
    for argv, option in predictor_cases():
        assert_rejected(argv, option)


# -- train-child and build-table --------------------------------------------------------------------------
def child_cases(p) -> list[tuple[list[str], str]]:
    base = ["train-child", "--arch", ARCH, "--epochs", "1"]
    cases = [
        (["train-child"], "--arch"), (["train-child", "--arch", ""], "--arch"),
        (["train-child", "--arch", "garbage"], "--arch"), (["train-child", "--arch", "NAONet-A"], "--arch"),
        (["train-child", "--arch", HUGE], "--arch"), (["train-child", "--arch", ARCH.replace("3x3", "9x9")], "--arch"),
        (["train-child", "--space", "naonet", "--arch", "\u0663 " * 40], "--arch"),
        (base + ["--space", "x"], "--space"), (base + ["--data", "x"], "--data"),
        (base + ["--lr", "nan"], "--lr"), (base + ["--lr", "inf"], "--lr"), (base + ["--lr", "0"], "--lr"),
        (base + ["--lr", "-1"], "--lr"), (base + ["--weight-decay", "nan"], "--weight-decay"),
        (base + ["--weight-decay", "-1"], "--weight-decay"), (base + ["--cutout", "-1"], "--cutout"),
        (base + ["--cutout", "65"], "--cutout"), (base + ["--channels", "0"], "--channels"),
        (base + ["--channels", "-2"], "--channels"), (base + ["--channels", "1000000"], "--channels"),
        (base + ["--cells", "-1"], "--cells"), (base + ["--cells", "0"], "--cells"),
        (base + ["--cells", "17"], "--cells"), (base + ["--epochs", "0"], "--epochs"),
        (base + ["--epochs", "1e9"], "--epochs"), (base + ["--batch-size", "0"], "--batch-size"),
        (base + ["--batch-size", "1e9"], "--batch-size"), (base + ["--seed", "-1"], "--seed"),
        (base + ["--seed", str(2**32)], "--seed"), (base + ["--device", "meta"], "--device"),
        (base + ["--device", ""], "--device"), (base + ["--device", "cuda:x"], "--device"),
        (base + ["--device", "tpu"], "--device"), (base + ["--checkpoint-dir", p["file"]], "--checkpoint-dir"),
        (base + ["--checkpoint-dir", p["under_file"]], "--checkpoint-dir"),
        (base + ["--checkpoint-dir", ""], "--checkpoint-dir"), (base + ["--data-dir", ""], "--data-dir"),
        (base + ["--data-dir", p["file"]], "--data-dir"), (base + ["--data-dir", p["under_file"]], "--data-dir"),
        (base + ["--compile=1"], "--compile"), (base + ["--no-aux=1"], "--no-aux"),
        (base + ["--preset", "nope"], "--preset"), (base + ["--preset", ""], "--preset"),
        (base + ["--preset", "digits-quick", "--lr", "nan"], "--lr"),
        (base + ["--preset", "digits-quick", "--device", "tpu"], "--device"),
    ]
    if not _cuda():
        cases += [(base + ["--device", "cuda"], "--device"), (base + ["--device", "cuda:0"], "--device")]
    return cases


def build_cases(p) -> list[tuple[list[str], str]]:
    base = ["build-table", "--store", p["store"], "--out", str(p["root"] / "table.csv"), "--archs", "1",
            "--epochs", "1"]
    return [
        (["build-table"], "--store"), (base + ["--space", "x"], "--space"), (base + ["--data", "x"], "--data"),
        (base + ["--epochs", "0"], "--epochs"), (base + ["--epochs", "10001"], "--epochs"),
        (base + ["--archs", "0"], "--archs"), (base + ["--archs", "x"], "--archs"),
        (base + ["--archs", "99999"], "--archs"), (base + ["--archs", "-1"], "--archs"),
        (base + ["--archs", "1.5"], "--archs"), (base + ["--archs", "\u0663"], "--archs"),
        (base + ["--archs", ""], "--archs"), (base + ["--channels", "0"], "--channels"),
        (base + ["--channels", "1000000"], "--channels"), (base + ["--cells", "-1"], "--cells"),
        (base + ["--batch-size", "0"], "--batch-size"), (base + ["--lr", "nan"], "--lr"),
        (base + ["--lr", "inf"], "--lr"), (base + ["--lr", "0"], "--lr"), (base + ["--seed", "-1"], "--seed"),
        (base + ["--seed", str(2**63)], "--seed"), (base + ["--data-dir", ""], "--data-dir"),
        (base + ["--data-dir", p["file"]], "--data-dir"), (base + ["--store", ""], "--store"),
        (base + ["--store", p["folder"]], "--store"), (base + ["--store", p["under_file"]], "--store"),
        (base + ["--store", p["file"]], "--store"),
        (base + ["--out", p["folder"]], "--out"), (base + ["--out", p["under_file"]], "--out"),
        (base + ["--out", ""], "--out"), (base + ["--out", p["store"]], "--out"),     # the store: not overwritten
        (base + ["--scheduler", "x"], "--scheduler"),
        (base + ["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], "--scheduler"),
        (base + ["--workers", "-1"], "--workers"), (base + ["--workers", "many"], "--workers"),
        (base + ["--scheduler", "tcp://127.0.0.1:1", "--workers", "auto"], "--scheduler"),
        (base + ["--workers", "100000"], "--workers"),
    ]


@pytest.mark.timeout(60)
def test_train_child_and_build_table_reject_hostile_input(paths):
    cases = child_cases(paths) + build_cases(paths)
    for argv, option in cases:
        assert_rejected(argv, option)
    assert not (paths["root"] / "table.csv").exists()


def supernet_cases(p) -> list[tuple[list[str], str]]:
    base = ["supernet", "--no-progress"]
    cases = [(base + [opt, v], opt) for opt, values in (
        ("--pool", ["0", "1", "1e9", "x", "6467"]), ("--rounds", ["-1", "2.5"]), ("--warmup-epochs", ["0", "nan"]),
        ("--epochs-per-round", ["-1"]), ("--top-k", ["0"]), ("--n-new", ["-1", "100"]),
        ("--max-eta", ["nan", "inf", "0", "-1"]), ("--train-on", ["x"]), ("--sampling", ["x", ""]),
        ("--paths-per-step", ["0", "3", "101"]), ("--channels", ["0", "1000000"]), ("--cells", ["0", "17"]),
        ("--lr", ["nan", "0", "inf"]), ("--rerank-top", ["-1", "101"]),
        ("--rerank-seeds", ["0", "11", "x"]), ("--rerank-epochs", ["0", "1001", "nan"]),
        ("--skip-penalty", ["-1", "nan", "inf", "x"]), ("--search-skip-penalty", ["-1", "nan", "inf", "x"]),
        ("--rerank-split", ["x", ""]), ("--score", ["x", ""]), ("--measure", ["-1", "99999"]),
        ("--seed", ["-1", str(2**32)]), ("--device", ["tpu", "", "cuda:x"]), ("--threads", ["0"]),
        ("--space", ["naonet", ""]), ("--data", ["x", "imagefolder:/nope"]),
        ("--out", [p["folder"], p["under_file"], ""])) for v in values]
    cases += [(base + ["--data", "synthetic", "--measure", "10"], "--measure"), (base + ["--json=1"], "--json"),
              (base + ["--space", "naonet-ws", "--measure", "10"], "--measure"),
              (base + ["--space", "naonet-ws", "--sampling", "fair"], "--paths-per-step"),
              (base + ["--space", "naonet-ws", "--channels", "0"], "--channels"),
              (base + ["--space", "naonet-ws", "--skip-penalty", "0.01"], "--skip-penalty"),
              (base + ["--space", "naonet-ws", "--search-skip-penalty", "0.01"], "--search-skip-penalty")]
    if not _cuda():
        cases += [(base + ["--device", "cuda"], "--device")]
    return cases


@pytest.mark.timeout(60)
def test_supernet_rejects_hostile_input(paths):
    for argv, option in supernet_cases(paths):
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
        (["info", "--json=x"], "--json"), (["info", "--bogus"], "--bogus"), (["bogus"], "bogus"),
        (["runs"], "--store"), (["runs", "--store", ""], "--store"), (["runs", "--store", p["folder"]], "--store"),
        (["runs", "--store", p["file"]], "--store"), (["runs", "--store", p["under_file"]], "--store"),
        (["runs", "--store", HUGE], "--store"), (["runs", "--store", p["store"], "--json=1"], "--json"),
        (["runs", "--store", p["file"], "--csv", ""], "--csv"), (["runs", "--store", p["file"], "--csv", "all"], "--out"),
        (["runs", "--store", p["file"], "--csv", "all", "--out", p["under_file"]], "--out"),
    ]


@pytest.mark.timeout(60)
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


@pytest.mark.timeout(60)
def test_export_page_rejects_hostile_input(paths):
    for argv, option in export_page_cases(paths):
        assert_rejected(argv, option)
    assert not (paths["root"] / "page.html").exists()


@pytest.mark.timeout(60)
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


# -- generated values, per option kind --------------------------------------------------------------------
INT_OPTIONS = [  # (argv prefix, option, lo, hi)
    (["search", "--algo", "rs"], "--queries", 1, 1_000_000), (["search", "--algo", "rs"], "--seed", 0, 2**63 - 1),
    (["search", "--algo", "rs"], "--retries", 0, 100), (["compare", "--algos", "rs"], "--seeds", 1, 10_000),
    (["predictor"], "--threads", 1, 256), (["predictor"], "--seeds", 1, 1000),
    (["train-child", "--arch", ARCH], "--epochs", 1, 10_000), (["train-child", "--arch", ARCH], "--channels", 1, 256),
    (["train-child", "--arch", ARCH], "--cells", 1, 16), (["train-child", "--arch", ARCH], "--cutout", 0, 64),
    (["train-child", "--arch", ARCH], "--batch-size", 1, 65_536),
    (["build-table", "--store", "s.db"], "--epochs", 1, 10_000), (["dashboard", "--dry-run"], "--port", 1, 65535),
    (["atlas"], "--k", 1, 100),
]
FLOAT_OPTIONS = [  # (argv prefix, option, lo, hi, lo_open)
    (["search", "--algo", "rs"], "--delay", 0.0, 60.0, False), (["compare", "--algos", "rs"], "--delay", 0.0, 60.0, False),
    (["train-child", "--arch", ARCH], "--lr", 0.0, 10.0, True),
    (["train-child", "--arch", ARCH], "--weight-decay", 0.0, 1.0, False),
    (["build-table", "--store", "s.db"], "--lr", 0.0, 10.0, True),
    (["cache", "--clean", "stale", "--dry-run"], "--older-than", 0.0, 100_000.0, False),
]
_ASCII_INT = re.compile(r"\s*[+-]?[0-9]{1,30}\s*")


def _bad_int(lo: int, hi: int):
    outside = st.integers().filter(lambda v: not lo <= v <= hi).map(str)
    floats = st.floats(allow_nan=True, allow_infinity=True).map(repr)
    text = st.text(max_size=12).filter(lambda s: not _ASCII_INT.fullmatch(s) or not lo <= int(s) <= hi)
    return st.one_of(outside, floats, text, st.sampled_from(BAD_INTS))


def _bad_float(lo: float, hi: float, lo_open: bool):
    def bad(v: float) -> bool:
        return not (v > lo if lo_open else v >= lo) or v > hi
    outside = st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: v != v or bad(v)).map(repr)
    text = st.text(max_size=12).filter(lambda s: not re.fullmatch(r"\s*[0-9.eE+-]+\s*", s))
    return st.one_of(outside, text, st.sampled_from(BAD_FLOATS))


@pytest.mark.timeout(60)
@SETTINGS
@given(data=st.data())
def test_generated_bad_numbers_are_rejected(data):
    if data.draw(st.booleans(), label="int option"):
        prefix, option, lo, hi = data.draw(st.sampled_from(INT_OPTIONS), label="option")
        value = data.draw(_bad_int(lo, hi), label="value")
    else:
        prefix, option, lo, hi, lo_open = data.draw(st.sampled_from(FLOAT_OPTIONS), label="option")
        value = data.draw(_bad_float(lo, hi, lo_open), label="value")
    assert_rejected(prefix + [f"{option}={value}"], option)


_BAD_VALUE = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=True, allow_infinity=True),
                       st.text(max_size=10), st.lists(st.integers(), max_size=2),
                       st.integers(min_value=10**5 + 1), st.integers(max_value=-1))
_FIELDS = {"rs": ["batch"], "re": ["population", "sample", "max_tries"],
           "ls": ["n_init", "parents", "per_round", "n_trees", "min_samples_leaf"]}


@pytest.mark.timeout(60)
@SETTINGS
@given(data=st.data())
def test_generated_bad_search_configs_are_rejected(data):
    algo = data.draw(st.sampled_from(sorted(_FIELDS)), label="algo")
    field = data.draw(st.sampled_from(_FIELDS[algo]), label="field")
    value = data.draw(_BAD_VALUE, label="value")     # every one is outside every field's range (floats too)
    config = json.dumps({field: value})
    last = assert_rejected(["search", "--algo", algo, "--queries", "5", "--no-progress", "--config", config],
                           "--config")
    assert field in last


# -- a closed stdout pipe ---------------------------------------------------------------------------------
class _ClosedPipe(io.StringIO):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.timeout(60)
def test_a_closed_pipe_ends_quietly():
    err = io.StringIO()
    with contextlib.redirect_stdout(_ClosedPipe()), contextlib.redirect_stderr(err):
        code = main(["search", "--algo", "rs", "--queries", "5", "--no-progress"])
    assert code in (0, 141) and "Traceback" not in err.getvalue() and err.getvalue().strip() == ""
    with contextlib.redirect_stdout(_ClosedPipe()), contextlib.redirect_stderr(err):
        assert main(["--help"]) in (0, 141)
    assert "Traceback" not in err.getvalue()


@pytest.mark.timeout(60)
def test_any_os_error_is_one_line_with_the_path(monkeypatch):
    import naoviz.cli.info as info

    def denied():
        raise PermissionError(13, "Permission denied", "/some/where")
    monkeypatch.setattr(info, "collect", denied)
    code, out, err = run_cli(["info"])
    assert code == 2 and "Traceback" not in err
    assert err.strip() == "naoviz info: error: /some/where: Permission denied"


def test_every_option_of_every_command_says_what_it_does():
    """`naoviz CMD --help` explains each option: none is listed without a help text."""
    from naoviz.cli import walk_parsers
    bare = [" ".join(("naoviz", *words, act.option_strings[-1])) for words, parser in walk_parsers()
            for act in parser._actions if act.option_strings and not act.help]   # sub-commands too (data show)
    assert not bare


def test_bare_naoviz_lists_the_commands():
    """``naoviz`` alone shows what it can do (exit 2: a usage mistake), not only 'COMMAND is required'."""
    code, out, err = run_cli([])
    assert code == 2 and out == ""
    assert all(f"    {c} " in err for c in ("search", "compare", "dashboard", "cache")), err


def test_a_group_without_its_action_names_the_actions():
    assert "(one of download, import, show)" in assert_rejected(["data"], "ACTION")


def test_a_value_that_starts_like_a_negative_number_is_checked_as_a_value():
    # argparse alone took `-1:5` (not `-1`) for an option and said "expected one argument"
    cases = [(["atlas", "--etas", "-1:5"], "got '-1'"), (["atlas", "--etas", "-1,0,1"], "got '-1'"),
             (["search", "--algo", "rs", "--delay", "-1e-3"], "got '-1e-3'"),
             (["search", "--algo", "rs", "--delay", "-inf"], "got '-inf'"),
             (["search", "--algo", "rs", "--local-cluster", "-2"], "got '-2'"),
             (["cache", "--clean", "stale", "--dry-run", "--older-than", "-1e3"], "got '-1e3'"),
             (["predictor", "--train-sizes", "-1,2"], "'-1'")]
    for argv, said in cases:
        last = assert_rejected(argv, argv[-2])
        assert said in last and "expected one argument" not in last, (argv, last)
    assert "expected one argument" in assert_rejected(["cache", "--older-than"], "--older-than")   # still missing


def test_an_unknown_option_is_named_by_its_command():
    line = assert_rejected(["search", "--queries", "5", "--nope", "1"], "--nope")
    assert line.startswith("naoviz search: error: unrecognized arguments: --nope 1"), line
    assert assert_rejected(["data", "show", "--bar"], "--bar").startswith("naoviz data show: error:")


def test_help_says_the_range_of_every_checked_option():
    """``naoviz CMD --help`` writes the accepted range of every option whose value is checked against one
    (int_in / workers_in / float_in), so the range is read before a bad value is tried, not after."""
    import argparse

    from naoviz.cli import walk_parsers
    checked = 0
    for _, parser in walk_parsers():
        text = " ".join(parser.format_help().split())
        for action in parser._actions:
            forms = getattr(action.type, "range_text", ())
            if forms and action.help != argparse.SUPPRESS:
                checked += 1
                assert any(form in text for form in forms), (parser.prog, action.option_strings, forms)
    assert checked >= 50
    code, out, _ = run_cli(["train-child", "--help"])
    out = " ".join(out.split())
    assert code == 0 and "--epochs EPOCHS training epochs (default 10; range 1..10000)" in out
    assert "(default 0; range >= 0)" in out                  # a seed: no 20-digit upper end


def test_a_default_that_conflicts_says_it_is_the_default():
    """--sampling fair on naonet-ws, whose default --paths-per-step is 1: the line says the 1 is that default
    and what to give, not only 'got 1' for an option the user never typed."""
    last = assert_rejected(["supernet", "--space", "naonet-ws", "--sampling", "fair"], "--paths-per-step")
    assert "got 1, naonet-ws's default (give --paths-per-step 5)" in last
    last = assert_rejected(["supernet", "--sampling", "fair", "--paths-per-step", "3"], "--paths-per-step")
    assert last.endswith("got 3")


@pytest.mark.parametrize("under", ["", "sub"])
def test_a_cache_folder_that_is_a_file_is_named_as_the_cache(tmp_path, monkeypatch, under):
    """NAOVIZ_CACHE set to a file (or a folder under one): one line naming NAOVIZ_CACHE; before, `naoviz atlas`
    said only "/path: File exists" (or "Not a directory"), which does not say which setting is wrong."""
    blocker = tmp_path / "cache-file"
    blocker.write_text("x")
    monkeypatch.setenv("NAOVIZ_CACHE", str(blocker / under) if under else str(blocker))
    table = tmp_path / "t.csv"
    others = ("|skip_connect~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_3x3~2|",
              "|none~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_3x3~2|")
    table.write_text(f"arch_str,valid_acc\n{ARCH},90\n{others[0]},80\n{others[1]},70\n")   # 3 rows: a map's fewest
    code, _, err = run_cli(["atlas", "--table", str(table), "--etas", "1:2", "--maps", "pca"])
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith("naoviz atlas: error: NAOVIZ_CACHE:") and f"{blocker} is a file, not a folder" in err, err


# -- names the file system refuses, and lists echoed twice (the lead's fuzz of every option, 2026-12-06) --------
LONG_NAME = "9" * 300                    # one file name over the 255 bytes every common file system allows


def _path_options():
    """(command argv prefix, option) for every option whose type is a path, found by walking the parser."""
    from naoviz.cli import walk_parsers
    from naoviz.cli.common import path_arg, path_type
    return [(list(words), action.option_strings[-1]) for words, parser in walk_parsers() for action in parser._actions
            if action.option_strings and action.type in (path_arg, path_type)]


def test_every_path_option_refuses_an_overlong_file_name_before_any_work():
    """Before: `--store 999...` (300 digits) searched, then failed with the file system's 'File name too long'
    and a 300-character line naming no option; every path option now names itself in one short line."""
    options = _path_options()
    assert len(options) >= 15 and (["search"], "--store") in options, options
    for prefix, option in options:
        needs = {"train-child": ["--arch", ARCH], "runs": ["--store", "runs.db"]}.get(prefix[0], [])
        assert_rejected([*prefix, *needs, option, LONG_NAME], option)
    assert_rejected(["export-page", LONG_NAME + ".html"], "OUT.html")


def test_a_long_list_is_not_echoed_twice():
    for argv, name in [(["compare", "--algos", "nao," + LONG_NAME], "--algos"),
                       (["predictor", "--train-sizes", "5," + LONG_NAME], "--train-sizes"),
                       (["atlas", "--etas", "0," + LONG_NAME], "--etas")]:
        last = assert_rejected(argv, name)
        assert last.count("'") == 1, last            # the bad item once (cut), not the whole list after it
    # a short list is still quoted whole, so the reader sees where the bad item sits
    assert "in 'nao,foo'" in assert_rejected(["compare", "--algos", "nao,foo"], "--algos")


def test_an_os_error_on_a_long_path_keeps_its_start_and_its_file_name(monkeypatch):
    import naoviz.cli.info as info
    where = "/data/" + "deep/" * 60 + "runs.db"

    def denied():
        raise PermissionError(13, "Permission denied", where)
    monkeypatch.setattr(info, "collect", denied)
    code, out, err = run_cli(["info"])
    line = err.strip()
    assert code == 2 and len(line) <= MAX_LINE, line
    assert line.startswith("naoviz info: error: /data/deep/") and line.endswith("runs.db: Permission denied"), line

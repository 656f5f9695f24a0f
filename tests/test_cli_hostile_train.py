"""Hostile input to the commands that train (``train-child``, ``build-table``, ``supernet``), in-process: exit
status 2 and ONE short error line naming the option, before any training starts (which keeps this file fast; the
per-test timeout turns a hang into a failure). Split from tests/test_cli_hostile.py (the other commands), same
form and helpers (tests/_cli_rejects.py).
"""
from __future__ import annotations

import pytest

from _cli_rejects import ARCH, HANG_S, HUGE, assert_rejected, cuda, hostile_paths


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    """A file (where a folder or a folder's parent belongs), a folder (where a file belongs), a store."""
    return hostile_paths(tmp_path_factory.mktemp("hostile"))


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
    if not cuda():
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


@pytest.mark.timeout(HANG_S)
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
    if not cuda():
        cases += [(base + ["--device", "cuda"], "--device")]
    return cases


@pytest.mark.timeout(HANG_S)
def test_supernet_rejects_hostile_input(paths):
    for argv, option in supernet_cases(paths):
        assert_rejected(argv, option)

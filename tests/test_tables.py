"""Facts about naoviz.tables.benchmark on the real NAS-Bench-201 tables (NAOVIZ_DATA)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from naoviz.tables import load_benchmark, load_nb201, lower_is_better
from naoviz.errors import DataMissingError, NaovizError

SHARED = Path(os.environ["NAOVIZ_DATA"])
BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


def test_query_by_arch_string_and_index_agree(nb201_table, nb201_space):
    arch = nb201_space.parse(BEST)
    by_index, by_string, by_arch = nb201_table.query(6111), nb201_table.query(BEST), nb201_table.query(arch)
    assert by_index == by_string == by_arch
    assert by_index["arch_index"] == 6111 and by_index["arch_str"] == BEST
    assert by_index["cifar10_test_acc"] == pytest.approx(94.373333)
    assert by_index["valid_acc"] == pytest.approx(91.606667)
    assert nb201_table.query(list(arch)) == by_index


def test_vectorised_metric_matches_queries(nb201_table, nb201_space):
    everything = nb201_table.metric("valid_acc")
    assert everything.shape == (15625,) and everything.dtype == np.float64
    archs = nb201_space.sample(50, seed=0)
    picked = nb201_table.metric("valid_acc", archs)
    assert picked.shape == (50,)
    assert np.array_equal(picked, [nb201_table.query(a)["valid_acc"] for a in archs])
    assert np.array_equal(picked, everything[[nb201_space.index_of(a) for a in archs]])
    assert nb201_table.best("valid_acc") == (6111, pytest.approx(91.606667))
    assert nb201_table.best("test_loss")[0] == int(np.argmin(nb201_table.metric("test_loss")))


def test_table_shape_and_directions(nb201_table):
    assert len(nb201_table) == 15625 and list(nb201_table.frame.index) == list(range(15625))
    assert len([m for m in nb201_table.metrics if m.startswith("latency_")]) == 27
    assert float(np.mean(nb201_table.metric("cifar10_test_acc"))) == pytest.approx(87.06, abs=0.005)
    assert not lower_is_better("cifar10_test_acc") and lower_is_better("valid_loss")
    assert lower_is_better("latency_pixel3") and lower_is_better("cifar10_params_M")


def test_lower_is_better_with_and_without_dataset_prefix():
    """Every column of both tables: costs, times, losses and errors are minimised, prefixed or not."""
    lower = ["params_M", "flops_M", "train_time_s", "valid_loss", "train_loss", "test_loss", "error",
             "cifar10_params_M", "cifar100_flops_M", "imagenet16_120_params_M", "latency_pixel3", "valid_error"]
    higher = ["valid_acc", "train_acc", "test_acc", "cifar10_test_acc", "imagenet16_120_test_acc"]
    assert [m for m in lower if not lower_is_better(m)] == []
    assert [m for m in higher if lower_is_better(m)] == []


def test_digits_table_reports_params_lower_is_better():
    digits = load_benchmark("nb201-digits")
    summary = digits.summary()["metrics"]
    assert summary["params_M"]["lower_is_better"] is True and summary["train_time_s"]["lower_is_better"] is True
    assert digits.best("params_M")[1] == pytest.approx(float(digits.metric("params_M").min()))


def test_unknown_metric_and_bad_arch_errors_name_the_value(nb201_table):
    with pytest.raises(ValueError, match="'cifar10_valid_acc'"):
        nb201_table.metric("cifar10_valid_acc")
    with pytest.raises(ValueError, match="'arch_str'"):
        nb201_table.best("arch_str")
    with pytest.raises(ValueError, match="15625"):
        nb201_table.query(15625)
    with pytest.raises(ValueError, match="conv_5x5"):
        nb201_table.query(BEST.replace("nor_conv_1x1", "conv_5x5"))
    with pytest.raises(ValueError, match="'nb999'"):
        load_benchmark("nb999")


def test_missing_dir_names_the_folder_the_download_and_the_offline_table(tmp_path):
    with pytest.raises(DataMissingError) as info:
        load_nb201(tmp_path)
    message = str(info.value)
    assert "naoviz data download" in message and str(tmp_path) in message
    assert "point NAOVIZ_DATA at their folder" in message         # the tables may be elsewhere already
    # both files missing: the folder, not each file; short besides the folder's path (as test_data_import_show's)
    assert len(message) - len(str(tmp_path)) < 200 and "\n" not in message


def test_corrupt_csv_names_the_file(tmp_path):
    for name in ("nb201_cifar10valid_200ep.csv", "nb201_test_acc_200ep.csv"):
        shutil.copyfile(SHARED / name, tmp_path / name)
    bad = tmp_path / "nb201_test_acc_200ep.csv"
    bad.write_text("index;arch\n1;2\n")
    with pytest.raises(NaovizError, match=str(bad)):
        load_nb201(tmp_path)
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(NaovizError, match=str(bad)):
        load_nb201(tmp_path)


def test_optional_tables_are_optional(tmp_path):
    for name in ("nb201_cifar10valid_200ep.csv", "nb201_test_acc_200ep.csv"):
        shutil.copyfile(SHARED / name, tmp_path / name)
    bench = load_nb201(tmp_path)
    assert len(bench) == 15625 and not any(m.startswith("latency_") for m in bench.metrics)
    assert "cifar10_params_M" not in bench.metrics


def test_table_with_one_row_per_class_answers_for_members_and_nan_when_absent(nb201_table, nb201_space, tmp_path):
    """A per-class table (like the digits one) answers for every member; a class it lacks is NaN / KeyError."""
    from naoviz.tables import load_digits_table

    classes = list(nb201_space.classes.values())
    kept, dropped = classes[:50], classes[50]
    rows = sorted(min(nb201_space.index_of(a) for a in members) for members in kept)
    frame = nb201_table.frame.loc[rows, ["arch_str", "valid_acc", "test_acc"]]
    path = tmp_path / "nb201_digits.csv"
    frame.to_csv(path, index_label="arch_index")
    table = load_digits_table(path)
    member = next(a for members in kept for a in members if len(members) > 1 and nb201_space.index_of(a) not in rows)
    rep = min(nb201_space.index_of(a) for a in nb201_space.classes[nb201_space.canonical(member)])
    assert table.index_of(member) == rep
    assert table.query(member)["valid_acc"] == pytest.approx(frame.loc[rep, "valid_acc"])
    values = table.metric("valid_acc", [member, dropped[0]])
    assert np.isfinite(values[0]) and np.isnan(values[1])
    with pytest.raises(KeyError, match="no row"):
        table.query(dropped[0])
    assert nb201_table.complete and not table.complete


def test_the_shipped_digits_table_answers_for_every_architecture():
    """data/nb201_digits.csv (naoviz's own table, the offline default): one row per canonical class, so a
    search on it can query anything; accuracies are percentages that spread."""
    import numpy as np

    from naoviz.tables import load_digits_table
    from naoviz.resources import DIGITS_TABLE, resource_path
    table = load_digits_table(resource_path(DIGITS_TABLE))
    assert table.complete and len(table) == len(table.space.classes) == 6466
    every = table.metric("valid_acc", table.space.all_archs())
    assert len(every) == 15625 and np.isfinite(every).all()
    for name in ("train_acc", "valid_acc", "test_acc"):
        col = table.metric(name)
        assert ((col >= 0) & (col <= 100)).all()
    q10, q90 = np.percentile(table.metric("valid_acc"), [10, 90])
    assert q90 - q10 > 5                       # the cells differ: a map coloured by accuracy shows something

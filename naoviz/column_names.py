"""Readable names of table columns, for a reader: ``cifar10_test_acc`` -> "CIFAR-10 test accuracy".

One naming table for every place a column reaches a reader: the exported figures (``naoviz.viz.theme``'s
``readable``, ``unit`` and ``titled`` are these), the explorer's payload header (``naoviz.atlas_payload``: its
``names`` for the colour menu and legend, its ``titles`` for its charts' axes) and the dashboard's tabs. Backend-safe: no widget or plotting import. A column
naoviz does not know (a table of your own) keeps its name as written.
"""
from __future__ import annotations

import re

_DATASETS = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "imagenet16_120": "ImageNet16-120"}
_MEASURES = {"test_acc": "test accuracy", "valid_acc": "validation accuracy", "val_acc": "validation accuracy",
             "train_acc": "train accuracy", "surrogate_val_acc": "validation accuracy (surrogate)",
             "params_M": "parameters", "flops_M": "FLOPs", "train_time_s": "training time",
             "test_loss": "test loss", "valid_loss": "validation loss", "train_loss": "train loss"}
_DEVICES = {"pixel2": "Pixel 2", "pixel3": "Pixel 3", "raspi4": "Raspberry Pi 4", "samsung_a50": "Samsung A50",
            "samsung_s7": "Samsung S7", "essential_ph_1": "Essential PH-1", "eyeriss": "Eyeriss", "fpga": "FPGA",
            "gold_6226": "Xeon Gold 6226", "gold_6240": "Xeon Gold 6240", "silver_4114": "Xeon Silver 4114",
            "silver_4210r": "Xeon Silver 4210R"}
_GPUS = {"1080ti": "GTX 1080 Ti", "2080ti": "RTX 2080 Ti", "titan_rtx": "Titan RTX", "titanx": "Titan X",
         "titanxp": "Titan Xp"}


# NB201 holds two CIFAR-10 runs of every cell (docs/data.md): NATS-Bench's "cifar10-valid" run, trained on the 25k
# train half (train_* on it, valid_* on the held-out 25k, test_* on the 10k test set: the search signal), and its
# "cifar10" run, trained on all 50k (cifar10_test_acc, the number papers report). Both hold a "test accuracy", so
# where one table has both (NB201_MARK among its columns) those two names say their run; the other columns have no
# namesake and keep their plain words ("validation accuracy", the explorer's default colour, stays short enough for
# the map's legend). Elsewhere (the digits table, where test_acc is the digits test split; a table of your own) the
# plain words stand.
NB201_MARK = "cifar10_test_acc"
_RUNS = {"test_acc": ", trained on 25k", NB201_MARK: ", trained on 50k"}


def readable(name: str, columns=()) -> str:
    """A shipped table's column as a reader names it: ``cifar10_test_acc`` -> "CIFAR-10 test accuracy",
    ``valid_acc`` -> "validation accuracy", ``latency_pixel3`` -> "latency on Pixel 3", ``cifar10_params_M`` ->
    "CIFAR-10 parameters"; any other name (a table of your own) as given. ``columns``: the table's columns; where
    they hold NB201's two CIFAR-10 runs, their two test accuracies say which: "test accuracy, trained on 25k"
    (``test_acc``), "CIFAR-10 test accuracy, trained on 50k" (``cifar10_test_acc``)."""
    text = str(name)
    run = _RUNS.get(text, "") if NB201_MARK in {str(c) for c in columns} else ""
    if text in _MEASURES:
        return _MEASURES[text] + run
    for key, data in sorted(_DATASETS.items(), key=lambda kv: -len(kv[0])):
        rest = text.removeprefix(key + "_")
        if rest != text and rest in _MEASURES:
            return f"{data} {_MEASURES[rest]}{run}"
    if text.startswith("latency_"):
        device = text.removeprefix("latency_")
        if device in _DEVICES:
            return f"latency on {_DEVICES[device]}"
        gpu, _, batch = device.rpartition("_")
        if gpu in _GPUS and batch.isdigit():
            return f"latency on {_GPUS[gpu]}, batch {batch}"
    return text


def readable_names(columns) -> dict[str, str]:
    """``{id: readable name}`` of ``columns``, each named as one of that table (what the explorer's payload header
    carries as ``names``)."""
    columns = [str(c) for c in columns]
    return {c: readable(c, columns) for c in columns}


def menu_name(name: str, columns=()) -> str:
    """A column as a menu lists it: its words and its id in brackets where they differ ("CIFAR-10 test accuracy
    (cifar10_test_acc)"), so a student reads words and a researcher still finds the id; a user's column as is.
    ``columns``: the table's (:func:`readable`)."""
    shown = readable(name, columns)
    return shown if shown == str(name) else f"{shown} ({name})"


# Units of the columns naoviz knows by their names (naoviz.tables.lower_is_better reads the same suffixes):
# accuracies are percent (naoviz.tables.user_table.is_accuracy), sizes millions, latencies ms, times s. The
# explorer's front end holds the same rules for the unit after a value (explorer_draw.js unitOf; a test runs both).
_UNIT_SUFFIXES = (("params_M", "million parameters"), ("flops_M", "million FLOPs"), ("latency_ms", "ms"),
                  ("time_s", "s"))


def unit(name: str) -> str:
    """The unit of a column or label by its name ("%" for ``valid_acc`` or "predicted test_acc", "ms" for a
    latency, "million parameters" for ``params_M``), or "" when the name does not say (a loss, a count)."""
    text = str(name)
    low = text.lower()
    if re.search(r"(^|[^a-z])acc(uracy)?($|[^a-z])", low):     # naoviz.tables.user_table.is_accuracy's rule
        return "%"
    for suffix, what in _UNIT_SUFFIXES:
        if text == suffix or text.endswith("_" + suffix) or text.endswith(" " + suffix):
            return what
    if re.search(r"(^|[ _])latency($|_)", low):
        return "ms"
    return ""


def titled(name: str, note: str = "", prefix: str = "", columns=()) -> str:
    """An axis title of column ``name`` for a reader: ``prefix`` and its :func:`readable` name (``columns``: the
    table's), its unit (read off the column's id, :func:`unit`) and ``note`` in brackets: "incumbent CIFAR-10 test
    accuracy (%)", "latency on Pixel 3 (ms; lower is better)", "parameters (millions)"."""
    shown, what = readable(name, columns), unit(name)
    if what.startswith("million ") and shown.endswith(what.removeprefix("million ")):
        what = "millions"                             # "parameters (millions)", not "(million parameters)"
    extra = "; ".join(t for t in (what, note) if t)
    return f"{prefix}{shown}" + (f" ({extra})" if extra else "")


def axis_titles(columns) -> dict[str, str]:
    """``{id: axis title}`` of ``columns`` (:func:`titled`; what the explorer's payload header carries as
    ``titles``, for its charts' axes)."""
    columns = [str(c) for c in columns]
    return {c: titled(c, columns=columns) for c in columns}

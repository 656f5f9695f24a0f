"""``--evaluator train`` of ``naoviz search`` / ``compare``: children trained for real (digits, CIFAR or your
own images) through :class:`naoviz.evaluate.TrainingEvaluator` and the registered ``child-trainer`` function.

The stored evaluator names the function by its registered name and holds only JSON options (data name with
an absolute path, epochs, net size, batch, lr, child seed), so ``--resume`` rebuilds the same evaluator.
"""
from __future__ import annotations

import os
import sys

from naoviz.cli.child import (MAX_EPOCHS, PRESET_CHOICES, add_data_options, check_image_size, data_line,
                               load_data_option)
from naoviz.cli.common import int_in, path_arg, readable_dir, show

EVALUATORS = ("table", "train", "supernet")
TRAIN_SPACES = ("nb201", "naonet", "naonet-ws")
SUPERNET_SPACES = ("nb201", "naonet-ws")       # naoviz.child.supernet_config.SPACES
DEFAULT_CHILD_PRESET = "digits-table"     # the recipe of the shipped digits table (naoviz build-table defaults)
TRAIN_OPTIONS = ("data", "image_size", "epochs", "child_preset", "data_dir")   # only with --evaluator train
SUPERNET_OPTIONS = ("data", "epochs")          # --evaluator supernet takes these of TRAIN_OPTIONS
TABLE_ONLY = ("delay", "constraint", "objectives")


def add_train_options(p) -> None:
    """--evaluator and the options of trained children."""
    p.add_argument("--evaluator", choices=EVALUATORS, default=None,
                   help="table: look cells up in a benchmark table (default); train: train every child for "
                        "real (--space nb201, naonet or naonet-ws; docs/search.md); supernet: score nb201 or "
                        "naonet-ws cells with one weight-sharing supernet trained once (docs/supernet.md)")
    add_data_options(p, "--evaluator train, or supernet without imagefolder; default: digits")
    p.add_argument("--epochs", type=int_in(1, MAX_EPOCHS), default=None,
                   help="--evaluator train: epochs per child (default: the child preset's, 4); --evaluator "
                        "supernet: the supernet's training epochs (default 10 on nb201, 4 on naonet-ws)")
    p.add_argument("--child-preset", choices=PRESET_CHOICES, default=None,
                   help="--evaluator train: the child recipe (net C=8, N=1; batch, lr): digits-table (the "
                        "shipped digits table's, the default) or digits-quick (the dashboard's Train a child tab's)")
    p.add_argument("--data-dir", metavar="DIR", default=None, type=path_arg,
                   help="--evaluator train: folder with the CIFAR archives "
                        "(default: $NAOVIZ_DATA or the per-user data dir)")


def evaluator_kind(args) -> str:
    return args.evaluator or "table"


def check_options(args) -> None:
    """Options of the other evaluator kind are errors naming them (never silently ignored)."""
    kind = evaluator_kind(args)
    if kind == "table":
        for name in TRAIN_OPTIONS:
            if getattr(args, name, None) is not None:
                kinds = "train or supernet" if name in SUPERNET_OPTIONS else "train"
                raise ValueError(f"--{name.replace('_', '-')}: only with --evaluator {kinds} "
                                 f"(got {show(getattr(args, name))})")
        return
    for name in TABLE_ONLY:
        value = getattr(args, name, None)
        if value not in (None, 0, 0.0, []):
            raise ValueError(f"--{name}: only with --evaluator table (got {show(value)})")
    if kind == "supernet":
        for name in TRAIN_OPTIONS:
            if name not in SUPERNET_OPTIONS and getattr(args, name, None) is not None:
                raise ValueError(f"--{name.replace('_', '-')}: only with --evaluator train (got "
                                 f"{show(getattr(args, name))})")
        for name in ("local_cluster", "scheduler"):
            if getattr(args, name, None):
                raise ValueError(f"--{name.replace('_', '-')}: not with --evaluator supernet (its shared weights "
                                 f"live in this process; a Dask worker would train a supernet of its own), "
                                 f"got {show(getattr(args, name))}")
        if args.space is not None and args.space not in SUPERNET_SPACES:      # None: --resume, the stored space
            raise ValueError(f"--space: the supernet evaluator scores {' or '.join(SUPERNET_SPACES)} cells, "
                             f"got {show(args.space)}")
        return
    check_image_size(args)


def options_from_args(args) -> dict:
    """The ``child-trainer`` options of a new run, checked (data name made absolute)."""
    from naoviz.child.data import check_data_name
    from naoviz.child.presets import get_preset

    if args.space not in TRAIN_SPACES:
        raise ValueError(f"--space: {show(args.space)} is a table; with --evaluator train use one of "
                         f"{', '.join(TRAIN_SPACES)}")
    preset = get_preset(args.child_preset or DEFAULT_CHILD_PRESET)
    try:
        data = check_data_name(args.data or preset.data)
    except ValueError as exc:
        raise ValueError(f"--{exc}") from None
    options = {"space_name": args.space, "data": data, "epochs": args.epochs or preset.epochs,
               "channels": preset.channels, "cells": preset.cells, "batch_size": preset.batch_size,
               "lr": preset.lr, "seed": preset.seed, "threads": 1}
    if args.image_size is not None:
        options["image_size"] = args.image_size
    if args.data_dir is not None:
        options["data_dir"] = os.path.abspath(readable_dir(args.data_dir, "--data-dir"))
    return options


def training_evaluator(args, queries: int = 0):
    """The training evaluator of a new run; the data is loaded (every image decoded) here, before any run is
    stored, and stays cached for in-process evaluations."""
    from naoviz.child.build_table import METRICS
    from naoviz.evaluate import TrainingEvaluator
    from naoviz.spaces import get_space
    from naoviz.tables.benchmark import lower_is_better

    options = options_from_args(args)
    report = args.report or "test_acc"
    for name, value in (("metric", args.metric), ("report", report)):
        if value not in METRICS:
            raise ValueError(f"--{name}: unknown metric {show(value)} for --evaluator train; "
                             f"available: {', '.join(METRICS)}")
    space = get_space(args.space)
    classes = getattr(space, "classes", None)
    if classes is not None and queries > len(classes):
        raise ValueError(f"--queries: at most {len(classes)} (the distinct architectures of {args.space}), "
                         f"got {queries}")
    evaluator = TrainingEvaluator(space, "child-trainer", metric=args.metric, report=report,
                                  maximize=not lower_is_better(args.metric), **options)
    data = load_data_option(options["data"], options["seed"], options.get("data_dir"), options.get("image_size"))
    if data.classes:                              # your own images: what was read, as train-child says it
        print(data_line(data), file=sys.stderr)   # (stderr: --json keeps stdout for the result)
    return evaluator


def supernet_evaluator(args, queries: int = 0):
    """The ``supernet`` evaluator of a new run (``naoviz.child.supernet_evaluator``): one shared-weight network trained
    once, on first use; every option is checked here, before any run is stored."""
    from naoviz.child.supernet_evaluator import EVALUATOR_METRICS, SupernetEvaluator
    metric, report = args.metric, args.report or "test_acc"
    for name, value in (("metric", metric), ("report", report)):
        if value not in EVALUATOR_METRICS:
            raise ValueError(f"--{name}: the supernet evaluator gives {', '.join(EVALUATOR_METRICS)}, "
                             f"got {show(value)}")
    options = {"space": args.space, "data": args.data or "digits"}
    if args.epochs is not None:
        options["epochs"] = args.epochs
    try:
        return SupernetEvaluator(metric=metric, report=report, **options)
    except ValueError as exc:
        raise ValueError(f"--evaluator supernet: {exc}") from None


def preload(run: dict) -> None:
    """Load a stored training run's data before it resumes (a folder gone since fails here, in one line)."""
    ev = run["config"].get("evaluator") if isinstance(run["config"], dict) else None
    if isinstance(ev, dict) and ev.get("name") == "training" and ev.get("train_fn") == "child-trainer" \
            and isinstance(ev.get("options"), dict) and isinstance(ev["options"].get("data"), str):
        o = ev["options"]
        if not (isinstance(o.get("seed", 0), int) and isinstance(o.get("data_dir"), (str, type(None)))
                and isinstance(o.get("image_size"), (int, type(None)))):
            return                               # resume_search checks the stored options and says what is wrong
        load_data_option(o["data"], o.get("seed", 0), o.get("data_dir"), o.get("image_size"))


def label(evaluator_config: dict) -> str:
    """What a run searched, for the summary line: the table, or the trained space, data and epochs."""
    if evaluator_config.get("name") == "supernet":
        config = evaluator_config.get("config") if isinstance(evaluator_config.get("config"), dict) else {}
        return f"{config.get('space', 'nb201')} scored by a weight-sharing supernet"
    if evaluator_config.get("name") != "training":
        return str(evaluator_config.get("benchmark"))
    o = evaluator_config.get("options", {})
    epochs = o.get("epochs")
    return f"{evaluator_config.get('space')} trained on {o.get('data')} ({epochs} epoch{'' if epochs == 1 else 's'} each)"


def check_resume(args, run: dict) -> None:
    """--evaluator / --data / --epochs / --child-preset / --image-size given with --resume must match the run."""
    cfg = run["config"] if isinstance(run["config"], dict) else {}
    ev = cfg.get("evaluator") if isinstance(cfg.get("evaluator"), dict) else {}
    stored_kind = "train" if ev.get("name") == "training" else ev.get("name")
    if args.evaluator is not None and args.evaluator != stored_kind:
        raise ValueError(f"--evaluator: {args.evaluator!r} conflicts with run {run['id']}, stored with "
                         f"{stored_kind!r} (drop --evaluator to resume the run as stored)")
    if stored_kind != "train":
        check_options(args)
        return
    options = ev.get("options") if isinstance(ev.get("options"), dict) else {}
    given = {}
    if args.data is not None:
        from naoviz.child.data import check_data_name
        given["data"] = check_data_name(args.data)
    for name in ("epochs", "image_size"):
        if getattr(args, name) is not None:
            given[name] = getattr(args, name)
    if args.child_preset is not None:
        from naoviz.child.presets import get_preset
        preset = get_preset(args.child_preset)
        given.update({k: getattr(preset, k) for k in ("channels", "cells", "batch_size", "lr")})
    for name, value in given.items():
        if value != options.get(name):
            option = "child-preset" if name in ("channels", "cells", "batch_size", "lr") else name.replace("_", "-")
            raise ValueError(f"--{option}: {name}={value!r} conflicts with run {run['id']}, stored with "
                             f"{name}={options.get(name)!r} (drop --{option} to resume the run as stored)")

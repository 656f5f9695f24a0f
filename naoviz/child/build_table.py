"""Build a tabular NB201 benchmark by training one architecture per canonical class (``naoviz build-table``).

Each result is appended to the run store as soon as it exists, so an interrupted build resumes where it
stopped (same store, same settings). Work runs in-process or on Dask (the search's executors). The table has
the schema :func:`naoviz.tables.benchmark.load_digits_table` reads: ``arch_index, arch_str`` + metrics, one row
per class (the member with the smallest ``arch_index``); the benchmark answers for every member.
"""
from __future__ import annotations

import contextlib

import json
import os
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional, Union

import numpy as np

from naoviz.errors import NaovizError, show
from naoviz.paths import atomic_write_text
from naoviz.spaces import NB201Space

METRICS = ("train_acc", "valid_acc", "test_acc", "train_loss", "valid_loss", "test_loss", "train_time_s",
           "params_M")
_DATA: dict = {}                  # per-process dataset cache (each Dask worker loads its own)


@dataclass
class BuildConfig:
    """What is trained (stored with the run; a build resumes only with identical settings)."""

    space: str = "nb201"
    data: str = "digits"
    epochs: int = 4
    archs: Union[str, int] = "all"      # "all" classes or a seeded random subset of N classes
    channels: int = 8
    cells: int = 1
    batch_size: int = 64
    lr: float = 0.05
    seed: int = 0
    data_dir: Optional[str] = None
    image_size: Optional[int] = None    # imagefolder data only (default 32)

    def to_dict(self) -> dict:
        """The stored settings; ``image_size`` only when set, so runs stored before it existed still match."""
        d = asdict(self)
        if d["image_size"] is None:
            del d["image_size"]
        return d

    def check(self) -> None:
        """``ValueError`` naming the option of the first bad field (the CLI's names: ``--batch-size``)."""
        from naoviz.child.build import MAX_CELLS, MAX_CHANNELS
        from naoviz.child.data import check_data_name
        from naoviz.child.imagefolder import check_image_size, is_imagefolder
        from naoviz.child.trainer import MAX_SEED

        def is_int(v) -> bool:
            return not isinstance(v, bool) and isinstance(v, int)

        if self.space != "nb201":
            raise ValueError(f"--space: build-table makes NB201-indexed tables; got {show(self.space)}")
        try:
            self.data = check_data_name(self.data)
        except ValueError as exc:
            raise ValueError(f"--{exc}") from None
        if self.image_size is not None:
            if not is_imagefolder(self.data):
                raise ValueError(f"--image-size: only with --data imagefolder:PATH (got --data {self.data})")
            try:
                check_image_size(self.image_size)
            except ValueError as exc:
                raise ValueError(f"--image-size:{str(exc).split(':', 1)[1]}") from None
        classes = len(NB201Space().classes)
        if self.archs != "all" and (not is_int(self.archs) or not 1 <= self.archs <= classes):
            raise ValueError(f"--archs: expected 'all' or a number in 1..{classes} (the canonical classes), "
                             f"got {show(self.archs)}")
        for name, lo, hi in (("epochs", 1, 10_000), ("channels", 1, MAX_CHANNELS), ("cells", 1, MAX_CELLS),
                             ("batch_size", 1, 65_536), ("seed", 0, MAX_SEED)):
            v = getattr(self, name)
            if not is_int(v) or not lo <= v <= hi:
                raise ValueError(f"--{name.replace('_', '-')}: must be an int in {lo}..{hi}, got {show(v)}")
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float)) or not math.isfinite(self.lr) \
                or not 0 < self.lr <= 10:
            raise ValueError(f"--lr: must be a finite number in (0, 10], got {show(self.lr)}")


def train_metrics(arch, *, data: str = "digits", epochs: int = 4, channels: Optional[int] = 8,
                  cells: Optional[int] = 1, batch_size: int = 64, lr: float = 0.05, seed: int = 0,
                  data_dir: Optional[str] = None, threads: int = 1, space_name: str = "nb201",
                  image_size: Optional[int] = None) -> dict:
    """Train one cell of ``space_name`` (1 CPU thread by default) and return its metrics: a picklable
    ``train_fn`` for :class:`naoviz.evaluate.TrainingEvaluator` (Dask workers cache the dataset).
    ``data`` is a dataset name or ``imagefolder:PATH`` (resized to ``image_size``, default 32)."""
    import torch

    from naoviz.child import NetOptions, TrainConfig, train_child
    from naoviz.errors import check_count

    torch.set_num_threads(check_count(threads, "threads", 1, 256))
    r = train_child(space_name, arch, cached_data(data, seed, data_dir, image_size),
                    TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, progress=False),
                    NetOptions(channels=channels, cells=cells))
    return {"train_acc": r.train_acc, "valid_acc": r.valid_acc, "test_acc": r.test_acc,
            "train_loss": r.train_loss, "valid_loss": r.valid_loss, "test_loss": r.test_loss,
            "train_time_s": r.wall_time_s, "params_M": r.params / 1e6}


def cached_data(data: str, seed: int = 0, data_dir: Optional[str] = None, image_size: Optional[int] = None):
    """The dataset ``train_metrics`` trains on, loaded once per process (a CLI loads it before it creates a
    run, so bad data fails before anything is stored; in-process evaluations then reuse it)."""
    from naoviz.child import load_data

    key = (data, seed, data_dir, image_size)
    if key not in _DATA:
        _DATA[key] = load_data(data, seed=seed, directory=data_dir,
                               **({"image_size": image_size} if image_size is not None else {}))
    return _DATA[key]


def representatives(space: NB201Space, archs: Union[str, int] = "all", seed: int = 0) -> list[tuple[int, tuple]]:
    """``(arch_index, arch)`` of the smallest-index member of every class (or of N seeded random classes)."""
    reps = sorted(min((space.index_of(a), a) for a in members) for members in space.classes.values())
    if archs != "all" and int(archs) < len(reps):
        pick = np.random.default_rng(seed).choice(len(reps), size=int(archs), replace=False)
        reps = [reps[i] for i in sorted(pick)]
    return reps


def _find_run(store, config: dict) -> Optional[str]:
    for run in store.runs():
        if run["kind"] == "build-table" and run["config"] == config:
            return run["id"]
    return None


def _copy_from_compatible_runs(store, run_id: str, config: dict, wanted: dict[str, int]) -> int:
    """Copy into ``run_id`` the classes in ``wanted`` (canonical -> arch_index) that another build-table run
    trained with the same settings but a different ``archs`` (so ``--archs all`` reuses an earlier subset:
    training is seeded per class, so the copied numbers are the ones it would train). Returns the count."""
    settings = {k: v for k, v in config.items() if k != "archs"}
    copied = 0
    for run in store.runs():
        if run["id"] == run_id or run["kind"] != "build-table" or \
                {k: v for k, v in run["config"].items() if k != "archs"} != settings:
            continue
        for e in store.evaluations(run["id"]):
            if e["canonical"] in wanted:
                store.add_evaluation(run_id, space="nb201", arch=e["arch"], canonical=e["canonical"],
                                     metrics=e["metrics"], evaluator=e["evaluator"], cost_s=e["cost_s"],
                                     extra={"arch_index": wanted.pop(e["canonical"]), "copied_from": run["id"]})
                copied += 1
    return copied


def _check_out(out) -> None:
    """``ValueError`` naming ``out`` when the table could not be written there, before anything is trained."""
    from naoviz.errors import cut_path
    if not isinstance(out, (str, os.PathLike)) or not str(out).strip():
        raise TypeError(f"out: expected a file path for the table, got {show(out)}")
    path = Path(out).expanduser()
    if path.is_dir():
        raise ValueError(f"out: {cut_path(path)} is a folder, not a file")
    ancestor = next((a for a in path.absolute().parents if a.exists()), None)
    if ancestor is not None and not ancestor.is_dir():
        raise ValueError(f"out: {cut_path(ancestor)} is a file, not a folder")


def build_benchmark(config: BuildConfig, store_path: Union[str, Path], out: Union[str, Path],
                    cluster=None, progress: bool = True,
                    on_result: Optional[Callable[[int, dict], None]] = None) -> dict:
    """Train what is missing, write the table to ``out``; returns run id, counts and the table path."""
    from tqdm.auto import tqdm

    from naoviz.evaluate import ClusterConfig, Executors, InProcessExecutor, TrainingEvaluator
    from naoviz.progress import echo_bar
    from naoviz.store import RunStore

    from naoviz.errors import check_function, check_type
    check_type(config, BuildConfig, "config", "a BuildConfig (naoviz.child.build_table.BuildConfig(epochs=2))")
    check_function(on_result, "on_result", "a function of (arch_index, metrics)")
    _check_out(out)
    config.check()
    space = NB201Space()
    store = RunStore(store_path)
    cfg = json.loads(json.dumps(config.to_dict()))
    run_id = _find_run(store, cfg) or store.create_run("build-table", cfg, config.seed, status="stopped")
    # one writer per run: a second build-table on the same store and settings stops here (run in use)
    with store.hold_run(run_id):
        done = {e["canonical"] for e in store.evaluations(run_id)}
        reps = representatives(space, config.archs, config.seed)
        copied = _copy_from_compatible_runs(
            store, run_id, cfg, {space.canonical(a): i for i, a in reps if space.canonical(a) not in done})
        done = {e["canonical"] for e in store.evaluations(run_id)}
        todo = [(i, a) for i, a in reps if space.canonical(a) not in done]
        # seeded random order: a build stopped early is still a uniform random sample of its classes
        todo = [todo[k] for k in np.random.default_rng(config.seed).permutation(len(todo))]
        options = {k: cfg[k] for k in ("data", "epochs", "channels", "cells", "batch_size", "lr", "seed", "data_dir",
                                       "image_size") if k in cfg}
        evaluator = TrainingEvaluator(space, train_metrics, metric="valid_acc", report="test_acc", **options)
        bar = echo_bar(tqdm, total=len(done) + len(todo), initial=len(done), desc="build-table", unit="arch",
                       disable=not progress)          # a typed Ctrl-C's "^C" fits after it
        def train() -> tuple[int, Path]:
            trained = 0
            with contextlib.closing(bar), Executors(cluster or ClusterConfig()) as executor:
                evaluator.use_executor(executor)
                archs = [a for _, a in todo]
                if isinstance(executor, InProcessExecutor):   # one at a time, so each result is stored at once
                    outcomes = ((k, evaluator(a)) for k, a in enumerate(archs))
                else:
                    outcomes = evaluator.evaluate_many(archs)
                for k, outcome in outcomes:
                    arch = archs[k]
                    _check_finite(space.format(arch), outcome["metrics"])
                    store.add_evaluation(run_id, space="nb201", arch=space.format(arch), canonical=space.canonical(arch),
                                         metrics=outcome["metrics"], evaluator="child-trainer", cost_s=outcome["cost_s"],
                                         extra={"arch_index": todo[k][0]})
                    trained += 1
                    bar.update(1)
                    if on_result is not None:
                        on_result(trained, outcome["metrics"])
            return trained, write_table(store, run_id, out)
        trained, path = store.marked(run_id, train)      # Ctrl-C: stopped, resumable
        return {"run_id": run_id, "trained": trained, "reused": len(done), "copied_from_other_runs": copied,
                "rows": len(done) + trained, "table": str(path)}


def _check_finite(arch: str, metrics: dict) -> None:
    """A trained cell whose metrics are NaN or infinite (diverged training) is an error, never a table row."""
    bad = {m: metrics.get(m) for m in METRICS
           if not isinstance(metrics.get(m), (int, float)) or not math.isfinite(metrics[m])}
    if bad:
        raise NaovizError(f"build-table: training {arch} gave non-finite metrics {bad}; nothing was written for "
                          "it (lower --lr?)")


def write_table(store, run_id: str, out: Union[str, Path]) -> Path:
    """The run's evaluations as a table ``arch_index, arch_str, <METRICS>`` sorted by index (atomic write).
    A stored evaluation with a NaN or infinite metric is an error: tables hold finite numbers only."""
    space = NB201Space()
    rows = []
    for e in store.evaluations(run_id):
        _check_finite(e["arch"], e["metrics"])
        arch = space.parse(e["arch"])
        rows.append([space.index_of(arch), e["arch"]] + [e["metrics"][m] for m in METRICS])
    rows.sort()
    lines = [",".join(("arch_index", "arch_str") + METRICS)]
    lines += [",".join([str(r[0]), r[1]] + [f"{v:.6f}" for v in r[2:]]) for r in rows]
    out = Path(out)
    atomic_write_text(out, "\n".join(lines) + "\n")
    return out

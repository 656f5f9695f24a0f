"""What the dashboard's explorer shows, as one validated config, and the build of its atlases.

``ExplorerPlan`` holds the dashboard's choices (table, metric, training size, map, seeds); ``from_env`` reads
them from ``NAOVIZ_DASHBOARD_*``, which is how ``naoviz dashboard`` hands them to Voila's kernels. A cold
start builds two atlases of one model: a quick one (PCA map, paths for ``QUICK_SEEDS`` classes spread over the
table: seconds once the model is trained) that the explorer opens on, and the full one (UMAP and every
class's path: minutes on 2 cores) that replaces it. ``python -m naoviz.explorer_plan`` builds both, so
``naoviz dashboard`` warms the cache while Voila starts; kernels wait on the same file locks, show the
builder's progress and load what it wrote (nothing is trained twice). The Search tab's default budget
(``NAOVIZ_DASHBOARD_BUDGET``, :func:`check_budget`) is read and checked here too, so that ``naoviz dashboard``
refuses every bad ``NAOVIZ_DASHBOARD_*`` value (:func:`check_env`) before Voila starts.
"""
from __future__ import annotations

import numbers
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

QUICK_SEEDS = 256
METHODS = ("umap", "pca")
ENV = {"table": ("NAOVIZ_DASHBOARD_TABLE", str), "n_train": ("NAOVIZ_DASHBOARD_TRAIN", int),
       "epochs": ("NAOVIZ_DASHBOARD_EPOCHS", int), "method": ("NAOVIZ_DASHBOARD_MAP", str),
       "seeds": ("NAOVIZ_DASHBOARD_SEEDS", int)}
BUDGET_ENV = "NAOVIZ_DASHBOARD_BUDGET"
MIN_BUDGET, MAX_BUDGET, BUDGET_STEP = 10, 300, 10   # the Search tab's queries slider: 10..300, step 10
WARMUP_ENV = "NAOVIZ_DASHBOARD_WARMUP"      # the warm-up's PID, set by `naoviz dashboard` for Voila's kernels


def _positive(value, name: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name}: expected a whole number >= 1, got {value!r}")


def check_budget(value, name: str = "search_budget", shown: Optional[str] = None) -> int:
    """``value`` as the Search tab's queries per searcher and seed: a whole number MIN_BUDGET..MAX_BUDGET on the
    slider's step, else a ValueError of one line naming ``name`` and the value (``shown``: as the user gave it).
    Never clamped or rounded: the slider's front end snaps a value off its step (15 showed, and ran, 20)."""
    expected = f"expected {MIN_BUDGET}..{MAX_BUDGET} in steps of {BUDGET_STEP}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}: {value!r} is not a whole number ({expected})")
    value = int(value)
    shown = shown or repr(value)
    if not MIN_BUDGET <= value <= MAX_BUDGET:
        raise ValueError(f"{name}: {shown} is out of range ({expected})")
    if value % BUDGET_STEP:
        raise ValueError(f"{name}: {shown} is not a multiple of {BUDGET_STEP} ({expected})")
    return value


def budget_from_env(environ: Optional[Mapping[str, str]] = None) -> Optional[int]:
    """The checked NAOVIZ_DASHBOARD_BUDGET of ``environ`` (default: this process's); None when unset."""
    text = (os.environ if environ is None else environ).get(BUDGET_ENV)
    if not text:
        return None
    typed = text.strip()
    if not (typed.isascii() and typed.lstrip("+-").isdigit() and typed.count("+") + typed.count("-") <= 1):
        raise ValueError(f"{BUDGET_ENV}: {text[:40]!r} is not a whole number "
                         f"(expected {MIN_BUDGET}..{MAX_BUDGET} in steps of {BUDGET_STEP})")
    return check_budget(int(typed), BUDGET_ENV, shown=repr(text[:40]))


def check_env(environ: Mapping[str, str]) -> None:
    """Every NAOVIZ_DASHBOARD_* value of ``environ`` checked as a kernel will read it (the plan's, the budget);
    a ValueError naming the first bad one. Reads no table: ``naoviz dashboard`` calls it before Voila starts."""
    ExplorerPlan.from_env(environ)
    budget_from_env(environ)


def explorer_metric(bench, preferred: str = "valid_acc") -> str:
    """The metric the explorer's model learns on ``bench``: ``preferred``, else the table's first accuracy
    column; a table with neither (a file table of other columns) is a ValueError naming it."""
    if preferred in bench.metrics:
        return preferred
    accs = [m for m in bench.metrics if "acc" in m]
    if not accs:
        where = bench.source or bench.name
        raise ValueError(f"{where[-200:]} has no {preferred} (or other *acc*) column for the explorer's model; "
                         f"columns: {', '.join(bench.metrics)[:120]}")
    return accs[0]


@dataclass(frozen=True)
class ExplorerPlan:
    """The explorer's model and atlas: ``table`` (None: NB201 when installed, else the digits table),
    ``metric`` (falls back to the table's first accuracy column), ``n_train`` cells the model learns from,
    ``epochs`` (None: the fast preset's), ``method`` the map shown first, ``seeds`` paths for the first N
    isomorphism classes only (None: every class)."""

    table: Optional[str] = None
    metric: str = "valid_acc"
    n_train: int = 1000
    epochs: Optional[int] = None
    method: str = "umap"
    seeds: Optional[int] = None

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"method: expected 'umap' or 'pca', got {self.method!r}")
        _positive(self.n_train, "n_train")
        _positive(self.epochs, "epochs")
        _positive(self.seeds, "seeds")

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None, **defaults) -> "ExplorerPlan":
        """The plan with fields set from NAOVIZ_DASHBOARD_TABLE, _TRAIN, _EPOCHS, _MAP and _SEEDS where set in
        ``environ`` (default: this process's); a bad value is a ValueError naming the variable."""
        environ = os.environ if environ is None else environ
        opts = dict(defaults)
        for key, (name, kind) in ENV.items():
            if environ.get(name):
                try:
                    opts[key] = kind(environ[name])
                except ValueError:
                    raise ValueError(f"{name}: expected {kind.__name__}, got {environ[name]!r}") from None
        try:
            return cls(**opts)
        except ValueError as exc:
            name = next((ENV[k][0] for k in ENV if str(exc).startswith(k + ":")), None)
            raise ValueError(f"{name}: {exc}" if name and environ.get(name) else str(exc)) from None

    def benchmark(self):
        """The table, else NAS-Bench-201 when installed, else the shipped digits table. NAS-Bench-201 asked for
        and not installed: a NaovizError in one short line, shown on the page (what is missing, the command)."""
        from naoviz.errors import DataMissingError, NaovizError
        from naoviz.tables import default_benchmark, load_benchmark
        from naoviz.tables.benchmark import nb201_missing
        try:
            return load_benchmark(self.table) if self.table else default_benchmark()
        except ValueError as exc:                  # the field is ``table``: "benchmark: unknown ..." says so
            text = str(exc)
            raise ValueError(f"table: {text[len('benchmark: '):]}" if text.startswith("benchmark: ") else text) from None
        except DataMissingError as exc:
            missing = nb201_missing() if self.table == "nb201" else None
            raise NaovizError(f"{missing}: run `naoviz data download`, then reload this page" if missing
                              else str(exc)) from None

    def spec(self, bench):
        """The cached model's ModelSpec on ``bench``."""
        from naoviz.nao.cache import ModelSpec
        if self.metric != "valid_acc" and self.metric not in bench.metrics:   # asked for: never swapped silently
            from naoviz.errors import did_you_mean, show
            raise ValueError(f"metric: {show(self.metric)} is not a column of {(bench.given or bench.name)[-80:]}"
                             f"{did_you_mean(self.metric, bench.metrics)}; columns: {', '.join(bench.metrics)[:120]}")
        metric = explorer_metric(bench, self.metric)
        return ModelSpec(metric=metric, n_train=self.n_train, overrides={"epochs": self.epochs} if self.epochs else {})

    def full_options(self, bench) -> dict:
        """``atlas_for`` options of the full atlas."""
        from naoviz.atlas_build import class_representatives
        maps = ("umap", "pca") if self.method == "umap" else ("pca",)
        return {"maps": maps,
                "seeds": "classes" if self.seeds is None else class_representatives(bench, int(self.seeds))}

    def quick_options(self, bench) -> Optional[dict]:
        """``atlas_for`` options of the quick atlas (PCA, at most QUICK_SEEDS classes spread evenly over the
        full atlas's seeds); None when that would be the full atlas anyway."""
        import numpy as np
        from naoviz.atlas_build import class_representatives
        full = self.full_options(bench)
        seeds = class_representatives(bench) if full["seeds"] == "classes" else list(full["seeds"])
        if full["maps"] == ("pca",) and len(seeds) <= QUICK_SEEDS:
            return None
        if len(seeds) > QUICK_SEEDS:
            seeds = [seeds[int(i)] for i in np.linspace(0, len(seeds) - 1, QUICK_SEEDS).round()]
        return {"maps": ("pca",), "seeds": seeds}


def digits_shipped(plan: ExplorerPlan, data_folder: Path) -> tuple[bool, bool, str]:
    """(model, map, why not): whether the digits table's explorer model and map for ``plan`` are the ones shipped
    in the package (``bench/ship_digits.py``: ``ModelSpec()`` and the default atlas), told without reading the
    table, for the line ``naoviz dashboard`` prints: the plan's settings against those, and the table file (a copy
    in ``data_folder`` is read first, so it must hold the shipped file's bytes). ``why not``: what differs, in words."""
    import filecmp

    from naoviz.nao.cache import ModelSpec
    from naoviz.resources import DIGITS_TABLE, resource_path, shipped_dir
    from naoviz.tables.benchmark import DIGITS_FILE
    if shipped_dir() is None:
        return False, False, "NAOVIZ_SHIPPED_OFF is set" if os.environ.get("NAOVIZ_SHIPPED_OFF") else "none ships here"
    own = Path(data_folder) / DIGITS_FILE
    if own.is_file() and not filecmp.cmp(own, resource_path(DIGITS_TABLE), shallow=False):
        return False, False, f"{str(own)[-120:]} is not the shipped digits table"
    shipped = ModelSpec()
    spec = ModelSpec(metric=plan.metric, n_train=plan.n_train, overrides={"epochs": plan.epochs} if plan.epochs else {})
    differ = [f"{ENV[k][0]}={getattr(plan, k)}" for k in ("n_train", "epochs")
              if getattr(plan, k) is not None and getattr(plan, k) != getattr(ExplorerPlan, k)]
    if (spec.metric, spec.n_train, spec.config().to_dict()) != (shipped.metric, shipped.n_train,
                                                               shipped.config().to_dict()):
        return False, False, ", ".join(differ) or f"metric {plan.metric}"
    differ = [f"{ENV[k][0]}={getattr(plan, k)}" for k in ("method", "seeds") if getattr(plan, k) != getattr(ExplorerPlan, k)]
    return True, not differ, ", ".join(differ)


def warmup_alive() -> bool:
    """Whether the warm-up ``naoviz dashboard`` started beside Voila (``python -m naoviz.explorer_plan``, its PID in
    WARMUP_ENV, which Voila's kernels inherit) still runs: while it does, a kernel waits for what it builds."""
    text = os.environ.get(WARMUP_ENV, "")
    if not text.isdigit():
        return False
    try:
        return b"naoviz.explorer_plan" in Path(f"/proc/{int(text)}/cmdline").read_bytes()   # not a reused PID
    except OSError:                     # gone (or a zombie: no command line), or no /proc here
        if Path("/proc/self").exists():
            return False
    try:
        os.kill(int(text), 0)
        return True
    except (OSError, OverflowError):
        return False


def warmup_stopped() -> bool:
    """Whether ``naoviz dashboard`` started a warm-up (its PID in WARMUP_ENV) that no longer runs: a kernel that then
    finds no atlas, and nobody building it, builds it itself (resuming the warm-up's checkpoints) and says why."""
    return os.environ.get(WARMUP_ENV, "").isdigit() and not warmup_alive()


def open_cached(plan: ExplorerPlan, read_table: bool = True):
    """(atlas, TableFacts, bench) of the plan's shipped or cached full atlas; atlas None when there is none yet.
    Found by the key the warm-up stored (``naoviz.explorer_keys``), the table is not read and bench is None (a
    visitor's kernel then imports no pandas); else the table is read, and the key stored for the next kernel;
    ``read_table`` False: not read, (None, None, None) (a warm-up builds: :func:`await_built`)."""
    from naoviz.atlas_cache import cached_atlas
    from naoviz.explorer_keys import TableFacts, files_stamp, find, remember
    stamp = files_stamp(plan)
    found = find(plan, stamp)
    if found is not None:
        return found[0], found[1], None
    if not read_table:
        return None, None, None
    bench = plan.benchmark()
    spec, full = plan.spec(bench), plan.full_options(bench)
    remember(plan, stamp, bench, spec, full)
    return cached_atlas(bench, spec, **full), TableFacts.of(bench, spec.metric), bench


def stored_entry(plan: ExplorerPlan) -> Optional[dict]:
    """The plan's stored key entry (``explorer_keys.read_entry``), waiting for the warm-up to write it while it
    runs; None without one (the caller reads the table)."""
    from naoviz.explorer_keys import await_entry, files_stamp
    return await_entry(plan, files_stamp(plan), warmup_alive)


def await_built(entry: dict, quick: bool, progress=None, on_wait=None):
    """A cold start's atlas without the table: (atlas, whether it is the quick one) of the first of the entry's
    full atlas and (``quick``) its quick one that exists, waiting while the warm-up or another process builds them
    (their progress shown); None when none exists and nobody builds one (the caller reads the table and builds)."""
    from naoviz.atlas_cache import await_named
    names = [entry["atlas"]] + ([entry["quick"]] if quick and entry["quick"] else [])
    found = await_named(names, entry["model_key"], progress=progress, on_wait=on_wait, builder_alive=warmup_alive)
    return None if found is None else (found[1], found[0] != entry["atlas"])


def prepare(plan: ExplorerPlan, progress=None):
    """Build (or load) the plan's quick atlas, then its full one, under the atlas cache's locks; returns the
    full atlas (a cached one saved before atlases stored their island jumps gets them: ``store_jumps``); each
    atlas's page payload is packed once and kept (``atlas_cache.atlas_payload``), so visitors' kernels read it.
    The model key and atlas name are stored first (``explorer_keys.remember``), so that kernels, Voila's
    pre-started one included, open the atlas without reading the table.
    ``progress(stage, done, total)`` as in ``atlas_cache.atlas_for``."""
    from naoviz.atlas_cache import atlas_for, atlas_payload, cached_atlas, store_jumps
    from naoviz.explorer_keys import files_stamp, remember
    stamp = files_stamp(plan)
    bench = plan.benchmark()
    spec, full = plan.spec(bench), plan.full_options(bench)
    remember(plan, stamp, bench, spec, full)
    atlas = cached_atlas(bench, spec, **full)
    if atlas is not None:
        if store_jumps(bench, spec, **full):  # an atlas cached by an older naoviz: its visits then need no scipy
            atlas = cached_atlas(bench, spec, **full)
        atlas_payload(atlas)                  # packed once here, read by every visitor's kernel
        return atlas
    quick = plan.quick_options(bench)
    if quick is not None:
        atlas_payload(atlas_for(bench, spec, progress=progress, **quick))
    atlas = atlas_for(bench, spec, progress=progress, **full)
    atlas_payload(atlas)
    return atlas


def main() -> int:
    """``python -m naoviz.explorer_plan``: warm the cache for the plan in the environment (quiet; one line on
    failure). ``naoviz dashboard`` runs it beside Voila."""
    from naoviz.parent_watch import stop_with_parent
    stop_with_parent()          # `naoviz dashboard` SIGKILLed: no training left running for nobody
    try:
        prepare(ExplorerPlan.from_env())
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one line; the dashboard's page shows the same error
        print(f"naoviz dashboard: preparing the explorer failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Paired differences between searchers of one comparison, with a seeded bootstrap interval over seeds.

Every searcher in a ``naoviz compare`` runs on the same seeds, so searcher A's run on seed s and baseline B's
run on seed s share a landscape draw: the per-seed difference ``d_s = A_s - B_s`` removes what the seeds have
in common, and its mean over seeds is the gap the table's two means show. Whether that gap is more than seed
noise is judged by a percentile bootstrap over seeds: resample the seeds with replacement ``n_boot`` times,
take the mean of ``d`` each time, and read the 2.5 % and 97.5 % quantiles. The resampling generator has a
fixed seed (``BOOT_SEED``), so the same runs always give the same interval.

Sign: the difference is taken in the *report* metric, and turned so that positive means "searcher better
than the baseline" in both directions (for a lower-is-better metric, ``d_s = B_s - A_s``). A checkpoint is
"ahead" when the whole interval is above 0, "behind" when it is below 0, else "level (within noise)"; on fewer
than ``MIN_VERDICT_SEEDS`` (10) seeds the interval is printed but no verdict is given.

Pure numpy; no plotting. ``paired_table`` formats the result as markdown, next to ``search.format_table``.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

DEFAULT_BOOTSTRAP = 10_000
MIN_BOOTSTRAP, MAX_BOOTSTRAP = 100, 1_000_000
BOOT_SEED = 0            # the resampling seed: fixed, so the same runs give the same interval
LEVEL = 0.95
TIE_TOL = 1e-9           # |d_s| at most this is a tie (table values are printed to 1e-6)
_CHUNK = 10_000          # resamples drawn at a time: bounds memory at _CHUNK x seeds indices

AHEAD, BEHIND, LEVEL_TEXT = "ahead", "behind", "level (within noise)"
# Fewest seeds a verdict is given on: a percentile bootstrap of a mean undercovers on few samples (3 seeds that
# all win give an interval above 0 whatever their spread: the resampled means take at most 10 values).
MIN_VERDICT_SEEDS = 10
FEW_TEXT = f"too few seeds for a verdict (< {MIN_VERDICT_SEEDS})"
SAME_TEXT = "the same on every seed"        # no noise to be within: both runs at one value on each seed


def partial_text(n: int, seeds: int) -> str:
    """The verdict when only ``n`` of the ``seeds`` pairs have both values: seeds left out because a run had no
    feasible incumbent yet are chosen by the runs themselves, so a verdict on the rest could mislead."""
    return f"no verdict: {n} of {seeds} seeds have both"


def differences(values: np.ndarray, base: np.ndarray, maximize: bool = True) -> np.ndarray:
    """Per-seed differences, positive = ``values`` better. ``values``, ``base``: (seeds,) or (seeds, T),
    row i of each the same seed; returns the same shape: ``values - base`` if ``maximize`` else ``base -
    values``."""
    values, base = np.asarray(values, dtype=float), np.asarray(base, dtype=float)
    if values.shape != base.shape:
        raise ValueError(f"paired: shapes differ, {values.shape} vs {base.shape}")
    return values - base if maximize else base - values


def bootstrap_interval(diffs: Sequence[float], n_boot: int = DEFAULT_BOOTSTRAP, seed: int = BOOT_SEED,
                       level: float = LEVEL) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``diffs`` ((seeds,), finite): ``n_boot`` resamples of the
    seeds with replacement from ``numpy.random.default_rng(seed)``; returns (lo, hi), the ``(1 - level) / 2``
    and ``(1 + level) / 2`` quantiles of the resampled means. The same inputs give the same interval."""
    d = np.asarray(diffs, dtype=float).ravel()
    if d.size == 0:
        raise ValueError("paired: no seed to resample")
    if not MIN_BOOTSTRAP <= int(n_boot) <= MAX_BOOTSTRAP:
        raise ValueError(f"bootstrap: must be an int in {MIN_BOOTSTRAP}..{MAX_BOOTSTRAP}, got {n_boot!r}")
    rng = np.random.default_rng(seed)
    means = np.empty(int(n_boot))                                  # (n_boot,)
    for start in range(0, int(n_boot), _CHUNK):
        k = min(_CHUNK, int(n_boot) - start)
        idx = rng.integers(0, d.size, size=(k, d.size))            # (k, seeds): one resample per row
        means[start:start + k] = d[idx].mean(axis=1)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def verdict(lo: float, hi: float, n: int = MIN_VERDICT_SEEDS) -> str:
    """"ahead" when the interval excludes 0 from above, "behind" from below, else "level (within noise)";
    with fewer than ``MIN_VERDICT_SEEDS`` seeds ``n`` no verdict (``FEW_TEXT``)."""
    if n < MIN_VERDICT_SEEDS:
        return FEW_TEXT
    return AHEAD if lo > 0 else BEHIND if hi < 0 else LEVEL_TEXT


def paired_stats(diffs: Sequence[float], n_boot: int = DEFAULT_BOOTSTRAP, seed: int = BOOT_SEED) -> dict:
    """One checkpoint's statistics from per-seed differences ``diffs`` ((seeds,), positive = better; NaN,
    a seed where either run had no incumbent yet, is left out: a paired difference needs both values):
    ``mean``, ``lo``/``hi`` (the bootstrap interval), ``wins``/``ties``/``losses`` (seeds with d > 0,
    |d| <= TIE_TOL, d < 0), ``n`` (seeds counted), ``seeds`` (all of them) and ``verdict`` (``SAME_TEXT`` when
    every seed ties on 10 or more: searchers that share their first random draws are level there by construction); no verdict when a
    seed was left out (:func:`partial_text`: which seeds lack a value depends on the runs, so the rest are no
    fair sample); with no finite difference the numbers are None and the verdict "no data"."""
    d = np.asarray(diffs, dtype=float).ravel()
    total = int(d.size)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return {"mean": None, "lo": None, "hi": None, "wins": 0, "ties": 0, "losses": 0, "n": 0,
                "seeds": total, "verdict": "no data"}
    lo, hi = bootstrap_interval(d, n_boot, seed)
    tie = np.abs(d) <= TIE_TOL
    return {"mean": float(d.mean()), "lo": lo, "hi": hi, "wins": int(((d > 0) & ~tie).sum()),
            "ties": int(tie.sum()), "losses": int(((d < 0) & ~tie).sum()), "n": int(d.size), "seeds": total,
            "verdict": partial_text(int(d.size), total) if d.size < total else _same(verdict(lo, hi, int(d.size)), tie)}


def _same(said: str, tie: np.ndarray) -> str:
    """A level verdict where every seed ties is :data:`SAME_TEXT`: there was no noise to be within."""
    return SAME_TEXT if said == LEVEL_TEXT and tie.all() else said


def _by_seed(algo: dict) -> dict[int, np.ndarray]:
    """A compare summary's searcher as {seed: its incumbent curve (budget,)}."""
    return {int(r["seed"]): np.asarray(c, dtype=float) for r, c in zip(algo["runs"], algo["curves"])}


def paired_summary(summary: dict, against: str, n_boot: int = DEFAULT_BOOTSTRAP, seed: int = BOOT_SEED,
                   checkpoints: Optional[Sequence[int]] = None) -> dict:
    """Every other searcher of a ``compare`` summary against searcher ``against``, at each checkpoint.

    Runs are paired by seed (the seeds both ran); the value is the incumbent's reported value after the
    checkpoint's queries (``summary["algos"][name]["curves"]``, (seeds, budget)), the sign from
    ``summary["report_maximize"]``. Returns ``{"against", "report", "report_maximize", "bootstrap",
    "bootstrap_seed", "level", "checkpoints", "vs": {name: {str(checkpoint): paired_stats(...)}}}``.
    """
    algos = summary["algos"]
    if against not in algos:
        raise ValueError(f"against: {against!r} is not one of the searchers ({', '.join(algos)})")
    if len(algos) < 2:
        raise ValueError(f"against: {against!r} is the only searcher; name another in algos")
    checks = [int(c) for c in (checkpoints if checkpoints is not None else summary["checkpoints"])]
    maximize = bool(summary.get("report_maximize", True))
    base = _by_seed(algos[against])
    out = {"against": against, "report": summary.get("report"), "report_maximize": maximize,
           "bootstrap": int(n_boot), "bootstrap_seed": int(seed), "level": LEVEL, "checkpoints": checks,
           "vs": {}}
    for name, algo in algos.items():
        if name == against:
            continue
        mine = _by_seed(algo)
        seeds = [s for s in mine if s in base]
        if not seeds:
            raise ValueError(f"against: {name!r} and {against!r} share no seed")
        a = np.vstack([mine[s] for s in seeds])                    # (seeds, budget)
        b = np.vstack([base[s] for s in seeds])                    # (seeds, budget)
        d = differences(a, b, maximize)                            # (seeds, budget), positive = better
        out["vs"][name] = {str(c): paired_stats(d[:, c - 1], n_boot, seed) for c in checks}
    return out


def _num(x: Optional[float]) -> str:
    return "–" if x is None else f"{x:+.3f}"


def paired_table(paired: dict) -> str:
    """The header line and a markdown table: one row per (searcher, checkpoint) with the mean paired
    difference, its interval, wins/ties/losses over the seeds, the seeds paired (n of the seeds both ran) and
    the verdict; a note under it when some n is below the seed count (a run with no feasible incumbent yet)."""
    against, report = paired["against"], paired.get("report") or "the reported metric"
    turn = ("higher is better, so searcher − " + against if paired["report_maximize"]
            else "lower is better, so " + against + " − searcher")
    head = (f"paired against {against}: difference in {report} per seed ({turn}; positive = better than "
            f"{against}), mean over seeds, {100 * paired['level']:.0f} % interval from a bootstrap over seeds "
            f"({paired['bootstrap']} resamples, seed {paired['bootstrap_seed']}); "
            f"ahead/behind only when the interval excludes 0, on at least {MIN_VERDICT_SEEDS} seeds")
    lines = [head, "", f"| searcher vs {against} | queries | mean difference | {100 * paired['level']:.0f} % interval"
             " | wins/ties/losses | seeds paired (n/all) | verdict |", "|---|---|---|---|---|---|---|"]
    short = False
    for name, per in paired["vs"].items():
        for c in paired["checkpoints"]:
            s = per[str(c)]
            short |= s["n"] < s["seeds"]
            lines.append(f"| {name} | {c} | {_num(s['mean'])} | [{_num(s['lo'])}, {_num(s['hi'])}] | "
                         f"{s['wins']}/{s['ties']}/{s['losses']} | {s['n']}/{s['seeds']} | {s['verdict']} |")
    if short:
        lines += ["", "n below all: at that checkpoint a run of one of the two had no feasible incumbent yet "
                  "(--constraint), and a paired difference needs both values, so that seed is left out; the mean, "
                  "interval and wins are over the n seeds alone, not the table's seeds, and no verdict is given "
                  "(which seeds are left out depends on the runs)."]
    return "\n".join(lines)

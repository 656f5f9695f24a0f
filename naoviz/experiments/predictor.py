"""How good is a NAO model on a tabular benchmark: predictor ranking, decoder reconstruction and validity,
tree baselines on the same split, and whether generate() steps beat their seeds (vs random mutations).

Protocol (issue 3): train on ``n_train`` random architectures (seeded), evaluate on every other one, and
separately on the held-out *classes*: cells none of whose isomorphs (same ``space.canonical``) was trained on.
The metric's direction (``lower_is_better``) decides what the model learns to maximise and what "beats the
seed" and "top 10 %" mean; ranking figures are always prediction vs truth in metric units (positive = good).
"""
from __future__ import annotations

import time
from typing import Optional

import numpy as np
import torch
from scipy.stats import kendalltau, spearmanr

from naoviz.nao.config import NAOConfig
from naoviz.nao.estimator import NAO
from naoviz.tables.benchmark import lower_is_better

PAIR_SAMPLE = 1_000_000   # random held-out pairs for the pairwise accuracy (exact counting is O(n^2))


def pairwise_accuracy(pred: np.ndarray, true: np.ndarray, seed: int = 0, pairs: int = PAIR_SAMPLE) -> float:
    """NAO's metric: fraction of pairs (i, j) with (pred_i >= pred_j) == (true_i >= true_j)."""
    n = len(pred)
    rng = np.random.default_rng(seed)
    i, j = rng.integers(n, size=pairs), rng.integers(n, size=pairs)
    keep = i != j
    i, j = i[keep], j[keep]
    return float(np.mean((pred[i] >= pred[j]) == (true[i] >= true[j])))


def _tau(pred: np.ndarray, true: np.ndarray) -> float:
    return float(kendalltau(pred, true)[0]) if len(pred) > 1 else float("nan")


def ranking(pred: np.ndarray, true: np.ndarray, seed: int = 0, lower_is_better: bool = False,
            novel: Optional[np.ndarray] = None) -> dict:
    """Kendall tau, Spearman rho, pairwise accuracy, and tau on the best 10% by true value (the lowest when
    ``lower_is_better``); with ``novel`` (a bool mask), tau on those cells alone (held-out classes)."""
    pred, true = np.asarray(pred, dtype=float), np.asarray(true, dtype=float)
    top = true <= np.quantile(true, 0.1) if lower_is_better else true >= np.quantile(true, 0.9)
    out = {"kendall_tau": _tau(pred, true), "spearman_rho": float(spearmanr(pred, true)[0]),
           "pairwise_acc": pairwise_accuracy(pred, true, seed), "kendall_tau_top10": _tau(pred[top], true[top])}
    if novel is not None:
        out["kendall_tau_heldout_classes"] = _tau(pred[novel], true[novel])
    return out


def heldout_classes(space, train, held) -> np.ndarray:
    """Bool mask over ``held``: cells whose isomorphism class (``space.canonical``) has no training member."""
    seen = {space.canonical(a) for a in train}
    return np.asarray([space.canonical(a) not in seen for a in held], dtype=bool)


def tree_baselines(space, train, y_train, held, y_held, seed: int, lower_is_better: bool = False,
                   novel: Optional[np.ndarray] = None) -> dict:
    """Random forest (100 trees) and histogram gradient boosting on ``space.one_hot``, same split (regressors
    on the metric itself, so their predictions are in metric units whatever its direction)."""
    from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
    x_tr, x_ho = space.one_hot(train), space.one_hot(held)
    out = {}
    for name, model in (("random_forest", RandomForestRegressor(n_estimators=100, n_jobs=1, random_state=seed)),
                        ("grad_boosting", HistGradientBoostingRegressor(min_samples_leaf=5, random_state=seed))):
        t = time.perf_counter()
        model.fit(x_tr, y_train)
        out[name] = {**ranking(model.predict(x_ho), y_held, seed, lower_is_better, novel),
                     "fit_s": time.perf_counter() - t}
    return out


def _arch_or_none(space, tokens):
    """The arch a decoded token list stands for, or None when it is not a valid one."""
    try:
        arch = space.validate(space.from_tokens(tokens))
        space.from_tokens(space.to_tokens(arch))
        return arch
    except ValueError:
        return None


def decoder_quality(nao: NAO, train, held, seed: int, n_random: int = 1000) -> dict:
    """Exact token reconstruction on train and held-out archs; validity of decodes from random vectors.
    Each decode is checked on its own, so an invalid one counts as invalid (and as not reconstructed)."""
    space = nao.space
    rec_tr = [_arch_or_none(space, t) for t in nao.reconstruct(train, raw=True)]
    rec_ho = [_arch_or_none(space, t) for t in nao.reconstruct(held, raw=True)]
    steps = space.seq_len // space.tokens_per_step
    rng = np.random.default_rng(seed)
    vecs = rng.normal(size=(n_random, steps, nao.config.hidden_size)) * rng.uniform(0.1, 10, (n_random, 1, 1))
    valid = sum(_arch_or_none(space, t) is not None for t in nao.decode_vectors(vecs, raw=True))
    return {"recon_train": float(np.mean([a == b for a, b in zip(rec_tr, train)])),
            "recon_heldout": float(np.mean([a == b for a, b in zip(rec_ho, held)])),
            "recon_heldout_canonical": float(np.mean([a is not None and space.canonical(a) == space.canonical(b)
                                                     for a, b in zip(rec_ho, held)])),
            "valid_random": valid / n_random}


def _mutations(space, seed_arch, k: int, rng) -> list:
    """``k`` random one-edit neighbours that compute a different network than the seed."""
    key = space.canonical(seed_arch)
    options = [a for a in space.neighbours(seed_arch) if space.canonical(a) != key]
    return [options[int(i)] for i in rng.integers(len(options), size=k)] if options else []


def step_quality(nao: NAO, bench, metric: str, train, y_train, seed: int, n_seeds: int = 20,
                 max_eta: float = 50, mutations_per_seed: int = 10) -> dict:
    """Per seed, the first new arch generate() finds (eta = 1, 2, ...): does its true metric beat the seed's?
    From random training archs and from the best 10% of the training pool, beside random one-edit mutations.
    "Beats" and "best" follow the metric's direction (``lower_is_better(metric)``)."""
    rng = np.random.default_rng(seed + 7)
    space = nao.space
    sign = -1.0 if lower_is_better(metric) else 1.0
    order = np.argsort(-sign * np.asarray(y_train))
    top = order[: max(1, len(train) // 10)]
    groups = {"random": rng.choice(len(train), size=min(n_seeds, len(train)), replace=False),
              "top10": rng.choice(top, size=min(n_seeds, len(top)), replace=False)}
    out = {}
    for name, idx in groups.items():
        beats, etas, hams, found, mut_beats, gain_beats = [], [], [], 0, [], []
        for i in idx:
            s = train[int(i)]
            s_true = float(bench.metric(metric, [s])[0])
            gated = nao.generate([s], n_new=1, max_eta=max_eta, exclude=train, require_gain=True)
            if gated:
                gain_beats.append(sign * (float(bench.metric(metric, [gated[0].arch])[0]) - s_true) > 0)
            new = nao.generate([s], n_new=1, max_eta=max_eta, exclude=train)
            if new:
                found += 1
                g = new[0]
                beats.append(sign * (float(bench.metric(metric, [g.arch])[0]) - s_true) > 0)
                etas.append(g.eta), hams.append(g.hamming)
            muts = _mutations(space, s, mutations_per_seed, rng)
            if muts:
                mut_beats += list(sign * (bench.metric(metric, muts) - s_true) > 0)
        out[name] = {"seeds": len(idx), "found": found,
                     "step_beats_seed": float(np.mean(beats)) if beats else float("nan"),
                     "mutation_beats_seed": float(np.mean(mut_beats)) if mut_beats else float("nan"),
                     "gated_step_beats_seed": float(np.mean(gain_beats)) if gain_beats else float("nan"),
                     "gated_found": len(gain_beats),
                     "mean_eta": float(np.mean(etas)) if etas else float("nan"),
                     "mean_hamming": float(np.mean(hams)) if hams else float("nan")}
    return out


def run_one(bench, n_train: int, seed: int, config: NAOConfig, metric: str = "valid_acc",
            baselines: bool = True, steps: bool = True, threads: Optional[int] = 1, progress: bool = False) -> dict:
    """Train one NAO on ``n_train`` random archs (``seed``) and measure everything on all the others."""
    from naoviz.errors import show
    if not isinstance(config, NAOConfig):
        raise TypeError(f"config: expected a NAOConfig (NAOConfig.preset('fast')), got {type(config).__name__} "
                        f"{show(config)}")
    config.replace(seed=seed)                     # the seed checked by NAOConfig before any work
    if threads:
        torch.set_num_threads(int(threads))
    archs = bench.archs()
    values = bench.metric(metric)
    if isinstance(n_train, bool) or not isinstance(n_train, (int, np.integer)) or not 0 < n_train < len(archs):
        raise ValueError(f"n_train: {show(n_train)} must be in 1..{len(archs) - 1}")
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(archs), size=n_train, replace=False)
    mask = np.ones(len(archs), dtype=bool)
    mask[idx] = False
    train, y_train = [archs[i] for i in idx], values[idx]
    held, y_held = [archs[i] for i in np.flatnonzero(mask)], values[mask]
    lower = lower_is_better(metric)
    novel = heldout_classes(bench.space, train, held)
    nao = NAO(bench.space, config.replace(seed=seed))
    t = time.perf_counter()
    nao.fit(train, y_train, maximize=not lower, progress=progress)
    fit_s = time.perf_counter() - t
    phases = [f"NAO's scores of {len(held)} held-out cells", f"decoding {len(held)} held-out cells"] + \
        (["tree baselines (random forest, boosting)"] if baselines else []) + \
        (["gradient steps vs mutations"] if steps else [])
    bar = None
    if progress:                                  # ~30 s after each fit on nb201: a line naming what runs
        from tqdm import tqdm          # plain tqdm: tqdm.auto would pull ipywidgets into the backend
        from naoviz.progress import echo_bar
        bar = echo_bar(tqdm, total=len(phases), desc="measure", unit="phase", leave=False, postfix=phases[0])

    def phase(i: int) -> None:                    # phase i starts: it is named after the bar, those before counted
        if bar is not None:
            bar.set_postfix_str(phases[i], refresh=False)
            bar.update(i - bar.n)
    try:
        phase(0)
        # Scores are higher-is-better; negated for a lower-is-better metric they rank like nao.predict (metric
        # units) without the ties that the rank scaler's clamped inverse would add at the extremes.
        pred = nao.score(held) * (-1.0 if lower else 1.0)
        # The model may tokenise differently from the benchmark's space; archs (tuples) are the same.
        result = {"n_train": n_train, "seed": seed, "fit_s": fit_s, "epochs": len(nao.history_[-1]),
                  "threads": torch.get_num_threads(), "maximize": bool(nao.scaler_.maximize),
                  "heldout_class_cells": int(novel.sum()), "nao": ranking(pred, y_held, seed, lower, novel)}
        phase(1)
        result["decoder"] = decoder_quality(nao, train, held, seed)
        if baselines:
            phase(2)
            result["baselines"] = tree_baselines(bench.space, train, y_train, held, y_held, seed, lower, novel)
        if steps:
            phase(len(phases) - 1)
            result["steps"] = step_quality(nao, bench, metric, train, y_train, seed)
        if bar is not None:
            bar.update(len(phases) - bar.n)
    finally:
        if bar is not None:
            bar.close()
    return result


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, (int, float, np.floating)) and not isinstance(v, bool):
            out[key] = float(v)
    return out


def summarise(runs: list[dict]) -> dict:
    """Mean and sd over seeds of every numeric figure, per training size."""
    import warnings
    with warnings.catch_warnings():                      # an all-NaN figure (no step found) stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return _summarise(runs)


def _summarise(runs: list[dict]) -> dict:
    out = {}
    for n in sorted({r["n_train"] for r in runs}):
        flat = [_flatten(r) for r in runs if r["n_train"] == n]
        keys = [k for k in flat[0] if k not in ("n_train", "seed")]
        out[str(n)] = {k: {"mean": float(np.nanmean([f.get(k, np.nan) for f in flat])),
                           "sd": float(np.nanstd([f.get(k, np.nan) for f in flat], ddof=1)) if len(flat) > 1 else 0.0}
                       for k in keys}
    return out

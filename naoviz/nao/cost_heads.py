"""Cost heads for an already fitted plain ``NAO``, without retraining it (issue 14, the explorer's budget).

``cost_nao_from(nao, columns, archs, costs, seed=)`` returns a ``CostNAO`` whose encoder, predictor and decoder
ARE the plain model's weights (copied, so the plain model's predictions and paths are unchanged) and whose
cost heads alone are fitted, by MSE, on the frozen pooled embeddings ``(n, H)`` of ``archs`` against each
column's normalised log cost (``CostScaler``: log, then min-max over ``archs``). The heads see the embedding
the constrained step moves, so ``CostNAO.path(..., budget=)`` can steer by them. Seeded: same seed, same heads.

``budget_path`` / ``budget_grid``: the explorer's path under a budget, the plain step's decode where the heads
put it within budget, else the constrained step's (why: bench/explorer_constrained.py, docs/ui.md "Budget").

``head_quality(model, archs, costs)`` measures the heads as the search's are: Kendall tau and mean relative
error of the predicted cost (metric units) on cells the heads did not see.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import torch

from naoviz.errors import check_count, check_type, show
from naoviz.nao.cost import CostNAO, CostScaler, as_budgets
from naoviz.nao.estimator import NAO
from naoviz.nao.step import Stopped, StepWatch
from naoviz.nao.train import torch_threads

EPOCHS = 60          # passes over (at most) MAX_CELLS embeddings: ~2-4 s for 15,625 cells on one CPU thread
BATCH = 256
LR = 2e-3
MAX_CELLS = 8192     # a seeded subsample of larger tables: cost is smooth in the embedding, more adds little
# The constrained step's multiplier for heads fitted this way. The heads saw only real cells' embeddings and
# under-predict off them, so the moved point looks within budget (97 %) while its decode is not; CostNAO's
# defaults (lam0 1, rho 20) then release the multiplier at once and only ~63 % of decodes were within budget.
# A large first multiplier pushes the first sub-step down the cost head: 95 % (tuned on 40 seeds of the
# digits table, rng(7); bench/explorer_constrained.py reports the others, docs/ui.md "Budget").
STEP = {"lam0": 50.0, "rho": 500.0, "sub_steps": 4}
# The heads are fitted on one torch thread: a small MLP's 1,920 Adam steps gain nothing from more, and on 2 cores
# loaded by other work the fit on NB201's 15,625 cells took 842 s on the process's 2 threads against 15.7 s on one
# (busy-waiting threads; bench/explorer_waits.py, bench/RESULTS.md). One thread also gives the same heads on every
# machine (a threaded sum's order depends on the thread count), as bench/explorer_constrained.py measured and
# tuned them (OMP_NUM_THREADS=1). None: the process's setting.
THREADS = 1


def cost_nao_from(nao: NAO, columns: Sequence[str], archs, costs: dict, seed: int = 0,
                  epochs: int = EPOCHS, lr: float = LR, progress=None, threads: Optional[int] = THREADS,
                  should_stop=None, **step) -> CostNAO:
    """A ``CostNAO`` sharing ``nao``'s fitted weights, with cost heads for ``columns`` fitted on ``archs``.

    nao: a fitted plain NAO (left untouched). costs: {column: (n,) finite values} aligned with ``archs``
    (cells with a non-finite cost are left out of that fit). step: ``CostNAO``'s lam0, rho, sub_steps
    (default ``STEP``). progress: ``progress(done, epochs)`` before the fit and after each epoch. threads: torch
    threads for the fit (``THREADS``; None: leave the process's setting). should_stop: checked before each
    epoch; true ends the fit there with ``naoviz.errors.Stopped`` (the explorer's newer ask), nothing returned.
    ValueError names the argument that is wrong."""
    if not isinstance(nao, NAO) or isinstance(nao, CostNAO):
        raise ValueError(f"cost_nao_from: nao must be a fitted plain NAO, got {type(nao).__name__} {show(nao)}")
    nao.check_fitted()
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"cost_nao_from: seed must be an int, got {seed!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= 10_000:
        raise ValueError(f"cost_nao_from: epochs must be an int in 1..10000, got {epochs!r}")
    model = CostNAO(nao.space, nao.config, cost_columns=columns, **{**STEP, **step})
    archs = model.coerce(archs)
    if not archs:
        raise ValueError("cost_nao_from: archs is empty")
    if not isinstance(costs, dict):
        raise ValueError(f"cost_nao_from: costs must be a dict with columns {model.cost_columns}")
    values = {}
    for c in model.cost_columns:
        v = np.asarray(costs.get(c, []), dtype=float).reshape(-1)
        if len(v) != len(archs):
            raise ValueError(f"cost_nao_from: costs[{c!r}] must hold {len(archs)} values, got {len(v)}")
        if np.isfinite(v).sum() < 2:
            raise ValueError(f"cost_nao_from: costs[{c!r}] has fewer than 2 finite values")
        values[c] = v
    ok = np.all([np.isfinite(values[c]) for c in model.cost_columns], axis=0)          # (n,)
    keep = np.flatnonzero(ok)
    if len(keep) > MAX_CELLS:
        keep = np.sort(np.random.default_rng(seed).choice(keep, MAX_CELLS, replace=False))
    model.cost_scaler_ = CostScaler.fit({c: values[c][keep] for c in model.cost_columns}, model.cost_columns)

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = model._module().to(model.device)
    missing, unexpected = net.load_state_dict(nao.net_.state_dict(), strict=False)
    if unexpected or any(not k.startswith("costs.") for k in missing):          # the plain model's every weight
        raise ValueError(f"cost_nao_from: the plain model's weights do not fit ({(unexpected or missing)[:3]})")
    model.net_, model.scaler_ = net.eval(), nao.scaler_
    model.rounds_, model.history_ = nao.rounds_, list(nao.history_)

    emb = model._encode([archs[i] for i in keep])[1].detach()                          # (m, H), frozen
    target = torch.as_tensor(np.column_stack([model.cost_scaler_.transform(c, values[c][keep])
                                              for c in model.cost_columns]), dtype=torch.float32,
                             device=model.device)                                   # (m, C) in [0, 1]
    with torch_threads(threads):
        _train_heads(net, emb, target, seed=seed, epochs=epochs, lr=lr, progress=progress, should_stop=should_stop)
    return model


def _train_heads(net, emb: torch.Tensor, target: torch.Tensor, seed: int, epochs: int, lr: float,
                 progress=None, should_stop=None) -> None:
    """Adam on the cost heads only (emb (m, H) -> sigmoid (m, C) vs target (m, C)); the rest stays frozen.
    ``should_stop()`` true before an epoch: ``Stopped``."""
    params = [p for h in net.costs for p in h.parameters()]
    opt = torch.optim.Adam(params, lr=lr)
    gen = torch.Generator().manual_seed(seed)
    net.costs.train()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)                                      # dropout masks
        for epoch in range(epochs):
            if progress is not None:
                progress(epoch, epochs)
            if should_stop is not None and should_stop():
                raise Stopped(f"the cost heads' fit stopped after {epoch} of {epochs} epochs: a newer request came")
            order = torch.randperm(len(emb), generator=gen).to(emb.device)
            for b in range(0, len(emb), BATCH):
                idx = order[b:b + BATCH]
                loss = torch.nn.functional.mse_loss(net.cost_emb(emb[idx]), target[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
    if progress is not None:
        progress(epochs, epochs)
    net.eval()


def head_quality(model: CostNAO, archs, costs: dict, columns: Optional[Sequence[str]] = None) -> dict:
    """{column: {"tau", "mre", "n"}}: Kendall tau between predicted and true cost, and mean |pred - true| /
    |true|, over ``archs`` with a finite, non-zero true cost (held-out cells, to measure the heads)."""
    from scipy.stats import kendalltau
    pred = model.predict_costs(model.coerce(archs))
    out = {}
    for c in columns or model.cost_columns:
        t, p = np.asarray(costs[c], dtype=float), np.asarray(pred[c], dtype=float)
        ok = np.isfinite(t) & np.isfinite(p) & (t != 0)
        tau = float(kendalltau(p[ok], t[ok])[0]) if ok.sum() > 1 else float("nan")
        out[c] = {"tau": tau, "mre": float(np.mean(np.abs(p[ok] - t[ok]) / np.abs(t[ok]))), "n": int(ok.sum())}
    return out


# -- the explorer's path under a budget: the gradient step where its decode is predicted within budget -------
def budget_path(model: CostNAO, arch, etas, budget, steps: int = 1, benchmark=None, metric: Optional[str] = None,
                progress=None, should_stop=None):
    """``model.path`` under ``budget``, decode-checked: per eta the plain gradient step's decode where the cost
    heads put it within budget, else the constrained step's (``CostNAO.path(..., budget=)``). Returns that
    ``PathResult`` (every per-eta field taken from the path chosen at that eta, ``costs`` too) with
    ``constrained`` (E,) bool: which etas took the constrained step.

    Why: the Lagrangian step alone keeps 90 % of decodes within budget but its best feasible cell is 1.2
    points worse in truth than the plain step's (bench/explorer_constrained.py); the plain step's feasible
    decodes are kept, and only its infeasible ones replaced. ``progress(stage, done, total)`` before each
    gradient step and decode of both paths (each moves and decodes all etas in one batch); ``should_stop()``
    checked there: true ends the work with ``naoviz.errors.Stopped`` (the explorer's newer ask; nothing kept)."""
    check_type(model, CostNAO, "model", "a fitted CostNAO (cost_nao_from(nao, ...))")
    as_budgets(budget)                       # a bad budget named before either path's work
    n = int(steps) if isinstance(steps, (int, np.integer)) and not isinstance(steps, bool) else 0
    watch = StepWatch((n + 1) + (model.sub_steps * n + 1), progress, should_stop)
    plain = model.path(arch, etas, steps=steps, benchmark=benchmark, metric=metric,
                       on_step=watch.hook("the gradient step's path"))
    con = model.path(arch, etas, steps=steps, benchmark=benchmark, metric=metric, budget=budget,
                     on_step=watch.hook("the constrained step's path"))
    with model.budget(budget):
        keep = np.asarray(model.within_budget(plain.decoded), dtype=bool)                      # (E,)
    return _merge(plain, con, keep)


def budget_grid(model: CostNAO, archs, etas, budget, steps: int = 1, batch: int = 1024) -> list:
    """``budget_path``'s decoded cells for many seeds at once (``path_grid`` both ways): M lists of E archs."""
    check_type(model, CostNAO, "model", "a fitted CostNAO (cost_nao_from(nao, ...))")
    as_budgets(budget)
    check_count(batch, "batch", 1, 1_000_000)
    space = model.space
    plain = [[space.from_tokens(t.tolist()) for t in row] for row in model.path_grid(archs, etas, steps, batch)[0]]
    with model.budget(budget):
        con = [[space.from_tokens(t.tolist()) for t in row] for row in model.path_grid(archs, etas, steps, batch)[0]]
        keep = model.within_budget([a for p in plain for a in p]).reshape(len(plain), -1)     # (M, E)
    return [[p[e] if k[e] else c[e] for e in range(len(p))] for p, c, k in zip(plain, con, keep)]


def _merge(plain, con, keep: np.ndarray):
    """Per eta: ``plain``'s field where ``keep``, else ``con``'s (arrays and lists of length E, costs' entries)."""
    from dataclasses import replace
    E = len(keep)

    def pick(a, b):
        if isinstance(a, list) and len(a) == E:
            return [x if k else y for x, y, k in zip(a, b, keep)]
        if isinstance(a, np.ndarray) and a.ndim and a.shape[0] == E and b is not None:
            return np.where(keep.reshape((E,) + (1,) * (a.ndim - 1)), a, b)
        return a
    fields = {f: pick(getattr(plain, f), getattr(con, f)) for f in
              ("embeddings", "predicted", "decoded", "decoded_predicted", "hamming", "true", "attention", "states",
               "score", "decoded_score")}
    costs = {c: {k: (pick(v, con.costs[c][k]) if k != "budget" else con.costs[c][k]) for k, v in entry.items()}
             for c, entry in (plain.costs or {}).items()}
    out = replace(plain, **fields, costs=costs)
    out.constrained = ~keep
    return out

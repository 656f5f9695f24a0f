"""Cost heads and the constrained step: NAO that predicts latency / parameters / FLOPs beside accuracy and
moves under a budget (issue 14; NAO_pytorch issue 6 asks for exactly this).

One MLP head per cost column (same shape as the accuracy predictor, sigmoid output) reads the pooled
embedding; targets are the column min-max normalised on a log scale (positive columns) over the training
pool, trained jointly with accuracy and reconstruction (``train.epd_losses``). The constrained step
maximises predicted accuracy subject to predicted cost <= budget by a Lagrangian whose multiplier adapts
per sub-step (dual ascent: lambda <- max(0, lambda + rho * (cost - budget))), every sub-step through the one
step function :func:`naoviz.nao.step.ascend`; ``generate`` keeps only decodes predicted within budget.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import torch
from torch import nn

from naoviz.nao.estimator import NAO
from naoviz.nao.modules import EPD, _mlp, pool
from naoviz.nao.step import OnStep, PathResult, ascend


@dataclass
class CostScaler:
    """Per column: log (when every training value is > 0), then min-max to [0, 1] over the training pool."""

    columns: list
    log: list
    lo: list
    hi: list

    @classmethod
    def fit(cls, costs: dict, columns: Sequence[str]) -> "CostScaler":
        logs, los, his = [], [], []
        for c in columns:
            v = np.asarray(costs[c], dtype=float)
            use_log = bool((v > 0).all())
            w = np.log(v) if use_log else v
            logs.append(use_log), los.append(float(w.min())), his.append(float(w.max()))
        return cls(list(columns), logs, los, his)

    def transform(self, column: str, values) -> np.ndarray:
        """Metric units ``(n,)`` -> normalised ``(n,)`` (outside [0, 1] beyond the pool's range)."""
        j = self.columns.index(column)
        v = np.asarray(values, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.log(v) if self.log[j] else v
        span = self.hi[j] - self.lo[j]
        return np.full_like(w, 0.5) if span <= 0 else (w - self.lo[j]) / span

    def inverse(self, column: str, q) -> np.ndarray:
        j = self.columns.index(column)
        w = self.lo[j] + np.asarray(q, dtype=float) * (self.hi[j] - self.lo[j])
        return np.exp(w) if self.log[j] else w

    def to_dict(self) -> dict:
        return {"columns": self.columns, "log": self.log, "lo": self.lo, "hi": self.hi}

    @classmethod
    def from_dict(cls, d: dict, columns: Sequence[str]) -> "CostScaler":
        """The scaler ``to_dict`` wrote, for exactly ``columns``; ValueError when it is not one."""
        if not isinstance(d, dict):
            raise ValueError(f"cost scaler: expected an object, got {type(d).__name__}")
        if list(d.get("columns", [])) != list(columns):
            raise ValueError(f"cost scaler columns {d.get('columns')!r} are not the heads' {list(columns)!r}")
        parts = [list(d[k]) for k in ("log", "lo", "hi")]
        if any(len(p) != len(columns) for p in parts) or not all(isinstance(x, bool) for x in parts[0]):
            raise ValueError("cost scaler: log, lo, hi need one entry per column (log: true/false)")
        bounds = [float(x) for x in parts[1] + parts[2]]
        if not all(math.isfinite(x) for x in bounds):
            raise ValueError("cost scaler: lo and hi must be finite numbers")
        return cls(list(columns), parts[0], bounds[:len(columns)], bounds[len(columns):])


class CostEPD(EPD):
    """The EPD plus ``C`` cost heads on the pooled embedding: ``forward`` adds ``costs`` (B, C) in [0, 1]."""

    def __init__(self, space, cfg, n_costs: int):
        super().__init__(space, cfg)     # built first: the EPD's weights equal a plain NAO's for one seed
        self.costs = nn.ModuleList(_mlp(cfg.hidden_size, cfg.mlp_layers, cfg.mlp_hidden, cfg.mlp_dropout)
                                   for _ in range(n_costs))

    def cost_emb(self, emb: torch.Tensor) -> torch.Tensor:
        """emb (B, H) -> normalised costs (B, C) in [0, 1]."""
        return torch.sigmoid(torch.cat([h(emb) for h in self.costs], dim=-1))

    def forward(self, tokens: torch.Tensor) -> dict:
        out = super().forward(tokens)
        out["costs"] = self.cost_emb(out["arch_emb"])
        return out


def as_budgets(budget) -> list:
    """``{"latency_pixel3": 12}`` (upper bounds), ``["latency_pixel3<=12"]`` or Constraints -> Constraints."""
    from naoviz.search.constraints import Constraint, parse_constraints
    if budget is None:
        return []
    try:
        if isinstance(budget, dict):
            return [Constraint(str(k), "<=", v) for k, v in budget.items()]
        return list(parse_constraints(budget))
    except ValueError as exc:          # "constraint: bound must be ..." is about the budget given here
        raise ValueError(f"budget: {exc}") from None


class CostNAO(NAO):
    """``NAO`` with cost heads for ``cost_columns``; ``fit(..., costs={column: (n,)})``, ``predict_costs``,
    and ``path`` / ``generate`` with ``budget=`` (dict of upper bounds or constraint texts).

    lam0, rho, sub_steps: the constrained step's initial multiplier, its dual step size (per unit of
    normalised cost over budget) and how many sub-steps one eta is split into."""

    def __init__(self, space, config=None, cost_columns: Sequence[str] = (), lam0: float = 1.0,
                 rho: float = 20.0, sub_steps: int = 4):
        super().__init__(space, config)
        cols = ([cost_columns] if isinstance(cost_columns, str)
                else list(cost_columns) if hasattr(cost_columns, "__iter__") else [cost_columns])
        if not cols or not all(isinstance(c, str) and c for c in cols) or len(set(cols)) != len(cols):
            raise ValueError(f"CostNAO: cost_columns must be distinct column names, got {cols!r}")
        for name, v, lo in (("lam0", lam0, 0.0), ("rho", rho, 0.0)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < lo:
                raise ValueError(f"CostNAO: {name} must be a finite number >= {lo:g}, got {v!r}")
        if isinstance(sub_steps, bool) or not isinstance(sub_steps, int) or not 1 <= sub_steps <= 100:
            raise ValueError(f"CostNAO: sub_steps must be an int in 1..100, got {sub_steps!r}")
        self.cost_columns, self.lam0, self.rho, self.sub_steps = cols, float(lam0), float(rho), sub_steps
        self.cost_scaler_: Optional[CostScaler] = None
        self._active = None          # (column index (K,), sign (K,), normalised bound (K,)) while a budget holds
        self._judge = None           # the cost model ``within_budget`` asks while a budget holds (None: the heads)
        self._cost_targets = None

    @classmethod
    def from_nao(cls, nao: NAO, columns: Sequence[str], archs, costs: dict, seed: int = 0, **kwargs) -> "CostNAO":
        """Cost heads for an already fitted plain ``nao`` without retraining it: its weights, plus heads fitted
        on its frozen embeddings of ``archs`` (``naoviz.nao.cost_heads.cost_nao_from``)."""
        from naoviz.nao.cost_heads import cost_nao_from
        return cost_nao_from(nao, columns, archs, costs, seed=seed, **kwargs)

    def _module(self) -> CostEPD:
        return CostEPD(self.space, self.config, len(self.cost_columns))

    def fit(self, archs, values, maximize: bool = True, costs: Optional[dict] = None, **kwargs) -> "CostNAO":
        """``NAO.fit`` plus ``costs`` = {column: (n,) finite values} for every cost column."""
        n = len(self.coerce(archs))
        if not isinstance(costs, dict):
            raise ValueError(f"CostNAO.fit: costs must be a dict with columns {self.cost_columns}, got {type(costs).__name__}")
        for c in self.cost_columns:
            v = np.asarray(costs.get(c, []), dtype=float).reshape(-1)
            if len(v) != n or not np.isfinite(v).all():
                raise ValueError(f"CostNAO.fit: costs[{c!r}] must hold {n} finite values")
        self.cost_scaler_ = CostScaler.fit(costs, self.cost_columns)
        self._cost_targets = np.column_stack([self.cost_scaler_.transform(c, costs[c]) for c in self.cost_columns])
        try:
            return super().fit(archs, values, maximize=maximize, **kwargs)
        finally:
            self._cost_targets = None

    def _targets(self, values):
        return np.column_stack([super()._targets(values), self._cost_targets])

    # -- costs -------------------------------------------------------------------------------------
    @torch.no_grad()
    def _norm_costs(self, archs) -> np.ndarray:
        emb = self._encode(archs)[1]
        return self.net_.cost_emb(emb).cpu().numpy().astype(float)          # (n, C)

    def predict_costs(self, archs) -> dict:
        """``{column: (n,)}`` predicted costs in metric units."""
        q = self._norm_costs(archs) if len(archs) else np.zeros((0, len(self.cost_columns)))
        return {c: self.cost_scaler_.inverse(c, q[:, j]) for j, c in enumerate(self.cost_columns)}

    @contextlib.contextmanager
    def budget(self, budget, cost_model=None):
        """While active, ``move`` takes the constrained step and ``generate`` keeps decodes within budget:
        predicted within it by ``cost_model`` (anything with ``predict_costs``) or, when None, the heads."""
        self.check_fitted()
        cons = as_budgets(budget)
        unknown = [c.column for c in cons if c.column not in self.cost_columns]
        if unknown:
            raise ValueError(f"budget: no cost head for {unknown[0]!r}; heads: {', '.join(self.cost_columns)}")
        before, judge_before = self._active, self._judge
        if cons:
            self._judge = cost_model
            idx = [self.cost_columns.index(c.column) for c in cons]
            sign = [1.0 if c.upper else -1.0 for c in cons]
            bound = [float(self.cost_scaler_.transform(c.column, [c.bound])[0]) for c in cons]
            for c, b in zip(cons, bound):      # a log-scaled column maps a bound <= 0 to -inf/NaN: NaN states
                if not math.isfinite(b):
                    lo, hi = self.cost_scaler_.inverse(c.column, [0.0, 1.0])
                    raise ValueError(f"budget: {c.column} {c.op} {c.bound:g} is out of reach: {c.column} is "
                                     f"positive in every cell the cost head was fitted on ({lo:.4g}..{hi:.4g})")
            self._active = (torch.as_tensor(idx, device=self.device), torch.as_tensor(sign, device=self.device),
                            torch.as_tensor(bound, device=self.device, dtype=torch.float32), cons)
        try:
            yield self
        finally:
            self._active, self._judge = before, judge_before

    def move(self, states: torch.Tensor, etas, steps: int = 1, on_step: OnStep = None) -> torch.Tensor:
        """Unconstrained: ``NAO.move``. Under a budget: ``sub_steps`` * ``steps`` steps of eta / sub_steps on
        predicted accuracy - sum_k lambda_k * sign_k * (cost_k - budget_k); lambda (B, K) adapts per sub-step
        (``on_step()`` before each sub-step)."""
        if self._active is None:
            return super().move(states, etas, steps, on_step=on_step)
        self.check_fitted()
        self.net_.eval()
        idx, sign, bound, _ = self._active
        etas = torch.as_tensor(np.asarray(etas, dtype=float), device=states.device) / self.sub_steps
        lam = torch.full((states.shape[0], len(idx)), self.lam0, device=states.device)
        net = self.net_

        def cost_over(s: torch.Tensor) -> torch.Tensor:       # (B, S, H) -> (B, K) signed excess
            return sign * (net.cost_emb(pool(s))[:, idx] - bound)

        cur = states
        for _ in range(self.sub_steps * steps):
            lam_now = lam.detach()
            cur = ascend(lambda s: net.score_states(s) - (lam_now * cost_over(s)).sum(-1), cur, etas, on_step=on_step)
            with torch.no_grad():
                lam = torch.clamp(lam + self.rho * cost_over(cur), min=0.0)
        return cur

    def within_budget(self, decoded: list) -> Optional[np.ndarray]:
        if self._active is None or not decoded:
            return None
        pred = (self._judge if self._judge is not None else self).predict_costs(decoded)
        ok = np.ones(len(decoded), dtype=bool)
        for c in self._active[3]:
            ok &= c.mask(pred[c.column])
        return ok

    def generate(self, seeds, n_new: int, max_eta: float = 50, exclude: Sequence = (), eta_step: float = 1.0,
                 require_gain: bool = False, budget=None) -> list:
        """``NAO.generate``; with ``budget`` the constrained step, and only decodes predicted within it."""
        with self.budget(budget):
            return super().generate(seeds, n_new, max_eta=max_eta, exclude=exclude, eta_step=eta_step,
                                    require_gain=require_gain)

    def path(self, arch, etas, steps: int = 1, benchmark=None, metric: Optional[str] = None,
             budget=None, on_step: OnStep = None) -> PathResult:
        """``NAO.path`` (constrained with ``budget``) plus ``costs``: per cost column the predicted cost at
        the moved point and of the decoded cell, and with ``benchmark`` the decoded cells' true cost."""
        with self.budget(budget):
            res = super().path(arch, etas, steps=steps, benchmark=benchmark, metric=metric, on_step=on_step)
        with torch.no_grad():
            st = torch.as_tensor(res.states, device=self.device)
            moved = self.net_.cost_emb(pool(st)).cpu().numpy().astype(float)     # (E, C)
        decoded = self.predict_costs(res.decoded)
        res.costs = {}
        for j, c in enumerate(self.cost_columns):
            entry = {"predicted": self.cost_scaler_.inverse(c, moved[:, j]), "decoded_predicted": decoded[c],
                     "true": None, "budget": next((b.bound for b in as_budgets(budget) if b.column == c), None)}
            if benchmark is not None and c in getattr(benchmark, "metrics", []):
                entry["true"] = np.asarray(benchmark.metric(c, res.decoded), dtype=float)
            res.costs[c] = entry
        return res

    # -- checkpoints: NAO's files, plus the cost heads' columns, step settings and cost scaler in nao.json --
    def _checkpoint_meta(self) -> dict:
        return {**super()._checkpoint_meta(),
                "cost": {"columns": self.cost_columns, "lam0": self.lam0, "rho": self.rho, "sub_steps": self.sub_steps,
                         "scaler": self.cost_scaler_.to_dict()}}

    @classmethod
    def _from_checkpoint(cls, space, cfg, meta: dict, where) -> "CostNAO":
        from naoviz.errors import CheckpointError
        cost = meta.get("cost")
        if not isinstance(cost, dict):
            raise CheckpointError(f"{where}: no cost heads in this checkpoint (load it with NAO.load)")
        try:
            nao = cls(space, cfg, cost_columns=cost["columns"], lam0=cost["lam0"], rho=cost["rho"],
                      sub_steps=cost["sub_steps"])
            nao.cost_scaler_ = CostScaler.from_dict(cost["scaler"], nao.cost_columns)
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"{where}: bad cost heads ({str(exc)[:200]})") from exc
        return nao

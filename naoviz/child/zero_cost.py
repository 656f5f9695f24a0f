"""Zero-cost proxies of a cell, computed on its path through a one-shot supernet (trained or not).

Each proxy scores a cell from one or a few mini-batches without training it, higher = better (as the papers
define them; whether "better" holds on a given table is what bench/supernet_tau.py measures):

* ``grad_norm`` (Abdelfattah et al. 2021): the summed L2 norms of the gradients of the cross-entropy of one
  batch with respect to the path's weights;
* ``snip`` (Lee et al. 2019, as a proxy by Abdelfattah et al.): sum over the path's weights of |w * dL/dw|;
* ``synflow`` (Tanaka et al. 2020): sum of w * dR/dw, R the sum of the logits of an all-ones image through
  the path with every weight replaced by its absolute value and BatchNorm removed (no data needed; in float64);
* ``jacob_cov`` (Mellor et al. 2021, v1): minus sum(log(lambda + k) + 1 / (lambda + k)), lambda the eigenvalues
  of the correlation matrix of the per-image input Jacobians of the summed logits, k = 1e-5;
* ``zico`` (Li et al. 2023): sum over the path's weight tensors of log(sum |mean_b g| / std_b g), g the
  per-batch gradients over ``batches`` batches (elements with zero spread left out).

The supernet is left as it was (weights, gradients cleared, BatchNorm on batch statistics). Every batch is a
fixed, seeded draw of the training split (``seed``), so the same seed gives the same scores.
"""
from __future__ import annotations

import copy
from typing import Sequence

import numpy as np
import torch
from torch import nn

PROXIES = ("grad_norm", "snip", "synflow", "jacob_cov", "zico")


def _batches(net, n: int, size: int, seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    x, y = net.data.train
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed + 17))
    out = []
    for b in range(n):
        idx = order[(b * size) % len(y):][:size]
        out.append((net._prepare(x[idx]), y[idx].to(net.device)))
    return out


def _path_params(model: nn.Module, arch) -> list[tuple[str, torch.Tensor]]:
    used = set(model.path_parameters(arch))
    return [(n, p) for n, p in model.named_parameters() if n in used]


def _no_bn(model: nn.Module) -> nn.Module:
    """A float64 copy of ``model`` with |weights| and every BatchNorm replaced by the identity (synflow)."""
    m = copy.deepcopy(model).double()
    for name, child in list(m.named_modules()):
        for attr, sub in list(child.named_children()):
            if isinstance(sub, nn.BatchNorm2d):
                setattr(child, attr, nn.Identity())
    with torch.no_grad():
        for p in m.parameters():
            p.abs_()
    return m


def proxy_scores(net, archs: Sequence, proxies: Sequence[str] = PROXIES, batch: int = 64, batches: int = 2,
                 seed: int = 0) -> dict:
    """``{proxy: (len(archs),) scores}`` for each cell of ``archs`` on ``net`` (a :class:`OneShot`) as it is.
    ``batch`` images per batch; ``batches`` batches for ``zico`` (the others use the first batch)."""
    bad = [p for p in proxies if p not in PROXIES]
    if bad:
        raise ValueError(f"proxies: unknown {bad[0]!r}; one of {', '.join(PROXIES)}")
    model = net.model
    model.train()                                # BatchNorm on batch statistics, as the supernet trains
    data = _batches(net, max(batches, 2 if "zico" in proxies else 1), batch, seed)
    out = {p: np.zeros(len(archs)) for p in proxies}
    syn = _no_bn(model) if "synflow" in proxies else None
    ones = torch.ones((1,) + tuple(data[0][0].shape[1:]), dtype=torch.float64, device=net.device)
    for i, a in enumerate(archs):
        arch = net.space.coerce(a)
        params = _path_params(model, arch)
        x, y = data[0]
        if "grad_norm" in proxies or "snip" in proxies:
            model.zero_grad(set_to_none=True)
            nn.functional.cross_entropy(model(x, arch), y).backward()
            if "grad_norm" in proxies:
                out["grad_norm"][i] = sum(float(p.grad.norm()) for _, p in params if p.grad is not None)
            if "snip" in proxies:
                out["snip"][i] = sum(float((p.grad * p.detach()).abs().sum()) for _, p in params if p.grad is not None)
        if syn is not None:
            syn.zero_grad(set_to_none=True)
            syn(ones, arch).sum().backward()
            out["synflow"][i] = sum(float((p.grad * p.detach()).sum()) for n, p in _path_params(syn, arch)
                                    if p.grad is not None)
        if "jacob_cov" in proxies:
            xg = x.detach().clone().requires_grad_(True)
            model.zero_grad(set_to_none=True)
            model(xg, arch).sum().backward()
            # a constant net (no path from input to output) has a zero Jacobian, and no gradient at all
            jac = (xg.grad if xg.grad is not None else torch.zeros_like(xg)).reshape(len(xg), -1).double()
            corr = torch.nan_to_num(torch.corrcoef(jac))
            ev = torch.linalg.eigvalsh(corr)
            out["jacob_cov"][i] = -float(torch.sum(torch.log(ev.clamp(min=0) + 1e-5) + 1.0 / (ev.clamp(min=0) + 1e-5)))
        if "zico" in proxies:
            grads: dict = {n: [] for n, _ in params}
            for xb, yb in data:
                model.zero_grad(set_to_none=True)
                nn.functional.cross_entropy(model(xb, arch), yb).backward()
                for n, p in params:
                    if p.grad is not None:
                        grads[n].append(p.grad.detach().reshape(-1).clone())
            total = 0.0
            for gs in grads.values():
                if len(gs) < 2:
                    continue
                g = torch.stack(gs)                                     # (batches, numel)
                std, mean = g.std(0), g.mean(0).abs()
                keep = std > 0
                s = float((mean[keep] / std[keep]).sum())
                if s > 0:
                    total += float(np.log(s))
            out["zico"][i] = total
    model.zero_grad(set_to_none=True)
    return out

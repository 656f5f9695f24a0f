"""Train a one-shot supernet (NB201 or NAONet-WS) on sampled single paths and score cells with its shared weights.

``OneShot(config).train(epochs, pool)`` runs SGD where every step draws ``paths_per_step`` cells (uniform
over the space, or over ``pool`` as NAO-WS does) and sums their gradients on the same batch;
``fair`` sampling makes those cells a random permutation of the ops on every edge, so each op of each edge
is trained exactly once per step (FairNAS); ``sandwich`` (NB201) adds the largest and the smallest cell to
every step (BigNAS's sandwich rule). ``config.space`` picks the network: ``nb201``
(:mod:`naoviz.child.supernet`) or ``naonet-ws`` (:mod:`naoviz.child.naonet_supernet`). ``scores(archs)``
is the accuracy (%) and mean cross-entropy of each cell on fixed, seeded held-out batches, BatchNorm on the
held-out batch's statistics or (``bn_eval="recal"``) on running statistics recalibrated per cell on fixed
training batches; ``rank_scores`` ranks by accuracy, minus loss or minus a zero-cost proxy (``score``). Every
random choice follows ``seed``. The searchers' ``supernet`` evaluator over it is
:mod:`naoviz.child.supernet_evaluator`; its config, :class:`SupernetConfig`, is :mod:`naoviz.child.supernet_config`.
"""
from __future__ import annotations

import math
import time
from typing import Optional, Sequence

import numpy as np
import torch
from torch import nn

from naoviz.child.data import ChildData, augment_batch, load_data
from naoviz.child.supernet import NB201SuperNet, SupernetShape, connected, set_bn_batch_stats
# The config and its per-space defaults live in naoviz.child.supernet_config; importable from here.
from naoviz.child.supernet_config import (BN_EVALS, MAX_SEED, SAMPLINGS, SCORES, SPACE_DEFAULTS, SPACES,  # noqa: F401
                                          SupernetConfig)
from naoviz.errors import show
from naoviz.spaces import get_space
from naoviz.spaces.nb201 import EDGES, OPS

__all__ = ["OneShot", "LARGEST", "SMALLEST", "SupernetConfig", "SPACE_DEFAULTS", "SPACES", "SAMPLINGS", "BN_EVALS",
           "SCORES", "MAX_SEED"]


def _uniform_cells(rng: np.random.Generator, n: int, skip_disconnected: bool) -> list[tuple]:
    out = []
    while len(out) < n:
        cell = tuple(int(v) for v in rng.integers(0, len(OPS), size=len(EDGES)))
        if connected(cell) or not skip_disconnected:
            out.append(cell)
    return out


def _fair_cells(rng: np.random.Generator, n: int, skip_disconnected: bool) -> list[tuple]:
    """``n`` cells in groups of 5: per group, edge e takes the ops of a random permutation (each op once).
    A disconnected cell of a group is dropped (its ops are trained by the other groups' draws)."""
    out = []
    for _ in range(n // len(OPS)):
        perms = np.stack([rng.permutation(len(OPS)) for _ in EDGES], axis=1)       # (5, 6)
        out += [tuple(int(v) for v in row) for row in perms
                if connected(tuple(row)) or not skip_disconnected]
    return out


def _view_offsets(pad: int) -> list[tuple[int, int]]:
    """The shifts (dy, dx) of the held-out views, |dy|, |dx| <= ``pad`` (the training crop's padding): the
    unshifted images first, then nearer shifts before farther ones, in a fixed order."""
    return sorted(((dy, dx) for dy in range(-pad, pad + 1) for dx in range(-pad, pad + 1)),
                  key=lambda o: (abs(o[0]) + abs(o[1]), max(abs(o[0]), abs(o[1])), -o[0], -o[1]))


def _shift(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """``x`` (B, C, H, W) moved by (dy, dx) pixels, zeros shifted in: one of the training crop's offsets."""
    if not dy and not dx:
        return x
    p = max(abs(dy), abs(dx))
    h, w = x.shape[-2:]
    xp = nn.functional.pad(x, (p,) * 4)
    out = xp[..., p - dy:p - dy + h, p - dx:p - dx + w]
    return out.contiguous(memory_format=torch.channels_last) if x.is_contiguous(
        memory_format=torch.channels_last) and not x.is_contiguous() else out.contiguous()


# The sandwich rule's two extra cells per step (BigNAS; here by the number of weighted ops): the largest
# (a 3x3 convolution on every edge) and the smallest connected one (one skip edge 0 -> 3, the rest none).
LARGEST = tuple([OPS.index("nor_conv_3x3")] * len(EDGES))
SMALLEST = tuple(OPS.index("skip_connect") if (s, d) == (0, 3) else OPS.index("none") for s, d in EDGES)


class OneShot:
    """The supernet, its optimiser and its data on one device; :meth:`train` and :meth:`evaluate`."""

    def __init__(self, config: Optional[SupernetConfig] = None, data: Optional[ChildData] = None):
        from naoviz.child.trainer import resolve_device
        from naoviz.errors import check_type
        check_type(config, (SupernetConfig, type(None)), "config", "a SupernetConfig (SupernetConfig.for_space("
                   "'nb201')) or None")
        check_type(data, (ChildData, type(None)), "data", "a ChildData (naoviz.child.load_data) or None")
        self.config = c = (config or SupernetConfig()).validate()
        self.device = resolve_device(c.device)
        torch.set_num_threads(c.threads)
        self.space = get_space(c.space)
        self.data = data if data is not None else load_data(c.data, seed=0)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(c.seed)
            shape = SupernetShape(c.channels, c.cells, self.data.num_classes, self.data.image_shape[0], c.affine)
            if c.space == "nb201":
                self.model = NB201SuperNet(shape).to(self.device)
            else:
                from naoviz.child.naonet_supernet import NAONetWSSuperNet
                self.model = NAONetWSSuperNet(shape).to(self.device)
        set_bn_batch_stats(self.model)
        if c.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=c.lr, momentum=c.momentum,
                                         weight_decay=c.weight_decay)
        self.mean = torch.tensor(self.data.mean, device=self.device).view(1, -1, 1, 1)
        self.std = torch.tensor(self.data.std, device=self.device).view(1, -1, 1, 1)
        n_train = len(self.data.train[1])
        self.steps_per_epoch = math.ceil(n_train / c.batch_size)
        self.total_steps = self.steps_per_epoch * c.epochs
        self.epoch = 0                       # epochs trained so far (the schedule and seeds follow it)
        self.train_time_s = 0.0
        self._eval = {"valid": self._held_out(self.data.valid), "test": self._held_out(self.data.test)}
        self._recal: Optional[list] = None

    # -- pieces -----------------------------------------------------------------------------------
    def _held_out(self, split) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """``eval_batches`` fixed batches of ``split`` (a seeded order; the whole split when it is small)."""
        c = self.config
        x, y = split
        order = torch.randperm(len(y), generator=torch.Generator().manual_seed(c.seed + 7))
        batches = []
        for b in range(c.eval_batches):
            idx = order[(b * c.eval_batch_size) % len(y):][:c.eval_batch_size]
            if len(idx) == 0:
                break
            batches.append((self._prepare(x[idx]), y[idx].to(self.device)))
        offsets = _view_offsets(self.data.augment.get("crop_pad", 0))
        if c.eval_views > len(offsets):
            raise ValueError(f"supernet: eval_views must be <= {len(offsets)} for data {self.data.name} "
                             f"(shifts by <= its crop padding), got {c.eval_views}")
        return [(_shift(xb, dy, dx), yb) for dy, dx in offsets[:c.eval_views] for xb, yb in batches]

    def _prepare(self, x_uint8: torch.Tensor) -> torch.Tensor:
        x = (x_uint8.to(self.device).float() - self.mean) / self.std
        return x.contiguous(memory_format=torch.channels_last) if self.config.channels_last else x

    def _lr(self, step: int) -> float:
        c = self.config
        t = min(step / max(self.total_steps, 1), 1.0)
        return c.lr_min + 0.5 * (c.lr - c.lr_min) * (1 + math.cos(math.pi * t))

    def sample_cells(self, rng: np.random.Generator, pool: Optional[Sequence[tuple]] = None) -> list[tuple]:
        """The cells of one step: from ``pool`` uniformly when given (NAO-WS), else the whole space."""
        c = self.config
        if pool is not None:
            return [tuple(pool[int(i)]) for i in rng.integers(0, len(pool), size=c.paths_per_step)]
        if c.space == "naonet-ws":
            from naoviz.child.naonet_supernet import fair_cells, uniform_cells
            return (fair_cells if c.sampling == "fair" else uniform_cells)(rng, c.paths_per_step, self.space)
        if c.sampling == "fair":
            return _fair_cells(rng, c.paths_per_step, c.skip_disconnected)
        if c.sampling == "sandwich":
            return [LARGEST, SMALLEST] + _fair_cells(rng, c.paths_per_step, c.skip_disconnected)
        return _uniform_cells(rng, c.paths_per_step, c.skip_disconnected)

    def connected(self, arch) -> bool:
        """Whether the cell's output depends on its input (every NAONet-WS cell does)."""
        return connected(arch) if self.config.space == "nb201" else True

    # -- training ---------------------------------------------------------------------------------
    def train(self, epochs: int = 1, pool: Optional[Sequence[tuple]] = None) -> dict:
        """Run ``epochs`` more epochs (the cosine schedule spans ``config.epochs`` in all); returns the mean
        training loss and the time taken. Epoch k's batch order, augmentation and cells come from (seed, k)."""
        c = self.config
        if pool is not None:
            pool = [self.space.validate(a) for a in pool]
            if not pool:
                raise ValueError("supernet: the pool to sample from is empty")
        x_all, y_all = self.data.train
        crop, flip = self.data.augment.get("crop_pad", 0), self.data.augment.get("flip", False)
        self.model.train()
        loss_sum, count, t0 = 0.0, 0, time.perf_counter()
        for _ in range(int(epochs)):
            gen = torch.Generator().manual_seed(c.seed * 1_000_003 + self.epoch)
            rng = np.random.default_rng([c.seed, self.epoch])
            order = torch.randperm(len(y_all), generator=gen)
            for s in range(self.steps_per_epoch):
                idx = order[s * c.batch_size:(s + 1) * c.batch_size]
                if len(idx) < 2:                   # BatchNorm needs two samples
                    continue
                for group in self.optimizer.param_groups:
                    group["lr"] = self._lr(self.epoch * self.steps_per_epoch + s)
                x = augment_batch(self._prepare(x_all[idx]), crop, flip, 0, gen)
                if c.channels_last:
                    x = x.contiguous(memory_format=torch.channels_last)
                y = y_all[idx].to(self.device)
                cells = self.sample_cells(rng, pool)
                self.optimizer.zero_grad(set_to_none=True)
                for cell in cells:
                    loss = nn.functional.cross_entropy(self.model(x, cell), y)
                    loss.backward()                    # summed, as FairNAS accumulates its paths
                    loss_sum, count = loss_sum + float(loss.detach()), count + 1
                if c.grad_clip > 0:
                    nn.utils.clip_grad_norm_(self.model.parameters(), c.grad_clip)
                self.optimizer.step()
            self.epoch += 1
        took = time.perf_counter() - t0
        self.train_time_s += took
        return {"epochs": self.epoch, "train_loss": loss_sum / max(count, 1), "time_s": took}

    # -- evaluation -------------------------------------------------------------------------------
    def _recal_batches(self) -> list[torch.Tensor]:
        """``recal_batches`` fixed training batches (seeded, no augmentation), each ``(batch_size, C, H, W)``."""
        c = self.config
        if self._recal is None:
            x, y = self.data.train
            order = torch.randperm(len(y), generator=torch.Generator().manual_seed(c.seed + 11))
            self._recal = [self._prepare(x[order[(b * c.batch_size) % len(y):][:c.batch_size]])
                           for b in range(c.recal_batches)]
        return self._recal

    @torch.no_grad()
    def recalibrate(self, arch) -> None:
        """Give every BatchNorm running statistics for the path ``arch`` alone: reset them, forward the fixed
        training batches in train mode (cumulative average, ``momentum=None``) and leave the net in eval
        mode, so the next forward normalises with them, as a standalone net is evaluated.
        :meth:`use_batch_stats` undoes it (training does first)."""
        cell = self.space.coerce(arch)
        for m in self.model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.track_running_stats, m.momentum = True, None
                m.running_mean = torch.zeros(m.num_features, device=self.device)
                m.running_var = torch.ones(m.num_features, device=self.device)
                m.num_batches_tracked = torch.zeros((), dtype=torch.long, device=self.device)
        self.model.train()
        for x in self._recal_batches():
            self.model(x, cell)
        self.model.eval()

    def use_batch_stats(self) -> None:
        """Back to BatchNorm on batch statistics (no running averages), the supernet's training mode."""
        set_bn_batch_stats(self.model)
        self.model.train()

    @torch.no_grad()
    def scores(self, archs: Sequence, split: str = "valid") -> dict:
        """Accuracy (%) and mean cross-entropy of each cell on the held-out batches of ``split`` (``valid``
        or ``test``): ``{"acc": (n,), "loss": (n,)}``. BatchNorm per ``config.bn_eval``: ``batch`` normalises
        with the held-out batch's own statistics, ``recal`` with running statistics of the cell's path
        gathered on fixed training batches (:meth:`recalibrate`)."""
        if split not in self._eval:
            raise ValueError(f"supernet: split must be valid or test, got {show(split)}")
        recal = self.config.bn_eval == "recal"
        acc, loss = np.zeros(len(archs)), np.zeros(len(archs))
        batches = self._eval[split]
        total = sum(len(y) for _, y in batches)
        self.use_batch_stats()    # BN on batch statistics; train mode keeps that explicit
        try:
            for i, arch in enumerate(archs):
                cell = self.space.coerce(arch)
                if recal:
                    self.recalibrate(cell)
                correct, nll = 0, 0.0
                for x, y in batches:
                    logits = self.model(x, cell)
                    correct += int((logits.argmax(1) == y).sum())
                    nll += float(nn.functional.cross_entropy(logits, y, reduction="sum"))
                acc[i], loss[i] = 100.0 * correct / total, nll / total
        finally:
            if recal:
                self.use_batch_stats()
        return {"acc": acc, "loss": loss}

    def evaluate(self, archs: Sequence, split: str = "valid") -> np.ndarray:
        """Accuracy (%) of each cell on the held-out batches of ``split`` (``valid`` or ``test``), ``(n,)``."""
        return self.scores(archs, split)["acc"]

    def rank_scores(self, archs: Sequence, split: str = "valid", scores: Optional[dict] = None) -> np.ndarray:
        """What ranks the cells, higher = better, ``(n,)``: accuracy (%) with ``score="acc"``, minus the mean
        held-out cross-entropy with ``score="loss"`` (finer than accuracy on a few hundred images), minus the
        ``jacob_cov`` zero-cost proxy of each cell's path through the trained supernet with ``score="jacob"``
        (``proxy_batch`` seeded training images; :mod:`naoviz.child.zero_cost`; read backwards because on the
        digits table cells whose input Jacobians are more alike across images ranked higher, docs/supernet.md),
        or with ``score="jacob_loss"`` the mean of each cell's rank by that and its rank by minus loss among
        ``archs``, in (0, 1] (a rank-sum: one cell far out on the proxy cannot outweigh the loss).
        ``scores``: this split's :meth:`scores` of ``archs`` when already computed (acc and loss)."""
        c = self.config
        if c.score in ("jacob", "jacob_loss"):
            from naoviz.child.zero_cost import proxy_scores
            out = -proxy_scores(self, archs, ["jacob_cov"], batch=c.proxy_batch, seed=c.seed)["jacob_cov"]
            alive = np.array([self.connected(self.space.coerce(a)) for a in archs], dtype=bool)
            if alive.any() and not alive.all():      # a constant net has no Jacobian: rank it last
                out[~alive] = out[alive].min() - 1.0
            if c.score == "jacob":
                return out
            from scipy.stats import rankdata
            s = scores if scores is not None else self.scores(archs, split)
            # ranks, not values: a cell far out on the proxy (what NAO's steps find) counts as one place
            return (rankdata(out) + rankdata(-s["loss"])) / (2.0 * len(out))
        s = scores if scores is not None else self.scores(archs, split)
        return s["acc"] if c.score == "acc" else -s["loss"]

    def state(self) -> dict:
        """Weights and progress (tensors on the CPU), enough for :meth:`load_state` to continue exactly."""
        return {"model": {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()},
                "optimizer": self.optimizer.state_dict(), "epoch": self.epoch}

    def load_state(self, state: dict) -> "OneShot":
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.epoch = int(state["epoch"])
        return self

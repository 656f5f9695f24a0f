"""Train one child network: SGD + momentum, cosine LR, weight decay, grad clip, crop/flip/cutout,
auxiliary loss, checkpoints every epoch (resumable), seeded; bf16 + channels_last (+ compile) on CUDA.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional, Union

import torch
from torch import nn

from naoviz.child.build import NetOptions, build_network
from naoviz.child.checkpoint import load_checkpoint, save_checkpoint
from naoviz.child.data import ChildData, augment_batch
from naoviz.child.ops import count_params
from naoviz.errors import NaovizError, check_function, check_type, show
from naoviz.spaces import SearchSpace, get_space


@dataclass
class TrainConfig:
    """Training recipe (defaults: PT-V1 final training, spec H.3, minus the 600 epochs)."""

    epochs: int = 10
    batch_size: int = 128
    lr: float = 0.025
    lr_min: float = 0.0
    momentum: float = 0.9
    weight_decay: float = 3e-4
    grad_clip: float = 5.0
    aux_weight: float = 0.4
    cutout: Optional[int] = None       # None: the dataset's default (16 for CIFAR, 0 otherwise)
    seed: int = 0
    device: str = "auto"
    compile: bool = False              # torch.compile (CUDA only)
    amp: bool = True                   # bf16 autocast (CUDA only)
    channels_last: bool = True         # CUDA only
    eval_batch_size: int = 500
    progress: bool = True
    checkpoint_dir: Optional[str] = None

    def to_dict(self) -> dict:
        return asdict(self)

    def validate(self) -> "TrainConfig":
        """``ValueError`` naming the first bad field: ints are ints (not bool), numbers finite and in range."""
        def bad(name, why):
            raise ValueError(f"train: {name} must be {why}, got {show(getattr(self, name))}")

        def number(v) -> bool:
            return not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)

        for name, lo, hi in (("epochs", 1, 10_000), ("batch_size", 1, 65_536), ("eval_batch_size", 1, 100_000),
                             ("seed", 0, MAX_SEED)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                bad(name, f"an int in {lo}..{hi}")
        if self.cutout is not None and (isinstance(self.cutout, bool) or not isinstance(self.cutout, int)
                                        or not 0 <= self.cutout <= 64):
            bad("cutout", "None or an int in 0..64")
        for name, lo, hi, lo_open in (("lr", 0.0, 10.0, True), ("lr_min", 0.0, 10.0, False),
                                      ("momentum", 0.0, 0.999, False), ("weight_decay", 0.0, 1.0, False),
                                      ("grad_clip", 0.0, 1e6, False), ("aux_weight", 0.0, 10.0, False)):
            v = getattr(self, name)
            if not number(v) or not (v > lo if lo_open else v >= lo) or v > hi:
                bad(name, f"a finite number in {'(' if lo_open else '['}{lo:g}, {hi:g}]")
        if self.lr_min > self.lr:
            bad("lr_min", f"<= lr ({self.lr:g})")
        if not isinstance(self.device, str):
            bad("device", "a device name (auto, cpu, cuda, cuda:N, mps)")
        for name in ("compile", "amp", "channels_last", "progress"):
            if not isinstance(getattr(self, name), bool):
                bad(name, "True or False")
        if self.checkpoint_dir is not None and not isinstance(self.checkpoint_dir, (str, Path)):
            bad("checkpoint_dir", "None or a folder path")
        return self


MAX_SEED = 2**32 - 1       # the trainer seeds torch with seed * 1_000_003 + epoch, which must fit in int64


@dataclass
class TrainResult:
    """Final metrics (accuracies in percent, like the benchmark tables) and the per-epoch history."""

    space: str
    arch: str
    data: str
    device: str
    params: int
    epochs: int
    train_loss: float
    train_acc: float
    valid_loss: float
    valid_acc: float
    best_valid_acc: float
    test_loss: float
    test_acc: float
    wall_time_s: float
    images_per_s: float
    resumed_from_epoch: int = 0
    history: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def resolve_device(name: str = "auto") -> torch.device:
    """``auto``: CUDA, then Apple MPS, then CPU; a named device must be available."""
    mps = getattr(torch.backends, "mps", None)
    has_mps = mps is not None and mps.is_available()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu")
    try:
        dev = torch.device(name)
    except (RuntimeError, TypeError, ValueError):
        dev = None
    if dev is None or dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device: unknown device {show(name)}; expected auto, cpu, cuda, cuda:N or mps")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise NaovizError(f"device: {name!r} requested but CUDA is not available; use --device auto or cpu")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise NaovizError(f"device: {name!r} requested but only {torch.cuda.device_count()} CUDA device(s) "
                          "are visible; use --device cuda")
    if dev.type == "mps" and not has_mps:
        raise NaovizError(f"device: {name!r} requested but MPS is not available; use --device auto or cpu")
    return dev


def _is_oom(exc: BaseException) -> bool:
    oom = getattr(torch, "OutOfMemoryError", None) or getattr(torch.cuda, "OutOfMemoryError", ())
    return isinstance(exc, oom) or "out of memory" in str(exc).lower()


class ChildTrainer:
    """Holds the model, optimizer and data on one device; :meth:`fit` runs the epochs."""

    def __init__(self, space: Union[str, SearchSpace], arch, data: ChildData,
                 config: Optional[TrainConfig] = None, net: Optional[NetOptions] = None):
        check_type(data, ChildData, "data", "a ChildData (naoviz.child.load_data('digits'))")
        check_type(config, (TrainConfig, type(None)), "config", "a TrainConfig or None")
        check_type(net, (NetOptions, type(None)), "net", "a NetOptions or None")
        self.space = get_space(space) if isinstance(space, str) else check_type(
            space, SearchSpace, "space", "a space name or a SearchSpace (naoviz.spaces.get_space('nb201'))")
        self.arch = self.space.coerce(arch)
        config = (config or TrainConfig()).validate()
        self.data, self.config, self.net_options = data, config, (net or NetOptions()).validate()
        self.device = resolve_device(config.device)
        self.cuda = self.device.type == "cuda"
        torch.manual_seed(config.seed)
        c_in = data.image_shape[0]
        self.model = build_network(self.space, self.arch, data.num_classes, c_in, self.net_options).to(self.device)
        if self.cuda and config.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.forward = torch.compile(self.model) if (config.compile and self.cuda) else self.model
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=config.lr, momentum=config.momentum,
                                         weight_decay=config.weight_decay)
        self.mean = torch.tensor(data.mean, device=self.device).view(1, -1, 1, 1)
        self.std = torch.tensor(data.std, device=self.device).view(1, -1, 1, 1)
        self.cutout = data.augment.get("cutout", 0) if config.cutout is None else config.cutout
        # On CUDA the uint8 images live on the GPU (CIFAR-10 is 150 MB), so batches never cross PCIe.
        move = (lambda t: t.to(self.device)) if self.cuda else (lambda t: t)
        self.splits = {k: tuple(move(t) for t in getattr(data, k)) for k in ("train", "valid", "test")}
        self.params = count_params(self.model, skip="aux")

    # -- pieces ---------------------------------------------------------------------------------
    def fingerprint(self) -> dict:
        """What must match for a checkpoint to be resumed."""
        keep = ("epochs", "batch_size", "lr", "lr_min", "momentum", "weight_decay", "grad_clip",
                "aux_weight", "cutout", "seed")
        return {"space": self.space.name, "arch": self.space.format(self.arch), "data": self.data.name,
                "sizes": self.data.sizes(), "net": self.net_options.to_dict(),
                **{k: getattr(self.config, k) for k in keep}}

    def _prepare(self, x_uint8: torch.Tensor) -> torch.Tensor:
        x = (x_uint8.to(self.device, non_blocking=True).float() - self.mean) / self.std
        return x.contiguous(memory_format=torch.channels_last) if self.cuda and self.config.channels_last else x

    def _autocast(self):
        return torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.cuda and self.config.amp)

    def _lr(self, step: int, total: int) -> float:
        c = self.config
        return c.lr_min + 0.5 * (c.lr - c.lr_min) * (1 + math.cos(math.pi * step / max(total, 1)))

    @torch.no_grad()
    def evaluate(self, split) -> tuple[float, float]:
        """``(mean cross-entropy, accuracy %)`` on ``split`` = (images uint8, labels)."""
        self.model.eval()
        x_all, y_all = split
        loss_sum = torch.zeros((), device=self.device)
        correct = torch.zeros((), device=self.device, dtype=torch.long)
        for i in range(0, len(y_all), self.config.eval_batch_size):
            x = self._prepare(x_all[i:i + self.config.eval_batch_size])
            y = y_all[i:i + self.config.eval_batch_size].to(self.device)
            with self._autocast():
                logits = self.forward(x).float()
            loss_sum += nn.functional.cross_entropy(logits, y, reduction="sum")
            correct += (logits.argmax(1) == y).sum()
        n = max(len(y_all), 1)
        return float(loss_sum) / n, 100.0 * float(correct) / n

    def train_epoch(self, epoch: int) -> dict:
        """One pass over the training split in a seeded order; returns the epoch's logs."""
        c = self.config
        x_all, y_all = self.splits["train"]
        n = len(y_all)
        steps = math.ceil(n / c.batch_size)
        total = steps * c.epochs
        gen = torch.Generator().manual_seed(c.seed * 1_000_003 + epoch)
        torch.manual_seed(c.seed * 1_000_003 + epoch)           # dropout / drop-path stream
        order = torch.randperm(n, generator=gen)
        self.model.train()
        loss_sum = torch.zeros((), device=self.device)
        correct = torch.zeros((), device=self.device, dtype=torch.long)
        t0 = time.perf_counter()
        for s in range(steps):
            idx = order[s * c.batch_size:(s + 1) * c.batch_size].to(x_all.device)
            global_step = epoch * steps + s
            for group in self.optimizer.param_groups:
                group["lr"] = self._lr(global_step, total)
            self.model.set_progress(global_step / total)
            x = self._prepare(x_all[idx])
            x = augment_batch(x, self.data.augment.get("crop_pad", 0), self.data.augment.get("flip", False),
                              self.cutout, gen)
            y = y_all[idx].to(self.device)
            with self._autocast():
                logits, aux = self.forward(x, with_aux=True)
                loss = nn.functional.cross_entropy(logits.float(), y)
                total_loss = loss
                if aux is not None and c.aux_weight > 0:
                    total_loss = loss + c.aux_weight * nn.functional.cross_entropy(aux.float(), y)
            self.optimizer.zero_grad(set_to_none=True)
            total_loss.backward()
            if c.grad_clip > 0:
                nn.utils.clip_grad_norm_(self.model.parameters(), c.grad_clip)
            self.optimizer.step()
            loss_sum += loss.detach() * len(idx)
            correct += (logits.detach().argmax(1) == y).sum()
        train_time = time.perf_counter() - t0
        valid_loss, valid_acc = self.evaluate(self.splits["valid"])
        return {"epoch": epoch, "lr": self._lr((epoch + 1) * steps, total),
                "train_loss": float(loss_sum) / n, "train_acc": 100.0 * float(correct) / n,
                "valid_loss": valid_loss, "valid_acc": valid_acc,
                "train_time_s": train_time, "time_s": time.perf_counter() - t0}

    # -- the loop -------------------------------------------------------------------------------
    def fit(self, callback: Optional[Callable[[int, dict], None]] = None) -> TrainResult:
        """Train (resuming from ``checkpoint_dir`` when it holds this run) and test; see TrainResult."""
        check_function(callback, "callback", "a function of (epoch, logs)")
        c = self.config
        history: list[dict] = []
        start = 0
        ckpt = Path(c.checkpoint_dir) if c.checkpoint_dir else None
        if ckpt is not None:
            meta = load_checkpoint(ckpt, self.model, self.optimizer, self.fingerprint())
            if meta is not None:
                history, start = meta["history"], int(meta["epoch"])
        from tqdm.auto import tqdm

        from naoviz.progress import echo_bar

        bar = echo_bar(tqdm, total=c.epochs, initial=start, desc=f"{self.space.name} {self.data.name}",
                       unit="epoch", disable=not c.progress, leave=False)   # room for a "^C" echo
        try:
            for epoch in range(start, c.epochs):
                logs = self.train_epoch(epoch)
                history.append(logs)
                if ckpt is not None:
                    save_checkpoint(ckpt, self.model, self.optimizer,
                                    {"fingerprint": self.fingerprint(), "epoch": epoch + 1, "history": history})
                bar.update(1)
                bar.set_postfix(loss=f"{logs['train_loss']:.3f}", valid=f"{logs['valid_acc']:.1f}%")
                if callback is not None:
                    callback(epoch, dict(logs))
            test_loss, test_acc = self.evaluate(self.splits["test"])
        except RuntimeError as exc:
            if _is_oom(exc):
                if self.cuda:
                    torch.cuda.empty_cache()
                raise NaovizError(f"train: out of memory on {self.device} at batch size {c.batch_size}; "
                                  f"try --batch-size {max(1, c.batch_size // 2)}") from None
            raise
        finally:
            bar.close()
        last = history[-1] if history else {}
        train_time = sum(h["train_time_s"] for h in history)
        return TrainResult(
            space=self.space.name, arch=self.space.format(self.arch), data=self.data.name,
            device=str(self.device), params=self.params, epochs=len(history),
            train_loss=last.get("train_loss", float("nan")), train_acc=last.get("train_acc", float("nan")),
            valid_loss=last.get("valid_loss", float("nan")), valid_acc=last.get("valid_acc", float("nan")),
            best_valid_acc=max((h["valid_acc"] for h in history), default=float("nan")),
            test_loss=test_loss, test_acc=test_acc,
            wall_time_s=sum(h["time_s"] for h in history),
            images_per_s=len(self.data.train[1]) * len(history) / train_time if train_time else 0.0,
            resumed_from_epoch=start, history=history)


def train_child(space: Union[str, SearchSpace], arch, data: ChildData, config: Optional[TrainConfig] = None,
                net: Optional[NetOptions] = None,
                callback: Optional[Callable[[int, dict], None]] = None) -> TrainResult:
    """Build the child net of ``arch`` and train it on ``data``; see :class:`ChildTrainer`."""
    check_function(callback, "callback", "a function of (epoch, logs)")
    return ChildTrainer(space, arch, data, config, net).fit(callback)

"""Datasets for the child trainer: sklearn digits (offline default), CIFAR-10/100, synthetic tensors, and
your own images (``imagefolder:PATH``, naoviz.child.imagefolder).

Every dataset is held as uint8 images ``(n, C, H, W)`` plus int64 labels; the trainer normalises
batches on the device with ``mean``/``std`` (per channel, in 0..255 units) and applies the
augmentations named in ``augment``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from naoviz.child.cifar import read_cifar
from naoviz.child.imagefolder import folder_of, is_imagefolder
from naoviz.errors import check_count, show
from naoviz.paths import data_dir

DATASETS = ("digits", "cifar10", "cifar100", "synthetic")       # and imagefolder:PATH
Split = tuple[torch.Tensor, torch.Tensor]       # images uint8 (n, C, H, W), labels int64 (n,)


@dataclass
class ChildData:
    """Train/valid/test splits and how to normalise and augment them."""

    name: str
    train: Split
    valid: Split
    test: Split
    num_classes: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    augment: dict = field(default_factory=dict)    # crop_pad (int), flip (bool), cutout (int)
    classes: tuple = ()                            # class names where the data has them (imagefolder)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.train[0].shape[1:])

    def sizes(self) -> dict:
        return {k: int(getattr(self, k)[0].shape[0]) for k in ("train", "valid", "test")}


def _split(x: np.ndarray, y: np.ndarray, n_valid: int, n_test: int, seed: int):
    """Shuffle with ``seed`` and cut into train / valid / test (each split at least one image)."""
    for name, n in (("valid", n_valid), ("test", n_test)):
        check_count(n, f"data: {name}", 1, len(x))
    if n_valid + n_test >= len(x):
        raise ValueError(f"data: valid + test must leave training images, got valid={n_valid}, test={n_test} "
                         f"of {len(x)} images")
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    a, b = len(x) - n_valid - n_test, len(x) - n_test
    return (x[:a], y[:a]), (x[a:b], y[a:b]), (x[b:], y[b:])


def _stats(x: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    flat = x.transpose(1, 0, 2, 3).reshape(x.shape[1], -1).astype(np.float64)
    return tuple(float(v) for v in flat.mean(1)), tuple(float(max(v, 1e-3)) for v in flat.std(1))


def _tensors(*splits) -> list[Split]:
    return [(torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.asarray(y, dtype=np.int64)))
            for x, y in splits]


def load_digits_data(size: int = 16, seed: int = 0, valid: int = 360, test: int = 360) -> ChildData:
    """scikit-learn's bundled 1,797 handwritten 8x8 digits, upsampled (bilinear) to ``size`` x ``size``,
    3 identical channels so the nets are the CIFAR ones; 1,077 / 360 / 360 train/valid/test."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    img = torch.from_numpy(bunch.images.astype(np.float32) * (255.0 / 16.0))[:, None]      # (n, 1, 8, 8)
    if size != 8:
        img = torch.nn.functional.interpolate(img, size=(size, size), mode="bilinear", align_corners=False)
    x = img.clamp(0, 255).round().to(torch.uint8).repeat(1, 3, 1, 1).numpy()
    tr, va, te = _split(x, bunch.target.astype(np.int64), valid, test, seed)
    mean, std = _stats(tr[0])
    train, val, tst = _tensors(tr, va, te)
    return ChildData("digits", train, val, tst, 10, mean, std, {"crop_pad": max(1, size // 8), "flip": False})


def load_cifar_data(name: str = "cifar10", directory: Optional[Path] = None, valid: int = 5000,
                    seed: int = 0) -> ChildData:
    """CIFAR from the python archives in ``directory`` (default: the data dir); the last ``valid``
    shuffled training images form the validation split (45k/5k as in the NAO search)."""
    raw = read_cifar(name, Path(directory) if directory else data_dir())
    x, y = raw["train"]
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    valid = min(int(valid), len(x) - 1)
    tr, va = (x[:len(x) - valid], y[:len(x) - valid]), (x[len(x) - valid:], y[len(x) - valid:])
    mean, std = _stats(tr[0])
    train, val, tst = _tensors(tr, va, raw["test"])
    classes = 10 if name == "cifar10" else 100
    return ChildData(name, train, val, tst, classes, mean, std, {"crop_pad": 4, "flip": True, "cutout": 16})


def synthetic_data(n_train: int = 256, n_valid: int = 64, n_test: int = 64, num_classes: int = 4,
                   size: int = 16, channels: int = 3, seed: int = 0) -> ChildData:
    """Learnable random images: one smooth template per class plus noise (for fast tests)."""
    rng = np.random.default_rng(seed)
    templates = rng.uniform(0, 255, size=(num_classes, channels, 4, 4))
    templates = templates.repeat(size // 4, axis=2).repeat(size // 4, axis=3)
    n = n_train + n_valid + n_test
    y = rng.integers(0, num_classes, size=n)
    x = np.clip(templates[y] * 0.6 + rng.normal(0, 40, size=(n, channels, size, size)) + 50, 0, 255)
    tr, va, te = _split(x.astype(np.uint8), y, n_valid, n_test, seed)
    mean, std = _stats(tr[0])
    train, val, tst = _tensors(tr, va, te)
    return ChildData("synthetic", train, val, tst, num_classes, mean, std, {"crop_pad": 1, "flip": True})


def check_data_name(name: object) -> str:
    """``name`` as stored and loaded: a dataset of :data:`DATASETS`, or ``imagefolder:PATH`` with PATH made
    absolute (so a resumed run finds the folder from anywhere); ``ValueError`` naming the value otherwise."""
    if is_imagefolder(name):
        return f"imagefolder:{folder_of(name)}"
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f"data: unknown dataset {show(name)}; expected one of {', '.join(DATASETS)} "
                         "or imagefolder:PATH")
    return name


def load_data(name: str, seed: int = 0, directory: Optional[Path] = None, **options) -> ChildData:
    """A dataset by name: ``digits`` (offline default), ``cifar10``, ``cifar100``, ``synthetic`` or
    ``imagefolder:PATH`` (options: ``image_size``, ``valid_frac``, ``test_frac``; see naoviz.child.imagefolder)."""
    check_count(seed, "data: seed", 0, 2**32 - 1)
    if is_imagefolder(name):
        from naoviz.child.imagefolder import load_imagefolder
        return load_imagefolder(folder_of(name), seed=seed, **options)
    if name == "digits":
        return load_digits_data(seed=seed, **options)
    if name in ("cifar10", "cifar100"):
        return load_cifar_data(name, directory, seed=seed, **options)
    if name == "synthetic":
        return synthetic_data(seed=seed, **options)
    raise ValueError(f"data: unknown dataset {show(name)}; expected one of {', '.join(DATASETS)} or imagefolder:PATH")


def augment_batch(x: torch.Tensor, crop_pad: int = 0, flip: bool = False, cutout: int = 0,
                  generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Random crop (zero padding ``crop_pad``), horizontal flip and cutout on a float batch (B, C, H, W).

    Random numbers come from ``generator`` (CPU) so the result is reproducible on any device.
    """
    b, _, h, w = x.shape
    dev = x.device
    if crop_pad:
        xp = torch.nn.functional.pad(x, (crop_pad,) * 4)
        off = torch.randint(0, 2 * crop_pad + 1, (2, b), generator=generator).to(dev)
        rows = (torch.arange(h, device=dev)[None, :] + off[0][:, None])            # (B, H)
        cols = (torch.arange(w, device=dev)[None, :] + off[1][:, None])            # (B, W)
        bi = torch.arange(b, device=dev)[:, None, None]
        x = xp.permute(0, 2, 3, 1)[bi, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)
    if flip:
        flips = (torch.rand(b, generator=generator) < 0.5).to(dev)
        x = torch.where(flips[:, None, None, None], x.flip(3), x)
    if cutout:
        cy = torch.randint(0, h, (b,), generator=generator).to(dev)
        cx = torch.randint(0, w, (b,), generator=generator).to(dev)
        ys = torch.arange(h, device=dev)[None, :]
        xs = torch.arange(w, device=dev)[None, :]
        my = (ys >= cy[:, None] - cutout // 2) & (ys < cy[:, None] + cutout - cutout // 2)
        mx = (xs >= cx[:, None] - cutout // 2) & (xs < cx[:, None] + cutout - cutout // 2)
        hole = my[:, :, None] & mx[:, None, :]
        x = x * (~hole)[:, None].to(x.dtype)
    return x.contiguous()

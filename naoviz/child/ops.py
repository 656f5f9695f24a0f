"""Building blocks shared by the child networks (written from the NAS-Bench-201 / NAO descriptions).

All blocks map ``(B, C_in, H, W)`` to ``(B, C_out, H / stride, W / stride)``.
"""
from __future__ import annotations

import torch
from torch import nn


class ReLUConvBN(nn.Sequential):
    """ReLU -> Conv(k, stride, padding k//2, no bias) -> BN; ``kernel`` may be an int or ``(kh, kw)``."""

    def __init__(self, c_in: int, c_out: int, kernel, stride: int = 1, affine: bool = True):
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        super().__init__(nn.ReLU(inplace=False),
                         nn.Conv2d(c_in, c_out, (kh, kw), stride, (kh // 2, kw // 2), bias=False),
                         nn.BatchNorm2d(c_out, affine=affine))


class FactorizedConvBN(nn.Sequential):
    """ReLU -> Conv(1xk, stride) -> Conv(kx1) -> BN: the paper's ``conv 1xk+kx1`` op."""

    def __init__(self, c: int, k: int, stride: int = 1):
        super().__init__(nn.ReLU(inplace=False),
                         nn.Conv2d(c, c, (1, k), (1, stride), (0, k // 2), bias=False),
                         nn.Conv2d(c, c, (k, 1), (stride, 1), (k // 2, 0), bias=False),
                         nn.BatchNorm2d(c))


class SepConv(nn.Sequential):
    """Two stacked ReLU -> depthwise k x k -> pointwise 1x1 -> BN (the first one carries the stride)."""

    def __init__(self, c: int, k: int, stride: int = 1):
        layers = []
        for s in (stride, 1):
            layers += [nn.ReLU(inplace=False),
                       nn.Conv2d(c, c, k, s, k // 2, groups=c, bias=False),
                       nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c)]
        super().__init__(*layers)


class FactorizedReduce(nn.Module):
    """Halve H and W and map C_in -> C_out with two offset stride-2 1x1 convs concatenated, then BN."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv1 = nn.Conv2d(c_in, c_out // 2, 1, 2, bias=False)
        self.conv2 = nn.Conv2d(c_in, c_out - c_out // 2, 1, 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        shifted = nn.functional.pad(x[:, :, 1:, 1:], (0, 1, 0, 1))
        return self.bn(torch.cat([self.conv1(x), self.conv2(shifted)], dim=1))


class Pool(nn.Module):
    """Max or average pool of size k (count_include_pad=False); even k pads right/bottom by 1."""

    def __init__(self, kind: str, k: int, stride: int = 1):
        super().__init__()
        self.even = k % 2 == 0
        pad = 0 if self.even else k // 2
        if kind == "max":
            self.pool = nn.MaxPool2d(k, stride, pad)
        else:
            self.pool = nn.AvgPool2d(k, stride, pad, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.even:
            x = nn.functional.pad(x, (0, 1, 0, 1), mode="replicate")
        return self.pool(x)


class Zero(nn.Module):
    """The ``none`` op: zeros of the output shape."""

    def __init__(self, stride: int = 1):
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, ::self.stride, ::self.stride].mul(0.0)


def drop_path(x: torch.Tensor, drop_prob) -> torch.Tensor:
    """Zero whole samples of ``x`` (B, C, H, W) with prob ``drop_prob`` (float or 0-d tensor) and
    rescale the rest; a tensor probability keeps ``torch.compile`` from recompiling as it changes."""
    keep = 1.0 - drop_prob
    mask = (torch.rand(x.shape[0], 1, 1, 1, device=x.device) < keep).to(x.dtype)
    return x * mask / keep


def count_params(module: nn.Module, skip: str = "") -> int:
    """Trainable parameters of ``module``, leaving out parameters whose name starts with ``skip``."""
    return sum(p.numel() for n, p in module.named_parameters() if not (skip and n.startswith(skip)))

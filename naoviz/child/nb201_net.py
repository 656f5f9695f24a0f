"""NAS-Bench-201 macro network: stem (3x3 conv, C) -> 3 stages of N cells (C, 2C, 4C) with residual
stride-2 blocks between them -> BN-ReLU -> global pool -> linear. C=16, N=5 is the benchmark's net.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
from torch import nn

from naoviz.child.ops import Pool, ReLUConvBN, Zero
from naoviz.spaces.nb201 import EDGES, OPS, NB201Space


@dataclass
class NB201NetConfig:
    """Width ``channels`` (C), cells per stage ``cells`` (N), classes and input channels."""

    channels: int = 16
    cells: int = 5
    num_classes: int = 10
    in_channels: int = 3


def _op(name: str, c: int) -> nn.Module:
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(c, c, 1)
    if name == "nor_conv_3x3":
        return ReLUConvBN(c, c, 3)
    if name == "avg_pool_3x3":
        return Pool("avg", 3)
    raise ValueError(f"nb201: unknown op {name!r}")


class NB201Cell(nn.Module):
    """4-node cell; node j = sum of op(node i) over the edges i -> j that are not ``none``."""

    def __init__(self, arch, c: int):
        super().__init__()
        self.edges = [(src, dst, OPS[op]) for (src, dst), op in zip(EDGES, arch)]
        self.ops = nn.ModuleList(nn.Identity() if name == "none" else _op(name, c)
                                 for _, _, name in self.edges)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for dst in (1, 2, 3):
            terms = [op(nodes[src]) for (src, to, name), op in zip(self.edges, self.ops)
                     if to == dst and name != "none"]
            nodes.append(sum(terms[1:], terms[0]) if terms else torch.zeros_like(x))
        return nodes[3]


class ResBlock(nn.Module):
    """Residual reduction block: ReLUConvBN(3x3, stride 2) -> ReLUConvBN(3x3) plus avgpool+1x1 shortcut."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride=2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3)
        self.shortcut = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class NB201Net(nn.Module):
    """``forward(x (B, in_ch, H, W)) -> logits (B, classes)``; ``with_aux=True`` gives ``(logits, None)``."""

    def __init__(self, arch, config: Optional[NB201NetConfig] = None):
        super().__init__()
        arch = NB201Space().coerce(arch)
        config = config or NB201NetConfig()
        c, n = config.channels, config.cells
        self.config, self.arch = config, arch
        self.stem = nn.Sequential(nn.Conv2d(config.in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        layers: list[nn.Module] = []
        for stage, width in enumerate((c, 2 * c, 4 * c)):
            if stage:
                layers.append(ResBlock(width // 2, width))
            layers.extend(NB201Cell(arch, width) for _ in range(n))
        self.cells = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.BatchNorm2d(4 * c), nn.ReLU(inplace=False),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(4 * c, config.num_classes)

    def set_progress(self, fraction: float) -> None:
        """Training progress in [0, 1] (no drop-path in this net; kept for a common interface)."""

    def forward(self, x: torch.Tensor, with_aux: bool = False):
        logits = self.classifier(self.head(self.cells(self.stem(x))))
        return (logits, None) if with_aux else logits

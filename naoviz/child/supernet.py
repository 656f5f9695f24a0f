"""One-shot NB201 supernet: every edge holds all 5 ops; ``forward(x, arch)`` runs one path (weights shared).

Same macro skeleton as :class:`~naoviz.child.nb201_net.NB201Net` (stem, 3 stages of N cells at C, 2C, 4C,
residual reduction blocks, BN-ReLU-pool-linear), so a path computes exactly the network the standalone
trainer would build for that cell. Only the ops a path names are run, so only their weights get gradients.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from naoviz.child.nb201_net import ResBlock
from naoviz.child.ops import ReLUConvBN
from naoviz.spaces.nb201 import EDGES, OPS

NONE, SKIP = OPS.index("none"), OPS.index("skip_connect")


@dataclass
class SupernetShape:
    """Width ``channels`` (C), cells per stage ``cells`` (N), classes, input channels, BN affine in the ops."""

    channels: int = 8
    cells: int = 1
    num_classes: int = 10
    in_channels: int = 3
    affine: bool = True


class AvgPool3(nn.Module):
    """3x3 average pool, stride 1, ``count_include_pad=False`` (the ``avg_pool_3x3`` op), computed as a
    fixed depthwise box filter divided by the per-pixel window size: same numbers as ``nn.AvgPool2d``
    (to float rounding), about 4x faster on a CPU at these sizes."""

    def __init__(self, c: int):
        super().__init__()
        self.register_buffer("box", torch.ones(c, 1, 3, 3), persistent=False)
        self._count: dict = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        key = (h, w, x.device, x.dtype)
        if key not in self._count:
            ones = torch.ones(1, 1, h, w, device=x.device, dtype=x.dtype)
            self._count[key] = nn.functional.conv2d(ones, self.box[:1], padding=1)      # (1, 1, H, W)
        return nn.functional.conv2d(x, self.box.to(x.dtype), padding=1, groups=x.shape[1]) / self._count[key]


def _edge_ops(c: int, affine: bool) -> nn.ModuleList:
    """The 5 candidate ops of one edge, in ``OPS`` order (``none``, ``skip`` and the pool hold no weights)."""
    return nn.ModuleList([nn.Identity(), nn.Identity(), ReLUConvBN(c, c, 1, affine=affine),
                          ReLUConvBN(c, c, 3, affine=affine), AvgPool3(c)])


class SuperCell(nn.Module):
    """4-node cell with 5 ops per edge; node j = sum over its incoming edges of the chosen op (``none`` skipped)."""

    def __init__(self, c: int, affine: bool):
        super().__init__()
        self.edges = nn.ModuleList(_edge_ops(c, affine) for _ in EDGES)

    def forward(self, x: torch.Tensor, arch) -> torch.Tensor:
        nodes = [x]
        for dst in (1, 2, 3):
            terms = [self.edges[e][arch[e]](nodes[src]) for e, (src, to) in enumerate(EDGES)
                     if to == dst and arch[e] != NONE]
            nodes.append(sum(terms[1:], terms[0]) if terms else torch.zeros_like(x))
        return nodes[3]


class NB201SuperNet(nn.Module):
    """``forward(x (B, in_ch, H, W), arch (6 op ints)) -> logits (B, classes)`` along the path ``arch``."""

    def __init__(self, shape: SupernetShape):
        super().__init__()
        c, n = shape.channels, shape.cells
        self.shape = shape
        self.stem = nn.Sequential(nn.Conv2d(shape.in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        layers: list[nn.Module] = []
        for stage, width in enumerate((c, 2 * c, 4 * c)):
            if stage:
                layers.append(ResBlock(width // 2, width))
            layers.extend(SuperCell(width, shape.affine) for _ in range(n))
        self.layers = nn.ModuleList(layers)
        self.head = nn.Sequential(nn.BatchNorm2d(4 * c), nn.ReLU(inplace=False),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(4 * c, shape.num_classes)

    def forward(self, x: torch.Tensor, arch) -> torch.Tensor:
        x = self.stem(x)
        for layer in self.layers:
            x = layer(x, arch) if isinstance(layer, SuperCell) else layer(x)
        return self.classifier(self.head(x))

    def path_parameters(self, arch) -> list[str]:
        """Names of the parameters the path ``arch`` uses (shared skeleton + its ops' weights)."""
        used = []
        for name, _ in self.named_parameters():
            parts = name.split(".")
            if parts[0] == "layers" and parts[2] == "edges":
                if int(parts[4]) != arch[int(parts[3])]:
                    continue
            used.append(name)
        return used


def connected(arch) -> bool:
    """Whether the cell's output depends on its input: a path 0 -> 3 of edges that are not ``none``.
    A disconnected cell outputs zeros, so its network is a constant (10 % on 10 classes)."""
    reach = {0}
    for (src, dst), op in zip(EDGES, arch):       # edges are in topological order
        if op != NONE and src in reach:
            reach.add(dst)
    return 3 in reach


def set_bn_batch_stats(model: nn.Module) -> None:
    """Make every BatchNorm use batch statistics in train and eval mode (no running averages):
    a one-shot net's running averages mix all paths, so each sampled cell is normalised by its own batch."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.track_running_stats = False
            m.running_mean = m.running_var = m.num_batches_tracked = None

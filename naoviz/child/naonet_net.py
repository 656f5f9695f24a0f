"""NAONet macro network (reference spec H.1), written from the paper's description.

stem 3x3 conv to 3F + BN -> N normal, reduction, N normal, reduction, N normal cells (channels double
at each reduction) -> global pool -> dropout -> linear; auxiliary head after the second reduction cell.
Each cell sums two (op, input) branches per node and concatenates its loose ends. Branch outputs take
scheduled drop-path: drop prob = (1 - drop_path_keep) * (cell+1)/num_cells * training progress.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
from torch import nn

from naoviz.child.ops import FactorizedConvBN, FactorizedReduce, Pool, ReLUConvBN, SepConv, drop_path
from naoviz.spaces.naonet import CELL_LEN, NODES, NAONetSpace


@dataclass
class NAONetConfig:
    """F = ``channels`` (the first cells' width), N = ``cells`` normal cells per stage."""

    channels: int = 36
    cells: int = 6
    num_classes: int = 10
    in_channels: int = 3
    aux_head: bool = True
    drop_path_keep: float = 0.8      # PT-V1 final training default
    keep_prob: float = 0.6           # final dropout keep probability


def make_op(name: str, c: int, stride: int) -> nn.Module:
    """One op of either op set on ``c`` channels; stride 2 for reduction-cell ops reading a cell input."""
    if name == "identity":
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c)
    if name.startswith("sep_conv_"):
        return SepConv(c, int(name[-1]), stride)
    if name in ("conv_1x1", "conv_3x3"):
        return ReLUConvBN(c, c, int(name[-1]), stride)
    if name.startswith("conv_1x"):                       # conv_1x3_3x1, conv_1x7_7x1
        return FactorizedConvBN(c, int(name[len("conv_1x")]), stride)
    if name.startswith(("max_pool_", "avg_pool_")):
        return Pool(name[:3], int(name[-1]), stride)
    raise ValueError(f"naonet: unknown op {name!r}")


class NAONetCell(nn.Module):
    """One cell: ``forward(s0, s1, drop_prob) -> (B, len(concat) * C, H', W')``."""

    def __init__(self, cell: tuple, ops: tuple, c_pp: int, c_p: int, c: int,
                 reduction: bool, reduction_prev: bool):
        super().__init__()
        self.reduction = reduction
        self.pre0 = FactorizedReduce(c_pp, c) if reduction_prev else ReLUConvBN(c_pp, c, 1)
        self.pre1 = ReLUConvBN(c_p, c, 1)
        self.inputs = [cell[p] for p in range(0, CELL_LEN, 2)]          # 10 branch inputs
        self.branches = nn.ModuleList(
            make_op(ops[cell[p + 1]], c, 2 if reduction and cell[p] < 2 else 1) for p in range(0, CELL_LEN, 2))
        used = set(self.inputs)
        self.concat = [s for s in range(NODES + 2) if s not in used]
        # Loose-end cell inputs of a reduction cell must be downsampled to match the nodes.
        self.reduce_ends = nn.ModuleDict({str(s): FactorizedReduce(c, c) for s in self.concat
                                          if reduction and s < 2})
        self.out_channels = len(self.concat) * c

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, drop_prob=None) -> torch.Tensor:
        """``drop_prob``: None (no drop-path) or a float / 0-d tensor applied to every branch."""
        states = [self.pre0(s0), self.pre1(s1)]
        for node in range(NODES):
            total = None
            for b in (2 * node, 2 * node + 1):
                h = self.branches[b](states[self.inputs[b]])
                if self.training and drop_prob is not None:
                    h = drop_path(h, drop_prob)
                total = h if total is None else total + h
            states.append(total)
        outs = [self.reduce_ends[str(s)](states[s]) if str(s) in self.reduce_ends else states[s]
                for s in self.concat]
        return torch.cat(outs, dim=1)


class AuxHead(nn.Module):
    """ReLU, avgpool 5 stride 3 (to 2x2), 1x1 conv 128 + BN + ReLU, 2x2 conv 768 + BN + ReLU, linear."""

    def __init__(self, c: int, num_classes: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(c, 128, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(inplace=True),
            nn.Conv2d(128, 768, 2, bias=False), nn.BatchNorm2d(768), nn.ReLU(inplace=True))
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(x)
        if x.shape[-1] >= 5:
            x = nn.functional.avg_pool2d(x, 5, 3, count_include_pad=False)
        if x.shape[-1] != 2:                       # small inputs (digits): pool to 2x2 directly
            x = nn.functional.adaptive_avg_pool2d(x, 2)
        return self.classifier(self.features(x).flatten(1))


class NAONet(nn.Module):
    """``forward(x (B, in_ch, H, W)) -> logits (B, classes)``; ``forward(x, with_aux=True)`` returns
    ``(logits, aux_logits)`` (aux is None in eval mode or without the head)."""

    def __init__(self, arch, space: NAONetSpace, config: Optional[NAONetConfig] = None):
        super().__init__()
        arch = space.coerce(arch)
        config = config or NAONetConfig()
        self.config, self.arch, self.space_name = config, arch, space.name
        f, n = config.channels, config.cells
        self.num_cells = 3 * n + 2
        self.reduction_ids = (n, 2 * n + 1)
        self.stem = nn.Sequential(nn.Conv2d(config.in_channels, 3 * f, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(3 * f))
        c_pp, c_p, c = 3 * f, 3 * f, f
        reduction_prev = False
        self.cells = nn.ModuleList()
        self.aux: Optional[AuxHead] = None
        for i in range(self.num_cells):
            reduction = i in self.reduction_ids
            c = 2 * c if reduction else c
            cell_arch = arch[CELL_LEN:] if reduction else arch[:CELL_LEN]
            cell = NAONetCell(cell_arch, space.ops, c_pp, c_p, c, reduction, reduction_prev)
            self.cells.append(cell)
            reduction_prev = reduction
            c_pp, c_p = c_p, cell.out_channels
            if i == self.reduction_ids[1] and config.aux_head:
                self.aux = AuxHead(c_p, config.num_classes)
        self.dropout = nn.Dropout(1.0 - config.keep_prob)
        self.classifier = nn.Linear(c_p, config.num_classes)
        # progress as a 0-d buffer, so changing it never triggers a torch.compile recompilation
        self.register_buffer("progress", torch.zeros(()), persistent=False)

    def set_progress(self, fraction: float) -> None:
        """Training progress in [0, 1]; scales drop-path (0 at the start, full at the end)."""
        self.progress.fill_(float(min(max(fraction, 0.0), 1.0)))

    def forward(self, x: torch.Tensor, with_aux: bool = False):
        s0 = s1 = self.stem(x)
        aux = None
        drop = 1.0 - self.config.drop_path_keep
        for i, cell in enumerate(self.cells):
            p = drop * (i + 1) / self.num_cells * self.progress if drop > 0 else None
            s0, s1 = s1, cell(s0, s1, p)
            if self.aux is not None and self.training and i == self.reduction_ids[1]:
                aux = self.aux(s1)
        logits = self.classifier(self.dropout(nn.functional.adaptive_avg_pool2d(s1, 1).flatten(1)))
        return (logits, aux) if with_aux else logits

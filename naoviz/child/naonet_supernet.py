"""One-shot NAONet-WS supernet: every edge (input -> node) of a cell holds all 5 ops; ``forward(x, arch)`` runs one
path, so two cells that pick the same op on the same edge share its weights.

The NAONet macro skeleton of :mod:`naoviz.child.naonet_net` (stem 3x3 conv to 3F + BN; N normal cells, a
reduction cell, N normal, a reduction cell, N normal; channels doubling at each reduction; global pool, linear)
with the 5 ops of the NAO-WS space (sep conv 3x3 / 5x5, avg / max pool 3x3, identity). As in the NB201 supernet,
an op's weights belong to its edge: node i's op reading input j is one module whichever of the node's two
branches picks it (NAO-WS's ``model_search.py`` keeps the x and y branches apart, which halves the updates each
op gets from uniformly sampled paths). As in NAO-WS, a cell's loose ends are combined by a 1x1 convolution whose
weight slice per state is shared, so every cell outputs C channels whatever its loose ends (the standalone
NAONet concatenates them instead: a path is not the standalone network). No auxiliary head and no drop-path
during the search.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from naoviz.child.naonet_net import make_op
from naoviz.child.ops import FactorizedReduce, ReLUConvBN
from naoviz.child.supernet import SupernetShape
from naoviz.spaces.naonet import CELL_LEN, NODES, OP_SETS

OPS = OP_SETS["ws"][0]           # sep_conv_3x3, sep_conv_5x5, avg_pool_3x3, max_pool_3x3, identity


class WSCell(nn.Module):
    """One shared-weight cell: ``forward(s0 (B, c_pp, H, W), s1 (B, c_p, H', W'), cell (20 ints))`` ->
    ``(B, c, H'', W'')`` with H'' = H' / 2 in a reduction cell. ``ops[key(node, input, op)]``."""

    def __init__(self, c_pp: int, c_p: int, c: int, reduction: bool, reduction_prev: bool):
        super().__init__()
        self.reduction = reduction
        self.pre0 = FactorizedReduce(c_pp, c) if reduction_prev else ReLUConvBN(c_pp, c, 1)
        self.pre1 = ReLUConvBN(c_p, c, 1)
        ops = []
        for node in range(NODES):
            for inp in range(node + 2):
                stride = 2 if reduction and inp < 2 else 1
                ops.extend(make_op(name, c, stride) for name in OPS)
        self.ops = nn.ModuleList(ops)
        # A loose-end cell input of a reduction cell is downsampled to the nodes' size.
        self.reduce_ends = nn.ModuleList(FactorizedReduce(c, c) for _ in range(2)) if reduction else None
        # Loose ends -> C: a 1x1 conv on their concatenation, state s using the slice combine[s].
        self.combine = nn.Parameter(torch.empty(NODES + 2, c, c))
        bound = 1.0 / math.sqrt(c)                      # nn.Conv2d's default init for each slice
        nn.init.uniform_(self.combine, -bound, bound)
        self.combine_bn = nn.BatchNorm2d(c)

    @staticmethod
    def key(node: int, inp: int, op: int) -> int:
        """Flat index into ``ops``: node i has i + 2 possible inputs, 5 ops each."""
        before = sum(n + 2 for n in range(node))                # edges into the earlier nodes
        return (before + inp) * len(OPS) + op

    def used(self, cell) -> tuple[list[int], list[int]]:
        """The op indices the path ``cell`` runs (10, in branch order) and its loose-end states."""
        keys = [self.key(node, cell[4 * node + 2 * b], cell[4 * node + 2 * b + 1])
                for node in range(NODES) for b in (0, 1)]
        inputs = {cell[p] for p in range(0, CELL_LEN, 2)}
        return keys, [s for s in range(NODES + 2) if s not in inputs]

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, cell) -> torch.Tensor:
        keys, ends = self.used(cell)
        states = [self.pre0(s0), self.pre1(s1)]
        for node in range(NODES):
            a = self.ops[keys[2 * node]](states[cell[4 * node]])
            b = self.ops[keys[2 * node + 1]](states[cell[4 * node + 2]])
            states.append(a + b)
        outs = [self.reduce_ends[s](states[s]) if self.reduction and s < 2 else states[s] for s in ends]
        x = torch.relu(torch.cat(outs, dim=1))                                       # (B, len(ends) * C, H, W)
        weight = torch.cat([self.combine[s] for s in ends], dim=1)[:, :, None, None]  # (C, len(ends) * C, 1, 1)
        return self.combine_bn(nn.functional.conv2d(x, weight))


class NAONetWSSuperNet(nn.Module):
    """``forward(x (B, in_ch, H, W), arch (40 ints: normal cell, reduction cell)) -> logits (B, classes)``;
    F = ``shape.channels``, N = ``shape.cells`` normal cells per stage (3N + 2 cells)."""

    def __init__(self, shape: SupernetShape):
        super().__init__()
        f, n = shape.channels, shape.cells
        self.shape = shape
        self.reduction_ids = (n, 2 * n + 1)
        self.stem = nn.Sequential(nn.Conv2d(shape.in_channels, 3 * f, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(3 * f))
        c_pp, c_p, c, reduction_prev = 3 * f, 3 * f, f, False
        cells = []
        for i in range(3 * n + 2):
            reduction = i in self.reduction_ids
            c = 2 * c if reduction else c
            cells.append(WSCell(c_pp, c_p, c, reduction, reduction_prev))
            c_pp, c_p, reduction_prev = c_p, c, reduction
        self.cells = nn.ModuleList(cells)
        self.classifier = nn.Linear(c_p, shape.num_classes)

    def _cell_arch(self, i: int, arch):
        return arch[CELL_LEN:] if i in self.reduction_ids else arch[:CELL_LEN]

    def forward(self, x: torch.Tensor, arch) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self._cell_arch(i, arch))
        return self.classifier(nn.functional.adaptive_avg_pool2d(s1, 1).flatten(1))

    def path_parameters(self, arch) -> list[str]:
        """Names of the parameters the path ``arch`` uses (stem, preprocessing, its ops, the combine's
        weights — all slices, since the slices sit in one tensor — and the classifier)."""
        skip = set()
        for i, cell in enumerate(self.cells):
            keys, ends = cell.used(self._cell_arch(i, arch))
            keys = set(keys)
            skip.update(f"cells.{i}.ops.{k}." for k in range(len(cell.ops)) if k not in keys)
            if cell.reduction:
                skip.update(f"cells.{i}.reduce_ends.{s}." for s in (0, 1) if s not in ends)
        return [name for name, _ in self.named_parameters() if not any(name.startswith(s) for s in skip)]


def uniform_cells(rng: np.random.Generator, n: int, space) -> list[tuple]:
    """``n`` independent uniform cells (PT-V1 ``generate_arch``; every NAONet cell is connected)."""
    return space.sample(n, seed=rng)


def fair_cells(rng: np.random.Generator, n: int, space) -> list[tuple]:
    """``n`` cells in groups of 5: per group, every op slot takes the ops of a random permutation (each op
    once per slot); inputs are uniform."""
    out = []
    for _ in range(n // len(OPS)):
        group = np.array(space.sample(len(OPS), seed=rng))                          # (5, 40)
        for p in range(1, group.shape[1], 2):
            group[:, p] = rng.permutation(len(OPS))
        out += [tuple(int(v) for v in row) for row in group]
    return out

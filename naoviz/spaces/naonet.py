"""NAONet cell space (Luo et al. 2018): a normal and a reduction cell, 5 nodes each, two branches per node.

Arch = 40 ints ``[x_input, x_op, y_input, y_op] x 5`` for the normal cell, then the same for the
reduction cell. Inputs: 0 = cell k-2, 1 = cell k-1, i+2 = intermediate node i; node i may read 0..i+1.
Ops are stored as local indices 0..n_ops-1; the user string (PT-V1 format,
``"0 1 0 4 ... | 1 1 0 3 ..."``) uses the global op ids of the official code (ws: 0-4, paper: 5-15).
Tokens (PT-V1 ``parse_arch_to_seq``): input + 1 (1..6), op + 7; 2 tokens per encoder step.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from naoviz.errors import show
from naoviz.spaces.base import Arch, SearchSpace, Seed, as_rng, sample_count

if TYPE_CHECKING:
    import networkx as nx      # imported where a graph is built: ~0.25 s a search never needs

NODES = 5                      # intermediate nodes per cell
CELLS = ("normal", "reduction")
SLOTS = ("x_input", "x_op", "y_input", "y_op")
CELL_LEN = 4 * NODES           # 20 ints per cell
ARCH_LEN = 2 * CELL_LEN        # 40 ints per architecture
INPUT_TOKEN0 = 1               # token of input index 0
OP_TOKEN0 = 7                  # token of local op 0

# Op sets: names in local order and the global id of local op 0 (PT-V1 operations.py numbering).
OP_SETS = {
    "ws": (("sep_conv_3x3", "sep_conv_5x5", "avg_pool_3x3", "max_pool_3x3", "identity"), 0),
    "paper": (("identity", "conv_1x1", "conv_3x3", "conv_1x3_3x1", "conv_1x7_7x1",
               "max_pool_2x2", "max_pool_3x3", "max_pool_5x5",
               "avg_pool_2x2", "avg_pool_3x3", "avg_pool_5x5"), 5),
}

# Published cells (see docs/spaces.md and the reference spec, section A.5).
REFERENCE_CELLS = {
    "NAONet": {
        "op_set": "paper", "space": "naonet",
        "arch": "0 7 1 15 2 8 1 7 0 6 1 7 0 8 4 7 1 5 0 7 | 0 7 1 13 0 6 0 14 1 9 0 10 0 14 2 6 1 11 0 7",
        "source": "NAO paper cell (TF dag.NAONet.json); reduction node 2 reads (1 conv1x7, 0 maxpool2x2)",
    },
    "NAONet-A": {
        "op_set": "paper", "space": "naonet",
        "arch": "0 7 1 15 2 8 1 7 0 6 1 7 0 8 4 7 1 5 0 7 | 0 7 1 13 0 6 0 14 0 9 1 10 0 14 2 6 1 11 0 7",
        "source": "NAO_pytorch NAO_V1 train_NAONet_A_36_cifar10.sh (inputs of reduction node 2 swapped)",
    },
    "NAONet-WS": {
        "op_set": "ws", "space": "naonet-ws",
        "arch": "0 1 0 4 2 2 1 3 1 0 2 0 2 3 1 3 1 2 0 4 | 1 1 0 3 2 3 2 3 1 0 0 1 0 4 2 4 2 3 2 3",
        "source": "NAO NAO-WS/cnn/train_final.sh (paper's NAO-WS cell)",
    },
    "NAONet-B": {
        "op_set": "ws", "space": "naonet-ws",
        "arch": "0 1 0 2 0 1 2 2 1 3 0 2 4 0 1 3 2 1 0 3 | 1 1 1 0 2 1 2 4 1 0 2 3 3 1 2 2 0 2 0 2",
        "source": "NAO_pytorch NAO_V1 train_NAONet_B_36_cifar10.sh (PT-V1 NAO-WS re-search)",
    },
}


def _where(pos: int) -> str:
    """Human name of flat position ``pos`` (0..39): cell, node and slot."""
    cell, rest = divmod(pos, CELL_LEN)
    node, slot = divmod(rest, 4)
    return f"{CELLS[cell]} cell, node {node}, position {pos} ({SLOTS[slot]})"


class NAONetSpace(SearchSpace):
    """NAONet normal + reduction cells with the paper's 11 ops (``op_set="paper"``) or the 5 WS ops."""

    seq_len = ARCH_LEN
    tokens_per_step = 2

    def __init__(self, op_set: str = "paper"):
        if op_set not in OP_SETS:
            raise ValueError(f"naonet: op_set must be one of {tuple(OP_SETS)}, got {op_set!r}")
        self.op_set = op_set
        self.ops, self.op_offset = OP_SETS[op_set]
        self.n_ops = len(self.ops)
        self.name = "naonet" if op_set == "paper" else "naonet-ws"
        self.vocab_size = OP_TOKEN0 + self.n_ops

    # -- strings --------------------------------------------------------------------------------
    def parse(self, text: str) -> Arch:
        """PT-V1 string: 20 ints, ``|``, 20 ints (global op ids); 40 ints without ``|`` also accepted."""
        if not isinstance(text, str):
            raise ValueError(f"{self.name}: expected an architecture string, got {type(text).__name__} {show(text)}")
        s = text.strip()
        if not s:
            raise ValueError(f"{self.name}: empty architecture string ''; expected 20 ints | 20 ints, "
                             f"e.g. {REFERENCE_CELLS['NAONet-WS']['arch']!r}")
        parts = s.split("|")
        if len(parts) > 2:
            raise ValueError(f"{self.name}: expected one '|' between the normal and reduction cell, "
                             f"got {len(parts) - 1} in {show(text)}")
        fields = [f for part in parts for f in part.split()]
        values = []
        for pos, field in enumerate(fields):
            if field.isascii() and field.lstrip("+-").isdigit() and len(field) <= 12:   # no '٣', '1_0', '1e3'
                values.append(int(field))
            else:
                where = _where(pos) if pos < ARCH_LEN else f"position {pos}"
                raise ValueError(f"{self.name}: {where}: {show(field)} is not an integer "
                                 f"(separate ints by spaces and the two cells by ' | ')")
        if len(parts) == 2:
            for cell, part in zip(CELLS, parts):
                n = len(part.split())
                if n != CELL_LEN:
                    raise ValueError(f"{self.name}: {cell} cell needs {CELL_LEN} ints ({NODES} nodes x "
                                     f"[x_input x_op y_input y_op]), got {n} in {show(part.strip())}")
        elif len(fields) != ARCH_LEN:
            raise ValueError(f"{self.name}: expected {ARCH_LEN} ints (normal | reduction), got {len(fields)} "
                             f"in {show(text)}")
        arch = []
        for pos, v in enumerate(values):
            if pos % 2 == 1:   # op slot: global id -> local index
                if not self.op_offset <= v < self.op_offset + self.n_ops:
                    raise ValueError(f"{self.name}: {_where(pos)}: unknown op {v}; expected "
                                     f"{self.op_offset}..{self.op_offset + self.n_ops - 1} "
                                     f"({', '.join(f'{self.op_offset + i}={o}' for i, o in enumerate(self.ops))})")
                v -= self.op_offset
            arch.append(v)
        return self.validate(arch)

    def format(self, arch: Arch) -> str:
        arch = self.validate(arch)
        glob = [v + self.op_offset if p % 2 else v for p, v in enumerate(arch)]
        return " | ".join(" ".join(str(v) for v in glob[c * CELL_LEN:(c + 1) * CELL_LEN]) for c in range(2))

    def validate(self, arch: Sequence[int]) -> Arch:
        if isinstance(arch, (str, bytes)) or not hasattr(arch, "__len__"):
            raise ValueError(f"{self.name}: an architecture is a sequence of {ARCH_LEN} ints, "
                             f"got {type(arch).__name__} {show(arch)}")
        if len(arch) != ARCH_LEN:
            raise ValueError(f"{self.name}: an architecture has {ARCH_LEN} ints (2 cells x {NODES} nodes x 4), "
                             f"got {len(arch)}")
        out = []
        for pos, v in enumerate(arch):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                raise ValueError(f"{self.name}: {_where(pos)}: {show(v)} is not an integer")
            v = int(v)
            node = (pos % CELL_LEN) // 4
            if pos % 2 == 0 and not 0 <= v <= node + 1:
                raise ValueError(f"{self.name}: {_where(pos)}: input {v} out of range; node {node} "
                                 f"may read inputs 0..{node + 1}")
            if pos % 2 == 1 and not 0 <= v < self.n_ops:
                raise ValueError(f"{self.name}: {_where(pos)}: op index {v} out of range 0..{self.n_ops - 1}")
            out.append(v)
        return tuple(out)

    # -- tokens ---------------------------------------------------------------------------------
    def to_tokens(self, arch: Arch) -> list[int]:
        arch = self.validate(arch)
        return [v + (OP_TOKEN0 if p % 2 else INPUT_TOKEN0) for p, v in enumerate(arch)]

    def token_labels(self, arch: Arch) -> list[str]:
        """``"N node 2 in 1"`` / ``"R node 0 op sep_conv_3x3"``: cell (Normal/Reduction), node, slot, value."""
        labels = []
        for p, v in enumerate(self.validate(arch)):
            cell, rest = divmod(p, CELL_LEN)
            node = rest // 4
            value = f"op {self.ops[v]}" if p % 2 else f"in {v}"
            labels.append(f"{CELLS[cell][0].upper()} node {node} {value}")
        return labels

    def step_labels(self, arch: Arch) -> list[str]:
        """One per (input, op) pair, the encoder's step: ``"N node 2 sep_conv_3x3(1)"``."""
        arch = self.validate(arch)
        return [f"{CELLS[p // CELL_LEN][0].upper()} node {(p % CELL_LEN) // 4} {self.ops[arch[p + 1]]}({arch[p]})"
                for p in range(0, len(arch), 2)]

    def from_tokens(self, tokens: Sequence[int]) -> Arch:
        tokens = [int(t) for t in tokens]
        if len(tokens) != self.seq_len:
            raise ValueError(f"{self.name}: expected {self.seq_len} tokens, got {len(tokens)}")
        mask = self.token_mask()
        for t, tok in enumerate(tokens):
            if not (0 <= tok < self.vocab_size and mask[t, tok]):
                raise ValueError(f"{self.name}: token {tok} is not legal at {_where(t)}")
        return tuple(tok - (OP_TOKEN0 if p % 2 else INPUT_TOKEN0) for p, tok in enumerate(tokens))

    def token_mask(self) -> np.ndarray:
        """Input slot of node j allows tokens 1..j+2 (inputs 0..j+1); op slots allow 7..vocab-1."""
        mask = np.zeros((self.seq_len, self.vocab_size), dtype=bool)
        for t in range(self.seq_len):
            node = (t % CELL_LEN) // 4
            if t % 2 == 0:
                mask[t, INPUT_TOKEN0:INPUT_TOKEN0 + node + 2] = True
            else:
                mask[t, OP_TOKEN0:] = True
        return mask

    # -- sampling and neighbourhoods -----------------------------------------------------------
    def sample(self, n: int, seed: Seed = None) -> list[Arch]:
        """Inputs uniform over each node's predecessors, ops uniform (PT-V1 ``generate_arch``)."""
        n = sample_count(n, "naonet")
        rng = as_rng(seed)
        out = np.empty((n, ARCH_LEN), dtype=np.int64)
        for p in range(ARCH_LEN):
            node = (p % CELL_LEN) // 4
            high = node + 2 if p % 2 == 0 else self.n_ops
            out[:, p] = rng.integers(0, high, size=n)
        return [tuple(int(x) for x in row) for row in out]

    def neighbours(self, arch: Arch) -> list[Arch]:
        arch = self.validate(arch)
        out = []
        for p in range(ARCH_LEN):
            high = (p % CELL_LEN) // 4 + 2 if p % 2 == 0 else self.n_ops
            out.extend(arch[:p] + (v,) + arch[p + 1:] for v in range(high) if v != arch[p])
        return out

    # -- equivalence ----------------------------------------------------------------------------
    def cell_expressions(self, arch: Arch, cell: int) -> list[str]:
        """Symbolic expression of every state of one cell (0 = normal, 1 = reduction), branch order free.

        State 0/1 are ``s0``/``s1``; node i is ``(a+b)`` with ``a``, ``b`` = ``op(input)`` sorted, so
        swapped branches and isomorphic nodes get equal strings.
        """
        arch = self.validate(arch)
        base = cell * CELL_LEN
        expr = ["s0", "s1"]
        for node in range(NODES):
            xi, xo, yi, yo = arch[base + 4 * node: base + 4 * node + 4]
            terms = sorted((f"{self.ops[xo]}({expr[xi]})", f"{self.ops[yo]}({expr[yi]})"))
            expr.append("(" + "+".join(terms) + ")")
        return expr

    def loose_ends(self, arch: Arch, cell: int) -> list[int]:
        """States (0..6) of one cell never used as an input: their concatenation is the cell output."""
        arch = self.validate(arch)
        base = cell * CELL_LEN
        used = {arch[base + p] for p in range(0, CELL_LEN, 2)}
        return [s for s in range(NODES + 2) if s not in used]

    def canonical(self, arch: Arch) -> str:
        """``normal:[...] reduction:[...]``: the sorted expressions of each cell's loose ends.

        Two archs share the id when they differ only by branch swaps or by which of two identical
        nodes another node reads. Identity is not folded (it is FactorizedReduce at stride 2 and
        takes drop-path), so ``identity(x)`` stays distinct from ``x``.
        """
        arch = self.validate(arch)
        parts = []
        for c, cell in enumerate(CELLS):
            expr = self.cell_expressions(arch, c)
            ends = sorted(expr[s] for s in self.loose_ends(arch, c))
            parts.append(f"{cell}:[" + ",".join(ends) + "]")
        return " ".join(parts)

    def swap(self, arch: Arch, cell: int, node: int) -> Arch:
        """``arch`` with the two branches of ``node`` in ``cell`` exchanged (the same network)."""
        a = list(self.validate(arch))
        p = cell * CELL_LEN + 4 * node
        a[p:p + 4] = a[p + 2:p + 4] + a[p:p + 2]
        return tuple(a)

    def augment(self, arch: Arch, seed: Seed = None) -> Arch:
        """Random branch swaps: one node per cell always (as PT-V1), every other node with prob 0.5."""
        rng = as_rng(seed)
        arch = self.validate(arch)
        for c in range(2):
            forced = int(rng.integers(NODES))
            flips = rng.random(NODES) < 0.5
            for node in range(NODES):
                if node == forced or flips[node]:
                    arch = self.swap(arch, c, node)
        return arch

    # -- views ----------------------------------------------------------------------------------
    def to_graph(self, arch: Arch) -> nx.DiGraph:
        """Both cells in one DAG. Node ids ``"<cell>/<label>"`` with labels ``c_{k-2}``, ``c_{k-1}``,
        ``n0``..``n4``, ``out``; node attrs ``cell``, ``label``, ``kind`` (input/node/output), ``state``
        (0..6, output -1). Edges carry ``op`` (both names joined by `` + `` when the two branches of a
        node read the same input), ``ops`` (list), ``branches`` (list of "x"/"y"); loose ends feed
        ``out`` with op ``concat``.
        """
        arch = self.validate(arch)
        import networkx as nx
        g = nx.DiGraph(space=self.name, arch=self.format(arch), cells=CELLS)
        labels = ["c_{k-2}", "c_{k-1}"] + [f"n{i}" for i in range(NODES)]
        for c, cell in enumerate(CELLS):
            ids = [f"{cell}/{lab}" for lab in labels]
            for s, (nid, lab) in enumerate(zip(ids, labels)):
                g.add_node(nid, cell=cell, label=lab, kind="input" if s < 2 else "node", state=s)
            out = f"{cell}/out"
            g.add_node(out, cell=cell, label="out", kind="output", state=-1)
            base = c * CELL_LEN
            for node in range(NODES):
                dst = ids[node + 2]
                for b, branch in enumerate("xy"):
                    src = ids[arch[base + 4 * node + 2 * b]]
                    op = self.ops[arch[base + 4 * node + 2 * b + 1]]
                    if g.has_edge(src, dst):
                        e = g.edges[src, dst]
                        e["ops"].append(op)
                        e["branches"].append(branch)
                        e["op"] = " + ".join(e["ops"])
                    else:
                        g.add_edge(src, dst, op=op, ops=[op], branches=[branch])
            for s in self.loose_ends(arch, c):
                g.add_edge(ids[s], out, op="concat", ops=["concat"], branches=[])
        return g

    # -- reference cells ------------------------------------------------------------------------
    def reference_cells(self) -> dict[str, Arch]:
        """The published cells written in this space's op set, parsed (name -> arch)."""
        return {name: self.parse(ref["arch"]) for name, ref in REFERENCE_CELLS.items()
                if ref["op_set"] == self.op_set}

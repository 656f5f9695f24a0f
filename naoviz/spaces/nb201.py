"""NAS-Bench-201 cell space: 4 nodes, 6 edges, 5 ops on each edge (15,625 architectures).

Arch = 6 op indices in the benchmark's edge order (1<-0), (2<-0), (2<-1), (3<-0), (3<-1), (3<-2).
String form ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` (one group per node 1..3, ``~k`` = source node).
"""
from __future__ import annotations

import difflib
import itertools
from functools import cache, cached_property
from typing import TYPE_CHECKING, Sequence

import numpy as np

from naoviz.errors import show
from naoviz.spaces.base import Arch, SearchSpace, Seed, as_int, as_rng, sample_count

if TYPE_CHECKING:
    import networkx as nx      # imported where a graph is built: ~0.25 s a search never needs

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))  # (source, target) in arch order
NUM_ARCHS = len(OPS) ** len(EDGES)

# Token layout. "pair" (default): per edge [source node + 1, op + 4] -> 12 tokens, vocab 9, 2 per step.
# "op" (the plain choice): per edge [op + 1] -> 6 tokens, vocab 6, 1 per step.
TOKENIZATIONS = ("pair", "op")


@cache
def _all_strings_by_code() -> list[str]:
    """``format`` of every arch, indexed by its base-5 code (``itertools.product`` order: first edge most
    significant, as ``_code``)."""
    return ["|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|".format(*(OPS[o] for o in ops))
            for ops in itertools.product(range(len(OPS)), repeat=len(EDGES))]


@cache
def _canonical(arch: Arch) -> str:
    """``NB201Space.canonical`` of a validated arch, computed once per arch (15,625 at most): a search
    canonicalises every decode, neighbour and augmentation draw, tens of thousands of calls."""
    node = {0: "0"}
    for dst in (1, 2, 3):
        terms = []
        for e, (src, to) in enumerate(EDGES):
            if to != dst:
                continue
            op = OPS[arch[e]]
            if op == "none" or node[src] == "#":
                terms.append("#")
            elif op == "skip_connect":
                terms.append(node[src])
            else:
                terms.append(f"({node[src]})@{op}")
        node[dst] = "+".join(sorted(terms))
    return node[3]


def _code(arch: Arch) -> int:
    """Base-5 number of an arch (first edge most significant)."""
    code = 0
    for op in arch:
        code = code * len(OPS) + op
    return code


def _from_code(code: int) -> Arch:
    ops = []
    for _ in EDGES:
        code, op = divmod(code, len(OPS))
        ops.append(op)
    return tuple(reversed(ops))


class NB201Space(SearchSpace):
    """The NAS-Bench-201 topology space with the benchmark's own ``arch_index`` order."""

    ops = OPS

    def __init__(self, tokenization: str = "pair"):
        if tokenization not in TOKENIZATIONS:
            raise ValueError(f"nb201: tokenization must be one of {TOKENIZATIONS}, got {tokenization!r}")
        self.tokenization = tokenization
        self.name = "nb201"
        pair = tokenization == "pair"
        self.seq_len = 12 if pair else 6
        self.vocab_size = 9 if pair else 6
        self.tokens_per_step = 2 if pair else 1

    # -- strings --------------------------------------------------------------------------------
    def parse(self, text: str) -> Arch:
        if not isinstance(text, str):
            raise ValueError(f"nb201: expected an architecture string, got {type(text).__name__} {show(text)}")
        s = text.strip()
        if not s:
            raise ValueError("nb201: empty architecture string ''; expected |op~0|+|op~0|op~1|+|op~0|op~1|op~2|")
        groups = s.split("+")
        if len(groups) != 3:
            raise ValueError(f"nb201: expected 3 node groups separated by '+', got {len(groups)} in {show(text)}")
        arch = []
        for node, group in enumerate(groups, start=1):
            if len(group) < 2 or not (group.startswith("|") and group.endswith("|")):
                raise ValueError(f"nb201: node {node} group {show(group)} must start and end with '|'")
            edges = group[1:-1].split("|")
            if len(edges) != node:
                raise ValueError(f"nb201: node {node} needs {node} input edge(s), got {len(edges)} in {show(group)}")
            for expected_src, edge in enumerate(edges):
                op, sep, src = edge.partition("~")
                if not sep:
                    raise ValueError(f"nb201: node {node} edge {expected_src}: {show(edge)} is not 'op~source'")
                if op not in OPS:              # a typo or another case is named with the op it likely means
                    near = difflib.get_close_matches(op.lower(), OPS, n=1, cutoff=0.6)
                    known = f" (did you mean {show(near[0])}?)" if near else f"; expected one of {', '.join(OPS)}"
                    raise ValueError(f"nb201: node {node} edge {expected_src}: unknown op {show(op)}{known}")
                if src != str(expected_src):
                    raise ValueError(f"nb201: node {node} edge {expected_src}: source {show(src)} out of place "
                                     f"(expected ~{expected_src})")
                arch.append(OPS.index(op))
        return tuple(arch)

    def format(self, arch: Arch) -> str:
        arch = self.validate(arch)
        groups, k = [], 0
        for node in (1, 2, 3):
            groups.append("|" + "|".join(f"{OPS[arch[k + s]]}~{s}" for s in range(node)) + "|")
            k += node
        return "+".join(groups)

    def validate(self, arch: Sequence[int]) -> Arch:
        if isinstance(arch, (str, bytes)) or not hasattr(arch, "__len__") or not hasattr(arch, "__iter__"):
            raise ValueError(f"nb201: an architecture is a sequence of {len(EDGES)} ints, "
                             f"got {type(arch).__name__} {show(arch)}")
        if len(arch) != len(EDGES):
            raise ValueError(f"nb201: an architecture has {len(EDGES)} edges, got {len(arch)}: {show(arch)}")
        out = []
        for i, op in enumerate(arch):
            if type(op) is not int:          # numpy ints pass; bool, 2.5, '7', None do not
                op = as_int(op, f"nb201: edge {i} {EDGES[i]}: op index")
            if not 0 <= op < len(OPS):
                raise ValueError(f"nb201: edge {i} {EDGES[i]}: op index {op} out of range 0..{len(OPS) - 1}")
            out.append(op)
        return tuple(out)

    # -- tokens ---------------------------------------------------------------------------------
    def to_tokens(self, arch: Arch) -> list[int]:
        if self.tokenization == "op":
            return [op + 1 for op in arch]
        return [t for (src, _), op in zip(EDGES, arch) for t in (src + 1, op + 4)]

    def token_labels(self, arch: Arch) -> list[str]:
        """``"1→2 nor_conv_3x3"`` per op token (and ``"1→2 from 1"`` before it with pair tokens)."""
        labels = []
        for (src, dst), op in zip(EDGES, self.validate(arch)):
            if self.tokenization == "pair":
                labels.append(f"{src}→{dst} from {src}")
            labels.append(f"{src}→{dst} {OPS[op]}")
        return labels

    def from_tokens(self, tokens: Sequence[int]) -> Arch:
        tokens = [as_int(t, f"nb201: token {i}") for i, t in enumerate(tokens)]
        if len(tokens) != self.seq_len:
            raise ValueError(f"nb201: expected {self.seq_len} tokens, got {len(tokens)}")
        mask = self.token_mask()
        for t, tok in enumerate(tokens):
            if not (0 <= tok < self.vocab_size and mask[t, tok]):
                raise ValueError(f"nb201: token {tok} is not legal at position {t}")
        if self.tokenization == "op":
            return tuple(t - 1 for t in tokens)
        return tuple(t - 4 for t in tokens[1::2])

    def token_mask(self) -> np.ndarray:
        mask = np.zeros((self.seq_len, self.vocab_size), dtype=bool)
        if self.tokenization == "op":
            mask[:, 1:] = True
            return mask
        for e, (src, _) in enumerate(EDGES):
            mask[2 * e, src + 1] = True      # source node is fixed by the position
            mask[2 * e + 1, 4:] = True       # any of the 5 ops
        return mask

    def live_edges(self, archs: Sequence[Arch]) -> np.ndarray:
        """``(n, 6)`` bool: the edge's op is not ``none`` and the edge lies on a path of non-``none`` edges
        from the cell input (node 0) to its output (node 3); the others compute nothing that reaches the output."""
        ops = np.asarray([self.validate(a) for a in archs], dtype=np.int64).reshape(-1, len(EDGES))
        on = ops != 0                                                   # (n, 6)
        fwd = np.zeros((len(ops), 4), dtype=bool)                       # reachable from node 0
        fwd[:, 0] = True
        for e, (s, t) in enumerate(EDGES):                              # edges are in topological order
            fwd[:, t] |= on[:, e] & fwd[:, s]
        bwd = np.zeros((len(ops), 4), dtype=bool)                       # reaches node 3
        bwd[:, 3] = True
        for e in reversed(range(len(EDGES))):
            s, t = EDGES[e]
            bwd[:, s] |= on[:, e] & bwd[:, t]
        src, dst = np.asarray(EDGES).T
        return on & fwd[:, src] & bwd[:, dst]

    def cost_features(self, archs: Sequence[Arch]) -> np.ndarray:
        """``(n, 30 + 31)``: the op one-hot per edge, the same zeroed on edges that are not
        :meth:`live_edges`, and a flag for a cell whose output no path reaches. A device that skips dead
        branches (mobile latency: a ridge on these features errs 0.9-quantile 0.20 log units on 80 unseen
        cells of latency_pixel3, 0.36 on the one-hot alone; bench/judge_loo.py) is closer to linear in them."""
        ops = np.asarray([self.validate(a) for a in archs], dtype=np.int64).reshape(-1, len(EDGES))
        onehot = np.zeros((len(ops), len(EDGES), len(OPS)))
        onehot[np.arange(len(ops))[:, None], np.arange(len(EDGES))[None], ops] = 1.0
        live = self.live_edges(archs) if len(ops) else np.zeros((0, len(EDGES)), dtype=bool)
        dead = ~live.any(axis=1, keepdims=True)
        n = len(ops)
        return np.hstack([onehot.reshape(n, -1), (onehot * live[:, :, None]).reshape(n, -1), dead.astype(float)])

    # -- enumeration and benchmark order ------------------------------------------------------
    def all_archs(self) -> list[Arch]:
        """All 15,625 architectures in ``arch_index`` order."""
        return [_from_code(int(c)) for c in self._order]

    def all_strings(self) -> list[str]:
        """``format`` of all 15,625 architectures in ``arch_index`` order, built without per-arch checks
        (a table load compares 31,250 ``arch_str`` cells against it)."""
        by_code = _all_strings_by_code()
        return [by_code[c] for c in self._order.tolist()]

    def index_of(self, arch: Arch) -> int:
        """The NAS-Bench-201 ``arch_index`` of ``arch``."""
        return int(self._index_by_code[_code(self.validate(arch))])

    def from_index(self, index: int) -> Arch:
        """The architecture at NAS-Bench-201 ``arch_index`` (an int or numpy integer in 0..15624)."""
        index = as_int(index, "nb201: arch_index")
        if not 0 <= index < NUM_ARCHS:
            raise ValueError(f"nb201: arch_index {index} out of range 0..{NUM_ARCHS - 1}")
        return _from_code(int(self._order[index]))

    @cached_property
    def _order(self) -> np.ndarray:
        """``_order[arch_index]`` = base-5 code; the benchmark's own (shuffled) order."""
        from naoviz.resources import NB201_ORDER, resource_path
        return np.load(resource_path(NB201_ORDER), allow_pickle=False).astype(np.int64)

    @cached_property
    def _index_by_code(self) -> np.ndarray:
        inv = np.empty(NUM_ARCHS, dtype=np.int64)
        inv[self._order] = np.arange(NUM_ARCHS)
        return inv

    # -- sampling and neighbourhoods -----------------------------------------------------------
    def sample(self, n: int, seed: Seed = None) -> list[Arch]:
        n = sample_count(n, "nb201")
        ops = as_rng(seed).integers(0, len(OPS), size=(n, len(EDGES)))
        return [tuple(int(x) for x in row) for row in ops]

    def neighbours(self, arch: Arch) -> list[Arch]:
        arch = self.validate(arch)
        return [arch[:i] + (op,) + arch[i + 1:] for i in range(len(EDGES)) for op in range(len(OPS))
                if op != arch[i]]

    # -- equivalence ----------------------------------------------------------------------------
    def canonical(self, arch: Arch) -> str:
        """NAS-Bench-201's isomorphism id; it yields the 6,466 unique topologies the benchmark cites.

        Each node is written as the sorted ``+``-join of one term per incoming edge: ``none`` -> ``#``;
        any op on a node that is exactly ``#`` -> ``#``; ``skip_connect`` -> the source's string;
        otherwise ``(source)@op``. The id is node 3's string. Sorting merges isomorphic nodes, ``#``
        drops ops fed by a dead first node. The rule is the benchmark's, so counts match the
        literature; a stricter folding (all-zero sums treated as zero, skip sums flattened) would
        merge further, to 4,930 classes (see docs/spaces.md).
        """
        return _canonical(self.validate(arch))

    @cached_property
    def classes(self) -> dict[str, list[Arch]]:
        """Canonical id -> every architecture of that class (6,466 classes, built once in ~0.1 s)."""
        out: dict[str, list[Arch]] = {}
        for arch in itertools.product(range(len(OPS)), repeat=len(EDGES)):
            out.setdefault(self.canonical(arch), []).append(arch)
        return out

    def augment(self, arch: Arch, seed: Seed = None) -> Arch:
        """A random member of ``arch``'s class: the same network written another way."""
        members = self.classes[self.canonical(arch)]
        return members[int(as_rng(seed).integers(len(members)))]

    # -- views ----------------------------------------------------------------------------------
    def to_graph(self, arch: Arch) -> nx.DiGraph:
        """Nodes 0..3 (0 = cell input, 3 = output); one edge per non-``none`` op, labelled ``op``."""
        arch = self.validate(arch)
        import networkx as nx
        g = nx.DiGraph(space=self.name, arch=self.format(arch))
        g.add_nodes_from(range(4))
        for e, (src, dst) in enumerate(EDGES):
            if OPS[arch[e]] != "none":
                g.add_edge(src, dst, op=OPS[arch[e]], edge=e)
        return g

"""The search-space contract every space implements (Archai-style: small, abstract, testable).

An architecture (``Arch``) is a plain tuple of ints, so it hashes, compares and serialises for free.
What the ints mean, how they print and how they tokenise is the space's business.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Sequence, Union

import numpy as np

from naoviz.errors import show

if TYPE_CHECKING:
    import networkx as nx      # imported where a graph is built: ~0.25 s a search never needs

Arch = tuple[int, ...]
Seed = Union[int, np.random.Generator, None]


def as_int(value, what: str) -> int:
    """``value`` as a Python int when it is an int or a numpy integer (never a bool, a float such as 2.0,
    a string or bytes: strings go through ``parse``); else ``ValueError`` naming ``what`` and the value."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{what} must be an int, got {type(value).__name__} {show(value)}")
    return int(value)


MAX_SAMPLE = 10_000_000     # archs one ``sample`` call may draw: a typo (1e12) must not ask for terabytes


def as_rng(seed: Seed) -> np.random.Generator:
    """A numpy Generator from a seed (None or an int >= 0), or the Generator itself (so callers can share one
    stream); ``ValueError`` naming the seed otherwise (numpy's own message says neither which nor what)."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed) if seed is None else seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: must be None, an int >= 0 or a numpy Generator, "
                         f"got {type(seed).__name__} {show(seed)}")
    return np.random.default_rng(int(seed))


def sample_count(n, space: str) -> int:
    """``n`` for ``space.sample(n)``: an int in 0..MAX_SAMPLE, else ``ValueError`` naming it and the value."""
    n = as_int(n, f"{space}: sample n")
    if not 0 <= n <= MAX_SAMPLE:
        raise ValueError(f"{space}: sample n must be in 0..{MAX_SAMPLE:,}, got {n}")
    return n


class SearchSpace(ABC):
    """One cell-based search space: parsing, tokens, masks, sampling, mutation, symmetry, graphs.

    Token sequences never contain token 0 (reserved for ``<SOS>``); ``token_mask()[t, v]`` says whether
    token ``v`` may appear at position ``t``. Validity depends on the position only, so one static mask
    lets a decoder emit only valid architectures.
    """

    name: str = ""
    ops: tuple[str, ...] = ()
    seq_len: int = 0            # tokens per architecture
    vocab_size: int = 0         # including token 0
    tokens_per_step: int = 1    # consecutive tokens concatenated into one encoder step

    # -- strings --------------------------------------------------------------------------------
    @abstractmethod
    def parse(self, text: str) -> Arch:
        """The architecture written as ``text``; ``ValueError`` naming the position and value if bad."""

    @abstractmethod
    def format(self, arch: Arch) -> str:
        """The user-facing string of ``arch`` (``parse(format(a)) == a``)."""

    @abstractmethod
    def validate(self, arch: Sequence[int]) -> Arch:
        """``arch`` as a tuple if it is a valid architecture, else ``ValueError`` naming the field."""

    def coerce(self, arch: Union[str, Sequence[int]]) -> Arch:
        """Accept a string or a sequence of ints; return a validated ``Arch``."""
        if isinstance(arch, str):
            return self.parse(arch)
        if isinstance(arch, (tuple, list, np.ndarray)):
            return self.validate(arch)
        raise ValueError(f"{self.name}: an architecture must be a string or a sequence of ints, "
                         f"got {type(arch).__name__} {show(arch)}")

    # -- tokens ---------------------------------------------------------------------------------
    @abstractmethod
    def to_tokens(self, arch: Arch) -> list[int]:
        """Token sequence of length ``seq_len`` (tokens in 1..vocab_size-1)."""

    @abstractmethod
    def from_tokens(self, tokens: Sequence[int]) -> Arch:
        """Exact inverse of :meth:`to_tokens`; ``ValueError`` on a token that is illegal at its position."""

    @abstractmethod
    def token_mask(self) -> np.ndarray:
        """Bool array ``(seq_len, vocab_size)``: which tokens are legal at each position."""

    def token_labels(self, arch: Arch) -> list[str]:
        """One short human label per token of :meth:`to_tokens` (axis labels of attention plots)."""
        return [f"{p}: {t}" for p, t in enumerate(self.to_tokens(arch))]

    def step_labels(self, arch: Arch) -> list[str]:
        """One label per encoder step (``seq_len / tokens_per_step``): the last token label of each group
        (NB201 pair tokens: the edge and its op)."""
        k = self.tokens_per_step
        return self.token_labels(arch)[k - 1::k]

    # -- sampling and neighbourhoods -----------------------------------------------------------
    @abstractmethod
    def sample(self, n: int, seed: Seed = None) -> list[Arch]:
        """``n`` architectures drawn uniformly (with replacement), reproducible from ``seed``."""

    @abstractmethod
    def neighbours(self, arch: Arch) -> list[Arch]:
        """Every architecture one edit away (one op or one input changed)."""

    def mutate(self, arch: Arch, seed: Seed = None) -> Arch:
        """One random one-edit neighbour of ``arch``."""
        options = self.neighbours(arch)
        return options[int(as_rng(seed).integers(len(options)))]

    # -- equivalence ----------------------------------------------------------------------------
    @abstractmethod
    def canonical(self, arch: Arch) -> str:
        """An id shared by exactly the architectures that compute the same network."""

    @abstractmethod
    def augment(self, arch: Arch, seed: Seed = None) -> Arch:
        """A random architecture computing the same network (used to augment NAO's training data)."""

    # -- views ----------------------------------------------------------------------------------
    @abstractmethod
    def to_graph(self, arch: Arch) -> nx.DiGraph:
        """The cell(s) as a DAG; edges carry an ``op`` label."""

    def one_hot(self, archs: Sequence[Arch]) -> np.ndarray:
        """Features for tree baselines: one-hot of every token, ``(n, seq_len * vocab_size)`` float32."""
        tokens = np.asarray([self.to_tokens(a) for a in archs], dtype=np.int64)
        out = np.zeros((len(tokens), self.seq_len, self.vocab_size), dtype=np.float32)
        rows = np.arange(len(tokens))[:, None]
        out[rows, np.arange(self.seq_len)[None, :], tokens] = 1.0
        return out.reshape(len(tokens), -1)

    def cost_features(self, archs: Sequence[Arch]) -> np.ndarray:
        """Features for linear cost models (NAO's feasibility judge, ``naoviz.search.hw.LinearCosts``),
        ``(n, F)`` float: here :meth:`one_hot`; a space whose costs depend on more than the op per position
        (NB201: ops off every input-to-output path) adds what a linear model needs to see."""
        return self.one_hot(archs)

    def hamming(self, a: Arch, b: Arch) -> int:
        """Number of positions where two architectures differ (edges for NB201, slots for NAONet)."""
        return int(sum(x != y for x, y in zip(a, b)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

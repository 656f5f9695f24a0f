"""NAS-Bench-201 space: exhaustive round trips, benchmark order, canonical classes, bad input."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from naoviz.spaces import NB201Space, get_space
from naoviz.spaces.nb201 import EDGES, NUM_ARCHS, OPS

ALL = list(itertools.product(range(len(OPS)), repeat=len(EDGES)))


@pytest.fixture(scope="module", params=["pair", "op"])
def space(request):
    return NB201Space(tokenization=request.param)


def test_every_arch_round_trips_through_strings_and_tokens(space):
    mask = space.token_mask()
    positions = np.arange(space.seq_len)
    for arch in ALL:
        text = space.format(arch)
        assert space.parse(text) == arch
        tokens = space.to_tokens(arch)
        assert len(tokens) == space.seq_len
        assert mask[positions, tokens].all()
        assert space.from_tokens(tokens) == arch
    assert len(ALL) == NUM_ARCHS == 15625


def test_token_layouts():
    pair, op = NB201Space("pair"), NB201Space("op")
    assert (pair.seq_len, pair.vocab_size, pair.tokens_per_step) == (12, 9, 2)
    assert (op.seq_len, op.vocab_size, op.tokens_per_step) == (6, 6, 1)
    arch = (0, 1, 2, 3, 4, 0)
    assert pair.to_tokens(arch) == [1, 4, 1, 5, 2, 6, 1, 7, 2, 8, 3, 4]
    assert op.to_tokens(arch) == [1, 2, 3, 4, 5, 1]
    assert not pair.token_mask()[:, 0].any() and not op.token_mask()[:, 0].any()
    with pytest.raises(ValueError, match="tokenization"):
        NB201Space("triple")


def test_index_order_matches_the_real_table(nb201_table):
    space = NB201Space()
    strings = nb201_table.frame["arch_str"]
    assert list(strings.index) == list(range(NUM_ARCHS))
    archs = space.all_archs()
    assert [space.format(a) for a in archs] == list(strings) == space.all_strings()
    for i in range(0, NUM_ARCHS, 97):
        assert space.index_of(space.parse(strings[i])) == i
        assert space.from_index(i) == archs[i]
    assert sorted(archs) == ALL


def test_canonical_classes_follow_the_benchmark_rule():
    space = NB201Space()
    classes = space.classes
    assert len(classes) == 6466
    assert sum(len(m) for m in classes.values()) == NUM_ARCHS
    # skip on edge (1<-0) and the same conv on (2<-1) vs directly (2<-0): same network
    a = space.parse("|skip_connect~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|skip_connect~2|")
    b = space.parse("|none~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|skip_connect~2|")
    assert space.canonical(a) == space.canonical(b)
    c = space.parse("|none~0|+|nor_conv_1x1~0|none~1|+|none~0|none~1|skip_connect~2|")
    assert space.canonical(c) != space.canonical(b)


def _strict(arch):
    """Stricter folding (docs/spaces.md): zero sums vanish, skip sums are flattened."""
    node = {0: ("0",)}
    for dst in (1, 2, 3):
        terms = []
        for e, (src, to) in enumerate(EDGES):
            if to != dst or OPS[arch[e]] == "none" or not node[src]:
                continue
            if OPS[arch[e]] == "skip_connect":
                terms.extend(node[src])
            else:
                terms.append("(" + "+".join(node[src]) + ")@" + OPS[arch[e]])
        node[dst] = tuple(sorted(terms))
    return node[3]


def test_stricter_folding_gives_4930_classes_and_refines_nothing():
    space = NB201Space()
    strict = {}
    for arch in ALL:
        strict.setdefault(_strict(arch), set()).add(space.canonical(arch))
    assert len(strict) == 4930
    # every benchmark class lies inside one strict class (the strict rule only merges)
    owner = {}
    for key, canon in strict.items():
        for c in canon:
            assert owner.setdefault(c, key) == key


def test_augment_keeps_the_class_and_is_seeded():
    space = NB201Space()
    rng = np.random.default_rng(0)
    for i in rng.integers(0, NUM_ARCHS, size=300):
        arch = ALL[int(i)]
        aug = space.augment(arch, seed=int(i))
        assert space.canonical(aug) == space.canonical(arch)
        assert space.augment(arch, seed=int(i)) == aug


def test_sample_and_neighbours():
    space = get_space("nb201")
    s = space.sample(50, seed=1)
    assert s == space.sample(50, seed=1) and all(space.validate(a) == a for a in s)
    nb = space.neighbours(s[0])
    assert len(nb) == 24 and all(space.hamming(s[0], x) == 1 for x in nb)


@pytest.mark.parametrize("text,pattern", [
    ("", "empty"),
    ("|none~0|+|none~0|none~1|", "3 node groups"),
    ("|none~0|+|none~0|none~1|+|none~0|none~1|conv~2|", r"node 3 edge 2: unknown op 'conv'"),
    ("|none~0|+|none~0|none~1|+|none~0|none~1|none~3|", r"node 3 edge 2: source '3'"),
    ("|none~0|+|none~0|+|none~0|none~1|none~2|", r"node 2 needs 2 input edge\(s\), got 1"),
    ("|none~0+|none~0|none~1|+|none~0|none~1|none~2|", r"node 1 group '\|none~0'"),
    ("|none-0|+|none~0|none~1|+|none~0|none~1|none~2|", r"node 1 edge 0: 'none-0' is not 'op~source'"),
])
def test_malformed_strings_name_position_and_value(text, pattern):
    with pytest.raises(ValueError, match=pattern):
        NB201Space().parse(text)


@pytest.mark.parametrize("value,pattern", [
    (7, "string or a sequence"),
    ((0, 1, 2), "6 edges, got 3"),
    ((0, 1, 2, 3, 4, 5), r"edge 5 \(2, 3\): op index 5"),
])
def test_malformed_values_name_position_and_value(value, pattern):
    with pytest.raises(ValueError, match=pattern):
        NB201Space().coerce(value)


def test_illegal_tokens_and_indices():
    pair = NB201Space("pair")
    tokens = pair.to_tokens((0,) * 6)
    tokens[2] = 2                                   # edge (2<-0) source slot must be node 0 -> token 1
    with pytest.raises(ValueError, match="token 2 is not legal at position 2"):
        pair.from_tokens(tokens)
    with pytest.raises(ValueError, match="expected 12 tokens"):
        pair.from_tokens(tokens[:5])
    with pytest.raises(ValueError, match="arch_index 15625 out of range"):
        pair.from_index(NUM_ARCHS)


def test_token_labels_name_each_token():
    from naoviz.spaces import NB201Space
    arch = NB201Space().parse("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|")
    pair, op = NB201Space("pair").token_labels(arch), NB201Space("op").token_labels(arch)
    assert len(pair) == 12 and len(op) == 6
    assert pair[:2] == ["0→1 from 0", "0→1 nor_conv_3x3"] and op[4] == "1→3 nor_conv_1x1"
    assert NB201Space("pair").step_labels(arch) == op == NB201Space("op").step_labels(arch)   # one per edge


@pytest.mark.parametrize("value", [2.5, True, np.bool_(True), "7", b"7", "\u0663", None, float("inf"), np.float64(2.0)])
def test_integers_mean_integers(value, nb201_table):
    """An index or an op is an int or a numpy integer; everything else is a ValueError naming the value, never
    a silent int() (2.5 -> 2, True -> 1, '٣' -> 3) nor a TypeError/OverflowError."""
    space = NB201Space()
    for call in (space.from_index, lambda v: space.validate([v] * 6), lambda v: space.from_tokens([v] * 12),
                 nb201_table.index_of, nb201_table.query, lambda v: nb201_table.query([v] * 6)):
        with pytest.raises(ValueError):
            call(value)
    assert space.from_index(np.int64(7)) == space.from_index(7)
    assert nb201_table.query(np.int32(7))["arch_index"] == 7
    assert space.validate(np.array([0, 1, 2, 3, 4, 0])) == (0, 1, 2, 3, 4, 0)


def test_live_edges_follow_paths_from_input_to_output():
    """An edge is live when its op is not ``none`` and it lies on an input-to-output path of non-``none``
    edges; ``cost_features`` zero the dead edges' ops in their second block and flag a cut-off output."""
    sp = NB201Space()
    conv, skip = OPS.index("nor_conv_3x3"), OPS.index("skip_connect")
    none = OPS.index("none")
    # edges (1<-0), (2<-0), (2<-1), (3<-0), (3<-1), (3<-2)
    dangling = (conv, none, none, skip, none, none)     # node 1 reaches no output: edge 0 is dead
    chain = (conv, none, conv, none, none, conv)        # 0 -> 1 -> 2 -> 3: all three live
    cut = (conv, conv, none, none, none, none)          # nothing reaches node 3
    live = sp.live_edges([dangling, chain, cut])
    assert live.tolist() == [[False, False, False, True, False, False],
                             [True, False, True, False, False, True],
                             [False] * 6]
    x = sp.cost_features([dangling, chain, cut])
    assert x.shape == (3, 61)
    assert x[:, :30].reshape(3, 6, 5).argmax(-1).tolist() == [list(dangling), list(chain), list(cut)]
    assert (x[:, :30].sum(axis=1) == 6).all()
    assert x[0, 30:60].sum() == 1 and x[0, 30 + 3 * 5 + skip] == 1      # only the skip to the output
    assert x[:, 60].tolist() == [0.0, 0.0, 1.0]
    every = sp.live_edges(ALL)
    assert every.shape == (NUM_ARCHS, 6) and not (every & (np.asarray(ALL) == none)).any()

"""NAONet space: strings, tokens, masks, symmetry and reference cells (property tests + bad input)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from naoviz.spaces import get_space
from naoviz.spaces.naonet import ARCH_LEN, REFERENCE_CELLS, NAONetSpace

SPACES = {"naonet": get_space("naonet"), "naonet-ws": get_space("naonet-ws")}
FAST = settings(max_examples=60, deadline=None)


@st.composite
def archs(draw, name="naonet"):
    space = SPACES[name]
    out = []
    for p in range(ARCH_LEN):
        node = (p % 20) // 4
        high = node + 1 if p % 2 == 0 else space.n_ops - 1
        out.append(draw(st.integers(0, high)))
    return name, tuple(out)


any_arch = st.one_of(archs("naonet"), archs("naonet-ws"))


def test_attributes_follow_the_spec():
    paper, ws = SPACES["naonet"], SPACES["naonet-ws"]
    assert (paper.seq_len, paper.vocab_size, paper.tokens_per_step, len(paper.ops)) == (40, 18, 2, 11)
    assert (ws.seq_len, ws.vocab_size, ws.tokens_per_step, len(ws.ops)) == (40, 12, 2, 5)
    assert ws.ops[:2] == ("sep_conv_3x3", "sep_conv_5x5") and ws.ops[4] == "identity"
    assert paper.ops[0] == "identity" and paper.ops[-1] == "avg_pool_5x5"
    with pytest.raises(ValueError, match="op_set"):
        NAONetSpace(op_set="enas")


@FAST
@given(any_arch)
def test_string_and_token_round_trip(item):
    name, arch = item
    space = SPACES[name]
    text = space.format(arch)
    assert text.count("|") == 1
    assert space.parse(text) == arch
    assert space.parse(text.replace(" | ", " ")) == arch          # 40 ints without '|' (arch-pool files)
    tokens = space.to_tokens(arch)
    assert len(tokens) == 40 and 0 not in tokens
    assert space.from_tokens(tokens) == arch
    assert space.coerce(list(arch)) == arch and space.coerce(text) == arch


def test_tokens_are_pt_v1_layout():
    ws = SPACES["naonet-ws"]
    arch = ws.parse(REFERENCE_CELLS["NAONet-WS"]["arch"])
    tokens = ws.to_tokens(arch)
    assert tokens[:4] == [1, 8, 1, 11]                              # "0 1 0 4" -> in+1, op+7
    paper = SPACES["naonet"]
    a = paper.parse(REFERENCE_CELLS["NAONet-A"]["arch"])
    assert paper.to_tokens(a)[:4] == [1, 9, 2, 17]                  # "0 7 1 15": global 7 -> local 2


def test_mask_admits_exactly_the_valid_tokens():
    for space in SPACES.values():
        mask = space.token_mask()
        assert mask.shape == (40, space.vocab_size) and not mask[:, 0].any()
        for t in range(40):
            node = (t % 20) // 4
            legal = set(np.flatnonzero(mask[t]))
            if t % 2 == 0:
                assert legal == set(range(1, node + 3))             # inputs 0..node+1
            else:
                assert legal == set(range(7, space.vocab_size))


@FAST
@given(any_arch, st.integers(0, 39), st.integers(0, 17))
def test_mask_agrees_with_from_tokens(item, pos, tok):
    name, arch = item
    space = SPACES[name]
    tokens = space.to_tokens(arch)
    tokens[pos] = tok
    legal = tok < space.vocab_size and space.token_mask()[pos, tok]
    if legal:
        assert space.to_tokens(space.from_tokens(tokens)) == tokens
    else:
        with pytest.raises(ValueError, match=f"position {pos}"):
            space.from_tokens(tokens)


@FAST
@given(any_arch, st.integers(0, 2**31 - 1))
def test_augment_preserves_canonical(item, seed):
    name, arch = item
    space = SPACES[name]
    aug = space.augment(arch, seed=seed)
    assert space.canonical(aug) == space.canonical(arch)
    assert space.augment(arch, seed=seed) == aug                    # seeded
    for c in range(2):
        for node in range(5):
            assert space.canonical(space.swap(arch, c, node)) == space.canonical(arch)


def test_augment_swaps_at_least_one_node_per_cell():
    space = SPACES["naonet-ws"]
    arch = space.sample(1, seed=3)[0]
    # make every node's branches differ so any swap is visible
    arch = tuple(v if p % 4 != 1 else 0 for p, v in enumerate(arch))
    arch = tuple(v if p % 4 != 3 else 1 for p, v in enumerate(arch))
    for seed in range(50):
        aug = space.augment(arch, seed=seed)
        assert aug[:20] != arch[:20] and aug[20:] != arch[20:]


def test_canonical_merges_isomorphic_nodes_and_separates_others():
    space = SPACES["naonet-ws"]
    base = space.parse("0 0 1 0 0 0 1 0 2 1 2 1 0 2 1 2 0 3 1 3 | " + "0 0 1 0 " * 5)
    # node 2 reads node 0 (state 2) twice; nodes 0 and 1 are identical, so reading node 1 (state 3)
    # instead gives the same network (node 0 becomes the loose end in place of node 1)
    other = list(base)
    other[8], other[10] = 3, 3
    assert space.loose_ends(base, 0) != space.loose_ends(tuple(other), 0)
    assert space.canonical(tuple(other)) == space.canonical(base)
    assert base != tuple(other)
    changed = list(base)
    changed[1] = 1                                                   # sep5x5 instead of sep3x3
    assert space.canonical(tuple(changed)) != space.canonical(base)
    paper = SPACES["naonet"]
    refs = paper.reference_cells()
    assert paper.canonical(refs["NAONet"]) != paper.canonical(refs["NAONet-A"])


@FAST
@given(any_arch)
def test_neighbours_differ_in_exactly_one_slot(item):
    name, arch = item
    space = SPACES[name]
    nbrs = space.neighbours(arch)
    assert len(set(nbrs)) == len(nbrs)
    # per cell: inputs sum_{j}(j+1)*2 = 30 alternatives, ops 10*(n_ops-1)
    assert len(nbrs) == 2 * (30 + 10 * (space.n_ops - 1))
    for nb in nbrs:
        assert space.hamming(arch, nb) == 1
        assert space.validate(nb) == nb
    assert space.hamming(arch, space.mutate(arch, seed=1)) == 1


def test_sample_is_seeded_valid_and_covers_inputs():
    for space in SPACES.values():
        a = space.sample(200, seed=7)
        assert a == space.sample(200, seed=7) and a != space.sample(200, seed=8)
        assert all(space.validate(x) == x for x in a)
        arr = np.array(a)
        assert arr[:, 16].max() == 5 and arr[:, 36].max() == 5       # node 4 reaches node 3 (state 5)
        assert arr[:, 1::2].max() == space.n_ops - 1
    assert SPACES["naonet"].sample(0, seed=1) == []


def test_reference_cells_parse_and_round_trip():
    assert set(REFERENCE_CELLS) == {"NAONet", "NAONet-A", "NAONet-WS", "NAONet-B"}
    for name, ref in REFERENCE_CELLS.items():
        space = get_space(ref["space"])
        arch = space.parse(ref["arch"])
        assert space.format(arch) == ref["arch"]
        assert space.from_tokens(space.to_tokens(arch)) == arch
        assert name in space.reference_cells()
        with pytest.raises(ValueError):
            get_space("naonet-ws" if ref["space"] == "naonet" else "naonet").parse(ref["arch"])


def test_to_graph_draws_both_cells():
    space = SPACES["naonet-ws"]
    arch = space.parse(REFERENCE_CELLS["NAONet-WS"]["arch"])
    g = space.to_graph(arch)
    cells = {d["cell"] for _, d in g.nodes(data=True)}
    assert cells == {"normal", "reduction"} and g.number_of_nodes() == 16
    assert g.nodes["normal/n0"]["label"] == "n0" and g.nodes["reduction/out"]["kind"] == "output"
    # normal node 0 = sep5x5(s0) + identity(s0): both branches on one edge
    assert g.edges["normal/c_{k-2}", "normal/n0"]["ops"] == ["sep_conv_5x5", "identity"]
    assert g.edges["normal/c_{k-2}", "normal/n0"]["op"] == "sep_conv_5x5 + identity"
    ends = sorted(g.nodes[u]["state"] for u, _ in g.in_edges("normal/out"))
    assert ends == space.loose_ends(arch, 0)
    import networkx as nx
    assert nx.is_directed_acyclic_graph(g)
    branches = sum(len(d["branches"]) for _, _, d in g.edges(data=True))
    assert branches == 20


BAD = [
    ("", "empty"),
    ("   ", "empty"),
    ("0 0 1 0 | 0 0 1 0", "normal cell needs 20 ints"),
    ("0 0 1 0 " * 5 + "| " + "0 0 1 0 " * 5 + "| 0", "one '|'"),
    ("0,0 1 0 " + "0 0 1 0 " * 4 + "| " + "0 0 1 0 " * 5, "position 0 .*'0,0'"),
    ("0 0 1 0 " * 5 + "; " + "0 0 1 0 " * 5, "position 20 .*';'"),
    ("0 0 1 9 " + "0 0 1 0 " * 4 + "| " + "0 0 1 0 " * 5, "normal cell, node 0, position 3 .*unknown op 9"),
    ("0 0 1 0 " * 5 + "| " + "0 0 1 0 " * 4 + "6 0 1 -1", "reduction cell, node 4, position 39 .*unknown op -1"),
    ("0 0 2 0 " + "0 0 1 0 " * 4 + "| " + "0 0 1 0 " * 5, "normal cell, node 0, position 2 .*input 2 out of range"),
    ("0 0 1 0 " * 5 + "| " + "0 0 1 0 " * 3 + "7 0 1 0 0 0 1 0", "reduction cell, node 3, position 32 .*input 7"),
    ("0 0 1 0 " * 4 + "| " + "0 0 1 0 " * 5, "normal cell needs 20 ints .*got 16"),
    ("0 0 1 0 " * 10 + "0 0", "expected 40 ints"),
]


@pytest.mark.parametrize("text,pattern", BAD)
def test_malformed_strings_name_the_problem(text, pattern):
    with pytest.raises(ValueError, match=pattern):
        SPACES["naonet-ws"].parse(text)


def test_paper_space_rejects_ws_op_ids_by_value():
    text = "0 7 1 15 2 8 1 7 0 6 1 7 0 8 4 7 1 4 0 7 | " + "0 7 1 13 " * 5
    with pytest.raises(ValueError, match=r"normal cell, node 4, position 17 \(x_op\): unknown op 4; expected 5..15"):
        SPACES["naonet"].parse(text)


@pytest.mark.parametrize("value,pattern", [
    (42, "string or a sequence"),
    (3.5, "string or a sequence"),
    (None, "string or a sequence"),
    ((0, 0, 1, 0), "40 ints"),
    (tuple([0, 0, 1, 0] * 9 + [0, 0, 1, 0.5]), r"position 39 .*0.5 is not an integer"),
    (tuple([0, 0, 1, 0] * 9 + [0, 0, 1, 5]), r"position 39 \(y_op\): op index 5 out of range 0..4"),
])
def test_malformed_values_name_the_problem(value, pattern):
    with pytest.raises(ValueError, match=pattern):
        SPACES["naonet-ws"].coerce(value)
    if not isinstance(value, (int, float, type(None))):
        with pytest.raises(ValueError):
            SPACES["naonet-ws"].from_tokens([0] * 3)
    with pytest.raises(ValueError, match="expected an architecture string"):
        SPACES["naonet-ws"].parse(b"0 0 1 0")


def test_token_labels_name_cell_node_and_value():
    from naoviz.spaces import get_space
    space = get_space("naonet")
    arch = space.sample(1, seed=0)[0]
    labels = space.token_labels(arch)
    assert len(labels) == space.seq_len == 40
    assert labels[0] == f"N node 0 in {arch[0]}" and labels[21] == f"R node 0 op {space.ops[arch[21]]}"
    steps = space.step_labels(arch)
    assert len(steps) == space.seq_len // space.tokens_per_step == 20
    assert steps[10] == f"R node 0 {space.ops[arch[21]]}({arch[20]})"

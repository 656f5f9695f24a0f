"""Child networks: NB201 parameter counts equal the real table; NAONet builds any valid cell."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from naoviz.child import NetOptions, build_network
from naoviz.child.ops import count_params
from naoviz.spaces import get_space

torch.set_num_threads(1)


def test_nb201_param_counts_match_the_table(nb201_table):
    space = nb201_table.space
    rng = np.random.default_rng(0)
    rows = sorted(set(rng.integers(0, 15625, size=40).tolist()) | {0, 1, 15624})
    c10 = nb201_table.metric("cifar10_params_M")
    c100 = nb201_table.metric("cifar100_params_M")
    for i in rows:
        arch = space.from_index(i)
        assert round(count_params(build_network(space, arch)) / 1e6, 6) == pytest.approx(c10[i], abs=1e-6)
    for i in rows[:5]:
        net = build_network(space, space.from_index(i), num_classes=100)
        assert round(count_params(net) / 1e6, 6) == pytest.approx(c100[i], abs=1e-6)


def test_naonet_a_param_count_at_n6_f36():
    space = get_space("naonet")
    net = build_network(space, space.reference_cells()["NAONet-A"])
    assert count_params(net, skip="aux") == 11_463_670          # reported in docs/child.md
    assert count_params(net) == 11_940_096                       # with the auxiliary head


@pytest.mark.parametrize("name", ["naonet", "naonet-ws"])
def test_any_valid_naonet_cell_builds_and_trains_one_step(name):
    space = get_space(name)
    archs = space.sample(3, seed=1) + list(space.reference_cells().values())
    # a cell reading only input 1: input 0 is a loose end (FactorizedReduce in the reduction cell)
    archs.append(tuple(1 if p % 2 == 0 and (p % 20) < 4 else (2 if p % 2 == 0 else 0) for p in range(40)))
    x = torch.randn(2, 3, 16, 16)
    for arch in archs:
        net = build_network(space, arch, num_classes=5, options=NetOptions(channels=4, cells=1))
        net.train()
        net.set_progress(0.5)
        logits, aux = net(x, with_aux=True)
        assert logits.shape == (2, 5) and aux.shape == (2, 5)
        (logits.sum() + aux.sum()).backward()
        assert all(p.grad is not None for n, p in net.named_parameters() if not n.startswith("aux"))
        net.eval()
        assert net(x).shape == (2, 5) and torch.isfinite(net(x)).all()


def test_every_op_builds_at_both_strides():
    from naoviz.child.naonet_net import make_op
    x = torch.randn(2, 4, 8, 8)
    for name in get_space("naonet").ops + get_space("naonet-ws").ops:
        for stride in (1, 2):
            assert make_op(name, 4, stride)(x).shape == (2, 4, 8 // stride, 8 // stride), (name, stride)


def test_drop_path_is_scheduled():
    space = get_space("naonet-ws")
    net = build_network(space, space.reference_cells()["NAONet-WS"], num_classes=3,
                        options=NetOptions(channels=4, cells=1, drop_path_keep=0.5, keep_prob=1.0))
    x = torch.randn(4, 3, 16, 16)
    net.train()
    net.set_progress(0.0)                            # no drop-path at the start of training
    torch.manual_seed(0)
    a = net(x)
    torch.manual_seed(1)
    assert torch.allclose(a, net(x))
    net.set_progress(1.0)
    torch.manual_seed(0)
    b = net(x)
    torch.manual_seed(1)
    assert not torch.allclose(b, net(x))


@pytest.mark.parametrize("space,arch,pattern", [
    ("naonet", "0 7 1 15", "40 ints"),
    ("naonet-ws", "0 1 0 4 2 2 1 3 1 0 2 0 2 3 1 3 1 2 0 9 | " + "0 0 1 0 " * 5, "position 19 .*unknown op 9"),
    ("nb201", "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown op 'conv'"),
    ("darts", "x", "unknown space"),
])
def test_invalid_arch_fails_clearly(space, arch, pattern):
    with pytest.raises(ValueError, match=pattern):
        build_network(space, arch)

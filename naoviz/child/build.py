"""Build a child network from a space name and an architecture (string or ints)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Optional, Union

from torch import nn

from naoviz.errors import check_count, check_type, show
from naoviz.spaces import SearchSpace, get_space

MAX_CHANNELS = 256     # NAONet's largest published width is 128
MAX_CELLS = 16         # cells per stage (NB201 uses 5, NAONet 6)


@dataclass
class NetOptions:
    """Width and depth (None = the space's standard: NB201 C=16 N=5; NAONet F=36 N=6) and regularisers."""

    channels: Optional[int] = None
    cells: Optional[int] = None
    aux_head: bool = True            # NAONet only
    drop_path_keep: float = 0.8      # NAONet only
    keep_prob: float = 0.6           # NAONet only (final dropout)

    def to_dict(self) -> dict:
        return asdict(self)

    def validate(self) -> "NetOptions":
        """``ValueError`` naming a bad field (sizes are bounded so a typo cannot allocate 100 GB)."""
        for name, hi in (("channels", MAX_CHANNELS), ("cells", MAX_CELLS)):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= hi):
                raise ValueError(f"net: {name} must be None or an int in 1..{hi}, got {show(v)}")
        if not isinstance(self.aux_head, bool):
            raise ValueError(f"net: aux_head must be True or False, got {show(self.aux_head)}")
        for name in ("drop_path_keep", "keep_prob"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not 0 < v <= 1:
                raise ValueError(f"net: {name} must be a number in (0, 1], got {show(v)}")
        return self


def build_network(space: Union[str, SearchSpace], arch, num_classes: int = 10, in_channels: int = 3,
                  options: Optional[NetOptions] = None) -> nn.Module:
    """The macro network of ``space`` with cell ``arch``; ``ValueError`` if the arch is not valid."""
    check_count(num_classes, "num_classes", 2, 100_000)
    check_count(in_channels, "in_channels", 1, 64)
    check_type(options, (NetOptions, type(None)), "options", "a NetOptions or None")
    space = get_space(space) if isinstance(space, str) else check_type(space, SearchSpace, "space",
                                                                        "a space name or a SearchSpace")
    arch = space.coerce(arch)
    o = (options or NetOptions()).validate()
    if space.name == "nb201":
        from naoviz.child.nb201_net import NB201Net, NB201NetConfig
        return NB201Net(arch, NB201NetConfig(o.channels or 16, o.cells or 5, num_classes, in_channels))
    if space.name in ("naonet", "naonet-ws"):
        from naoviz.child.naonet_net import NAONet, NAONetConfig
        cfg = NAONetConfig(o.channels or 36, o.cells or 6, num_classes, in_channels, o.aux_head,
                           o.drop_path_keep, o.keep_prob)
        return NAONet(arch, space, cfg)
    raise ValueError(f"child: no network for space {space.name!r}; expected nb201, naonet or naonet-ws")

"""Search spaces behind one contract (:class:`SearchSpace`)."""
from naoviz.spaces.base import Arch, SearchSpace, as_rng
from naoviz.spaces.nb201 import NB201Space

SPACES = ("nb201", "naonet", "naonet-ws")
__all__ = ["Arch", "SearchSpace", "as_rng", "NB201Space", "SPACES", "get_space"]


def get_space(name: str, **options) -> SearchSpace:
    """A space by name: ``nb201``, ``naonet`` (11-op paper set) or ``naonet-ws`` (5-op set)."""
    if name == "nb201":
        return NB201Space(**options)
    if name in ("naonet", "naonet-ws"):
        from naoviz.spaces.naonet import NAONetSpace
        return NAONetSpace(op_set="paper" if name == "naonet" else "ws", **options)
    raise ValueError(f"space: unknown space {name!r}; expected one of {', '.join(SPACES)}")

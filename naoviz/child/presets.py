"""Named child-training recipes (``digits-quick`` for the dashboard's Child tab, ``digits-table`` for the shipped
digits table) and :func:`train_preset`, the one call the tab and ``naoviz train-child --preset`` share.

Why a preset: the trainer's defaults are PT-V1's CIFAR recipe (C=16, N=5: 1.5 M parameters for a five-conv
cell), which on 1,077 digits gets 9 SGD steps an epoch and stays near chance for several epochs. A small net
(C=8, N=1) with more, smaller steps learns digits in seconds.
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, replace
from typing import Callable, Optional, Union

from naoviz.child.build import NetOptions
from naoviz.child.data import ChildData, check_data_name, load_data
from naoviz.child.trainer import TrainConfig, TrainResult, train_child
from naoviz.errors import check_function, check_type, show
from naoviz.spaces import SearchSpace

MAX_THREADS = 256


@dataclass(frozen=True)
class ChildPreset:
    """What a preset fixes: dataset, net size (``channels`` C, ``cells`` N per stage) and schedule.
    ``threads``: torch CPU threads while training (restored afterwards); ``device``: as in TrainConfig."""

    name: str
    data: str = "digits"
    epochs: int = 4
    channels: int = 8
    cells: int = 1
    batch_size: int = 32
    lr: float = 0.05
    weight_decay: float = 3e-4
    seed: int = 0
    threads: int = 1
    device: str = "cpu"

    def to_dict(self) -> dict:
        return asdict(self)

    def validate(self) -> "ChildPreset":
        """``ValueError`` naming the first bad field (the trainer's and the net's own checks, plus data/threads)."""
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"preset: name must be a non-empty string, got {show(self.name)}")
        try:
            check_data_name(self.data)
        except ValueError as exc:
            raise ValueError(f"preset: {exc}") from None
        if isinstance(self.threads, bool) or not isinstance(self.threads, int) or not 1 <= self.threads <= MAX_THREADS:
            raise ValueError(f"preset: threads must be an int in 1..{MAX_THREADS}, got {show(self.threads)}")
        self.train_config()
        self.net_options()
        return self

    def train_config(self, **overrides) -> TrainConfig:
        """The trainer's config (``progress`` off unless overridden), validated."""
        keys = ("epochs", "batch_size", "lr", "weight_decay", "seed", "device")
        return TrainConfig(**{**{k: getattr(self, k) for k in keys}, "progress": False, **overrides}).validate()

    def net_options(self) -> NetOptions:
        return NetOptions(channels=self.channels, cells=self.cells).validate()

    def with_changes(self, **changes) -> "ChildPreset":
        """A copy with ``changes`` (e.g. ``epochs=3``), validated; an unknown field is a ``ValueError``."""
        unknown = sorted(set(changes) - set(self.to_dict()))
        if unknown:
            raise ValueError(f"preset: unknown field {show(unknown[0])}; expected one of {', '.join(self.to_dict())}")
        return replace(self, **changes).validate()


PRESETS: dict[str, ChildPreset] = {
    # The Child tab's recipe: >= 80 % test accuracy on good, median and poor digits-table cells (bench/child_quick.py).
    "digits-quick": ChildPreset("digits-quick", epochs=4, channels=8, cells=1, batch_size=32, lr=0.05),
    # The settings naoviz/resources/nb201_digits.csv was built with (naoviz build-table defaults).
    "digits-table": ChildPreset("digits-table", epochs=4, channels=8, cells=1, batch_size=64, lr=0.05),
}
DEFAULT_PRESET = "digits-quick"


def get_preset(name: Union[str, ChildPreset] = DEFAULT_PRESET) -> ChildPreset:
    """A preset by name (a :class:`ChildPreset` is validated and returned); ``ValueError`` naming the value."""
    if isinstance(name, ChildPreset):
        return name.validate()
    if not isinstance(name, str) or name not in PRESETS:
        raise ValueError(f"preset: unknown preset {show(name)}; expected one of {', '.join(PRESETS)}")
    return PRESETS[name]


_DATA: dict = {}
_DATA_LOCK = threading.Lock()
_THREADS_LOCK = threading.Lock()


def preset_data(preset: ChildPreset) -> ChildData:
    """The preset's dataset, loaded once per process (digits and synthetic are small and read-only here)."""
    key = (preset.data, preset.seed)
    with _DATA_LOCK:
        if key not in _DATA:
            _DATA[key] = load_data(preset.data, seed=preset.seed)
        return _DATA[key]


def _space_and_arch(space, arch) -> tuple:
    """(the space, ``arch`` validated in it): a bad space or cell named before any data is read."""
    from naoviz.spaces import get_space
    from naoviz.spaces.base import SearchSpace
    if not isinstance(space, SearchSpace):
        space = get_space(space)
    try:
        return space, space.coerce(arch)
    except ValueError as exc:
        raise ValueError(f"arch: {exc}") from None


def train_preset(space: Union[str, SearchSpace], arch, preset: Union[str, ChildPreset] = DEFAULT_PRESET,
                 callback: Optional[Callable[[int, dict], None]] = None, data: Optional[ChildData] = None,
                 **changes) -> TrainResult:
    """Train ``arch`` with ``preset`` (``changes`` such as ``epochs=3`` override fields) on its dataset, or on
    ``data`` when given; torch's CPU thread count is the preset's while training and restored afterwards."""
    import torch

    p = get_preset(preset)
    p = p.with_changes(**changes) if changes else p
    config, net = p.train_config(), p.net_options()          # every check before any data is read
    space, arch = _space_and_arch(space, arch)
    check_type(data, (ChildData, type(None)), "data", "a ChildData (naoviz.child.load_data) or None")
    check_function(callback, "callback", "a function of (epoch, logs)")
    data = data if data is not None else preset_data(p)
    with _THREADS_LOCK:
        before = torch.get_num_threads()
        torch.set_num_threads(p.threads)
    try:
        return train_child(space, arch, data, config, net, callback=callback)
    finally:
        with _THREADS_LOCK:
            torch.set_num_threads(before)

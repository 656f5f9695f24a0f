"""Child networks (NAS-Bench-201 and NAONet macro nets) and their trainer."""
from naoviz.child.build import NetOptions, build_network  # noqa: F401
from naoviz.child.data import ChildData, load_data  # noqa: F401
from naoviz.child.trainer import ChildTrainer, TrainConfig, TrainResult, resolve_device, train_child  # noqa: F401
from naoviz.child.presets import PRESETS, ChildPreset, get_preset, train_preset  # noqa: F401

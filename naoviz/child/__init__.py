"""Child networks (NAS-Bench-201 and NAONet macro nets) and their trainer."""
from naoviz.child.build import NetOptions, build_network
from naoviz.child.data import ChildData, load_data
from naoviz.child.trainer import ChildTrainer, TrainConfig, TrainResult, resolve_device, train_child
from naoviz.child.presets import PRESETS, ChildPreset, get_preset, train_preset

__all__ = ["NetOptions", "build_network", "ChildData", "load_data", "ChildTrainer", "TrainConfig", "TrainResult",
           "resolve_device", "train_child", "PRESETS", "ChildPreset", "get_preset", "train_preset"]

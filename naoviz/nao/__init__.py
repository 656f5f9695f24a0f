"""Neural Architecture Optimization, the whole method in one folder (read it top to bottom):

- ``modules.py``: encoder, predictor, attention decoder and the joint network (shapes in comments);
- ``train.py``: the joint loss and training loop;
- ``step.py``: the one gradient step in the embedding, used by ``path``, ``generate``, the search and the UI;
- ``estimator.py``: ``NAO``, the scikit-learn-style estimator (fit / predict / score / path / generate);
- ``config.py``: ``NAOConfig`` and its presets; ``targets.py``: metric <-> [0, 1] scores;
- ``checkpoint.py``: safetensors + JSON, never unpickled; ``cache.py``: fitted models on disk, one trainer
  at a time under a file lock.

The names below load on first use, so ``naoviz.nao.cache`` and ``naoviz.nao.config`` (model keys, cached
atlases) do not import torch: an explorer kernel that only reads an atlas stays small.
"""
from importlib import import_module

_LAZY = {"NAOConfig": "naoviz.nao.config", "NAO": "naoviz.nao.estimator",
         "Generated": "naoviz.nao.step", "PathResult": "naoviz.nao.step"}
__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'naoviz.nao' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)

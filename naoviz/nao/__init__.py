"""Neural Architecture Optimization, the whole method in one folder (read it top to bottom):

- ``modules.py``: encoder, predictor, attention decoder and the joint network (shapes in comments);
- ``train.py``: the joint loss and training loop;
- ``step.py``: the one gradient step in the embedding, used by ``path``, ``generate``, the search and the UI;
- ``estimator.py``: ``NAO``, the scikit-learn-style estimator (fit / predict / score / path / generate);
- ``config.py``: ``NAOConfig`` and its presets; ``targets.py``: metric <-> [0, 1] scores;
- ``checkpoint.py``: safetensors + JSON, never unpickled; ``cache.py``: fitted models on disk, one trainer
  at a time under a file lock.
"""
from naoviz.nao.config import NAOConfig  # noqa: F401
from naoviz.nao.estimator import NAO  # noqa: F401
from naoviz.nao.step import Generated, PathResult  # noqa: F401

"""Training loops."""
from naoviz.train.nao import augment_pool, train_epd  # noqa: F401

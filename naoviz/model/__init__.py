"""The NAO model: encoder, predictor, attention decoder, and the ``NAO`` estimator around them."""
from naoviz.model.config import NAOConfig  # noqa: F401
from naoviz.model.estimator import NAO  # noqa: F401

"""The ``supernet`` evaluator: searchers score cells by a one-shot supernet's shared weights
(:class:`naoviz.child.oneshot.OneShot`), trained once on first use, instead of training each cell."""
from __future__ import annotations

import time
from typing import Optional

from naoviz.child.oneshot import OneShot, SupernetConfig
from naoviz.errors import show
from naoviz.evaluate import Evaluator
from naoviz.spaces import get_space

EVALUATOR_METRICS = ("valid_acc", "test_acc", "valid_loss", "test_loss")


class SupernetEvaluator(Evaluator):
    """The ``supernet`` evaluator for the searchers: a cell's metrics are its accuracies and mean
    cross-entropies with the shared weights (``valid_acc`` / ``valid_loss`` on the held-out valid batches,
    ``test_acc`` / ``test_loss`` on test batches), no training of its own; ``metric="valid_loss"`` (minimised)
    ranks the digits table better than ``valid_acc`` (docs/supernet.md). ``space`` (``nb201`` or ``naonet-ws``)
    picks the supernet and its defaults (:meth:`SupernetConfig.for_space`). The supernet trains once, on first
    use, for ``epochs`` (uniform/fair over the whole space); that training time is charged to the first
    evaluation's ``cost_s``. Runs in-process: a pickled copy (a Dask worker) leaves the weights behind and would
    train its own supernet, the same one for the same seed.
    """

    name = "supernet"

    def __init__(self, metric: str = "valid_acc", report: str = "test_acc", **options):
        super().__init__()
        for field, value in (("metric", metric), ("report", report)):
            if value not in EVALUATOR_METRICS:
                raise ValueError(f"{field}: the supernet evaluator gives {', '.join(EVALUATOR_METRICS)}, "
                                 f"got {show(value)}")
        options = dict(options)
        self.config = SupernetConfig.for_space(options.pop("space", "nb201"), **options)
        self.metric, self.report, self.maximize = metric, report, not metric.endswith("_loss")
        self.space = get_space(self.config.space)
        self._net: Optional[OneShot] = None
        self._pending_cost = 0.0

    @property
    def oneshot(self) -> OneShot:
        """The trained supernet (trained here on first use)."""
        if self._net is None:
            t0 = time.perf_counter()
            net = OneShot(self.config)
            net.train(self.config.epochs)
            self._net, self._pending_cost = net, time.perf_counter() - t0
        return self._net

    def evaluate(self, arch) -> dict:
        net = self.oneshot
        t0 = time.perf_counter()
        valid, test = net.scores([arch], "valid"), net.scores([arch], "test")
        cost, self._pending_cost = time.perf_counter() - t0 + self._pending_cost, 0.0
        return {"metrics": {"valid_acc": float(valid["acc"][0]), "test_acc": float(test["acc"][0]),
                            "valid_loss": float(valid["loss"][0]), "test_loss": float(test["loss"][0])},
                "cost_s": cost}

    def describe(self) -> dict:
        return {"name": self.name, "metric": self.metric, "report": self.report, "config": self.config.to_dict()}

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["_net"] = None
        return state

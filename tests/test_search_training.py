"""The searcher does not care which evaluator it has: a short search that really trains NB201 cells."""
from __future__ import annotations

import torch

from naoviz.child.build_table import train_metrics
from naoviz.evaluate import TrainingEvaluator, evaluator_from_config
from naoviz.search import make_searcher
from naoviz.spaces import NB201Space

torch.set_num_threads(1)


def test_random_search_with_the_child_trainer():
    space = NB201Space()
    ev = TrainingEvaluator(space, train_metrics, metric="valid_acc", report="test_acc",
                           data="digits", epochs=1, channels=4, cells=1, batch_size=128)
    res = make_searcher("rs", config={"batch": 2}).run(ev, 2, seed=0, progress=False)
    assert len(res.history) == 2 and len({r.canonical for r in res.history}) == 2
    for r in res.history:
        assert 0.0 <= r.value <= 100.0 and 0.0 <= r.report <= 100.0 and r.cost_s > 0
    rebuilt = evaluator_from_config(ev.describe())          # what --resume does with a stored run
    assert rebuilt.train_fn is train_metrics and rebuilt.options == ev.options


def test_evaluate_many_bounds_what_is_in_flight_and_returns_everything():
    import concurrent.futures as cf
    import threading
    import time

    from naoviz.evaluate import Evaluator

    class Counting(Evaluator):
        def __init__(self):
            super().__init__()
            self.lock, self.running, self.peak = threading.Lock(), 0, 0

        def evaluate(self, arch):
            with self.lock:
                self.running += 1
                self.peak = max(self.peak, self.running)
            time.sleep(0.01)
            with self.lock:
                self.running -= 1
            return {"metrics": {"valid_acc": float(arch)}, "cost_s": 0.01}

    ev = Counting()
    submitted = []
    with cf.ThreadPoolExecutor(8) as pool:
        class Spy(cf.Executor):                       # counts submissions not yet finished
            def submit(self, fn, *args):
                future = pool.submit(fn, *args)
                submitted.append(future)
                assert sum(not f.done() for f in submitted) <= 3
                return future
        ev.use_executor(Spy())
        out = dict(ev.evaluate_many(list(range(20)), max_in_flight=3))
    assert sorted(out) == list(range(20)) and all(out[i]["metrics"]["valid_acc"] == i for i in out)
    assert ev.peak <= 3

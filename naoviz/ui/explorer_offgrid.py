"""Off-grid answers for the explorer widget: what the atlas cannot hold (a typed cell not in it, several steps,
the constrained step under a budget).

``nao_handler(loader)`` returns a handler for ``ExplorerWidget(atlas, handler=...)``. ``loader()`` gives
``(model, benchmark, metric)`` (``benchmark`` may be None); it runs on the first request only, so torch and
the model load when a student first asks for off-grid work, not when the page opens. A request with
``"budget": {"column", "bound"}`` is answered with the path under that budget (``naoviz.nao.cost_heads.
budget_path``: per eta the gradient step's decode where the cost head puts it within budget, else the
constrained step's, ``CostNAO.path(..., budget={column: bound})``), its cost heads fitted once per model and
column on the benchmark's cells and kept on disk (``naoviz.nao.heads_cache``: the UI keeps none of it).
``should_stop`` (the widget's: a newer ask came) ends the work at its next safe point, between steps or fit epochs
(``naoviz.errors.Stopped``).
"""
from __future__ import annotations

from typing import Callable, Optional

HEADS_SEED = 0       # the cost heads' seed: the same path for the same budget, every session


def nao_handler(loader: Callable[[], tuple]) -> Callable[..., dict]:
    """A handler that answers ``{"cell", "steps", "etas"[, "budget"]}`` with the fitted model's gradient path
    (with a budget: ``budget_path``'s, which etas took the constrained step, each decoded cell's predicted and
    true cost). ``progress(stage, done, total)``, when given, is told each stage of the work (the page shows it).
    ``should_stop()``, when given, is falsy while this ask is wanted, else the newer ask (a dict, as the page sent
    it) or True: the work ends at its next safe point with ``Stopped``, except a cost head's fit that the newer ask
    needs too (the same column: finishing it is the newer ask's quickest answer; only this ask's path is skipped)."""
    loaded: dict = {}

    def handle(request: dict, progress: Optional[Callable[[str, int, int], object]] = None,
               should_stop: Optional[Callable[[], object]] = None) -> dict:
        if "model" not in loaded:
            if progress is not None:
                progress("loading the model (first ask only)", 0, 1)
            loaded["model"], loaded["bench"], loaded["metric"] = loader()
        from naoviz.nao.step import StepWatch
        model, bench, metric = loaded["model"], loaded["bench"], loaded["metric"]
        arch = model.space.parse(request["cell"])                       # ValueError names what is wrong
        budget, steps = request.get("budget"), int(request["steps"])
        stop = None if should_stop is None else (lambda: bool(should_stop()))
        if not budget:
            watch = StepWatch(steps + 1, progress, stop)
            res = model.path(arch, request["etas"], steps=steps, benchmark=bench, metric=metric,
                             on_step=watch.hook("the gradient step's path"))
            return _answer(model, res)
        column, bound = budget["column"], float(budget["bound"])
        if bench is None or column not in getattr(bench, "metrics", []):
            raise ValueError(f"budget: the constrained step needs the table's {column!r} column to fit "
                             "its cost head; the loader gave no benchmark with it")
        from naoviz.nao.heads_cache import explorer_heads, explorer_path

        def fit_stop() -> bool:             # a newer ask under the same column needs these heads: fit on
            newer = should_stop()
            return bool(newer) and _budget_column(newer) != column
        cost = explorer_heads(model, bench, column, seed=HEADS_SEED, progress=progress,
                              should_stop=fit_stop if should_stop is not None else None)
        res = explorer_path(cost, arch, request["etas"], {column: bound}, steps=steps,
                            benchmark=bench, metric=metric, progress=progress, should_stop=stop)
        entry = res.costs[column]
        return {**_answer(cost, res), "constrained": {"column": column, "bound": bound},
                "constrained_at": [bool(c) for c in res.constrained],
                "cost_predicted": _floats(entry["decoded_predicted"]),
                "cost_true": _floats(entry["true"]) if entry["true"] is not None else None}

    return handle


def _budget_column(ask) -> Optional[str]:
    """The budget column a newer ask (the page's message) wants heads for; None: none (no budget, or not an ask)."""
    budget = ask.get("budget") if isinstance(ask, dict) else None
    return budget.get("column") if isinstance(budget, dict) else None


def _answer(model, res) -> dict:
    return {"decoded": [model.space.format(a) for a in res.decoded],
            "pred_moved": _floats(res.predicted), "pred_decoded": _floats(res.decoded_predicted),
            "true": _floats(res.true) if res.true is not None else None, "steps": int(res.steps)}


def _floats(values) -> list[Optional[float]]:
    return [float(v) if v == v else None for v in values]

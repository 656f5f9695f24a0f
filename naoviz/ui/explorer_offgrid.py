"""Off-grid answers for the explorer widget: what the atlas cannot hold (a typed cell not in it, several steps,
the constrained step under a budget).

``nao_handler(loader)`` returns a handler for ``ExplorerWidget(atlas, handler=...)``. ``loader()`` gives
``(model, benchmark, metric)`` (``benchmark`` may be None); it runs on the first request only, so torch and
the model load when a student first asks for off-grid work, not when the page opens. A request with
``"budget": {"column", "bound"}`` is answered with the path under that budget (``naoviz.nao.cost_heads.
budget_path``: per eta the gradient step's decode where the cost head puts it within budget, else the
constrained step's, ``CostNAO.path(..., budget={column: bound})``), its cost heads fitted once per model and
column on the benchmark's cells and kept on disk (``naoviz.nao.heads_cache``: the UI keeps none of it).
"""
from __future__ import annotations

from typing import Callable, Optional

HEADS_SEED = 0       # the cost heads' seed: the same path for the same budget, every session


def nao_handler(loader: Callable[[], tuple]) -> Callable[..., dict]:
    """A handler that answers ``{"cell", "steps", "etas"[, "budget"]}`` with the fitted model's gradient path
    (with a budget: ``budget_path``'s, which etas took the constrained step, each decoded cell's predicted and
    true cost). ``progress(stage, done, total)``, when given, is told each stage of the work (the page shows it)."""
    loaded: dict = {}

    def handle(request: dict, progress: Optional[Callable[[str, int, int], object]] = None) -> dict:
        if "model" not in loaded:
            if progress is not None:
                progress("loading the model (first ask only)", 0, 1)
            loaded["model"], loaded["bench"], loaded["metric"] = loader()
        model, bench, metric = loaded["model"], loaded["bench"], loaded["metric"]
        arch = model.space.parse(request["cell"])                       # ValueError names what is wrong
        budget = request.get("budget")
        if not budget:
            res = model.path(arch, request["etas"], steps=int(request["steps"]), benchmark=bench, metric=metric)
            return _answer(model, res)
        column, bound = budget["column"], float(budget["bound"])
        if bench is None or column not in getattr(bench, "metrics", []):
            raise ValueError(f"budget: the constrained step needs the table's {column!r} column to fit "
                             "its cost head; the loader gave no benchmark with it")
        from naoviz.nao.heads_cache import explorer_heads, explorer_path
        cost = explorer_heads(model, bench, column, seed=HEADS_SEED, progress=progress)
        res = explorer_path(cost, arch, request["etas"], {column: bound}, steps=int(request["steps"]),
                            benchmark=bench, metric=metric, progress=progress)
        entry = res.costs[column]
        return {**_answer(cost, res), "constrained": {"column": column, "bound": bound},
                "constrained_at": [bool(c) for c in res.constrained],
                "cost_predicted": _floats(entry["decoded_predicted"]),
                "cost_true": _floats(entry["true"]) if entry["true"] is not None else None}

    return handle


def _answer(model, res) -> dict:
    return {"decoded": [model.space.format(a) for a in res.decoded],
            "pred_moved": _floats(res.predicted), "pred_decoded": _floats(res.decoded_predicted),
            "true": _floats(res.true) if res.true is not None else None, "steps": int(res.steps)}


def _floats(values) -> list[Optional[float]]:
    return [float(v) if v == v else None for v in values]

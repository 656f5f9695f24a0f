"""Off-grid answers for the explorer widget: what the atlas cannot hold (a typed cell not in it, several steps,
the constrained step under a budget).

``nao_handler(loader)`` returns a handler for ``ExplorerWidget(atlas, handler=...)``. ``loader()`` gives
``(model, benchmark, metric)`` (``benchmark`` may be None); it runs on the first request only, so torch and
the model load when a student first asks for off-grid work, not when the page opens. A request with
``"budget": {"column", "bound"}`` is answered with the path under that budget (``naoviz.nao.cost_heads.
budget_path``: per eta the gradient step's decode where the cost head puts it within budget, else the
constrained step's, ``CostNAO.path(..., budget={column: bound})``), its cost heads fitted once per column on
the benchmark's cells on first use (``cost_nao_from``: the plain model's weights, heads only; seconds on a CPU).
"""
from __future__ import annotations

from typing import Callable, Optional

HEADS_SEED = 0       # the cost heads' seed: the same path for the same budget, every session


def nao_handler(loader: Callable[[], tuple]) -> Callable[[dict], dict]:
    """A handler that answers ``{"cell", "steps", "etas"[, "budget"]}`` with the fitted model's gradient path
    (with a budget: ``budget_path``'s, which etas took the constrained step, each decoded cell's predicted and
    true cost)."""
    cache: dict = {}

    def handle(request: dict) -> dict:
        if "model" not in cache:
            cache["model"], cache["bench"], cache["metric"] = loader()
        model, bench, metric = cache["model"], cache["bench"], cache["metric"]
        arch = model.space.parse(request["cell"])                       # ValueError names what is wrong
        budget = request.get("budget")
        if not budget:
            res = model.path(arch, request["etas"], steps=int(request["steps"]), benchmark=bench, metric=metric)
            return _answer(model, res)
        column, bound = budget["column"], float(budget["bound"])
        heads = cache.setdefault("cost_heads", {})
        if column not in heads:
            if bench is None or column not in getattr(bench, "metrics", []):
                raise ValueError(f"budget: the constrained step needs the table's {column!r} column to fit "
                                 "its cost head; the loader gave no benchmark with it")
            from naoviz.nao.cost_heads import cost_nao_from
            heads[column] = cost_nao_from(model, [column], bench.archs(), {column: bench.metric(column)},
                                          seed=HEADS_SEED)
        from naoviz.nao.cost_heads import budget_path
        cost = heads[column]
        res = budget_path(cost, arch, request["etas"], {column: bound}, steps=int(request["steps"]),
                          benchmark=bench, metric=metric)
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

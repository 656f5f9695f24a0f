"""Off-grid answers for the explorer widget: what the atlas cannot hold (a typed cell not in it, several steps).

``nao_handler(loader)`` returns a handler for ``ExplorerWidget(atlas, handler=...)``. ``loader()`` gives
``(model, benchmark, metric)`` (``benchmark`` may be None); it runs on the first request only, so torch and
the model load when a student first asks for off-grid work, not when the page opens.
"""
from __future__ import annotations

from typing import Callable, Optional


def nao_handler(loader: Callable[[], tuple]) -> Callable[[dict], dict]:
    """A handler that answers ``{"cell", "steps", "etas"}`` with the fitted model's gradient path."""
    cache: dict = {}

    def handle(request: dict) -> dict:
        if "model" not in cache:
            cache["model"], cache["bench"], cache["metric"] = loader()
        model, bench, metric = cache["model"], cache["bench"], cache["metric"]
        arch = model.space.parse(request["cell"])                       # ValueError names what is wrong
        res = model.path(arch, request["etas"], steps=int(request["steps"]), benchmark=bench, metric=metric)
        return {"decoded": [model.space.format(a) for a in res.decoded],
                "pred_moved": _floats(res.predicted), "pred_decoded": _floats(res.decoded_predicted),
                "true": _floats(res.true) if res.true is not None else None,
                "steps": int(res.steps)}

    return handle


def _floats(values) -> list[Optional[float]]:
    return [float(v) if v == v else None for v in values]

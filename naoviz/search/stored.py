"""A finished run read back from the store: ``resume_search`` of a run that already ended answers with its stored
result instead of replaying the whole search (NAO's every refit again, as long as the run took; nothing new).

Each stored evaluation holds what its :class:`Record` needs: the cell, its metrics and cost, and in ``extra``
the query number, source and round the search gave it (``SearchContext._write``). A run counts as finished only
when its status says so *and* its record is whole: exactly ``budget`` evaluations, queries 1..budget once each,
every source one the searcher gives today. Anything else (a budget not reached, rows stored before a field
existed) is left to the replay, which mends it or fills it up.
"""
from __future__ import annotations

import dataclasses
import numbers
import time
from types import SimpleNamespace
from typing import Optional

from naoviz.search.result import SOURCES, Record, SearchResult


def finished_result(run: dict, stored: list, searcher, evaluator, budget: int, seed: int,
                    on_evaluation=None) -> Optional[SearchResult]:
    """The result of finished run ``run`` from its evaluations ``stored`` (already checked by
    ``runs._check_replay``: arch, canonical, metric, report and cost are sound), with ``stored=True`` and every
    record ``replayed``; None when the run is not finished or its record is not whole (see the module doc).
    ``on_evaluation`` is called with each record in query order, as a replay would."""
    start = time.perf_counter()
    if run.get("status") != "finished" or len(stored) != budget:
        return None
    order = whole_record(stored, budget, searcher)
    if order is None:
        return None
    ctx = SimpleNamespace(evaluator=evaluator, constraints=tuple(getattr(evaluator, "constraints", ()) or ()),
                          objectives=tuple(getattr(evaluator, "objectives", ()) or ()))
    history = []
    for ev in order:
        extra = dict(ev["extra"])
        query, source, rnd = extra.pop("query"), extra.pop("source"), extra.pop("round")
        metrics = ev["metrics"]
        rec = Record(query=query, arch=ev["arch"], canonical=ev["canonical"], value=float(metrics[evaluator.metric]),
                     report=float(metrics[evaluator.report]), source=source, cost_s=float(ev["cost_s"]), round=rnd,
                     replayed=True, extra=extra)
        if ctx.constraints or ctx.objectives:
            from naoviz.search.hw import judge
            judge(ctx, rec, metrics)
        history.append(rec)
        if on_evaluation is not None:
            on_evaluation(rec)
    return SearchResult(algo=searcher.name, space=evaluator.space.name, metric=evaluator.metric,
                        report=evaluator.report, maximize=bool(getattr(evaluator, "maximize", True)), seed=int(seed),
                        budget=int(budget), history=history, config=dataclasses.asdict(searcher.config),
                        run_id=run["id"], wall_s=time.perf_counter() - start,
                        constraints=[str(c) for c in ctx.constraints], objectives=list(ctx.objectives),
                        stopped=False, preset=searcher.preset_label, stored=True)


def whole_record(stored: list, budget: int, searcher) -> Optional[list]:
    """``stored`` in query order when each row's ``extra`` gives its query (1..``budget``, once each), a source
    of ``SOURCES`` and a round >= 0; else None. A NAO run whose initial pool a design chose but whose round-0
    rows say ``random`` was stored before the ``design`` label existed: None too, so the replay labels it as
    today's searcher does (docs/search.md)."""
    by_query = {}
    for ev in stored:
        extra = ev.get("extra")
        if not isinstance(extra, dict):
            return None
        query, source, rnd = extra.get("query"), extra.get("source"), extra.get("round")
        if not (_int(query) and 1 <= query <= budget and query not in by_query and source in SOURCES
                and _int(rnd) and rnd >= 0):
            return None
        by_query[query] = ev
    if len(by_query) != budget:
        return None
    order = [by_query[q] for q in range(1, budget + 1)]
    design = getattr(searcher.config, "init_design", "random")
    if design != "random" and any(ev["extra"]["round"] == 0 and ev["extra"]["source"] == "random" for ev in order):
        return None
    return order


def _int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)

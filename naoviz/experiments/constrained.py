"""What ``naoviz compare`` adds under constraints or Pareto objectives: per run and per checkpoint the share
of feasible queries, the hypervolume of the feasible queries against a fixed reference point, and whether
the incumbent is within ``tol`` of the constrained optimum (the best reported value of any feasible cell).

Hypervolume space: the reported metric against every cost column (constrained columns, then objectives
other than the search metric). Reference point, fixed per evaluator so that runs and searchers compare:
the table's worst reported value, and per cost column the bound of its upper constraint, else the table's
worst value of that column.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

from naoviz.search.constraints import constrained_optimum
from naoviz.search.pareto import hypervolume
from naoviz.tables.benchmark import lower_is_better

WITHIN = 0.1     # "within 0.1 of the constrained optimum" (issue 14)


def hv_space(evaluator) -> tuple[list[str], list[bool], list[float]]:
    """(columns, maximize per column, reference point) of the hypervolume for ``evaluator``."""
    table = evaluator.table
    cols = [evaluator.report]
    for c in [c.column for c in evaluator.constraints] + [o for o in evaluator.objectives if o != evaluator.metric]:
        if c not in cols:
            cols.append(c)
    maxi = [not lower_is_better(c) for c in cols]
    ref = []
    for c, mx in zip(cols, maxi):
        worst = float(np.nanmin(table.metric(c)) if mx else np.nanmax(table.metric(c)))
        bound = [k.bound for k in evaluator.constraints if k.column == c and k.upper and not mx]
        ref.append(min(bound) if bound else worst)
    return cols, maxi, ref


def run_stats(evaluator, result, checks: Sequence[int], optimum: Optional[float], tol: float = WITHIN) -> dict:
    """Per checkpoint: ``feasible_frac``, ``hypervolume``, ``best_feasible`` (the incumbent's report) and
    ``within`` (incumbent within ``tol`` of ``optimum``, judged in the report's direction); ``queries``: every
    query's hypervolume columns (``values`` (n, d), ``columns``) and ``feasible`` (n,), for the Pareto plot."""
    cols, maxi, ref = hv_space(evaluator)
    hist = result.history
    pts = np.asarray([[r.metrics.get(c, math.nan) for c in cols] for r in hist], dtype=float).reshape(len(hist), len(cols))
    feas = result.feasible()
    curve = result.incumbent_curve()
    sign = 1.0 if not lower_is_better(evaluator.report) else -1.0
    out = {"feasible_frac": {}, "hypervolume": {}, "best_feasible": {}, "within": {},
           "queries": {"columns": cols, "values": pts.tolist(), "feasible": feas.tolist()}}   # the Pareto plot's points
    for c in checks:
        n = min(c, len(hist))
        best = float(curve[n - 1]) if n else math.nan
        out["feasible_frac"][str(c)] = float(feas[:n].mean()) if n else math.nan
        out["hypervolume"][str(c)] = hypervolume(pts[:n][feas[:n]], ref, maxi)
        out["best_feasible"][str(c)] = best
        out["within"][str(c)] = bool(optimum is not None and math.isfinite(best)
                                     and sign * (best - optimum) >= -tol - 1e-9)
    return out


def summarise(evaluator, runs: list[dict], checks: Sequence[int], optimum: Optional[float]) -> dict:
    """Means over all runs per checkpoint (``within_frac`` = share of runs within tol of the optimum).
    ``best_feasible`` is None until every run has a feasible incumbent (a mean over the runs that have one
    would change its set of runs and could drop as a weak run joins); ``incumbent_frac`` is the share of runs
    that have one."""
    def values(key, c):
        return np.asarray([float(r["hw"][key][str(c)]) for r in runs], dtype=float)

    def mean(key, c):
        v = values(key, c)
        return float(v.mean()) if len(v) and np.isfinite(v).all() else None
    cols, maxi, ref = hv_space(evaluator)
    return {"constrained_optimum": optimum, "hv_columns": cols, "hv_reference": ref,
            "at_hw": {str(c): {"best_feasible": mean("best_feasible", c), "feasible_frac": mean("feasible_frac", c),
                               "hypervolume": mean("hypervolume", c), "within_frac": mean("within", c),
                               "incumbent_frac": float(np.isfinite(values("best_feasible", c)).mean())}
                      for c in checks}}


def reference_text(columns: Sequence[str], reference: Sequence[float]) -> str:
    """The hypervolume reference point as a table's header says it: ``valid_acc 10, latency_pixel3 9``."""
    return ", ".join(f"{c} {float(v):g}" for c, v in zip(columns, reference))


def optimum_for(evaluator) -> Optional[float]:
    """The constrained optimum of the evaluator's report (the table's best feasible value)."""
    if not evaluator.constraints:
        return None
    v = constrained_optimum(evaluator.table, evaluator.constraints, evaluator.report)
    return v if math.isfinite(v) else None


def format_hw_table(summary: dict) -> str:
    """Markdown: per searcher and checkpoint, best feasible report / feasible share / hypervolume /
    runs within tol of the constrained optimum."""
    checks = summary["checkpoints"]
    head = ", ".join(summary.get("constraints", []) + (["objectives " + ",".join(summary["objectives"])]
                                                       if summary.get("objectives") else []))
    first = next(iter(summary["algos"].values()), {})
    bound = "constrained " if summary.get("constraints") else ""     # objectives alone: every cell is feasible
    ref = reference_text(first.get("hv_columns", []), first.get("hv_reference", []))
    lines = [f"{head}: {bound}optimum {first.get('constrained_optimum')}, hypervolume of "
             f"{', '.join(first.get('hv_columns', []))}, reference point: {ref}",
             "best: the feasible incumbent's mean over all runs; – (k/n) while only k of n runs have one",
             "| searcher | " + " | ".join(f"{c}: best / feasible / HV / within {WITHIN}" for c in checks) + " |",
             "|---|" + "---|" * len(checks)]

    def f(v, spec):
        return "–" if v is None else format(v, spec)

    def best(h, runs):
        share = h.get("incumbent_frac")
        if h["best_feasible"] is None and share is not None and runs:
            return f"– ({round(share * runs)}/{runs})"
        return f(h["best_feasible"], ".3f")
    for name, a in summary["algos"].items():
        cells = []
        for c in checks:
            h = a["at_hw"][str(c)]
            cells.append(f"{best(h, len(a.get('runs', [])))} / {f(h['feasible_frac'] and 100 * h['feasible_frac'], '.0f')}% / "
                         f"{f(h['hypervolume'], '.4g')} / {f(h['within_frac'] and 100 * h['within_frac'], '.0f')}%")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)

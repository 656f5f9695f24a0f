"""Constraints on table columns (``"latency_pixel3<=12"``): parsed, validated, and judged per evaluation.

A search under constraints keeps the budget in queries as before; every evaluation records the constrained
columns (the table answers them with the metrics) and whether it is *feasible*. Only feasible cells can be
the incumbent; searchers rank infeasible cells below every feasible one, the less violated first.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional, Sequence

import numpy as np

from naoviz.errors import did_you_mean, show

OPS = ("<=", ">=", "<", ">")
_PATTERN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|<|>)\s*([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?)\s*")
INFEASIBLE = -1e12     # fitness floor of an infeasible evaluation (below any metric value)


@dataclass(frozen=True)
class Constraint:
    """``column op bound``, e.g. latency_pixel3 <= 12.0; ``op`` one of ``<=, <, >=, >``, ``bound`` finite."""

    column: str
    op: str
    bound: float

    def __post_init__(self) -> None:
        if not isinstance(self.column, str) or not self.column:
            raise ValueError(f"constraint: column must be a non-empty name, got {show(self.column)}")
        if self.op not in OPS:
            raise ValueError(f"constraint: operator must be one of {', '.join(OPS)}, got {show(self.op)}")
        b = self.bound
        if isinstance(b, bool) or not isinstance(b, (int, float, np.integer, np.floating)) or not math.isfinite(b):
            raise ValueError(f"constraint: bound must be a finite number, got {show(b)}")
        object.__setattr__(self, "bound", float(b))

    @property
    def upper(self) -> bool:
        """True for ``<=``/``<`` (a budget: the column must stay below the bound)."""
        return self.op in ("<=", "<")

    def ok(self, value: float) -> bool:
        """Whether ``value`` satisfies the constraint (NaN never does)."""
        v = float(value)
        if not math.isfinite(v):
            return False
        return {"<=": v <= self.bound, "<": v < self.bound, ">=": v >= self.bound, ">": v > self.bound}[self.op]

    def violation(self, value: float) -> float:
        """How far ``value`` is outside, relative to the bound's size: 0 when satisfied, inf for NaN."""
        v = float(value)
        if not math.isfinite(v):
            return math.inf
        if self.ok(v):
            return 0.0
        gap = (v - self.bound) if self.upper else (self.bound - v)
        return max(gap, 0.0) / max(abs(self.bound), 1e-9) + 1e-12     # strict op at the bound: still > 0

    def mask(self, values: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`ok`: ``(n,)`` float -> ``(n,)`` bool."""
        v = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            out = {"<=": v <= self.bound, "<": v < self.bound, ">=": v >= self.bound, ">": v > self.bound}[self.op]
        return out & np.isfinite(v)

    def __str__(self) -> str:
        return f"{self.column}{self.op}{self.bound:g}"


LATENCY_HELP = ("the latency table is not installed (data download lacks it): `naoviz data import HELP` "
                "(docs/data.md, \"Latency\")")    # one line of <= 200 characters with the CLI's prefix


def missing_column_hint(column, columns: Iterable[str]) -> str:
    """What to do about an unknown ``column``: for a ``latency_*`` name on the NB201 tables (they have
    ``cifar10_test_acc``) without any latency column, how to install the latency table (``"; " +
    LATENCY_HELP``), else ``""`` (the digits table has no latencies to install)."""
    cols = [str(c) for c in columns]
    if isinstance(column, str) and column.startswith("latency_") and "cifar10_test_acc" in cols and \
            not any(c.startswith("latency_") for c in cols):
        return "; " + LATENCY_HELP
    return ""


def columns_hint(columns: Iterable[str]) -> str:
    """``"; numeric columns: a, b, c"`` when there are few (a table of your own), else where to see them."""
    cols = [str(c) for c in columns]
    listed = ", ".join(cols)
    return f"; numeric columns: {listed}" if len(cols) <= 10 and len(listed) <= 100 else \
        "; numeric columns: naoviz data show"


def parse_constraint(text, columns: Optional[Iterable[str]] = None) -> Constraint:
    """``"latency_pixel3<=12"`` -> :class:`Constraint`; with ``columns``, the column must be one of them.

    ``ValueError("constraint: ...")`` on bad syntax, a non-finite bound (nan, inf, 1e999) or an unknown column.
    """
    if isinstance(text, Constraint):
        c = text
    else:
        if not isinstance(text, str) or len(text) > 500:
            raise ValueError(f"constraint: expected text like 'latency_pixel3<=12', got {show(text)}")
        m = _PATTERN.fullmatch(text)
        if m is None:
            raise ValueError(f"constraint: expected COLUMN<=NUMBER (or <, >=, >), e.g. latency_pixel3<=12, "
                             f"got {show(text)}")
        if not math.isfinite(float(m.group(3))):
            raise ValueError(f"constraint: the bound must be a finite number, got {show(text)}")
        c = Constraint(m.group(1), m.group(2), float(m.group(3)))
    if columns is not None:
        cols = list(columns)
        if c.column not in cols:
            more = missing_column_hint(c.column, cols)
            raise ValueError(f"constraint: unknown column {show(c.column)}{did_you_mean(c.column, cols)}"
                             f"{more or columns_hint(cols)}")
    return c


def parse_constraints(items: Sequence, columns: Optional[Iterable[str]] = None) -> tuple[Constraint, ...]:
    """Several constraints (strings or :class:`Constraint`); the same text twice is an error."""
    if isinstance(items, (str, Constraint)):
        items = [items]
    elif not hasattr(items, "__iter__"):
        raise ValueError(f"constraint: expected COLUMN<=NUMBER texts (a list of them, or one), got {show(items)}")
    cols = None if columns is None else list(columns)
    out = tuple(parse_constraint(t, cols) for t in items)
    if len({str(c) for c in out}) != len(out):
        raise ValueError(f"constraint: the same constraint is given twice in {show([str(c) for c in out])}")
    return out


def feasible(constraints: Sequence[Constraint], metrics: Mapping[str, float]) -> bool:
    """Every constraint holds for one evaluation's metrics (a missing column is infeasible)."""
    return all(c.ok(metrics.get(c.column, math.nan)) for c in constraints)


def violation(constraints: Sequence[Constraint], metrics: Mapping[str, float]) -> float:
    """Sum of relative violations (0 when feasible)."""
    return float(sum(c.violation(metrics.get(c.column, math.nan)) for c in constraints))


def feasible_mask(constraints: Sequence[Constraint], table, archs=None) -> np.ndarray:
    """``(n,)`` bool over ``archs`` (or every row of the benchmark ``table``)."""
    n = len(table.metric(table.metrics[0], archs))
    out = np.ones(n, dtype=bool)
    for c in constraints:
        out &= c.mask(table.metric(c.column, archs))
    return out


def check_satisfiable(table, constraints: Sequence[Constraint], label: str = "the table") -> None:
    """``ValueError("constraint: ...")`` when no row of ``table`` meets every constraint: a search under them
    could never have an incumbent (its summary would read "none", and compare's optimum NaN), so it is an
    input error, named with each column's range in the table."""
    if not constraints or feasible_mask(constraints, table).any():
        return
    spans = []
    for column in dict.fromkeys(c.column for c in constraints):
        v = table.metric(column)
        v = v[np.isfinite(v)]
        spans.append(f"{column} spans {v.min():g}..{v.max():g}" if len(v) else f"{column} has no finite value")
    raise ValueError(f"constraint: no cell of {label} is feasible ({', '.join(spans)} there), got "
                     f"{show([str(c) for c in constraints])}")


def constrained_optimum(table, constraints: Sequence[Constraint], report: str) -> float:
    """Best ``report`` value over the table's feasible rows (NaN when none is feasible)."""
    from naoviz.tables.benchmark import lower_is_better
    mask = feasible_mask(constraints, table)
    values = table.metric(report)[mask]
    values = values[np.isfinite(values)]
    if not len(values):
        return math.nan
    return float(values.min() if lower_is_better(report) else values.max())


def percentile_budget(table, column: str, q: float) -> Constraint:
    """``column <= the q-th percentile of the column over the table`` (the issue's 25th / 50th budgets)."""
    if isinstance(q, bool) or not isinstance(q, (int, float, np.integer, np.floating)) or not 0 <= q <= 100:
        raise ValueError(f"q: expected a percentile in 0..100, got {show(q)}")     # NaN fails 0 <= q too
    values = table.metric(column)
    return Constraint(column, "<=", float(np.nanpercentile(values, q)))

"""Every query of a set of searches by searcher, pooled over seeds, and each searcher's Pareto front of its
feasible queries (reported metric up, a cost column down), kept up as queries arrive: the dashboard's Search tab
draws it live (naoviz/ui/search_pareto.py), so a redraw must not sort thousands of points.
"""
from __future__ import annotations

import threading

import numpy as np

from naoviz.search.pareto import pareto_front


class ParetoLog:
    """Every query of the Search tab's runs by searcher label, pooled over seeds: reported metric, feasible and
    cell; the cost of any column is looked up in the table once per query and column (a budget records only
    its own column, and the plot's x axis may be another)."""

    def __init__(self, bench):
        self.bench = bench
        self.queries: dict[str, list] = {}           # label -> [(report, feasible, cell), ...]
        self._costs: dict = {}                       # (label, column) -> list of costs, a prefix of queries
        self._fronts: dict = {}                      # (label, column) -> (queries covered, front indices)
        self._lock = threading.Lock()

    def add(self, name: str, rec) -> None:
        with self._lock:
            self.queries.setdefault(name, []).append((float(rec.report), bool(rec.feasible), rec.arch))

    def clear(self) -> None:
        with self._lock:
            self.queries, self._costs, self._fronts = {}, {}, {}

    def points(self, name: str, column: str) -> tuple[np.ndarray, np.ndarray]:
        """``((n, 2) [report, cost], (n,) feasible)`` of searcher ``name`` so far, in query order."""
        with self._lock:
            q = list(self.queries.get(name, []))
            costs = self._costs.setdefault((name, column), [])
        if len(costs) < len(q):
            costs.extend(self.bench.metric(column, [c for _, _, c in q[len(costs):]]).tolist())
        p = np.asarray([[r, c] for (r, _, _), c in zip(q, costs)], dtype=float).reshape(-1, 2)
        return p, np.asarray([f for _, f, _ in q], dtype=bool)

    def series(self, column: str) -> tuple[dict, dict, dict]:
        """``({name: points}, {name: feasible}, {name: front})``: the front is the feasible queries'
        :func:`pareto_front` (report up, cost down), as indices into the points sorted by cost. Kept up as
        queries come: the front of all queries is the front of the last front and the new queries (a point
        dominated once stays dominated), so a live redraw sorts a few dozen points, not thousands (the full
        front of 3,000 points took 0.47 s)."""
        pts, feas, fronts = {}, {}, {}
        for name in list(self.queries):
            p, ok = self.points(name, column)
            done, old = self._fronts.get((name, column), (0, np.zeros(0, dtype=int)))
            idx = np.concatenate([old, done + np.flatnonzero(ok[done:])]).astype(int)
            front = idx[pareto_front(p[idx], [True, False])] if len(idx) else idx
            front = front[np.argsort(p[front, 1], kind="stable")]
            self._fronts[(name, column)] = (len(p), front)
            pts[name], feas[name], fronts[name] = p, ok, front
        return pts, feas, fronts

    def feasible_shares(self) -> str:
        """``"feasible: NAO 80% · random search 45%"``: each searcher's share of feasible queries."""
        with self._lock:
            shares = [(n, np.mean([f for _, f, _ in q])) for n, q in self.queries.items() if q]
        return "feasible: " + " · ".join(f"{n} {100 * s:.0f}%" for n, s in shares) if shares else ""

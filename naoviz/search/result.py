"""What a search leaves: one :class:`Record` per query, the incumbent curve and :class:`SearchResult`'s views."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Optional, Sequence

import numpy as np

# Who proposed a query: "random" (uniform random cells: an initial pool drawn at random, and fills),
# "decoder" (NAO's gradient step), "mutation" (one-edit mutations), "design" (an initial pool chosen by a
# design that is not uniform random: NAO's ``init_design="kmeans"``). Runs stored before "design" existed
# hold only the first three; a resumed run takes its labels from the searcher, not from the store.
SOURCES = ("random", "decoder", "mutation", "design")
SHOWN_SOURCES = ("decoder", "mutation", "random", "design")     # the order tables and summaries print them


@dataclass
class Record:
    """One unique evaluation: query number (1-based), arch string, canonical id, search metric value,
    reported metric, who proposed it, simulated or real cost, and whether it was replayed from a store."""

    query: int
    arch: str
    canonical: str
    value: float
    report: float
    source: str
    cost_s: float
    round: int = 0
    replayed: bool = False
    extra: dict = field(default_factory=dict)
    feasible: bool = True        # every constraint of the evaluator holds (naoviz.search.constraints)
    metrics: dict = field(default_factory=dict)   # constrained / objective / reported columns of this cell

    def to_dict(self) -> dict:
        return asdict(self)


def incumbent_index(records: Sequence[Record], maximize: bool = True) -> np.ndarray:
    """``idx[q]`` = position in ``records`` of the incumbent after query q+1: the best *feasible* record so
    far by the search metric (``value``) in the evaluator's direction; the first of equal values wins; -1
    while no record is feasible. ``(n,)``."""
    out, best, best_i = np.zeros(len(records), dtype=np.int64), None, -1
    for i, r in enumerate(records):
        if not getattr(r, "feasible", True):
            out[i] = best_i
            continue
        if best is None or (r.value > best if maximize else r.value < best):
            best, best_i = r.value, i
        out[i] = best_i
    return out


def incumbent_curve(records: Sequence[Record], maximize: bool = True) -> np.ndarray:
    """Reported metric (``report``) of the incumbent after each query, ``(n,)``: the one definition of the
    incumbent curve, used by :meth:`SearchResult.incumbent_curve`, ``naoviz compare`` and the Search tab
    (live, on the records seen so far). The reported metric never picks the incumbent; NaN while no record
    is feasible."""
    return np.asarray([records[i].report if i >= 0 else np.nan for i in incumbent_index(records, maximize)],
                      dtype=float)


@dataclass
class SearchResult:
    """History of one search and the views tables need (incumbent curve, who found what)."""

    algo: str
    space: str                  # the cell space proposed in (nb201, naonet, naonet-ws), not the table searched
    metric: str
    report: str
    maximize: bool
    seed: int
    budget: int
    history: list[Record]
    config: dict = field(default_factory=dict)
    run_id: Optional[str] = None
    wall_s: float = 0.0
    constraints: list = field(default_factory=list)    # constraint texts, e.g. ["latency_pixel3<=12"]
    objectives: list = field(default_factory=list)     # --objectives columns (Pareto search), or []
    stopped: bool = False          # its stop flag ended it before the budget (history is a prefix of the full run)
    preset: Optional[str] = None   # NAO: the preset as asked and, if it differs, what ran
                                   # ("default (sweep_projected under constraints)")
    stored: bool = False           # a finished run's result read back from the store: nothing searched again
                                   # (naoviz.search.stored; wall_s is then the reading's)

    def _incumbent_index(self) -> np.ndarray:
        """``idx[q]`` = history position of the incumbent after query q+1 (see :func:`incumbent_index`)."""
        return incumbent_index(self.history, self.maximize)

    def incumbent_curve(self) -> np.ndarray:
        """Reported metric of the incumbent (best by search metric so far) after each query, ``(n,)``."""
        return incumbent_curve(self.history, self.maximize)

    def value_curve(self) -> np.ndarray:
        """Search metric of the incumbent after each query, ``(n,)``."""
        idx = self._incumbent_index()
        return np.asarray([self.history[i].value if i >= 0 else np.nan for i in idx], dtype=float)

    def incumbent(self) -> Optional[Record]:
        """The best feasible record (None when no query was feasible)."""
        i = int(self._incumbent_index()[-1]) if self.history else -1
        return self.history[i] if i >= 0 else None

    def feasible(self) -> np.ndarray:
        """``(n,)`` bool: which queries met every constraint."""
        return np.asarray([r.feasible for r in self.history], dtype=bool)

    @property
    def train_time_s(self) -> float:
        """Total (simulated) training seconds of everything queried."""
        return float(sum(r.cost_s for r in self.history))

    def counts(self) -> dict:
        """Queries per source, incumbents (each improvement of the incumbent) per source, final source."""
        queries = {s: 0 for s in SOURCES}
        incumbents = {s: 0 for s in SOURCES}
        for r in self.history:
            queries[r.source] = queries.get(r.source, 0) + 1
        for i in sorted(set(self._incumbent_index().tolist()) - {-1}):
            src = self.history[i].source
            incumbents[src] = incumbents.get(src, 0) + 1
        inc = self.incumbent()
        return {"queries": queries, "incumbents": incumbents,
                "final_incumbent_source": inc.source if inc is not None else None}

    def retrieved(self) -> int:
        """Decoder queries retrieved from a pool (``decode_by`` nearest / both: ``"decode": "nearest"`` in their
        extras), not LSTM-decoded: they keep the source ``decoder``, so this says how many of those were."""
        return sum(r.source == "decoder" and r.extra.get("decode") == "nearest" for r in self.history)

    def to_dict(self) -> dict:
        inc = self.incumbent()
        extra = {}
        if self.constraints or self.objectives:
            extra = {"constraints": list(self.constraints), "objectives": list(self.objectives),
                     "feasible_frac": float(self.feasible().mean()) if self.history else None}
        return {**extra, "algo": self.algo, "space": self.space, "metric": self.metric, "report": self.report,
                "preset": self.preset, "seed": self.seed, "budget": self.budget, "queries": len(self.history),
                "stopped": self.stopped, "stored": self.stored,
                "run_id": self.run_id, "wall_s": self.wall_s, "train_time_s": self.train_time_s,
                "incumbent": inc.to_dict() if inc else None, "counts": self.counts(),
                "incumbent_curve": self.incumbent_curve().tolist(), "config": self.config,
                "history": [r.to_dict() for r in self.history]}

"""The searcher contract: propose architectures, let :class:`SearchContext` evaluate, dedupe, log and replay.

A searcher only proposes candidates (with a ``source`` tag) from its own seeded RNG; the context keeps the
budget (unique canonical evaluations), writes every finished evaluation to the run store, and on resume
answers from stored evaluations instead of re-evaluating. Because the searcher's random stream never
depends on where an answer came from, a resumed run retraces the uninterrupted one exactly.
"""
from __future__ import annotations

import sys
import time
import warnings
from abc import ABC, abstractmethod
from dataclasses import asdict
from typing import Callable, Optional, Sequence

import numpy as np

from naoviz import progress as bars
# What a search leaves (records, the incumbent curve, SearchResult) lives in naoviz.search.result; importable from here.
from naoviz.search.result import (SHOWN_SOURCES, SOURCES, Record, SearchResult, incumbent_curve,  # noqa: F401
                                  incumbent_index)
from naoviz.errors import show
from naoviz.spaces.base import Arch

__all__ = ["SearchStopped", "SearchContext", "Searcher", "SHOWN_SOURCES", "SOURCES", "Record", "SearchResult",
           "incumbent_curve", "incumbent_index"]


class SearchStopped(Exception):
    """Raised inside a search when its ``stop`` flag is set; :meth:`Searcher.run` turns it into a result
    marked ``stopped`` (the searcher itself never sees it)."""


class SearchContext:
    """The budgeted, deduplicating, logging, replaying evaluation service a searcher talks to.

    ``stop``: anything with ``is_set()`` (a ``threading.Event``). Once set, ``done`` is True and the next
    :meth:`evaluate` raises :class:`SearchStopped` before any new work: the evaluations already finished (and
    stored) stay, so a stopped run is a prefix of the uninterrupted one and resumes like it."""

    def __init__(self, evaluator, budget: int, *, algo: str, seed: int, store=None, run_id=None,
                 replay: Optional[dict] = None, progress: bool = True,
                 on_evaluation: Optional[Callable[[Record], None]] = None, stop=None):
        self.evaluator, self.space = evaluator, evaluator.space
        self.budget, self.algo, self.seed = int(budget), algo, int(seed)
        self.store, self.run_id = store, run_id
        self.replay = dict(replay or {})          # canonical -> stored evaluation dict
        self.on_evaluation = on_evaluation
        self.stop = stop
        self.maximize = bool(getattr(evaluator, "maximize", True))
        self.constraints = tuple(getattr(evaluator, "constraints", ()) or ())
        self.objectives = tuple(getattr(evaluator, "objectives", ()) or ())
        pool = getattr(evaluator, "pool", None)
        # a partial table's classes (canonical -> arch), else None: the one place proposals are restricted
        self.pool: Optional[dict] = pool if isinstance(pool, dict) else None
        self._pool_order = sorted(self.pool) if self.pool is not None else None
        self.history: list[Record] = []
        self.archs: list[Arch] = []                # evaluated archs, history order
        self.seen: dict[str, Record] = {}          # canonical -> record
        self.round = 0
        self.cost_calibration = None              # naoviz.search.cost_calibration, under constraints
        self._bar = self._replay_bar = None
        if progress and self.replay:
            # A resumed run first replays its stored evaluations (NAO refits its model every round as the run did,
            # as long as the run took to get there): a bar of its own ticks as each is proposed again.
            self._replay_bar = self._new_bar(min(len(self.replay), self.budget), 0,
                                             f"{algo} search: replaying stored")
        elif progress:
            self._bar = self._new_bar(self.budget, 0, f"{algo} search")

    @staticmethod
    def _new_bar(total: int, initial: int, desc: str):
        from tqdm import tqdm
        return bars.echo_bar(tqdm, total=total, initial=initial, desc=desc, unit="query", file=sys.stderr,
                             leave=False, dynamic_ncols=True)           # a typed Ctrl-C's "^C" fits after it

    def _end_replay(self) -> None:
        """The replay is over (every stored evaluation proposed again, or a cell not stored comes next): its bar
        gives way to the search's, where the evaluations so far count from the start (``initial``), so the rate
        and the ETA are those of the evaluations that really run."""
        if self._replay_bar is None:
            return
        bars.close(self._replay_bar)
        self._replay_bar = None
        self._bar = self._new_bar(self.budget, min(len(self.history), self.budget), f"{self.algo} search")

    # -- state the searchers read ---------------------------------------------------------------
    @property
    def remaining(self) -> int:
        return self.budget - len(self.history)

    @property
    def stopped(self) -> bool:
        """The stop flag is set: the search ends before its next evaluation."""
        return self.stop is not None and bool(self.stop.is_set())

    @property
    def done(self) -> bool:
        return self.remaining <= 0 or self.stopped

    def open_class(self, canon: str) -> bool:
        """The class ``canon`` may still be proposed: not evaluated and, on a partial table (``pool``), one the
        table has a row for. Every proposer asks this, so a cell outside the table is skipped like an
        evaluated one (a NAO decode, a mutation) and never spends a query."""
        return canon not in self.seen and (self.pool is None or canon in self.pool)

    def is_new(self, arch: Arch) -> bool:
        return self.open_class(self.space.canonical(arch))

    def values(self) -> np.ndarray:
        """Search-metric values of ``self.archs``, oriented so that larger is better, ``(n,)``."""
        v = np.asarray([r.value for r in self.history], dtype=float)
        return v if self.maximize else -v

    def fitness(self) -> np.ndarray:
        """Ranking of ``self.archs``, larger is better, ``(n,)``: the oriented value without constraints or
        objectives; feasible above infeasible (these by violation) under constraints; front rank (crowding
        breaking ties) in a Pareto search. What parents, seeds and tournaments are chosen by."""
        if not (self.constraints or self.objectives):
            return self.values()
        from naoviz.search.hw import fitness
        return fitness(self)

    def best(self, k: int) -> list[Arch]:
        """The ``k`` best evaluated archs by :meth:`fitness` (ties broken by query order)."""
        order = np.argsort(-self.fitness(), kind="stable")[:k]
        return [self.archs[i] for i in order]

    def random_new(self, rng: np.random.Generator, n: int, exclude: Sequence[Arch] = ()) -> list[Arch]:
        """Up to ``n`` random archs whose canonical form is unevaluated (and not in ``exclude``).

        Stops early once every class of a space that knows its classes is evaluated or taken (nothing new
        is left to find), so asking for more archs than the space has returns at once. On a partial table
        (``pool``) the draw is uniform over its unevaluated classes (the arch of each class's row)."""
        taken = {self.space.canonical(a) for a in exclude}
        if self.pool is not None:                 # a partial table: uniform over the classes it has, left
            free = [c for c in self._pool_order if c not in self.seen and c not in taken]
            picks = rng.choice(len(free), size=min(int(n), len(free)), replace=False) if free and n > 0 else []
            return [self.pool[free[int(i)]] for i in picks]
        out: list[Arch] = []
        classes = getattr(self.space, "classes", None)
        left = None if classes is None else len(classes) - len(self.seen) - len(taken - self.seen.keys())
        for _ in range(200):
            if len(out) >= n or left == 0:
                break
            for a in self.space.sample(4 * max(n, 1), seed=rng):
                c = self.space.canonical(a)
                if c not in self.seen and c not in taken:
                    taken.add(c)
                    out.append(a)
                    left = None if left is None else left - 1
                    if len(out) >= n or left == 0:
                        break
        return out

    # -- evaluation -----------------------------------------------------------------------------
    def evaluate(self, candidates: Sequence[tuple[Arch, str]], extras: Optional[Sequence[dict]] = None
                 ) -> list[Record]:
        """Evaluate new-by-canonical candidates in order, up to the budget; returns their records.

        Duplicates (of history or earlier in the batch) and, on a partial table, cells it has no row for are
        dropped silently. Stored evaluations of a
        resumed run answer without calling the evaluator; the others run concurrently on the evaluator's
        executor and each is written to the store the moment it finishes. Raises :class:`SearchStopped`
        (evaluating nothing) once the stop flag is set.
        """
        if self.stopped:
            raise SearchStopped
        batch, taken = [], set()
        for i, (arch, source) in enumerate(candidates):
            if len(batch) >= self.remaining:
                break
            arch = self.space.validate(arch)
            canon = self.space.canonical(arch)
            if canon in taken or not self.open_class(canon):     # evaluated, or outside a partial table
                continue
            if source not in SOURCES:
                raise ValueError(f"source: must be one of {SOURCES}, got {source!r}")
            taken.add(canon)
            batch.append((arch, canon, source, dict(extras[i]) if extras else {}))
        first_query = len(self.history) + 1
        records: list[Optional[Record]] = [None] * len(batch)
        todo = []
        for j, (arch, canon, source, extra) in enumerate(batch):
            stored = self.replay.pop(canon, None)
            if stored is not None:
                records[j] = self._record(first_query + j, arch, canon, source, extra, stored["metrics"],
                                          float(stored["cost_s"]), replayed=True)
            else:
                todo.append(j)
        if todo:
            self._end_replay()
            for pos, outcome in self.evaluator.evaluate_many([batch[j][0] for j in todo]):
                j = todo[pos]
                arch, canon, source, extra = batch[j]
                rec = self._record(first_query + j, arch, canon, source, extra, outcome["metrics"],
                                   float(outcome["cost_s"]))
                self._write(rec, outcome["metrics"])
                records[j] = rec
                if self._bar is not None:
                    self._bar.update(1)
        for arch_rec, (arch, canon, _, _) in zip(records, batch):
            self.history.append(arch_rec)
            self.archs.append(arch)
            self.seen[canon] = arch_rec
            bar = self._replay_bar if self._replay_bar is not None else self._bar
            if bar is not None:
                # named: a bare "best=" read as the best search metric, but it is the incumbent's report
                bar.set_postfix({f"incumbent {self.evaluator.report}": f"{self.best_report():.2f}"}, refresh=False)
                if arch_rec.replayed and bar is self._replay_bar:
                    bar.update(1)
            if self.on_evaluation is not None:
                self.on_evaluation(arch_rec)
        if not self.replay:
            self._end_replay()
        return [r for r in records if r is not None]

    def best_report(self) -> float:
        """Reported metric of the incumbent (NaN while no query is feasible)."""
        return float(incumbent_curve(self.history, self.maximize)[-1]) if self.history else float("nan")

    def _record(self, query, arch, canon, source, extra, metrics, cost_s, replayed=False) -> Record:
        ev = self.evaluator
        rec = Record(query=query, arch=self.space.format(arch), canonical=canon,
                     value=float(metrics[ev.metric]), report=float(metrics[ev.report]), source=source,
                     cost_s=cost_s, round=self.round, replayed=replayed, extra=extra)
        if self.constraints or self.objectives:
            from naoviz.search.hw import judge
            judge(self, rec, metrics)
        return rec

    def _write(self, rec: Record, metrics: dict) -> None:
        if self.store is None:
            return
        extra = {"query": rec.query, "source": rec.source, "round": rec.round, **rec.extra}
        self.store.add_evaluation(self.run_id, space=self.space.name, arch=rec.arch, canonical=rec.canonical,
                                  metrics=metrics, evaluator=getattr(self.evaluator, "name", "evaluator"),
                                  cost_s=rec.cost_s, extra=extra)

    def close(self, cut_short: bool = False) -> None:
        for bar in (self._replay_bar, self._bar):
            if bar is not None:              # cut short (a stop or error propagates): see naoviz.progress.close
                bars.close(bar, cut_short)
        self._replay_bar = self._bar = None


def check_budget(budget) -> int:
    """``budget`` as an int >= 1, else ``ValueError`` naming it and the value (a float, NaN or bool included)."""
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)):
        raise ValueError(f"budget: must be an int, got {show(budget)}")
    if budget < 1:
        raise ValueError(f"budget: need at least 1 query, got {int(budget)}")
    return int(budget)


def check_run_args(evaluator, store, on_evaluation, stop) -> None:
    """``TypeError`` naming the first of a search's objects that is not what it must be, before any work: an
    evaluator (``naoviz.evaluate.TableEvaluator``), a run store or None, a function or None, an Event or None."""
    if not (hasattr(evaluator, "evaluate") and hasattr(evaluator, "space")):
        raise TypeError(f"evaluator: expected an evaluator (e.g. naoviz.evaluate.TableEvaluator('nb201')), "
                        f"got {type(evaluator).__name__} {show(evaluator)}")
    if store is not None and not hasattr(store, "add_evaluation"):
        raise TypeError(f"store: expected a naoviz.store.RunStore or None, got {type(store).__name__} {show(store)}")
    if on_evaluation is not None and not callable(on_evaluation):
        raise TypeError(f"on_evaluation: expected a function of one record or None, got {show(on_evaluation)}")
    if stop is not None and not callable(getattr(stop, "is_set", None)):
        raise TypeError(f"stop: expected a threading.Event or None, got {type(stop).__name__} {show(stop)}")


class Searcher(ABC):
    """Base class: ``run()`` wires a :class:`SearchContext`; subclasses implement ``_search(ctx, rng)``."""

    name = "base"
    preset_label: Optional[str] = None      # set by make_searcher: the preset asked and what ran (SearchResult.preset)
    # (config field, what never happens): the initial pool the searcher evaluates before its own step, and what a
    # budget within it leaves out (naoviz.search.registry.start_note); None: no such pool (random search)
    initial_pool: Optional[tuple[str, str]] = None

    def __init__(self, config=None):
        self.config = config if config is not None else self.default_config()

    def uses_cache(self) -> bool:
        """Whether the search writes $NAOVIZ_CACHE before its first query (NAO's pretrained encoder), so a command
        checks that folder before any note of its own (``registry.check_cache``)."""
        return False

    @classmethod
    @abstractmethod
    def default_config(cls):
        """The config dataclass with its defaults."""

    @abstractmethod
    def _search(self, ctx: SearchContext, rng: np.random.Generator) -> None:
        """Propose candidates through ``ctx.evaluate`` until ``ctx.done``."""

    def check(self, evaluator) -> None:
        """Refuse settings ``evaluator`` cannot serve (a ``ValueError`` naming the option), called by ``run``
        before the first query and the progress bar; none by default."""

    def run(self, evaluator, budget: int, seed: int, store=None, run_id: Optional[str] = None,
            progress: bool = True, on_evaluation: Optional[Callable[[Record], None]] = None,
            replay: Optional[Sequence[dict]] = None, stop=None) -> SearchResult:
        """Search until ``budget`` unique (by canonical form) evaluations; ``replay`` = stored evaluations;
        ``stop`` (a ``threading.Event``): when set, the search ends before its next evaluation and the result
        is marked ``stopped``."""
        budget = check_budget(budget)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= 2**63 - 1:
            raise ValueError(f"seed: must be an int in 0..{2**63 - 1}, got {seed!r}")
        check_run_args(evaluator, store, on_evaluation, stop)
        if hasattr(self.config, "validate"):
            self.config.validate()          # a config changed after construction is checked again
        classes = getattr(evaluator.space, "classes", None)
        pool = getattr(evaluator, "pool", None)
        if isinstance(pool, dict) and budget > len(pool):
            raise ValueError(f"budget: {budget} exceeds the {len(pool)} classes the partial table has rows for")
        if classes is not None and budget > len(classes):
            raise ValueError(f"budget: {budget} exceeds the {len(classes)} distinct architectures of the space")
        self.check(evaluator)
        replay_map = {r["canonical"]: r for r in (replay or [])}
        ctx = SearchContext(evaluator, budget, algo=self.name, seed=seed, store=store, run_id=run_id,
                            replay=replay_map, progress=progress, on_evaluation=on_evaluation, stop=stop)
        start, cut_short = time.perf_counter(), True
        try:
            self._search(ctx, np.random.default_rng(int(seed)))
            cut_short = False
        except SearchStopped:
            cut_short = False
        finally:
            ctx.close(cut_short)            # cut short: in a log the bar ends with a newline, the stop line follows
        stopped = ctx.stopped and len(ctx.history) < budget
        if ctx.replay and not stopped:
            warnings.warn(f"resume: {len(ctx.replay)} stored evaluation(s) were not proposed again "
                          "(the searcher or its settings changed since the run was stored)", stacklevel=2)
        return SearchResult(algo=self.name, space=ctx.space.name, metric=evaluator.metric,
                            report=evaluator.report, maximize=ctx.maximize, seed=int(seed), budget=budget,
                            history=ctx.history, config=asdict(self.config), run_id=run_id,
                            wall_s=time.perf_counter() - start, constraints=[str(c) for c in ctx.constraints],
                            objectives=list(ctx.objectives), stopped=stopped, preset=self.preset_label)

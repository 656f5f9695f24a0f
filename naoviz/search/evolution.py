"""Regularised (aging) evolution, Real et al. 2019: tournament parent, one-edit child, oldest dies."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from naoviz.search.base import SearchContext, Searcher
from naoviz.search.checks import check_int


@dataclass
class EvolutionConfig:
    """``population``: archs alive (the first ones random); ``sample``: tournament size; ``max_tries``:
    mutations tried to find an unevaluated child before a random one is drawn instead.
    Defaults (20, 5) are the tuned NB201 values that reach 94.16 mean at 100 queries in the findings."""

    population: int = 20
    sample: int = 5
    max_tries: int = 50

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> "EvolutionConfig":
        check_int(self, "population", 1, 100_000)
        check_int(self, "sample", 1, self.population)
        check_int(self, "max_tries", 0, 100_000)
        return self


class RegularizedEvolution(Searcher):
    name = "re"
    initial_pool = ("population", "evolution never mutates a cell")

    @classmethod
    def default_config(cls) -> EvolutionConfig:
        return EvolutionConfig()

    def _search(self, ctx: SearchContext, rng: np.random.Generator) -> None:
        cfg = self.config.validate()
        pop: deque = deque()            # (arch, history position): fitness is read when a tournament runs
        init = ctx.random_new(rng, cfg.population)
        for rec, arch in zip(ctx.evaluate([(a, "random") for a in init]), init):
            pop.append((arch, rec.query - 1))
        while not ctx.done:
            picks = rng.choice(len(pop), size=cfg.sample, replace=False)
            # ctx.fitness(): the oriented value; under constraints feasible cells win every tournament they
            # enter, in a Pareto search the better front (then the less crowded) wins.
            fit = ctx.fitness()
            parent = max((pop[int(i)] for i in picks), key=lambda p: fit[p[1]])[0]
            child, source = None, "mutation"
            for _ in range(cfg.max_tries):
                cand = ctx.space.mutate(parent, seed=rng)
                if ctx.is_new(cand):
                    child = cand
                    break
            if child is None:
                child, source = ctx.random_new(rng, 1)[0], "random"
            rec = ctx.evaluate([(child, source)])[0]
            pop.append((child, rec.query - 1))
            if len(pop) > cfg.population:
                pop.popleft()

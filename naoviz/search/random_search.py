"""Random search: uniform architectures, unique by canonical form, until the budget is spent."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from naoviz.search.base import SearchContext, Searcher
from naoviz.search.checks import check_int


@dataclass
class RandomSearchConfig:
    """``batch``: archs proposed (and evaluated concurrently) at a time, 1..10,000."""

    batch: int = 10

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> "RandomSearchConfig":
        check_int(self, "batch", 1, 10_000)
        return self


class RandomSearch(Searcher):
    """The baseline every searcher must beat (Li & Talwalkar 2019)."""

    name = "rs"

    @classmethod
    def default_config(cls) -> RandomSearchConfig:
        return RandomSearchConfig()

    def _search(self, ctx: SearchContext, rng: np.random.Generator) -> None:
        while not ctx.done:
            # Always a full batch (the context truncates at the budget): a short run is a prefix of a long one.
            archs = ctx.random_new(rng, self.config.batch)
            ctx.evaluate([(a, "random") for a in archs])

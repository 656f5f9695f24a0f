"""Searchers under one contract: ``Searcher.run(evaluator, budget, seed, ...) -> SearchResult``."""
from naoviz.search.base import (SHOWN_SOURCES, SOURCES, Record, SearchContext, Searcher, SearchResult,  # noqa: F401
                               SearchStopped, incumbent_curve, incumbent_index)
from naoviz.search.evolution import EvolutionConfig, RegularizedEvolution  # noqa: F401
from naoviz.search.local_search import LocalSearch, LocalSearchConfig  # noqa: F401
from naoviz.search.random_search import RandomSearch, RandomSearchConfig  # noqa: F401
from naoviz.search.registry import ALGOS, make_searcher  # noqa: F401
from naoviz.search.runs import resume_search, search_or_resume, start_search  # noqa: F401

"""Searchers under one contract: ``Searcher.run(evaluator, budget, seed, ...) -> SearchResult``."""
from naoviz.search.base import (SHOWN_SOURCES, SOURCES, Record, SearchContext, Searcher, SearchResult,
                               SearchStopped, incumbent_curve, incumbent_index)
from naoviz.search.evolution import EvolutionConfig, RegularizedEvolution
from naoviz.search.local_search import LocalSearch, LocalSearchConfig
from naoviz.search.random_search import RandomSearch, RandomSearchConfig
from naoviz.search.registry import ALGOS, make_searcher
from naoviz.search.runs import resume_search, search_or_resume, start_search

__all__ = ["SHOWN_SOURCES", "SOURCES", "Record", "SearchContext", "Searcher", "SearchResult", "SearchStopped",
           "incumbent_curve", "incumbent_index", "EvolutionConfig", "RegularizedEvolution", "LocalSearch",
           "LocalSearchConfig", "RandomSearch", "RandomSearchConfig", "ALGOS", "make_searcher", "resume_search",
           "search_or_resume", "start_search"]

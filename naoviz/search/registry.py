"""Searchers by name (``nao``, ``re``, ``rs``, ``ls``), with presets and config overrides."""
from __future__ import annotations

import dataclasses
from typing import Optional

ALGOS = ("nao", "re", "rs", "ls")


def searcher_class(algo: str):
    if algo == "rs":
        from naoviz.search.random_search import RandomSearch
        return RandomSearch
    if algo == "re":
        from naoviz.search.evolution import RegularizedEvolution
        return RegularizedEvolution
    if algo == "ls":
        from naoviz.search.local_search import LocalSearch
        return LocalSearch
    if algo == "nao":
        from naoviz.search.nao_search import NAOSearch   # imports torch and the model lazily
        return NAOSearch
    raise ValueError(f"algo: unknown searcher {algo!r}; expected one of {', '.join(ALGOS)}")


def make_searcher(algo: str, preset: Optional[str] = None, config: Optional[dict] = None):
    """A searcher; ``preset`` (NAO only: paper/default/fast) then ``config`` overrides field by field."""
    cls = searcher_class(algo)
    if preset is not None:
        if not hasattr(cls, "preset_config"):
            raise ValueError(f"preset: searcher {algo!r} has no presets (got {preset!r})")
        cfg = cls.preset_config(preset)
    else:
        cfg = cls.default_config()
    if config:
        names = {f.name for f in dataclasses.fields(cfg)}
        unknown = sorted(set(config) - names)
        if unknown:
            raise ValueError(f"config: unknown field(s) {unknown} for {algo}; known: {sorted(names)}")
        cfg = dataclasses.replace(cfg, **config)
    return cls(cfg)

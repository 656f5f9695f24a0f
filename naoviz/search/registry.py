"""Searchers by name (``nao``, ``re``, ``rs``, ``ls``), with presets and config overrides."""
from __future__ import annotations

import dataclasses
from typing import Optional

from naoviz.errors import show, unknown_fields

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
    raise ValueError(f"algo: unknown searcher {show(algo)}; expected one of {', '.join(ALGOS)}")


def make_searcher(algo: str, preset: Optional[str] = None, config: Optional[dict] = None):
    """A searcher; ``preset`` (NAO only: paper/default/fast/step) then ``config`` overrides field by field.

    Every field is checked here (the config dataclasses validate on construction), before any work:
    errors start with ``algo:``, ``preset:`` or ``config:`` and name the field and the value."""
    cls = searcher_class(algo)
    if preset is not None:
        if not hasattr(cls, "preset_config"):
            raise ValueError(f"preset: searcher {algo!r} has no presets (got {show(preset)})")
        cfg = cls.preset_config(preset)
    else:
        cfg = cls.default_config()
    if config is not None and not isinstance(config, dict):
        raise ValueError(f"config: expected a dict of fields, got {show(config)}")
    if config:
        names = {f.name for f in dataclasses.fields(cfg)}
        unknown = sorted((k for k in config if k not in names), key=str)
        if unknown:
            listed = ", ".join(sorted(names)) if len(names) <= 6 else f"docs/search.md ({algo})"
            raise ValueError(f"config: {unknown_fields(unknown, names, listed)}")
        try:
            cfg = dataclasses.replace(cfg, **config)
        except ValueError as exc:
            raise ValueError(f"config: {exc}") from None
    return cls(cfg)

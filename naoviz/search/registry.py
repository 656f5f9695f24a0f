"""Searchers by name (``nao``, ``re``, ``rs``, ``ls``), with presets and config overrides, and the note said when
a budget is spent on a searcher's initial pool (:func:`start_note`)."""
from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

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


def make_searcher(algo: str, preset: Optional[str] = None, config: Optional[dict] = None, budgets: str = ""):
    """A searcher; ``preset`` (NAO only; none: ``default``) then ``config`` overrides field by field.
    ``budgets``: what the search will run under ("constraints", "objectives", ...; "" for none): NAO's
    ``default`` then runs the ``sweep_projected`` recipe (``naoviz.search.nao_presets.recipe``, the one place
    that says so). The searcher's ``preset_label`` says what ran, e.g. ``default (sweep_projected under constraints)``.

    Every field is checked here (the config dataclasses validate on construction), before any work:
    errors start with ``algo:``, ``preset:`` or ``config:`` and name the field and the value."""
    cls = searcher_class(algo)
    label = None
    if hasattr(cls, "preset_config"):
        from naoviz.search.nao_presets import describe, recipe
        cfg = cls.preset_config(recipe(preset, bool(budgets)))
        label = describe(preset, budgets)
    elif preset is not None:
        raise ValueError(f"preset: searcher {algo!r} has no presets (got {show(preset)})")
    else:
        cfg = cls.default_config()
    searcher = cls(_override(cls, cfg, config, algo))
    searcher.preset_label = label
    if label is not None:       # what was asked: NAOSearch.run re-resolves it for the evaluator's budgets
        searcher.request = (preset, config, budgets, dataclasses.asdict(searcher.config))
    return searcher


def rebuild_searcher(algo: str, config: dict, preset_label: Optional[str] = None):
    """The searcher of a stored run: every stored field over the class's own field defaults (which, for a
    field added after the run was stored, are the "off" values the run had), no preset: what ran is what
    was stored, whatever the presets mean today."""
    cls = searcher_class(algo)
    searcher = cls(_override(cls, cls.default_config(), config, algo))
    searcher.preset_label = preset_label
    return searcher


def _override(cls, cfg, config, algo: str):
    """``cfg`` with the fields of ``config`` replaced (unknown fields and bad values: ``config:`` errors)."""
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
    return cfg


def label(algo: str, preset: Optional[str]) -> str:
    """A searcher as :func:`start_note` names it: NAO with its preset always said (``nao:default``), ``re``."""
    return f"nao:{preset or 'default'}" if algo == "nao" else algo


def start_note(searcher, queries: int, name: str, option: str = "--queries") -> Optional[str]:
    """One line when a budget of ``queries`` is spent on ``searcher``'s initial pool (NAO's ``n_init`` cells,
    evolution's ``population``, local search's ``n_init``), so its own step never runs and only the counts line
    (``0/0/20/0``) showed it; None otherwise. A note, not an error: the pool alone may be what a user wants.
    ``name``: the searcher as :func:`label` names it (``nao:paper``); ``option``: the budget's name (``--queries``)."""
    if searcher.initial_pool is None:
        return None
    field, never = searcher.initial_pool
    pool = int(getattr(searcher.config, field))
    if queries > pool:
        return None
    design = getattr(searcher.config, "init_design", "random")
    cells = "random initial cells" if design == "random" else f"initial cells ({design} design)"
    return f"note: {option} {queries} is within {name}'s {pool} {cells}: {never}; give {option} above {pool}"


def start_notes(searchers: Sequence[tuple[str, Optional[str]]], queries: int, option: str = "--queries",
                nao_config: Optional[dict] = None, budgets: str = "", names: Optional[dict] = None) -> list[str]:
    """:func:`start_note` of each ``(algo, preset)`` (``nao_config``: NAO's field overrides), named by
    :func:`label` (``nao:default``), or by ``names[algo]`` with NAO's preset after it (``NAO (paper)``: the
    dashboard's words); a searcher whose settings do not build says nothing here (its run says why)."""
    notes = []
    for algo, preset in searchers:
        nao = algo == "nao"
        try:
            searcher = make_searcher(algo, preset if nao else None, nao_config if nao else None, budgets)
        except ValueError:
            continue
        name = label(algo, preset) if names is None else (
            f"{names[algo]} ({preset or 'default'})" if nao else names[algo])
        note = start_note(searcher, queries, name, option)
        if note:
            notes.append(note)
    return notes


def check_cache(searchers: Sequence) -> None:
    """$NAOVIZ_CACHE checked (``naoviz.paths.cache_dir``: a ValueError of one line naming it) when one of
    ``searchers`` (built searchers, or ``(algo, preset)`` pairs as :func:`start_notes` takes) writes it before its
    first query: a command calls this before its notes, so a cache it cannot use is its only line."""
    for item in searchers:
        searcher = item
        if isinstance(item, tuple):
            try:
                searcher = make_searcher(item[0], item[1] if item[0] == "nao" else None)
            except ValueError:
                continue                         # its run says why
        if searcher.uses_cache():
            from naoviz.paths import cache_dir
            cache_dir()
            return

"""When a NAO search's round decodes by retrieval or projects (the switch, once made, for good): its state and rules."""
from __future__ import annotations

from naoviz.search import hw
from naoviz.search.additive import judge_reliable
from naoviz.search.base import SearchContext
from naoviz.search.nao_config import NAOSearchConfig


class RetrievalSwitch:
    """``NAOSearch``'s part that decides, round by round, whether the step decodes by retrieval
    (``decode_by``, ``retrieve_after``, ``retrieve_on_stall``, ``retrieve_on_flat``, ``escape_on_stall``) and
    whether it projects (``project_tol``); the retrieval pool is drawn once, from the search's ``rng``."""

    def _start_switch(self, ctx: SearchContext, cfg: NAOSearchConfig, rng) -> None:
        """The switch's state at the start of a search; the pool drawn now unless a later round draws it."""
        self._near = None           # decode_by nearest: the retrieval pool (cells, canonical ids), drawn once
        self._switched = False      # retrieve_after / retrieve_on_stall: retrieval has taken over (for good)
        self._flat = []             # retrieve_on_flat: each decoder round's predicted stall
        self._switch_round = 1      # the round retrieval took over (escape_on_stall counts from it)
        delayed = cfg.retrieve_after or cfg.retrieve_on_stall or cfg.retrieve_on_flat
        if cfg.decode_by != "decoder" and not (delayed or cfg.project_tol):
            self._draw_pool(ctx, cfg, rng)     # else drawn at the first round that retrieves, if any
        self._project = None        # project_tol: whether the judge is reliable here (None: not decided yet)
        self._pooled = False        # project_tol: whether there is a pool to project onto

    def _draw_pool(self, ctx: SearchContext, cfg: NAOSearchConfig, rng) -> None:
        """The retrieval pool, drawn once: at the start, or (``retrieve_after``) at the first round that
        retrieves, so the rounds before it draw from ``rng`` exactly as the decoder search does."""
        from naoviz.search.retrieve import pool_cells
        cells = pool_cells(ctx, cfg.nearest_pool, rng)
        self._near = (cells, [ctx.space.canonical(a) for a in cells])

    def _gated(self, ctx: SearchContext, cfg: NAOSearchConfig) -> NAOSearchConfig:
        """``project_tol``: this round's config, the projection as configured once every cost column was found
        additive (decided once, at the first round that can, ``naoviz.search.additive``), else the sweep step."""
        if not cfg.project_tol:
            return cfg
        if self._project is None and hw.round_budgets(ctx):
            from naoviz.search.nao_config_checks import enumerable   # no pool to project onto: the sweep throughout
            self._pooled = bool(cfg.nearest_pool or enumerable(ctx.evaluator))
            self._project = judge_reliable(ctx, cfg.project_tol) if self._pooled else False
        if self._project:
            return cfg
        if self._project is False and cfg.project_pof and self._pooled and hw.round_budgets(ctx):
            return cfg              # project_pof: projected anyway, onto the cells likely feasible (_propose)
        return cfg.swept()

    def _retrieving(self, ctx: SearchContext, cfg: NAOSearchConfig) -> bool:
        """Whether this round decodes by retrieval: ``decode_by`` nearest / both, ``retrieve_after`` cells
        measured (always when it is 0) and, with ``retrieve_on_stall``, that many step rounds in a row without a
        new incumbent; once true it stays true (the switch is made once)."""
        if cfg.decode_by == "decoder":
            return False
        if not getattr(self, "_switched", False) and len(ctx.history) >= cfg.retrieve_after:
            from naoviz.search.retrieve import stalled_rounds
            flat = getattr(self, "_flat", [])                 # retrieve_on_flat: the predicted stall per round
            run = len(flat) - max((i + 1 for i, f in enumerate(flat) if not f), default=0)
            stalled = (bool(cfg.retrieve_on_stall)
                       and stalled_rounds(ctx.history, ctx.maximize) >= cfg.retrieve_on_stall
                       and (not cfg.stall_needs_flat or (bool(flat) and flat[-1])))
            flat_run = bool(cfg.retrieve_on_flat) and run >= cfg.retrieve_on_flat
            self._switched = (not cfg.retrieve_on_stall and not cfg.retrieve_on_flat) or stalled or flat_run
            if self._switched:
                self._switch_round = ctx.round
        return bool(getattr(self, "_switched", False))

    def _switch(self, ctx: SearchContext, cfg: NAOSearchConfig, ranked: list, rng) -> tuple[bool, list]:
        """This round: whether it retrieves (:meth:`_retrieving`) and its seeds, the next best first after a
        stall with ``escape_on_stall``; a delayed switch draws the pool now."""
        retrieving = self._retrieving(ctx, cfg)
        if retrieving and cfg.escape_on_stall:                # a stalled incumbent: climb from the next best
            from naoviz.search.retrieve import escaped, stalled_rounds
            since = ctx.round - self._switch_round              # stalled rounds counted from the switch on
            ranked = escaped(ranked, min(stalled_rounds(ctx.history, ctx.maximize), since), cfg.escape_on_stall)
        if retrieving and getattr(self, "_near", None) is None:
            self._draw_pool(ctx, cfg, rng)                     # a delayed switch: the switch round draws it
        return retrieving, ranked

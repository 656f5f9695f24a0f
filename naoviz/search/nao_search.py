"""The NAO outer loop under a query budget (Luo et al. 2018, section 3 / NAO_V1 ``train_search.py``).

Evaluate a seeded random pool; each round fit NAO on everything evaluated (warm start), take the top-k
seeds, move their embeddings along the predictor's gradient (eta = step, 2 step, ... up to ``max_eta``) and
decode new archs; optionally add one-edit mutations of the best archs ranked by NAO's own predictor;
evaluate only canonical-new archs; repeat until the budget is spent. ``proposer="rank"`` (preset ``step``)
moves every seed by a whole eta grid at once and queries the new decodes the acquisition ranks best
(``naoviz.nao.propose``); ``proposer="trust"`` (preset ``trust``) does so from the best cells only, each with
its own step size (``naoviz.search.trust``), and can decode by sampling, or (``decode_by="nearest"``) by
retrieval: the pool's unmeasured cells nearest to each moved point (``naoviz.search.retrieve``; which rounds
retrieve: ``naoviz.search.nao_switch``). ``surrogate="gp"``: the step climbs, and ranks by, a Gaussian process
on the embedding refitted every round (``naoviz.nao.gp``). Every query is tagged with its source
(decoder / mutation / random) so the decoder is credited only with what it generated (eval-nas#3).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from naoviz.errors import did_you_mean, show
from naoviz.search import hw
from naoviz.search.base import SearchContext, Searcher
from naoviz.search.budget_moves import cheapest_level, front_budgets, polishing, split_step, spread_mutations
from naoviz.search.early import near_first, near_penalised, scheduled_temperature
from naoviz.search.front_gaps import front_mutations
from naoviz.search.nao_config import NAOSearchConfig
from naoviz.search.nao_presets import PRESETS, budgets_of
from naoviz.search.nao_switch import RetrievalSwitch
from naoviz.search.ranked import ranked_mutations
from naoviz.search.trust import TrustRegion


def unknown_preset(name) -> str:
    """The error for a preset name not in PRESETS, short enough for one line however many presets there are."""
    hint = did_you_mean(name, PRESETS)
    listed = f"; one of {','.join(PRESETS)}"
    if hint or len(listed) > 120:
        listed = f"; naoviz search --preset list shows the {len(PRESETS)}"
    return f"unknown NAO search preset {show(name, 30)}{hint}{listed}"


class NAOSearch(RetrievalSwitch, Searcher):
    name = "nao"
    initial_pool = ("n_init", "NAO's step never runs")
    request = None      # (preset, config, budgets, fields) as make_searcher built it; None: built from a config

    def uses_cache(self) -> bool:
        """The k-means design and ``pretrain_cells`` start from an encoder pretrained once and cached
        (``naoviz.nao.semi.pretrained``)."""
        return self.config.init_design == "kmeans" or bool(self.config.pretrain_cells)

    def run(self, evaluator, budget: int, seed: int, *args, **kwargs):
        """``Searcher.run``; a searcher that ``make_searcher`` built from a preset for other budgets than
        ``evaluator``'s (``default`` built without, run under ``--constraint``) first takes the recipe these
        budgets call for (``nao_presets.recipe``), unless its config was changed by hand since."""
        now = budgets_of(evaluator)
        req = self.request
        if req is not None and req[2] != now and dataclasses.asdict(self.config) == req[3]:
            from naoviz.search.registry import make_searcher
            fresh = make_searcher(self.name, req[0], req[1], budgets=now)
            self.config, self.preset_label, self.request = fresh.config, fresh.preset_label, fresh.request
        return super().run(evaluator, budget, seed, *args, **kwargs)

    @classmethod
    def default_config(cls) -> NAOSearchConfig:
        return NAOSearchConfig()

    @classmethod
    def preset_config(cls, name: str) -> NAOSearchConfig:
        if not isinstance(name, str) or name not in PRESETS:
            raise ValueError(f"preset: {unknown_preset(name)}")
        return NAOSearchConfig(**PRESETS[name])

    def model_config(self, seed: int):
        return self.config.model_config(seed)

    def check(self, evaluator) -> None:
        """Settings this evaluator cannot serve, refused before any query: pseudo-labels and the proxy prior
        have no costs (no constraints or cost objectives), and the proxy exists for nb201 spaces only."""
        cfg = self.config
        from naoviz.search.nao_config_checks import check_pool   # torch-free: a compare of stored runs imports no torch
        check_pool(cfg, evaluator)
        budgets = bool(getattr(evaluator, "constraints", ())) or any(
            o != evaluator.metric for o in (getattr(evaluator, "objectives", ()) or ()))
        if cfg.pseudo_cells and budgets:
            raise ValueError("pseudo_cells: pseudo-labels need a search without constraints or cost objectives")
        if cfg.prior != "none":
            from naoviz.nao.prior import check_space
            check_space(cfg.prior, evaluator.space)
            if budgets:
                raise ValueError(f"prior: {cfg.prior} needs a search without constraints or cost objectives")

    def _search(self, ctx: SearchContext, rng: np.random.Generator) -> None:
        """The whole search on the model's torch ``threads`` (1 by default, as ``naoviz search`` sets), the count
        put back after: from Python, torch's default (all cores) ran its steps and decodes several times slower
        on a shared 2-core machine (docs/model.md, "Use one thread on shared cores")."""
        from naoviz.nao.train import torch_threads
        with torch_threads(self.model_config(0).threads):
            self._rounds(ctx, rng)

    def _rounds(self, ctx: SearchContext, rng: np.random.Generator) -> None:
        cfg = self.config.validate()
        self._trust = TrustRegion(cfg.eta_init, cfg.eta_step, cfg.max_eta) if cfg.proposer == "trust" else None
        self._pending = None        # the trust step's seeds and proposals, judged once they are measured
        if cfg.init_design == "kmeans":         # space-filling pool in the unsupervised embedding
            from naoviz.search import design
            cells, epochs = ((cfg.pretrain_cells, cfg.pretrain_epochs) if cfg.pretrain_cells
                             else (design.DESIGN_CELLS, design.DESIGN_EPOCHS))
            pool = design.kmeans_design(ctx, self.model_config(0), cfg.n_init, cfg.init_pool, rng, cells, epochs,
                                        cfg.pretrain_seed)
        else:
            pool = ctx.random_new(rng, cfg.n_init)
        # the pool's source: "design" when a design chose it, so counts never call it random fills (issue 13)
        ctx.evaluate([(a, "random" if cfg.init_design == "random" else "design") for a in pool])
        nao = hw.nao_model(ctx, self.model_config(int(rng.integers(2**31))))   # cost heads under constraints
        if cfg.pretrain_cells:                  # encoder + decoder from the cached unsupervised pretraining
            from naoviz.nao import semi
            semi.warm_start(nao, semi.pretrained(ctx.space, nao.config, cfg.pretrain_cells, cfg.pretrain_epochs,
                                                 cfg.pretrain_seed, cfg.prior, cfg.prior_weight))
        self._start_switch(ctx, cfg, rng)      # retrieval / projection: naoviz.search.nao_switch
        while not ctx.done:
            ctx.round += 1
            values = np.asarray([r.value for r in ctx.history], dtype=float)
            if ctx.round > 1:
                nao.config = nao.config.replace(epochs=cfg.warm_epochs) if cfg.warm_epochs else nao.config
            if ctx.round == 1 or cfg.warm_epochs:
                nao.fit(ctx.archs, values, maximize=ctx.maximize, progress=False, warm_start=True,
                        **hw.fit_kwargs(ctx))
                if cfg.pseudo_cells and (not cfg.pseudo_until or len(ctx.history) < cfg.pseudo_until):
                    self._pseudo(ctx, nao, cfg, values, rng)
                if cfg.prior_cells and len(ctx.history) < cfg.prior_until:
                    self._prior(ctx, nao, cfg, values, rng)
            self._gp = None                                 # surrogate gp: refit on this round's embedding
            if cfg.surrogate == "gp":
                from naoviz.nao.gp import fit_gp
                self._gp = fit_gp(nao, ctx.archs, values, cfg.gp_kappa, cfg.gp_ei)
            self._costs = hw.nao_cost_model(ctx, nao)      # under budgets: judges proposals (calibrated)
            cands, extras = self._propose(ctx, nao, self._gated(ctx, cfg), rng)
            n_fill = cfg.n_new + cfg.n_mutations - len(cands)
            for a in hw.random_fills(ctx, rng, n_fill, exclude=[c for c, _ in cands], cost_model=self._costs):
                cands.append((a, "random"))
                extras.append({})
            ctx.evaluate(cands, extras)
            if self._pending is not None:
                self._judge(ctx)

    @staticmethod
    def _pseudo(ctx: SearchContext, nao, cfg: NAOSearchConfig, values: np.ndarray, rng) -> None:
        """SemiNAS: ``pseudo_cells`` seeded unevaluated cells, scored by the fitted model, join a brief
        warm refit (``naoviz.nao.semi.pseudo_refit``)."""
        from naoviz.nao import semi
        cells = semi.unlabelled(ctx.space, ctx.archs, cfg.pseudo_cells, rng)
        semi.pseudo_refit(nao, ctx.archs, values, cells, cfg.pseudo_epochs, cfg.pseudo_weight,
                          seed=int(rng.integers(2**31)))

    @staticmethod
    def _prior(ctx: SearchContext, nao, cfg: NAOSearchConfig, values: np.ndarray, rng) -> None:
        """The proxy as fading pseudo-labels: ``prior_cells`` seeded unevaluated cells, their proxy ranks as
        targets, join a brief warm refit at weight ``prior_weight`` x (1 - queries / ``prior_until``)."""
        from naoviz.nao import semi
        from naoviz.nao.prior import PRIOR_EPOCHS, proxy, rank_targets
        cells = semi.unlabelled(ctx.space, ctx.archs, cfg.prior_cells, rng)
        weight = cfg.prior_weight * (1.0 - len(ctx.history) / cfg.prior_until)
        semi.refit_with(nao, ctx.archs, values, cells, rank_targets(proxy(cfg.prior, ctx.space, cells)),
                        PRIOR_EPOCHS, weight, seed=int(rng.integers(2**31)))

    def _propose(self, ctx: SearchContext, nao, cfg: NAOSearchConfig, rng: np.random.Generator):
        """Decoder archs from the top-k seeds, then predictor-ranked mutations; canonical-new only."""
        if cfg.seed_by == "prediction":
            pred = hw.seed_scores(ctx, nao.score(ctx.archs))     # evaluated cells over budget sink
            ranked = [ctx.archs[i] for i in np.argsort(-pred, kind="stable")]
        else:
            ranked = ctx.best(len(ctx.archs))
        self._retrieve = None
        if cfg.step_fills and hw.round_budgets(ctx):          # the step's share; the fills make up the round
            cfg = dataclasses.replace(cfg, n_new=cfg.n_new - cfg.step_fills, step_fills=0)
        retrieving, ranked = self._switch(ctx, cfg, ranked, rng)
        polish = polishing(ctx, cfg.polish_stall, cfg.polish_after)   # the step's slots go to mutations
        budgets = hw.round_budgets(ctx)
        front = budgets
        if cfg.front_rounds and not cfg.nearest_feasible:      # not the projected step (project_tol passed)
            front = front_budgets(ctx, budgets, cfg.front_rounds, cfg.front_low, cfg.front_high)
        split = 0 < cfg.front_slots < cfg.n_new and front != budgets and cfg.proposer == "sweep" and not polish
        budgets = budgets if split else front                  # front_slots: only part of the step aims lower
        feasible = cfg.nearest_feasible
        if feasible and cfg.project_pof and self._project is False:    # projected where the judge is not reliable:
            cal, costs = hw.calibration(ctx), self._costs            # the cells likely feasible by its errors only
            feasible = lambda cells: hw.prob_feasible(cal, budgets, costs.predict_costs(cells)) >= cfg.project_pof
        gens = []
        with hw.budget_scope(ctx, nao, self._costs, budgets):  # under constraints: only decodes predicted within budget
            if retrieving and self._near is not None and not polish:   # this round's pool embedding (the model refit)
                from naoviz.search.retrieve import Retriever   # nearest_feasible: the judge's feasible cells only
                self._retrieve = Retriever(ctx, nao, *self._near, cfg.nearest_k, cfg.decode_by == "both",
                                           feasible=feasible)
            if polish:
                gens = []                                      # the step's slots go to mutations this round
            elif cfg.proposer == "rank":
                gens = self._ranked_steps(ctx, nao, cfg, ranked, rng, retrieve=self._retrieve,
                                          gp=getattr(self, "_gp", None))
            elif cfg.proposer == "trust":
                gens = self._trust_steps(ctx, nao, cfg, ranked, rng)
            elif split:                                        # front_slots under the drawn bound, the rest here
                def step(n, scope, exclude):
                    part = dataclasses.replace(cfg, n_new=n, front_slots=0)
                    with hw.budget_scope(ctx, nao, self._costs, scope):
                        return self._sweep(ctx, nao, part, ranked, rng, exclude)
                gens = split_step(step, cfg.n_new, cfg.front_slots, front, budgets)
            else:
                gens = self._sweep(ctx, nao, cfg, ranked, rng)
            if (cfg.retrieve_on_flat or cfg.stall_needs_flat) and not retrieving:   # the predicted stall
                from naoviz.search.retrieve import flat_round
                self._flat.append(flat_round(nao, ctx, gens))
        cands, extras = [], []
        snap = _Snap(ctx, nao) if cfg.snap_to_table and ctx.pool is not None else None
        for g in gens:
            arch, extra = g.arch, {}
            if snap is not None and not ctx.is_new(arch) and ctx.space.canonical(arch) not in ctx.pool:
                arch = snap.nearest(arch)            # outside the partial table: its nearest unevaluated row
                extra = {"snapped_from": ctx.space.format(g.arch)}
                if arch is None or any(ctx.space.canonical(arch) == ctx.space.canonical(a) for a, _ in cands):
                    continue
            if ctx.is_new(arch):
                cands.append((arch, "decoder"))
                if self._retrieve is not None and ctx.space.canonical(g.arch) in self._retrieve.given:
                    extra = {**extra, "decode": "nearest"}   # retrieved from the pool, not LSTM-decoded
                extras.append({"seed": ctx.space.format(g.seed), "eta": g.eta,
                               "score_seed": g.score_seed, "score_new": g.score_new, **extra})
        rank = hw.ranker(ctx, nao, self._costs)
        cheap = []
        if cfg.cheap_rounds and ctx.round <= cfg.cheap_rounds and cfg.n_mutations:   # the cheapest level
            cheap = cheapest_level(ctx, rank, self._costs, 1, rng, exclude=[a for a, _ in cands])
            for arch, score in zip(cheap, nao.score(cheap) if cheap else []):
                cands.append((arch, "random"))         # a random draw, chosen by the judge and the predictor
                extras.append({"score_new": float(score), "cheapest_level": True})
        n_mut = cfg.n_mutations - len(cheap) + (cfg.n_new if polish else 0)
        front = front_mutations(ctx, rank, self._costs, min(cfg.front_mutations, n_mut),
                                exclude=[a for a, _ in cands])
        spread = []
        if polish:                                   # the round's every slot: neighbours of the best feasible
            spread = spread_mutations(ctx, rank, n_mut - len(front), cfg.polish_parents,
                                      exclude=[a for a, _ in cands] + front)
        elif cfg.early_parents and len(ctx.history) < cfg.early_until and hw.round_budgets(ctx):
            spread = spread_mutations(ctx, rank, n_mut - len(front), cfg.early_parents,
                                      exclude=[a for a, _ in cands] + front)
        picks = front + spread
        picks += ranked_mutations(ctx, rank, n_mut - len(picks), parents=cfg.mutation_parents,
                                  exclude=[a for a, _ in cands] + picks)
        if picks:
            for arch, score in zip(picks, nao.score(picks)):
                cands.append((arch, "mutation"))
                extras.append({"score_new": float(score)})
        return cands, extras

    def _trust_steps(self, ctx: SearchContext, nao, cfg: NAOSearchConfig, ranked: list, rng) -> list:
        """The ``top_k`` best seeds stepped by their own eta grids (``TrustRegion.grid``), every new decode
        ranked by the acquisition, the best ``n_new`` kept (at most ``per_seed`` per seed). While fewer than
        ``n_new`` decode new, the next-best seeds step too (2, 4, ... times ``top_k`` of them per batch) (as local search climbs from the next-best
        arch when the best one's neighbours are spent); only once every arch has seeded it, the wide rank
        step of ``_sweep``. Which seeds decoded nothing new is remembered for ``_judge``."""
        from naoviz.nao.edits import edit_proposals
        from naoviz.nao.propose import step_proposals
        keys, every, start, size = [], [], 0, cfg.top_k
        while start < len(ranked):
            seeds = ranked[start:start + size]
            start, size = start + size, 2 * size              # 1, 2, 4 ... chunks of top_k: few batches
            chunk = [ctx.space.canonical(s) for s in seeds]
            temp = scheduled_temperature(cfg.temperature_early, cfg.temperature, cfg.anneal, len(ctx.history),
                                         cfg.n_init)
            if cfg.trust_temperature and temp > 0:
                temp = temp * np.asarray([self._trust.eta(k) for k in chunk]) / cfg.eta_init
            grid, exclude = self._trust.grid(chunk, cfg.n_etas), list(ctx.archs) + [g.arch for g in every]
            if cfg.edit_radius:                               # edit-bounded decoding (naoviz.nao.edits)
                near = edit_proposals(nao, seeds, grid, self._trust.radius(chunk, cfg.edit_radius, cfg.edit_radius_max),
                                      cfg.edit_top, exclude=exclude, gain=cfg.edit_gain,
                                      temperature=cfg.edit_temperature, kappa=cfg.kappa,
                                      thompson=cfg.thompson, rng=rng, draws=cfg.draws, blend=cfg.edit_blend)
                every += near
                exclude += [g.arch for g in near]                 # the free decodes below propose others
            if not cfg.edit_radius or cfg.edit_mix:
                every += step_proposals(nao, seeds, 10**9, grid, exclude=exclude, kappa=cfg.kappa,
                                        thompson=cfg.thompson, rng=rng, per_seed=cfg.per_seed, noise=cfg.noise,
                                        draws=cfg.draws, temperature=temp, ei=cfg.ei, retrieve=self._retrieve,
                                        gp=getattr(self, "_gp", None))
            keys += chunk
            if len(every) >= cfg.n_new:
                break
        if not cfg.edit_blend:                                # blend: each chunk keeps its blended order
            every = self._order(ctx, every)                   # the acquisition across chunks
        if cfg.diversity:                                     # the round's n_new spread in the embedding
            from naoviz.search.diverse import diverse_gens
            every = diverse_gens(nao, every, cfg.n_new, cfg.diversity)
        delayed = cfg.retrieve_after or cfg.retrieve_on_stall or cfg.retrieve_on_flat   # near preference: retrieval
        if not delayed or self._retrieve is not None:
            every = near_penalised(every, cfg.near_penalty, cfg.near_until, len(ctx.history))
            every = near_first(every, cfg.near_edits, cfg.near_until, len(ctx.history), cfg.near_ladder)
        found = every[:cfg.n_new]
        live = {ctx.space.canonical(g.seed) for g in every}
        self._pending = (keys, [k not in live for k in keys], list(found))
        if len(found) < cfg.n_new:
            wide = dataclasses.replace(cfg, n_new=cfg.n_new - len(found), top_k=len(ranked), n_etas=12,
                                       max_eta=10 * cfg.max_eta, draws=4, noise=0.1, per_seed=0)
            found += NAOSearch._ranked_steps(ctx, nao, wide, ranked, rng, exclude=[g.arch for g in found],
                                             retrieve=self._retrieve, gp=getattr(self, "_gp", None))
        return found

    def _order(self, ctx: SearchContext, gens: list) -> list:
        """The trust step's new decodes (every chunk's) in the order they are queried: best acquisition
        (``score_decoded``) first, ties in proposal order. One place to rank the step's candidates, so that
        bench/step_diagnosis.py can rank the same candidates another way (a forest, the table's own value).
        With ``forest_blend`` (while fewer than ``blend_until`` cells are measured; 0: always) the order is
        the mean of two ranks, the acquisition's and a random forest's on the measured cells
        (``naoviz.search.blend``)."""
        cfg = self.config
        if cfg.forest_blend and gens and (not cfg.blend_until or len(ctx.history) < cfg.blend_until):
            from naoviz.search.blend import forest_blend_order
            return forest_blend_order(ctx, gens)
        return sorted(gens, key=lambda g: -g.score_decoded)

    def _judge(self, ctx: SearchContext) -> None:
        """Update each trust seed's eta from its proposals' measured values (``TrustRegion.update``)."""
        keys, dry, found = self._pending
        self._pending = None
        sign = 1.0 if ctx.maximize else -1.0
        kids: dict[str, list] = {k: [] for k in keys}
        for g in found:
            rec = ctx.seen.get(ctx.space.canonical(g.arch))
            if rec is not None and getattr(rec, "feasible", True):
                kids[ctx.space.canonical(g.seed)].append((rec.canonical, sign * rec.value))
            elif rec is not None:                      # an infeasible decode never beats its seed
                kids[ctx.space.canonical(g.seed)].append((rec.canonical, -np.inf))
        for k, d in zip(keys, dry):
            self._trust.update(k, sign * ctx.seen[k].value, kids[k], d)

    @staticmethod
    def _sweep(ctx: SearchContext, nao, cfg: NAOSearchConfig, ranked: list, rng, taken=()) -> list:
        """The paper's eta sweep from the top-k seeds; while fewer than ``n_new`` new archs decode, the next
        top-k archs seed it, and once every evaluated arch has been a seed, etas up to 10x ``max_eta`` (in
        10x steps) from all of them, then noisy restarts around them (``_ranked_steps``): the decoder keeps
        proposing instead of handing the round to random fills. None of ``taken`` (cells already proposed)."""
        found: list = []
        for start in range(0, len(ranked), cfg.top_k):
            seeds = ranked[start:start + cfg.top_k]
            exclude = list(ctx.archs) + list(taken) + [g.arch for g in found]
            found += nao.generate(seeds, cfg.n_new - len(found), max_eta=cfg.max_eta, exclude=exclude,
                                  eta_step=cfg.eta_step)
            if len(found) >= cfg.n_new:
                return found
        exclude = list(ctx.archs) + list(taken) + [g.arch for g in found]
        found += nao.generate(ranked, cfg.n_new - len(found), max_eta=10 * cfg.max_eta, exclude=exclude,
                              eta_step=10 * cfg.eta_step)
        if len(found) < cfg.n_new:          # still dry: noisy restarts around every seed (_ranked_steps)
            wide = dataclasses.replace(cfg, n_new=cfg.n_new - len(found), top_k=len(ranked), n_etas=12,
                                       max_eta=10 * cfg.max_eta, draws=4, noise=0.1)
            found += NAOSearch._ranked_steps(ctx, nao, wide, ranked, rng,
                                             exclude=list(taken) + [g.arch for g in found])
        return found

    @staticmethod
    def _ranked_steps(ctx: SearchContext, nao, cfg: NAOSearchConfig, ranked: list, rng, exclude=(),
                      retrieve=None, gp=None) -> list:
        """``n_new`` step proposals ranked by the acquisition; while fewer decode new, up to 3 wider tries
        (4x the draws, noise 0.1, 0.2, 0.4 around the seeds; the per-seed cap lifted): no random fills while
        the step still finds cells. ``retrieve``: decode by retrieval (``naoviz.search.retrieve``); ``gp``: the
        GP acquisition (``surrogate="gp"``, ``naoviz.nao.gp``)."""
        from naoviz.nao.propose import step_proposals
        etas = np.geomspace(cfg.eta_step, cfg.max_eta, cfg.n_etas) if cfg.n_etas > 1 else [cfg.max_eta]
        found = step_proposals(nao, ranked[:cfg.top_k], cfg.n_new, etas, exclude=list(ctx.archs) + list(exclude),
                               kappa=cfg.kappa,
                               thompson=cfg.thompson, rng=rng, per_seed=cfg.per_seed, noise=cfg.noise,
                               draws=cfg.draws, temperature=cfg.temperature, ei=cfg.ei, retrieve=retrieve, gp=gp)
        for t in range(3):
            if len(found) >= cfg.n_new:
                break
            found += step_proposals(nao, ranked[:cfg.top_k], cfg.n_new - len(found), etas,
                                    exclude=list(ctx.archs) + list(exclude) + [g.arch for g in found],
                                    kappa=cfg.kappa,
                                    thompson=cfg.thompson, rng=rng, noise=max(cfg.noise, 0.1) * 2 ** t,
                                    draws=4 * max(cfg.draws, 2), temperature=cfg.temperature, ei=cfg.ei,
                                    retrieve=retrieve, gp=gp)
        return found


class _Snap:
    """``snap_to_table``: the table's unevaluated cells embedded once per round ``(m, hidden)``, unit vectors;
    :meth:`nearest` gives the one closest (cosine) to a decode and takes it, so two decodes never snap to one
    cell. None once every table cell is evaluated or taken."""

    def __init__(self, ctx, nao):
        self.cells = [ctx.pool[c] for c in sorted(ctx.pool) if ctx.open_class(c)]
        self.emb = nao.embed(self.cells) if self.cells else None
        self.free = np.ones(len(self.cells), dtype=bool)
        self.nao = nao

    def nearest(self, arch):
        if self.emb is None or not self.free.any():
            return None
        sim = self.emb @ self.nao.embed([arch])[0]
        sim[~self.free] = -np.inf
        i = int(np.argmax(sim))
        self.free[i] = False
        return self.cells[i]

"""The NAO outer loop under a query budget (Luo et al. 2018, section 3 / NAO_V1 ``train_search.py``).

Evaluate a seeded random pool; each round fit NAO on everything evaluated (warm start), take the top-k
seeds, move their embeddings along the predictor's gradient (eta = step, 2 step, ... up to ``max_eta``) and
decode new archs; optionally add one-edit mutations of the best archs ranked by NAO's own predictor;
evaluate only canonical-new archs; repeat until the budget is spent. ``proposer="rank"`` (preset ``step``)
moves every seed by a whole eta grid at once and queries the new decodes the acquisition ranks best
(``naoviz.nao.propose``); ``proposer="trust"`` (preset ``trust``) does so from the best cells only, each with
its own step size (``naoviz.search.trust``), and can decode by sampling. Every query is tagged with its source
(decoder / mutation / random) so the decoder is credited only with what it generated (eval-nas#3).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from naoviz.errors import show
from naoviz.search import hw
from naoviz.search.base import SearchContext, Searcher
from naoviz.search.checks import check_bool, check_float, check_int
from naoviz.search.diverse import MAX_WEIGHT as MAX_DIVERSITY
from naoviz.search.early import near_first, scheduled_temperature
from naoviz.search.front_gaps import front_mutations
from naoviz.search.nao_presets import PRESETS, budgets_of
from naoviz.search.ranked import ranked_mutations
from naoviz.search.trust import TrustRegion

SEED_BY = ("value", "prediction")
PROPOSERS = ("sweep", "rank", "trust")
INIT_DESIGNS = ("random", "kmeans")


@dataclass
class NAOSearchConfig:
    """Knobs of the NAO search loop; the field defaults are the ``sweep`` preset (the η sweep + ranked
    mutations: ``default`` until 2026-12-04, and still what ``default`` runs under constraints or objectives;
    ``naoviz.search.nao_presets``), the base every preset overrides (see docs/search.md for why).

    model_preset: NAOConfig preset (``default``: pair tokens + rank targets; ``paper``: op tokens + min-max).
    epochs / warm_epochs: training epochs of the first fit / of every later (warm-started) fit.
    trade_off: lambda, the weight of the predictor loss (1 - lambda on the decoder).
    n_init: random pool evaluated before the first fit.   top_k: seeds per round.
    seed_by: rank seeds by measured ``value`` (paper) or by NAO's ``prediction`` (smooths noisy metrics).
    n_new: decoded archs per round.   max_eta / eta_step: the step-size sweep of ``NAO.generate``.
    proposer: ``sweep`` (the paper: eta = eta_step, 2 eta_step, ... keep the first new decodes; when the
        top-k seeds run dry, the next-best archs seed it, then larger etas) or ``rank`` (every seed moved by
        ``n_etas`` etas geometric in [eta_step, max_eta] at once, every new decode re-encoded and the best
        ``n_new`` by acquisition queried: ``naoviz.nao.propose``).
        ``trust``: the ``top_k`` best measured cells seed a rank step, each with its own eta (a trust region:
        ``n_etas`` etas geometric in [eta/2, 2 eta], eta starting at ``eta_init``, doubled after a decode
        beat its seed or when it decoded nothing new, halved when its measured decodes did not;
        ``naoviz.search.trust``), clipped to [``eta_step``, ``max_eta``].
    kappa: UCB weight on the sd of the predictor's ensemble heads (model ``ensemble`` > 1).
    thompson: each moved row ascends one randomly drawn head.   per_seed: cap on picks per seed (0: none).
    ei: ``rank`` / ``trust``: rank the new decodes by expected improvement over the best seed's score under the
        heads' mean and sd (model ``ensemble`` > 1), instead of mean + ``kappa`` sd.
    draws / noise: starts per (seed, eta): the seed plus Gaussian noise of sd ``noise`` (a cloud of restarts).
    temperature: ``rank`` / ``trust``: decode each moved point by sampling tokens at this temperature
        (0: greedy), so one point proposes the decoder's neighbourhood of it.
    trust_temperature: ``trust`` with ``temperature`` > 0: each seed decodes at ``temperature`` x its eta /
        ``eta_init``, so the trust region widens and narrows the decoder's sampling with the step.
    temperature_early / anneal: ``trust``: decode at ``temperature_early`` right after the initial pool,
        linear to ``temperature`` over the next ``anneal`` queries (0 / 0: off; ``naoviz.search.early``).
    near_edits / near_until: ``trust``: while fewer than ``near_until`` cells are measured (0: always),
        decodes within ``near_edits`` edits of their seed are ranked before the others (0: off).
    edit_*: ``trust``: edit-bounded decoding (``edit_radius`` 0: off; ``naoviz.nao.edits``, docs/search.md):
        each moved point proposes the ``edit_top`` cells within the seed's radius most likely under the decoder.
    n_mutations: one-edit neighbours of the ``mutation_parents`` best archs (more when those run dry) ranked
        by NAO's predictor, per round.
    front_mutations: under an upper constraint, this many of the ``n_mutations`` are one-edit neighbours of
        the feasible front member with the widest gap to the next dearer one, predicted cheaper than that one
        (``naoviz.search.front_gaps``; for the front's hypervolume; 0: off).
    pretrain_cells / pretrain_epochs / pretrain_seed: unsupervised pretraining (issue 13, SemiNAS direction;
        0 cells: off): the encoder and decoder are first trained to reconstruct ``pretrain_cells`` cells
        sampled with ``pretrain_seed`` for ``pretrain_epochs`` (no labels), cached once per (space, model
        config, these three) under $NAOVIZ_CACHE/pretrain, and every search starts from them
        (``naoviz.nao.semi``).
    prior / prior_weight: a training-free prior for the predictor (issue 13; ``naoviz.nao.prior``; "none": off;
        needs ``pretrain_cells`` or ``prior_cells``): with ``pretrain_cells`` the pretraining also trains the
        predictor, with loss weight ``prior_weight`` (its ``trade_off``), on the rank-normalised proxy ``prior``
        ("live_conv": conv kernel weight on live edges, nb201 spaces only) of its cells, and the search starts
        from that predictor too.
    prior_cells / prior_until: the prior as pseudo-labels instead (0 cells: off): after each fit while fewer
        than ``prior_until`` queries are spent, ``prior_cells`` seeded unevaluated cells with the proxy's ranks
        as targets join a brief warm refit (``naoviz.nao.prior.PRIOR_EPOCHS``), weighted ``prior_weight`` x
        (1 - queries / ``prior_until``), so the proxy fades as labels come in.
    pseudo_cells / pseudo_epochs / pseudo_weight / pseudo_until: SemiNAS pseudo-labels (0 cells: off): after
        each fit, ``pseudo_cells`` seeded unevaluated cells get the predictor's scores as targets and the
        model is refit ``pseudo_epochs`` on labelled + pseudo-labelled cells, the pseudo targets weighted
        ``pseudo_weight``; only while fewer than ``pseudo_until`` queries are spent (0: the whole run).
    diversity: ``trust``: the round's ``n_new`` decodes chosen greedily by the acquisition minus ``diversity`` x
        their largest cosine similarity, in NAO's embedding, to the ones already chosen this round (0: off, the
        acquisition's order; at most 10; ``naoviz.search.diverse``).
    model: any other NAOConfig field overrides (e.g. {"hidden_size": 64}), checked by NAOConfig.
    Every field is checked on construction (ranges in docs/search.md).
    """

    model_preset: str = "default"
    epochs: int = 100
    warm_epochs: int = 30
    trade_off: float = 0.8
    n_init: int = 10
    top_k: int = 10
    seed_by: str = "prediction"
    n_new: int = 5
    max_eta: float = 50.0
    eta_step: float = 1.0
    n_mutations: int = 5
    mutation_parents: int = 1
    front_mutations: int = 0
    proposer: str = "sweep"
    n_etas: int = 12
    kappa: float = 0.0
    thompson: bool = False
    ei: bool = False
    per_seed: int = 0
    draws: int = 1
    noise: float = 0.0
    eta_init: float = 8.0
    temperature: float = 0.0
    trust_temperature: bool = False
    pretrain_cells: int = 0
    pretrain_epochs: int = 20
    pretrain_seed: int = 0
    prior: str = "none"
    prior_weight: float = 0.8
    prior_cells: int = 0
    prior_until: int = 30
    pseudo_cells: int = 0
    pseudo_epochs: int = 5
    pseudo_weight: float = 1.0
    pseudo_until: int = 0
    temperature_early: float = 0.0
    anneal: int = 0
    near_edits: int = 0
    near_until: int = 0
    edit_radius: int = 0
    edit_radius_max: int = 0
    edit_top: int = 1
    edit_gain: bool = False
    edit_temperature: float = 0.0
    edit_mix: bool = False
    edit_blend: bool = False
    forest_blend: bool = False
    blend_until: int = 0
    init_design: str = "random"
    init_pool: int = 2000
    diversity: float = 0.0
    model: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> "NAOSearchConfig":
        from naoviz.nao.config import PRESETS as MODEL_PRESETS
        if not isinstance(self.model_preset, str) or self.model_preset not in MODEL_PRESETS:
            raise ValueError(f"model_preset must be one of {', '.join(MODEL_PRESETS)}, got {show(self.model_preset)}")
        for name, lo, hi in (("epochs", 1, 100_000), ("warm_epochs", 0, 100_000), ("n_init", 2, 100_000),
                             ("top_k", 1, 100_000), ("n_new", 0, 10_000), ("n_mutations", 0, 10_000),
                             ("mutation_parents", 1, 10_000), ("n_etas", 1, 1000), ("per_seed", 0, 10_000),
                             ("draws", 1, 1000), ("pretrain_cells", 0, 1_000_000),
                             ("pretrain_epochs", 1, 10_000), ("pretrain_seed", 0, 2**31 - 1),
                             ("pseudo_cells", 0, 100_000), ("pseudo_epochs", 0, 10_000),
                             ("pseudo_until", 0, 10_000_000), ("anneal", 0, 100_000), ("near_edits", 0, 1000),
                             ("near_until", 0, 100_000), ("edit_radius", 0, 6), ("edit_radius_max", 0, 6),
                             ("edit_top", 1, 10_000), ("blend_until", 0, 10_000_000),
                             ("init_pool", 2, 1_000_000), ("prior_cells", 0, 100_000),
                             ("prior_until", 1, 10_000_000)):
            check_int(self, name, lo, hi)
        check_int(self, "front_mutations", 0, self.n_mutations)
        if self.n_new + self.n_mutations < 1:
            raise ValueError(f"n_new + n_mutations must be >= 1, got {self.n_new} + {self.n_mutations}")
        if not isinstance(self.seed_by, str) or self.seed_by not in SEED_BY:
            raise ValueError(f"seed_by must be one of {', '.join(SEED_BY)}, got {show(self.seed_by)}")
        if not isinstance(self.proposer, str) or self.proposer not in PROPOSERS:
            raise ValueError(f"proposer must be one of {', '.join(PROPOSERS)}, got {show(self.proposer)}")
        for name in ("thompson", "ei", "trust_temperature", "edit_gain", "edit_mix", "edit_blend", "forest_blend"):
            check_bool(self, name)
        if self.forest_blend and self.proposer != "trust":
            raise ValueError(f"forest_blend needs proposer trust, got proposer {self.proposer}")
        if not isinstance(self.init_design, str) or self.init_design not in INIT_DESIGNS:
            raise ValueError(f"init_design must be one of {', '.join(INIT_DESIGNS)}, got {show(self.init_design)}")
        if self.init_design != "random" and self.init_pool < self.n_init:
            raise ValueError(f"init_pool must be >= n_init ({self.n_init}) for init_design {self.init_design}, "
                             f"got {self.init_pool}")
        if self.edit_radius and self.proposer != "trust":
            raise ValueError(f"edit_radius needs proposer trust, got proposer {self.proposer}")
        if self.edit_radius_max and not 0 < self.edit_radius <= self.edit_radius_max:
            raise ValueError(f"edit_radius_max needs 1 <= edit_radius <= edit_radius_max, got {self.edit_radius} "
                             f"and {self.edit_radius_max}")
        check_float(self, "edit_temperature", 0.0, 100.0)
        check_float(self, "kappa", 0.0, 100.0)
        check_float(self, "diversity", 0.0, MAX_DIVERSITY)
        if self.diversity and self.proposer != "trust":
            raise ValueError(f"diversity needs proposer trust, got proposer {self.proposer}")
        check_float(self, "noise", 0.0, 10.0)
        check_float(self, "temperature", 0.0, 10.0)
        check_float(self, "temperature_early", 0.0, 10.0)
        if (self.temperature_early > 0) != (self.anneal > 0):
            raise ValueError(f"temperature_early and anneal go together (both > 0 or both 0), got "
                             f"{self.temperature_early} and {self.anneal}")
        if self.temperature_early > 0 and self.temperature <= 0:
            raise ValueError(f"temperature_early needs a sampled decode (temperature > 0), "
                             f"got temperature {self.temperature}")
        check_float(self, "trade_off", 0.0, 1.0)
        check_float(self, "pseudo_weight", 0.0, 10.0)
        from naoviz.nao.prior import PRIORS
        if not isinstance(self.prior, str) or self.prior not in PRIORS:
            raise ValueError(f"prior must be one of {', '.join(PRIORS)}, got {show(self.prior)}")
        check_float(self, "prior_weight", 0.0, 1.0, lo_open=True)
        if self.prior != "none" and not (self.pretrain_cells or self.prior_cells):
            raise ValueError(f"prior {self.prior} needs a pretraining (pretrain_cells > 0) or prior_cells > 0, "
                             "got both 0")
        if self.prior_cells and self.prior == "none":
            raise ValueError("prior_cells needs a prior (prior live_conv), got prior none")
        check_float(self, "max_eta", 0.0, 1e6, lo_open=True)
        check_float(self, "eta_step", self.max_eta / 10_000, self.max_eta)   # at most 10,000 decoding steps
        if self.proposer == "trust":
            check_float(self, "eta_init", self.eta_step, self.max_eta)
        else:
            check_float(self, "eta_init", 0.0, 1e6, lo_open=True)
        if not isinstance(self.model, dict):
            raise ValueError(f"model must be a dict of NAOConfig fields, got {show(self.model)}")
        try:
            model = self.model_config(0)
        except ValueError as exc:
            raise ValueError(f"model: {exc}") from None
        if self.ei and model.ensemble < 2:
            raise ValueError(f"ei needs a predictor ensemble (model ensemble >= 2), got ensemble {model.ensemble}")
        return self

    def model_config(self, seed: int):
        """The NAOConfig of the model this search fits (``model_preset`` + epochs, trade_off, seed, ``model``)."""
        from naoviz.nao import NAOConfig
        return NAOConfig.preset(self.model_preset, **{"epochs": self.epochs, "trade_off": self.trade_off,
                                                      "seed": int(seed), **self.model})


class NAOSearch(Searcher):
    name = "nao"
    request = None      # (preset, config, budgets, fields) as make_searcher built it; None: built from a config

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
            raise ValueError(f"preset: unknown NAO search preset {show(name)}; expected one of {', '.join(PRESETS)}")
        return NAOSearchConfig(**PRESETS[name])

    def model_config(self, seed: int):
        return self.config.model_config(seed)

    def check(self, evaluator) -> None:
        """Settings this evaluator cannot serve, refused before any query: pseudo-labels and the proxy prior
        have no costs (no constraints or cost objectives), and the proxy exists for nb201 spaces only."""
        cfg = self.config
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
            self._costs = hw.nao_cost_model(ctx, nao)      # under budgets: judges proposals (calibrated)
            cands, extras = self._propose(ctx, nao, cfg, rng)
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
        with hw.budget_scope(ctx, nao, self._costs):          # under constraints: only decodes predicted within budget
            if cfg.proposer == "rank":
                gens = self._ranked_steps(ctx, nao, cfg, ranked, rng)
            elif cfg.proposer == "trust":
                gens = self._trust_steps(ctx, nao, cfg, ranked, rng)
            else:
                gens = self._sweep(ctx, nao, cfg, ranked, rng)
        cands, extras = [], []
        for g in gens:
            if ctx.is_new(g.arch):
                cands.append((g.arch, "decoder"))
                extras.append({"seed": ctx.space.format(g.seed), "eta": g.eta,
                               "score_seed": g.score_seed, "score_new": g.score_new})
        rank = hw.ranker(ctx, nao, self._costs)
        front = front_mutations(ctx, rank, self._costs, cfg.front_mutations, exclude=[a for a, _ in cands])
        picks = front + ranked_mutations(ctx, rank, cfg.n_mutations - len(front), parents=cfg.mutation_parents,
                                         exclude=[a for a, _ in cands] + front)
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
                                        draws=cfg.draws, temperature=temp, ei=cfg.ei)
            keys += chunk
            if len(every) >= cfg.n_new:
                break
        if not cfg.edit_blend:                                # blend: each chunk keeps its blended order
            every = self._order(ctx, every)                   # the acquisition across chunks
        if cfg.diversity:                                     # the round's n_new spread in the embedding
            from naoviz.search.diverse import diverse_gens
            every = diverse_gens(nao, every, cfg.n_new, cfg.diversity)
        every = near_first(every, cfg.near_edits, cfg.near_until, len(ctx.history))
        found = every[:cfg.n_new]
        live = {ctx.space.canonical(g.seed) for g in every}
        self._pending = (keys, [k not in live for k in keys], list(found))
        if len(found) < cfg.n_new:
            wide = dataclasses.replace(cfg, n_new=cfg.n_new - len(found), top_k=len(ranked), n_etas=12,
                                       max_eta=10 * cfg.max_eta, draws=4, noise=0.1, per_seed=0)
            found += NAOSearch._ranked_steps(ctx, nao, wide, ranked, rng, exclude=[g.arch for g in found])
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
    def _sweep(ctx: SearchContext, nao, cfg: NAOSearchConfig, ranked: list, rng) -> list:
        """The paper's eta sweep from the top-k seeds; while fewer than ``n_new`` new archs decode, the next
        top-k archs seed it, and once every evaluated arch has been a seed, etas up to 10x ``max_eta`` (in
        10x steps) from all of them, then noisy restarts around them (``_ranked_steps``): the decoder keeps
        proposing instead of handing the round to random fills."""
        found: list = []
        for start in range(0, len(ranked), cfg.top_k):
            seeds = ranked[start:start + cfg.top_k]
            exclude = list(ctx.archs) + [g.arch for g in found]
            found += nao.generate(seeds, cfg.n_new - len(found), max_eta=cfg.max_eta, exclude=exclude,
                                  eta_step=cfg.eta_step)
            if len(found) >= cfg.n_new:
                return found
        exclude = list(ctx.archs) + [g.arch for g in found]
        found += nao.generate(ranked, cfg.n_new - len(found), max_eta=10 * cfg.max_eta, exclude=exclude,
                              eta_step=10 * cfg.eta_step)
        if len(found) < cfg.n_new:          # still dry: noisy restarts around every seed (_ranked_steps)
            wide = dataclasses.replace(cfg, n_new=cfg.n_new - len(found), top_k=len(ranked), n_etas=12,
                                       max_eta=10 * cfg.max_eta, draws=4, noise=0.1)
            found += NAOSearch._ranked_steps(ctx, nao, wide, ranked, rng, exclude=[g.arch for g in found])
        return found

    @staticmethod
    def _ranked_steps(ctx: SearchContext, nao, cfg: NAOSearchConfig, ranked: list, rng, exclude=()) -> list:
        """``n_new`` step proposals ranked by the acquisition; while fewer decode new, up to 3 wider tries
        (4x the draws, noise 0.1, 0.2, 0.4 around the seeds; the per-seed cap lifted): no random fills while
        the step still finds cells."""
        from naoviz.nao.propose import step_proposals
        etas = np.geomspace(cfg.eta_step, cfg.max_eta, cfg.n_etas) if cfg.n_etas > 1 else [cfg.max_eta]
        found = step_proposals(nao, ranked[:cfg.top_k], cfg.n_new, etas, exclude=list(ctx.archs) + list(exclude),
                               kappa=cfg.kappa,
                               thompson=cfg.thompson, rng=rng, per_seed=cfg.per_seed, noise=cfg.noise,
                               draws=cfg.draws, temperature=cfg.temperature, ei=cfg.ei)
        for t in range(3):
            if len(found) >= cfg.n_new:
                break
            found += step_proposals(nao, ranked[:cfg.top_k], cfg.n_new - len(found), etas,
                                    exclude=list(ctx.archs) + list(exclude) + [g.arch for g in found],
                                    kappa=cfg.kappa,
                                    thompson=cfg.thompson, rng=rng, noise=max(cfg.noise, 0.1) * 2 ** t,
                                    draws=4 * max(cfg.draws, 2), temperature=cfg.temperature, ei=cfg.ei)
        return found

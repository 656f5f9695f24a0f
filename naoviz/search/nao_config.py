"""``NAOSearchConfig``: every knob of the NAO outer loop (``naoviz.search.nao_search``), checked on
construction; the named presets over these defaults are ``naoviz.search.nao_presets``. The dataclass defaults
are the ``sweep`` recipe; field ranges and meanings: docs/search.md."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from naoviz.errors import show
from naoviz.search.checks import check_bool, check_float, check_int
from naoviz.search.diverse import MAX_WEIGHT as MAX_DIVERSITY


SEED_BY = ("value", "prediction")
PROPOSERS = ("sweep", "rank", "trust")
INIT_DESIGNS = ("random", "kmeans")
DECODE_BY = ("decoder", "nearest", "both")
SURROGATES = ("nao", "gp")
# ``project_tol``: the projected step's fields; where the judge is not reliable they take their defaults (sweep)
SWEEP_STEP = ("proposer", "decode_by", "nearest_feasible", "step_fills", "cheap_rounds")


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
    snap_to_table: on a partial table (``SearchContext.pool``), a decode the table has no row for is replaced
        by the unevaluated table cell nearest to it in the model's embedding (cosine), instead of skipped; off
        here (a stored run without the field ran without it), on in the ``default`` preset. No effect on a
        complete table (docs/data.md, "A table of your own").
    near_edits / near_until: ``trust``: while fewer than ``near_until`` cells are measured (0: always),
        decodes within ``near_edits`` edits of their seed are ranked before the others (0: off).
    near_penalty: ``trust``: the step's decodes ranked by their acquisition (in sds of the round's
        acquisitions) less ``near_penalty`` per edit from their seed, fading linearly to 0 at ``near_until``
        measured cells (weight 1 - measured / ``near_until``; 0: never fades); 0: off
        (``naoviz.search.early.near_penalised``; applied before ``near_edits``).
    edit_*: ``trust``: edit-bounded decoding (``edit_radius`` 0: off; ``naoviz.nao.edits``, docs/search.md):
        each moved point proposes the ``edit_top`` cells within the seed's radius most likely under the decoder.
    n_mutations: one-edit neighbours of the ``mutation_parents`` best archs (more when those run dry) ranked
        by NAO's predictor, per round.
    front_mutations: under an upper constraint, this many of the ``n_mutations`` are one-edit neighbours of
        the feasible front member with the widest gap to the next dearer one, predicted cheaper than that one
        (``naoviz.search.front_gaps``; for the front's hypervolume; 0: off).
    cheap_rounds: under an upper constraint, in each of the first ``cheap_rounds`` rounds one of the
        ``n_mutations`` is instead the cell with the best predicted accuracy among those the cost judge predicts
        at the lowest cost level (``naoviz.search.budget_moves.cheapest_level``; for the front's cheap end;
        0: off).
    early_parents / early_until: under budgets, while fewer than ``early_until`` queries are spent, the
        mutations go round-robin over the ``early_parents`` best feasible cells, each one's best-ranked
        neighbour (``naoviz.search.budget_moves.spread_mutations``; 0: off, the ``mutation_parents`` pool).
    front_rounds: under an upper constraint (no cost objectives), in each of the first ``front_rounds`` rounds
        whose step is not projected (``nearest_feasible`` off, or ``project_tol`` failed), the step aims under a
        bound drawn at a random quantile (0.1-0.9) of the feasible measured cells' costs, never above the budget
        (``naoviz.search.budget_moves.front_budgets``; for the hypervolume at 50 queries; 0: off).
    front_low / front_high: the range the front's quantile is drawn in (0.1 / 0.9: today's), 0 <= low <= high <= 1.
    front_slots: with ``front_rounds``, only this many of the sweep step's ``n_new`` decodes aim under the drawn
        bound, the others under the budget (``naoviz.search.budget_moves.split_step``; 0 or >= ``n_new``: all of
        them; the rank and trust steps aim all theirs lower).
    polish_stall / polish_after / polish_parents: under budgets, once ``polish_after`` queries are spent and the
        feasible incumbent has not changed for ``polish_stall`` step rounds, a round's step slots go to mutations
        too: round-robin one-edit neighbours of the ``polish_parents`` best feasible cells
        (``naoviz.search.budget_moves.polishing``; late-game exploitation; ``polish_stall`` 0: off).
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
    decode_by / nearest_k / nearest_pool: ``rank`` / ``trust``: how a moved point becomes cells (issue 13).
        ``decoder`` (the default): the LSTM decoder decodes it. ``nearest``: decode by retrieval, the MAP decoder
        of a finite space: the ``nearest_k`` unmeasured cells of a pool nearest (cosine, pooled embeddings) to
        each moved point are its candidates (``naoviz.search.retrieve``; ``temperature`` then has no effect);
        the pool is the table's classes (``nearest_pool`` 0), or ``nearest_pool`` cells drawn once from the
        search's rng. ``both``: the decoder's cells and the retrieved ones compete in one ranking.
    nearest_feasible: with ``decode_by`` nearest / both, under budgets (``--constraint``): a projected step
        (issue 14): each round the pool keeps only the cells the search's cost judge predicts within the
        round's budgets (``hw.budget_scope``), so a moved point's ``nearest_k`` are its nearest predicted-feasible
        cells (not the nearest cells, filtered afterwards). No effect without budgets; off by default.
    step_fills: under budgets, this many of the round's ``n_new`` step slots are left to the judge-sorted random
        fills (``hw.random_fills``: predicted-feasible first), the step proposes ``n_new - step_fills`` (issue 14:
        a projected step fills every slot at the judge's edge; the fills cover the front's cheap end). 0: off.
        At most ``n_new``; no effect without budgets.
    project_tol: the projected step only where the cost judge is reliable (issue 14; 0: off, needs
        ``nearest_feasible``): once per search, at the first round that can tell, every cost column is tested
        for being additive over the measured cells' op counts to within this relative leave-one-out error
        (``naoviz.search.additive``; parameter counts are, latency is not). If all are, the projection's fields
        (``proposer``, ``decode_by``, ``nearest_feasible``, ``step_fills``, ``cheap_rounds``) run as given; else,
        and in the rounds before the test can decide, and without budgets, those five take the ``sweep``
        defaults (the kept constrained step, the same queries for a seed); a config that fallback cannot run
        (a field only the trust step reads, say) is refused.
    project_pof: with ``project_tol``, where its test fails (latency): the projection runs anyway, its pool cut
        to the cells whose probability of feasibility under the judge's calibrated errors (``hw.prob_feasible``,
        the untightened budgets) is at least ``project_pof``, instead of the ``sweep`` (issue 14: a stricter pool
        where the judge errs; 0: off, the sweep there).
    retrieve_after: with ``decode_by`` nearest / both: the measured cells before retrieval takes over from the
        LSTM decoder (0: from the start). Before it the search is the decoder search exactly (``decode_by``
        decoder, no ``near_edits`` / ``near_penalty`` preference, no pool drawn): the decoder wins early,
        retrieval late (issue 13, docs/search_experiments.md "Decoder early, retrieval late").
    retrieve_on_stall: with ``decode_by`` nearest / both: retrieval takes over only once this many step rounds in
        a row have not improved the incumbent (0: off, the switch is ``retrieve_after``'s count alone); with
        ``retrieve_after`` too, never before that many cells. Once switched, it stays switched; before, the
        search is the decoder search exactly, as with ``retrieve_after`` (docs/search_experiments.md "Retrieval
        switched on when the step stalls").
    retrieve_on_flat: with ``decode_by`` nearest / both and ``trust``: retrieval also takes over once this many
        step rounds in a row queried no step cell the model scored above the incumbent (its acquisition against
        the incumbent's predicted score: the *predicted* stall, before the measured one; 0: off). With
        ``retrieve_on_stall`` too, whichever comes first; never before ``retrieve_after`` cells
        (docs/search_experiments.md "Three more directions after the stall switch").
    stall_needs_flat: with ``retrieve_on_stall`` and ``trust``: the measured stall switches only when the latest
        step round was also flat (``retrieve_on_flat``'s signal: the model saw no gain near the incumbent), the
        predicted stall as a veto rather than a second trigger; off by default.
    escape_on_stall: with ``decode_by`` nearest / both: once retrieval decodes, every this many step rounds in a
        row without a new incumbent move the step's seeds one place down the measured ranking (the incumbent's
        ball looks spent to the model: climb from the next-best cell, as local search restarts; a new incumbent
        brings them back; 0: off). The incumbent's one-edit ball is never literally spent on NB201 in 100
        queries (docs/search_experiments.md "Three more directions after the stall switch").
    near_ladder: with ``near_edits``: beyond the first ``near_edits`` edits, the candidates are ranked by their
        edit count from the seed too, fewest first (the acquisition within each count), so a spent one-edit
        ball widens to two edits before far cells; off by default.
    surrogate / gp_kappa / gp_ei: ``rank`` / ``trust``: what the step ascends and ranks its candidates by (issue 13).
        ``nao`` (the default): the predictor's heads (``kappa``, ``thompson``, ``ei``). ``gp``: after each fit an
        exact Gaussian process on the measured cells' pooled embeddings (``naoviz.nao.gp``), its UCB mean +
        ``gp_kappa`` sd, or with ``gp_ei`` its expected improvement over the best measured cell.
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
    cheap_rounds: int = 0
    early_parents: int = 0
    early_until: int = 50
    front_rounds: int = 0
    front_low: float = 0.1
    front_high: float = 0.9
    front_slots: int = 0
    polish_stall: int = 0
    polish_after: int = 50
    polish_parents: int = 3
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
    near_penalty: float = 0.0
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
    snap_to_table: bool = False
    decode_by: str = "decoder"
    nearest_k: int = 8
    nearest_pool: int = 0
    nearest_feasible: bool = False
    step_fills: int = 0
    project_tol: float = 0.0
    project_pof: float = 0.0
    retrieve_after: int = 0
    retrieve_on_stall: int = 0
    retrieve_on_flat: int = 0
    stall_needs_flat: bool = False
    escape_on_stall: int = 0
    near_ladder: bool = False
    surrogate: str = "nao"
    gp_kappa: float = 2.0
    gp_ei: bool = False
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
                             ("prior_until", 1, 10_000_000), ("nearest_k", 1, 4096),
                             ("nearest_pool", 0, 1_000_000), ("retrieve_after", 0, 10_000_000),
                             ("retrieve_on_stall", 0, 100_000), ("retrieve_on_flat", 0, 100_000),
                             ("escape_on_stall", 0, 100_000)):
            check_int(self, name, lo, hi)
        check_int(self, "front_mutations", 0, self.n_mutations)
        check_int(self, "step_fills", 0, self.n_new)
        check_int(self, "cheap_rounds", 0, 100_000)
        if self.cheap_rounds and not self.n_mutations:
            raise ValueError(f"cheap_rounds needs n_mutations >= 1 (it takes one of them), got {self.n_mutations}")
        check_int(self, "early_parents", 0, 10_000)
        check_int(self, "early_until", 1, 10_000_000)
        check_int(self, "front_rounds", 0, 100_000)
        check_float(self, "front_low", 0.0, 1.0)
        check_float(self, "front_high", 0.0, 1.0)
        if self.front_low > self.front_high:
            raise ValueError(f"front_low must be <= front_high ({self.front_high:g}), got {self.front_low:g}")
        check_int(self, "front_slots", 0, 10_000)          # more than the step's n_new: all of them
        check_int(self, "polish_stall", 0, 100_000)
        check_int(self, "polish_after", 0, 10_000_000)
        check_int(self, "polish_parents", 1, 10_000)
        if self.n_new + self.n_mutations < 1:
            raise ValueError(f"n_new + n_mutations must be >= 1, got {self.n_new} + {self.n_mutations}")
        if not isinstance(self.seed_by, str) or self.seed_by not in SEED_BY:
            raise ValueError(f"seed_by must be one of {', '.join(SEED_BY)}, got {show(self.seed_by)}")
        if not isinstance(self.proposer, str) or self.proposer not in PROPOSERS:
            raise ValueError(f"proposer must be one of {', '.join(PROPOSERS)}, got {show(self.proposer)}")
        for name in ("thompson", "ei", "trust_temperature", "edit_gain", "edit_mix", "edit_blend", "forest_blend",
                     "snap_to_table", "nearest_feasible", "near_ladder", "stall_needs_flat", "gp_ei"):
            check_bool(self, name)
        if self.forest_blend and self.proposer != "trust":
            raise ValueError(f"forest_blend needs proposer trust, got proposer {self.proposer}")
        if not isinstance(self.init_design, str) or self.init_design not in INIT_DESIGNS:
            raise ValueError(f"init_design must be one of {', '.join(INIT_DESIGNS)}, got {show(self.init_design)}")
        if self.init_design != "random" and self.init_pool < self.n_init:
            raise ValueError(f"init_pool must be >= n_init ({self.n_init}) for init_design {self.init_design}, "
                             f"got {self.init_pool}")
        if not isinstance(self.decode_by, str) or self.decode_by not in DECODE_BY:
            raise ValueError(f"decode_by must be one of {', '.join(DECODE_BY)}, got {show(self.decode_by)}")
        if self.decode_by != "decoder" and self.proposer not in ("rank", "trust"):
            raise ValueError(f"decode_by {self.decode_by} needs proposer rank or trust, got proposer {self.proposer}")
        if self.nearest_feasible and self.decode_by == "decoder":
            raise ValueError("nearest_feasible needs decode_by nearest or both, got decode_by decoder")
        check_float(self, "project_tol", 0.0, 1.0)
        if self.project_tol and not self.nearest_feasible:
            raise ValueError(f"project_tol {self.project_tol:g} needs nearest_feasible true (the projection it "
                             "gates), got nearest_feasible false")
        check_float(self, "project_pof", 0.0, 1.0)
        if self.project_pof and not self.project_tol:
            raise ValueError(f"project_pof {self.project_pof:g} needs project_tol > 0 (it acts where that test "
                             "fails), got project_tol 0")
        if self.project_tol:
            try:
                self.swept()
            except ValueError as exc:
                raise ValueError(f"project_tol: the sweep it falls back to cannot run these fields: {exc}") from None
        if self.retrieve_after and self.decode_by == "decoder":
            raise ValueError(f"retrieve_after needs decode_by nearest or both, got retrieve_after "
                             f"{self.retrieve_after} with decode_by decoder")
        if self.retrieve_on_stall and self.decode_by == "decoder":
            raise ValueError(f"retrieve_on_stall needs decode_by nearest or both, got retrieve_on_stall "
                             f"{self.retrieve_on_stall} with decode_by decoder")
        if self.retrieve_on_flat and (self.decode_by == "decoder" or self.proposer != "trust"):
            raise ValueError(f"retrieve_on_flat needs decode_by nearest or both and proposer trust, got "
                             f"retrieve_on_flat {self.retrieve_on_flat} with decode_by {self.decode_by}, "
                             f"proposer {self.proposer}")
        if self.stall_needs_flat and (not self.retrieve_on_stall or self.proposer != "trust"):
            raise ValueError(f"stall_needs_flat needs retrieve_on_stall >= 1 and proposer trust, got retrieve_on_stall "
                             f"{self.retrieve_on_stall}, proposer {self.proposer}")
        if self.escape_on_stall and self.decode_by == "decoder":
            raise ValueError(f"escape_on_stall needs decode_by nearest or both, got escape_on_stall "
                             f"{self.escape_on_stall} with decode_by decoder")
        if self.near_ladder and not self.near_edits:
            raise ValueError("near_ladder needs near_edits >= 1 (the ladder starts above it), got near_edits 0")
        if self.decode_by != "decoder" and self.edit_radius:
            raise ValueError(f"decode_by {self.decode_by} cannot go with edit_radius (the edit-bounded decoder), got "
                             f"edit_radius {self.edit_radius}")
        if self.edit_radius and self.proposer != "trust":
            raise ValueError(f"edit_radius needs proposer trust, got proposer {self.proposer}")
        if self.edit_radius_max and not 0 < self.edit_radius <= self.edit_radius_max:
            raise ValueError(f"edit_radius_max needs 1 <= edit_radius <= edit_radius_max, got {self.edit_radius} "
                             f"and {self.edit_radius_max}")
        if not isinstance(self.surrogate, str) or self.surrogate not in SURROGATES:
            raise ValueError(f"surrogate must be one of {', '.join(SURROGATES)}, got {show(self.surrogate)}")
        check_float(self, "gp_kappa", 0.0, 100.0)
        if self.surrogate == "gp" and (self.proposer == "sweep" or self.edit_radius or self.retrieve_on_flat):
            raise ValueError(f"surrogate gp needs proposer rank or trust without edit_radius or retrieve_on_flat, got "
                             f"proposer {self.proposer}, edit_radius {self.edit_radius}, retrieve_on_flat "
                             f"{self.retrieve_on_flat}")
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
        check_float(self, "near_penalty", 0.0, 10.0)
        if self.near_penalty and self.proposer != "trust":
            raise ValueError(f"near_penalty needs proposer trust, got proposer {self.proposer}")
        if self.near_penalty and (self.forest_blend or self.edit_blend):
            raise ValueError("near_penalty ranks by the acquisition and cannot go with forest_blend or edit_blend, "
                             f"got forest_blend {self.forest_blend}, edit_blend {self.edit_blend}")
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

    def swept(self) -> "NAOSearchConfig":
        """This config with the projected step's fields (``SWEEP_STEP``) at the ``sweep`` defaults and
        ``project_tol`` off: what a round runs where the judge is not reliable (``project_tol``)."""
        return replace(self, project_tol=0.0, project_pof=0.0, **{f: getattr(NAOSearchConfig, f) for f in SWEEP_STEP})

    def model_config(self, seed: int):
        """The NAOConfig of the model this search fits (``model_preset`` + epochs, trade_off, seed, ``model``)."""
        from naoviz.nao import NAOConfig
        return NAOConfig.preset(self.model_preset, **{"epochs": self.epochs, "trade_off": self.trade_off,
                                                      "seed": int(seed), **self.model})

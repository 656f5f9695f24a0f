"""``NAOSearchConfig``: every knob of the NAO outer loop (``naoviz.search.nao_search``), checked on
construction (``naoviz.search.nao_config_checks``); the named presets over these defaults are
``naoviz.search.nao_presets``. The dataclass defaults are the ``sweep`` recipe; field ranges and meanings:
docs/search.md."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from naoviz.search.nao_config_checks import validate      # each field's range, and which fields need which

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
        """Every field checked (``nao_config_checks.validate``): the first fault as one ``ValueError``."""
        validate(self)
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

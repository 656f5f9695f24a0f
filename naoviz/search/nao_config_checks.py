"""The checks of ``NAOSearchConfig`` (``naoviz.search.nao_config``): each field's range and which fields need
which, one ``ValueError`` naming the field and the value; split from the dataclass, whose fields and their
meanings stay there. ``validate`` runs them in one fixed order, so a config with several faults names the
same first one every time."""
from __future__ import annotations

from naoviz.errors import show
from naoviz.search.checks import check_bool, check_float, check_int
from naoviz.search.diverse import MAX_WEIGHT as MAX_DIVERSITY

SEED_BY = ("value", "prediction")
PROPOSERS = ("sweep", "rank", "trust")
INIT_DESIGNS = ("random", "kmeans")
DECODE_BY = ("decoder", "nearest", "both")
SURROGATES = ("nao", "gp")


def validate(cfg) -> None:
    """Raise ``ValueError`` for the first field of ``cfg`` (a ``NAOSearchConfig``) out of range or set without
    a field it needs."""
    from naoviz.nao.config import PRESETS as MODEL_PRESETS
    if not isinstance(cfg.model_preset, str) or cfg.model_preset not in MODEL_PRESETS:
        raise ValueError(f"model_preset must be one of {', '.join(MODEL_PRESETS)}, got {show(cfg.model_preset)}")
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
        check_int(cfg, name, lo, hi)
    check_int(cfg, "front_mutations", 0, cfg.n_mutations)
    check_int(cfg, "step_fills", 0, cfg.n_new)
    check_int(cfg, "cheap_rounds", 0, 100_000)
    if cfg.cheap_rounds and not cfg.n_mutations:
        raise ValueError(f"cheap_rounds needs n_mutations >= 1 (it takes one of them), got {cfg.n_mutations}")
    check_int(cfg, "early_parents", 0, 10_000)
    check_int(cfg, "early_until", 1, 10_000_000)
    check_int(cfg, "front_rounds", 0, 100_000)
    check_float(cfg, "front_low", 0.0, 1.0)
    check_float(cfg, "front_high", 0.0, 1.0)
    if cfg.front_low > cfg.front_high:
        raise ValueError(f"front_low must be <= front_high ({cfg.front_high:g}), got {cfg.front_low:g}")
    check_int(cfg, "front_slots", 0, 10_000)          # more than the step's n_new: all of them
    check_int(cfg, "polish_stall", 0, 100_000)
    check_int(cfg, "polish_after", 0, 10_000_000)
    check_int(cfg, "polish_parents", 1, 10_000)
    if cfg.n_new + cfg.n_mutations < 1:
        raise ValueError(f"n_new + n_mutations must be >= 1, got {cfg.n_new} + {cfg.n_mutations}")
    if not isinstance(cfg.seed_by, str) or cfg.seed_by not in SEED_BY:
        raise ValueError(f"seed_by must be one of {', '.join(SEED_BY)}, got {show(cfg.seed_by)}")
    if not isinstance(cfg.proposer, str) or cfg.proposer not in PROPOSERS:
        raise ValueError(f"proposer must be one of {', '.join(PROPOSERS)}, got {show(cfg.proposer)}")
    for name in ("thompson", "ei", "trust_temperature", "edit_gain", "edit_mix", "edit_blend", "forest_blend",
                 "snap_to_table", "nearest_feasible", "near_ladder", "stall_needs_flat", "gp_ei"):
        check_bool(cfg, name)
    if cfg.forest_blend and cfg.proposer != "trust":
        raise ValueError(f"forest_blend needs proposer trust, got proposer {cfg.proposer}")
    if not isinstance(cfg.init_design, str) or cfg.init_design not in INIT_DESIGNS:
        raise ValueError(f"init_design must be one of {', '.join(INIT_DESIGNS)}, got {show(cfg.init_design)}")
    if cfg.init_design != "random" and cfg.init_pool < cfg.n_init:
        raise ValueError(f"init_pool must be >= n_init ({cfg.n_init}) for init_design {cfg.init_design}, "
                         f"got {cfg.init_pool}")
    if not isinstance(cfg.decode_by, str) or cfg.decode_by not in DECODE_BY:
        raise ValueError(f"decode_by must be one of {', '.join(DECODE_BY)}, got {show(cfg.decode_by)}")
    if cfg.decode_by != "decoder" and cfg.proposer not in ("rank", "trust"):
        raise ValueError(f"decode_by {cfg.decode_by} needs proposer rank or trust, got proposer {cfg.proposer}")
    if cfg.nearest_feasible and cfg.decode_by == "decoder":
        raise ValueError("nearest_feasible needs decode_by nearest or both, got decode_by decoder")
    check_float(cfg, "project_tol", 0.0, 1.0)
    if cfg.project_tol and not cfg.nearest_feasible:
        raise ValueError(f"project_tol {cfg.project_tol:g} needs nearest_feasible true (the projection it "
                         "gates), got nearest_feasible false")
    check_float(cfg, "project_pof", 0.0, 1.0)
    if cfg.project_pof and not cfg.project_tol:
        raise ValueError(f"project_pof {cfg.project_pof:g} needs project_tol > 0 (it acts where that test "
                         "fails), got project_tol 0")
    if cfg.project_tol:
        try:
            cfg.swept()
        except ValueError as exc:
            raise ValueError(f"project_tol: the sweep it falls back to cannot run these fields: {exc}") from None
    if cfg.retrieve_after and cfg.decode_by == "decoder":
        raise ValueError(f"retrieve_after needs decode_by nearest or both, got retrieve_after "
                         f"{cfg.retrieve_after} with decode_by decoder")
    if cfg.retrieve_on_stall and cfg.decode_by == "decoder":
        raise ValueError(f"retrieve_on_stall needs decode_by nearest or both, got retrieve_on_stall "
                         f"{cfg.retrieve_on_stall} with decode_by decoder")
    if cfg.retrieve_on_flat and (cfg.decode_by == "decoder" or cfg.proposer != "trust"):
        raise ValueError(f"retrieve_on_flat needs decode_by nearest or both and proposer trust, got "
                         f"retrieve_on_flat {cfg.retrieve_on_flat} with decode_by {cfg.decode_by}, "
                         f"proposer {cfg.proposer}")
    if cfg.stall_needs_flat and (not cfg.retrieve_on_stall or cfg.proposer != "trust"):
        raise ValueError(f"stall_needs_flat needs retrieve_on_stall >= 1 and proposer trust, got retrieve_on_stall "
                         f"{cfg.retrieve_on_stall}, proposer {cfg.proposer}")
    if cfg.escape_on_stall and cfg.decode_by == "decoder":
        raise ValueError(f"escape_on_stall needs decode_by nearest or both, got escape_on_stall "
                         f"{cfg.escape_on_stall} with decode_by decoder")
    if cfg.near_ladder and not cfg.near_edits:
        raise ValueError("near_ladder needs near_edits >= 1 (the ladder starts above it), got near_edits 0")
    if cfg.decode_by != "decoder" and cfg.edit_radius:
        raise ValueError(f"decode_by {cfg.decode_by} cannot go with edit_radius (the edit-bounded decoder), got "
                         f"edit_radius {cfg.edit_radius}")
    if cfg.edit_radius and cfg.proposer != "trust":
        raise ValueError(f"edit_radius needs proposer trust, got proposer {cfg.proposer}")
    if cfg.edit_radius_max and not 0 < cfg.edit_radius <= cfg.edit_radius_max:
        raise ValueError(f"edit_radius_max needs 1 <= edit_radius <= edit_radius_max, got {cfg.edit_radius} "
                         f"and {cfg.edit_radius_max}")
    if not isinstance(cfg.surrogate, str) or cfg.surrogate not in SURROGATES:
        raise ValueError(f"surrogate must be one of {', '.join(SURROGATES)}, got {show(cfg.surrogate)}")
    check_float(cfg, "gp_kappa", 0.0, 100.0)
    if cfg.surrogate == "gp" and (cfg.proposer == "sweep" or cfg.edit_radius or cfg.retrieve_on_flat):
        raise ValueError(f"surrogate gp needs proposer rank or trust without edit_radius or retrieve_on_flat, got "
                         f"proposer {cfg.proposer}, edit_radius {cfg.edit_radius}, retrieve_on_flat "
                         f"{cfg.retrieve_on_flat}")
    check_float(cfg, "edit_temperature", 0.0, 100.0)
    check_float(cfg, "kappa", 0.0, 100.0)
    check_float(cfg, "diversity", 0.0, MAX_DIVERSITY)
    if cfg.diversity and cfg.proposer != "trust":
        raise ValueError(f"diversity needs proposer trust, got proposer {cfg.proposer}")
    check_float(cfg, "noise", 0.0, 10.0)
    check_float(cfg, "temperature", 0.0, 10.0)
    check_float(cfg, "temperature_early", 0.0, 10.0)
    if (cfg.temperature_early > 0) != (cfg.anneal > 0):
        raise ValueError(f"temperature_early and anneal go together (both > 0 or both 0), got "
                         f"{cfg.temperature_early} and {cfg.anneal}")
    if cfg.temperature_early > 0 and cfg.temperature <= 0:
        raise ValueError(f"temperature_early needs a sampled decode (temperature > 0), "
                         f"got temperature {cfg.temperature}")
    check_float(cfg, "near_penalty", 0.0, 10.0)
    if cfg.near_penalty and cfg.proposer != "trust":
        raise ValueError(f"near_penalty needs proposer trust, got proposer {cfg.proposer}")
    if cfg.near_penalty and (cfg.forest_blend or cfg.edit_blend):
        raise ValueError("near_penalty ranks by the acquisition and cannot go with forest_blend or edit_blend, "
                         f"got forest_blend {cfg.forest_blend}, edit_blend {cfg.edit_blend}")
    check_float(cfg, "trade_off", 0.0, 1.0)
    check_float(cfg, "pseudo_weight", 0.0, 10.0)
    from naoviz.nao.prior import PRIORS
    if not isinstance(cfg.prior, str) or cfg.prior not in PRIORS:
        raise ValueError(f"prior must be one of {', '.join(PRIORS)}, got {show(cfg.prior)}")
    check_float(cfg, "prior_weight", 0.0, 1.0, lo_open=True)
    if cfg.prior != "none" and not (cfg.pretrain_cells or cfg.prior_cells):
        raise ValueError(f"prior {cfg.prior} needs a pretraining (pretrain_cells > 0) or prior_cells > 0, "
                         "got both 0")
    if cfg.prior_cells and cfg.prior == "none":
        raise ValueError("prior_cells needs a prior (prior live_conv), got prior none")
    check_float(cfg, "max_eta", 0.0, 1e6, lo_open=True)
    check_float(cfg, "eta_step", cfg.max_eta / 10_000, cfg.max_eta)   # at most 10,000 decoding steps
    if cfg.proposer == "trust":
        check_float(cfg, "eta_init", cfg.eta_step, cfg.max_eta)
    else:
        check_float(cfg, "eta_init", 0.0, 1e6, lo_open=True)
    if not isinstance(cfg.model, dict):
        raise ValueError(f"model must be a dict of NAOConfig fields, got {show(cfg.model)}")
    try:
        model = cfg.model_config(0)
    except ValueError as exc:
        raise ValueError(f"model: {exc}") from None
    if cfg.ei and model.ensemble < 2:
        raise ValueError(f"ei needs a predictor ensemble (model ensemble >= 2), got ensemble {model.ensemble}")


def check_pool(cfg, evaluator) -> None:
    """``nearest_pool`` 0 needs a table or a space that enumerates its classes; refused before any query."""
    if cfg.decode_by == "decoder" or cfg.nearest_pool or cfg.project_tol:   # project_tol: the sweep instead
        return
    if not enumerable(evaluator):
        raise ValueError(f"nearest_pool: 0 (the table's classes) needs a space that enumerates its cells; "
                         f"{evaluator.space.name} does not; give a pool size: --config '{{\"nearest_pool\": 5000}}'")


def enumerable(evaluator) -> bool:
    """Whether ``nearest_pool`` 0 has a pool here: a partial table's rows, or a space that lists its classes."""
    return isinstance(getattr(evaluator, "pool", None), dict) or getattr(evaluator.space, "classes", None) is not None

"""The NAO search presets: named sets of :class:`naoviz.search.nao_search.NAOSearchConfig` fields (what
``naoviz search --preset`` and ``--algos nao:PRESET`` pick; measured side by side in docs/search.md, "Which NAO
preset?"). Plain data: ``naoviz/cli/search.py`` spells the same names (a test keeps them equal).

:func:`recipe` is the one place that says which preset runs when one is asked for: ``default`` (or none) is
the ``kmeans`` recipe (``thompson`` from a space-filling initial pool), except under budgets (``--constraint`` / ``--objectives``), where it is
``sweep_projected``: the ``sweep`` (η sweep + ranked mutations, with which the constrained and Pareto figures of
issue 14 were measured) whose step is projected onto the budget where the cost judge is exact.

:func:`catalogue` says what each preset does in one line and which to pick from (``GROUPS``: the ``main`` ones,
then the ``measured`` directions kept so their bench/RESULTS.md commands reproduce): ``naoviz search --preset
list`` prints it and the dashboard's Search tab labels its preset menu with it."""
from __future__ import annotations

from typing import Optional

# Presets. "paper": the paper's choices scaled to small budgets (random pool, top-k by value, decoder only,
# op tokens, min-max targets, 1000 epochs then warm rounds). "sweep": NAOSearchConfig's own defaults, the
# eta sweep + predictor-ranked mutations (`default` until 2026-12-04; still what `default` runs under
# budgets). "fast": `sweep` with fewer epochs (the dashboard's Search tab opened on it until 2026-12-04). "step": the gradient step alone,
# ranked (docs/search_experiments.md, "Step proposals"). "trust": the step in per-seed trust regions with sampled decodes
# (docs/search_experiments.md, "Trust regions and sampled decodes"). "default": the best measured on the tuning seeds
# (CIFAR-10 seeds 0-9), `kmeans`.
PRESETS: dict[str, dict] = {
    "paper": dict(model_preset="paper", epochs=1000, warm_epochs=100, n_init=40, top_k=10, seed_by="value",
                  n_new=20, max_eta=100.0, n_mutations=0),
    "default": {},                  # set below: kmeans' fields
    "sweep": {},
    "fast": dict(epochs=50, warm_epochs=15),
    # NAO without the mutation fallback (issue 13): every model-guided query is a ranked step proposal.
    "step": dict(proposer="rank", n_mutations=0, n_new=10, top_k=100, seed_by="value", max_eta=1000.0,
                 n_etas=24, draws=4, noise=0.1),
    # The step from the best measured cell in a per-seed trust region, each moved point decoded by sampling
    # (temperature 1.5): rounds of 5, like local search, every model-guided query decoded (issue 13).
    "trust": dict(proposer="trust", n_mutations=0, n_new=5, warm_epochs=15, top_k=1, seed_by="value",
                  eta_init=8.0, eta_step=1.0, max_eta=256.0, n_etas=4, draws=8, noise=0.0, temperature=1.5),
    # `trust` with a 5-head predictor, each moved row ascending one drawn head (Thompson), decoded at temperature
    # 2.0 (docs/search_experiments.md, "Early exploitation by the step").
    "thompson": dict(proposer="trust", n_mutations=0, n_new=5, warm_epochs=15, top_k=1, seed_by="value",
                     eta_init=8.0, eta_step=1.0, max_eta=256.0, n_etas=4, draws=8, noise=0.0, temperature=2.0,
                     thompson=True, model={"ensemble": 5}),
}
# ``trust`` trained on unlabelled cells too (issue 13, SemiNAS direction; docs/search_experiments.md "Unlabelled cells"):
# the encoder-decoder pretrained to reconstruct 2000 cells (10 epochs, cached), and 200 pseudo-labelled cells
# (weight 0.5, 5 epochs) after every fit.
PRESETS["semi"] = dict(PRESETS["trust"], pretrain_cells=2000, pretrain_epochs=10, pretrain_seed=0,
                       pseudo_cells=200, pseudo_epochs=5, pseudo_weight=0.5, pseudo_until=0)
# ``thompson`` started from a space-filling pool: the 10 initial cells are the ones nearest to k-means centres of
# 2000 random cells in the encoder pretrained on unlabelled cells
# (docs/search_experiments.md "Three early-game directions").
PRESETS["kmeans"] = dict(PRESETS["thompson"], init_design="kmeans", model=dict(PRESETS["thompson"]["model"]))
# `default` = `kmeans` (since 2026-12-05): of the presets measured on the tuning seeds its mean incumbent over
# 25 / 50 / 100 queries is the best (94.177 / 94.333 / 94.372, mean 94.294; `thompson` 94.250; docs/search.md
# "Which NAO preset?").
# On a partial table (a file of your own with fewer classes than the space) `default` also snaps each decode the
# table lacks to its nearest unevaluated table cell (`snap_to_table`; no effect on a complete table): skipping
# them left NAO ~1 decode in 50 queries, a k-means start and random draws (bench/RESULTS.md, "NAO's decodes
# snapped into a partial table").
PRESETS["default"] = dict(PRESETS["kmeans"], model=dict(PRESETS["kmeans"]["model"]), snap_to_table=True)
# ``kmeans`` (= ``default``) whose moved points are decoded by the LSTM decoder until 50 cells are measured, then
# by retrieval: the 32 unmeasured table cells nearest in the embedding, one-edit cells first (issue 13;
# docs/search_experiments.md "Decoder early, retrieval late"). Not ``default``: its pool is the table's classes, so
# it needs a space that enumerates its cells (docs/search.md, "Which NAO preset?").
PRESETS["handoff"] = dict(PRESETS["kmeans"], model=dict(PRESETS["kmeans"]["model"]), decode_by="nearest",
                          nearest_k=32, near_edits=1, near_until=0, retrieve_after=50)
# ``handoff`` with the switch keyed to the incumbent stalling rather than to a count: the LSTM decoder decodes until
# two step rounds in a row (10 queries) measure no new incumbent, then retrieval for good (issue 13;
# docs/search_experiments.md "Retrieval switched on when the step stalls"). Not ``default``: the lead decides.
PRESETS["stall"] = dict(PRESETS["kmeans"], model=dict(PRESETS["kmeans"]["model"]), decode_by="nearest",
                        nearest_k=32, near_edits=1, near_until=0, retrieve_on_stall=2)
# ``stall`` whose retrieved candidates beyond one edit are ranked by their edit count too, fewest first
# (``near_ladder``): a spent one-edit group widens to two edits before far cells (issue 13; docs/search_experiments.md
# "Three more directions after the stall switch"). Not ``default``: the lead decides.
PRESETS["ladder"] = dict(PRESETS["stall"], model=dict(PRESETS["stall"]["model"]), near_ladder=True)
# ``semi`` with ``thompson``'s 5-head Thompson step at temperature 2.0 (docs/search_experiments.md "Edit-bounded decoding").
PRESETS["semi_thompson"] = dict(PRESETS["semi"], thompson=True, temperature=2.0, model={"ensemble": 5})
# ``semi`` whose step also proposes, per moved point, the 2 cells within one edit of the seed whose decoder
# likelihood the step raised most; they compete with the free decodes (docs/search_experiments.md "Edit-bounded decoding").
PRESETS["semi_edit"] = dict(PRESETS["semi"], edit_radius=1, edit_top=2, edit_gain=True, edit_mix=True)

# ``sweep`` whose step, under a budget whose every cost column proves additive over the measured cells' ops
# (parameters, FLOPs: the judge is exact there), is projected: retrieval among the cells the judge passes, 3 of
# its 5 slots left to judge-sorted random fills, a cheapest-level query in the first 3 rounds. On any other budget
# (latency) and without one it is ``sweep`` query for query (issue 14, best feasible at 100 ahead of evolution and
# local search on 6 of 6 budgets, ``sweep`` 4 of 6; docs/search_experiments.md "the projection only where the judge is reliable").
PRESETS["sweep_projected"] = dict(proposer="rank", decode_by="nearest", nearest_feasible=True, step_fills=3,
                                  cheap_rounds=3, project_tol=0.005)

# What a preset means under budgets (--constraint / --objectives), where it differs: every constrained and
# Pareto figure (issue 14, hw.py) was measured with the sweep + ranked mutations, projected since 2026-12-06.
UNDER_BUDGETS = {"default": "sweep_projected"}


def recipe(preset: Optional[str], budgets: bool = False) -> str:
    """The preset whose fields run when ``preset`` is asked for (None: ``default``), with or without
    ``budgets`` (constraints or cost objectives): ``default`` -> ``kmeans``' fields, or ``sweep_projected``
    under budgets; every other name runs as asked (``--preset thompson --constraint ...`` runs ``thompson``)."""
    name = "default" if preset is None else preset
    return UNDER_BUDGETS.get(name, name) if budgets and isinstance(name, str) else name


def note(preset: Optional[str], budgets: str = "") -> str:
    """Why another recipe runs than the one named: ``"sweep_projected under constraints"`` for ``default`` under
    ``budgets`` ("constraints", "objectives", ...; "" for none), else ""."""
    name = "default" if preset is None else preset
    ran = recipe(preset, bool(budgets))
    return "" if ran == name else f"{ran} under {budgets}"


def describe(preset: Optional[str], budgets: str = "") -> str:
    """``preset`` as shown to the user (run header, stored run, ``SearchResult.preset``): its name, and the
    recipe when ``budgets`` makes it differ, e.g. ``default (sweep_projected under constraints)``."""
    name = "default" if preset is None else preset
    why = note(preset, budgets)
    return f"{name} ({why})" if why else str(name)


def budgets_of(evaluator) -> str:
    """What ``evaluator`` puts the search under: "constraints", "objectives", both, or "" (none)."""
    kinds = [k for k in ("constraints", "objectives") if getattr(evaluator, k, ())]
    return " and ".join(kinds)


# ``kmeans`` whose step ascends, and ranks its candidates by, a Gaussian process's UCB (mean + 1 sd) on NAO's embedding
# instead of the 5-head predictor (issue 13; docs/search_experiments.md "A Gaussian process on NAO's embedding").
# Met the tuning rule narrowly (by 0.012); held out level with ``kmeans`` and behind it on digits at 25 and 50:
# kept so its held-out command reproduces, not ``default``.
PRESETS["gp"] = dict(PRESETS["kmeans"], model=dict(PRESETS["kmeans"]["model"]), surrogate="gp", gp_kappa=1.0)


# The catalogue: what each preset does in words, and which to pick from (``naoviz search --preset list``, the
# dashboard's Search tab). MAIN are the presets a user picks from, in the order shown; MEASURED are the measured
# directions, kept so that their bench/RESULTS.md commands reproduce (docs/search.md, "Which NAO preset?").
MAIN = ("default", "paper", "step", "fast", "sweep")
MEASURED = ("kmeans", "thompson", "trust", "semi", "semi_thompson", "semi_edit", "handoff", "stall", "ladder",
            "gp", "sweep_projected")
GROUPS = {"main": MAIN, "measured": MEASURED}

# name -> (short label, a few words; one line: what proposes the cells)
ABOUT: dict[str, tuple[str, str]] = {
    "default": ("best measured",
                "k-means start, then gradient steps: the best measured; decodes snap to a partial table's cells"),
    "paper": ("the paper's loop",
              "the paper's loop: random pool of 40, top 10 by value, decoder only, 1000 epochs"),
    "step": ("step only",
             "NAO's gradient step alone: every model-guided query a ranked step decode, no mutations"),
    "fast": ("quick, for live demos",
             "sweep with half the epochs (50, then 15 per round): the quick one for a live page"),
    "sweep": ("η sweep + mutations",
              "η sweep from the top 10 beside predictor-ranked one-edit mutations (default until 2026-12-04)"),
    "kmeans": ("k-means start",
               "thompson from a space-filling pool: k-means centres in the pretrained embedding"),
    "thompson": ("Thompson step",
                 "trust with a 5-head predictor, each moved point climbing one drawn head (Thompson)"),
    "trust": ("trust-region step",
              "the step from the best measured cell in a per-seed trust region, sampled decodes"),
    "semi": ("unlabelled cells too",
             "trust with the encoder-decoder pretrained on 2000 cells and pseudo-labelled cells"),
    "semi_thompson": ("semi + Thompson",
                      "semi with thompson's 5-head Thompson step at temperature 2.0"),
    "semi_edit": ("semi + one-edit cells",
                  "semi + the seed's one-edit cells whose decoder likelihood the step raised most"),
    "handoff": ("decoder, then retrieval",
                "kmeans until 50 cells are measured, then the nearest unmeasured table cells"),
    "stall": ("retrieval at a stall",
              "handoff switching to retrieval once two step rounds find no new incumbent"),
    "ladder": ("stall + edit ladder",
               "stall whose retrieved cells beyond one edit are ranked by edit count, fewest first"),
    "gp": ("Gaussian-process step",
           "kmeans whose step climbs a Gaussian process's UCB on NAO's embedding, not the 5-head predictor"),
    "sweep_projected": ("default under budgets",
                        "what default runs under budgets: sweep, its step projected where the costs are exact"),
}


def catalogue(budgets: bool = False) -> list[dict]:
    """One row per preset, MAIN first then MEASURED: ``name``, ``group`` ("main" or "measured"), ``label``,
    ``about`` (one line) and ``runs`` (``recipe(name, budgets)``: what runs when the name is asked for)."""
    return [{"name": name, "group": group, "label": ABOUT[name][0], "about": ABOUT[name][1],
             "runs": recipe(name, budgets)} for group, names in GROUPS.items() for name in names]

"""The NAO search presets: named sets of :class:`naoviz.search.nao_search.NAOSearchConfig` fields (what
``naoviz search --preset`` and ``--algos nao:PRESET`` pick; measured side by side in docs/search.md, "Which NAO
preset?"). Plain data: ``naoviz/cli/search.py`` spells the same names (a test keeps them equal)."""
from __future__ import annotations

# Presets. "paper": the paper's choices scaled to small budgets (random pool, top-k by value, decoder only,
# op tokens, min-max targets, 1000 epochs then warm rounds). "default": measured on NB201 to do well at
# 50-300 queries. "fast": the default's choices with fewer epochs, for the live dashboard. "step": the
# gradient step alone, ranked (docs/search.md, "Step proposals"). "trust": the step in per-seed trust regions with
# sampled decodes (docs/search.md, "Trust regions and sampled decodes").
PRESETS: dict[str, dict] = {
    "paper": dict(model_preset="paper", epochs=1000, warm_epochs=100, n_init=40, top_k=10, seed_by="value",
                  n_new=20, max_eta=100.0, n_mutations=0),
    "default": {},
    "fast": dict(epochs=50, warm_epochs=15),
    # NAO without the mutation fallback (issue 13): every model-guided query is a ranked step proposal.
    "step": dict(proposer="rank", n_mutations=0, n_new=10, top_k=100, seed_by="value", max_eta=1000.0,
                 n_etas=24, draws=4, noise=0.1),
    # The step from the best measured cell in a per-seed trust region, each moved point decoded by sampling
    # (temperature 1.5): rounds of 5, like local search, every model-guided query decoded (issue 13).
    "trust": dict(proposer="trust", n_mutations=0, n_new=5, warm_epochs=15, top_k=1, seed_by="value",
                  eta_init=8.0, eta_step=1.0, max_eta=256.0, n_etas=4, draws=8, noise=0.0, temperature=1.5),
    # `trust` with a 5-head predictor, each moved row ascending one drawn head (Thompson), decoded at temperature
    # 2.0 (docs/search.md, "Early exploitation by the step").
    "thompson": dict(proposer="trust", n_mutations=0, n_new=5, warm_epochs=15, top_k=1, seed_by="value",
                     eta_init=8.0, eta_step=1.0, max_eta=256.0, n_etas=4, draws=8, noise=0.0, temperature=2.0,
                     thompson=True, model={"ensemble": 5}),
}
# ``trust`` trained on unlabelled cells too (issue 13, SemiNAS direction; docs/search.md "Unlabelled cells"):
# the encoder-decoder pretrained to reconstruct 2000 cells (10 epochs, cached), and 200 pseudo-labelled cells
# (weight 0.5, 5 epochs) after every fit.
PRESETS["semi"] = dict(PRESETS["trust"], pretrain_cells=2000, pretrain_epochs=10, pretrain_seed=0,
                       pseudo_cells=200, pseudo_epochs=5, pseudo_weight=0.5, pseudo_until=0)
# ``semi`` with ``thompson``'s 5-head Thompson step at temperature 2.0 (docs/search.md "Edit-bounded decoding").
PRESETS["semi_thompson"] = dict(PRESETS["semi"], thompson=True, temperature=2.0, model={"ensemble": 5})
# ``semi`` whose step also proposes, per moved point, the 2 cells within one edit of the seed whose decoder
# likelihood the step raised most; they compete with the free decodes (docs/search.md "Edit-bounded decoding").
PRESETS["semi_edit"] = dict(PRESETS["semi"], edit_radius=1, edit_top=2, edit_gain=True, edit_mix=True)

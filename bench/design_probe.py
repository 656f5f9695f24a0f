"""How good is the initial pool a search starts from: random cells vs the k-means design (issue 13,
``NAOSearchConfig.init_design``; docs/search_experiments.md, "Three early-game directions").

    PYTHONPATH=. NAOVIZ_DATA=... OMP_NUM_THREADS=1 python bench/design_probe.py [SEEDS, default 0-10]

Per tuning seed, the 10-cell pool NAOSearch's ``thompson`` would evaluate first (``ctx.random_new`` from the
search's rng, or ``design.kmeans_design`` with the preset's model config, 2000 candidates, the encoder
pretrained on 2000 unlabelled cells for 10 epochs, pretrain seed 0): the mean and best ``valid_acc`` of the
pool, and how many of its cells are under 50 % (degenerate cells). No query is spent, no label used by the design.
"""
import sys

import numpy as np
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.search import design
from naoviz.search.base import SearchContext
from naoviz.search.nao_search import PRESETS, NAOSearchConfig

torch.set_num_threads(1)
seeds = range(*map(int, sys.argv[1].split("-"))) if len(sys.argv) > 1 else range(10)
ev = TableEvaluator("nb201")
cfg = NAOSearchConfig(**PRESETS["thompson"]).model_config(0)
rows = {"random": [], "kmeans": []}
print("| seed | random: mean / best / < 50 % | kmeans: mean / best / < 50 % |")
print("|---|---|---|")
for seed in seeds:
    line = []
    for kind in rows:
        ctx = SearchContext(ev, 100, algo="nao", seed=seed)
        rng = np.random.default_rng(seed)
        pool = (ctx.random_new(rng, 10) if kind == "random"
                else design.kmeans_design(ctx, cfg, 10, 2000, rng, design.DESIGN_CELLS, design.DESIGN_EPOCHS, 0))
        v = ev.table.metric("valid_acc", pool)
        rows[kind].append((v.mean(), v.max(), int((v < 50).sum())))
        line.append(f"{v.mean():.2f} / {v.max():.2f} / {int((v < 50).sum())}")
    print(f"| {seed} | " + " | ".join(line) + " |")
means = {k: np.mean(np.asarray(r, dtype=float), axis=0) for k, r in rows.items()}
print("| mean | " + " | ".join(f"{m[0]:.2f} / {m[1]:.2f} / {m[2]:.1f}" for m in means.values()) + " |")

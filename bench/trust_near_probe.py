"""How near the `trust` step's decodes are to their seed (issue 13, docs/search_experiments.md "Early exploitation").

One fit of the `trust` preset's model on 10 random NB201 cells (seeds 0-4, valid_acc), the best of them moved
by the preset's first eta grid (8 x [1/2 .. 2], 4 etas) x 8 sampled decodes, at temperatures 1.0 / 1.5 / 2.0.
Prints per seed: (new decodes, within 1 edit of the seed, within 2 edits, edit distances of the top 5 by
acquisition). Run: PYTHONPATH=. NAOVIZ_DATA=... python bench/trust_near_probe.py
"""
import numpy as np
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.nao import NAO
from naoviz.nao.propose import step_proposals
from naoviz.search.nao_search import PRESETS, NAOSearchConfig

torch.set_num_threads(1)
ev = TableEvaluator("nb201")
space = ev.space
cfg = NAOSearchConfig(**PRESETS["trust"])
for seed in range(5):
    archs = space.sample(10, seed=np.random.default_rng(seed))
    vals = np.asarray([ev.evaluate(a)["metrics"][ev.metric] for a in archs], float)
    nao = NAO(space, cfg.model_config(seed)).fit(archs, vals, progress=False)
    best = archs[int(np.argmax(vals))]
    etas = cfg.eta_init * np.geomspace(0.5, 2, cfg.n_etas)
    out = {}
    for t in (1.0, 1.5, 2.0):
        g = step_proposals(nao, [best], 10**9, etas, exclude=archs, draws=cfg.draws, temperature=t,
                           rng=np.random.default_rng(1))
        h = np.array([x.hamming for x in g])
        out[t] = (len(g), int((h <= 1).sum()), int((h <= 2).sum()), h[:5].tolist())
    print(seed, out, flush=True)

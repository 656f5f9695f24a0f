"""What the embedding-distance loss (NAOConfig.distance_weight) does to the step's first candidates (issue 13).

    PYTHONPATH=. NAOVIZ_DATA=... OMP_NUM_THREADS=1 python bench/distance_probe.py [WEIGHTS] [TEMPERATURES] [N]

One fit of thompson's model (5 heads, 100 epochs) on N random cells (default 10, each of the tuning seeds
0-4), then thompson's first step from the best of them (etas 4 .. 16 geometric, 8 sampled decodes each,
Thompson heads); per (weight, temperature), means over the seeds of: new candidates, their mean edit distance
from the seed, the seed's better one-edit neighbours (by the table's valid_acc) and how many are candidates,
the Pearson correlation of the embeddings' cosine distance with the edit distance (50 random cells), and the
mean valid_acc of the 5 candidates the acquisition ranks first and of the 5 best candidates.
WEIGHTS, TEMPERATURES: comma-separated (default 0,1,5 and 1,2).
"""
import sys

import numpy as np
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.nao import NAO
from naoviz.nao.propose import step_proposals
from naoviz.search.nao_search import PRESETS, NAOSearchConfig

weights = [float(x) for x in (sys.argv[1] if len(sys.argv) > 1 else "0,1,5").split(",")]
temps = [float(x) for x in (sys.argv[2] if len(sys.argv) > 2 else "1,2").split(",")]
n_init = int(sys.argv[3]) if len(sys.argv) > 3 else 10
torch.set_num_threads(1)
ev = TableEvaluator("nb201")
space, table = ev.space, ev.table
print("| weight | T | cands | dist | better | covered | cos~edit r | acq top5 | best top5 |")
print("|---|---|---|---|---|---|---|---|---|")
for w in weights:
    for t in temps:
        rows = []
        for seed in range(5):
            rng = np.random.default_rng(seed)
            cells = space.sample(n_init, seed=rng)
            vals = table.metric("valid_acc", cells)
            base = PRESETS["thompson"]
            cfg = NAOSearchConfig(**dict(base, model={**base["model"], "distance_weight": w})).model_config(seed)
            nao = NAO(space, cfg).fit(cells, vals, progress=False)
            best = cells[int(np.argmax(vals))]
            etas = np.geomspace(4, 16, 4)
            gens = step_proposals(nao, [best], 10**9, etas, exclude=cells, thompson=True, rng=rng, draws=8,
                                  temperature=t)
            cand = [g.arch for g in gens]
            cv = table.metric("valid_acc", cand) if cand else np.zeros(0)
            inc_v = float(np.max(vals))
            seen = {space.canonical(c) for c in cells}
            ball = {space.canonical(a): a for a in space.neighbours(best) if space.canonical(a) not in seen}
            bv = table.metric("valid_acc", list(ball.values()))
            better = {k for k, v in zip(ball, bv) if v > inc_v}
            probe = space.sample(50, seed=100 + seed)
            emb = nao.embed(probe)
            i, j = np.triu_indices(50, 1)
            cosd = 1 - np.sum(emb[i] * emb[j], axis=1)
            ham = np.asarray([space.hamming(probe[a], probe[b]) for a, b in zip(i, j)], dtype=float)
            rows.append(dict(cands=len(cand), dist=np.mean([space.hamming(best, c) for c in cand]) if cand else np.nan,
                             better=len(better), covered=len(better & {space.canonical(c) for c in cand}),
                             r=np.corrcoef(cosd, ham)[0, 1], acq5=np.mean(cv[:5]) if len(cv) else np.nan,
                             best5=np.mean(np.sort(cv)[-5:]) if len(cv) else np.nan))
        m = {k: float(np.nanmean([r[k] for r in rows])) for k in rows[0]}
        print(f"| {w:g} | {t:g} | {m['cands']:.1f} | {m['dist']:.2f} | {m['better']:.1f} | {m['covered']:.1f} | "
              f"{m['r']:.2f} | {m['acq5']:.2f} | {m['best5']:.2f} |", flush=True)

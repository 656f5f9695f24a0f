"""Which ranking picks the best cells near the incumbent? (issue 13, docs/search_experiments.md "Edit-bounded decoding").

One fit of the `trust` preset's model on N random NB201 CIFAR-10 cells (tuning seeds 0-9, valid_acc), the best
of them the seed. Its cells within R edits (canonical-new) are ranked five ways and the mean true valid_acc
of each ranking's top 5 printed: the decoder's log-likelihood log p(c | e') at the moved point (each eta of
the preset's first grid, best rank over the etas), the likelihood gain log p(c | e') - log p(c | e), NAO's
re-encoded prediction, the mean rank of the gain and the prediction, a random forest on the N cells (local search's ranker), and the ball's mean / best.
Run: PYTHONPATH=. NAOVIZ_DATA=... python bench/edit_probe.py [N] [R]
"""
import sys

import numpy as np
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.nao import NAO
from naoviz.nao.edits import edit_ball
from naoviz.nao.modules import pool
from naoviz.nao.step import ascend
from naoviz.search.nao_search import PRESETS, NAOSearchConfig
from naoviz.search.ranked import ForestPredictor

torch.set_num_threads(1)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10
R = int(sys.argv[2]) if len(sys.argv) > 2 else 1
ev = TableEvaluator("nb201")
space = ev.space
cfg = NAOSearchConfig(**PRESETS["trust"])


def true(archs):
    return np.asarray([ev.evaluate(a)["metrics"][ev.metric] for a in archs], float)


rows = []
for seed in range(10):
    archs = space.sample(N, seed=np.random.default_rng(seed))
    vals = true(archs)
    nao = NAO(space, cfg.model_config(seed)).fit(archs, vals, progress=False)
    best = archs[int(np.argmax(vals))]
    seen = {space.canonical(a) for a in archs}
    ball, keys = [], set()
    for a in edit_ball(space, best, R):
        k = space.canonical(a)
        if k not in seen and k not in keys:
            keys.add(k)
            ball.append(a)
    tv = true(ball)
    net = nao.net_
    out0, emb0, _ = nao._encode([best])
    toks = nao.tokens(ball)
    C = len(ball)
    etas = cfg.eta_init * np.geomspace(0.5, 2, cfg.n_etas)
    moved = ascend(net.score_states, out0.expand(len(etas), -1, -1), torch.as_tensor(etas, dtype=out0.dtype))
    ll = net.decoder.log_likelihood(moved.repeat_interleave(C, 0), pool(moved).repeat_interleave(C, 0),
                                    toks.repeat(len(etas), 1)).view(len(etas), C).numpy()
    ll0 = net.decoder.log_likelihood(out0.expand(C, -1, -1), emb0.expand(C, -1), toks).numpy()

    def top5(score_rows):           # best rank over the rows (etas), ties by the first row
        ranks = np.argsort(np.argsort(-np.atleast_2d(score_rows), axis=1, kind="stable"), axis=1).min(axis=0)
        return float(tv[np.argsort(ranks, kind="stable")[:5]].mean())

    forest = ForestPredictor(space, 100, 1, seed).fit(archs, vals)
    gain_best = (ll - ll0).max(axis=0)                    # (C,) the largest gain over the etas

    def rank(x):
        return np.argsort(np.argsort(-x, kind="stable"), kind="stable")

    r = dict(ll=top5(ll), gain=top5(ll - ll0), ll0=top5(ll0), nao=top5(nao.score(ball)),
             gain_nao=top5(-(rank(gain_best) + rank(nao.score(ball))).astype(float)),
             forest=top5(forest.score(ball)), mean=float(tv.mean()), best=float(tv.max()), seed_val=float(vals.max()))
    rows.append(r)
    print(seed, C, {k: round(v, 2) for k, v in r.items()}, flush=True)
print(f"MEAN N={N} R={R}", {k: round(float(np.mean([r[k] for r in rows])), 3) for k in rows[0]})

"""How alike are the cells one trust-step round measures? (issue 13, docs/search_experiments.md "A diverse batch
in the embedding").

    PYTHONPATH=. NAOVIZ_DATA=... OMP_NUM_THREADS=1 python bench/diverse_probe.py [WEIGHT] [SEED] [QUERIES]

Runs ``default`` (``kmeans``) with ``diversity`` WEIGHT (0.5) on NB201 CIFAR-10, seed SEED (0), QUERIES (40)
queries, and prints a line per round: the candidates' count, the raw acquisition scores of the acquisition's top
5 and their spread, the mean cosine similarity (re-encoded embeddings) among those top 5 and among all candidates,
and which candidates the diverse greedy picked with their mean similarity. The round's history after the first
depends on WEIGHT (the picks are measured).
"""
import sys

import numpy as np
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.search import diverse
from naoviz.search.nao_presets import PRESETS
from naoviz.search.registry import make_searcher

weight = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
queries = int(sys.argv[3]) if len(sys.argv) > 3 else 40
torch.set_num_threads(1)
plain = diverse.diverse_order


def pair_mean(sim, idx):
    return float(sim[np.ix_(idx, idx)][np.triu_indices(len(idx), 1)].mean())


def probe(scores, emb, k, w):
    """``diverse.diverse_order``, printing the round's similarity figures first."""
    s, e = np.asarray(scores, dtype=float), np.asarray(emb, dtype=float)
    e = e / np.linalg.norm(e, axis=1, keepdims=True)
    sim = e @ e.T
    top = list(np.argsort(-s, kind="stable")[:k])
    order = plain(scores, emb, k, w)
    print(f"candidates {len(s)} | top {k} scores {np.round(s[top], 3).tolist()} (spread {s[top].max() - s[top].min():.3f})"
          f" | cos among top {k} {pair_mean(sim, top):.3f}, among all {pair_mean(sim, list(range(len(s)))):.3f}"
          f" | picked {order[:k]} cos {pair_mean(sim, order[:k]):.3f}", flush=True)
    return order


diverse.diverse_order = probe
cfg = dict(PRESETS["kmeans"], diversity=weight)
run = make_searcher("nao", preset="kmeans", config=cfg).run(TableEvaluator("nb201"), queries, seed, progress=False)
print(f"best valid_acc after {queries} queries: {max(r.value for r in run.history):.3f}")

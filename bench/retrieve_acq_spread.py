"""How far apart the retrieved candidates' acquisitions are, per round (issue 13, for ``near_penalty``'s scale).

    PYTHONPATH=. NAOVIZ_DATA=... OMP_NUM_THREADS=1 python bench/retrieve_acq_spread.py [--seeds 0-2] [--until 50]

Runs ``PRESETS["kmeans"]`` + ``decode_by="nearest"``, ``nearest_k`` 32 (NB201 CIFAR-10, search ``valid_acc``) for
``until`` queries and prints, for every round of the trust step while fewer than ``until`` cells are measured:
the measured count, the best far (>= 2 edits from its seed) minus the best near (1 edit) acquisition, the sd of
the round's acquisitions, the mean of the best 5 minus the mean of the rest, and near / all candidates.
"""
from __future__ import annotations

import argparse

import numpy as np
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.search.nao_search import PRESETS, NAOSearch, NAOSearchConfig


def main(argv=None) -> list:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="0-2", help="A-B: seeds A..B-1")
    ap.add_argument("--until", type=int, default=50)
    args = ap.parse_args(argv)
    lo, hi = (int(x) for x in args.seeds.split("-"))
    torch.set_num_threads(1)
    rows: list = []

    class Spy(NAOSearch):
        """The searcher, recording each round's candidates (acquisition, edits from the seed) as ranked."""

        def _order(self, ctx, gens):
            out = super()._order(ctx, gens)
            if out:
                s = np.array([g.score_decoded for g in out])
                h = np.array([g.hamming for g in out])
                near, far = s[h <= 1], s[h >= 2]
                rows.append((seed, len(ctx.history), float(far.max() - near.max()) if len(near) and len(far) else None,
                             float(s.std()), float(s[:5].mean() - s[5:].mean()) if len(s) > 5 else None,
                             int(len(near)), int(len(s))))
            return out

    ev = TableEvaluator("nb201")
    for seed in range(lo, hi):
        cfg = NAOSearchConfig(**{**PRESETS["kmeans"], "model": dict(PRESETS["kmeans"]["model"]),
                                 "decode_by": "nearest", "nearest_k": 32})
        Spy(cfg).run(ev, args.until, seed, progress=False)
    print("seed measured far-near sd top5-rest near/all")
    for seed, n, gap, sd, top, nn, na in rows:
        f = lambda v: "-" if v is None else f"{v:+.3f}"       # noqa: E731
        print(f"{seed} {n} {f(gap)} {sd:.3f} {f(top)} {nn}/{na}")
    return rows


if __name__ == "__main__":
    main()

"""How well could a linear judge predict a cost column of NB201 cells it has not seen (issue 14)? Per
feature set, target scale and ridge penalty: the 0.9 quantile of the log excess (true over predicted, the
number constrained NAO's margin is made of) of the leave-one-out predictions on n random cells (the same
10 draws of n for every variant), and of the fit on all 15,625 cells (what more cells cannot fix).

Feature sets: ``onehot`` (op per edge, what ``hw.LinearCosts`` reads; ``space.one_hot`` holds the same
information), ``+pairs`` (products of two edges' op one-hots: pairwise interactions), ``live`` (op per
edge, zeroed on edges no input-to-output path of non-``none`` edges uses, plus a "disconnected" flag: dead
branches cost nothing on a device that prunes them), ``onehot+live``. Penalty "loo": per draw the one of
``GRID`` with the smallest LOO squared error (what ``LinearCosts(alphas=...)`` does).

    python bench/judge_loo.py --column latency_pixel3
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
GRID = (1e-6, 1e-3, 1e-2, 0.1, 1.0, 10.0)


def onehot(a: np.ndarray) -> np.ndarray:
    """(n, 6) op ids -> (n, 30)."""
    x = np.zeros((len(a), 30))
    x[np.arange(len(a))[:, None], np.arange(6)[None] * 5 + a] = 1.0
    return x


def live_edges(a: np.ndarray) -> np.ndarray:
    """(n, 6) bool: the edge is not ``none`` and lies on a path of non-``none`` edges from node 0 to 3."""
    out = np.zeros(a.shape, dtype=bool)
    for i, ops in enumerate(a):
        on = ops != 0
        fwd, bwd = {0}, {3}
        for e, (s, t) in enumerate(EDGES):
            if on[e] and s in fwd:
                fwd.add(t)
        for e in reversed(range(6)):
            s, t = EDGES[e]
            if on[e] and t in bwd:
                bwd.add(s)
        out[i] = [on[e] and EDGES[e][0] in fwd and EDGES[e][1] in bwd for e in range(6)]
    return out


def pairs(x: np.ndarray) -> np.ndarray:
    """(n, 30) one-hot -> (n, 375) products of two edges' one-hots."""
    return np.hstack([(x[:, 5 * i:5 * i + 5, None] * x[:, None, 5 * j:5 * j + 5]).reshape(len(x), -1)
                      for i in range(6) for j in range(i + 1, 6)])


def ridge(x: np.ndarray, t: np.ndarray, alpha: float):
    """Ridge with a free intercept: (weights, leave-one-out predictions in closed form)."""
    x = np.hstack([x, np.ones((len(x), 1))])
    reg = alpha * np.eye(x.shape[1])
    reg[-1, -1] = 0.0
    gi = np.linalg.pinv(x.T @ x + reg)
    w = gi @ x.T @ t
    h = np.sum((x @ gi) * x, axis=1)
    return w, t - (t - x @ w) / np.maximum(1.0 - h, 1e-12)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--column", default="latency_pixel3")
    ap.add_argument("--cells", default="40,80")
    ap.add_argument("--draws", type=int, default=10)
    args = ap.parse_args(argv)
    from naoviz.evaluate import TableEvaluator
    table = TableEvaluator("nb201").table
    a = np.asarray(table.archs())
    y = np.asarray(table.metric(args.column), dtype=float)
    x1 = onehot(a)
    lv = live_edges(a)
    xl = np.hstack([x1 * np.repeat(lv, 5, axis=1), (~lv.any(axis=1)).astype(float)[:, None]])
    feats = {"onehot": x1, "onehot+pairs": np.hstack([x1, pairs(x1)]), "live": xl,
             "onehot+live": np.hstack([x1, xl])}
    rng = np.random.default_rng(0)
    sizes = [int(n) for n in args.cells.split(",")]
    draws = {n: [rng.choice(len(y), n, replace=False) for _ in range(args.draws)] for n in sizes}

    def q90(true, pred):
        return float(np.quantile(np.log(true) - np.log(np.maximum(pred, 1e-9)), 0.9))

    print(f"# {args.column}: LOO 0.9 quantile of log(true / predicted), mean over {args.draws} draws")
    for name, x in feats.items():
        for scale in ("own", "log"):
            t_all = np.log(y) if scale == "log" else y
            for alpha in (1e-6, 1.0, "loo"):
                cells = []
                for n in sizes:
                    qs = []
                    for idx in draws[n]:
                        t = t_all[idx]
                        cands = GRID if alpha == "loo" else (alpha,)
                        fits = [ridge(x[idx], t, al)[1] for al in cands]
                        loo = min(fits, key=lambda p: float(np.mean((t - p) ** 2)))
                        qs.append(q90(y[idx], np.exp(loo) if scale == "log" else loo))
                    cells.append(f"n={n} {np.mean(qs):.3f}")
                w, _ = ridge(x, t_all, 1e-6)
                p = np.hstack([x, np.ones((len(x), 1))]) @ w
                full = q90(y, np.exp(p) if scale == "log" else p)
                print(f"{name:13s} {scale:3s} alpha {alpha!s:5s}: " + "  ".join(cells) + f"  | all cells {full:.3f}",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

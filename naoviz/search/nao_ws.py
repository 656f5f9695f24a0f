"""NAO-WS on NB201 or NAONet-WS (nao_reference.md G, "Outer loop, NAO-WS"): supernet training alternates with
NAO steps.

A seeded pool of random connected cells; the supernet (:class:`naoviz.child.oneshot.OneShot`) trains for
``warmup_epochs``; then each of ``rounds`` rounds evaluates the pool with the shared weights, fits NAO on those
accuracies (warm start), moves the top-``top_k`` seeds along the predictor's gradient (``NAO.generate``:
eta = 1, 2, ... up to ``max_eta``), replaces the pool's worst by the new cells and trains the supernet
``epochs_per_round`` more epochs. At the end every cell the search evaluated (the initial pool, every new cell,
dropped ones included) is scored by the final supernet, less ``skip_penalty`` per ``skip_connect`` edge (the
supernet over-rates skip-heavy cells); the top ``rerank_top`` of them, plus each round's best (by that round's
score; round 1's is the initial random pool's best), are re-ranked by the mean of ``rerank_seeds`` short
trainings from scratch (PT-V1 re-ranks its top 5 by one; ``rerank_split="fresh"``: each on its own data split)
and the best is returned; ``rerank_top=0`` returns the best by the final score. So the returned cell is never
worse, by the method's own last measure, than the initial pool's best. ``search_skip_penalty`` applies the same
kind of penalty to each round's scores, before NAO fits them. ``space`` picks the supernet (``nb201`` or
``naonet-ws``, the paper's 5-op space).
Departures from PT-V1, all options: the pool is smaller (NB201 has 6,466 classes, not 10^17 cells), the
supernet may sample the whole space rather than the pool (``train_on``), and the final choice is over every
evaluated cell, not only the final pool. Defaults: the recipe measured best on digits (docs/supernet.md).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional

import numpy as np

from naoviz.errors import show
from naoviz.search.checks import check_float, check_int

TRAIN_ON = ("space", "pool")
SPACES = ("nb201", "naonet-ws")
RERANK_SPLITS = ("supernet", "fresh")
# The default final-choice penalty per skip_connect edge, per space, where ``skip_penalty`` is left None
# (bench/RESULTS.md "Issue 15 part 5"): the supernet over-rates skip-heavy cells; 0.01 is in minus-loss units,
# the default score's. naonet-ws has no skip_connect op.
SKIP_PENALTY = {"nb201": 0.01, "naonet-ws": 0.0}
# The default final stage per space, where ``rerank_top`` / ``rerank_seeds`` / ``rerank_split`` are left None
# (bench/RESULTS.md "Issue 15 part 7"): on nb201 the penalised top 10 + each round's best, each trained twice
# from scratch (seeds seed+1, seed+2), each training on the data split its own seed draws, the best mean returned;
# naonet-ws: no re-ranking (nothing measured there).
RERANK = {"nb201": {"rerank_top": 10, "rerank_seeds": 2, "rerank_split": "fresh"},
          "naonet-ws": {"rerank_top": 0, "rerank_seeds": 1, "rerank_split": "supernet"}}


@dataclass
class NAOWSConfig:
    """Knobs of the NAO-WS loop; ``supernet`` holds :class:`SupernetConfig` overrides (``epochs`` is
    set here: warmup + rounds x epochs_per_round, the cosine schedule's length) on top of ``space``'s
    defaults (:meth:`SupernetConfig.for_space`). Defaults: the best recipe measured on digits (bench/RESULTS.md,
    "Issue 15" parts 3, 5 and 7): 4 warm-up epochs + 3 rounds x 2 (the supernet's 10-epoch schedule), every
    evaluated cell scored by the final supernet less 0.01 per skip_connect edge on nb201, and on nb201 the top 10
    of them + each round's best re-ranked by the mean of two 4-epoch trainings, each on its own data split (on
    the table's split, or by one training, re-ranking ordered the candidates worse than the supernet did)."""

    space: str = "nb201"
    pool_size: int = 100
    rounds: int = 3
    warmup_epochs: int = 4
    epochs_per_round: int = 2
    train_on: str = "space"
    top_k: int = 20
    n_new: int = 30
    max_eta: float = 50.0
    nao_preset: str = "fast"
    rerank_top: Optional[int] = None      # 0: return the best by the final (penalised) supernet score
    #                                       (None: RERANK of the space, 10 on nb201, 0 on naonet-ws)
    rerank_epochs: int = 4
    rerank_seeds: Optional[int] = None    # trainings per candidate (seeds seed+1 .. seed+N), ranked by the mean
    #                                       (None: 2 on nb201, 1 on naonet-ws)
    rerank_split: Optional[str] = None    # supernet: every training on the supernet's data split; fresh: each
    #                                       training draws its own train/valid split from its seed (None: fresh
    #                                       on nb201, supernet on naonet-ws)
    skip_penalty: Optional[float] = None  # final choice: score - this x #skip_connect edges (nb201 only;
                                          # None: SKIP_PENALTY of the space, 0.01 on nb201)
    search_skip_penalty: float = 0.0      # the same per-edge penalty on each round's scores (NAO's targets, the
                                          # top-k it moves, the round's best); nb201 only
    seed: int = 0
    supernet: dict = field(default_factory=dict)
    nao: dict = field(default_factory=dict)       # NAOConfig overrides on top of ``nao_preset``

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> "NAOWSConfig":
        """Check every field; ``skip_penalty`` and the ``rerank_*`` fields left None become ``space``'s defaults
        (SKIP_PENALTY, RERANK)."""
        from naoviz.nao.config import PRESETS
        if not isinstance(self.space, str) or self.space not in SPACES:
            raise ValueError(f"space must be one of {', '.join(SPACES)}, got {show(self.space)}")
        if self.skip_penalty is None:
            self.skip_penalty = SKIP_PENALTY[self.space]
        for name, value in RERANK[self.space].items():
            if getattr(self, name) is None:
                setattr(self, name, value)
        for name, lo, hi in (("pool_size", 2, 6466), ("rounds", 0, 1000), ("warmup_epochs", 1, 10_000),
                             ("epochs_per_round", 0, 10_000), ("top_k", 1, 6466), ("n_new", 0, 6466),
                             ("rerank_top", 0, 100), ("rerank_epochs", 1, 1000), ("rerank_seeds", 1, 10),
                             ("seed", 0, 2**32 - 1)):
            check_int(self, name, lo, hi)
        check_float(self, "max_eta", 0.0, 1e6, lo_open=True)
        check_float(self, "skip_penalty", 0.0, 1e6)
        check_float(self, "search_skip_penalty", 0.0, 1e6)
        if not isinstance(self.rerank_split, str) or self.rerank_split not in RERANK_SPLITS:
            raise ValueError(f"rerank_split must be one of {', '.join(RERANK_SPLITS)}, got {show(self.rerank_split)}")
        if not isinstance(self.train_on, str) or self.train_on not in TRAIN_ON:
            raise ValueError(f"train_on must be one of {', '.join(TRAIN_ON)}, got {show(self.train_on)}")
        if not isinstance(self.nao_preset, str) or self.nao_preset not in PRESETS:
            raise ValueError(f"nao_preset must be one of {', '.join(PRESETS)}, got {show(self.nao_preset)}")
        if self.space != "nb201" and self.skip_penalty:
            raise ValueError(f"skip_penalty: nb201 only (naonet-ws has no skip_connect op), got {self.skip_penalty}")
        if self.space != "nb201" and self.search_skip_penalty:
            raise ValueError("search_skip_penalty: nb201 only (naonet-ws has no skip_connect op), got "
                             f"{self.search_skip_penalty}")
        if self.n_new >= self.pool_size:
            raise ValueError(f"n_new must be < pool_size ({self.pool_size}), got {self.n_new}")
        self.supernet_config()
        self.nao_config(0)
        return self

    def nao_config(self, seed: int):
        """The NAOConfig of the predictor (``nao_preset`` + ``nao`` overrides + ``seed``), validated."""
        from naoviz.nao import NAOConfig
        if not isinstance(self.nao, dict):
            raise ValueError(f"nao must be a dict of NAOConfig fields, got {show(self.nao)}")
        try:
            return NAOConfig.preset(self.nao_preset, **{**self.nao, "seed": int(seed)})
        except (TypeError, ValueError) as exc:
            raise ValueError(f"nao: {exc}") from None

    def total_epochs(self) -> int:
        return self.warmup_epochs + self.rounds * self.epochs_per_round

    def supernet_config(self):
        """The :class:`SupernetConfig` (``space``'s defaults, ``supernet`` overrides, this seed, the loop's
        epochs), validated."""
        from naoviz.child.oneshot import SupernetConfig
        if not isinstance(self.supernet, dict):
            raise ValueError(f"supernet must be a dict of SupernetConfig fields, got {show(self.supernet)}")
        if self.supernet.get("space", self.space) != self.space:
            raise ValueError(f"supernet: space {show(self.supernet['space'])} differs from space {show(self.space)}")
        values = {"seed": self.seed, **self.supernet, "epochs": self.total_epochs()}
        values.pop("space", None)
        return SupernetConfig.for_space(self.space, **values)


@dataclass
class NAOWSResult:
    """The returned cell, the final pool with its supernet accuracies, and what each round did."""

    best: tuple
    best_arch: str
    best_supernet_acc: float
    pool: list
    pool_acc: list
    rounds: list
    config: dict
    wall_s: float
    cpu_s: float
    reranked: list = field(default_factory=list)
    pool_score: list = field(default_factory=list)     # the ranking score (= pool_acc with score "acc")
    evaluated: list = field(default_factory=list)      # every cell the search evaluated, first seen first
    evaluated_acc: list = field(default_factory=list)  # their final supernet accuracy (%)
    evaluated_score: list = field(default_factory=list)  # their final supernet ranking score
    candidates: list = field(default_factory=list)     # the cells the final choice was made over

    def to_dict(self) -> dict:
        return asdict(self)


def _random_pool(space, n: int, rng: np.random.Generator, connected: Callable) -> list[tuple]:
    """``n`` connected cells of distinct classes, in draw order."""
    pool, seen = [], set()
    while len(pool) < n:
        for cell in space.sample(4 * n, seed=rng):
            key = space.canonical(cell)
            if connected(cell) and key not in seen:
                seen.add(key)
                pool.append(cell)
                if len(pool) == n:
                    break
    return pool


def run_nao_ws(config: Optional[NAOWSConfig] = None, data=None, progress: Optional[Callable[[dict], None]] = None,
               oneshot=None) -> NAOWSResult:
    """Run NAO-WS; ``progress(event)`` is called after each phase with a JSON-able dict, and once before the
    warm-up epochs (``"phase": "start"``, with the epochs and rounds to come), so a long warm-up is not silent."""
    import torch

    from naoviz.child.oneshot import OneShot
    from naoviz.nao import NAO

    from naoviz.errors import check_function, check_type
    check_type(config, (NAOWSConfig, type(None)), "config", "a NAOWSConfig (NAOWSConfig(rounds=2)) or None")
    check_type(oneshot, (OneShot, type(None)), "oneshot", "a OneShot supernet or None")
    check_function(progress, "progress", "a function of one event dict")
    cfg = (config or NAOWSConfig()).validate()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    rng = np.random.default_rng([cfg.seed, 17])
    net = oneshot if oneshot is not None else OneShot(cfg.supernet_config(), data)
    space, connected = net.space, net.connected
    if space.name != cfg.space:
        raise ValueError(f"oneshot: a {space.name} supernet for a NAO-WS search of {cfg.space}")
    pool = _random_pool(space, cfg.pool_size, rng, connected)
    seen = {space.canonical(a) for a in pool}
    evaluated = list(pool)                        # every cell ever in the pool, in order of first appearance
    round_best = []                               # each round's best by that round's score

    def tell(event: dict) -> None:
        if progress is not None:
            progress({**event, "wall_s": time.perf_counter() - wall0})

    def train(epochs: int) -> None:
        if epochs:
            logs = net.train(epochs, pool if cfg.train_on == "pool" else None)
            tell({"phase": "supernet", "epochs": net.epoch, "train_loss": logs["train_loss"]})

    tell({"phase": "start", "warmup_epochs": cfg.warmup_epochs, "rounds": cfg.rounds,
          "epochs_per_round": cfg.epochs_per_round, "epochs": cfg.total_epochs()})
    train(cfg.warmup_epochs)
    nao = NAO(space, cfg.nao_config(int(rng.integers(2**31))))
    rounds = []
    threads = torch.get_num_threads()
    def score(cells) -> tuple[np.ndarray, np.ndarray]:
        """Supernet accuracy (%) and the ranking score (accuracy, minus loss or minus jacob_cov:
        ``SupernetConfig.score``, :meth:`OneShot.rank_scores`)."""
        s = net.scores(cells)
        return s["acc"], net.rank_scores(cells, scores=s)

    for r in range(cfg.rounds):
        acc, rank = score(pool)
        rank = rank - cfg.search_skip_penalty * _skip_counts(space, pool)     # 0 by default: the raw score
        nao.fit(pool, rank, progress=False, warm_start=True)
        torch.set_num_threads(threads)            # NAO.fit sets its own thread count
        order = np.argsort(-rank, kind="stable")
        seeds = [pool[i] for i in order[:cfg.top_k]]
        new = [g.arch for g in nao.generate(seeds, cfg.n_new, max_eta=cfg.max_eta, exclude=pool)
               if connected(g.arch) and space.canonical(g.arch) not in seen]
        for a in new:
            seen.add(space.canonical(a))
        evaluated += new
        round_best.append(pool[order[0]])
        keep = [pool[i] for i in order[:len(pool) - len(new)]]
        rounds.append({"round": r + 1, "pool_best_acc": float(acc[order[0]]), "pool_mean_acc": float(acc.mean()),
                       "pool_best_score": float(rank[order[0]]),
                       "best": space.format(pool[order[0]]), "new": len(new),
                       "new_archs": [space.format(a) for a in new]})
        tell({"phase": "round", **{k: v for k, v in rounds[-1].items() if k != "new_archs"}})
        pool = keep + new
        train(cfg.epochs_per_round)
    acc_all, rank_all = score(evaluated)
    index = {space.canonical(a): i for i, a in enumerate(evaluated)}
    at = [index[space.canonical(a)] for a in pool]
    acc, rank = acc_all[at], rank_all[at]
    best, reranked, candidates = _final_choice(evaluated, rank_all, round_best, net, cfg, tell)
    tell({"phase": "done", "best": space.format(best)})
    return NAOWSResult(best=tuple(best), best_arch=space.format(best),
                       best_supernet_acc=float(acc_all[index[space.canonical(best)]]),
                       pool=[space.format(a) for a in pool],
                       pool_acc=[float(v) for v in acc], rounds=rounds, config=asdict(cfg),
                       wall_s=time.perf_counter() - wall0, cpu_s=time.process_time() - cpu0, reranked=reranked,
                       pool_score=[float(v) for v in rank], evaluated=[space.format(a) for a in evaluated],
                       evaluated_acc=[float(v) for v in acc_all], evaluated_score=[float(v) for v in rank_all],
                       candidates=[space.format(a) for a in candidates])


def _skip_counts(space, cells: list) -> np.ndarray:
    """Number of ``skip_connect`` edges of each cell, ``(len(cells),)`` (zeros in a space without that op)."""
    if "skip_connect" not in space.ops:
        return np.zeros(len(cells))
    skip = space.ops.index("skip_connect")
    return np.array([sum(op == skip for op in a) for a in cells], dtype=float)


def _final_choice(evaluated: list, score: np.ndarray, round_best: list, net, cfg: NAOWSConfig, tell=None):
    """The returned cell, the re-ranking log and the candidates. Without re-ranking: the best of ``evaluated``
    by the final supernet ``score`` (higher = better, ``(len(evaluated),)``; ties: first seen). With it: the
    top ``rerank_top`` by that score, then each round's best not among them (``round_best``, so the initial
    pool's best always competes), re-ranked by :func:`_rerank`."""
    lam = cfg.skip_penalty
    if lam:                                   # the supernet over-rates skip-heavy cells (docs/supernet.md)
        score = score - lam * _skip_counts(net.space, evaluated)
    order = np.argsort(-score, kind="stable")
    if not cfg.rerank_top:
        return evaluated[order[0]], [], [evaluated[order[0]]]
    space = net.space
    candidates, keys = [], set()
    for a in [evaluated[i] for i in order[:cfg.rerank_top]] + list(round_best):
        if space.canonical(a) not in keys:
            keys.add(space.canonical(a))
            candidates.append(a)
    best, reranked = _rerank(candidates, net, cfg, tell)
    return best, reranked, candidates


def _rerank(top: list, net, cfg: NAOWSConfig, tell=None):
    """PT-V1's last step: train each of ``top`` from scratch ``rerank_seeds`` times (seeds ``cfg.seed + 1`` ..
    ``cfg.seed + rerank_seeds``; never the digits table's own seed 0, so a measure against the table is not
    a selection on its noise) for ``rerank_epochs`` with the digits-table recipe (``naoviz.child.presets``
    ``digits-table``: batch 64, lr 0.05 cosine, weight decay 3e-4; the supernet's width and depth and data)
    and return the best by mean validation accuracy, with every result. The recipe is the table's, not the
    supernet's (whose lr may differ). One 4-epoch training is noisy (bench/supernet_noise.py: the table's
    own valid accuracy against a retraining); the mean of several is less so. ``rerank_split="fresh"``: training
    j runs on its own train/valid split of the supernet's dataset (split seed = its training seed), so the mean
    also averages over validation images, not only over initialisations and batch orders."""
    from naoviz.child.data import load_data
    from naoviz.child.presets import train_preset
    sc = net.config
    splits = {}

    def data_for(seed: int):
        if cfg.rerank_split == "supernet":
            return net.data
        if seed not in splits:
            splits[seed] = load_data(sc.data, seed=seed)
        return splits[seed]

    out = []
    for arch in top:
        accs, wall = [], 0.0
        for j in range(cfg.rerank_seeds):
            seed = cfg.seed + 1 + j
            r = train_preset(net.space.name, arch, "digits-table", data=data_for(seed), epochs=cfg.rerank_epochs,
                             seed=seed, channels=sc.channels, cells=sc.cells, device=sc.device,
                             threads=sc.threads)
            accs.append(float(r.valid_acc))
            wall += r.wall_time_s
        out.append({"arch": net.space.format(arch), "valid_acc": float(np.mean(accs)), "valid_accs": accs,
                    "train_time_s": wall})
        if tell is not None:                   # minutes of silence otherwise: each candidate trains from scratch
            tell({"phase": "rerank", "cell": len(out), "of": len(top), "valid_acc": out[-1]["valid_acc"]})
    best = max(range(len(top)), key=lambda i: (out[i]["valid_acc"], -i))
    return top[best], out

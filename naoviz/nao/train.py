"""Joint training of an encoder-predictor-decoder: loss = lambda * MSE(score, target) + (1 - lambda) * NLL.

minGPT-trainer style: one plain loop over shuffled mini-batches, a fresh Adam per call (warm start keeps
the weights, as NAO_V1 does across search rounds), global-norm clipping, a tqdm bar and a
``callback(epoch, logs)`` hook. Works for any module whose ``forward(tokens)`` returns ``heads`` (B, K)
scores in [0, 1] and ``log_probs`` (B, L, V). Seeded: the same inputs give the same weights on CPU.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

Callback = Callable[[int, dict], Optional[bool]]


@contextmanager
def torch_threads(threads: Optional[int]) -> Iterator[None]:
    """torch on ``threads`` CPU threads inside the block (None or 0: as it is), the count before put back after:
    NAO's small networks fit fastest on one thread of a busy machine, and the caller's setting is not ours."""
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def augment_pool(space, archs: Sequence, draws: int, seed: int) -> np.ndarray:
    """Tokens of ``draws`` symmetric equivalents per arch -> (n, draws, L) int64; draw 0 is the arch itself.

    Drawing once and picking per sample per epoch is ~100x cheaper than calling ``space.augment`` every
    epoch and gives the same per-sample randomness for ``draws`` well above the typical class size.
    """
    rng = np.random.default_rng(seed)
    out = np.empty((len(archs), draws, space.seq_len), dtype=np.int64)
    for i, arch in enumerate(archs):
        out[i, 0] = space.to_tokens(arch)
        for d in range(1, draws):
            out[i, d] = space.to_tokens(space.augment(arch, rng))
    return out


class Adam:
    """Adam with L2 weight decay, the arithmetic of ``torch.optim.Adam``'s single-tensor CPU path, step for
    step (tests/test_model_nao.py checks the weights match bit for bit). Written out because
    ``torch.optim`` imports ``torch._dynamo`` on first use (about 2 s of CPU per process) and adds per-step
    hook overhead; a search fits ten small models and this loop is most of its time."""

    def __init__(self, params, lr: float, weight_decay: float = 0.0, betas=(0.9, 0.999), eps: float = 1e-8):
        self.params = [p for p in params if p.requires_grad]
        self.lr, self.weight_decay, self.eps = float(lr), float(weight_decay), float(eps)
        self.beta1, self.beta2 = (float(b) for b in betas)
        self.state: dict = {}          # id(param) -> [step, exp_avg, exp_avg_sq]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        b1, b2, lr, wd, eps = self.beta1, self.beta2, self.lr, self.weight_decay, self.eps
        for p in self.params:
            if p.grad is None:
                continue
            st = self.state.get(id(p))
            if st is None:
                st = self.state[id(p)] = [0.0, torch.zeros_like(p, memory_format=torch.preserve_format),
                                          torch.zeros_like(p, memory_format=torch.preserve_format)]
            st[0] += 1.0
            step, exp_avg, exp_avg_sq = st
            grad = p.grad.add(p, alpha=wd) if wd != 0 else p.grad
            exp_avg.lerp_(grad, 1 - b1)
            exp_avg_sq.mul_(b2).addcmul_(grad, grad, value=1 - b2)
            step_size = lr / (1 - b1 ** step)
            denom = (exp_avg_sq.sqrt() / (1 - b2 ** step) ** 0.5).add_(eps)
            p.addcdiv_(exp_avg, denom, value=-step_size)


def distance_loss(arch_emb: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """Mean squared gap, over the batch's pairs, between the embeddings' cosine distance and the share of
    token positions where the two cells differ: arch_emb (B, H) unit vectors, tokens (B, L) -> scalar.

    Why (issue 13, bench/step_diagnosis.py): the step's sampled decodes land 2-3 edits from the incumbent and
    cover few of its better one-edit neighbours. With this term a one-edit neighbour sits at cosine distance
    about 1/L from its cell (orthogonal when every token differs), so a short step moves towards neighbours,
    not across the space. 0 for a batch of one."""
    if len(tokens) < 2:
        return arch_emb.sum() * 0.0
    cos = 1.0 - arch_emb @ arch_emb.T                                                  # (B, B)
    edits = (tokens.unsqueeze(1) != tokens.unsqueeze(0)).float().mean(dim=-1)          # (B, B) in [0, 1]
    off = ~torch.eye(len(tokens), dtype=torch.bool, device=tokens.device)
    return (cos - edits)[off].pow(2).mean()


RANK_TEMPERATURE = 0.1     # pair_rank_loss: a score gap of 0.1 (in [0, 1] units) costs softplus(-1)


def pair_rank_loss(heads: torch.Tensor, targets: torch.Tensor, weights: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Pairwise logistic (RankNet) loss of every head: heads (B, K) scores in [0, 1], targets (B,), weights
    (B,) or None -> scalar, the mean over heads and over the batch's ordered pairs (t_i > t_j) of
    softplus(-(s_i - s_j) / RANK_TEMPERATURE), each pair weighted w_i w_j.

    Why (issue 13): a search only uses the predictor's *order* of the step's candidates, and with 10-25
    measured cells the MSE spends itself on the targets' levels. 0 when no pair is ordered (a batch of one,
    equal targets)."""
    better = (targets.unsqueeze(1) > targets.unsqueeze(0)).float()                     # (B, B): t_i > t_j
    if weights is not None:
        better = better * weights.unsqueeze(1) * weights.unsqueeze(0)
    total = better.sum()
    if float(total) == 0.0:
        return heads.sum() * 0.0
    gap = (heads.unsqueeze(1) - heads.unsqueeze(0)) / RANK_TEMPERATURE                  # (B, B, K)
    return (F.softplus(-gap) * better.unsqueeze(-1)).sum() / (total * heads.shape[-1])


def epd_losses(out: dict, tokens: torch.Tensor, targets: torch.Tensor, trade_off: float,
               weights: Optional[torch.Tensor] = None, distance: float = 0.0, rank: float = 0.0) -> dict:
    """MSE of every predictor head against the targets, token NLL of the decoder, and their mix.

    ``distance`` > 0 adds ``distance`` x :func:`distance_loss` (reported as ``dist``); ``rank`` > 0 adds
    ``rank`` x :func:`pair_rank_loss` to the predictor's loss (weighted ``trade_off`` like the MSE; reported
    as ``rank``).

    ``weights`` ``(B,)`` (optional, e.g. pseudo-labelled cells down-weighted): the predictor MSE becomes the
    weighted mean over samples; the decoder NLL stays unweighted.

    Targets ``(B,)``, or ``(B, 1 + C)`` for a model with cost heads (``out["costs"]`` (B, C)): column 0 is
    the accuracy target, the others the cost targets, whose MSE joins the predictor's."""
    if targets.dim() == 2:
        targets, cost_targets = targets[:, 0], targets[:, 1:]
        cost_mse = F.mse_loss(out["costs"], cost_targets)
    else:
        cost_mse = None
    if weights is None:
        mse = F.mse_loss(out["heads"], targets.unsqueeze(-1).expand_as(out["heads"]))
    else:
        err = (out["heads"] - targets.unsqueeze(-1)).pow(2).mean(dim=-1)                  # (B,)
        mse = (err * weights).sum() / weights.sum().clamp_min(1e-12)
    if cost_mse is not None:
        mse = mse + cost_mse
    nll = F.nll_loss(out["log_probs"].flatten(0, 1), tokens.flatten())
    loss = trade_off * mse + (1.0 - trade_off) * nll
    logs = {"mse": mse, "nll": nll}
    if rank > 0:
        logs["rank"] = pair_rank_loss(out["heads"], targets, weights)
        loss = loss + trade_off * rank * logs["rank"]
    if distance > 0:
        logs["dist"] = distance_loss(out["arch_emb"], tokens)
        loss = loss + distance * logs["dist"]
    return {"loss": loss, **logs}


def train_epd(model: nn.Module, pools: np.ndarray, targets: np.ndarray, *, epochs: int, batch_size: int,
              lr: float, weight_decay: float, grad_clip: float, trade_off: float, seed: int,
              callback: Optional[Callback] = None, progress: bool = True, device: str = "cpu",
              threads: Optional[int] = None, weights: Optional[np.ndarray] = None,
              distance: float = 0.0, rank: float = 0.0) -> list[dict]:
    """Train ``model`` in place on ``pools`` (n, D, L) token draws and ``targets`` (n,) in [0, 1]
    (``weights`` (n,): optional per-sample weights of the predictor loss; ``distance``: weight of the
    embedding-distance term; ``rank``: weight of the pairwise ranking term; see ``epd_losses``).

    Each epoch every arch is seen once, as one of its D equivalents picked at random. Returns the per-epoch
    logs (loss, mse, nll, seconds). A callback returning True stops training after that epoch (the caller
    decides ``epochs``: ``NAOConfig.epochs_for`` applies the step cap); ``threads`` sets torch's CPU threads for the duration (restored afterwards).
    """
    n, draws, _ = pools.shape
    pools_t = torch.as_tensor(pools, dtype=torch.long, device=device)
    targets_t = torch.as_tensor(np.asarray(targets, dtype=np.float32), device=device)
    weights_t = None if weights is None else torch.as_tensor(np.asarray(weights, dtype=np.float32), device=device)
    rng = np.random.default_rng(seed)
    opt = Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    history: list[dict] = []
    bar = None
    if progress and epochs > 0:
        from tqdm import tqdm          # plain tqdm: tqdm.auto would pull ipywidgets into the backend
        from naoviz.progress import echo_bar           # a typed Ctrl-C's "^C" fits after it
        bar = echo_bar(tqdm, total=epochs, desc="NAO", unit="epoch", leave=False)
    start = time.perf_counter()
    with torch_threads(threads), torch.random.fork_rng(devices=[]):   # dropout: a seeded stream; global RNG kept
        torch.manual_seed(seed)
        try:
            for epoch in range(epochs):
                model.train()                    # (a callback may have switched to eval for a probe)
                perm = torch.as_tensor(rng.permutation(n), device=device)
                pick = torch.as_tensor(rng.integers(draws, size=n), device=device)
                tokens_all = pools_t[perm, pick[perm]] if draws > 1 else pools_t[perm, 0]
                sums = {"loss": 0.0, "mse": 0.0, "nll": 0.0}
                for b in range(0, n, batch_size):
                    tokens = tokens_all[b:b + batch_size]
                    idx = perm[b:b + batch_size]
                    losses = epd_losses(model(tokens), tokens, targets_t[idx], trade_off,
                                        None if weights_t is None else weights_t[idx], distance, rank)
                    opt.zero_grad(set_to_none=True)
                    losses["loss"].backward()
                    nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
                    opt.step()
                    for k in sums:
                        sums[k] += float(losses[k].detach()) * len(tokens)
                logs = {k: v / n for k, v in sums.items()}
                logs["seconds"] = time.perf_counter() - start
                history.append(logs)
                if bar is not None:
                    bar.update(1)
                    if epoch % 10 == 0 or epoch == epochs - 1:
                        bar.set_postfix(loss=f"{logs['loss']:.4f}", mse=f"{logs['mse']:.4f}", nll=f"{logs['nll']:.3f}")
                if callback is not None and callback(epoch, dict(logs)) is True:
                    break
        finally:
            model.eval()
            if bar is not None:
                bar.close()
    return history

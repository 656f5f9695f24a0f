"""How well one supernet recipe ranks the digits table: Kendall tau on seeded table classes, no search.

    nice -n 19 python bench/supernet_tau.py [--supernet '{"epochs": 4, "lr": 0.02}'] [--train-epochs E]
        [--classes 200] [--few-shot-edge 0 --few-shot-epochs 4] [--ensemble K] [--bn both|batch|recal]
        [--naswot] [--proxies grad_norm,snip,synflow,jacob_cov,zico --proxy-net untrained|trained|both --proxy-batch 64]
        [--snapshots K] [--sample-seed S --disjoint] [--json]

Trains ``OneShot(SupernetConfig(**supernet))`` for ``--train-epochs`` (default: the config's ``epochs``, the
cosine length), then scores ``--classes`` classes (``table_sample(n, seed=0)``, the sample bench/supernet.py
and bench/RESULTS.md use) with BatchNorm on the held-out batch's statistics (``bn_eval="batch"``) and with
per-cell recalibrated running statistics (``bn_eval="recal"``), each by accuracy and by minus loss. Prints
Kendall tau-b of each against the table's ``valid_acc``, next to a baseline from the same sample: the
parameter-count proxy's tau, and each score's ratio to the first one (batch statistics, accuracy: the
supernet's evaluation before this bench). With ``--few-shot-edge e`` the supernet trains ``--train-epochs``,
then is copied into 5 sub-supernets (Zhao et al. 2021, few-shot NAS), sub-supernet o training
``--few-shot-epochs`` more epochs on cells with op o on edge e only; each class is scored by the
sub-supernet of its op on edge e (the cosine length covers both phases). With ``--ensemble K``, K supernets
of seeds seed .. seed+K-1 (same recipe) each score every class; each member's tau is printed and the
ensemble's (mean accuracy, mean loss over the K). Each mode also prints "loss+acc": the sum of the z-scores
of minus loss and accuracy. ``--bn`` picks the BatchNorm modes scored (both by default). ``--naswot`` adds a
zero-cost proxy next to the supernet: NASWOT (Mellor et al. 2021), log |det K| of the binary ReLU-input
codes of 128 seeded training images on each cell's path of an *untrained* supernet of the same seed (a path
is the standalone net), and "-loss+naswot", the sum of the z-scores of minus loss and NASWOT (equal weights,
fixed before measuring). ``--proxies`` adds the zero-cost proxies of :mod:`naoviz.child.zero_cost` on each
cell's path of the untrained supernet of the same seed and/or the trained one (``--proxy-net``;
``--proxy-batch`` images per batch), each printed alone, z-summed with minus loss ("-loss+p"), z-subtracted
("-loss-p": the proxy read backwards, as NASWOT ranks digits) and as the sum of the ranks by -loss and by
-proxy (``score="jacob_loss"`` for jacob_cov); with an ensemble the first member's weights are the trained
ones. ``--snapshots K`` scores
every class after each of the last K epochs too and ranks by the mean held-out loss over those K checkpoints
(snapshot ensembling; BN batch statistics, no few-shot, no ensemble). ``--sample-seed S --disjoint`` ranks
a seeded sample of ``--classes`` classes sharing none with ``table_sample(n, 0)`` (a confirmation sample);
``--sample-seed S`` alone is ``table_sample(n, S)``. One torch thread.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--supernet", default="{}", help="SupernetConfig overrides as JSON")
    p.add_argument("--train-epochs", type=int, default=None)
    p.add_argument("--classes", type=int, default=200)
    p.add_argument("--few-shot-edge", type=int, default=None, choices=range(6))
    p.add_argument("--few-shot-epochs", type=int, default=4)
    p.add_argument("--ensemble", type=int, default=1)
    p.add_argument("--bn", default="both", choices=("both", "batch", "recal"))
    p.add_argument("--naswot", action="store_true")
    p.add_argument("--proxies", default="", help="comma-separated zero-cost proxies (naoviz.child.zero_cost)")
    p.add_argument("--proxy-net", default="untrained", choices=("untrained", "trained", "both"))
    p.add_argument("--proxy-batch", type=int, default=64, help="images per proxy batch")
    p.add_argument("--snapshots", type=int, default=1)
    p.add_argument("--sample-seed", type=int, default=0)
    p.add_argument("--disjoint", action="store_true")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import numpy as np
    import torch
    from scipy.stats import rankdata
    torch.set_num_threads(1)
    from naoviz.child.oneshot import OneShot, SupernetConfig
    from naoviz.child.supernet import connected
    from naoviz.child.zero_cost import PROXIES, proxy_scores
    from naoviz.experiments.supernet import correlations, disjoint_sample, table_sample
    from naoviz.tables import load_benchmark

    try:
        over = json.loads(args.supernet)
        cfg = SupernetConfig(**over).validate()
    except (ValueError, TypeError) as exc:
        print(f"--supernet: {exc}", file=sys.stderr)
        return 2
    few = args.few_shot_edge
    train_epochs = args.train_epochs if args.train_epochs is not None else cfg.epochs
    if few is not None:
        cfg.epochs = train_epochs + args.few_shot_epochs

    class Restricted(OneShot):
        """Samples as OneShot, then sets edge ``fix[0]`` to op ``fix[1]`` (disconnected cells dropped)."""
        fix = None

        def sample_cells(self, rng, pool=None):
            cells = super().sample_cells(rng, pool)
            if self.fix is None:
                return cells
            e, o = self.fix
            return [c for c in (c[:e] + (o,) + c[e + 1:] for c in cells) if connected(c)]

    if args.ensemble < 1 or (args.ensemble > 1 and few is not None):
        print("--ensemble: an int >= 1, and 1 with --few-shot-edge", file=sys.stderr)
        return 2
    proxies = [q for q in args.proxies.split(",") if q]
    if any(q not in PROXIES for q in proxies):
        print(f"--proxies: each one of {','.join(PROXIES)}, got {args.proxies!r}", file=sys.stderr)
        return 2
    if not 1 <= args.snapshots <= train_epochs or (args.snapshots > 1 and (few is not None or args.ensemble > 1)):
        print(f"--snapshots: an int in 1..{train_epochs} (the epochs trained), 1 with --few-shot-edge or "
              f"--ensemble, got {args.snapshots}", file=sys.stderr)
        return 2
    table = load_benchmark("nb201-digits")
    archs = (disjoint_sample(args.classes, args.sample_seed, table_sample(args.classes, 0)) if args.disjoint
             else table_sample(args.classes, args.sample_seed))
    truth = np.asarray(table.metric("valid_acc", archs))
    wall0, cpu0 = time.perf_counter(), time.process_time()
    members = []                                   # one {key: net} per ensemble member
    snap_losses = []                               # --snapshots: held-out loss after each of the last K epochs
    for k in range(args.ensemble):
        net = Restricted(SupernetConfig(**{**cfg.to_dict(), "seed": cfg.seed + k}))
        net.train(train_epochs - args.snapshots + 1)
        for _ in range(args.snapshots - 1):
            snap_losses.append(net.scores(archs)["loss"])
            net.train(1)
        nets = {None: net}
        if few is not None:
            for o in range(5):
                sub = copy.deepcopy(net)
                sub.fix = (few, o)
                sub.train(args.few_shot_epochs)
                nets[o] = sub
        members.append(nets)
    train_cpu = time.process_time() - cpu0
    out = {"supernet": over, "train_epochs": train_epochs, "sample_seed": args.sample_seed,
           "proxies": proxies, "proxy_net": args.proxy_net, "proxy_batch": args.proxy_batch,
           "disjoint": args.disjoint, "snapshots": args.snapshots, "few_shot_edge": few,
           "few_shot_epochs": args.few_shot_epochs if few is not None else 0, "classes": len(archs),
           "ensemble": args.ensemble, "train_cpu_s": train_cpu,
           "tau_params_proxy": correlations(table.metric("params_M", archs), truth)["kendall_tau"]}

    def z(v):
        return (v - v.mean()) / (v.std() or 1.0)

    def taus(acc, loss) -> dict:
        return {"tau_acc": correlations(acc, truth)["kendall_tau"],
                "tau_loss": correlations(-loss, truth)["kendall_tau"],
                "tau_loss_acc": correlations(z(-loss) + z(acc), truth)["kendall_tau"],
                "mean_acc": float(acc.mean())}

    naswot = _naswot(cfg, archs) if args.naswot else None
    proxy_vals = {}                                  # "untrained:synflow" -> (n,)
    for which in (("untrained", "trained") if args.proxy_net == "both" else (args.proxy_net,)) if proxies else ():
        pnet = OneShot(cfg) if which == "untrained" else members[0][None]
        for q, v in proxy_scores(pnet, archs, proxies, batch=args.proxy_batch, seed=cfg.seed).items():
            proxy_vals[f"{which}:{q}"] = v
    if naswot is not None:
        out["tau_naswot"] = correlations(naswot, truth)["kendall_tau"]
    modes = ("batch", "recal") if args.bn == "both" else (args.bn,)
    for mode in modes:
        accs, losses = [], []
        c0 = time.process_time()
        for nets in members:
            acc, loss = np.zeros(len(archs)), np.zeros(len(archs))
            for key, sub in nets.items():
                idx = list(range(len(archs))) if few is None else [i for i, a in enumerate(archs) if a[few] == key]
                if not idx or (few is not None and key is None):
                    continue
                sub.config.bn_eval = mode
                s = sub.scores([archs[i] for i in idx])
                acc[idx], loss[idx] = s["acc"], s["loss"]
            accs.append(acc)
            losses.append(loss)
        out[mode] = {**taus(np.mean(accs, 0), np.mean(losses, 0)), "eval_cpu_s": time.process_time() - c0}
        if naswot is not None:
            out[mode]["tau_loss_naswot"] = correlations(z(-np.mean(losses, 0)) + z(naswot), truth)["kendall_tau"]
        loss_now = np.mean(losses, 0)
        if proxy_vals:
            out[mode]["proxies"] = {k: {"alone": correlations(v, truth)["kendall_tau"],
                                        "loss_plus": correlations(z(-loss_now) + z(v), truth)["kendall_tau"],
                                        "loss_minus": correlations(z(-loss_now) - z(v), truth)["kendall_tau"],
                                        "loss_minus_ranks": correlations(rankdata(-loss_now) + rankdata(-v),
                                                                         truth)["kendall_tau"]}
                                    for k, v in proxy_vals.items()}
        if snap_losses and mode == "batch":
            out[mode]["tau_loss_snapshots"] = correlations(-np.mean(snap_losses + [loss_now], 0), truth)["kendall_tau"]
        if args.ensemble > 1:
            out[mode]["members"] = [taus(a, l) for a, l in zip(accs, losses)]
    base = out[modes[0]]["tau_acc"]
    for mode in modes:
        for k in ("acc", "loss", "loss_acc"):
            out[mode][f"ratio_{k}_vs_batch_acc"] = out[mode][f"tau_{k}"] / base if base else float("nan")
    out["wall_s"], out["cpu_s"] = time.perf_counter() - wall0, time.process_time() - cpu0
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"supernet {json.dumps(over)}, {train_epochs} epochs"
          + (f" + few-shot on edge {few}, {args.few_shot_epochs} epochs x 5" if few is not None else "")
          + (f", ensemble of {args.ensemble} seeds" if args.ensemble > 1 else "")
          + (f", held-out loss averaged over the last {args.snapshots} epochs" if args.snapshots > 1 else "")
          + f"; Kendall tau vs table valid_acc on {len(archs)} classes "
          + (f"(disjoint sample, seed {args.sample_seed}) " if args.disjoint else
             f"(sample seed {args.sample_seed}) " if args.sample_seed else "") + "(goal >= 0.5):")
    for mode in modes:
        r = out[mode]
        print(f"  BN {mode:5s}: accuracy {r['tau_acc']:.3f} (ratio {r['ratio_acc_vs_batch_acc']:.2f}), "
              f"-loss {r['tau_loss']:.3f} (ratio {r['ratio_loss_vs_batch_acc']:.2f}), loss+acc "
              f"{r['tau_loss_acc']:.3f}; mean acc {r['mean_acc']:.1f} %, {r['eval_cpu_s']:.0f} s CPU to score")
        if naswot is not None:
            print(f"    with NASWOT: -loss+naswot {r['tau_loss_naswot']:.3f} (NASWOT alone {out['tau_naswot']:.3f})")
        if "tau_loss_snapshots" in r:
            print(f"    snapshots: -mean loss over the last {args.snapshots} epochs {r['tau_loss_snapshots']:.3f}")
        for k, v in r.get("proxies", {}).items():
            print(f"    {k:20s}: alone {v['alone']:.3f}, -loss+p {v['loss_plus']:.3f}, -loss-p {v['loss_minus']:.3f}, "
                  f"ranks of -loss and -p {v['loss_minus_ranks']:.3f}")
        for k, m in enumerate(r.get("members", [])):
            print(f"    seed {cfg.seed + k}: accuracy {m['tau_acc']:.3f}, -loss {m['tau_loss']:.3f}, "
                  f"loss+acc {m['tau_loss_acc']:.3f}; mean acc {m['mean_acc']:.1f} %")
    print(f"  baseline: params proxy tau {out['tau_params_proxy']:.3f}; training {train_cpu:.0f} s CPU, "
          f"all {out['wall_s']:.0f} s wall, {out['cpu_s']:.0f} s CPU")
    return 0


def _naswot(cfg, archs, batch: int = 128):
    """NASWOT score per cell, ``(len(archs),)``: log |det K|, K = C C^T + (1 - C)(1 - C)^T summed over every
    ReLU the path runs, C the (batch, features) 0/1 codes of the ReLU's input, on an untrained supernet."""
    import numpy as np
    import torch
    from torch import nn
    from naoviz.child.oneshot import OneShot
    net = OneShot(cfg)
    x_all, _ = net.data.train
    idx = torch.randperm(len(x_all), generator=torch.Generator().manual_seed(cfg.seed + 13))[:batch]
    x = net._prepare(x_all[idx])
    state = {}

    def hook(_module, inp, _out):
        c = (inp[0].detach().reshape(inp[0].shape[0], -1) > 0).double()
        state["K"] += c @ c.T + (1 - c) @ (1 - c).T

    for m in net.model.modules():
        if isinstance(m, nn.ReLU):
            m.register_forward_hook(hook)
    out = np.zeros(len(archs))
    net.model.train()                 # BN on batch statistics, as the supernet trains
    with torch.no_grad():
        for i, arch in enumerate(archs):
            state["K"] = torch.zeros(len(idx), len(idx), dtype=torch.float64)
            net.model(x, net.space.coerce(arch))
            out[i] = float(torch.linalg.slogdet(state["K"])[1])
    return out


if __name__ == "__main__":
    sys.exit(main())

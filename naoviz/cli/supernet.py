"""``naoviz supernet``: NAO-WS (weight sharing) on NB201 or NAONet-WS; NB201 optionally measured against the
digits table."""
from __future__ import annotations

import json

from naoviz.cli.common import emit_json, int_in, float_in, path_arg, show, writable_file


def add_parser(sub) -> None:
    p = sub.add_parser("supernet", help="NAO-WS: one-shot supernet + NAO steps on NB201 or NAONet-WS "
                                        "(docs/supernet.md)",
                       description="NAO-WS: train one weight-sharing supernet, run NAO's rounds on cells scored "
                                   "by it, and report the cell it picks (docs/supernet.md).")
    p.add_argument("--space", default="nb201", choices=["nb201", "naonet-ws"],
                   help="nb201 (default) or naonet-ws (the NAO-WS paper's 5-op NAONet space)")
    p.add_argument("--data", default="digits", choices=["digits", "cifar10", "cifar100", "synthetic"],
                   help="digits (default), cifar10, cifar100 or synthetic")
    p.add_argument("--pool", type=int_in(2, 6466), default=100, help="cells in the NAO-WS pool (default 100)")
    p.add_argument("--rounds", type=int_in(0, 1000), default=3, help="NAO rounds (default 3)")
    p.add_argument("--warmup-epochs", type=int_in(1, 10_000), default=4,
                   help="supernet epochs before the first round (default 4)")
    p.add_argument("--epochs-per-round", type=int_in(0, 10_000), default=2, help="supernet epochs per round (default 2)")
    p.add_argument("--top-k", type=int_in(1, 6466), default=20, help="NAO seeds per round (default 20)")
    p.add_argument("--n-new", type=int_in(0, 6466), default=30, help="new cells per round, < --pool (default 30)")
    p.add_argument("--max-eta", type=float_in(0.0, 1e6, lo_open=True), default=50.0, help="largest step size (default 50)")
    p.add_argument("--train-on", default="space", choices=["space", "pool"],
                   help="cells the supernet trains on: the whole space (default) or the pool (PT-V1)")
    p.add_argument("--sampling", default=None, choices=["fair", "uniform"],
                   help="path sampling (default: fair on nb201, uniform on naonet-ws)")
    p.add_argument("--paths-per-step", type=int_in(1, 100), default=None,
                   help="cells per SGD step (fair: x5; default 5 on nb201, 1 on naonet-ws)")
    p.add_argument("--channels", type=int_in(1, 256), default=None, help="supernet width C (default 8)")
    p.add_argument("--cells", type=int_in(1, 16), default=None, help="cells per stage N (default 1)")
    p.add_argument("--lr", type=float_in(0.0, 10.0, lo_open=True), default=None,
                   help="peak learning rate (default 0.02 on nb201, 0.1 on naonet-ws)")
    p.add_argument("--score", default=None, choices=["acc", "loss", "jacob", "jacob_loss"],
                   help="what ranks cells: held-out accuracy, minus loss (nb201 default) or minus the jacob_cov "
                        "proxy of the trained path (the best ranking of the digits table, docs/supernet.md) or the mean of "
                        "the two ranks (jacob_loss)")
    p.add_argument("--rerank-top", type=int_in(0, 100), default=None,
                   help="re-rank the top K of every evaluated cell (+ each round's best) by short trainings "
                        "from scratch (PT-V1: 5; 0: the supernet's best; default 10 on nb201, 0 on naonet-ws)")
    p.add_argument("--rerank-seeds", type=int_in(1, 10), default=None,
                   help="with --rerank-top: trainings per candidate (seeds seed+1 ..), ranked by their mean "
                        "validation accuracy (default 2 on nb201, 1 on naonet-ws)")
    p.add_argument("--rerank-epochs", type=int_in(1, 1000), default=4,
                   help="with --rerank-top: epochs of each re-ranking training (default 4, the digits table's)")
    p.add_argument("--rerank-split", default=None, choices=["supernet", "fresh"],
                   help="with --rerank-top: train every candidate on the supernet's data split, or each training "
                        "on its own split drawn from its seed (fresh; default fresh on nb201, supernet on naonet-ws)")
    p.add_argument("--skip-penalty", type=float_in(0.0, 1e6), default=None,
                   help="final choice: score minus this per skip_connect edge, the supernet over-rating skip-heavy "
                        "cells (nb201 only; default 0.01 on nb201, in minus-loss units)")
    p.add_argument("--search-skip-penalty", type=float_in(0.0, 1e6), default=0.0,
                   help="the same per-skip_connect-edge penalty on each round's scores, so NAO's steps are not "
                        "trained towards skip-heavy cells (nb201 only; default 0)")
    p.add_argument("--measure", type=int_in(0, 6466), default=0, metavar="N",
                   help="digits only: Kendall tau on N sampled table classes and the returned cell's table rank "
                        "(default 0: not measured)")
    p.add_argument("--seed", type=int_in(0, 2**32 - 1), default=0,
                   help="seed of the supernet, its data split and the search (default 0)")
    p.add_argument("--device", default="cpu",
                   help="cpu (the default), cuda, cuda:N, mps or auto (CUDA, then MPS, then CPU)")
    p.add_argument("--threads", type=int_in(1, 256), default=1, help="torch CPU threads (default 1)")
    p.add_argument("--out", metavar="FILE", default=None, type=path_arg, help="write the result as JSON here")
    p.add_argument("--no-progress", action="store_true", help="no progress lines (on stderr, in words; JSON lines with --json)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_supernet)


def _config(args):
    from naoviz.child.oneshot import SupernetConfig
    from naoviz.child.trainer import resolve_device
    from naoviz.search.nao_ws import NAOWSConfig
    from naoviz.errors import NaovizError
    try:
        resolve_device(args.device)    # an unknown or absent device fails here, before any data is read
    except (ValueError, NaovizError) as exc:
        raise ValueError(f"--{exc}") from None
    if args.measure and args.data != "digits":
        raise ValueError(f"--measure: the ground-truth table is digits; use --data digits, got {show(args.data)}")
    if args.measure and args.space != "nb201":
        raise ValueError(f"--measure: the ground-truth table is NB201's; use --space nb201, got {show(args.space)}")
    given = {name: getattr(args, name) for name in ("channels", "cells", "lr", "sampling", "paths_per_step", "score")
             if getattr(args, name) is not None}
    base = SupernetConfig.for_space(args.space)                # the space's defaults for what is not given
    sampling, paths = given.get("sampling", base.sampling), given.get("paths_per_step", base.paths_per_step)
    if sampling == "fair" and paths % 5:
        default = "" if "paths_per_step" in given else f", {args.space}'s default (give --paths-per-step 5)"
        raise ValueError(f"--paths-per-step: must be a multiple of 5 with --sampling fair, got {paths}{default}")
    if args.skip_penalty and args.space != "nb201":
        raise ValueError(f"--skip-penalty: nb201 only (naonet-ws has no skip_connect op), got {args.skip_penalty:g}")
    if args.search_skip_penalty and args.space != "nb201":
        raise ValueError("--search-skip-penalty: nb201 only (naonet-ws has no skip_connect op), got "
                         f"{args.search_skip_penalty:g}")
    if args.n_new >= args.pool:
        raise ValueError(f"--n-new: must be smaller than --pool ({args.pool}), got {args.n_new}")
    supernet = {"data": args.data, **given, "device": args.device, "threads": args.threads}
    return NAOWSConfig(space=args.space, pool_size=args.pool, rounds=args.rounds, warmup_epochs=args.warmup_epochs,
                       epochs_per_round=args.epochs_per_round, train_on=args.train_on, top_k=args.top_k,
                       n_new=args.n_new, max_eta=args.max_eta, rerank_top=args.rerank_top,
                       rerank_seeds=args.rerank_seeds, rerank_epochs=args.rerank_epochs, seed=args.seed,
                       rerank_split=args.rerank_split, skip_penalty=args.skip_penalty,
                       search_skip_penalty=args.search_skip_penalty,
                       supernet=supernet)


def progress_line(event: dict, cfg=None) -> str:
    """One progress event of a NAO-WS run (``naoviz.search.nao_ws``), in words for a terminal; ``cfg`` (its
    ``NAOWSConfig``): the epochs and rounds counted out of their totals ("epoch 4 of 10", "round 1 of 3")."""
    took = f" ({event['wall_s']:.0f} s)" if "wall_s" in event else ""
    phase = event.get("phase")
    if phase == "start":               # the first line comes only as the warm-up ends (minutes on CIFAR): said now
        def n(count, what):
            return f"{count} {what}{'s' if count != 1 else ''}"
        rounds = (f", then {n(event['rounds'], 'NAO round')} of {n(event['epochs_per_round'], 'epoch')}"
                  if event["rounds"] else "")
        return (f"supernet: training, {n(event['warmup_epochs'], 'warm-up epoch')}{rounds} ({event['epochs']} "
                "in all; a line as each phase ends)")
    if phase == "supernet":
        of = f" of {cfg.total_epochs()}" if cfg is not None else ""
        return f"supernet: trained to epoch {event['epochs']}{of}, training loss {event['train_loss']:.3f}{took}"
    if phase == "round":
        of = f" of {cfg.rounds}" if cfg is not None else ""
        return (f"round {event['round']}{of}: {event['new']} new cells; pool best {event['pool_best_acc']:.1f} %, "
                f"mean {event['pool_mean_acc']:.1f} % supernet valid accuracy{took}")
    if phase == "rerank":
        return (f"re-rank: candidate {event['cell']} of {event['of']} trained from scratch, valid accuracy "
                f"{event['valid_acc']:.1f} %{took}")
    if phase == "done":
        return f"done{took}"
    return " ".join(f"{k}={v}" for k, v in event.items())


def run_supernet(args) -> int:
    import sys

    cfg = _config(args)
    if args.out:
        writable_file(args.out, "--out")

    def progress(event: dict) -> None:
        if args.no_progress:
            return
        if args.json:                  # a machine reading stdout's JSON reads the progress as JSON lines too
            line = json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in event.items()})
        else:
            line = progress_line(event, cfg)
        print(line, file=sys.stderr, flush=True)

    from naoviz.experiments.supernet import measure_nao_ws
    result = measure_nao_ws(cfg, n=args.measure, progress=progress,
                            against_table=args.data == "digits" and args.space == "nb201")
    if args.out:
        from pathlib import Path

        from naoviz.jsonio import dumps_strict
        from naoviz.paths import atomic_write_text
        atomic_write_text(Path(args.out), dumps_strict(result, indent=1))
    if args.json:
        emit_json(result)
        return 0
    print(f"NAO-WS on {args.space}, {args.data}: best cell {result['best']}")
    print(f"its supernet valid accuracy {result['search']['best_supernet_acc']:.1f} % (shared weights, not a "
          f"standalone training: naoviz train-child --space {args.space} --arch '{result['best']}')")
    print(f"search: {result['search_wall_s']:.1f} s wall, {result['search_cpu_s']:.1f} s CPU")
    if "best_rank" in result:
        r = result["best_rank"]["valid_acc"]
        print(f"table: valid_acc {r['value']:.2f} %, rank {r['rank']} of {r['classes']} (top {r['top_pct']:.1f} %)")
    if "ranking" in result:
        k = result["ranking"]
        print(f"ranking on {k['classes']} classes: Kendall tau {k['supernet']['valid_acc']['kendall_tau']:.3f} by "
              f"accuracy, {k['supernet_loss']['valid_acc']['kendall_tau']:.3f} by -loss "
              f"(params proxy {k['params_proxy']['valid_acc']['kendall_tau']:.3f})"
              + (f", {k['supernet_score']['valid_acc']['kendall_tau']:.3f} by the search's score ({cfg.supernet_config().score})"
                 if "supernet_score" in k else ""))
    if args.out:
        print(f"result: {args.out}")         # the file --out wrote, named as the other commands name theirs
    return 0

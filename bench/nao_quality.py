"""NAO predictor / decoder / step quality on NB201 beside tree baselines (issue 3), as a script.

Same measurements as ``naoviz predictor`` (naoviz/experiments/predictor.py); this script adds a Markdown
table for bench/RESULTS.md, from a fresh run or from saved ``--json`` outputs:
  .venv/bin/python bench/nao_quality.py --train-sizes 100,1000 --seeds 3 [--preset paper] [--json]
  .venv/bin/python bench/nao_quality.py --markdown default.json paper.json
"""
from __future__ import annotations

import argparse
import json
import sys

ROWS = [("nao.kendall_tau", "Kendall τ (NAO)"), ("baselines.random_forest.kendall_tau", "Kendall τ (random forest)"),
        ("baselines.grad_boosting.kendall_tau", "Kendall τ (grad. boosting)"),
        ("nao.kendall_tau_heldout_classes", "Kendall τ on held-out classes (NAO)"),
        ("baselines.random_forest.kendall_tau_heldout_classes", "Kendall τ on held-out classes (random forest)"),
        ("baselines.grad_boosting.kendall_tau_heldout_classes", "Kendall τ on held-out classes (grad. boosting)"),
        ("heldout_class_cells", "held-out cells of unseen classes"),
        ("nao.spearman_rho", "Spearman ρ (NAO)"), ("nao.pairwise_acc", "pairwise accuracy (NAO)"),
        ("baselines.random_forest.pairwise_acc", "pairwise accuracy (random forest)"),
        ("nao.kendall_tau_top10", "τ within true top 10% (NAO)"),
        ("baselines.random_forest.kendall_tau_top10", "τ within true top 10% (random forest)"),
        ("decoder.recon_train", "exact reconstruction, train"), ("decoder.recon_heldout", "exact reconstruction, held-out"),
        ("decoder.valid_random", "valid decodes of random vectors"),
        ("steps.random.step_beats_seed", "first generate() step beats seed (random seeds)"),
        ("steps.random.mutation_beats_seed", "random one-edit mutation beats seed (random seeds)"),
        ("steps.top10.step_beats_seed", "first generate() step beats seed (top-10% seeds)"),
        ("steps.top10.mutation_beats_seed", "random one-edit mutation beats seed (top-10% seeds)"),
        ("steps.random.gated_step_beats_seed", "first gated step (require_gain) beats seed (random seeds)"),
        ("steps.top10.gated_step_beats_seed", "first gated step (require_gain) beats seed (top-10% seeds)"),
        ("steps.random.mean_eta", "η of first new arch (random seeds)"),
        ("steps.top10.mean_hamming", "Hamming of first new arch to seed (top-10% seeds)"),
        ("fit_s", "NAO fit seconds (1 thread)")]


def markdown(payloads: list[dict]) -> str:
    """One table: a row per figure, a column per (preset, N), cells mean ± sd over seeds."""
    cols = [(p, n) for p in payloads for n in p["train_sizes"]]
    head = "| figure | " + " | ".join(f"{p['preset']} N={n}" for p, n in cols) + " |"
    lines = [head, "|---|" + "---|" * len(cols)]
    for key, label in ROWS:
        cells = []
        for p, n in cols:
            m = p["summary"][str(n)].get(key)
            cells.append("—" if m is None else f"{m['mean']:.3f} ± {m['sd']:.3f}")
        if any(c != "—" for c in cells):
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    seeds = ", ".join(f"{p['preset']}: {p['seeds']} seeds" for p in payloads)
    return "\n".join(lines) + f"\n\n({seeds}; mean ± sd over seeds.)"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--markdown", nargs="+", metavar="JSON", help="print a table from saved --json outputs")
    args, rest = ap.parse_known_args(argv)
    if args.markdown:
        print(markdown([json.load(open(f)) for f in args.markdown]))
        return 0
    from naoviz.cli import main as cli
    return cli(["predictor", *rest])


if __name__ == "__main__":
    sys.exit(main())

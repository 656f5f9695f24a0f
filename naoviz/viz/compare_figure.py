"""``python -m naoviz.viz.compare_figure OUT_DIR``: the figures of a ``naoviz compare --out OUT_DIR`` run.

The CLI belongs to the backend and never imports the UI layer; after writing ``OUT_DIR/summary.json`` it
runs this front-end program (as ``naoviz dashboard`` runs Voila), which draws the incumbent-vs-queries
figure with plotly (and, under constraints or objectives, one accuracy-against-cost Pareto figure per cost
column, ``naoviz.viz.pareto``) and prints the paths it wrote as one JSON list on stdout.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def write_figures(summary: dict, out_dir) -> list[str]:
    """``compare.html`` and, per cost column of a run under constraints or objectives, ``pareto-<cost>.html``;
    the same as PNG when a browser is available (one browser start for all; else a ``PNG skipped: ...``
    entry). Returns what was written."""
    from naoviz.viz.curves import compare_figure
    from naoviz.viz.figure_files import export_many
    from naoviz.viz.pareto import summary_pareto_figures
    figs = {"compare": compare_figure(summary), **{f"pareto-{c}": f for c, f in summary_pareto_figures(summary).items()}}
    out = Path(out_dir)
    written = [str(p) for p in export_many(list(figs.values()), [out / f"{n}.html" for n in figs])]
    try:
        written += [str(p) for p in export_many(list(figs.values()), [out / f"{n}.png" for n in figs])]
    except Exception as exc:  # noqa: BLE001 - PNG needs a browser (kaleido); HTML is enough without one
        written.append(f"PNG skipped: {exc}")
    return written


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m naoviz.viz.compare_figure OUT_DIR (holding summary.json)", file=sys.stderr)
        return 2
    try:
        summary = json.loads((Path(args[0]) / "summary.json").read_text(encoding="utf-8"))
        written = write_figures(summary, args[0])
    except (OSError, ValueError, KeyError) as exc:
        print(f"compare figure: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())

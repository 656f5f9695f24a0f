"""``python -m naoviz.viz.compare_figure OUT_DIR``: the figures of a ``naoviz compare --out OUT_DIR`` run.

The CLI belongs to the backend and never imports the UI layer; after writing ``OUT_DIR/summary.json`` it
runs this front-end program (as ``naoviz dashboard`` runs Voila), which draws the incumbent-vs-queries
figure with plotly (and, under constraints or objectives, one accuracy-against-cost Pareto figure per cost
column, ``naoviz.viz.pareto``) and prints the paths it wrote as one JSON list on stdout. A figure the disk
refuses (full, ``ulimit -f``) leaves the file it would replace as it was and exits with status 3.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

WRITE_FAILED = 3        # exit status: a figure could not be written (``naoviz compare`` then fails too)


def cost_file_name(column: str, taken) -> str:
    """``pareto-<cost>``, the cost column made a plain file name (``naoviz.viz.figure_files.safe_name``): a table's
    column is the user's text, and ``x/../../name`` must not write outside --out; a name already in ``taken``
    gets ``-2``, ``-3``..."""
    from naoviz.viz.figure_files import safe_name
    base = f"pareto-{safe_name(column, empty='cost')}"        # a column named "延迟": pareto-cost, not pareto-table
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}-{k}"
    return name


def write_figures(summary: dict, out_dir) -> list[str]:
    """``compare.html`` and, per cost column of a run under constraints or objectives, ``pareto-<cost>.html``
    (:func:`cost_file_name`); the same as PNG when a browser is available (one browser start for all; else a
    ``PNG skipped: ...`` entry). Returns what was written."""
    from naoviz.viz.curves import compare_figure
    from naoviz.viz.figure_files import export_many
    from naoviz.viz.pareto import summary_pareto_figures
    figs = {"compare": compare_figure(summary)}
    for c, f in summary_pareto_figures(summary).items():
        figs[cost_file_name(c, figs)] = f
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
    except (OSError, ValueError) as exc:
        print(f"compare figure: {exc}", file=sys.stderr)
        return 1
    try:
        written = write_figures(summary, args[0])
    except OSError as exc:          # the disk refused a figure (full, ulimit -f, read-only): status WRITE_FAILED
        where = Path(exc.filename).name if exc.filename else args[0]      # a file of OUT_DIR: its name says it
        print(f"compare figure: {where}: {exc.strerror or exc}", file=sys.stderr)
        return WRITE_FAILED
    except (ValueError, KeyError) as exc:
        print(f"compare figure: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())

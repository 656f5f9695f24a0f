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


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m naoviz.viz.compare_figure OUT_DIR (holding summary.json)", file=sys.stderr)
        return 2
    from naoviz.viz.curves import write_compare_figure
    from naoviz.viz.pareto import write_pareto_figures
    try:
        summary = json.loads((Path(args[0]) / "summary.json").read_text(encoding="utf-8"))
        written = write_compare_figure(summary, args[0]) + write_pareto_figures(summary, args[0])
    except (OSError, ValueError, KeyError) as exc:
        print(f"compare figure: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
    (:func:`cost_file_name`); the same as PNG and, laid out for a paper's columns, as vector PDF and SVG
    (:func:`_print_files`) when a browser is available (else a ``PNG skipped ...`` entry), all three sets through
    one browser start (``kept_browser.for_command``); then ``README.md`` (:func:`write_readme`). Returns what was
    written."""
    from naoviz.viz import kept_browser
    from naoviz.viz.curves import compare_figure
    from naoviz.viz.figure_files import export_many
    from naoviz.viz.pareto import summary_pareto_figures
    figs = {"compare": compare_figure(summary)}
    for c, f in summary_pareto_figures(summary).items():
        figs[cost_file_name(c, figs)] = f
    out = Path(out_dir)
    written = [str(p) for p in export_many(list(figs.values()), [out / f"{n}.html" for n in figs])]
    captions = {n: _bare_title(f) for n, f in figs.items()}
    try:
        with kept_browser.for_command():     # PNG, 7 in and 3.5 in sets: one Chromium, closed after the last
            written += [str(p) for p in export_many(list(figs.values()), [out / f"{n}.png" for n in figs])]
            written += _print_files(figs, out)
    except Exception as exc:  # noqa: BLE001 - PNG needs a browser (kaleido); HTML is enough without one
        written.append(f"PNG skipped (PDF and SVG too): {exc}")
    written.append(str(write_readme(summary, out, captions, [Path(w).name for w in written
                                                              if not w.startswith("PNG skipped")])))
    return written


def _print_files(figs: dict, out: Path) -> list[str]:
    """Each figure laid out for a paper's full width and single column (``naoviz.viz.print_sizes``) as vector
    PDF and SVG, ``<name>-7in.pdf``, ``<name>-3.5in.svg``..., one batch per size (in the caller's browser)."""
    from naoviz.viz.print_sizes import COLUMNS, export_for_print
    written = []
    for tag, inches in COLUMNS.items():                                 # each at its own layout.height
        paths = [out / f"{n}-{tag}.{ext}" for ext in ("pdf", "svg") for n in figs]
        written += [str(p) for p in export_for_print(list(figs.values()) * 2, paths, inches)]
    return written


def _bare_title(fig) -> str:
    """The figure's title as plain text (its caption), as ``print_sizes.for_print`` gives it, without laying out a
    copy of the figure for print to read it."""
    from naoviz.viz.print_sizes import bare
    return bare(fig.layout.title.text or "")


def write_readme(summary: dict, out: Path, captions: dict, files: list) -> Path:
    """``out/README.md``: where the figures came from (the command, seeds, budget, table, naoviz version and
    commit, the machine) and what each file holds, with each figure's caption (its title: the print versions
    have none), so a figure copied into a paper's folder can be traced back and redrawn."""
    from naoviz.paths import atomic_write_text
    from naoviz.viz.file_meta import source_commit
    from naoviz.viz.print_sizes import COLUMNS
    from naoviz.viz.theme import constraint_text, readable, summary_columns
    named = summary_columns(summary)                # NB201: its two CIFAR-10 runs named apart
    env = summary.get("environment") or {}
    command = summary.get("command")
    shown = " ".join(_quoted(a) for a in command) if command else "(not recorded: run from Python)"
    seeds = summary.get("seeds") or []
    seed_text = (f"{seeds[0]}–{seeds[-1]} ({len(seeds)})" if len(seeds) > 1 else ", ".join(map(str, seeds))) or "?"
    table = (summary.get("table") or {}).get("name") or "?"
    commit = source_commit()
    lines = ["# naoviz compare: figures", "",
             f"- command: `{shown}`",
             f"- searchers: {', '.join(_searcher(k, a) for k, a in summary.get('algos', {}).items())}",
             f"- table: {table}; searched {_worded(summary.get('metric'), lambda c: readable(c, named))}, reported "
             f"{_worded(summary.get('report'), lambda c: readable(c, named))}; "
             f"{summary.get('budget')} queries per run; seeds {seed_text}"
             + (f"; constraints {', '.join(_worded(c, lambda t: constraint_text(t, named)) for c in summary['constraints'])}"
                if summary.get("constraints") else "")
             + (f"; objectives {', '.join(summary['objectives'])}" if summary.get("objectives") else ""),
             f"- naoviz {env.get('naoviz', '?')}" + (f", commit {commit}" if commit else "")
             + f"; Python {env.get('python', '?')}, torch {env.get('torch', '?')}, numpy {env.get('numpy', '?')}; "
             f"{env.get('cpu', '?')} ({env.get('machine', '?')})",
             "- numbers behind every figure: `summary.json`", "", "## Figures", ""]
    for name, caption in captions.items():
        mine = sorted(f for f in files if f.startswith(f"{name}.") or f.startswith(f"{name}-") and
                      f.removeprefix(f"{name}-").rsplit(".", 1)[0] in COLUMNS)
        lines += [f"### {name}", "", f"Caption: {caption}.", "",
                  "Files: " + ", ".join(f"`{f}`" for f in mine) + ".", ""]
    lines += ["`NAME.html`: interactive (hover for values); `NAME.png`: for screens, 1800×1200 px with its title; "
              "`NAME-7in.pdf`/`.svg` and `NAME-3.5in.pdf`/`.svg`: vector, laid out for a paper's full width "
              "(7 in) and single column (3.5 in), text 8–9 pt at that width, legend under the plot, no title "
              "(use the caption above).", ""]
    path = out / "README.md"
    atomic_write_text(path, "\n".join(lines))
    return path


def _worded(text, words=None) -> str:
    """A column id (or a constraint) as summary.json has it, with the words a figure uses for it after it when
    they differ: "cifar10_test_acc (CIFAR-10 test accuracy)", "latency_pixel3<=6 (latency on Pixel 3 ≤ 6 ms)"."""
    from naoviz.viz.theme import readable
    said = (words or readable)(str(text))
    return str(text) if said == str(text) else f"{text} ({said})"


def _searcher(name: str, algo: dict) -> str:
    """"NAO (`nao`; ran sweep_projected under objectives: what default runs under budgets: ...)": the figure's
    name, the --algos id, the recipe the table names (``shown``) when it is not the id alone and, for NAO, the
    preset's line from ``naoviz search --preset list`` (a reader of the README did not know what ``nao`` or
    ``sweep_projected`` ran)."""
    from naoviz.search.nao_presets import ABOUT
    from naoviz.viz.theme import algo_label
    recipe = str(algo.get("shown") or name).removeprefix(name).strip(" ()")
    kind, _, preset = name.partition(":")
    ran = (recipe.split()[0] if recipe else preset or "default") if kind == "nao" else ""
    about = f" — {ABOUT[ran][1]}" if ran in ABOUT else ""
    what = f"; ran {recipe}{about}" if recipe else (f"; preset {ran}{about}" if about else "")
    return f"{algo_label(name)} (`{name}`{what})"


def _quoted(arg: str) -> str:
    import shlex
    return shlex.quote(str(arg))


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

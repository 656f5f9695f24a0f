"""What the Search tab says about a run, as text: the line beside the progress bar while it runs and as it ends,
and the result under the curves when it ends (each searcher's final mean ± sd, NAO's sources, the ``naoviz compare`` line of the same numbers).

Kept apart from :mod:`naoviz.ui.search_panel` (the widgets and the worker thread): these are pure functions of the
curves and results, tested without a page.
"""
from __future__ import annotations

import html

import numpy as np

from naoviz.ui.common import command_html
from naoviz.viz.theme import readable, value_unit


def search_summary(curves: dict, report: str, band: str = "sd", columns=()) -> str:
    """The line under the curves: each searcher's incumbent after its last query, mean ± sd over its seeds, the
    column's unit after its name; when its runs differ in length (a stop), after the query every run reached, which
    it names. ``columns``: the table's (NB201's two CIFAR-10 runs named apart)."""
    from naoviz.experiments.search import incumbent_band
    parts = []
    for name, runs in curves.items():
        runs = [r for r in runs if len(r)]
        if not runs:
            continue
        s = incumbent_band(runs, band)
        q = min(len(r) for r in runs)             # the last query of one fixed set of runs: every run
        at = "" if q == max(len(r) for r in runs) else f" after query {q} (the shortest run's end)"
        if not np.isfinite(s["mean"][q - 1]):     # some run has no feasible incumbent yet: no mean over the rest
            parts.append(f"{name}: – ({s['feasible'][q - 1]} of {len(runs)} runs with a feasible incumbent{at})")
            continue
        parts.append(_part(name, s['mean'][q - 1], s['sd'][q - 1], len(runs)) + at)
    return _summary(parts, report, columns)


def _part(name: str, mean: float, sd: float, runs: int) -> str:
    """One searcher's part of the summary: ``NAO: 94.37 ± 0.12 (n=3)``, without the spread for one run."""
    return f"{name}: {mean:.2f}" + (f" ± {sd:.2f} (n={runs})" if runs > 1 else "")


def _summary(parts: list, report: str, columns=()) -> str:
    unit = value_unit(report)                     # once, after the column's name: the numbers had none ("94.37")
    head = f"incumbent {readable(report, columns)}" + (f" ({unit})" if unit else "")
    return f"{head} — " + " · ".join(parts) if parts else ""


def nao_sources(results: list) -> str:
    """Which part of NAO did the work (issue 13): over its runs, the queries the gradient step decoded, the
    ranked mutations, the random cells (a random initial pool and fills) and, when a design chose the initial
    pool (``default``'s k-means), that pool; how many final incumbents were decoded; "" without NAO runs."""
    runs = [r.counts() for r in results if r.algo == "nao" and r.history]
    if not runs:
        return ""
    q = {s: sum(c["queries"].get(s, 0) for c in runs) for s in ("decoder", "mutation", "random", "design")}
    return _sources(q, sum(c["final_incumbent_source"] == "decoder" for c in runs), len(runs))


def _sources(q: dict, decoded: int, runs: int) -> str:
    design = f"{q['design']} in the initial design, " if q["design"] else ""
    return (f"NAO's queries: {design}{q['decoder']} decoded by the gradient step, {q['mutation']} ranked mutations, "
            f"{q['random']} random; final incumbent decoded in {decoded} of {runs} run"
            + ("s" if runs != 1 else ""))


def compare_command(bench_name: str, algos, budget: int, first_seed: int, n_seeds: int, preset: str,
                    constraint=None) -> str:
    """The ``naoviz compare`` line that prints the same means and sds as the tab (shown when a run ends);
    ``bench_name``: a known table's name, or a table file's path (then ``--table PATH``); ``constraint``: the
    cost budget (``--constraint "params_M<=0.0353"``), None for none."""
    import shlex
    names = ",".join(f"nao:{preset}" if a == "nao" and preset else a for a in algos)
    table = f"--space {bench_name}" if bench_name in ("nb201", "nb201-digits") else f"--table {shlex.quote(bench_name)}"
    return (f"naoviz compare {table} --algos {names} --queries {budget} --seeds {n_seeds} "
            f"--first-seed {first_seed}"
            + (f' --constraint "{constraint.column}{constraint.op}{constraint.bound!r}"' if constraint is not None else ""))


def running_line(shown: str, seed: int, done: int, budget: int, total: int, at=None) -> str:
    """The line beside the bar: this run's queries (``done`` before it, ``budget`` in it, ``total`` in all), and
    once they come, the count ``at`` (a NAO run of 300 queries on NB201 said "queries 1..300 of 3600" for 100 s)."""
    where = f"queries {done + 1:,}..{done + budget:,}"
    now = f"{where} of {total:,}" if at is None else f"query {at:,} of {total:,} (this run: {where})"
    return f"<i>running {html.escape(shown)}, seed {seed}: {now}…</i>"


def ended_line(stopped: bool, queries: int) -> str:
    """The line beside the bar once a run ends: one line, pointing at the result under the curves (a result of 3-4
    lines here pushed the chart down as the run ended)."""
    said = f"<b>stopped</b> after {queries:,} queries" if stopped else f"<b>done</b>: {queries:,} queries"
    return f"{said}; the result is under the curves"


def result_html(summary: str, stopped: bool, queries: int, command: str = "", work: str = "") -> str:
    """The run's result as HTML: "done" or "stopped after N queries", the ``summary`` (HTML: the escaped
    :func:`search_summary` and the cost budget's part), and, for a finished run, NAO's sources ``work``
    (:func:`nao_sources`) and the ``command`` (:func:`compare_command`) that prints the same numbers, each on a
    line of its own. ``command`` "" (a run with a NAO config of its own, which the CLI cannot take): no line."""
    if stopped:
        return f"<b>stopped</b> after {queries} queries. {summary}"
    work = f"<br><small>{html.escape(work)}</small>" if work else ""
    cmd = f"<br><small>the same numbers: <code>{command_html(command)}</code></small>" if command else ""
    return f"<b>done</b> {summary}{work}{cmd}"


def result_room(names, runs: int, queries: int, report: str, columns=(), budget: str = "", nao: bool = False,
                command: str = "") -> str:
    """The room of the widest result a run of the searchers ``names`` (``runs`` seeds each, ``queries`` each) can
    show, as :func:`result_html` writes it, every number at its widest (``100.00 ± 10.00``, ``100%``): the room
    the result keeps from a run's start (drawn invisible under it: ``SearchPanel.result_room``), so the Pareto plot
    under it does not move down as the run ends (it moved 68-110 px). Each ending it can have is laid in one grid
    cell, the room the tallest of them at the page's width: the finished run, and a stop (one line, no command,
    "after query N" on the one searcher it cut short, any of them). ``budget``: the cost budget's words
    (``parameters ≤ 0.03 M``), "" for none; under one a searcher's part is its longest, the count of runs with a
    feasible incumbent; ``nao``: NAO is among them (its sources' line)."""
    most = runs * queries
    at = f" after query {queries} (the shortest run's end)" if runs > 1 else ""    # one run per searcher: none shorter

    def summary(cut=None):
        parts = [f"{n}: – ({runs} of {runs} runs with a feasible incumbent{at if n == cut else ''})" if budget
                 else _part(n, 100, 10, runs) + (at if n == cut else "") for n in names]
        text = _summary(parts, report, columns)
        if budget:
            text += f" · budget {budget} · feasible: " + " · ".join(f"{n} 100%" for n in names)
        return html.escape(text)
    work = _sources({s: most for s in ("decoder", "mutation", "random", "design")}, runs, runs) if nao else ""
    endings = [result_html(summary(), False, most, command, work)]
    endings += [result_html(summary(n), True, most) for n in names]
    return ("<div style='display:grid'>" + "".join(f"<div style='grid-area:1/1'>{e}</div>" for e in endings)
            + "</div>")


def legend_room(names, runs: int, band: str = "sd") -> list:
    """The curves' legend at its longest for a run of the searchers ``names`` over ``runs`` seeds: the title, each
    mean line and, while a seed runs on past another's end, each dashed "longer runs only" line, as
    ``LineChart.legend_room`` takes them. Kept from the run's start, the legend's rows do not change mid-run (the
    dashed lines' names wrapped it to a second row as a searcher's second seed began and back as the run ended,
    moving the Pareto plot 19 px each time)."""
    from naoviz.viz.bands import past_name, searcher_bands
    bands, title = searcher_bands({n: [np.zeros(2)] * (runs - 1) + [np.zeros(1)] for n in names}, band)
    return ([[title, "title"]] if title else []) + [[b["label"], "line"] for b in bands] + [
        [past_name(b["name"]), "dash"] for b in bands if b["past"] is not None]

"""Pure UI logic: what the explorer shows for a given state. No widgets here; tested without a browser."""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, replace
from typing import Optional, Sequence

import numpy as np

GUIDE = (
    ("encode", "Encode: the LSTM encoder turns the cell's token sequence into one unit vector, "
               "a point on the map (the star)."),
    ("predict", "Predict: a small MLP reads that vector and guesses the accuracy ({pred} predicted, "
                "{true} measured)."),
    ("gradient step", "Gradient step: move the vector a step η along the predictor's gradient, uphill in "
                      "predicted accuracy (the red path; now η = {eta})."),
    ("decode", "Decode: the attention decoder turns the moved vector back into a cell ({changes}); "
               "that new cell is what NAO evaluates next."),
)


@dataclass(frozen=True)
class ExplorerState:
    """The explorer's state: the seed arch, the step-size grid and the slider position, and a message."""

    seed: tuple
    max_eta: float = 10.0
    n_etas: int = 21
    steps: int = 1
    index: int = 0
    colour_by: str = "true"
    error: str = ""
    pool: tuple = ()
    guide_stage: int = 0

    @property
    def etas(self) -> np.ndarray:
        return etas_grid(self.max_eta, self.n_etas)


def etas_grid(max_eta: float, n: int) -> np.ndarray:
    """``n`` step sizes from 0 to ``max_eta`` (0 = the seed itself)."""
    if not (isinstance(n, (int, np.integer)) and n >= 2):
        raise ValueError(f"n_etas: need an int >= 2, got {n!r}")
    if not (math.isfinite(max_eta) and max_eta > 0):
        raise ValueError(f"max_eta: need a positive number, got {max_eta!r}")
    return np.linspace(0.0, float(max_eta), int(n))


def paste_arch(state: ExplorerState, space, text: str) -> ExplorerState:
    """The state after the user pastes ``text``: a new seed, or the same state with the parser's message."""
    try:
        arch = space.parse(text)
    except ValueError as exc:
        return replace(state, error=str(exc))
    return replace(state, seed=arch, index=0, error="")


def select_arch(state: ExplorerState, arch) -> ExplorerState:
    """A new seed (map click or dropdowns): the slider goes back to η = 0."""
    return replace(state, seed=tuple(arch), index=0, error="")


def move_slider(state: ExplorerState, index: int) -> ExplorerState:
    return replace(state, index=int(min(max(index, 0), state.n_etas - 1)))


def add_to_pool(state: ExplorerState, arch) -> ExplorerState:
    arch = tuple(arch)
    return state if arch in state.pool else replace(state, pool=state.pool + (arch,))


def edge_options(space) -> list[tuple[str, list[tuple[str, int]]]]:
    """Per-edge dropdowns for spaces whose arch is one op per edge (NB201): (label, [(op, index)])."""
    if space.name != "nb201":
        return []
    from naoviz.spaces.nb201 import EDGES
    return [(f"{s}→{t}", [(op, i) for i, op in enumerate(space.ops)]) for s, t in EDGES]


def position(path_view, index: int) -> dict:
    """What the slider at ``index`` shows: eta, decoded arch, predictions, true value, changes vs seed."""
    r = path_view.result
    i = int(min(max(index, 0), len(r.etas) - 1))
    true = float(r.true[i]) if r.true is not None else float("nan")
    return {"index": i, "eta": float(r.etas[i]), "decoded": r.decoded[i], "decoded_str": path_view.decoded[i],
            "predicted": float(r.predicted[i]), "decoded_predicted": float(r.decoded_predicted[i]),
            "true": true, "hamming": int(r.hamming[i]),
            "changed": i > 0 and path_view.decoded[i] != path_view.decoded[i - 1]}


def fmt(x: float, unit: str = "%") -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.2f}{unit}"


def info_html(seed_info: dict, pos: Optional[dict], metric: str) -> str:
    """The text panel: seed and decoded arch with predicted / true metric."""
    rows = [f"<b>seed</b> <code>{html.escape(seed_info['arch'])}</code><br>"
            f"predicted {metric} {fmt(seed_info['predicted'])} · true {fmt(seed_info['true'])}"]
    if pos is not None:
        rows.append(f"<b>η = {pos['eta']:.2f}</b> → decoded <code>{html.escape(pos['decoded_str'])}</code><br>"
                    f"predicted at moved point {fmt(pos['predicted'])} · predicted for decoded "
                    f"{fmt(pos['decoded_predicted'])} · true {fmt(pos['true'])} · "
                    f"{pos['hamming']} edge(s) differ from the seed")
    return "<div class='naoviz-info' style='overflow-wrap:anywhere;line-height:1.4'>" + "<br>".join(rows) + "</div>"


def error_html(message: str) -> str:
    return f"<span class='naoviz-error' style='color:#c62828'>⚠ {html.escape(message)}</span>" if message else ""


def guide_text(stage: int, seed_info: dict, pos: Optional[dict]) -> str:
    """One sentence for a guided-mode stage (0 encode, 1 predict, 2 gradient step, 3 decode)."""
    stage = int(stage) % len(GUIDE)
    eta = f"{pos['eta']:.2f}" if pos else "0"
    changes = ("the same cell" if not pos or pos["hamming"] == 0
               else f"{pos['hamming']} edge(s) differ from the seed")
    title, text = GUIDE[stage]
    body = text.format(pred=fmt(seed_info.get("predicted")), true=fmt(seed_info.get("true")), eta=eta,
                       changes=changes)
    return f"<b>Step {stage + 1}/4 · {title}.</b> {html.escape(body)}"


def pool_html(space, pool: Sequence[tuple]) -> str:
    if not pool:
        return "<i>pool empty: add decoded architectures with the button</i>"
    items = "".join(f"<li><code>{html.escape(space.format(a))}</code></li>" for a in pool)
    return f"<b>pool ({len(pool)})</b><ol>{items}</ol>"

"""Small helpers the panels share: an error line, a checked whole number and its message, a slider with a checked
box, a menu as wide as its choice, a worker thread.

No panel draws with plotly (the curves are :class:`naoviz.ui.line_chart.LineChart`), so a dashboard visit
loads no plotly front end and its kernel imports no plotly; figures for export are made on demand.
"""
from __future__ import annotations

import html
import logging
import re
import threading
from typing import Callable, Optional

import ipywidgets as W

from naoviz.column_names import readable

log = logging.getLogger("naoviz.ui")


def error_html(message: str) -> str:
    """One red line for the page (escaped), or "" for no message."""
    return f"<span class='naoviz-error' style='color:#c62828'>⚠ {html.escape(message)}</span>" if message else ""


def command_html(cmd: str) -> str:
    """``cmd`` as HTML whose line wraps only between options: each option with its value is one nowrap span
    (a wrap inside ``--first-seed`` left "--" at a line end); the text copied is ``cmd`` itself, plain hyphens."""
    tokens = re.findall(r"(?:[^\s\"']+|\"[^\"]*\"|'[^']*')+", cmd)
    units: list[str] = []
    for tok in tokens:
        if units and units[-1].startswith("-") and " " not in units[-1] and not tok.startswith("-"):
            units[-1] += " " + tok                        # an option and its value stay on one line
        else:
            units.append(tok)
    return " ".join(f'<span style="white-space:nowrap">{html.escape(u)}</span>' for u in units)


def named(column: str, columns=()) -> str:
    """A table column in running HTML: its words and, where they differ, its id in code ("validation accuracy
    (<code>valid_acc</code>)"); escaped, a user's column as written. ``columns``: the table's (NB201's two
    CIFAR-10 runs told apart, :func:`naoviz.column_names.readable`)."""
    shown = readable(column, columns)
    return html.escape(shown) + ("" if shown == str(column) else f" (<code>{html.escape(str(column))}</code>)")


def fit_choice(menu: W.Dropdown, label_px: int, least_px: int) -> W.Dropdown:
    """Keep ``menu`` as wide as its chosen label (plus ``label_px`` for its description and arrow), at least
    ``least_px``: a fixed width cut long choices ("CIFAR-10 parameters (cifar10_par" of NB201's Pareto axis)."""
    def fit(_=None) -> None:
        menu.layout.width = f"max({least_px}px, calc({len(menu.label or '')}ch + {label_px}px))"
    menu.layout.max_width = "100%"
    menu.observe(fit, names="label")
    fit()
    return menu


def status_line(value: str = "") -> W.HTML:
    """A panel's message line (progress, results, refusals), marked ``naoviz-live``: naoviz's Voila template
    makes it a polite live region, so a screen reader says each new line (a refused budget, "done ...")."""
    line = W.HTML(value)
    line.add_class("naoviz-live")
    return line


def whole_number(field: str, text, lo: int, hi: int, step: int = 1) -> int:
    """The whole number typed in a panel's box ``field``, or a ValueError of one line naming the field and the
    value as typed. A browser's number box drops what it cannot take (``2.5`` arrived as 25, ``1e3`` as 13,
    and seed 13 ran): the boxes are text, and what is refused is said, never rewritten. ``step``: the value
    must also be a multiple of it (a slider's step)."""
    typed = str(text).strip()
    shown = repr(str(text)[:40])
    if not typed.isascii() or not typed.lstrip("+").isdigit() or typed.count("+") > 1:
        raise ValueError(f"{field}: {shown} is not a whole number (expected {lo}..{hi}); nothing ran")
    value = int(typed)
    if not lo <= value <= hi:
        raise ValueError(f"{field}: {shown} is out of range (expected {lo}..{hi}); nothing ran")
    if value % step:
        raise ValueError(f"{field}: {shown} is not a multiple of {step} (expected {lo}..{hi}); nothing ran")
    return value


def say_check(msg, check: Callable[[], object], busy: bool) -> bool:
    """Run a panel's input ``check``: on its ValueError show the one line in the HTML widget ``msg`` (not while
    ``busy``: the line shows a run then) and return False; once it passes, clear a refusal it left ("nothing
    ran") and return True."""
    try:
        check()
    except ValueError as exc:
        if not busy:
            msg.value = error_html(str(exc))
        return False
    if "naoviz-error" in msg.value and "nothing ran" in msg.value:
        msg.value = ""
    return True


class SliderBox:
    """An ``IntSlider`` without ipywidgets' editable readout (it parses with ``parseInt`` and clamps: ``2.5``
    gave 10, ``9999`` the maximum, and that ran) and a text box beside it, checked by :func:`whole_number`.

    Dragging the slider writes its value into the box; a typed whole number in range and on the step moves
    the slider; anything else leaves the slider where it is, and :meth:`checked` raises the one line the panel
    shows (the panel observes ``box`` to say it at once, and checks again before it runs). A value set from
    Python must be on the step too: the slider's front end snaps it (a budget of 15 showed, and ran, 20), so it
    is refused when the box is built and when a run checks it. ``css_class`` names the box for the page
    (``naoviz-budget``)."""

    def __init__(self, field: str, value: int, lo: int, hi: int, step: int = 1, css_class: Optional[str] = None,
                 width: str = "64px"):
        if lo % step:
            raise ValueError(f"{field}: the minimum {lo} is not a multiple of the step {step}")
        if not lo <= value <= hi:                      # the slider would clamp it silently
            raise ValueError(f"{field}: {value!r} is out of range (expected {lo}..{hi})")
        if value % step:                               # ... and its front end would snap it to the step
            raise ValueError(f"{field}: {value!r} is not a multiple of {step} (expected {lo}..{hi})")
        self.field, self.lo, self.hi, self.step = field, lo, hi, step
        self.slider = W.IntSlider(value=value, min=lo, max=hi, step=step, description=field, readout=False)
        # the box's name for a screen reader ("queries (typed)"): a description whose label takes no width (naoviz's
        # Voila template also drops its margin: .naoviz-named-box)
        self.box = W.Text(value=str(value), description=f"{field} (typed)", style={"description_width": "0px"},
                          layout=W.Layout(width=width), continuous_update=False)
        self.box.add_class("naoviz-named-box")
        if css_class:
            self.box.add_class(css_class)
        self.slider.observe(lambda ch: setattr(self.box, "value", str(ch["new"])), names="value")
        self.box.observe(lambda _: self._typed(), names="value")
        self.widget = W.HBox([self.slider, self.box], layout=W.Layout(align_items="center"))

    def checked(self) -> int:
        """The value a run uses: the box's text checked (the slider writes its value there, and a typed valid
        value has already moved the slider); ValueError of one line naming the control and the text as typed."""
        return whole_number(self.field, self.box.value, self.lo, self.hi, self.step)

    def _typed(self) -> None:
        try:
            value = self.checked()
        except ValueError:
            return                                     # the slider keeps its value; the panel says why
        self.slider.value = value
        self.box.value = str(value)                    # " +20 " is shown as 20


def in_thread(target: Callable[[], None], on_error: Callable[[Exception], None]) -> threading.Thread:
    """Run ``target`` in a daemon thread (a panel's work; the page stays responsive); an exception goes to
    ``on_error`` (shown in the panel) and the log, never to the console as a traceback."""
    def run():
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - shown in the panel
            log.warning("naoviz panel: %s: %s", type(exc).__name__, exc)
            on_error(exc)
    t = threading.Thread(target=run, daemon=True, name="naoviz-panel")
    t.start()
    return t

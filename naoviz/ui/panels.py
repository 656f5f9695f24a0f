"""Child panel (train a cell on digits, live); the Search panel lives in :mod:`naoviz.ui.search_panel`. Work runs in a background thread so the page stays responsive; the pure helpers at the top
decide what the curve and the result line show and are tested without a browser. The curve is a
:class:`~naoviz.ui.line_chart.LineChart` (no plotly); :func:`naoviz.viz.curves.child_curve` draws the same
numbers as a publication figure."""
from __future__ import annotations

import html
import threading
from typing import Callable, Optional, Sequence

import ipywidgets as W

from naoviz.ui.common import SliderBox, error_html, in_thread, say_check, status_line
from naoviz.ui.line_chart import LineChart, line
from naoviz.ui.tips import Tips
from naoviz.viz.theme import CHILD_COLORS, CHILD_LABELS

MAX_EPOCHS = 30          # the epochs slider's range is 1..MAX_EPOCHS


# -- pure helpers ------------------------------------------------------------------------------------
def child_lines(history: Sequence[dict]) -> list:
    """The Child tab's chart: train and valid accuracy per epoch (a missing value is a gap)."""
    x = list(range(1, len(history) + 1))
    nan = float("nan")
    return [line(CHILD_LABELS[key], x, [nan if h.get(key) is None else h[key] for h in history], color)
            for key, color in CHILD_COLORS.items()]


# -- child training ----------------------------------------------------------------------------------
def child_summary(arch_text: str, result) -> str:
    """The Child tab's result line: the trained cell's string, its test accuracy, epochs, size and time."""
    return (f"<code>{html.escape(arch_text)}</code>: test accuracy <b>{result.test_acc:.1f}%</b> after "
            f"{result.epochs} epoch{'' if result.epochs == 1 else 's'}, {result.params:,} parameters, {result.wall_time_s:.1f} s")


class ChildPanel:
    """Train the explorer's current decoded cell (or any arch) with a named recipe of
    :mod:`naoviz.child.presets` (default ``digits-quick``: C=8, N=1, 4 epochs on digits) and a live curve;
    the training itself is :func:`naoviz.child.train_preset`, the recipe ``naoviz train-child --preset`` uses."""

    def __init__(self, space, get_arch: Callable[[], tuple], epochs: Optional[int] = None,
                 preset: str = "digits-quick"):
        from naoviz.child import get_preset      # imported here, not first in the worker thread
        self.preset = get_preset(preset)
        epochs = self.preset.epochs if epochs is None else epochs
        self.space, self.get_arch = space, get_arch
        # the slider has a checked box, not ipywidgets' readout (which rewrites: 2.5 -> 2, 99 -> 30)
        self.epochs_input = SliderBox("epochs", epochs, 1, MAX_EPOCHS, css_class="naoviz-epochs")
        self.epochs = self.epochs_input.slider
        self.epochs.tooltip = self.epochs_input.box.tooltip = "training epochs: passes over the training images (1..30)"
        self.epochs_input.box.observe(lambda _: self._check_epochs(), names="value")
        self.train_btn = W.Button(description=f"train decoded cell on {self.preset.data}", button_style="primary",
                                  layout=W.Layout(width="240px"))
        self.progress = W.IntProgress(value=0, min=0, max=epochs, description="trained")
        self.msg = status_line()
        self.next_cell = W.HTML()
        p = self.preset                            # in words: "C=8, N=1, lr 0.05" meant nothing to a student
        cells = f"{p.cells} cell{'s' if p.cells != 1 else ''}"
        tip = (f"naoviz train-child --preset {p.name}: the network's first stage has {p.channels} channels (C) and "
               f"{cells} (N) per stage; {p.batch_size} images per gradient step; learning rate {p.lr:g}")
        # its own line under the controls, at the text's line height: beside the button it wrapped at 1024 px
        # ("rate 0.05" alone on a second line, 28 px below, the widget's line height)
        self.recipe = W.HTML(f"<div class='naoviz-recipe' style='line-height:1.4'><small title='{html.escape(tip, quote=True)}'>"
                             f"recipe <code>{html.escape(p.name)}</code>: {p.channels} channels, {cells} per stage, "
                             f"batch {p.batch_size}, learning rate {p.lr:g}</small></div>")
        self.curve = LineChart(series=child_lines([]), x_title="epoch", x_integer=True, y_title="accuracy (%)", y_unit="%")
        self.curve_box = W.VBox([self.curve], layout=W.Layout(width="100%"))
        self.train_btn.on_click(lambda _: self.start())
        self.thread: Optional[threading.Thread] = None
        self.result = None
        self.tips = Tips([self.epochs, self.epochs_input.box])     # on the label and the control (naoviz.ui.tips)
        self.widget = W.VBox([W.HBox([self.epochs_input.widget, self.train_btn], layout=W.Layout(align_items="center")),
                              self.recipe, self.next_cell,
                              # wraps as the Search tab's: a long result line goes below the bar, which kept
                              # its width (at 1024 px it squeezed the bar to half)
                              W.HBox([self.progress, self.msg], layout=W.Layout(flex_flow="row wrap")),
                              self.curve_box, self.tips])

    def show_next(self) -> None:
        """Name the cell a press would train now: the explorer's decoded cell, which changes with its seed
        and eta (the dashboard calls this whenever the tab is opened)."""
        try:
            text = self.space.format(self.get_arch())
        except Exception as exc:  # noqa: BLE001 - shown in the tab
            self.next_cell.value = error_html(f"no decoded cell to train: {exc}")
            return
        self.next_cell.value = (f"<small>a press trains <code>{html.escape(text)}</code>, the explorer's decoded "
                                "cell</small>")

    def _check_epochs(self) -> bool:
        """Say at once (and again on a press) what the epochs box holds that is not an epoch count; clear that
        line once it is right. True when it is."""
        return say_check(self.msg, self.epochs_input.checked, busy=self.train_btn.disabled)

    def start(self, wait: bool = False) -> None:
        if self.thread is not None and self.thread.is_alive():
            return
        if not self._check_epochs():
            return
        epochs = self.epochs_input.checked()
        self.train_btn.disabled = True
        self.thread = in_thread(lambda: self._run(epochs), self._failed)
        if wait:
            self.thread.join()

    def _failed(self, exc: Exception) -> None:
        self.msg.value = error_html(f"{type(exc).__name__}: {exc}")
        self.train_btn.disabled = False

    def _run(self, epochs: int) -> None:
        from naoviz.child import train_preset

        arch = self.get_arch()
        text = self.space.format(arch)
        self.progress.max, self.progress.value = epochs, 0
        self.msg.value = f"<i>training <code>{html.escape(text)}</code>…</i>"
        history: list = []

        def cb(epoch, logs):
            history.append(logs)
            self.progress.value = epoch + 1
            self.curve.series = child_lines(history)

        self.result = train_preset(self.space, arch, self.preset, callback=cb, epochs=epochs)
        self.msg.value = child_summary(text, self.result)
        self.train_btn.disabled = False

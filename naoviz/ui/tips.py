"""Tooltips on labelled ipywidgets controls, where the user hovers: the label and the control.

ipywidgets 8 (8.1.9 here) shows a Text's, Dropdown's or Select's ``tooltip`` only on a control without a
``description``: their views' ``updateTooltip`` sets the control's ``title`` when the description is empty and
never the label's (jupyter-widgets/ipywidgets#3964, open), so a labelled box or menu showed no tip at all; a
slider's goes on its label only. :class:`Tips` mirrors the ``tooltip`` of the widgets given into the page: each
gets a class of its own, and the module (``static/tips.js``) writes the tip as the ``title`` of that widget's
element, its label and its control, for views rendered later too; a changed ``tooltip`` follows.
"""
from __future__ import annotations

from typing import Iterable

import anywidget
import ipywidgets as W
import traitlets as t

from naoviz.ui.query_table import STATIC


class Tips(anywidget.AnyWidget):
    """``tips``: ``{css class: text}``, one per widget covered (:meth:`cover`). Put it in the panel's box: it
    draws nothing (``display: none``), its module runs in the page."""

    _esm = t.Unicode((STATIC / "tips.js").read_text(encoding="utf-8")).tag(sync=True)
    tips = t.Dict(value_trait=t.Unicode()).tag(sync=True)

    def __init__(self, widgets: Iterable[W.DOMWidget] = ()):
        super().__init__(layout=W.Layout(display="none"))
        self.cover(widgets)

    def cover(self, widgets: Iterable[W.DOMWidget]) -> None:
        """Show each widget's ``tooltip`` on its label and control, now and whenever it changes."""
        for widget in widgets:
            name = f"naoviz-tip-{widget.model_id}"
            widget.add_class(name)
            self._set(name, widget.tooltip)
            widget.observe(lambda change, name=name: self._set(name, change["new"]), names="tooltip")

    def _set(self, name: str, text) -> None:
        """Set the tip of the widget with class ``name`` to ``text``; an empty one drops it (the page then removes
        the titles it wrote)."""
        tips = dict(self.tips)
        if text:
            tips[name] = str(text)
        else:
            tips.pop(name, None)
        self.tips = tips

"""Widgets over the backend; what to show lives in pure functions.

Names load on first use (PEP 562), so ``import naoviz.ui.explorer_widget`` (the anywidget explorer) does not
pull in the panels: a student's kernel stays small (no panel imports plotly).
"""
from importlib import import_module

_LAZY = {
    "Dashboard": "naoviz.ui.dashboard", "ChildPanel": "naoviz.ui.panels", "SearchPanel": "naoviz.ui.search_panel",
    "ExplorerWidget": "naoviz.ui.explorer_widget", "write_page": "naoviz.explorer_page",
}
__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'naoviz.ui' has no attribute {name!r}")

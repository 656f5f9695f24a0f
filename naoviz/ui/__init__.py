"""Widgets (ipywidgets + plotly FigureWidget) over the backend; what to show lives in pure functions."""
from naoviz.ui.explorer import Explorer  # noqa: F401
from naoviz.ui.session import Session  # noqa: F401
from naoviz.ui.state import ExplorerState  # noqa: F401
from naoviz.ui.dashboard import Dashboard  # noqa: F401
from naoviz.ui.panels import ChildPanel, SearchPanel  # noqa: F401

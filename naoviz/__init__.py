"""naoviz: see and use Neural Architecture Optimization (Luo et al., NeurIPS 2018).

The backend (everything but the UI layer ``naoviz.ui`` and ``naoviz.viz``; the CLI included) imports no widget
or plotting library and nothing of the UI layer; commands run UI programs (Voila, compare's figures) as processes.
"""
__version__ = "0.1.0"

from naoviz.errors import DataMissingError, NaovizError

__all__ = ["DataMissingError", "NaovizError", "get_space", "__version__"]


def __getattr__(name):
    """``naoviz.get_space``, imported on first use: importing the package stays free of numpy, so the ``naoviz``
    command reaches its Ctrl-C handler (``naoviz.cli.interrupts``) before any heavy import starts."""
    if name == "get_space":
        from naoviz.spaces import get_space
        return get_space
    raise AttributeError(f"module 'naoviz' has no attribute {name!r}")

"""naoviz: see and use Neural Architecture Optimization (Luo et al., NeurIPS 2018).

The backend (everything but the UI layer ``naoviz.ui`` and ``naoviz.viz``; the CLI included) imports no widget
or plotting library and nothing of the UI layer; commands run UI programs (Voila, compare's figures) as processes.
"""
__version__ = "0.1.0"

from naoviz.errors import DataMissingError, NaovizError  # noqa: F401
from naoviz.spaces import get_space  # noqa: F401

"""naoviz: see and use Neural Architecture Optimization (Luo et al., NeurIPS 2018).

The backend (everything but ``naoviz.ui`` and ``naoviz.viz``) imports no widget or plotting library.
"""
__version__ = "0.1.0"

from naoviz.errors import DataMissingError, NaovizError  # noqa: F401
from naoviz.spaces import get_space  # noqa: F401

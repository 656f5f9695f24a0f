"""naoviz: see and use Neural Architecture Optimization (Luo et al., NeurIPS 2018).

The backend (everything but the front ends ``naoviz.ui``, ``naoviz.viz`` and ``naoviz.cli``) imports no widget
or plotting library and no front end; the CLI loads plotly only inside the function that writes a figure.
"""
__version__ = "0.1.0"

from naoviz.errors import DataMissingError, NaovizError  # noqa: F401
from naoviz.spaces import get_space  # noqa: F401

"""``python -m naoviz ...`` is the ``naoviz`` command (as ``python -m naoviz.cli`` is)."""
import sys

from naoviz.cli import main

sys.exit(main())

"""Helpers shared by the command modules."""
from __future__ import annotations

import sys
from typing import Any

from naoviz.jsonio import dumps_strict


def emit_json(payload: Any) -> None:
    """Print ``payload`` as indented, strict JSON on stdout (the ``--json`` flag of every command):
    NaN and infinities are written as ``null``."""
    sys.stdout.write(dumps_strict(payload, indent=2, default=str) + "\n")

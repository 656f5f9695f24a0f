"""Helpers shared by the command modules."""
from __future__ import annotations

import json
import sys
from typing import Any


def emit_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON on stdout (the ``--json`` flag of every command)."""
    json.dump(payload, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")

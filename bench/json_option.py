"""The JSON-object option the constrained benches share (bench/constrained.py ``--nao-config``,
bench/constrained_sources.py ``--config``): parsed at the edge, a bad value refused in one argparse line.
"""
from __future__ import annotations

import argparse
import json
from typing import Optional


def json_object(ap: argparse.ArgumentParser, option: str, text: Optional[str]) -> Optional[dict]:
    """``text`` (the value of ``option``) as a dict, None when not given; anything else exits via ``ap.error``."""
    try:
        value = json.loads(text) if text else None
    except json.JSONDecodeError as exc:
        ap.error(f"{option}: not a JSON object ({exc.msg})")
    if value is not None and not isinstance(value, dict):
        ap.error(f"{option}: not a JSON object: {text}")
    return value

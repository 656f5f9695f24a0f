"""The environment settings of PNG/SVG/PDF export, ``$NAOVIZ_EXPORT_TIMEOUT`` and ``$NAOVIZ_CHROMIUM``, read and
checked here in the backend: a command that exports (``naoviz compare --out``, ``naoviz dashboard``) refuses a bad
one in one line naming it before any work (:func:`check`), and the exporters (``naoviz.viz``) read them through the
same functions. A browser that is not installed at all is not a bad setting: the export says what to install."""
from __future__ import annotations

import math
import os
import shutil
from typing import Optional

from naoviz.errors import NaovizError, cut

TIMEOUT_ENV = "NAOVIZ_EXPORT_TIMEOUT"
BROWSER_ENV = "NAOVIZ_CHROMIUM"
START_S = 60          # $NAOVIZ_EXPORT_TIMEOUT's default: to start, and for each next figure (one takes 0.2-3 s)
MAX_S = 3600
OFF = "none"          # NAOVIZ_CHROMIUM=none: no PNG/SVG/PDF (HTML only), as on a machine without a browser


def timeout_s() -> float:
    """Seconds an export waits for the browser to start, and for each next figure: ``$NAOVIZ_EXPORT_TIMEOUT``
    (a number in (0, 3600]) or :data:`START_S`; a bad value is a NaovizError naming it."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return float(START_S)
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= MAX_S):
        raise NaovizError(f"export: {TIMEOUT_ENV}: expected seconds, a number in (0, {MAX_S}], got {cut(raw)!r}")
    return value


def browser_setting() -> Optional[str]:
    """``$NAOVIZ_CHROMIUM``: None when unset or empty (naoviz looks for a browser itself), :data:`OFF` when it is
    ``none``, else the absolute path of the executable file it names (a name without a ``/`` is looked up on
    PATH); a NaovizError naming it when it names no executable file (a wrong setting is not "none installed")."""
    raw = os.environ.get(BROWSER_ENV, "")
    if not raw.strip():
        return None
    if raw.strip().lower() == OFF:
        return OFF
    path = shutil.which(raw) if os.sep not in raw else raw
    if path and os.path.isfile(path) and os.access(path, os.X_OK):
        return os.path.abspath(path)
    shown = cut(raw) if len(raw) <= 60 else "..." + cut(raw[-57:])      # a long path: its end, the file's name
    raise NaovizError(f"export: {BROWSER_ENV}={shown}: not an executable file; name Chrome or Chromium, "
                      f"{OFF} (no PNG/SVG/PDF), or unset it")


def check() -> None:
    """Both settings, at a command's start: a NaovizError naming the first bad one (nothing is started)."""
    timeout_s()
    browser_setting()

"""Files that ship inside the package (read with ``importlib.resources``, so a pip-installed naoviz finds
them as a source checkout does): the NB201 ``arch_index`` order, naoviz's own digits table and the
dashboard notebook, and the shipped digits model and atlas. ``data/`` and ``notebooks/`` in the source tree link here."""
from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

NB201_ORDER = "nb201_order.npy"
DIGITS_TABLE = "nb201_digits.csv"
DASHBOARD_NOTEBOOK = "dashboard.ipynb"
SHIPPED = "shipped"     # read-only fitted models (<model_key>/) and atlases (<name>.json/.safetensors)


def resource_path(name: str) -> Path:
    """A real filesystem path to the shipped file ``name`` (copied to the cache if the package is zipped)."""
    ref = resources.files(__name__) / name
    if isinstance(ref, Path):
        return ref
    from naoviz.paths import cache_dir
    target = cache_dir() / "resources" / name
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        with resources.as_file(ref) as src:
            shutil.copyfile(src, target)
    return target


def shipped_dir() -> Path | None:
    """The folder of shipped models and atlases (``bench/ship_digits.py`` writes it); None when the package
    is not installed as plain files (a zip) or NAOVIZ_SHIPPED_OFF is set (regenerating them): then every
    model is trained and cached as usual."""
    if os.environ.get("NAOVIZ_SHIPPED_OFF"):
        return None
    ref = resources.files(__name__) / SHIPPED
    return ref if isinstance(ref, Path) and ref.is_dir() else None

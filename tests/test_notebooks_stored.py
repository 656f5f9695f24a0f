"""The notebooks are stored without outputs (docs/ui.md, "The notebooks"): `make test` executes them (nbmake), so what
they show is checked on every run rather than stored, and nothing stale or machine-specific is committed. A
notebook saved with its outputs (plotly's JSON, which GitHub and nbviewer cannot draw without JavaScript, or a
PNG of one machine's run) fails here."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_notebooks_are_stored_without_outputs():
    books = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "naoviz" / "resources").glob("*.ipynb"))
    assert len(books) >= 7, books
    kept = [f"{b.relative_to(ROOT)} cell {i}" for b in books
            for i, cell in enumerate(json.loads(b.read_text())["cells"])
            if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not kept, "notebooks saved with outputs (clear them: Jupyter's Clear All Outputs, then save):\n" + "\n".join(kept)

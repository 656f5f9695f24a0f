"""The backend (naoviz.* except naoviz.ui and naoviz.viz) never imports a widget or plotting library, nor
the UI layer: it must run in scripts, CI, on a GPU box or a Dask worker. The CLI is a front end that may
draw figures, but only lazily (inside the function that writes them)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "naoviz"
UI_LAYER = ("naoviz.ui", "naoviz.viz")
FORBIDDEN = UI_LAYER + ("plotly", "ipywidgets", "anywidget", "IPython", "kaleido")


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")


def _imports(tree: ast.AST):
    """(imported module, top level?) for every import statement in ``tree``."""
    top = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module, id(node) in top


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


def test_no_backend_module_imports_the_ui_layer_or_a_plotting_library():
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module(path)
        if module.startswith(UI_LAYER):
            continue
        cli = module.startswith("naoviz.cli")
        for name, top in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if _forbidden(name) and (top or not cli):
                offences.append(f"{module} imports {name}")
    assert offences == []


def test_importing_the_backend_loads_no_plotting_or_widget_module():
    code = ("import sys, naoviz.nao, naoviz.search, naoviz.experiments.search, naoviz.experiments.predictor, "
            "naoviz.tables, naoviz.evaluate, naoviz.store, naoviz.projection, naoviz.child, naoviz.cli\n"
            "from naoviz.cli import build_parser; build_parser()\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {{'plotly', 'ipywidgets', 'anywidget', 'IPython'}}"
            " or m.startswith(('naoviz.ui', 'naoviz.viz'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_check_catches_an_offence(tmp_path):
    tree = ast.parse("import numpy\ndef f():\n    from naoviz.viz import export\n")
    found = [(n, top) for n, top in _imports(tree) if _forbidden(n)]
    assert found == [("naoviz.viz", False)]

"""The layers, checked on the source (every import statement, top level or inside a function) and at run time.

The backend (naoviz.* except the UI layer naoviz.ui and naoviz.viz; the CLI included) imports no widget or
plotting library and nothing of the UI layer, not even lazily: it must run in scripts, CI, on a GPU box or a
Dask worker. Where a command needs a UI program (the dashboard's Voila, compare's figures) it runs it as a
process.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Iterator, Optional

PACKAGE = Path(__file__).resolve().parent.parent / "naoviz"
UI_LAYER = ("naoviz.ui", "naoviz.viz")
BACKEND_FORBIDDEN = UI_LAYER + ("ipywidgets", "anywidget", "IPython", "plotly", "kaleido")


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")


def _imports(tree: ast.AST, package: str) -> Iterator[tuple[str, Optional[str]]]:
    """(imported module, name of the enclosing function or None) for every import in ``tree``; ``from a
    import b`` yields both ``a`` and ``a.b`` (b may be a module); relative imports are resolved against
    ``package`` (the one holding the file). None: it runs on import (top level, in a class, in a try)."""
    def visit(node: ast.AST, function: Optional[str]):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, function
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")
                    parent = parts[:len(parts) - child.level + 1]
                    base = ".".join(parent + ([base] if base else []))
                if base:
                    yield base, function
                for alias in child.names:
                    yield f"{base}.{alias.name}" if base else alias.name, function
            functions = (ast.FunctionDef, ast.AsyncFunctionDef)
            yield from visit(child, child.name if isinstance(child, functions) else function)
    yield from visit(tree, None)


def _within(name: str, roots: tuple) -> bool:
    return any(name == r or name.startswith(r + ".") for r in roots)


def backend_offences(module: str, tree: ast.AST, package: str) -> list[str]:
    return [f"{module} imports {name}" for name, _ in _imports(tree, package) if _within(name, BACKEND_FORBIDDEN)]


def _sources(*roots: str):
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module(path)
        if roots == () and not _within(module, UI_LAYER) or roots and _within(module, roots):
            package = module if path.name == "__init__.py" else module.rpartition(".")[0]
            yield module, ast.parse(path.read_text(encoding="utf-8")), package


def test_no_backend_module_imports_the_ui_layer_or_a_widget_or_plotting_library():
    modules = list(_sources())
    assert len(modules) > 50 and {"naoviz.explorer_page", "naoviz.cli.search"} <= {m for m, _, _ in modules}
    assert [o for m, tree, package in modules for o in backend_offences(m, tree, package)] == []


def test_importing_the_backend_and_building_the_cli_loads_no_plotting_or_widget_module():
    code = ("import sys, naoviz.nao, naoviz.search, naoviz.experiments.search, naoviz.experiments.predictor, "
            "naoviz.tables, naoviz.evaluate, naoviz.store, naoviz.projection, naoviz.child, naoviz.cli, "
            "naoviz.atlas, naoviz.atlas_payload, naoviz.explorer_page\n"
            "from naoviz.cli import build_parser; build_parser()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'plotly', 'kaleido', 'ipywidgets', 'anywidget', 'traitlets', 'IPython'}"
            " or m.startswith(('naoviz.ui', 'naoviz.viz'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_checks_catch_offences():
    source = ("import numpy\n"
              "try:\n    import plotly.graph_objects\nexcept ImportError:\n    pass\n"
              "def write_figure(fig):\n    from naoviz import viz\n"
              "class Command:\n    def run(self):\n        from ..ui.page import write_page\n"
              "def headless():\n    import kaleido\n")
    tree = ast.parse(source)
    assert list(_imports(tree, "naoviz.cli")) == [
        ("numpy", None), ("plotly.graph_objects", None), ("naoviz", "write_figure"),
        ("naoviz.viz", "write_figure"), ("naoviz.ui.page", "run"), ("naoviz.ui.page.write_page", "run"),
        ("kaleido", "headless")]
    assert backend_offences("naoviz.search.x", tree, "naoviz.search") == [
        "naoviz.search.x imports plotly.graph_objects", "naoviz.search.x imports naoviz.viz",
        "naoviz.search.x imports naoviz.ui.page", "naoviz.search.x imports naoviz.ui.page.write_page",
        "naoviz.search.x imports kaleido"]


def test_python_dash_m_naoviz_is_the_command():
    # `python -m naoviz` said "'naoviz' is a package and cannot be directly executed"
    out = subprocess.run([sys.executable, "-m", "naoviz", "--version"], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert out.returncode == 0 and out.stdout.startswith("naoviz "), out.stderr

"""The layers, checked on the source (every import statement, top level or inside a function) and at run time.

- The backend (naoviz.* except the front ends naoviz.ui, naoviz.viz and naoviz.cli) imports no widget or
  plotting library and no front end, not even lazily: it must run in scripts, CI, on a GPU box or a Dask worker.
- The CLI is a front end without widgets: it never imports naoviz.ui (nor ipywidgets, anywidget, IPython),
  and it draws figures (naoviz.viz, plotly, kaleido) only inside a function that writes one (its name says
  "figure"), so a headless command never loads plotly.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Iterator, Optional

PACKAGE = Path(__file__).resolve().parent.parent / "naoviz"
FRONT_ENDS = ("naoviz.ui", "naoviz.viz", "naoviz.cli")
WIDGETS = ("naoviz.ui", "ipywidgets", "anywidget", "IPython")
PLOTTING = ("naoviz.viz", "plotly", "kaleido")
BACKEND_FORBIDDEN = ("naoviz.cli",) + WIDGETS + PLOTTING


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


def cli_offences(module: str, tree: ast.AST, package: str) -> list[str]:
    out = []
    for name, function in _imports(tree, package):
        if _within(name, WIDGETS):
            out.append(f"{module} imports {name}")
        elif _within(name, PLOTTING) and "figure" not in (function or ""):
            out.append(f"{module} imports {name} outside a figure writer ({function or 'at import time'})")
    return out


def _sources(*roots: str):
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module(path)
        if roots == () and not _within(module, FRONT_ENDS) or roots and _within(module, roots):
            package = module if path.name == "__init__.py" else module.rpartition(".")[0]
            yield module, ast.parse(path.read_text(encoding="utf-8")), package


def test_no_backend_module_imports_a_front_end_or_a_widget_or_plotting_library():
    modules = list(_sources())
    assert len(modules) > 50 and any(m == "naoviz.explorer_page" for m, _, _ in modules)
    assert [o for m, tree, package in modules for o in backend_offences(m, tree, package)] == []


def test_the_cli_imports_no_widget_and_draws_only_inside_a_figure_writer():
    modules = list(_sources("naoviz.cli"))
    assert len(modules) > 5
    assert [o for m, tree, package in modules for o in cli_offences(m, tree, package)] == []


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
    assert cli_offences("naoviz.cli.x", tree, "naoviz.cli") == [
        "naoviz.cli.x imports plotly.graph_objects outside a figure writer (at import time)",
        "naoviz.cli.x imports naoviz.ui.page", "naoviz.cli.x imports naoviz.ui.page.write_page",
        "naoviz.cli.x imports kaleido outside a figure writer (headless)"]

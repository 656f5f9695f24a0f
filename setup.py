"""Build step (the rest of the metadata is pyproject.toml's): the wheel gets the user docs, docs/*.md, as
naoviz/resources/docs/, so `naoviz docs` finds the pages the help texts name after `pip install naoviz-*.whl`.
git keeps one copy, docs/ at the top (package-data cannot take files outside the package); MANIFEST.in puts
docs/*.md in the sdist, so a wheel built from the sdist has them too. An editable install reads docs/ itself."""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DOCS = Path(__file__).resolve().parent / "docs"
TARGET = ("naoviz", "resources", "docs")


class BuildPyWithDocs(build_py):
    """build_py, then docs/*.md copied into the built package (not in editable mode: that one reads docs/)."""

    def _pages(self) -> list[tuple[Path, Path]]:
        if getattr(self, "editable_mode", False):
            return []
        pages = sorted(DOCS.glob("*.md"))
        if not pages:
            raise SystemExit(f"setup.py: no docs/*.md in {DOCS}: the wheel would ship without its docs")
        return [(page, Path(self.build_lib, *TARGET, page.name)) for page in pages]

    def run(self):
        super().run()
        for page, target in self._pages():
            self.mkpath(str(target.parent))
            self.copy_file(str(page), str(target))

    def get_outputs(self, include_bytecode=True):
        return super().get_outputs(include_bytecode) + [str(t) for _, t in self._pages()]


setup(cmdclass={"build_py": BuildPyWithDocs})

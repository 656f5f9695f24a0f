"""``python -m naoviz ...`` is the ``naoviz`` command (as ``python -m naoviz.cli`` is)."""
from naoviz.cli import command

command()

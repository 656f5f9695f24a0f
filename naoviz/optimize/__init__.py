"""Gradient steps in NAO's continuous space: one seed along an eta grid (``path``) and the paper's
eta = 1, 2, ... schedule over many seeds (``generate``)."""
from naoviz.optimize.generate import Generated, generate  # noqa: F401
from naoviz.optimize.path import PathResult, move, path  # noqa: F401

"""The explorer widget's trait validators (a mixin): a bad value is refused with the trait's name, never clamped.

Kept apart from ``explorer_widget.py``: each check reads only the atlas (``self.atlas``, its rows ``self._n`` and
seeds ``self._seeds``), so the rules for what a trait may hold are in one place.
"""
from __future__ import annotations

import math

import numpy as np
import traitlets as t

from naoviz.atlas import budget_columns


class BudgetError(t.TraitError, ValueError):
    """A refused budget value: a TraitError like every refused trait, and a ValueError for callers who check."""


class TraitChecks:
    """Mixin for ``ExplorerWidget`` (a ``HasTraits``): the ``@validate`` handlers of its synced traits."""

    @t.validate("seed")
    def _check_seed(self, proposal):
        row = proposal["value"]
        if row != -1 and not np.any(self._seeds == row):
            raise t.TraitError(f"seed: row {row} has no path in this atlas (rows with one: "
                               f"{len(self._seeds)} seeds, e.g. {int(self._seeds[0])})")
        return row

    @t.validate("eta_index")
    def _check_eta(self, proposal):
        i, e = proposal["value"], len(self.atlas.etas)
        if not 0 <= i < e:
            raise t.TraitError(f"eta_index: {i} is outside 0..{e - 1}")
        return i

    @t.validate("view")
    def _check_view(self, proposal):
        if proposal["value"] not in self.atlas.maps:
            raise t.TraitError(f"view: {proposal['value']!r} is not one of {', '.join(self.atlas.maps)}")
        return proposal["value"]

    @t.validate("color")
    def _check_color(self, proposal):
        ok = ["predicted", "class_size", *self.atlas.columns]
        if proposal["value"] not in ok:
            raise t.TraitError(f"color: {proposal['value']!r} is not one of {', '.join(ok)}")
        return proposal["value"]

    @t.validate("budget_column")
    def _check_budget_column(self, proposal):
        ok = budget_columns(self.atlas.columns)
        if proposal["value"] not in ("", *ok):
            raise BudgetError(f"budget_column: {proposal['value']!r} is not a cost column of this atlas "
                              f"(one of {', '.join(ok) or 'none'}, or '' for no budget)")
        return proposal["value"]

    @t.validate("budget")
    def _check_budget(self, proposal):
        v = proposal["value"]
        if v is not None and not math.isfinite(v):
            raise BudgetError(f"budget: {v!r} is not a finite number (None: no budget)")
        return v

    @t.validate("tour_stage")
    def _check_tour(self, proposal):
        if proposal["value"] < -1:           # -1: no tour; a stage past the last is how the page closes it
            raise t.TraitError(f"tour_stage: {proposal['value']} is below -1 (no tour)")
        return proposal["value"]

    @t.validate("selection")
    def _check_selection(self, proposal):
        bad = [r for r in proposal["value"] if not 0 <= r < self._n]
        if bad:
            raise t.TraitError(f"selection: rows {bad[:5]} are outside 0..{self._n - 1}")
        return proposal["value"]

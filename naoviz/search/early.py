"""Early-exploitation knobs of NAO's trust step (issue 13): a temperature schedule and a near-decode preference.

Local search beats the step at 25 and 50 queries by staying next to the incumbent while few cells are
labelled. Two knobs make the *step's own decodes* do the same, without enumerating mutations:

* ``scheduled_temperature``: decode at a low temperature (close to the moved point: the decoder's nearest
  cells) right after the initial pool, rising linearly to the preset's temperature over ``anneal`` queries;
* ``near_first``: while fewer than ``until`` cells are measured, decodes within ``edits`` edits of their
  seed are ranked before the others (the acquisition orders each group), so the round's picks are the
  model's best *near* decodes when there are enough of them, and far ones only fill the rest;
* ``near_penalised``: the soft form of ``near_first``: each decode's acquisition (in sds of the round's
  acquisitions) less ``penalty`` per edit from its seed, the penalty fading linearly to 0 over the first
  ``until`` measured cells, so a far decode is picked over a near one only when the model predicts it
  better by more than its extra edits cost.

All are pure functions of the measured count, so a resumed search (which replays the history) rebuilds them.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def scheduled_temperature(start: float, end: float, anneal: int, n_measured: int, n_init: int) -> float:
    """The decode temperature after ``n_measured`` queries: ``start`` at the end of the initial pool
    (``n_init`` cells), linear to ``end`` over the next ``anneal`` queries, ``end`` after; ``end`` alone
    when ``anneal`` is 0 or ``start`` is 0 (the schedule off)."""
    if anneal <= 0 or start <= 0:
        return float(end)
    frac = min(max((n_measured - n_init) / float(anneal), 0.0), 1.0)
    return float(start + frac * (end - start))


def near_first(gens: Sequence, edits: int, until: int, n_measured: int, ladder: bool = False) -> list:
    """``gens`` (best acquisition first, each with ``hamming`` to its seed) reordered so that, while
    ``n_measured`` < ``until`` (or always when ``until`` is 0), those within ``edits`` edits of their seed
    come first, each group keeping its acquisition order; unchanged when ``edits`` is 0. ``ladder``
    (``near_ladder``): the rest grouped by edit count too, fewest first (a spent ball widens one edit)."""
    gens = list(gens)
    if edits <= 0 or (until and n_measured >= until):
        return gens
    if ladder:
        return sorted(gens, key=lambda g: max(g.hamming, edits))     # stable: acquisition order per count
    return sorted(gens, key=lambda g: g.hamming > edits)      # stable: acquisition order within each group


def near_penalised(gens: Sequence, penalty: float, until: int, n_measured: int) -> list:
    """``gens`` (each with ``score_decoded``, the acquisition, and ``hamming`` to its seed) reordered by
    ``score_decoded / sd - w * penalty * hamming``, best first (ties in the given order): ``sd`` the standard
    deviation of the round's acquisitions (1 when they are all equal), so ``penalty`` is in sds per edit
    whatever the predictor's scale (that sd is 0.008-0.022 after the pool, 0.06-0.27 from 20 cells on:
    bench/retrieve_acq_spread.py);
    ``w = 1 - n_measured / until`` (at least 0; 1 when ``until`` is 0: always). Unchanged when ``penalty`` is
    0 or ``w`` is 0."""
    gens = list(gens)
    w = 1.0 if not until else max(0.0, 1.0 - n_measured / float(until))
    if penalty <= 0 or w <= 0 or not gens:
        return gens
    sd = float(np.std([g.score_decoded for g in gens]))
    sd = sd if sd > 0 else 1.0
    return sorted(gens, key=lambda g: -(g.score_decoded / sd - w * penalty * g.hamming))   # stable

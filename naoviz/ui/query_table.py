"""Every query of the Search tab in one table the browser sorts and filters (a small anywidget), and a click on
a row that opens the cell in the explorer.

The rows travel once per redraw as compact lists; sorting (click a header: ascending, again: descending) and
filtering (a text box) run in the page, with no kernel round trip, and write ``sort``/``filter`` back so
Python sees what the student sees. :func:`view` is the same rule in Python (what the tests check, and what
``static/query_table.js`` follows). A click on a row sends its index; :meth:`QueryTable.open_row` hands the row to
``on_open``.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Callable, Optional, Sequence

import anywidget
import traitlets as t

from naoviz.column_names import readable
from naoviz.viz.theme import value_unit

STATIC = Path(__file__).resolve().parent / "static"
_CMP = re.compile(r"^([a-z_]\w*)(<=|>=|<|>|=)(.+)$", re.IGNORECASE)
_NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$", re.IGNORECASE)
_OPS = {"<": lambda v, x: v < x, "<=": lambda v, x: v <= x, ">": lambda v, x: v > x, ">=": lambda v, x: v >= x,
        "=": lambda v, x: v == x}


def search_columns(metric: str, report: str, columns=()) -> list[dict]:
    """The Search tab's columns: key, header, numeric, digits shown (0: as is); a table column's header is its
    name in words (``naoviz.column_names.readable``) and ``id`` its id, which a filter also takes
    (``test_acc>=94``) and the header's hover title shows, and ``unit`` what the header adds in brackets ("%": its
    numbers had none); ``columns``: the table's (naming NB201's runs apart)."""
    return [{"key": "searcher", "label": "searcher", "numeric": False, "digits": 0},
            {"key": "seed", "label": "seed", "numeric": True, "digits": 0},
            {"key": "query", "label": "#", "numeric": True, "digits": 0},
            {"key": "source", "label": "source", "numeric": False, "digits": 0},
            {"key": "value", "label": readable(metric, columns), "id": metric, "unit": value_unit(metric), "numeric": True,
             "digits": 2},
            {"key": "report", "label": readable(report, columns), "id": report, "unit": value_unit(report), "numeric": True,
             "digits": 2},
            {"key": "cell", "label": "cell", "numeric": False, "digits": 0}]


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _tests(text: str, columns: Sequence[dict]) -> list[Callable[[Sequence], bool]]:
    """One predicate per whitespace-separated token: ``key<op>number`` (op < <= > >= =) on a numeric column
    named by key, header or id, else a case-insensitive substring of any text column."""
    tests = []
    text_cols = [i for i, c in enumerate(columns) if not c["numeric"]]
    for tok in text.split():
        m = _CMP.match(tok)
        name = m.group(1).lower() if m else ""
        col = next((i for i, c in enumerate(columns) if c["numeric"] and name in (c["key"], c["label"].lower(), str(c.get("id", "")).lower())), -1)
        if m and col >= 0 and _NUM.match(m.group(3)):
            op, x = _OPS[m.group(2)], float(m.group(3))
            tests.append(lambda r, col=col, op=op, x=x: _finite(r[col]) and op(r[col], x))
        else:
            low = tok.lower()
            tests.append(lambda r, low=low: any(low in str(r[i]).lower() for i in text_cols))
    return tests


def view(rows: Sequence[Sequence], columns: Sequence[dict], sort: str = "", filter: str = "") -> list[int]:
    """Indices of ``rows`` as the page shows them: those passing every filter token, ordered by ``sort``
    (a column key, ``-key`` descending, "" run order); ties keep run order, missing numbers go last."""
    tests = _tests(filter, columns)
    idx = [i for i, r in enumerate(rows) if all(f(r) for f in tests)]
    key = sort[1:] if sort.startswith("-") else sort
    col = next((i for i, c in enumerate(columns) if c["key"] == key), -1)
    if col < 0:
        return idx
    numeric, desc = columns[col]["numeric"], sort.startswith("-")
    present = [i for i in idx if not numeric or _finite(rows[i][col])]
    missing = [i for i in idx if numeric and not _finite(rows[i][col])]
    value = (lambda i: rows[i][col]) if numeric else (lambda i: str(rows[i][col]))
    present.sort(key=value, reverse=desc)      # stable either way: ties keep run order
    return present + missing


class QueryTable(anywidget.AnyWidget):
    """``rows``: one list per query, in ``columns`` order; ``sort``: a column key ("-key": descending, "": run
    order); ``filter``: the filter text; ``limit``: rows drawn at once (the count says how many match)."""

    _esm = t.Unicode((STATIC / "query_table.js").read_text(encoding="utf-8")).tag(sync=True)
    _css = t.Unicode((STATIC / "query_table.css").read_text(encoding="utf-8")).tag(sync=True)
    columns = t.List(t.Dict()).tag(sync=True)
    rows = t.List(t.List()).tag(sync=True)
    sort = t.Unicode("").tag(sync=True)
    filter = t.Unicode("").tag(sync=True)
    limit = t.Int(300).tag(sync=True)

    def __init__(self, columns: Sequence[dict], on_open: Optional[Callable[[dict], None]] = None, **state):
        super().__init__(columns=list(columns), **state)
        self.on_open = on_open
        self.on_msg(self._on_custom)

    @t.validate("sort")
    def _check_sort(self, proposal):
        key = proposal["value"].lstrip("-")
        keys = [c["key"] for c in self.columns]
        if key and key not in keys:
            raise t.TraitError(f"sort: {proposal['value']!r} names no column (one of {', '.join(keys)})")
        return proposal["value"]

    def view(self) -> list[int]:
        """Row indices in the order the page shows them (before ``limit``)."""
        return view(self.rows, self.columns, self.sort, self.filter)

    def record(self, index: int) -> dict:
        """Row ``index`` as ``{key: value}``."""
        if not 0 <= index < len(self.rows):
            raise IndexError(f"row: {index} is outside 0..{len(self.rows) - 1}")
        return dict(zip((c["key"] for c in self.columns), self.rows[index]))

    def open_row(self, index: int) -> None:
        """What a click on row ``index`` does: hand the row to ``on_open``."""
        row = self.record(index)
        if self.on_open is not None:
            self.on_open(row)

    def _on_custom(self, _widget, content, _buffers):
        if isinstance(content, dict) and content.get("type") == "open" and isinstance(content.get("index"), int):
            try:
                self.open_row(content["index"])
            except IndexError:
                pass                            # a click on a row of an older table: nothing to open

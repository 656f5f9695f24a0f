"""The run store's export: evaluations as a pandas frame and as CSV a spreadsheet opens safely (a mixin).

Kept apart from ``store.py`` (the SQLite part): what leaves the store as a file, with its CSV-injection guard.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional, Union

from naoviz.errors import show
from naoviz.store_schema import EVAL_COLUMNS as _EVAL_COLUMNS


class StoreExport:
    """Mixin for ``RunStore``: uses its ``_read``, ``_eval_dict`` and ``evaluations``."""

    def to_frame(self, run_id: Optional[str] = None):
        """Evaluations as a pandas frame: one row each, the metrics spread into their own columns."""
        import pandas as pd

        if run_id is None:
            rows = [self._eval_dict(r) for r in self._read(
                f"SELECT {', '.join(_EVAL_COLUMNS)} FROM evaluations ORDER BY id")]
        else:
            rows = self.evaluations(run_id)
        base = [c for c in _EVAL_COLUMNS if c not in ("metrics", "extra")]
        records, metric_names = [], []
        for row in rows:
            record = {c: row[c] for c in base}
            for name, value in row["metrics"].items():
                column = f"metric_{name}" if name in base or name == "extra" else name
                if column not in metric_names:
                    metric_names.append(column)
                record[column] = value
            record["extra"] = None if row["extra"] is None else json.dumps(row["extra"], sort_keys=True)
            records.append(record)
        return pd.DataFrame.from_records(records, columns=[*base, *metric_names, "extra"])

    def csv_text(self, run_id: Optional[str] = None) -> str:
        """:meth:`to_frame` as CSV text, its formula-like text made plain (:func:`spreadsheet_safe`). Lines end
        in CRLF (RFC 4180), so a cell holding a CR is quoted, not a line break to a spreadsheet."""
        return spreadsheet_safe(self.to_frame(run_id)).to_csv(index=False, lineterminator="\r\n")

    def export_csv(self, path: Union[str, Path], run_id: Optional[str] = None) -> Path:
        """Write :meth:`csv_text` (atomically); returns the path."""
        from naoviz.paths import atomic_write_text

        if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
            raise TypeError(f"export_csv: path must be a file path, got {show(path)}")
        path = Path(path)
        atomic_write_text(path, self.csv_text(run_id))
        return path


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")     # what a spreadsheet reads as the start of a formula


def spreadsheet_safe(frame):
    """``frame`` with each column name and text cell starting like a formula prefixed with ``'`` (a table's
    column ``=HYPERLINK(...)`` is text, not a formula, in the spreadsheet that opens the CSV: CSV injection);
    numbers, a negative one too, stay numbers."""
    from pandas.api.types import is_string_dtype
    def safe(value):
        return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value

    def cells(column):          # text columns (pandas' str dtype, or object holding any mix)
        return column.map(safe) if column.dtype == object or is_string_dtype(column.dtype) else column
    return frame.rename(columns=safe).apply(cells)

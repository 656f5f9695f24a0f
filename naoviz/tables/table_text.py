"""A table file's bytes as the text pandas reads, and its column separator: what a researcher's export is written
as (gzip/bz2/xz/zip/zstd whatever the name, a UTF-8 byte-order mark, cp1252 from Excel on Windows, tabs or
semicolons between columns).

Used by :func:`naoviz.tables.user_table.load_table_file`; every refusal is a ``TableFileError`` of one line that
names the file (``where``) and says what to do.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
from pathlib import Path

# what a compressed file starts with (a gzip'd table named .csv is read as gzip, not refused as "not UTF-8")
MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz", b"PK\x03\x04": "zip", b"\x28\xb5\x2f\xfd": "zstd"}
SEPARATORS = {",": "", "\t": "tab-separated", ";": "semicolon-separated"}      # what the note says of each


def _error(message: str):
    from naoviz.tables.user_table import TableFileError
    return TableFileError(message)


def file_bytes(p: Path, where: str, limit: int) -> bytes:
    """The file's bytes; a compressed file's (found by its first bytes, whatever its name) decompressed up to
    ``limit`` bytes (a gzip bomb stops there, unread further)."""
    import bz2
    import gzip
    import lzma
    import zipfile
    with open(p, "rb") as f:
        head = f.read(8)
    kind = next((k for magic, k in MAGIC.items() if head.startswith(magic)), None)
    if kind is None:
        return p.read_bytes()                     # its size was checked against ``limit`` (_check_file)
    if kind == "zip":
        with zipfile.ZipFile(p) as z:
            names = [n for n in z.namelist() if not n.endswith("/")]
            if "xl/workbook.xml" in names or "content.xml" in names:     # .xlsx and .ods are zips of XML
                raise _error(f"{where}: a spreadsheet workbook (Excel or OpenDocument), not a CSV; save it "
                             "as CSV UTF-8")
            if len(names) != 1:
                raise _error(f"{where}: a zip file of {len(names)} files; a table zip holds one CSV")
            with z.open(names[0]) as f:
                data = f.read(limit + 1)
    elif kind == "zstd":
        try:
            import zstandard
        except ImportError:
            raise _error(f"{where}: a zstd file; reading it needs the zstandard package (pip install zstandard), "
                         "or compress it with gzip") from None
        with open(p, "rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as f:
            data = f.read(limit + 1)
    else:
        opener = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}[kind]
        with opener(p, "rb") as f:
            data = f.read(limit + 1)
    if len(data) > limit:
        raise _error(f"{where}: {kind} file holds more than {limit / 1e6:.0f} MB, too large for a table of "
                     "at most 15,625 rows")
    return data


def decode(data: bytes, where: str) -> tuple[str, str]:
    """(the text, "" or how it was decoded when not as UTF-8): UTF-8 (a byte-order mark dropped), else cp1252,
    the Windows Latin-1 that Excel writes an accented column name or note in (Latin-1 text is cp1252 text
    too); UTF-16 (a spreadsheet's 'Unicode text') and bytes with NULs or other control bytes are refused."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or max(head[::2].count(0), head[1::2].count(0)) > len(head) // 4:
        raise _error(f"{where}: not UTF-8 text (a spreadsheet's UTF-16 'Unicode text' export? save it as CSV UTF-8)")
    if b"\x00" in data:
        raise _error(f"{where}: not a CSV text file (it holds NUL bytes)")
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _error(f"{where}: not UTF-8 or cp1252 text (byte {exc.start:,} is {data[exc.start]:#04x}); save it as "
                     "CSV UTF-8") from None
    control = re.search(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    if control:
        raise _error(f"{where}: not a CSV text file (byte {control.start():,} is {ord(control.group()):#04x}, a "
                     "control byte)")
    return text, "cp1252 text (not UTF-8: a Windows Latin-1 export)"


def check_first_line(text: str, where: str) -> None:
    """An empty file (or one of blank lines, or a byte-order mark alone), and a blank first line above the table
    (pandas would read the blank line as the header)."""
    if not text.strip():
        raise _error(f"{where}: the file is empty; a table is a header line (arch_str and metric names), then "
                     "one row per cell")
    first, newline, rest = text[:4096].partition("\n")
    if newline and not first.strip() and rest.strip():
        raise _error(f"{where}: line 1 is empty; the header (arch_str and the metric names) must be the first line")


def separator(text: str, where: str) -> str:
    """The column separator, from the header line: a tab when the header has more tabs than commas, a semicolon
    when it has semicolons and neither commas nor tabs (a spreadsheet's export in a locale that writes 1,5 for
    1.5: refused when a value holds such a decimal comma), else a comma."""
    header = text[:65536].partition("\n")[0]
    if header.count("\t") > header.count(","):
        return "\t"
    if ";" in header and "," not in header and "\t" not in header:
        if re.search(r"\d,\d", text):
            raise _error(f"{where}: columns separated by ';', not commas; export it as CSV with commas "
                         "(and a dot for decimals)")
        return ";"
    return ","


def check_fields(text: str, sep: str, where: str, limit: int) -> None:
    """Every row has as many values as the header has names: pandas reads a row with fewer as empty values (then
    named as a NaN), refuses one with more in its own words, and takes the first column for a row label when every
    row has one more. A row ending in empty values (a spreadsheet's trailing ``,``) and a blank row are fine. Reads
    ``limit`` rows at most (the caller refuses a longer file)."""
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header = next(rows, [])
    for row in itertools.islice(rows, limit):
        if not any(v.strip() for v in row):
            continue                              # a blank line or ",,,": skipped like pandas' empty rows
        extra = row[len(header):]
        if len(row) < len(header) or any(v.strip() for v in extra):
            raise _error(f"{where}: line {rows.line_num}: {len(row)} values, but the header names {len(header)} "
                         f"columns{_fields_hint(row, len(header), sep)}")


def _fields_hint(row: list, names: int, sep: str) -> str:
    """Why a row has the wrong number of values, when it shows: a thousands comma (``1,234.5``), a cell or a note
    holding the separator."""
    if len(row) < names:
        return " (a value missing?)"
    if sep == "," and any(re.fullmatch(r"\s*-?\d{1,3}", a) and re.fullmatch(r"\d{3}(\.\d*)?\s*", b)
                          for a, b in zip(row, row[1:])):
        return " (a thousands separator? write 1234.5, not 1,234.5)"
    name = {",": "comma", "\t": "tab", ";": "semicolon"}[sep]
    return f" (a value holding a {name}? put it in double quotes)"

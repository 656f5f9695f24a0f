"""A table file's bytes as the text pandas reads, and its column separator: what a researcher's export is written
as (gzip/bz2/xz/zip/zstd whatever the name, a UTF-8 byte-order mark, cp1252 from Excel on Windows, tabs or
semicolons between columns).

Used by :func:`naoviz.tables.user_table.load_table_file`; every refusal is a ``TableFileError`` of one line that
names the file (``where``) and says what to do.
"""
from __future__ import annotations

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
    """A blank first line above the table (pandas would read the blank line as the header)."""
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

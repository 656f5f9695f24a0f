"""What an exported figure file says about itself: its title and the naoviz version that drew it.

A figure copied into a paper's folder or a slide deck travels without the command around it. Each format's own
field holds them, where viewers and file managers show them: an HTML page's ``<title>`` and generator
``<meta>``, an SVG's ``<title>`` and ``<desc>``, a PNG's ``Title`` and ``Software`` text chunks, a PDF's
``/Title`` and ``/Creator`` (Chromium wrote "Kaleido-fier" and its user agent there), appended as an incremental
update so the file's byte offsets hold. Nothing time-dependent: the same figure gives the same bytes.
"""
from __future__ import annotations

import html
import re
import struct
import zlib
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def source_commit() -> str:
    """The git commit of the naoviz source drawing the figure (``+ local changes`` when its tree differs), or ""
    when naoviz does not run from a git checkout (an installed package: its version says it)."""
    import subprocess
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, stdin=subprocess.DEVNULL)
        if head.returncode != 0:
            return ""
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no", "--", "."],
                               capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return ""
    return head.stdout.strip() + (" + local changes" if dirty.returncode == 0 and dirty.stdout.strip() else "")


def software() -> str:
    """"naoviz 0.1.0": the version only, not the commit, so a figure re-exported by another checkout of the same
    version is the same file (a figure kept in git does not churn; ``export_new`` finds it already saved);
    ``compare --out``'s README.md names the commit."""
    from naoviz import __version__
    return f"naoviz {__version__}"


def with_meta(data: bytes, fmt: str, title: str) -> bytes:
    """``data`` (an exported ``fmt`` file) with ``title`` and :func:`software` in its format's own fields."""
    made = software()
    if fmt == "png":
        return _png(data, {"Title": title, "Software": made})
    if fmt == "svg":
        return _svg(data, title, f"drawn by {made}")
    if fmt == "pdf":
        return _pdf(data, title, made)
    if fmt == "html":
        return _html(data, title, made)
    return data


def _png(data: bytes, texts: dict) -> bytes:
    """iTXt chunks (UTF-8 text) right after IHDR, the PNG's first chunk (8-byte signature, 25-byte IHDR)."""
    chunks = b""
    for key, value in texts.items():
        body = key.encode("latin-1") + b"\0\0\0\0\0" + value.encode("utf-8")
        chunks += struct.pack(">I", len(body)) + b"iTXt" + body + struct.pack(">I", zlib.crc32(b"iTXt" + body))
    return data[:33] + chunks + data[33:]


def _svg(data: bytes, title: str, desc: str) -> bytes:
    m = re.search(rb"<svg\b[^>]*>", data)
    if m is None:
        return data
    note = f"<title>{html.escape(title)}</title><desc>{html.escape(desc)}</desc>".encode("utf-8")
    return data[:m.end()] + note + data[m.end():]


def _html(data: bytes, title: str, made: str) -> bytes:
    note = (f'<title>{html.escape(title)}</title><meta name="generator" content="{html.escape(made)}">'
            ).encode("utf-8")
    return data.replace(b"<head>", b"<head>" + note, 1)


def _pdf_text(text: str) -> bytes:
    """A PDF text string any reader decodes: UTF-16BE with its byte-order mark, as hex."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _pdf(data: bytes, title: str, made: str) -> bytes:
    """An incremental update giving the PDF a new document-information dictionary (the old one, Chromium's, is
    left unreferenced); a file that does not end in a classic cross-reference table is returned as it was."""
    trailer = data.rfind(b"trailer")
    start = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data)
    if trailer < 0 or start is None:
        return data
    tail = data[trailer:]
    size, root = re.search(rb"/Size (\d+)", tail), re.search(rb"/Root (\d+ \d+ R)", tail)
    if size is None or root is None:
        return data
    n = int(size.group(1))
    body = data if data.endswith(b"\n") else data + b"\n"
    offset = len(body)
    dates = b"".join(b"\n" + m.group(0) for m in re.finditer(rb"/(?:CreationDate|ModDate) ?\(D:[^)]*\)", data))
    obj = (b"%d 0 obj\n<</Title " % n + _pdf_text(title) + b"\n/Creator " + _pdf_text(made)
           + b"\n/Producer " + _pdf_text(made) + dates + b">>\nendobj\n")
    xref = len(body) + len(obj)
    return (body + obj + b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \ntrailer\n<</Size %d\n/Root " % (n, offset, n + 1)
            + root.group(1) + b"\n/Info %d 0 R\n/Prev %s>>\nstartxref\n%d\n%%%%EOF\n" % (n, start.group(1), xref))

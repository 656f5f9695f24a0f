"""The same figure exported twice gives the same bytes (a figure kept in git does not churn): plotly's random ids
in an SVG are replaced by ones hashed from the file, and a PDF's dates are ``$SOURCE_DATE_EPOCH``'s when that is set.

Kept apart from ``figure_files`` (which renders and writes): these only rewrite a figure or a file's bytes.
"""
from __future__ import annotations

import hashlib
import os
import re

import plotly.graph_objects as go


def _stable_uids(fig: go.Figure) -> go.Figure:
    """``fig`` (a copy) with a fixed ``uid`` on each trace that has none: plotly.js would draw a random one
    into an SVG's class names."""
    for i, trace in enumerate(fig.data):
        if trace.uid is None:
            trace.uid = f"t{i}"
    return fig


# plotly.js names an SVG's clip paths, gradients and defs after a random 6-character uid (fullLayout._uid):
# every id="..uid.." and reference to one (url(#..), href="#..") gets a uid hashed from the rest of the file.
_SVG_UID = re.compile(rb'id="defs-([0-9a-z]+)"')


def stable_svg(data: bytes) -> bytes:
    """``data`` (an exported SVG) with plotly's random uid replaced by one hashed from the rest of it."""
    m = _SVG_UID.search(data)
    if m is None:
        return data
    uid = m.group(1)
    refs = re.compile(rb'((?:id="|url\([\'"]?#|href="#)[A-Za-z_-]*)' + re.escape(uid))
    new = hashlib.sha256(refs.sub(rb"\1", data)).hexdigest()[:len(uid)].encode()
    return refs.sub(rb"\g<1>" + new, data)


_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) ?\(D:\d{14}")


def stable_pdf(data: bytes) -> bytes:
    """``data`` (an exported PDF) with its creation and modification dates at ``$SOURCE_DATE_EPOCH`` (UTC),
    when that is set; the same length, so the file's byte offsets hold."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        return data
    import time
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(int(epoch))).encode()
    return _PDF_DATE.sub(lambda m: m.group(0)[:-14] + stamp, data)

"""The explorer as one self-contained HTML file: the same front end, the atlas embedded, no kernel, no network.

The page inlines the explorer's ES module and CSS, the payload header as JSON and the zlib blob as base64, and
a small model shim (``page_shim.js``) standing in for anywidget's model, so ``render({model, el})``
runs from ``file://`` exactly as in Jupyter. Good for a course site or a paper's supplement.

A backend serialiser (atlas -> text, no widget library): the front end's files live in
``naoviz/resources/explorer/`` and are read here; ``naoviz.ui.explorer_widget`` takes them from this module.
"""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from naoviz.atlas_payload import pack
from naoviz.paths import atomic_write_text

STATIC = Path(__file__).resolve().parent / "resources" / "explorer"   # the explorer's front end (JS, CSS)
# The colour maths the explorer shares with the dashboard's SVG charts (naoviz.ui.line_chart.chart_module): one
# copy, concatenated first into each ES module.
INK_JS = STATIC.parent / "ink.js"
# The explorer's front end: one ES module, these parts concatenated in order.
JS_PARTS = ("explorer_theme.js", "explorer_draw.js", "explorer_chart.js", "explorer_naonet.js", "explorer_tour.js",
            "explorer_layout.js", "explorer_budget.js", "explorer_map.js", "explorer_overlay.js", "explorer_kernel.js",
            "explorer_rows.js", "explorer_url.js", "explorer.js")
MAX_PAGE_BYTES = 5_000_000          # the budget for an NB201 page


def front_end_source() -> str:
    """The explorer's ES module (:data:`INK_JS` and the parts concatenated; only the last has ``export default``)."""
    return "\n".join(path.read_text(encoding="utf-8") for path in [INK_JS] + [STATIC / name for name in JS_PARTS])


def front_end_css() -> str:
    """The explorer's stylesheet (widget and page alike)."""
    return (STATIC / "explorer.css").read_text(encoding="utf-8")


def _script_safe(text: str) -> str:
    """Text that cannot end its <script>/<style> element early."""
    return text.replace("</", "<\\/")


def json_in_script(value) -> str:
    """``value`` as JSON to inline in a <script> element: every ``<``, ``>`` and ``&`` written as a ``\\u``
    escape (only JSON strings hold them), so a table's column name such as ``</script><script>...`` or
    ``<!--<script>`` can neither end the element nor send the HTML parser into its escaped state."""
    return (json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def page_html(header: dict, blob: bytes, title: str = "naoviz explorer") -> str:
    """The page for a packed atlas (``naoviz.atlas_payload.pack``)."""
    js = front_end_source() + "\n" + (STATIC / "page_shim.js").read_text(encoding="utf-8")
    if "</script" in js.lower():
        raise ValueError("page: the front end contains '</script', which would end its element")
    # a dark prefers-color-scheme: page_shim.js marks <body> as JupyterLab marks a dark theme, and the page takes
    # JupyterLab Dark's background and text colour
    body_css = ("body{margin:0;padding:8px 12px;} h1{font:600 16px system-ui,sans-serif;margin:4px 0 8px;}"
                "body[data-jp-theme-light=false]{background:#111;color:rgba(255,255,255,.87);color-scheme:dark;}")
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title>"
        f"<style data-nx-keep>{body_css}\n{_script_safe(front_end_css())}</style></head><body>"
        f"<main><h1>{html.escape(title)}: {html.escape(header.get('title') or header['space'])}</h1>"   # a landmark
        "<div id=\"naoviz-explorer\"></div></main>\n"
        f"<script type=\"application/json\" id=\"nx-header\" data-nx-keep>{json_in_script(header)}</script>\n"
        f"<script type=\"text/plain\" id=\"nx-data\" data-nx-keep>{base64.b64encode(blob).decode('ascii')}</script>\n"
        f"<script type=\"module\" id=\"nx-src\" data-nx-keep>{js}</script>\n</body></html>\n")


def write_page(atlas, path, title: str = "naoviz explorer") -> Path:
    """Write the standalone explorer page for ``atlas`` to ``path`` (atomically); returns the path."""
    from naoviz.atlas import Atlas
    if not isinstance(atlas, Atlas):
        from naoviz.errors import show
        raise TypeError(f"atlas: expected a naoviz.atlas.Atlas (atlas_for(...), Atlas.load(path)), "
                        f"got {type(atlas).__name__} {show(atlas)}")
    header, blob = pack(atlas)
    text = page_html(header, blob, title)
    path = Path(path)
    atomic_write_text(path, text)
    return path

"""Accessibility checks the browser tests share: controls without an accessible name (Playwright's ARIA
snapshot, which computes names as a screen reader gets them), text below WCAG AA contrast (computed colours
in the page), and what Chromium itself says an element is (CDP's accessibility tree: role, name, description).
"""
from __future__ import annotations

import re

CONTROLS = ("button", "textbox", "searchbox", "combobox", "slider", "link", "listbox", "checkbox", "radio",
            "spinbutton", "tab", "img", "dialog")


def unnamed_controls(locator) -> list[str]:
    """Lines of the ARIA snapshot of ``locator`` that are a control (or image, dialog) without a name: a screen
    reader says only "slider" or "button" there."""
    bad = []
    for line in locator.aria_snapshot().splitlines():
        m = re.match(r"^\s*- '?(\w+)(.*)$", line)
        if m and m.group(1) in CONTROLS and not m.group(2).lstrip().startswith('"'):
            bad.append(line.strip())
    return bad


# Contrast of every visible text in a container: the text's colour (an SVG text's fill) against the first
# opaque background up its ancestors (white if none), by WCAG 2's relative luminance. Disabled controls and
# aria-hidden marks are exempt (WCAG 1.4.3). Returns [[ratio, colour, background, text], ...] below ``min``.
_CONTRAST_JS = """([sel, min]) => {
  const rgb = (c) => { const m = c.match(/[\\d.]+/g); return m ? m.map(Number) : null; };
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const bg = (e) => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
    if (c && (c.length < 4 || c[3] > 0.9)) return c.slice(0, 3); } return [255, 255, 255]; };
  const out = [];
  for (const e of document.querySelector(sel).querySelectorAll('*')) {
    const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !e.getClientRects().length || e.closest('[aria-hidden="true"], :disabled, .nx-sr, .nq-sr, option')) continue;
    const cs = getComputedStyle(e);
    if (cs.visibility === 'hidden' || cs.display === 'none') continue;
    const fg = rgb(e instanceof SVGElement ? cs.fill : cs.color), back = bg(e);
    if (!fg) continue;
    const a = (fg.length > 3 ? fg[3] : 1) * parseFloat(cs.opacity || 1);   // a see-through colour: blended
    const r = ratio(fg.slice(0, 3).map((v, i) => a * v + (1 - a) * back[i]), back);
    if (r < min) out.push([Math.round(r * 100) / 100, e instanceof SVGElement ? cs.fill : cs.color, String(back), e.textContent.trim().slice(0, 40)]);
  }
  return out;
}"""


def low_contrast_text(page, selector: str, minimum: float = 4.5) -> list:
    """Texts in ``selector`` below ``minimum`` contrast (WCAG AA: 4.5:1 for normal text)."""
    return page.evaluate(_CONTRAST_JS, [selector, minimum])


def ax_nodes(page) -> list[dict]:
    """Chromium's accessibility tree of the page (not ignored nodes): [{role, name, description}, ...]."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    val = lambda n, k: (n.get(k) or {}).get("value") or ""      # noqa: E731
    return [{"role": val(n, "role"), "name": val(n, "name"), "description": val(n, "description")}
            for n in nodes if not n.get("ignored")]

"""Accessibility checks the browser tests share: controls without an accessible name (Playwright's ARIA
snapshot, which computes names as a screen reader gets them), text below WCAG AA contrast (computed colours
in the page), targets under WCAG 2.2's target size minimum (2.5.8, its spacing rule measured on the page), and
what Chromium itself says an element is (CDP's accessibility tree: role, name, description).
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


# WCAG 2.2 SC 2.5.8 (target size minimum, AA): a target under 24 x 24 CSS px passes when a 24 px circle centred on
# its box meets no other target and no other undersized target's circle (the spacing exception)
_CROWDED_JS = """(sel) => { const els = [...document.querySelectorAll(sel)].filter((e) => e.offsetWidth && e.offsetHeight);
  const R = els.map((e) => e.getBoundingClientRect()), small = R.map((r) => r.width < 24 || r.height < 24);
  const c = R.map((r) => [r.x + r.width / 2, r.y + r.height / 2]);
  const dist = (p, r) => Math.hypot(Math.max(r.left - p[0], 0, p[0] - r.right), Math.max(r.top - p[1], 0, p[1] - r.bottom));
  const out = [];
  els.forEach((e, i) => { if (!small[i]) return;
    const near = els.find((f, j) => j !== i && !e.contains(f) && !f.contains(e) && (dist(c[i], R[j]) < 11.99 ||
      (small[j] && Math.hypot(c[i][0] - c[j][0], c[i][1] - c[j][1]) < 23.99)));
    if (near) out.push(`${(e.textContent || e.className).trim().slice(0, 20)} (${Math.round(R[i].width)} x ${R[i].height.toFixed(1)}) ` +
                       `near ${(near.textContent || near.className).trim().slice(0, 20)}`); });
  return out; }"""


def crowded_targets(page, selector: str) -> list[str]:
    """Targets matched by ``selector`` that fail WCAG 2.2's target size minimum (2.5.8): under 24 px and closer
    to another than its spacing exception allows ("row 1952 (56 x 16.8) near row 2322")."""
    return page.evaluate(_CROWDED_JS, selector)


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

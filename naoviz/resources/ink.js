// naoviz colour maths, the one copy: concatenated first into the explorer's ES module (naoviz/explorer_page.py
// front_end_source) and into each SVG chart widget's (naoviz/ui/line_chart.py chart_module). No imports. Each
// bundle keeps its own rule for a light page: the explorer darkens a colour under its contrast there
// (explorer_theme.js legible), the charts draw the figures' palette as given (chart_common.js pageInk).

let inkProbe = null;
const INK_HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;
const INK_RGB = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$/i;
// Any CSS colour -> [r, g, b, a] (0..255, alpha 0..1); "#rgb", "#rrggbb", "rgb(r, g, b)" and "rgba(r, g, b, a)"
// read here (so node runs this file), any other (a name, hsl()) through a canvas's own parser; an unknown one is black.
function rgbaOf(css) {
  const s = String(css || "#000").trim();
  let m = s.match(INK_HEX);
  if (m) {
    const h = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)).concat(1);
  }
  m = s.match(INK_RGB);
  if (m) {
    const c = m.slice(1, 4).map((v) => Math.round(Math.min(255, Number(v))));
    return c.concat(m[4] === undefined ? 1 : Math.min(1, Number(m[4])));
  }
  const p = inkProbe || (inkProbe = document.createElement("canvas").getContext("2d"));
  p.fillStyle = "#000"; p.fillStyle = s;
  const f = p.fillStyle;
  if (f[0] === "#") return [1, 3, 5].map((i) => parseInt(f.slice(i, i + 2), 16)).concat(1);
  const n = f.match(/[\d.]+/g).map(Number);
  return [n[0], n[1], n[2], n.length > 3 ? n[3] : 1];
}
const cssRGB = (c) => `rgb(${c.slice(0, 3).map(Math.round).join(",")})`;
// WCAG 2's relative luminance of [r, g, b] (0..255) and the contrast ratio of two such colours
function luminance(c) {
  return [0, 1, 2].map((i) => { const v = c[i] / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
}
function contrast(a, b) { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); }
const mixRGB = (a, b, f) => [0, 1, 2].map((i) => a[i] * (1 - f) + b[i] * f);   // f of b into a
// A background is dark under a relative luminance of 0.18 (between JupyterLab Dark's #111 and its light greys).
const darkBackground = (bg) => luminance(bg) < 0.18;

// The first opaque background ([r, g, b]) from ``el`` up the page; white if none is.
function pageBackground(el) {
  for (let e = el; e; e = e.parentElement) {
    const c = rgbaOf(getComputedStyle(e).backgroundColor);
    if (c[3] > 0.9) return c.slice(0, 3);
  }
  return [255, 255, 255];
}

// ``color`` as drawn on ``bg`` ([r, g, b]; a see-through colour blended onto it): moved toward white (a dark
// background) or black in steps of 5 % just far enough for ``min`` contrast (WCAG: 4.5 for text, 3 for a line
// that must be seen), so its hue is kept; the colour as given when it has that contrast already.
function inkOn(color, bg, min) {
  const c = rgbaOf(color), solid = mixRGB(bg, c, c[3]);
  if (contrast(solid, bg) >= min) return color;
  const to = darkBackground(bg) ? [255, 255, 255] : [0, 0, 0];
  let f = 0.05;
  while (f < 1 && contrast(mixRGB(solid, to, f), bg) < min) f += 0.05;
  return cssRGB(mixRGB(solid, to, Math.min(1, f)));
}

// naoviz SVG charts, shared part: concatenated after naoviz/resources/ink.js (the colour maths the explorer
// uses too) and before line_chart.js or scatter_chart.js into each widget's one ES module (naoviz/ui/line_chart.py,
// scatter_chart.py: chart_module). No imports, no CDN.

const SVG = "http://www.w3.org/2000/svg";

function node(tag, attrs = {}, parent = null, ns = SVG) {
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

// About `count` round ticks covering [lo, hi] (1, 2 or 5 times a power of ten apart, at least `minStep`).
function ticks(lo, hi, count = 5, minStep = 0) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count, mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(minStep, [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw));
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

// A tick label with as many decimals as the tick step (1, 2 or 5 times a power of ten) needs: 10, 2.5, 0.05.
function fmt(v, step) {
  const digits = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return Number.isFinite(v) ? v.toFixed(digits) : "–";
}

const ok = (v) => v !== null && v !== undefined && Number.isFinite(v);

// The axes into `svg`: a grid line and label at each y tick, a tick mark and label at each x tick, the frame;
// CSS classes `${prefix}-grid`, `-tick`, `-frame` (nl: the line chart, ns: the scatter chart). Returns the group.
function drawAxes(svg, M, X, Y, xt, yt, pw, ph, prefix) {
  const axes = node("g", { class: `${prefix}-axes` }, svg);
  for (const v of yt) {
    node("line", { x1: M.l, x2: M.l + pw, y1: Y(v), y2: Y(v), class: `${prefix}-grid` }, axes);
    node("text", { x: M.l - 6, y: Y(v) + 4, "text-anchor": "end", text: fmt(v, yt[1] - yt[0] || 1) }, axes);
  }
  for (const v of xt) {
    node("line", { x1: X(v), x2: X(v), y1: M.t + ph, y2: M.t + ph + 4, class: `${prefix}-tick` }, axes);
    node("text", { x: X(v), y: M.t + ph + 16, "text-anchor": "middle", text: fmt(v, xt[1] - xt[0] || 1) }, axes);
  }
  node("rect", { x: M.l, y: M.t, width: pw, height: ph, class: `${prefix}-frame` }, axes);
  return axes;
}

// Keep a chart drawn: `draw` on each of the model's `change:` events in `events` and whenever `wrap`'s width
// changes; returns the widget's cleanup (unhook the events, stop watching the size).
function liveChart(model, wrap, events, draw) {
  for (const e of events) model.on(e, draw);
  let lastWidth = 0;
  const ro = new ResizeObserver(() => { if (wrap.clientWidth !== lastWidth) { lastWidth = wrap.clientWidth; draw(); } });
  ro.observe(wrap);
  draw();
  return () => { for (const e of events) model.off(e, draw); ro.disconnect(); };
}

// A series colour as drawn on `el`'s page: unchanged on a light page (the figures' colour-blind-safe palette,
// naoviz.viz.theme.ALGO_COLORS, as given); on a dark one (JupyterLab Dark, `naoviz dashboard --theme dark`)
// moved toward white just far enough for 3:1 against the page's first opaque background (WCAG 1.4.11 for a
// line), keeping its hue, as the explorer does (naoviz/resources/ink.js inkOn, concatenated before this file):
// evolution's dark blue #004488 was 1.9:1 on JupyterLab Dark's #111.
function pageInk(el) {
  const bg = pageBackground(el), seen = new Map();
  if (!darkBackground(bg)) return (color) => color;
  return (color) => {
    if (!seen.has(color)) seen.set(color, inkOn(color, bg, 3));
    return seen.get(color);
  };
}

// naoviz SVG charts, shared part: concatenated before line_chart.js and scatter_chart.js into each widget's
// one ES module (naoviz/ui/line_chart.py, scatter_chart.py: chart_module). No imports, no CDN.

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

// naoviz explorer, part 3 of 13: the SVG charts along eta: the frame and axes every chart shares (chartFrame, also
// the budget's chart), the prediction chart (drawChart, its SERIES and chartSeries) and a typed eta's grid index
// (etaIndexIn). No imports: concatenated after explorer_draw.js (svgEl, typedNumber) and explorer_theme.js (themeOf,
// legible) into one ES module (naoviz/explorer_page.py JS_PARTS).

const SERIES = [["predicted at moved point", "#1a73e8", "pred_moved"], ["predicted for decoded cell", "#e8710a", "pred_decoded", "5 3"],
  ["true value of decoded cell", "#188038", "true"]];
// What each chart key means, as its hover title: the predictor ends in a sigmoid over the training targets'
// range (NAO's design), so the moved point's prediction levels off near the best value it was trained on.
const SERIES_HINTS = ["the predictor's value at e + η·∂f/∂e; it ends in a sigmoid over the training range, so it levels off near the best trained value",
  "the predictor's value for the decoded cell, re-encoded", "the benchmark table's value of the decoded cell"];

// A chart drawn at its on-screen width: one viewBox unit per CSS pixel, so its text keeps the page's size at any
// width (a fixed viewBox scaled to a wide panel made it half as big again). Draws both axes and about four round
// y ticks; returns the frame { W, H, L, R, T, B } and the scales sx (eta) and sy (value). The left margin L fits
// the widest tick label (a near-flat series needs "0.49998": a fixed 40 px cut it to ".49998"), 40 px at least.
const chartWidth = (svg) => Math.max(240, Math.round(svg.clientWidth || 320));   // viewBox width = CSS width
function labelWidth(text) {           // its drawn width; estimated from its length where the chart is not laid out
  const drawn = text.getComputedTextLength ? text.getComputedTextLength() : 0;
  return drawn > 0 ? drawn : 0.62 * (parseFloat(getComputedStyle(text).fontSize) || 10) * text.textContent.length;
}
function chartFrame(svg, H, lo, hi, x0, x1) {
  const W = chartWidth(svg), R = 8, T = 8, B = 26;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.dataset.w = String(W);
  const raw = (hi - lo) / 4, mag = 10 ** Math.floor(Math.log10(raw)), step = [1, 2, 5, 10].map((k) => k * mag).find((v) => v >= raw);
  const digits = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(v);
  const labels = ticks.map((v) => { const t = svgEl("text", { "text-anchor": "end", class: "nx-svg-small" }, svg); t.textContent = v.toFixed(digits); return t; });
  const L = Math.min(Math.round(W / 3), Math.max(40, Math.ceil(Math.max(0, ...labels.map(labelWidth))) + 9));   // + the 5 px gap and 3 px tick
  const sx = (x) => L + ((x - x0) / ((x1 - x0) || 1)) * (W - L - R), sy = (y) => H - B - ((y - lo) / (hi - lo)) * (H - T - B);
  svgEl("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "nx-axis" }, svg);
  svgEl("line", { x1: L, y1: T, x2: L, y2: H - B, class: "nx-axis" }, svg);
  ticks.forEach((v, i) => {
    svgEl("line", { x1: L - 3, x2: L, y1: sy(v), y2: sy(v), class: "nx-axis" }, svg);
    labels[i].setAttribute("x", L - 5); labels[i].setAttribute("y", sy(v) + 3);
  });
  return { W, H, L, R, T, B, sx, sy };
}

// The prediction along eta: predicted at the moved point, predicted for the decoded cell, true value.
function drawChart(svg, etas, series, title) {
  svg.replaceChildren();
  const all = series.flatMap((s) => Array.from(s.values)).filter(Number.isFinite);
  let lo = Math.min(...all), hi = Math.max(...all);
  if (!all.length) { lo = 0; hi = 1; } if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const x0 = etas[0], x1 = etas[etas.length - 1] || 1;
  const { W, H, L, R, T, B, sx, sy } = chartFrame(svg, 160, lo, hi, x0, x1);
  for (const [v, anchor] of [[x0, "start"], [x1, "end"]]) svgEl("text", { x: sx(v), y: H - B + 12, "text-anchor": anchor, class: "nx-svg-small" }, svg).textContent = `η ${+v.toFixed(2)}`;
  svgEl("text", { x: (L + W - R) / 2, y: H - 3, "text-anchor": "middle", class: "nx-svg-small" }, svg).textContent = `step size η · values: ${title}`;   // the values as a saved figure's axis names them (titleOf)
  const th = themeOf(svg), ink = (c) => legible(c, th, 3);     // a line must be seen: 3:1 on the page (WCAG 1.4.11)
  for (const s of series) {
    const pts = []; etas.forEach((e, i) => { if (Number.isFinite(s.values[i])) pts.push(`${sx(e).toFixed(1)},${sy(s.values[i]).toFixed(1)}`); });
    svgEl("polyline", { points: pts.join(" "), fill: "none", stroke: ink(s.color), "stroke-width": 2, "stroke-dasharray": s.dash || "" }, svg);
  }
  const marker = svgEl("g", { class: "nx-marker" }, svg);
  const line = svgEl("line", { y1: T, y2: H - B, class: "nx-marker-line" }, marker);
  const dots = series.map((s) => svgEl("circle", { r: 3.5, fill: ink(s.color) }, marker));
  return (i) => {                          // move the marker to eta index i (cheap: the slider calls it)
    const x = sx(etas[i]); line.setAttribute("x1", x); line.setAttribute("x2", x);
    series.forEach((s, k) => { const v = s.values[i]; dots[k].setAttribute("cx", x); dots[k].setAttribute("cy", Number.isFinite(v) ? sy(v) : -99); });
  };
}

// The prediction chart's three series for the seed row ``S.m`` of the atlas (or the kernel's off-grid path,
// ``S.offgrid``): [{ name, color, dash, values: (E,) Float32Array }], NaN where a value is missing; ``truth``:
// the metric's column (null: no true values).
function chartSeries(atlas, S, truth) {
  const { A, E } = atlas;
  if (S.offgrid) return SERIES.map(([name, color, key, dash]) => ({ name, color, dash, values: Float32Array.from(S.offgrid[key] || [], (v) => (v == null ? NaN : v)) }));
  const at = (arr) => Float32Array.from({ length: E }, (_, e) => arr[S.m * E + e]);
  const dec = at(A.path_decoded);
  return [{ values: at(A.path_pred_moved) }, { values: at(A.path_pred_decoded) },
    { values: Float32Array.from(dec, (r) => (truth ? truth[r] : NaN)) }].map((s, k) => ({ ...s, name: SERIES[k][0], color: SERIES[k][1], dash: SERIES[k][3] }));
}

// A typed eta (the URL's ?eta=, the eta box) -> its index in the grid ``etas``, or the sentence saying why not.
function etaIndexIn(etas, text) {
  const E = etas.length, v = typedNumber(text), lo = etas[0], hi = etas[E - 1];
  const range = `${+lo.toFixed(4)}..${+hi.toFixed(4)}`;
  if (String(text).trim() === "") return `η: type a step size, ${range}`;      // not "η  is not a number"
  if (!Number.isFinite(v)) return `η ${text} is not a number (${range})`;
  if (v < lo - 1e-9 || v > hi + 1e-9) return `η ${text} is outside ${+lo.toFixed(4)}..${+hi.toFixed(4)}`;
  let best = 0; for (let i = 1; i < E; i++) if (Math.abs(etas[i] - v) < Math.abs(etas[best] - v)) best = i;
  if (Math.abs(etas[best] - v) > 1e-4 * Math.max(1, Math.abs(v))) return `η ${text} is not on the grid (step ${+(etas[1] - etas[0]).toFixed(4)}); nearest ${+etas[best].toFixed(4)}`;
  return best;
}

// naoviz line chart: lines with optional bands over a fitted linear axis, a legend and a hover readout, drawn
// as SVG from the widget's state (naoviz/ui/line_chart.py). Redraws on a change of state or of the width.

const M = { l: 58, r: 12, t: 10, b: 42 };

// The extent of every finite value of `keys` over all series (padded when flat).
function extent(series, keys) {
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (const k of keys) for (const v of s[k] || []) if (ok(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!Number.isFinite(lo)) return null;
  if (hi === lo) { lo -= 0.5; hi += 0.5; }
  return [lo, hi];
}

// An SVG path through the finite points; a None value breaks the line. `step`: each value held flat until the
// next point's x, then the jump (plotly's line shape "hv": an incumbent changes only at a query).
function linePath(xs, ys, X, Y, step = false) {
  let d = "", pen = false;
  for (let i = 0; i < xs.length; i++) {
    if (!ok(xs[i]) || !ok(ys[i])) { pen = false; continue; }
    const x = X(xs[i]).toFixed(1), y = Y(ys[i]).toFixed(1);
    d += pen ? (step ? `H${x}V${y}` : `L${x},${y}`) : `M${x},${y}`;
    pen = true;
  }
  return d;
}

// The band from lo to hi: out along hi, back along lo; `step` as linePath (back along lo, each value is held
// over the interval after its own x: down at the last x, then to the left, down or up, to the left, ...).
function bandPath(xs, lo, hi, X, Y, step = false) {
  const pts = xs.map((x, i) => [x, lo[i], hi[i]]).filter(([x, a, b]) => ok(x) && ok(a) && ok(b));
  if (pts.length < 2) return "";
  const f = (v) => v.toFixed(1);
  if (step) {
    let d = `M${f(X(pts[0][0]))},${f(Y(pts[0][2]))}`;
    for (let i = 1; i < pts.length; i++) d += `H${f(X(pts[i][0]))}V${f(Y(pts[i][2]))}`;
    d += `V${f(Y(pts[pts.length - 1][1]))}`;
    for (let i = pts.length - 2; i >= 0; i--) d += `V${f(Y(pts[i][1]))}H${f(X(pts[i][0]))}`;
    return d + "Z";
  }
  const up = pts.map(([x, , b], i) => `${i ? "L" : "M"}${f(X(x))},${f(Y(b))}`).join("");
  const down = pts.reverse().map(([x, a]) => `L${f(X(x))},${f(Y(a))}`).join("");
  return up + down + "Z";
}

function render({ model, el }) {
  const root = node("div", { class: "nl-root" }, el, null);
  // the legend and, in the same grid cell, invisible, the room of the names a run may still bring (legend_room)
  const head = node("div", { class: "nl-head" }, root, null);
  const legend = node("div", { class: "nl-legend" }, head, null), room = node("div", { class: "nl-legend nl-room", "aria-hidden": "true" }, head, null);
  const wrap = node("div", { class: "nl-plot" }, root, null);
  const tip = node("div", { class: "nl-tip" }, wrap, null);
  let svg = null, geom = null;

  function draw() {
    const series = model.get("series") || [];
    const width = Math.max(wrap.clientWidth || 600, 240), height = model.get("height");
    if (svg) svg.remove();
    svg = node("svg", { width, height, class: "nl-svg", role: "img", "aria-label": model.get("y_title") || "chart" });
    wrap.insertBefore(svg, tip);
    root.dataset.series = String(series.length);
    const ink = pageInk(root);                 // a colour as drawn on this page (lighter on a dark one)
    legend.replaceChildren();
    room.replaceChildren();
    if (model.get("legend_title")) node("span", { class: "nl-legend-title", text: model.get("legend_title") }, legend, null);
    for (const [text, kind] of model.get("legend_room") || []) {
      if (kind === "title") { node("span", { class: "nl-legend-title", text }, room, null); continue; }
      const item = node("span", { class: "nl-item" }, room, null);
      node("span", { class: "nl-swatch" + (kind === "dash" ? " nl-swatch-dash" : "") }, item, null);
      node("span", { text }, item, null);
    }
    for (const s of series) {
      const item = node("span", { class: "nl-item" }, legend, null);
      // a dashed line's swatch is dashed too (the line's 5 3 pattern), so the legend tells the two lines apart
      node("span", { class: "nl-swatch" + (s.dash ? " nl-swatch-dash" : ""), style: s.dash ?
        `background:repeating-linear-gradient(90deg,${ink(s.color)} 0 5px,transparent 5px 8px)` : `background:${ink(s.color)}` }, item, null);
      node("span", { text: s.name }, item, null);
    }
    const xr = extent(series, ["x"]), yr = extent(series, ["y", "lo", "hi"]);
    const pw = width - M.l - M.r, ph = height - M.t - M.b;
    node("text", { x: M.l + pw / 2, y: height - 6, class: "nl-title", "text-anchor": "middle", text: model.get("x_title") }, svg);
    node("text", { x: 0, y: 0, class: "nl-title", "text-anchor": "middle", transform: `translate(14,${M.t + ph / 2}) rotate(-90)`,
                   text: model.get("y_title") }, svg);
    if (!xr || !yr) {
      node("text", { x: M.l + pw / 2, y: M.t + ph / 2, class: "nl-empty", "text-anchor": "middle", text: "no data yet" }, svg);
      geom = null;
      return;
    }
    // the y axis ends on labelled ticks, so the top curve (a search's incumbents) is read against a number
    const pad = (yr[1] - yr[0]) * 0.04, tk = ticks(yr[0] - pad, yr[1] + pad), ys = tk.length > 1 ? tk[1] - tk[0] : 0;
    const y0 = ys ? Math.floor((yr[0] - pad) / ys + 1e-9) * ys : yr[0] - pad, y1 = ys ? Math.ceil((yr[1] + pad) / ys - 1e-9) * ys : yr[1] + pad;
    const X = (v) => M.l + ((v - xr[0]) / (xr[1] - xr[0] || 1)) * pw;
    const Y = (v) => M.t + (1 - (v - y0) / (y1 - y0)) * ph;
    const yt = ys ? Array.from({ length: Math.round((y1 - y0) / ys) + 1 }, (_, i) => y0 + i * ys) : ticks(y0, y1), xt = ticks(xr[0], xr[1], Math.max(2, Math.floor(pw / 90)), model.get("x_integer") ? 1 : 0);
    drawAxes(svg, M, X, Y, xt, yt, pw, ph, "nl");
    for (const s of series) {
      if (s.lo && s.hi) node("path", { d: bandPath(s.x, s.lo, s.hi, X, Y, s.step), fill: ink(s.color), class: "nl-band", "data-name": s.name }, svg);
    }
    // graded widths, the first drawn widest: a curve equal to a later one (searchers on the same cells) still
    // shows as a rim around it instead of being hidden under it; at most 4 px (a step of 1.5 px drew the first of
    // three searchers 5 px wide, of four 6.5 px, its dots 8-10 px: it read as the one that mattered)
    const step = series.length > 1 ? Math.min(1, 2 / (series.length - 1)) : 0;
    series.forEach((s, k) => {
      const w = 2 + step * (series.length - 1 - k);
      node("path", { d: linePath(s.x, s.y, X, Y, s.step), stroke: ink(s.color), class: "nl-line" + (s.dash ? " nl-dash" : ""), "data-name": s.name,
                     style: `stroke-width:${w}px` }, svg);
      if (s.x.length <= 40) for (let i = 0; i < s.x.length; i++) {
        if (ok(s.x[i]) && ok(s.y[i])) node("circle", { cx: X(s.x[i]), cy: Y(s.y[i]), r: w / 2 + 1.5, fill: ink(s.color), class: "nl-dot" }, svg);
      }
    });
    // the text alternative (the image's description): each line's last value, as the legend and readout give it
    node("desc", { text: series.map((s) => {
      let i = s.y.length - 1; while (i >= 0 && !ok(s.y[i])) i--;
      return i < 0 ? `${s.name}: no value` : `${s.name}: ${s.y[i].toFixed(3)}${unit()} at ${model.get("x_title") || "x"} ${s.x[i]}`;
    }).join("; ") }, svg);
    geom = { X, xr, pw, series, ink, cursor: node("line", { y1: M.t, y2: M.t + ph, class: "nl-cursor" }, svg) };
  }

  // a value's unit (y_unit: "%" for accuracies), so a readout is not a bare 91.137
  function unit() { const u = model.get("y_unit"); return u ? `\u00a0${u.replace(/[<>&]/g, "")}` : ""; }
  // Hover: the readout of every series at the x nearest the pointer.
  function hover(ev) {
    if (!geom) return;
    const box = svg.getBoundingClientRect(), px = ev.clientX - box.left;
    const xv = geom.xr[0] + ((px - M.l) / geom.pw) * (geom.xr[1] - geom.xr[0]);
    const lines = [];
    let shownX = null;
    for (const s of geom.series) {
      let best = -1;
      for (let i = 0; i < s.x.length; i++) if (ok(s.y[i]) && (best < 0 || Math.abs(s.x[i] - xv) < Math.abs(s.x[best] - xv))) best = i;
      if (best < 0) continue;
      shownX = shownX ?? s.x[best];
      const band = s.lo && ok(s.lo[best]) ? ` [${s.lo[best].toFixed(3)}, ${s.hi[best].toFixed(3)}]` : "";
      const runs = s.n && !s.name.endsWith(`(n=${s.n[best]})`) ? ` (n=${s.n[best]} here)` : "";
      lines.push([geom.ink(s.color), ` ${s.name}: ${s.y[best].toFixed(3)}${unit()}${band}${runs}`]);
    }
    if (shownX === null || px < M.l || px > M.l + geom.pw) { leave(); return; }
    geom.cursor.setAttribute("x1", geom.X(shownX)); geom.cursor.setAttribute("x2", geom.X(shownX));
    geom.cursor.style.display = "";
    // built as nodes and text, never as markup: a series name or title is shown as written, whatever it holds
    tip.replaceChildren();
    node("b", { text: `${model.get("x_title") || "x"} ${shownX}` }, tip, null);
    for (const [color, text] of lines) {
      node("br", {}, tip, null);
      node("span", { text: "●" }, tip, null).style.color = color;
      tip.appendChild(document.createTextNode(text));
    }
    tip.style.display = "block";
    tip.style.left = `${Math.min(px + 12, Math.max(wrap.clientWidth - tip.offsetWidth - 4, 0))}px`;
  }
  function leave() { tip.style.display = "none"; if (geom) geom.cursor.style.display = "none"; }
  wrap.addEventListener("mousemove", hover);
  wrap.addEventListener("mouseleave", leave);

  return liveChart(model, wrap, ["change:series", "change:x_title", "change:x_integer", "change:y_title", "change:legend_title", "change:legend_room", "change:height"], draw);
}

export default { render };

// naoviz scatter chart (the Search tab's Pareto plot): per group its points (hollow when infeasible), its
// front as a staircase (cost ascending: along x, then up), an optional dashed vertical line (the budget), a
// legend and a hover readout of the nearest point; drawn as SVG from the widget's state
// (naoviz/ui/scatter_chart.py). Redraws on a change of state or of the width. A y range set by the kernel
// (y_range, a few far outliers cut: naoviz/viz/axis_cut.py) draws the points under it at its lower edge as ▼,
// and a line under the x axis's title says so (y_note), in a strip kept whether or not it is drawn: in the legend
// it wrapped to a second row mid-run and moved the plot area 19 px down.

const M = { l: 58, r: 14, t: 14, b: 42 };
const NOTE = 16;           // the strip under the x axis's title that holds the cut's note (kept when empty)
const g4 = (v) => Number(v.toPrecision(4)).toString();

function extent(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (ok(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!Number.isFinite(lo)) return null;
  if (hi === lo) { const d = Math.abs(lo) * 0.05 || 0.5; lo -= d; hi += d; }
  const pad = (hi - lo) * 0.04;
  return [lo - pad, hi + pad];
}

function render({ model, el }) {
  const root = node("div", { class: "ns-root" }, el, null);
  const legend = node("div", { class: "ns-legend" }, root, null);
  const wrap = node("div", { class: "ns-plot" }, root, null);
  const tip = node("div", { class: "ns-tip" }, wrap, null);
  let svg = null, geom = null;

  function draw() {
    const groups = model.get("groups") || [], vline = model.get("vline");
    const width = Math.max(wrap.clientWidth || 600, 240), height = model.get("height");
    if (svg) svg.remove();
    svg = node("svg", { width, height: height + NOTE, class: "ns-svg", role: "img", "aria-label": model.get("label") || model.get("y_title") || "scatter chart" });
    wrap.insertBefore(svg, tip);
    root.dataset.groups = String(groups.length);
    const ink = pageInk(root);                 // a colour as drawn on this page (lighter on a dark one)
    legend.replaceChildren();
    for (const g of groups) {
      const item = node("span", { class: "ns-item" }, legend, null);
      node("span", { class: "ns-swatch", style: `background:${ink(g.color)}` }, item, null);
      node("span", { text: g.name }, item, null);
    }
    if (groups.some((g) => g.feasible.some((f) => !f))) node("span", { class: "ns-key", text: "○ over budget (infeasible)" }, legend, null);
    if (groups.some((g) => g.front.length)) node("span", { class: "ns-key", text: "staircase: feasible Pareto front" }, legend, null);
    const set = model.get("y_range") || [], cut = set.length === 2 && ok(set[0]) && ok(set[1]) && set[1] > set[0];
    const xs = groups.flatMap((g) => g.x).concat(ok(vline) ? [vline] : []), ys = groups.flatMap((g) => g.y);
    const xr = extent(xs), yr = cut ? set : extent(ys);
    // with a budget line, its label goes in a strip above the plot, clear of the points (the best ones sit at the
    // top, where the label was drawn over them)
    const m = ok(vline) ? { ...M, t: M.t + 16 } : M;
    const pw = width - m.l - m.r, ph = height - m.t - m.b;
    node("text", { x: m.l + pw / 2, y: height - 6, class: "ns-title", "text-anchor": "middle", text: model.get("x_title") }, svg);
    node("text", { x: 0, y: 0, class: "ns-title", "text-anchor": "middle", transform: `translate(14,${m.t + ph / 2}) rotate(-90)`,
                   text: model.get("y_title") }, svg);
    if (!xr || !yr || !ys.some(ok)) {
      node("text", { x: m.l + pw / 2, y: m.t + ph / 2, class: "ns-empty", "text-anchor": "middle", text: "no queries yet" }, svg);
      node("desc", { text: "no queries yet" }, svg);
      geom = null;
      return;
    }
    const X = (v) => m.l + ((v - xr[0]) / (xr[1] - xr[0])) * pw;
    const Y = (v) => m.t + (1 - (Math.max(v, yr[0]) - yr[0]) / (yr[1] - yr[0])) * ph;   // under the range: its edge
    const yt = ticks(yr[0], yr[1]), xt = ticks(xr[0], xr[1], Math.max(2, Math.floor(pw / 90)));
    drawAxes(svg, m, X, Y, xt, yt, pw, ph, "ns");
    if (cut && model.get("y_note")) {           // under the x title, from the plot's left edge; its first clause
      const full = model.get("y_note");         // alone where the whole does not fit (a phone), the whole on hover
      const note = node("text", { x: m.l, y: height + NOTE - 4, class: "ns-cut-note", text: full }, svg);
      if (note.getComputedTextLength() > width - m.l - 4) note.textContent = full.split(", ")[0];
      node("title", { text: full }, note);
    }
    if (ok(vline)) {
      node("line", { x1: X(vline), x2: X(vline), y1: m.t - 14, y2: m.t + ph, class: "ns-budget" }, svg);
      node("text", { x: X(vline) + (X(vline) > m.l + pw * 0.8 ? -4 : 4), y: m.t - 5, class: "ns-budget-label",
                     "text-anchor": X(vline) > m.l + pw * 0.8 ? "end" : "start", text: model.get("vline_label") }, svg);
    }
    const shown = [];
    for (const g of groups) {
      const layer = node("g", { class: "ns-group", "data-name": g.name }, svg);
      for (let i = 0; i < g.x.length; i++) {
        if (!ok(g.x[i]) || !ok(g.y[i])) continue;
        const feasible = g.feasible[i];
        if (cut && g.y[i] < yr[0]) {                 // cut: a ▼ on the lower edge, hollow when infeasible
          const x = X(g.x[i]), e = m.t + ph;
          node("path", { d: `M${(x - 4).toFixed(1)},${e - 8}L${(x + 4).toFixed(1)},${e - 8}L${x.toFixed(1)},${e - 1}Z`,
                         class: "ns-point ns-below" + (feasible ? "" : " ns-hollow"), fill: feasible ? ink(g.color) : "none", stroke: ink(g.color) }, layer);
          shown.push([g, i]);
          continue;
        }
        node("circle", { cx: X(g.x[i]).toFixed(1), cy: Y(g.y[i]).toFixed(1), r: 3, class: "ns-point" + (feasible ? "" : " ns-hollow"),
                         fill: feasible ? ink(g.color) : "none", stroke: ink(g.color) }, layer);
        shown.push([g, i]);
      }
    }
    for (const g of groups) {
      const f = g.front.filter((i) => ok(g.x[i]) && ok(g.y[i]));
      if (!f.length) continue;
      // the staircase: from each front point along x to the next one's cost, then up to its accuracy
      let d = `M${X(g.x[f[0]]).toFixed(1)},${Y(g.y[f[0]]).toFixed(1)}`;
      for (let k = 1; k < f.length; k++) d += `H${X(g.x[f[k]]).toFixed(1)}V${Y(g.y[f[k]]).toFixed(1)}`;
      node("path", { d, stroke: ink(g.color), class: "ns-front", "data-name": g.name }, svg);
      for (const i of f) node("circle", { cx: X(g.x[i]).toFixed(1), cy: Y(g.y[i]).toFixed(1), r: 4.5, fill: ink(g.color), class: "ns-front-point" }, svg);
    }
    // the text alternative: per group its queries, how many were feasible, and its front's ends
    node("desc", { text: groups.map((g) => {
      const nf = g.feasible.filter(Boolean).length, f = g.front;
      const ends = f.length ? `; front of ${f.length} from ${g4(g.y[f[0]])} at ${g4(g.x[f[0]])} to ${g4(g.y[f[f.length - 1]])} at ${g4(g.x[f[f.length - 1]])}` : "; no feasible query";
      return `${g.name}: ${g.x.length} queries, ${nf} feasible${ends}`;
    }).join("; ") + (ok(vline) ? `; ${model.get("vline_label")}` : "") + (cut && model.get("y_note") ? `; ${model.get("y_note")}` : "") }, svg);
    geom = { X, Y, shown, cut, lo: yr[0], ink };
  }

  // Hover: the point nearest the pointer (within 20 px), its searcher and values.
  function hover(ev) {
    if (!geom) return;
    const box = svg.getBoundingClientRect(), px = ev.clientX - box.left, py = ev.clientY - box.top;
    let best = null, bd = 400;
    for (const [g, i] of geom.shown) {
      const d = (geom.X(g.x[i]) - px) ** 2 + (geom.Y(g.y[i]) - py) ** 2;
      if (d < bd) { bd = d; best = [g, i]; }
    }
    if (!best) { leave(); return; }
    const [g, i] = best;
    tip.replaceChildren();
    node("span", { style: `color:${geom.ink(g.color)}`, text: "● " }, tip, null);
    node("span", { text: `${g.name}: ${model.get("y_title") || "y"} ${g4(g.y[i])}, ${model.get("x_title") || "x"} ${g4(g.x[i])}`
                   + (g.feasible[i] ? "" : " (infeasible)") + (g.front.includes(i) ? " · on the front" : "")
                   + (geom.cut && g.y[i] < geom.lo ? " · under the axis, drawn at its edge" : "") }, tip, null);
    tip.style.display = "block";
    tip.style.left = `${Math.min(px + 12, Math.max(wrap.clientWidth - tip.offsetWidth - 4, 0))}px`;
  }
  function leave() { tip.style.display = "none"; }
  wrap.addEventListener("mousemove", hover);
  wrap.addEventListener("mouseleave", leave);

  return liveChart(model, wrap, ["change:groups", "change:vline", "change:vline_label", "change:x_title", "change:y_title", "change:label", "change:height", "change:y_range", "change:y_note"], draw);
}

export default { render };

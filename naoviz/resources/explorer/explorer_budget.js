// naoviz explorer, part 7 of 13: the budget. A cost column (sizes, FLOPs, latencies: the payload header's
// cost_columns) and an upper bound grey out the cells over it on the map, mark which decoded cells of the path
// are within it, chart the path's cost along η and name the path's best feasible cell. The atlas's paths are
// the UNCONSTRAINED gradient paths, filtered here by the budget. With a model in the kernel, a budget set
// (slider released, value typed, column chosen) also asks the kernel for the constrained step's path (CostNAO's
// Lagrangian, hooks.constrain); the filtered path stays until it comes. The page says which path is shown.

const OFF_RGB = [228, 228, 228];                 // greyed: a cell over the budget (NaN values stay GREY, 200)
const OFF = (255 << 24) | (OFF_RGB[2] << 16) | (OFF_RGB[1] << 8) | OFF_RGB[0];
const sig = (v) => +(+v).toPrecision(4);         // what the slider writes: 4 significant digits

// hooks: path() -> { rows (E) decoded rows (-1: not in the atlas), pred (E) predicted for them } or null;
// repaint() (the map's base image), overlay(), write(fields) (to the model), msg(text, err: a refused value), setEta(i);
// constrain() (ask the kernel for the constrained step, when it can), shown() -> which path is drawn:
// { kind: "constrained" | "asking" | "failed" | "nokernel" | "nohandler" | "typed" | "filtered", why }.
function budgetPart(root, atlas, hooks) {
  const $ = (s) => root.querySelector(s), A = atlas.A, E = atlas.E, unit = atlas.h.metric;
  const cols = atlas.h.cost_columns || [], truth = A["column." + unit] || null;
  const B = { col: "", budget: null, dragging: false, eta: 0, off: null, nOk: 0, costs: null, ok: null, rows: null, pred: null, best: -1 };
  let moveMarker = () => {};
  for (const c of ["", ...cols]) $(".nx-bcol").appendChild(h("option", { value: c, text: c ? menuName(atlas, c) : "off", title: c || "no budget" }));
  if (!cols.length) { $(".nx-bar").appendChild($(".nx-export")); $(".nx-bbar").hidden = true; }   // no budget row: the top bar's end
  $(".nx-bcol").title = "grey out the cells over a cost budget (sizes, FLOPs, latencies of this table)";

  const valid = (c) => c === "" || cols.includes(c);
  function span(c) {                             // finite min..max of a column (the slider's range)
    const v = A["column." + c]; let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i]; }
    return lo <= hi ? [lo, hi] : [0, 1];
  }
  function median(c) { const v = Array.from(A["column." + c]).filter(Number.isFinite).sort((a, b) => a - b); return v.length ? sig(v[v.length >> 1]) : null; }
  function mask() {                              // 1 = over the budget (greyed); NaN is never within it
    B.off = null; B.nOk = atlas.N;
    if (!B.col || B.budget == null) return;
    const v = A["column." + B.col], off = new Uint8Array(atlas.N); let n = 0;
    for (let i = 0; i < atlas.N; i++) { if (v[i] <= B.budget) n++; else off[i] = 1; }
    B.off = off; B.nOk = n;
  }
  function controls() {
    $(".nx-bcol").value = B.col;
    const sl = $(".nx-bslider"), inp = $(".nx-budget");
    sl.disabled = inp.disabled = !B.col;
    // off: the slider and its box hidden (their room kept), not a disabled handle at mid-range that looked set;
    // a column with no bound typed: the handle greyed
    $(".nx-bbar").dataset.budget = !B.col ? "off" : B.budget == null ? "unset" : "set";
    if (B.col) { const [lo, hi] = span(B.col); sl.min = String(lo); sl.max = String(hi); sl.step = String((hi - lo) / 500 || 1e-6); }
    if (B.budget != null) sl.value = String(B.budget);
    sl.setAttribute("aria-valuetext", B.col && B.budget != null ? boundText(atlas, B.col, B.budget) : "off");   // read as the bound, not a bare number
    inp.value = B.budget == null ? "" : String(B.budget);
    $(".nx-bunit").textContent = B.col ? valueUnit(B.col) : "";   // the bound's unit beside its box ("ms", "M")
  }
  // Apply a column and budget (already valid); ``write``: the change came from the page, tell the model.
  // ``quiet``: only remember them (the first draw paints and charts everything after).
  function set(col, budget, write = false, quiet = false) {
    const changed = col !== B.col || budget !== B.budget;
    B.col = col; B.budget = col ? budget : null;
    controls(); mask();
    if (!changed || quiet) return;
    hooks.repaint(); path();
    if (write) { B.echo = true; try { hooks.write({ budget_column: B.col, budget: B.budget }); } finally { B.echo = false; } }
  }

  // -- the path: each decoded cell's cost, which are within the budget, the best feasible one --------
  function path() {
    const p = hooks.path();
    $(".nx-costbox").hidden = !B.col || !p;
    if (!p) { B.costs = B.ok = null; B.best = -1; $(".nx-binfo").replaceChildren(); return; }
    B.rows = p.rows; B.pred = p.pred;
    if (B.col) {
      const v = A["column." + B.col];
      B.costs = Float32Array.from(p.rows, (r) => (r >= 0 ? v[r] : NaN));
      B.ok = Uint8Array.from(B.costs, (c) => (B.budget == null || c <= B.budget ? 1 : 0));
    } else { B.costs = null; B.ok = null; }
    B.best = -1;
    if (B.ok && B.budget != null) for (let e = E - 1; e >= 0; e--) if (B.ok[e] && p.rows[e] >= 0) { B.best = e; break; }
    if (B.col) { moveMarker = drawCostChart($(".nx-costchart"), A.etas, B.costs, B.ok, B.budget, titleOf(atlas, B.col)); moveMarker(B.eta); }
    info();
  }
  function info() {
    const el = $(".nx-binfo"); el.dataset.best = String(B.best); el.dataset.row = String(B.best >= 0 ? B.rows[B.best] : -1);
    if (!B.col) { el.replaceChildren(); return; }
    if (B.budget == null) { el.replaceChildren(h("div", { text: `cost along the path: ${nameOf(atlas, B.col)} of each decoded cell (true table value); type a budget to grey out the cells over it` })); return; }
    const kids = [h("div", { text: `${grouped(B.nOk)} of ${grouped(atlas.N)} cells within ${boundText(atlas, B.col, B.budget)}; the rest are greyed` })];
    if (B.best >= 0) {
      const e = B.best, r = B.rows[e];
      kids.push(h("div", { class: "nx-bbest" }, h("b", { text: "best feasible on this path: " }),
        h("a", { href: "#", text: `η = ${fmt(A.etas[e])}`, onclick: (ev) => {
          ev.preventDefault(); hooks.setEta(e);
          if (!root.contains(document.activeElement)) $(".nx-bbest a")?.focus();   // the line was redrawn under the focus
        } }),
        h("span", { text: ` · row ${r} · true ${fmtU(truth ? truth[r] : NaN, unit)}, predicted ${fmtU(B.pred[e], unit)} (${nameOf(atlas, unit)}) · ${nameOf(atlas, B.col)} ${fmtU(B.costs[e], B.col, 3)} ` }),
        cellCode(atlas.labels[r], { title: atlas.labels[r] })));
    } else kids.push(h("div", { class: "nx-bbest", text: `no decoded cell on this path is within ${boundText(atlas, B.col, B.budget)}` }));
    kids.push(h("div", { class: "nx-bnote", text: pathNote() }));
    el.replaceChildren(...kids);
  }

  function pathNote() {                          // which path is shown: the constrained step's or the filtered one
    const sh = hooks.shown ? hooks.shown() : { kind: "nokernel" }, hollow = " Hollow points: decoded cells over the budget.";
    if (sh.kind === "constrained") {
      // the cost head's "within" against the table's true cost: a hollow point where it said within read as a bug
      const wrong = B.ok ? (sh.atFlags || []).filter((f, e) => f && B.rows[e] >= 0 && !B.ok[e]).length : 0;
      const misjudged = wrong ? ` The cost head misjudged ${wrong} of them: their true cost (the table's) is over the budget.` : "";
      return `Shown: the constrained step, budget ${boundText(atlas, sh.column, sh.bound)} (from the kernel: at each η the gradient step's decode where the cost head, fitted on this table, puts it within the budget, else CostNAO's Lagrangian step; here at ${sh.at} of ${E} η).${misjudged}${hollow}`;
    }
    const filtered = "Shown: the gradient path filtered by the budget", bud = boundText(atlas, B.col, B.budget);
    if (sh.kind === "asking") return `${filtered}; asking the kernel for the constrained step, budget ${bud}…${hollow}`;
    if (sh.kind === "failed") return `${filtered}; the constrained step failed: ${sh.why}${hollow}`;
    if (sh.kind === "nokernel") return `${filtered} (no kernel: the constrained step needs JupyterLab or the dashboard).${hollow} A search under it: naoviz search --constraint "${B.col}<=${B.budget}".`;
    if (sh.kind === "nohandler") return `${filtered} (no model in the kernel: ExplorerWidget(atlas, handler=nao_handler(loader)) takes the constrained step).${hollow}`;
    return `${filtered}; the constrained step is for the atlas's seeds (a typed cell's kernel path is unconstrained).${hollow}`;
  }

  // -- drawing on the map's overlay -------------------------------------------------------------------
  // the path's points: filled within the budget, hollow over it (in the theme's ink on its background, T: themeOf)
  function drawPath(ctx, xy, T = themeOf(root)) {
    ctx.fillStyle = T.ink; ctx.strokeStyle = T.ink; ctx.lineWidth = 1.2;
    for (let e = 0; e < E; e++) {
      const [x, y] = xy(e);
      if (!B.ok || B.ok[e]) ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
      else { ctx.fillStyle = T.bgCss; ctx.fillRect(x - 2.5, y - 2.5, 5, 5); ctx.strokeRect(x - 2.5, y - 2.5, 5, 5); ctx.fillStyle = T.ink; }
    }
  }
  function markBest(ctx, rowXY, T = themeOf(root)) {    // a green ring on the best feasible decoded cell
    if (B.best < 0) return;
    const [x, y] = rowXY(B.rows[B.best]); ctx.strokeStyle = legible("#188038", T, 3); ctx.lineWidth = 2.5;
    ctx.beginPath(); ctx.arc(x, y, 10, 0, 7); ctx.stroke();
  }

  // -- URL state and events -----------------------------------------------------------------------------
  function writeURL(u) {
    if (B.col) u.searchParams.set("budget_column", B.col); else u.searchParams.delete("budget_column");
    if (B.budget != null) u.searchParams.set("budget", String(B.budget)); else u.searchParams.delete("budget");
  }
  function readURL(q, bad) {                     // -> [col, budget] from the link, or the current ones
    let col = B.col, budget = B.budget;
    if (q.has("budget_column")) { const c = q.get("budget_column"); if (valid(c)) col = c; else bad.push(`budget_column ${c} is not one of ${cols.join(", ") || "(none)"}`); }
    if (q.has("budget")) { const t = q.get("budget").trim(), v = typedNumber(t); if (t !== "" && Number.isFinite(v)) budget = v; else bad.push(`budget ${t} is not a number`); }
    return [col, budget];
  }
  // The kernel is asked on a settled value only (column chosen, slider released, value typed), never per drag pixel.
  const constrain = () => { if (hooks.constrain) hooks.constrain(); };
  $(".nx-bcol").addEventListener("change", (ev) => { const c = ev.target.value; set(c, c ? (c === B.col ? B.budget : median(c)) : null, true); constrain(); });
  $(".nx-bslider").addEventListener("input", (ev) => set(B.col, sig(ev.target.value), true));
  $(".nx-bslider").addEventListener("change", () => { B.dragging = false; constrain(); });
  $(".nx-bslider").addEventListener("pointerdown", () => { B.dragging = true; });   // model echoes wait till release
  for (const ev of ["pointerup", "pointercancel"]) root.addEventListener(ev, () => { B.dragging = false; });
  $(".nx-budget").addEventListener("change", (ev) => {
    const t = ev.target.value.trim(), v = typedNumber(t);
    if (t === "") { set(B.col, null, true); hooks.msg(""); constrain(); return; }
    if (!Number.isFinite(v)) { const [lo, hi] = span(B.col); hooks.msg(`budget ${t} is not a number (${B.col} spans ${sig(lo)}..${sig(hi)})`, true); controls(); return; }
    hooks.msg(""); set(B.col, v, true); constrain();
  });
  return { state: B, valid, set, path, info, eta: (i) => { B.eta = i; moveMarker(i); }, off: () => B.off, drawPath, markBest, writeURL, readURL };
}

// The path's cost along η (true table value of each decoded cell): filled points within the budget, hollow
// over it, the budget as a dashed line.
function drawCostChart(svg, etas, costs, ok, budget, title) {
  svg.replaceChildren();
  const all = Array.from(costs).filter(Number.isFinite);
  if (budget != null) all.push(budget);
  let lo = all.length ? Math.min(...all) : 0, hi = all.length ? Math.max(...all) : 1;
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const x0 = etas[0], x1 = etas[etas.length - 1] || 1;
  const { W, H, L, R, T, B: Bm, sx, sy } = chartFrame(svg, 110, lo, hi, x0, x1);
  svgEl("text", { x: (L + W - R) / 2, y: H - 3, "text-anchor": "middle", class: "nx-svg-small" }, svg).textContent = `${title} of the decoded cell along η`;   // its words and unit as a saved figure's axis (titleOf)
  if (budget != null) svgEl("line", { x1: L, x2: W - R, y1: sy(budget), y2: sy(budget), class: "nx-budget-line" }, svg);
  const pts = []; etas.forEach((e, i) => { if (Number.isFinite(costs[i])) pts.push(`${sx(e).toFixed(1)},${sy(costs[i]).toFixed(1)}`); });
  svgEl("polyline", { points: pts.join(" "), fill: "none", stroke: themeOf(svg).ink2, "stroke-width": 1.5 }, svg);
  etas.forEach((e, i) => {
    if (Number.isFinite(costs[i])) svgEl("circle", { cx: sx(e), cy: sy(costs[i]), r: 3, class: ok[i] ? "nx-cost-ok" : "nx-cost-over" }, svg);
  });
  const line = svgEl("line", { y1: T, y2: H - Bm, class: "nx-marker-line" }, svg);
  return (i) => { const x = sx(etas[i]); line.setAttribute("x1", x); line.setAttribute("x2", x); };
}

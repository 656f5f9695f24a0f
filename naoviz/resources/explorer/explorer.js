// naoviz explorer, part 13 of 13: the widget. State lives in the model (anywidget's model, or the standalone
// page's shim); the slider, clicks, hover, search and colour are answered here from the atlas, then written
// back to the model so the kernel sees them. Only off-grid work is sent to the kernel (custom messages).

async function render({ model, el }) {
  // A new atlas (a cold start's full one after its quick one) redraws the whole view from the model's state.
  // Mounts decode asynchronously, so one may still be decoding when the next atlas arrives: only the newest
  // mount may attach its listeners (an older one would live on unseen, writing its atlas's state to the model).
  let cleanup = null, generation = 0;
  const remount = async () => {
    const g = ++generation;
    if (cleanup) { cleanup(); cleanup = null; }
    const done = await mount(model, el, () => g !== generation, g > 1);
    if (g !== generation) { if (done) done(); return; }
    cleanup = done;
  };
  model.on("change:_atlas_data", remount);     // before the first mount: an atlas arriving meanwhile counts
  await remount();
  return () => { generation++; model.off("change:_atlas_data", remount); if (cleanup) cleanup(); };
}

// ``swapped``: a later atlas (a cold start's full one) in a page already drawn: the model holds the state, and
// the address bar only the page's own echo of the first atlas's (?view=pca), which must not win over the kernel.
async function mount(model, el, stale = () => false, swapped = false) {
  // a new atlas (a cold start's full one after the quick one) redraws the view: the focused control keeps the focus
  const focused = el.contains(document.activeElement) ? document.activeElement.classList[0] || "" : null;
  const red = el.querySelector(".nx-msg.nx-err")?.textContent ?? null;   // a refusal on show stays red (the model has no colour)
  const root = template(); el.replaceChildren(root);
  const offs = [], on = (ev, f) => { model.on(ev, f); offs.push(() => model.off(ev, f)); };
  const $ = (s) => root.querySelector(s);
  // One line for the student: a hint or a result in the text colour, a refused value (err) in red.
  // ``full``: a one-line message (files saved) cut with … where the row is narrower, its whole text in the tip
  const show = (text, err = false, full = "") => {
    const el = $(".nx-msg"); el.textContent = text; el.classList.toggle("nx-err", err);
    el.classList.toggle("nx-one", !!full); if (full) el.title = full; else el.removeAttribute("title");
  };
  const msg = (text, err = false, full = "") => { show(text, err, full); model.set("message", text); model.save_changes(); };
  // The student moved on (slider, keys, ▶, a cell chosen, another map or colour): a refused value's red line is
  // stale now and goes; a hint or result stays. (It stayed: "budget Infinity is not a number" under a budget
  // already off, after the slider had moved.)
  const settle = () => { if ($(".nx-msg").classList.contains("nx-err")) msg(""); };
  let atlas;
  try { atlas = await decodeAtlas(model.get("_atlas_header"), model.get("_atlas_data")); }
  catch (err) { show(`cannot read the atlas: ${err}`, true); return null; }
  if (stale()) return null;              // a newer atlas's mount owns the view now
  const { A, E } = atlas, unit = atlas.h.metric, said = nameOf(atlas, unit);   // the metric's id and its words
  root.dataset.space = atlas.h.space || "";   // the tour tells an NB201 cell from a NAONet one by it
  const S = { seed: -1, m: -1, eta: 0, view: model.get("view"), color: model.get("color") || unit, picked: -1,
              hover: -1, hits: null, selection: [], offgrid: null, play: null, drag: null,
              tool: model.get("select_tool") === "lasso" ? "lasso" : "box", shape: null };
  const scatter = new Scatter($(".nx-map"));
  let moveMarker = () => {}, orderCache = {};
  const truth = A["column." + unit] || null;
  const Bg = budgetPart(root, atlas, { repaint: () => rebuild(), write: (f) => write(f), msg: (t, err) => msg(t, err), setEta: (i) => setEta(i),
    constrain: () => ker.constrain(), shown: () => ker.shown(),
    path: () => (S.offgrid ? { rows: S.offgrid.rows, pred: S.offgrid.pred_decoded || [] } : S.m >= 0
      ? { rows: A.path_decoded.subarray(S.m * E, S.m * E + E), pred: A.path_pred_decoded.subarray(S.m * E, S.m * E + E) } : null) });
  const { overlay } = overlayPart(root, atlas, S, scatter, Bg);   // explorer_overlay.js

  // -- controls ---------------------------------------------------------------------------------------
  for (const v of atlas.h.maps) $(".nx-view").appendChild(h("option", { value: v, text: v }));
  // the colour menu in words, each column's id in its hover title (and the legend's): "validation accuracy (valid_acc)"
  // in the closed menu pushed the bar's last button to a row of its own at 1024 px
  for (const c of ["predicted", ...atlas.h.columns, "class_size"]) $(".nx-color").appendChild(h("option", { value: c, text: nameOf(atlas, c), title: c }));
  $(".nx-slider").max = String(E - 1);
  $(".nx-export").title = "download this explorer as one HTML file (runs offline)";
  $(".nx-figs").title = "save the map, prediction chart and cells in the kernel's export folder, in the size chosen beside";
  if (!model.get("kernel")) $(".nx-figs-group").hidden = true;      // the standalone page has no kernel to draw them

  // -- drawing ----------------------------------------------------------------------------------------
  const colorValues = () => column(atlas, S.color);
  function order(name) {                  // draw order: the best values last (on top)
    if (!orderCache[name]) {
      const v = column(atlas, name), idx = Array.from({ length: atlas.N }, (_, i) => i);
      const key = (i) => (Number.isFinite(v[i]) ? v[i] : -Infinity);
      idx.sort((a, b) => key(a) - key(b)); orderCache[name] = idx;
    }
    return orderCache[name];
  }
  function mask() {
    const m = S.selection.length || S.hits ? new Uint8Array(atlas.N) : null;
    if (S.hits) for (const i of S.hits) m[i] = 1;
    for (const i of S.selection) m[i] = 1;
    return m;
  }
  function rebuild() {                    // base image: after a resize, a new map, colour, search or selection
    const box = $(".nx-mapbox"), w = Math.max(120, box.clientWidth);
    const v = colorValues(), [lo, hi, below, above] = range(v);
    const cu = S.color === "predicted" ? unit : S.color;     // the predicted colour is in the metric's unit
    // the colour's words (whole: the footer wraps for them; cut with … only on a phone, whole with the id in its
    // hover title), then the ends; set before the map's height, which leaves room for the footer's rows
    $(".nx-legend").replaceChildren(h("span", { class: "nx-lname", title: menuName(atlas, S.color), text: nameOf(atlas, S.color) }),
      h("span", { text: `${below ? "≤ " : ""}${fmtU(lo, cu)}` }),
      h("span", { class: "nx-ramp", style: `background: linear-gradient(90deg, ${lut(themeOf(root)).css.filter((_, i) => i % 32 === 0 || i === 255).join(",")})` }),
      h("span", { text: `${above ? "≥ " : ""}${fmtU(hi, cu)}` }));
    const hgt = mapHeight(root, w);       // short enough that the η row is on screen (explorer_layout.js)
    $(".nx-map").style.height = `${hgt}px`;
    scatter.resize(w, hgt); scatter.layout(A["map." + S.view], w, hgt);
    scatter.paint(v, lo, hi, order(S.color), mask(), Bg.off());
    overlay();
  }
  // -- panels -----------------------------------------------------------------------------------------
  const seriesFor = () => chartSeries(atlas, S, truth);     // explorer_chart.js
  function seedLabel() { return S.offgrid ? S.offgrid.cell : atlas.labels[S.seed]; }
  function decodedLabel() { return S.offgrid ? S.offgrid.decoded[S.eta] : atlas.labels[A.path_decoded[S.m * E + S.eta]]; }
  function etaPanels() {                  // everything that follows eta: decoded cell, chart marker, info, map
    if (S.m < 0 && !S.offgrid) return;
    const dl = decodedLabel(), sl = seedLabel();
    drawCell($(".nx-deccell"), dl, sl, `decoded at η = ${fmt(A.etas[S.eta])} · ◆ on the map`, atlas.h.space);   // the map's marks, named
    moveMarker(S.eta); Bg.eta(S.eta);
    const dr = S.offgrid ? S.offgrid.rows[S.eta] : A.path_decoded[S.m * E + S.eta];
    const ham = cellChangeCount(dl, sl, atlas.h.space);       // NB201 edges or NAONet node inputs, else null
    const series = seriesFor();
    $(".nx-info").replaceChildren(
      h("div", { class: "nx-cellstr" }, h("b", { text: `seed${S.offgrid ? (S.offgrid.row >= 0 ? ` row ${S.offgrid.row} (${S.offgrid.constrained ? "constrained step" : "path"} from the kernel)` : " (typed, from the kernel)") : ` row ${S.seed}`}: ` }), cellCode(sl)),
      h("div", { class: "nx-cellstr" }, h("b", { text: `decoded${dr >= 0 ? ` row ${dr}` : ""}: ` }), cellCode(dl, { class: "nx-decoded" })),
      h("div", { text: `η = ${fmt(A.etas[S.eta])} · at the moved point: predicted ${fmtU(series[0].values[S.eta], unit)} · decoded: predicted ${fmtU(series[1].values[S.eta], unit)}, true ${fmtU(series[2].values[S.eta], unit)} (${said})` +
        (ham != null ? ` · ${ham} edge${ham === 1 ? "" : "s"} changed` : "") }));
    $(".nx-slider").value = String(S.eta);
    $(".nx-slider").setAttribute("aria-valuetext", `η = ${fmt(A.etas[S.eta])}`);
    $(".nx-eta-in").value = String(+A.etas[S.eta].toFixed(4));
    const line = `η ${fmt(A.etas[S.eta])}: decoded${dr >= 0 ? ` row ${dr}` : " cell"}, predicted ${fmtU(series[1].values[S.eta], unit)}, true ${fmtU(series[2].values[S.eta], unit)} (${said})` +
      (ham != null ? `, ${ham} edge${ham === 1 ? "" : "s"} changed` : "");
    describe(dr, line); announce(line);
    overlay();
    write({ _decoded_shown: { seed: S.seed, eta_index: S.eta, cell: dl } });   // what the Child tab trains
  }
  // Text alternatives that follow the state: the map (what it shows, seed, η) and the chart (the values at η).
  function describe(dr, line = "") {
    const seedText = S.offgrid ? (S.offgrid.row >= 0 ? `seed row ${S.offgrid.row}` : "a typed seed cell") : `seed row ${S.seed}`;
    // the table's cells, as the dashboard's table line and the exported map's title count them (atlas.N also holds
    // cells decoded off the table: "map of 6,912 cells" under "6,466 cells" on the digits table)
    $(".nx-map").setAttribute("aria-label", `map of ${grouped(atlas.h.n_table ?? atlas.N)} cells (${S.view}), coloured by ${nameOf(atlas, S.color)}; ${seedText} (star), ` +
      `decoded${dr >= 0 ? ` row ${dr}` : " cell"} at η = ${fmt(A.etas[S.eta])} (diamond)${S.selection.length ? `; ${S.selection.length} selected` : ""}`);
    if (!line) return;
    const chart = $(".nx-chart"), d = chart.querySelector("desc") || chart.insertBefore(svgEl("desc"), chart.firstChild);
    d.textContent = `${line}; predicted at the moved point ${fmtU(seriesFor()[0].values[S.eta], unit)}`;
  }
  // The prediction line for a screen reader, said once η has rested 600 ms: a drag or ▶ says only where it stops.
  let liveTimer = null;
  function announce(text) {
    clearTimeout(liveTimer);
    liveTimer = setTimeout(() => { const el = $(".nx-live"); if (el.textContent !== text) el.textContent = text; }, 600);
  }
  // the seed row box: the atlas seed, or the row whose path came from the kernel ("" for a typed cell)
  const shownSeed = () => (S.offgrid ? (S.offgrid.row >= 0 ? String(S.offgrid.row) : "") : String(S.seed));
  function seedPanels() {
    const sl = seedLabel();
    drawCell($(".nx-seedcell"), sl, null, (S.offgrid ? (S.offgrid.row >= 0 ? `seed (row ${S.offgrid.row})` : "typed cell") : `seed (row ${S.seed})`) + " · ★ on the map", atlas.h.space);
    const series = seriesFor();
    moveMarker = drawChart($(".nx-chart"), A.etas, series, titleOf(atlas, unit));
    const T = themeOf(root);
    $(".nx-keys").replaceChildren(...series.map((x, k) => h("span", { title: SERIES_HINTS[k] },   // words in the text colour (the orange is 3.1:1)
      h("span", { class: "nx-key-mark", style: `color:${legible(x.color, T, 3)}`, "aria-hidden": "true", text: x.dash ? "╌" : "—" }), h("span", { text: ` ${x.name}` }))));
    $(".nx-seed").value = shownSeed();
    Bg.path(); etaPanels();
  }

  // -- state changes (local first, then written to the model) -----------------------------------------
  let pending = null;
  // field -> the page's value set in the model, not yet sent: it wins over the kernel's echo of the page's previous
  // write landing meanwhile (ipywidgets 8 applies it). A value the model already holds is not noted: a new atlas's
  // view writes the model's state back, and noting it would undo the kernel's next change (the UMAP view) as an echo.
  const unsent = new Map();
  function write(fields) {                // a few writes per second at most: sweeps stay local
    for (const [k, v] of Object.entries(fields)) if (unsent.has(k) || model.get(k) !== v) { unsent.set(k, v); model.set(k, v); }
    if (!pending) pending = setTimeout(() => { pending = null; unsent.clear(); model.save_changes(); link.write(); }, 120);
  }
  function newerHere(...keys) {           // an unsent value of these fields is put back, the model's change ignored
    let held = false;
    for (const k of keys) if (unsent.has(k)) { held = true; if (model.get(k) !== unsent.get(k)) model.set(k, unsent.get(k)); }
    return held;
  }
  const hasPath = (row) => row >= 0 && row < atlas.N && (atlas.seedIndex[row] >= 0 || atlas.seedIndex[A.class_of[row]] >= 0);
  const ker = kernelPart(root, model, atlas, S, Bg, { msg: (t, err) => msg(t, err), seedPanels: () => seedPanels(), overlay: () => overlay(),
    setSeed: (r) => setSeed(r), hasPath: (r) => hasPath(r) });
  const kernelPaths = ker.paths, offgridRequest = ker.request, constrain = ker.constrain;
  const link = urlPart(model, atlas, S, Bg, { msg: (t, err) => msg(t, err) });   // explorer_url.js
  function setSeed(row, why = "") {
    const m = atlas.seedIndex[row];
    if (m < 0) {                          // a link says the same (explorer_url.js)
      const no = noPathOf(atlas, row);
      if (no.rep >= 0) return setSeed(no.rep, no.why);
      pick(row);
      if (kernelPaths()) { offgridRequest(atlas.labels[row], 1, row); return false; }
      msg(no.why);
      return false;
    }
    S.seed = row; S.m = m; S.offgrid = null; ker.reset(); seedPanels(); write({ seed: row });
    if (why) msg(why);
    constrain();                          // with a budget and a kernel: ask for this seed's constrained step
    return true;
  }
  function setEta(i) { S.eta = Math.max(0, Math.min(E - 1, i)); etaPanels(); write({ eta_index: S.eta }); }
  function setView(v) { S.view = v; $(".nx-view").value = v; rebuild(); write({ view: v }); }
  function setColor(c) { S.color = c; $(".nx-color").value = c; rebuild(); write({ color: c }); }
  function setTool(t) {
    S.tool = t === "lasso" ? "lasso" : "box"; $(".nx-mapbox").dataset.tool = S.tool;   // explorer.css: a finger draws a lasso any way
    for (const b of root.querySelectorAll(".nx-tool")) b.setAttribute("aria-pressed", String(b.dataset.tool === S.tool));
    if (model.get("select_tool") !== S.tool) { model.set("select_tool", S.tool); model.save_changes(); }
  }
  function pick(row) {                    // clicked point: its k nearest cells in the embedding (explorer_rows.js)
    S.picked = row; overlay();
    $(".nx-nbrs").replaceChildren(...nearestList(atlas, row, unit, truth, (r, k) => { choose(r); refocus(".nx-nbrs a", k); }));
  }
  // Keyboard focus survives the list under it being redrawn (a neighbour link chosen: the list is the new
  // seed's): the item at the same place in the new list, else the explorer itself, never the page's top.
  function refocus(sel, i) {
    if (root.contains(document.activeElement)) return;
    const items = root.querySelectorAll(sel);
    (items[Math.min(i, items.length - 1)] || root).focus();
  }
  // A cell without a path in this atlas shows its neighbours; with a model in the kernel it also gets a path from there.
  function choose(row) { settle(); pick(row); if (hasPath(row) || kernelPaths()) setSeed(row); }
  const etaIndexOf = (text) => etaIndexIn(A.etas, text);     // explorer_chart.js

  // -- search: a row number, a whole cell, or parts of one -------------------------------------------
  function search(text) {
    const q = text.trim(); S.hits = null; let note = "", err = false;
    const rowNo = /^(?:row\s*)?(\d+)$/i.exec(q);       // "86" or "row 86", as the lists write a row
    if (q && rowNo) {
      const r = +rowNo[1]; if (r < atlas.N) { choose(r); note = `row ${r}`; } else { note = `row ${r} is outside 0..${atlas.N - 1}`; err = true; }
    } else if (q && atlas.rowOf.has(q)) { choose(atlas.rowOf.get(q)); note = `found row ${atlas.rowOf.get(q)}`; }
    else if (q && parseNB201(q)) offgridRequest(q);
    else if (q) {
      const toks = q.split(/\s+/), hits = [];
      for (let i = 0; i < atlas.N; i++) { const l = atlas.labels[i]; if (toks.every((t) => l.includes(t))) hits.push(i); }
      S.hits = hits; note = `${grouped(hits.length)} cell${hits.length === 1 ? "" : "s"} match ${q}`;
      $(".nx-hits").replaceChildren(...matchList(atlas, hits, note, choose, () => selectRows(hits, { kind: "find", view: "", pts: [] })).filter(Boolean));   // no match: no button (null would read "null")
    }
    if (!S.hits) $(".nx-hits").replaceChildren();
    rebuild(); model.set("search", text); model.save_changes();
    if (note || !q) msg(note, err);       // an emptied box clears the last search's line
  }

  // the kernel's export reply: "already saved" when every file already held the same figure (nothing written);
  // their folder named once and the files by name (three full paths wrapped to two lines at 1024 px and pushed the
  // map down), the full paths in the line's tip. -> [text, tip]
  function figuresSaved(m) {
    const reused = (m.reused || []).length, cut = (p) => Math.max(p.lastIndexOf("/"), p.lastIndexOf("\\"));
    const dirs = new Set(m.paths.map((p) => p.slice(0, Math.max(cut(p), 0))));
    const one = dirs.size === 1 && [...dirs][0] !== "", where = one ? ` in ${[...dirs][0]}` : "";
    const names = (one ? m.paths.map((p) => p.slice(cut(p) + 1)) : m.paths).join(", "), tip = m.paths.join("\n");
    if (m.paths.length && reused === m.paths.length) return [`already saved${where}: ${names}`, tip];
    return [`saved ${m.paths.length} figures${reused ? ` (${reused} already there)` : ""}${where}: ${names}`, tip];
  }

  on("msg:custom", (m, buffers) => {
    if (m.type === "offgrid") ker.answer(m);
    else if (m.type === "export_figures") {
      if (m.ok) { const [text, tip] = figuresSaved(m); msg(text, false, tip); } else msg(`export figures: ${m.message}`, true);
    } else if (m.type === "export_page" && buffers && buffers.length) {
      const a = h("a", { href: URL.createObjectURL(new Blob([buffers[0]], { type: "text/html" })), download: "naoviz-explorer.html" });
      // the file's name and what it is: "exported the page" left a newcomer looking for it in --exports
      root.appendChild(a); a.click(); a.remove();
      msg(`downloaded naoviz-explorer.html (${(m.bytes / 1e6).toFixed(1)} MB, your browser's downloads): it runs offline in any browser`);
    }
  });

  // -- events ---------------------------------------------------------------------------------------
  $(".nx-slider").addEventListener("input", (ev) => { settle(); setEta(+ev.target.value); });
  $(".nx-view").addEventListener("change", (ev) => { settle(); setView(ev.target.value); });
  $(".nx-color").addEventListener("change", (ev) => { settle(); setColor(ev.target.value); });
  let searchTimer = null;
  $(".nx-search").addEventListener("input", (ev) => { clearTimeout(searchTimer); searchTimer = setTimeout(() => search(ev.target.value), 150); });
  $(".nx-eta-in").addEventListener("change", (ev) => {
    const r = etaIndexOf(ev.target.value);
    if (typeof r === "number") { setEta(r); msg(""); } else { msg(r, true); ev.target.value = String(+A.etas[S.eta].toFixed(4)); }
  });
  $(".nx-seed").addEventListener("change", (ev) => {
    const t = ev.target.value.trim(), span = `0..${atlas.N - 1}`;
    if (!/^\d+$/.test(t) || +t >= atlas.N) {
      msg(t === "" ? `seed row: type a row number, ${span}` : /^\d+$/.test(t) ? `seed row ${t} is outside ${span}`
        : `seed row ${t} is not a row number (${span})`, true);
      ev.target.value = shownSeed(); return;
    }
    msg(""); choose(+t);
    // a row with no path, nor its class, and no kernel to ask: its neighbours are listed, the seed stays (a link says the same)
    if (!hasPath(+t) && !kernelPaths()) { msg(noPathOf(atlas, +t).why); ev.target.value = shownSeed(); }
  });
  $(".nx-steps").addEventListener("change", (ev) => {
    const t = ev.target.value.trim(), n = /^\d+$/.test(t) ? +t : NaN;
    if (!(n >= 1 && n <= 10)) { msg(t === "" ? "steps: type a whole number, 1..10" : Number.isNaN(n) ? `steps ${t} is not a whole number (1..10)` : `steps ${t} is outside 1..10`, true); ev.target.value = "1"; return; }
    if (n === (atlas.h.steps || 1)) { msg(""); if (S.offgrid) setSeed(S.seed >= 0 ? S.seed : A.seeds[0]); return; }
    // the seed's row goes with the ask (a typed cell's is -1): the path is that row's, not a "typed cell"'s
    offgridRequest(S.offgrid ? S.offgrid.cell : atlas.labels[S.seed], n, S.offgrid ? S.offgrid.row : S.seed);
  });
  function stopPlay() {
    clearInterval(S.play); S.play = null;
    const b = $(".nx-play"); b.textContent = "▶"; b.setAttribute("aria-label", "play η");
  }
  $(".nx-play").addEventListener("click", () => {
    settle();
    if (S.play) { stopPlay(); return; }
    if (S.eta >= E - 1) setEta(0);
    const b = $(".nx-play"); b.textContent = "⏸"; b.setAttribute("aria-label", "pause η");
    S.play = setInterval(() => { if (S.eta >= E - 1) stopPlay(); else setEta(S.eta + 1); }, 250);
  });
  const pageStep = Math.max(1, Math.round((E - 1) / 10));    // PageUp/PageDown: a tenth of the grid, as the slider
  root.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {            // innermost first: the tour, ▶, a drag, the selection (from any control)
      if (root.querySelector(".nx-tour")) { ev.preventDefault(); tourTo(-1); }
      else if (S.play) stopPlay();
      else if (S.drag) { S.drag = null; overlay(); }
      else if (S.selection.length && !ev.target.matches("input, select, textarea")) selectRows([]);
      return;
    }
    if (ev.target.matches("input, select, textarea")) return;   // the slider and boxes keep their own keys
    const to = { ArrowRight: S.eta + 1, ArrowLeft: S.eta - 1, Home: 0, End: E - 1, PageUp: S.eta + pageStep, PageDown: S.eta - pageStep }[ev.key];
    if (to !== undefined) { ev.preventDefault(); settle(); setEta(to); }
  });
  for (const b of root.querySelectorAll(".nx-tool")) b.addEventListener("click", () => setTool(b.dataset.tool));
  $(".nx-tour-btn").addEventListener("click", () => tourTo(0));
  // From the page (button, Escape): focus follows, into the card's next button, or back to tour when it closes.
  const tourTo = (s) => {
    model.set("tour_stage", s); model.save_changes(); showTour(root, s, tourTo);
    const next = root.querySelector(".nx-tour [data-act='next']");
    (next || $(".nx-tour-btn")).focus();
  };
  $(".nx-export").addEventListener("click", () => { msg("building the page…"); model.send({ type: "export_page" }); });
  $(".nx-figs").addEventListener("click", () => { msg("drawing the figures in the kernel…"); model.send({ type: "export_figures", format: "png", size: $(".nx-figsize").value }); });

  const { selectRows } = mapPart(root, model, atlas, S, scatter, { overlay: () => overlay(), rebuild: () => rebuild(),
    choose: (r) => choose(r), describe: (r) => describe(r), refocus: (sel, i) => refocus(sel, i), budgetColumn: () => Bg.state.col });

  // -- Python -> browser --------------------------------------------------------------------------------
  // The kernel checks every seed it sets against its own atlas, so a row this page has no path for is stale
  // (an echo of a write from before a new atlas arrived, or a new atlas still on its way): not an off-grid ask.
  // a seed set from Python (a Search tab row, a notebook) lists its own nearest cells too, as a click does: the
  // list said "nearest to row 0" under seed row 13250 opened from the Search tab
  on("change:seed", () => { if (newerHere("seed")) return; const r = model.get("seed"); if (r !== S.seed && r >= 0 && hasPath(r) && setSeed(r)) pick(S.seed); });
  on("change:eta_index", () => { if (newerHere("eta_index")) return; const i = model.get("eta_index"); if (i !== S.eta) setEta(i); });
  on("change:view", () => { if (newerHere("view")) return; const v = model.get("view"); if (v !== S.view) setView(v); });
  on("change:color", () => { if (newerHere("color")) return; const c = model.get("color"); if (c && c !== S.color) setColor(c); });
  on("change:budget_column", budgetFromModel); on("change:budget", budgetFromModel);
  function budgetFromModel() {            // a budget set from Python (not an echo of the page's own, nor mid-drag: the hand wins)
    if (newerHere("budget_column", "budget")) return;
    const c = model.get("budget_column") || "", b = c ? model.get("budget") ?? null : null, B = Bg.state;
    if (B.echo || B.dragging || !Bg.valid(c) || (c === B.col && b === B.budget)) return;
    Bg.set(c, b); constrain();
  }
  on("change:tour_stage", () => showTour(root, model.get("tour_stage"), tourTo));
  on("change:work", () => showWork(root, model.get("work"))); showWork(root, model.get("work"));
  on("change:message", () => { const t = model.get("message"); if ($(".nx-msg").textContent !== t) show(t); });
  on("change:select_tool", () => { if (model.get("select_tool") !== S.tool) setTool(model.get("select_tool")); });
  on("change:selection", () => {  // rows set from Python: highlighted, with their statistics
    const r = model.get("selection") || [];
    if (r.length !== S.selection.length || r.some((v, i) => v !== S.selection[i])) selectRows(Array.from(r));
  });
  on("change:search", () => { const q = model.get("search"); if (q !== $(".nx-search").value) { $(".nx-search").value = q; search(q); } });

  // -- first draw ---------------------------------------------------------------------------------------
  const s0 = model.get("seed"), i0 = model.get("eta_index");
  if (s0 >= 0 && atlas.seedIndex[s0] >= 0) { S.seed = s0; S.m = atlas.seedIndex[s0]; } else if (atlas.M) { S.seed = A.seeds[0]; S.m = 0; }
  S.eta = i0 >= 0 && i0 < E ? i0 : 0;
  if (!atlas.h.maps.includes(S.view)) S.view = atlas.h.maps[0];
  if (!["predicted", "class_size", ...atlas.h.columns].includes(S.color)) S.color = "predicted";
  const bc0 = model.get("budget_column") || "";
  if (Bg.valid(bc0)) Bg.set(bc0, bc0 ? model.get("budget") ?? null : null, false, true);
  const linked = swapped ? -1 : link.read();   // a link's row with no path of its own: picked below
  const m0 = model.get("message");
  if (m0 && $(".nx-msg").textContent !== m0) show(m0, m0 === red);
  $(".nx-view").value = S.view; $(".nx-color").value = S.color; setTool(S.tool);
  rebuild(); if (S.m >= 0) { seedPanels(); pick(linked >= 0 ? linked : S.seed); }
  if ((model.get("selection") || []).length) selectRows(Array.from(model.get("selection")));
  write({ seed: S.seed, eta_index: S.eta, view: S.view, color: S.color, budget_column: Bg.state.col, budget: Bg.state.budget });
  if (model.get("tour_stage") >= 0) showTour(root, model.get("tour_stage"), tourTo);
  const ro = new ResizeObserver(() => {
    if (Math.abs(($(".nx-mapbox").clientWidth || 0) - scatter.cssW) > 1) rebuild();
    const chart = $(".nx-chart");                          // the charts are drawn at their width: redraw on a change
    if ((S.m >= 0 || S.offgrid) && chart.dataset.w && chartWidth(chart) !== Number(chart.dataset.w)) {
      moveMarker = drawChart(chart, A.etas, seriesFor(), titleOf(atlas, unit)); moveMarker(S.eta); Bg.path();
    }
    redrawCell($(".nx-seedcell")); redrawCell($(".nx-deccell"));     // their text is sized for their width
  });
  ro.observe($(".nx-mapbox")); ro.observe($(".nx-chartbox")); ro.observe($(".nx-cells"));
  // a window made taller or shorter (the width the same): the map follows, so the η row stays on screen
  const onWindow = () => { if (Math.abs(mapHeight(root, scatter.cssW) - scatter.cssH) > 1) rebuild(); };
  addEventListener("resize", onWindow);
  // another theme (JupyterLab's Settings > Theme, the offline page's prefers-color-scheme): the canvas and the SVG
  // colours are drawn again in its colours (explorer_theme.js); the CSS-coloured text follows by itself
  const offTheme = onThemeChange(() => { rebuild(); if (S.m >= 0 || S.offgrid) seedPanels(); root.dataset.theme = themeOf(root).dark ? "dark" : "light"; });
  root.dataset.theme = themeOf(root).dark ? "dark" : "light";
  if (focused !== null) ((focused.startsWith("nx-") && root.querySelector(`.${focused}`)) || root).focus();
  constrain();                            // a budget from the model or the link: ask for the constrained step
  if (linked >= 0 && noPathOf(atlas, linked).rep < 0 && kernelPaths()) offgridRequest(atlas.labels[linked], 1, linked);   // as the seed row box asks
  root.dataset.ready = "1";
  root.__nx = { S, atlas, scatter, model, setEta, setSeed, setTool, overlay, etaPanels, repaint: rebuild, budget: Bg };   // for tests and the bench
  return () => { ro.disconnect(); removeEventListener("resize", onWindow); offTheme(); if (S.play) clearInterval(S.play); clearTimeout(liveTimer); offs.forEach((off) => off()); };
}

const widget = { render };
export default widget;

// naoviz explorer, part 2 of 13: the payload, colours, the canvas scatter and the cell graph (the charts: explorer_chart.js).
// No imports, no CDN: this file is concatenated with the other parts (naoviz/explorer_page.py JS_PARTS) into one ES module.

const NAN16 = 65535;
const SVGNS = "http://www.w3.org/2000/svg";
const NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"];
const NB201_EDGES = [[0, 1], [0, 2], [1, 2], [0, 3], [1, 3], [2, 3]];
const OP_SHORT = { none: "none", skip_connect: "skip", nor_conv_1x1: "1×1", nor_conv_3x3: "3×3", avg_pool_3x3: "avg" };   // naoviz.viz.theme.OP_SHORT: the exported figures say the same
// Each colour has >= 4.5:1 contrast on white (WCAG AA for text: every edge's label is drawn in it); "none" was
// #9aa0a6 (2.6:1). On a dark theme each is lightened just enough for 4.5:1 there (legible, explorer_theme.js). An edge's op is never told by colour alone: its label names it, and "none" is also dashed.
// naoviz.viz.theme.OP_COLORS (tested equal); skip, 1×1, 3×3 and avg apart to colour-blind readers (avg indigo,
// not the green #188038 that was one olive with 3×3's red to a protanope, until 2026-12-07: tests/test_cvd_colors.py).
const OP_COLOR = { none: "#70757a", skip_connect: "#5f6368", nor_conv_1x1: "#1a73e8", nor_conv_3x3: "#d93025", avg_pool_3x3: "#332288" };
// On a dark page (naoviz.viz.theme.OP_COLORS_DARK, tested equal; "none" lightened): >= 4.5:1 on #212121 and apart to
// colour-blind readers, NAONet's dark 1×1, 3×3 and avg3×3; lightened, skip and avg were ΔE 7 to a tritanope on #111.
const OP_COLOR_DARK = { skip_connect: "#9aa0a6", nor_conv_1x1: "#379dff", nor_conv_3x3: "#f34c33", avg_pool_3x3: "#bbe569" };
const VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#fde725"];

// -- units: the same rules and tables as naoviz/column_names.py unit() and naoviz/viz/theme.py VALUE_UNITS (one set of rules: a test,
// tests/test_explorer_units_js.py, runs both on the same names). Accuracies are percent, params_M and flops_M
// millions, latency_ms ms, time_s s; a name that does not say has no unit.
const UNIT_SUFFIXES = [["params_M", "million parameters"], ["flops_M", "million FLOPs"], ["latency_ms", "ms"], ["time_s", "s"]];
const VALUE_UNITS = { "%": "%", "million parameters": "M", "million FLOPs": "M", ms: "ms", s: "s" };
function unitOf(name) {
  const text = String(name), low = text.toLowerCase();
  if (/(^|[^a-z])acc(uracy)?($|[^a-z])/.test(low)) return "%";
  for (const [suffix, what] of UNIT_SUFFIXES) if (text === suffix || text.endsWith("_" + suffix) || text.endsWith(" " + suffix)) return what;
  return /(^|[ _])latency($|_)/.test(low) ? "ms" : "";
}
const valueUnit = (name) => VALUE_UNITS[unitOf(name)] || "";
// -- names: a column (or colour) in words, from the payload header's ``names`` (naoviz/column_names.py, the one
// naming table; naoviz.atlas_payload.color_names): "validation accuracy" for valid_acc, a table's own column as
// written. Units stay read off the id (unitOf). Always set as text (textContent, attributes), never as markup.
const nameOf = (atlas, id) => { const n = atlas.h.names; return n && Object.hasOwn(n, id) ? String(n[id]) : String(id); };
// A column on a chart's axis, its words and unit as a saved figure's axis says it ("parameters (millions)"): the
// header's ``titles`` (naoviz.column_names.titled); a column it lacks, its words and short unit.
const titleOf = (atlas, id) => {
  const t = atlas.h.titles;
  return t && Object.hasOwn(t, id) ? String(t[id]) : `${nameOf(atlas, id)}${valueUnit(id) ? ` (${valueUnit(id)})` : ""}`;
};
// In a menu: a table column's words and its id in brackets where they differ, for whoever knows the table by its
// ids ("predicted" and "class_size" are the page's own, no table's: words alone).
const menuName = (atlas, id) => {
  const n = nameOf(atlas, id);
  return n === String(id) || !(atlas.h.columns || []).includes(id) ? n : `${n} (${id})`;
};
// A typed decimal number ("2.5", "-1", "1e3"), else NaN: JS's Number() also reads "0x5" (5), "0b1" and "0o7",
// so a typed η "0x5" became η 5 with no word said; a box of the page takes decimals only.
function typedNumber(text) {
  const t = String(text ?? "").trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : NaN;
}
// A value of column ``name`` with its unit ("89.72 %", "1.530 M"); "–" for a missing one, as fmt writes it.
function fmtU(v, name, d = 2) {
  if (!Number.isFinite(v)) return "–";
  const u = valueUnit(name);
  return u ? `${v.toFixed(d)}\u00a0${u}` : v.toFixed(d);
}
// A budget as the page says it everywhere: the column in words, the bound as typed, its unit ("latency on Pixel 3
// ≤ 10.68 ms"; the explorer said "≤ 10.68" beside a chart in ms, the kernel's answer the column's id)
function boundText(atlas, col, bound) {
  const u = valueUnit(col);
  return `${nameOf(atlas, col)} ≤ ${bound}${u ? `\u00a0${u}` : ""}`;
}
const grouped = (n) => n.toLocaleString("en-US");   // 15,625 as the dashboard's table line writes it

// -- payload: header + zlib blob (naoviz/atlas_payload.py) -> typed arrays ---------------------------
async function inflate(view) {
  const stream = new Blob([view]).stream().pipeThrough(new DecompressionStream("deflate"));
  return await new Response(stream).arrayBuffer();
}

async function decodeAtlas(header, view) {
  const buf = await inflate(view);
  const T = { f32: Float32Array, u16: Uint16Array, u8: Uint8Array, i32: Int32Array };
  const A = {};
  for (const [name, s] of Object.entries(header.arrays)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    let arr = new T[s.dtype](buf, s.offset, n);
    if (s.q) {
      const [lo, hi] = s.q, D = lo.length, out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const c = arr[i], d = i % D;
        out[i] = c === NAN16 ? NaN : lo[d] + (c / (NAN16 - 1)) * (hi[d] - lo[d]);
      }
      arr = out;
    }
    A[name] = arr;
  }
  const labels = new TextDecoder().decode(A.labels).split("\n");
  const E = A.etas.length, M = A.seeds.length, K = header.arrays.neighbours.shape[1];
  const seedIndex = new Int32Array(labels.length).fill(-1);
  A.seeds.forEach((row, m) => { seedIndex[row] = m; });
  const rowOf = new Map(labels.map((l, i) => [l, i]));
  return { h: header, A, labels, N: labels.length, E, M, K, seedIndex, rowOf };
}

// A path segment that is a jump, not a step: thin, faint, dashed, with a small arrowhead short of where it lands.
function jumpSegment(ctx, [x0, y0], [x1, y1], ink = "#202124") {
  const dx = x1 - x0, dy = y1 - y0, len = Math.hypot(dx, dy);
  if (len < 1) return;
  const ux = dx / len, uy = dy / len, tx = x1 - ux * 5, ty = y1 - uy * 5;    // the tip stops short of the point
  ctx.save(); ctx.globalAlpha = 0.55;      // the theme's ink, faint
  ctx.strokeStyle = ink; ctx.lineWidth = 1.2; ctx.setLineDash([4, 4]);
  ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(tx, ty); ctx.stroke(); ctx.setLineDash([]);
  if (len >= 16) {
    ctx.beginPath(); ctx.moveTo(tx - ux * 6 - uy * 3.5, ty - uy * 6 + ux * 3.5); ctx.lineTo(tx, ty);
    ctx.lineTo(tx - ux * 6 + uy * 3.5, ty - uy * 6 - ux * 3.5); ctx.stroke();
  }
  ctx.restore();
}

function column(atlas, name) {
  if (name === "predicted") return atlas.A.predicted;
  if (name === "class_size") return Float32Array.from(atlas.A.class_size);
  return atlas.A["column." + name] || atlas.A.predicted;
}

// -- colours -------------------------------------------------------------------------------------------
function hexRGB(h) { return [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)); }

// 256 viridis colours as little-endian RGBA uint32 (and CSS, for the legend). On a dark background viridis's
// dark end would vanish (#440154 is 1.2:1 on JupyterLab Dark's #111): the ramp for a background (``lut(T)``)
// starts where viridis first has the 3:1 a graphic needs against it (#31688e-ish on #111, a little lighter on
// Voila's #212121), keeping viridis's order and yellow top. On white it is all of viridis.
const VIRIDIS_RGB = VIRIDIS.map(hexRGB);
function viridisAt(t) {                    // t in 0..1
  const x = t * (VIRIDIS_RGB.length - 1), k = Math.min(VIRIDIS_RGB.length - 2, Math.floor(x)), f = x - k;
  return [0, 1, 2].map((j) => Math.round(VIRIDIS_RGB[k][j] + f * (VIRIDIS_RGB[k + 1][j] - VIRIDIS_RGB[k][j])));
}
const makeLUT = (t0) => {
  const out = new Uint32Array(256), css = [];
  for (let i = 0; i < 256; i++) {
    const c = viridisAt(t0 + (i / 255) * (1 - t0));
    out[i] = (255 << 24) | (c[2] << 16) | (c[1] << 8) | c[0];
    css.push(`rgb(${c[0]},${c[1]},${c[2]})`);
  }
  return { u32: out, css };
};
const LUT = makeLUT(0), LUTS = new Map();
function lut(T) {
  if (!T.dark) return LUT;
  if (!LUTS.has(T.bgCss)) {
    let t0 = 0;
    while (t0 < 0.6 && contrast(viridisAt(t0), T.bg) < 3) t0 += 0.01;
    LUTS.set(T.bgCss, makeLUT(t0));
  }
  return LUTS.get(T.bgCss);
}
const GREY = (255 << 24) | (200 << 16) | (200 << 8) | 200;
const packRGB = (c) => ((255 << 24) | (Math.round(c[2]) << 16) | (Math.round(c[1]) << 8) | Math.round(c[0])) >>> 0;

function fade(c, bg = [255, 255, 255]) {   // 25 % colour, 75 % background: points outside a search or selection
  const r = c & 255, g = (c >> 8) & 255, b = (c >> 16) & 255;
  const m = (x, k) => Math.round(x * 0.25 + bg[k] * 0.75);
  return (255 << 24) | (m(b, 2) << 16) | (m(g, 1) << 8) | m(r, 0);
}

// The colour range: 5th..99th percentile of the finite values, so a few failed cells (NAS-Bench-201: 2.6 % of
// the cells near 10 % accuracy, the rest 70..91) do not squeeze every working cell into the top of the ramp;
// values beyond it take the end colours. Returns [lo, hi, some below lo, some above hi].
function range(values) {
  const v = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return [0, 1, false, false];
  const lo = v[Math.floor(v.length * 0.05)], hi = v[Math.min(v.length - 1, Math.floor(v.length * 0.99))];
  return hi > lo ? [lo, hi, v[0] < lo, v[v.length - 1] > hi] : [lo - 1, hi + 1, false, false];
}

// -- the scatter: an ImageData base (rebuilt on map/colour/highlight change) + a cheap overlay ------------
class Scatter {
  constructor(canvas) {
    this.canvas = canvas; this.ctx = canvas.getContext("2d");
    this.base = document.createElement("canvas"); this.W = 0; this.H = 0; this.dpr = 1;
  }
  // xy: Float32Array (2N) data coords -> screen coords (css px) with uniform scale, centred
  layout(xy, cssW, cssH) {
    const n = xy.length / 2; let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = xy[2 * i], y = xy[2 * i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
    }
    const pad = 10, s = Math.min((cssW - 2 * pad) / ((x1 - x0) || 1), (cssH - 2 * pad) / ((y1 - y0) || 1));
    const ox = (cssW - s * (x1 - x0)) / 2, oy = (cssH - s * (y1 - y0)) / 2;
    this.tx = (x) => ox + (x - x0) * s; this.ty = (y) => cssH - oy - (y - y0) * s;   // y up
    this.fx = (px) => x0 + (px - ox) / s; this.fy = (py) => y0 + (cssH - oy - py) / s;
    const sc = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) { sc[2 * i] = this.tx(xy[2 * i]); sc[2 * i + 1] = this.ty(xy[2 * i + 1]); }
    this.sc = sc; this.n = n; this.cssW = cssW; this.cssH = cssH;
    this.buildGrid();
  }
  resize(cssW, cssH) {
    this.dpr = window.devicePixelRatio || 1;
    this.W = Math.max(1, Math.round(cssW * this.dpr)); this.H = Math.max(1, Math.round(cssH * this.dpr));
    for (const c of [this.canvas, this.base]) { c.width = this.W; c.height = this.H; }
  }
  // values (N), order (draw order, best last), mask (Uint8Array N, 1 = highlighted) or null, off (Uint8Array
  // N, 1 = over the budget: drawn first, in OFF grey, so every cell within it lies on top) or null
  // The background, the ramp, faded and greyed points follow the page's theme (themeOf, read now).
  paint(values, lo, hi, order, mask, off = null) {
    const img = new ImageData(this.W, this.H), px = new Uint32Array(img.data.buffer), W = this.W, H = this.H;
    const T = themeOf(this.canvas), ramp = lut(T).u32;
    // over the budget: light grey on white (OFF); on a dark page a grey just above the background, so it recedes too
    const off_ = T.dark ? packRGB(mixRGB(T.bg, [255, 255, 255], 0.16)) : OFF;
    px.fill(packRGB(T.bg));
    // a point's half-width in device px: 1 (2 on HiDPI) for the NB201/digits tables' thousands of classes, more
    // for a small table of your own (200 rows: 3x3 px squares were specks on an empty map)
    const n = order.length, grow = n <= 300 ? 3 : n <= 2000 ? 2 : 1;
    const r = grow * (this.dpr > 1.5 ? 2 : 1), span = hi - lo || 1;
    const draw = (i, faded, greyed = false) => {
      const v = values[i];
      let c = Number.isFinite(v) ? ramp[Math.max(0, Math.min(255, Math.round(((v - lo) / span) * 255)))] : GREY;
      if (faded) c = fade(c, T.bg);
      if (greyed) c = off_;
      const cx = Math.round(this.sc[2 * i] * this.dpr), cy = Math.round(this.sc[2 * i + 1] * this.dpr);
      for (let y = Math.max(0, cy - r); y <= Math.min(H - 1, cy + r); y++) {
        const row = y * W;
        for (let x = Math.max(0, cx - r); x <= Math.min(W - 1, cx + r); x++) px[row + x] = c;
      }
    };
    if (off) { for (const i of order) if (off[i]) draw(i, false, true); order = order.filter((i) => !off[i]); }
    if (mask) { for (const i of order) if (!mask[i]) draw(i, true); for (const i of order) if (mask[i]) draw(i, false); }
    else for (const i of order) draw(i, false);
    this.base.getContext("2d").putImageData(img, 0, 0);
  }
  blit() {
    const ctx = this.ctx; ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.drawImage(this.base, 0, 0);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0); return ctx;
  }
  buildGrid() {                            // uniform 8 px buckets for hover / click lookups
    const g = 8, gw = Math.ceil(this.cssW / g) + 1, gh = Math.ceil(this.cssH / g) + 1, n = this.n;
    const key = new Int32Array(n), count = new Int32Array(gw * gh + 1);
    for (let i = 0; i < n; i++) {
      const x = this.sc[2 * i], y = this.sc[2 * i + 1];
      key[i] = Number.isFinite(x) && Number.isFinite(y) ? Math.max(0, Math.min(gw - 1, Math.floor(x / g))) + gw * Math.max(0, Math.min(gh - 1, Math.floor(y / g))) : -1;
      if (key[i] >= 0) count[key[i] + 1]++;
    }
    for (let k = 1; k <= gw * gh; k++) count[k] += count[k - 1];
    const items = new Int32Array(n), fill = count.slice();
    for (let i = 0; i < n; i++) if (key[i] >= 0) items[fill[key[i]]++] = i;
    this.grid = { g, gw, gh, start: count, items };
  }
  nearest(px, py, radius = 8) {
    const { g, gw, gh, start, items } = this.grid;
    const cx = Math.floor(px / g), cy = Math.floor(py / g); let best = -1, bd = radius * radius;
    for (let y = cy - 1; y <= cy + 1; y++) for (let x = cx - 1; x <= cx + 1; x++) {
      if (x < 0 || y < 0 || x >= gw || y >= gh) continue;
      const k = x + gw * y;
      for (let j = start[k]; j < start[k + 1]; j++) {
        const i = items[j], dx = this.sc[2 * i] - px, dy = this.sc[2 * i + 1] - py, d = dx * dx + dy * dy;
        if (d < bd) { bd = d; best = i; }
      }
    }
    return best;
  }
  inBox(x0, y0, x1, y1) {
    const [a, b] = [Math.min(x0, x1), Math.max(x0, x1)], [c, d] = [Math.min(y0, y1), Math.max(y0, y1)], out = [];
    for (let i = 0; i < this.n; i++) {
      const x = this.sc[2 * i], y = this.sc[2 * i + 1];
      if (x >= a && x <= b && y >= c && y <= d) out.push(i);
    }
    return out;
  }
  // Rows inside a polygon (flat [x0, y0, x1, y1, ...], css px, closed implicitly), by the even-odd rule.
  // The polygon's bounding box rejects most points; the rest test only the edges spanning their y band.
  inPolygon(poly) {
    if (!(poly instanceof Float64Array)) poly = Float64Array.from(poly);
    const m = poly.length >> 1, out = [];
    if (m < 3) return out;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let k = 0; k < m; k++) {
      const x = poly[2 * k], y = poly[2 * k + 1];
      if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
    }
    const B = Math.max(1, Math.min(128, Math.ceil((y1 - y0) / 4))), inv = B / ((y1 - y0) || 1);
    const first = new Int32Array(m), last = new Int32Array(m), start = new Int32Array(B + 1);
    for (let k = 0; k < m; k++) {         // edge k runs from vertex k to vertex k + 1; its bands first..last
      const ya = poly[2 * k + 1], yb = poly[2 * ((k + 1) % m) + 1];
      if (ya === yb) { first[k] = 1; last[k] = 0; continue; }   // horizontal: never crosses a horizontal ray
      first[k] = Math.min(B - 1, Math.floor((Math.min(ya, yb) - y0) * inv));
      last[k] = Math.min(B - 1, Math.floor((Math.max(ya, yb) - y0) * inv));
      for (let b = first[k]; b <= last[k]; b++) start[b + 1]++;
    }
    for (let b = 0; b < B; b++) start[b + 1] += start[b];
    const edges = new Int32Array(start[B]), fill = start.slice(0, B);
    for (let k = 0; k < m; k++) for (let b = first[k]; b <= last[k]; b++) edges[fill[b]++] = k;
    const sc = this.sc;
    for (let i = 0; i < this.n; i++) {
      const x = sc[2 * i], y = sc[2 * i + 1];
      if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1)) continue;
      const b = Math.min(B - 1, Math.floor((y - y0) * inv));
      let inside = false;
      for (let e = start[b], end = start[b + 1]; e < end; e++) {
        const k = edges[e], j = k + 1 === m ? 0 : k + 1;
        const xi = poly[2 * k], yi = poly[2 * k + 1], xj = poly[2 * j], yj = poly[2 * j + 1];
        if ((yi > y) !== (yj > y) && x < xi + ((xj - xi) * (y - yi)) / (yj - yi)) inside = !inside;
      }
      if (inside) out.push(i);
    }
    return out;
  }
}

// -- small SVG helpers ----------------------------------------------------------------------------------
function svgEl(tag, attrs = {}, parent = null) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function parseNB201(label) {               // "|op~0|+|op~0|op~1|+|..." -> 6 op names, or null
  const groups = (label || "").split("+");
  if (groups.length !== 3) return null;
  const ops = [];
  for (const g of groups) for (const e of g.slice(1, -1).split("|")) ops.push(e.split("~")[0]);
  return ops.length === 6 && ops.every((o) => NB201_OPS.includes(o)) ? ops : null;
}

// The cell graph's text on screen, in CSS px: [at 300 px wide, least, most]. The drawing scales with its width
// (a 300 x 150 viewBox); its text scales too but stays within [least, most], so it is readable where two graphs
// share a narrow column and not outsized where one fills a wide one. Written in viewBox units (px / scale).
const CELL_TEXT = { title: [13, 12, 15], op: [13, 11, 15], node: [11, 10, 13] };
const cellWidth = (svg) => Math.max(120, Math.round(svg.clientWidth || 300));    // redrawn when it changes

// The NB201 cell: nodes 0..3 on a line, edges as arcs labelled with their op; changed edges (vs ``ref``)
// thick, their labels heavier and boxed (an underline looked like a link).
// For a screen reader the graph is an image named by its title whose description is the cell string (and the
// edges that changed), the text every edge's coloured label also carries. A NAONet cell (``space`` "naonet" or
// "naonet-ws", or a string only NAONet parses) is drawn by drawNAONetCell (explorer_naonet.js).
function drawCell(svg, label, ref, title, space = "") {
  svg.replaceChildren();
  svg.__nxCell = [label, ref, title, space];           // what a redraw at a new width draws again
  delete svg.dataset.layout;
  const net = parseNB201(label) ? null : parseNAONet(label, space);
  if (net) { drawNAONetCell(svg, net, ref ? parseNAONet(ref, net.space) : null, label, title); return; }
  svg.setAttribute("viewBox", "0 0 300 150");
  const w = cellWidth(svg), k = w / 300;
  svg.dataset.w = String(w);
  const size = (kind, extra = 0) => { const [b, lo, hi] = CELL_TEXT[kind]; return `font-size: ${((Math.min(hi, Math.max(lo, b * k)) + extra) / k).toFixed(2)}px`; };
  const ops = parseNB201(label), refOps = ref ? parseNB201(ref) : null;
  svg.setAttribute("aria-label", `cell graph: ${title}`);
  const moved = ops && refOps ? NB201_EDGES.map(([s, t], e) => (ops[e] !== refOps[e] ? `edge ${s}→${t} ${refOps[e]} → ${ops[e]}` : "")).filter(Boolean) : [];
  svgEl("desc", {}, svg).textContent = `${label || "no cell"}${refOps ? (moved.length ? `; changed from the seed: ${moved.join(", ")}` : "; same as the seed") : ""}`;
  svgEl("text", { x: 150, y: 14, "text-anchor": "middle", class: "nx-svg-title", style: size("title") }, svg).textContent = title;
  if (!ops) {
    svgEl("text", { x: 150, y: 80, "text-anchor": "middle", class: "nx-svg-small", style: size("op") }, svg).textContent = label || "—";
    return;
  }
  const nodeFont = Math.min(CELL_TEXT.node[2], Math.max(CELL_TEXT.node[1], CELL_TEXT.node[0] * k)) / k;
  const T = themeOf(svg), opColor = (op) => legible((T.dark && OP_COLOR_DARK[op]) || OP_COLOR[op], T);   // 4.5:1 here
  const r = Math.max(11, 1.2 * nodeFont);              // a node's circle holds its label ("out")
  const X = [30, 110, 190, 270], Y = 84, bend = { 1: 0, 2: -44, 3: 46 };
  NB201_EDGES.forEach(([s, t], e) => {
    const op = ops[e], changed = refOps && refOps[e] !== op, hop = t - s;
    const mx = (X[s] + X[t]) / 2, my = Y + bend[hop];
    const d = hop === 1 ? `M${X[s]},${Y} L${X[t]},${Y}` : `M${X[s]},${Y} Q${mx},${Y + 2 * bend[hop]} ${X[t]},${Y}`;
    svgEl("path", { d, fill: "none", stroke: opColor(op), "stroke-width": changed ? 4 : 2,
      "stroke-dasharray": op === "none" ? "4 3" : "", class: changed ? "nx-changed" : "" }, svg);
    const ly = hop === 1 ? Y - 6 : my + (bend[hop] < 0 ? -4 : 14), lx = mx;
    const t2 = svgEl("text", { x: lx, y: ly, "text-anchor": "middle", class: "nx-svg-op" + (changed ? " nx-changed" : ""),
      fill: opColor(op), style: size("op", changed ? 1 : 0) }, svg);
    t2.textContent = OP_SHORT[op];
    if (changed) {                                     // boxed, as NAONet's changed labels: marked without colour, not a link
      const fs = parseFloat(size("op", 1).slice(11)), bb = t2.getBBox(), pad = 2;   // unrendered (a hidden tab): a guess
      const b = bb.width ? bb : { x: lx - 0.31 * fs * t2.textContent.length, y: ly - 0.8 * fs, width: 0.62 * fs * t2.textContent.length, height: fs };
      svg.insertBefore(svgEl("rect", { x: b.x - pad, y: b.y - pad / 2, width: b.width + 2 * pad, height: b.height + pad, rx: 3,
        fill: T.bgCss, stroke: opColor(op), class: "nx-opmark nx-changed" }, svg), t2);
    }
  });
  X.forEach((x, i) => {
    svgEl("circle", { cx: x, cy: Y, r, class: "nx-node" }, svg);
    svgEl("text", { x, y: Y + 0.36 * nodeFont, "text-anchor": "middle", class: "nx-svg-node", style: size("node") }, svg).textContent = i === 0 ? "in" : i === 3 ? "out" : String(i);
  });
}
const redrawCell = (svg) => { if (svg.__nxCell && cellWidth(svg) !== Number(svg.dataset.w)) drawCell(svg, ...svg.__nxCell); };

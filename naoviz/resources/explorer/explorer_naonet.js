// naoviz explorer, part 4 of 13: a NAONet cell (normal + reduction cell) drawn as two small DAGs.
// No imports: concatenated after explorer_draw.js (svgEl, CELL_TEXT, cellWidth) into one ES module.
//
// Each cell is drawn top to bottom: inputs h[i-2], h[i-1], nodes n0..n4, then out (the concat of the states no
// node reads). A node's first input arrives on the left, its second on the right, each through a boxed op label
// half a row above the node (one op a box, one box a slot: no two labels share a place). An edge from the row
// just above runs through its label's column; a longer one leaves its source sideways to a lane of its own
// outside the labels (lanes are given so that no two edges on one side share one where their rows overlap),
// comes down it and turns in through its label. The layout is a pure function (naonetLayout), tested in node.

// Op names in local order and the global id of local op 0, per space (naoviz/spaces/naonet.py OP_SETS).
const NAONET_OPS = {
  "naonet-ws": [["sep_conv_3x3", "sep_conv_5x5", "avg_pool_3x3", "max_pool_3x3", "identity"], 0],
  naonet: [["identity", "conv_1x1", "conv_3x3", "conv_1x3_3x1", "conv_1x7_7x1", "max_pool_2x2", "max_pool_3x3",
    "max_pool_5x5", "avg_pool_2x2", "avg_pool_3x3", "avg_pool_5x5"], 5],
};
const NAONET_SHORT = { sep_conv_3x3: "sep3×3", sep_conv_5x5: "sep5×5", identity: "id", conv_1x1: "1×1", conv_3x3: "3×3",
  conv_1x3_3x1: "1×3/3×1", conv_1x7_7x1: "1×7/7×1", max_pool_2x2: "max2×2", max_pool_3x3: "max3×3", max_pool_5x5: "max5×5",
  avg_pool_2x2: "avg2×2", avg_pool_3x3: "avg3×3", avg_pool_5x5: "avg5×5" };
// naoviz.viz.theme.NAONET_COLORS (tested equal; why these, there): >= 4.5:1 on white, as OP_COLOR, and each op set's
// ops CIE76 ΔE >= 20 apart to colour-blind readers (tests/test_cvd_colors.py). Each label is drawn in its op's
// colour and names the op (colour never alone).
const NAONET_COLOR = { identity: "#5f6368", conv_1x1: "#3e66da", conv_3x3: "#c92700", conv_1x3_3x1: "#8f000c",
  conv_1x7_7x1: "#761f31", max_pool_2x2: "#8221ff", max_pool_3x3: "#4100b5", max_pool_5x5: "#5c2094", avg_pool_2x2: "#be3fa5",
  avg_pool_3x3: "#661b69", avg_pool_5x5: "#986148", sep_conv_3x3: "#b45309", sep_conv_5x5: "#0077bb" };
// On a dark page (naoviz.viz.theme.NAONET_COLORS_DARK, tested equal): >= 4.5:1 on Voila Dark's #212121 and apart as
// above; the light ones lightened toward white (legible), as until 2026-12-07, left 23 pairs of the paper's set under ΔE 20.
const NAONET_COLOR_DARK = { identity: "#9aa0a6", conv_1x1: "#379dff", conv_3x3: "#f34c33", conv_1x3_3x1: "#ff8800",
  conv_1x7_7x1: "#ffe904", max_pool_2x2: "#f500dc", max_pool_3x3: "#f9adf4", max_pool_5x5: "#c6826e", avg_pool_2x2: "#2cffa3",
  avg_pool_3x3: "#bbe569", avg_pool_5x5: "#9debcf", sep_conv_3x3: "#ff8800", sep_conv_5x5: "#379dff" };
const NAONET_CELLS = ["normal", "reduction"];
const NAONET_STATE = ["h[i-2]", "h[i-1]", "n0", "n1", "n2", "n3", "n4"];
const CONCAT_COLOR = "#5f6368";

// "0 7 1 15 ... | 0 7 ..." (20 ints | 20 ints, global op ids) -> { space, cells: [cell][node][branch] = [input, op] },
// or null. ``space`` ("naonet", "naonet-ws") picks the op ids; any other: the op set whose ids every op fits.
function parseNAONet(label, space) {
  const parts = String(label || "").split("|");
  if (parts.length !== 2) return null;
  const ints = parts.map((p) => p.trim().split(/\s+/).map((t) => (/^\d+$/.test(t) ? Number(t) : NaN)));
  if (ints.some((c) => c.length !== 20 || c.some((v) => !Number.isInteger(v)))) return null;
  const ids = ints.flatMap((c) => c.filter((_, i) => i % 2));
  const fits = (name) => ids.every((v) => v >= NAONET_OPS[name][1] && v < NAONET_OPS[name][1] + NAONET_OPS[name][0].length);
  const name = space in NAONET_OPS ? space : ["naonet", "naonet-ws"].find(fits);
  if (!name || !fits(name)) return null;
  const [ops, off] = NAONET_OPS[name];
  const cells = ints.map((c) => Array.from({ length: 5 }, (_, i) => [[c[4 * i], ops[c[4 * i + 1] - off]], [c[4 * i + 2], ops[c[4 * i + 3] - off]]]));
  if (cells.some((cell) => cell.some((node, i) => node.some(([inp]) => inp > i + 1)))) return null;   // node i reads 0..i+1
  return { space: name, cells };
}

// States (0..6) of a cell that no node reads: concatenated into its output (NAONetSpace.loose_ends).
const naonetLoose = (cell) => [0, 1, 2, 3, 4, 5, 6].filter((s) => !cell.some((node) => node.some(([inp]) => inp === s)));

// The slots (cell, node, branch) whose input or op differs from ``ref``'s, each with both sides, for the marking
// and the screen reader's description.
function naonetChanges(cur, ref) {
  const out = [];
  if (!cur || !ref) return out;
  cur.cells.forEach((cell, c) => cell.forEach((node, i) => node.forEach(([inp, op], b) => {
    const [rInp, rOp] = ref.cells[c][i][b];
    if (inp !== rInp || op !== rOp) out.push({ cell: c, node: i, branch: b, from: [rInp, rOp], to: [inp, op] });
  })));
  return out;
}

function naonetDescribe(ch) {
  const end = ([inp, op]) => `${NAONET_STATE[inp]} ${op}`;
  return `${NAONET_CELLS[ch.cell]} n${ch.node} ${ch.branch ? "second" : "first"} input ${end(ch.from)} → ${end(ch.to)}`;
}

// Text width guess in px, where nothing can measure (node): the layout leaves at least this room for every label.
// In the page the labels are measured too (drawNAONetCell): "max3×3" in semi-bold system-ui is wider than the guess.
const textW = (text, size) => 0.62 * size * [...text].length;

// The drawing of ``parsed`` at ``W`` CSS px (1 viewBox unit per px) with fonts { op, node, title, sub } in px.
// Returns { W, H, titleY, cells: [{ name, x0, cx, top, nodes, edges }] }: nodes { state, x, y, w, h, round, text },
// edges { d, op, color, changed, label: { x, y, w, h, text } | null }, all in px. ``changed``: Set of
// "cell/node/branch" keys. Cells side by side when both fit at their least width, else one above the other.
// ``widthOf(text, px)``: an op label's width as drawn (changed: weight 800, at px), where the page can measure it.
function naonetLayout(parsed, W, font, changed = new Set(), widthOf = textW) {
  const r = Math.max(11, 1.2 * font.node);
  const pill = { w: textW("h[i-2]", font.node) + 10, h: 2 * r - 2 };
  const half = Math.max(r, pill.w / 2);                       // a node's half-width in the column
  // one label width for the space (its widest op name, at a changed label's size): every cell of a space is drawn
  // with the same columns, so a seed and its decoded cell line up
  const opW = (t) => Math.max(textW(t, font.op + 1), widthOf(t, font.op + 1) || 0);
  const lw = Math.max(...NAONET_OPS[parsed.space][0].map((o) => opW(NAONET_SHORT[o] || o))) + 8;
  const lh = 1.3 * (font.op + 1) + 4;
  const lx = half + 6 + lw / 2;                               // a label's centre, from the column
  const lane0 = lx + lw / 2 + 6, step = 6;
  const P = Math.max(2 * r + 6, lh + 10);                     // row pitch: labels between rows stay clear of both
  const titleY = 4 + font.title;
  const sub = 4 + font.sub;                                   // "normal cell" above each cell
  const cellH = sub + 4 + 7 * P + 2 * r + 6;
  // lanes per cell and side: [top, bottom] rows of each long edge; greedy, shortest first, a lane free of overlaps
  const plans = parsed.cells.map((cell, c) => {
    const long = [];
    cell.forEach((node, i) => node.forEach(([inp, op], b) => { if (i + 2 - inp > 1) long.push({ c, i, b, side: b ? 1 : -1, s: inp, d: i + 2, op }); }));
    naonetLoose(cell).forEach((s) => { if (s < 6) long.push({ c, s, d: 7, side: s % 2 ? 1 : -1, concat: true }); });
    const used = { "-1": [], 1: [] };
    long.sort((a, b) => a.d - a.s - (b.d - b.s) || a.s - b.s).forEach((e) => {
      const lanes = used[e.side];
      let k = 0;
      while ((lanes[k] || []).some(([s, d]) => s <= e.d && e.s <= d)) k++;
      (lanes[k] = lanes[k] || []).push([e.s, e.d]);
      e.lane = k;
    });
    return { long, lanes: Math.max(used["-1"].length, used[1].length) };
  });
  const need = (n) => 2 * (lane0 + step * Math.max(0, n - 1) + 4);   // a cell's least width with n lanes a side
  // side by side from a width set by the space and the fonts alone (room for 6 lanes a side, all that 1,999 of
  // 2,000 random cells need; more squeeze closer), so a seed and its decoded cell take the same arrangement
  const side = W >= 2 * need(6) + 8;
  const cw = side ? W / 2 : W;
  const H = titleY + 6 + (side ? cellH : 2 * cellH + 8);
  const cells = parsed.cells.map((cell, c) => {
    const x0 = side ? c * cw : 0, top = titleY + 6 + (side ? 0 : c * (cellH + 8)), cx = x0 + cw / 2;
    const y = (s) => top + sub + 4 + r + s * P;                // state s's row (out: 7)
    const roomy = Math.max(0, (cw / 2 - 4 - lane0) / Math.max(1, plans[c].lanes - 1));
    const laneX = (e) => cx + e.side * (lane0 + Math.min(step, roomy) * e.lane);
    const nodes = [0, 1, 2, 3, 4, 5, 6, 7].map((s) => (s < 2 ? { state: s, x: cx, y: y(s), w: pill.w, h: pill.h, round: false, text: NAONET_STATE[s] }
      : { state: s, x: cx, y: y(s), w: 2 * r, h: 2 * r, round: true, text: s < 7 ? NAONET_STATE[s] : "out" }));
    const edges = [], lanes = new Map(plans[c].long.map((e) => [e.concat ? `c${e.s}` : `${e.i}/${e.b}`, e]));
    const turn = 4;                                           // corner radius of a lane's bends
    cell.forEach((node, i) => node.forEach(([inp, op], b) => {
      const sd = b ? 1 : -1, ys = y(inp), yd = y(i + 2), sy = yd - P / 2, LX = cx + sd * lx, key = `${c}/${i}/${b}`;
      let d;
      if (i + 2 - inp === 1) d = `M${cx},${ys} Q${LX},${ys} ${LX},${sy} Q${LX},${yd} ${cx},${yd}`;
      else {
        const X = laneX(lanes.get(`${i}/${b}`));
        d = `M${cx},${ys} H${X - sd * turn} Q${X},${ys} ${X},${ys + turn} V${sy - turn} Q${X},${sy} ${X - sd * turn},${sy} H${LX} Q${LX},${yd} ${cx},${yd}`;
      }
      edges.push({ d, op, color: NAONET_COLOR[op] || "#202124", changed: changed.has(key), key,
        label: { x: LX, y: sy, w: lw, h: lh, text: NAONET_SHORT[op] || op } });
    }));
    naonetLoose(cell).forEach((s) => {                        // into out: plain lines, no label
      let d;
      if (s === 6) d = `M${cx},${y(6)} V${y(7)}`;
      else {
        const e = lanes.get(`c${s}`), X = laneX(e), sd = e.side;
        d = `M${cx},${y(s)} H${X - sd * turn} Q${X},${y(s)} ${X},${y(s) + turn} V${y(7) - turn} Q${X},${y(7)} ${X - sd * turn},${y(7)} H${cx}`;
      }
      edges.push({ d, op: "concat", color: CONCAT_COLOR, changed: false, key: `${c}/out/${s}`, label: null });
    });
    return { name: NAONET_CELLS[c], x0, cx, top, nodes, edges };
  });
  return { W, H, titleY, side, cells, lanes: Math.max(...plans.map((p) => p.lanes)) };
}

// Draw a NAONet cell into ``svg`` (the explorer's seed / decoded panel), ``ref`` the seed it is compared with.
// As the NB201 drawing: an image named by its title, described by the cell string and what changed; a changed
// edge is drawn thick and its label heavier (800) and boxed thicker, never underlined (it read as a link).
function drawNAONetCell(svg, parsed, refParsed, label, title) {
  const W = cellWidth(svg), k = W / 300;
  const px = (kind) => { const [b, lo, hi] = CELL_TEXT[kind]; return Math.min(hi, Math.max(lo, b * k)); };
  const font = { op: px("op"), node: px("node"), title: px("title"), sub: px("node") };
  const changes = naonetChanges(parsed, refParsed), T = themeOf(svg);   // op colours at 4.5:1 on this page
  const tone = (e) => legible((T.dark && NAONET_COLOR_DARK[e.op]) || e.color, T);
  const probe = svgEl("text", { class: "nx-svg-op nx-changed" }, svg);   // measures a changed label's text
  const widthOf = (text, size) => { probe.style.fontSize = `${size}px`; probe.textContent = text; return probe.getComputedTextLength(); };
  const L = naonetLayout(parsed, W, font, new Set(changes.map((ch) => `${ch.cell}/${ch.node}/${ch.branch}`)), widthOf);
  probe.remove();
  svg.setAttribute("viewBox", `0 0 ${W} ${L.H.toFixed(1)}`);
  svg.dataset.w = String(W);
  svg.dataset.layout = L.side ? "side" : "stacked";
  svg.setAttribute("aria-label", `cell graph: ${title}`);
  svgEl("desc", {}, svg).textContent = `${label}${refParsed ? (changes.length ? `; changed from the seed: ${changes.map(naonetDescribe).join(", ")}` : "; same as the seed") : ""}`;
  svgEl("text", { x: W / 2, y: L.titleY, "text-anchor": "middle", class: "nx-svg-title", style: `font-size: ${font.title}px` }, svg).textContent = title;
  for (const cell of L.cells) {
    svgEl("text", { x: cell.cx, y: cell.top + font.sub + 2, "text-anchor": "middle", class: "nx-svg-small nx-svg-cellname", style: `font-size: ${font.sub}px` }, svg).textContent = `${cell.name} cell`;
    const g = svgEl("g", { class: "nx-naonet-cell", "data-cell": cell.name }, svg);
    for (const e of cell.edges) {
      svgEl("path", { d: e.d, fill: "none", stroke: tone(e), "stroke-width": e.changed ? 4 : e.op === "concat" ? 1.5 : 2,
        "stroke-dasharray": e.op === "concat" ? "3 2" : "", class: e.changed ? "nx-changed" : "", "data-op": e.op, "data-key": e.key }, g);
    }
    for (const e of cell.edges) {
      if (!e.label) continue;
      const b = e.label, fs = font.op + (e.changed ? 1 : 0);
      svgEl("rect", { x: b.x - b.w / 2, y: b.y - b.h / 2, width: b.w, height: b.h, rx: 3, fill: T.bgCss, stroke: tone(e),
        "stroke-width": e.changed ? 2.5 : 1, class: "nx-oplabel" + (e.changed ? " nx-changed" : ""), "data-key": e.key }, g);
      svgEl("text", { x: b.x, y: b.y + 0.35 * fs, "text-anchor": "middle", fill: tone(e), class: "nx-svg-op" + (e.changed ? " nx-changed" : ""),
        style: `font-size: ${fs}px` }, g).textContent = b.text;
    }
    for (const n of cell.nodes) {
      if (n.round) svgEl("circle", { cx: n.x, cy: n.y, r: n.w / 2, class: "nx-node" }, g);
      else svgEl("rect", { x: n.x - n.w / 2, y: n.y - n.h / 2, width: n.w, height: n.h, rx: n.h / 2, class: "nx-node" }, g);
      svgEl("text", { x: n.x, y: n.y + 0.36 * font.node, "text-anchor": "middle", class: "nx-svg-node", style: `font-size: ${font.node}px` }, g).textContent = n.text;
    }
  }
}

// How many edges (NB201) or node inputs (NAONet: input or op) differ between two cells; null when neither parses.
function cellChangeCount(a, b, space) {
  const x = parseNB201(a), y = parseNB201(b);
  if (x && y) return x.filter((o, i) => o !== y[i]).length;
  const p = parseNAONet(a, space), q = parseNAONet(b, space);
  return p && q ? naonetChanges(p, q).length : null;
}

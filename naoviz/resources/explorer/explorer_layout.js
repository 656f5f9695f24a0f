// naoviz explorer, part 6 of 13: the page's elements (the template, a DOM helper) and the map's height.
// Concatenated with the other parts into one ES module (naoviz/explorer_page.py JS_PARTS).
function h(tag, attrs = {}, ...kids) {
  const e = tag === "svg" ? document.createElementNS(SVGNS, "svg") : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) if (k) e.appendChild(k);
  return e;
}
const fmt = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : "–");

// A cell string's pieces between which a line may break: after each "|" that closes an edge or a node's inputs,
// the separators before an edge kept with it ("|op~0|", "+|op~0|"), so a wrapped cell never leaves a "|" or a
// "+|" alone on a line (at 1600 px a bare "|" was left on its own line). The pieces join to the string.
function cellPieces(text) {
  const out = []; let carry = "";
  for (const p of String(text ?? "").split(/(?<=\|)/)) {
    if (/[A-Za-z0-9]/.test(p)) { out.push(carry + p); carry = ""; } else carry += p;
  }
  if (carry) { if (out.length) out[out.length - 1] += carry; else out.push(carry); }
  return out;
}
// A <code> of a cell string that breaks only between its pieces (a <wbr> each: the text is the string itself).
function cellCode(text, attrs = {}) {
  const c = h("code", { ...attrs, class: `nx-cellcode${attrs.class ? " " + attrs.class : ""}` });
  cellPieces(text).forEach((p, i) => { if (i) c.appendChild(document.createElement("wbr")); c.appendChild(document.createTextNode(p)); });
  return c;
}

let templates = 0;   // ids unique across explorers on one page (aria-describedby)

// The keyboard help a screen reader reads with the explorer (and the map): what the keys do, and where the
// map's pointer-only parts (click, box, lasso) are done from the keyboard.
const KEY_HELP = "Keys: Tab moves between the controls; on the explorer or the step size η slider, Left and Right arrows change η, " +
  "Home and End go to its ends, PageUp and PageDown move it several steps; Escape closes the tour, stops ▶ and clears a selection.";
const MAP_HELP = "Without a pointer: type a row number or a whole cell in find or seed row to make it the seed (its nearest cells are " +
  "listed below the map as links); type ops or parts of a cell in find to highlight the matches, then press select the matches " +
  "for the statistics a box or lasso selection gives.";

function template() {
  const id = `nx-${++templates}`;
  return h("div", { class: "nx-root", tabindex: "0", role: "group", "aria-label": "NAO explorer", "aria-describedby": `${id}-keys` },
    h("p", { class: "nx-sr", id: `${id}-keys`, text: KEY_HELP }), h("p", { class: "nx-sr", id: `${id}-map`, text: MAP_HELP }),
    h("div", { class: "nx-bar" },
      h("label", { class: "nx-find" }, h("span", { text: "find" }), h("input", { class: "nx-search", type: "search", placeholder: "cell, op or row", title: "an op or part of a cell (e.g. nor_conv_3x3~0 avg_pool), a row number, or a whole cell string", "aria-label": "find cells by row, ops or cell" })),
      h("label", {}, h("span", { text: "seed row" }), h("input", { class: "nx-seed", type: "text", inputmode: "numeric", size: "6", "aria-label": "seed row", title: "the seed: the table row whose cell the gradient path starts from (or click a dot on the map)" })),
      h("label", {}, h("span", { text: "map" }), h("select", { class: "nx-view", "aria-label": "map", title: "how the embeddings are drawn in 2-D: umap keeps neighbours together (its islands hold cells of equal op counts); pca is the linear projection of most variance" })),
      h("label", {}, h("span", { text: "colour" }), h("select", { class: "nx-color", "aria-label": "colour by", title: "colour the dots by a column of the table, the predictor's value (predicted) or the size of each cell's isomorphism class" })),
      h("button", { class: "nx-tour-btn", type: "button", text: "tour", title: "a guided walk through the stages: map, encode, gradient step, decode, predict, search, neighbours" }),
      h("span", { class: "nx-figs-group" },
        h("button", { class: "nx-figs", type: "button", text: "export figures" }),
        // the Search tab's words (naoviz/ui/search_pareto.py EXPORT_SIZES; it said "screen (PNG)", here "7 in"): the
        // menu as wide as the choice shown, so "PNG" keeps the bar on one row at 1024 px
        h("select", { class: "nx-figsize", "aria-label": "figure size", title: "PNG: as on screen; 7 in, 3.5 in: PDF and SVG laid out for a paper's full width or single column, text 8-9 pt" },
          h("option", { value: "screen", text: "PNG" }), h("option", { value: "7in", text: "7 in (PDF, SVG)" }),
          h("option", { value: "3.5in", text: "3.5 in (PDF, SVG)" })))),
    // "export page" at the budget row's right end (explorer_budget.js moves it up when the table has no budget): in
    // the top bar it wrapped to a second row at 1024 px beside a long colour name and export figures
    h("div", { class: "nx-bar nx-bbar", "data-budget": "off" },
      h("label", {}, h("span", { text: "budget" }), h("select", { class: "nx-bcol", "aria-label": "budget column" })),
      h("input", { class: "nx-bslider", type: "range", "aria-label": "budget (slider)", disabled: "", title: "the budget's upper bound: cells over it are greyed (choose a column first)" }),
      h("label", { class: "nx-bound" }, h("span", { text: "≤" }), h("input", { class: "nx-budget", type: "text", inputmode: "decimal", size: "8", "aria-label": "budget value", disabled: "", title: "the budget's upper bound, typed (choose a column first)" }),
        h("span", { class: "nx-bunit" })),
      h("button", { class: "nx-export", type: "button", text: "export page" })),
    // the student's line, under the bars where values are typed: under the neighbour list it was 200 px below
    // the fold at 1024x768, and a refused seed row just went back with nothing seen
    // beside it the kernel's long work (a cost head's first fit, a figures export): its stage and n of N (the
    // model's work), on the message's row so the page below does not move when it comes and goes
    h("div", { class: "nx-msgrow" }, h("div", { class: "nx-msg", role: "status", "aria-live": "polite" }),
      h("div", { class: "nx-work", hidden: "" }, h("progress", { class: "nx-work-bar", max: "1", value: "0", "aria-label": "work in the kernel" }),
        h("span", { class: "nx-work-text" }))),
    h("div", { class: "nx-main" },
      h("div", { class: "nx-left" },
        h("div", { class: "nx-mapbox" }, h("canvas", { class: "nx-map", role: "img", "aria-label": "map of all cells", "aria-describedby": `${id}-map` }), h("div", { class: "nx-tip", hidden: "" }),
          h("div", { class: "nx-mapfoot" }, h("div", { class: "nx-legend" }),
            h("div", { class: "nx-jumpnote", hidden: "", title: "where the path's point lands on another island between two η; it does not cross the sea" },
              h("span", { class: "nx-dash" }), h("span", {}, document.createTextNode("jump"), h("span", { class: "nx-jumpmore", text: " to another island" }))),
            h("div", { class: "nx-tools", role: "group", "aria-label": "selection tool" }, h("span", { text: "select" }),
              h("button", { class: "nx-tool", type: "button", "data-tool": "box", text: "box", title: "drag a rectangle on the map to select the cells inside it (keyboard: find, then select the matches)" }),
              h("button", { class: "nx-tool", type: "button", "data-tool": "lasso", text: "lasso", title: "draw a freehand outline on the map to select the cells inside it (Esc or a click on empty map clears; keyboard: find, then select the matches)" })))),
        h("div", { class: "nx-eta" },
      h("button", { class: "nx-play", type: "button", text: "▶", "aria-label": "play η", title: "play: η from 0 to its end, one grid step every quarter second (again: pause)" }),
      h("input", { class: "nx-slider", type: "range", min: "0", step: "1", "aria-label": "step size η", title: "step size η: how far the seed's embedding moves along the predictor's gradient before it is decoded" }),
      h("label", {}, h("span", { text: "η" }), h("input", { class: "nx-eta-in", type: "text", inputmode: "decimal", size: "6", "aria-label": "step size η value", title: "step size η, typed: a value on the slider's grid" })),
      h("label", {}, h("span", { text: "steps" }), h("input", { class: "nx-steps", type: "text", inputmode: "numeric", size: "3", value: "1", "aria-label": "gradient steps", title: "gradient steps of size η taken one after another, 1..10 (more than 1: the kernel computes the path)" })))),
      h("div", { class: "nx-side" },
        h("div", { class: "nx-cells" }, h("svg", { class: "nx-seedcell", role: "img", "aria-label": "seed cell" }), h("svg", { class: "nx-deccell", role: "img", "aria-label": "decoded cell" })),
        h("div", { class: "nx-chartbox" }, h("svg", { class: "nx-chart", role: "img", "aria-label": "prediction along step size η" }), h("div", { class: "nx-keys" })),
        h("div", { class: "nx-costbox", hidden: "" }, h("svg", { class: "nx-costchart", role: "img", "aria-label": "cost of the decoded cell along step size η" })),
        h("div", { class: "nx-info" }), h("div", { class: "nx-binfo" })),
      h("div", { class: "nx-lower" }, h("div", { class: "nx-nbrs" }), h("div", { class: "nx-sel" }), h("div", { class: "nx-hits" }))),
    h("div", { class: "nx-live nx-sr", "aria-live": "polite", "aria-atomic": "true" }));   // the prediction line, once η settles
}

// The map's height for its width ``w``: 0.75 of it (640 px at most), but no taller than leaves the η row under it on
// screen with the page at its top, where a map at least 0.4 as tall as wide does (the dashboard's first screen): on a
// 1366x768 or 1280x800 laptop (a browser's bars leave 657-689 px) the η row was 170-250 px below the fold. Lower in
// a page (a phone's dashboard, 1280x720 at 150 %, a notebook's later cell) the η row cannot come up, and the map keeps 0.75.
function mapHeight(root, w) {
  const want = Math.round(Math.min(w * 0.75, 640)), map = root.querySelector(".nx-map");
  if (!map.offsetParent) return want;                                  // not shown (another tab)
  let top = map.getBoundingClientRect().top;                           // where it is with the page at its top
  for (let p = map.parentElement; p; p = p.parentElement) top += p.scrollTop;
  const below = root.querySelector(".nx-eta").getBoundingClientRect().bottom - map.getBoundingClientRect().bottom;
  const room = Math.floor(innerHeight - top - below - 2);
  // a phone (a window under 600 px wide) keeps 0.6 at least: the dashboard's title, intro and tabs above it had
  // squeezed its map to 0.45 (322 x 146 px at 390 x 844) to bring up an η row a thumb scrolls to anyway
  return room >= Math.round(w * (innerWidth < 600 ? 0.6 : 0.4)) ? Math.min(want, room) : want;
}

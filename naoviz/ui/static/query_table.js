// naoviz query table: every query of the Search tab, sorted and filtered here in the browser (no kernel round
// trip); a click on a row asks the kernel to open that cell in the explorer. The rules below are the ones
// naoviz/ui/query_table.py::view implements in Python (tested there): keep the two in step.

function h(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) if (k) e.appendChild(k);
  return e;
}

const CMP = /^([a-z_][\w]*)(<=|>=|<|>|=)(.+)$/i, NUM = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

// Filter tokens (whitespace separated, all must hold): `key<op>number` with op one of < <= > >= = compares a
// numeric column (by key, header or id: a table column's id, its header being its name in words); any other token is a case-insensitive substring of a text column.
function parseFilter(text, columns) {
  const tests = [];
  for (const tok of text.trim().split(/\s+/).filter(Boolean)) {
    const m = tok.match(CMP);
    const col = m ? columns.findIndex((c) => c.numeric && [c.key, c.label.toLowerCase(), String(c.id || "").toLowerCase()].includes(m[1].toLowerCase())) : -1;
    if (m && col >= 0 && NUM.test(m[3])) {
      const x = Number(m[3]), op = m[2];
      tests.push((r) => { const v = r[col]; return Number.isFinite(v) && (op === "<" ? v < x : op === "<=" ? v <= x : op === ">" ? v > x : op === ">=" ? v >= x : v === x); });
    } else {
      const t = tok.toLowerCase(), text = columns.map((c, i) => (c.numeric ? -1 : i)).filter((i) => i >= 0);
      tests.push((r) => text.some((i) => String(r[i]).toLowerCase().includes(t)));
    }
  }
  return tests;
}

function view(rows, columns, sort, filter) {
  const tests = parseFilter(filter, columns);
  const idx = [];
  for (let i = 0; i < rows.length; i++) if (tests.every((f) => f(rows[i]))) idx.push(i);
  const desc = sort.startsWith("-"), key = desc ? sort.slice(1) : sort, col = columns.findIndex((c) => c.key === key);
  if (col >= 0) {
    const num = columns[col].numeric, s = desc ? -1 : 1;
    const val = (i) => { const v = rows[i][col]; return num ? (Number.isFinite(v) ? v : null) : String(v); };
    idx.sort((a, b) => {
      const x = val(a), y = val(b);
      if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;   // missing values last
      return x < y ? -s : x > y ? s : a - b;                                          // ties: run order
    });
  }
  return idx;
}

// A cell string as a <td>'s children that break only between its edges: a <wbr> after each "|" that closes an
// edge or a node's inputs, the separators before an edge kept with it (the explorer's cellPieces rule), so a
// wrapped cell never splits an op name ("nor_conv_1x" / "1~0" at 1024 px). The text stays the string itself.
function cellNodes(text) {
  const out = []; let carry = "";
  for (const p of String(text ?? "").split(/(?<=\|)/)) {
    if (/[A-Za-z0-9]/.test(p)) { out.push(carry + p); carry = ""; } else carry += p;
  }
  if (carry) { if (out.length) out[out.length - 1] += carry; else out.push(carry); }
  const nodes = [];
  out.forEach((p, i) => { if (i) nodes.push(document.createElement("wbr")); nodes.push(document.createTextNode(p)); });
  return nodes;
}

function render({ model, el }) {
  const root = h("div", { class: "nq-root" });
  const filter = h("input", { class: "nq-filter", type: "search", "aria-label": "filter queries",
    placeholder: "filter: decoder, nor_conv, NAO, report>=94, seed=2 …" });
  const count = h("span", { class: "nq-count" });
  const thead = h("thead"), tbody = h("tbody");
  // Keyboard: a header is a button (Enter/Space sorts); the rows are one Tab stop (the picked or first row),
  // Up/Down/Home/End move between them and Enter/Space opens the row's cell, as a click does.
  const caption = h("caption", { class: "nq-sr", text: "Every query of the run. Sort with the column buttons; on a row, Up and Down move, Enter opens its cell in the explorer." });
  root.append(h("div", { class: "nq-bar" }, filter, count), h("div", { class: "nq-scroll" }, h("table", { class: "nq-table" }, caption, thead, tbody)));
  el.appendChild(root);

  function header() {
    const sort = model.get("sort"), cols = model.get("columns");
    thead.replaceChildren(h("tr", {}, ...cols.map((c) => {
      // the arrow kept on its word's line (a no-break space: the header wraps); the unit after the words ("(%)")
      const dir = sort === c.key ? "▲" : sort === "-" + c.key ? "▼" : "", unit = c.unit ? ` (${c.unit})` : "";
      return h("th", { "data-key": c.key, class: c.numeric ? "nq-num" : "", title: `sort by ${c.label}${unit}${c.id && c.id !== c.label ? ` (${c.id})` : ""}`, "aria-sort": dir ? (dir === "▲" ? "ascending" : "descending") : "none",
        onclick: () => { model.set("sort", sort === c.key ? "-" + c.key : c.key); model.save_changes(); draw(); } },
        h("button", { type: "button", class: "nq-sort", "aria-label": `sort by ${c.label}` }, h("span", { text: c.label + unit + (dir ? "\u00a0" + dir : "") })));
    })));
  }
  function draw() {
    const rows = model.get("rows"), cols = model.get("columns"), limit = model.get("limit");
    const idx = view(rows, cols, model.get("sort"), model.get("filter"));
    const digits = cols.map((c) => c.digits);
    const frag = document.createDocumentFragment();
    for (const i of idx.slice(0, limit)) {
      const r = rows[i];
      frag.appendChild(h("tr", { "data-i": String(i), tabindex: "-1", title: "open this cell in the explorer (Enter)" }, ...r.map((v, j) => {
        if (cols[j].key === "cell") { const td = h("td", { class: "nq-cell" }); td.append(...cellNodes(v)); return td; }
        return h("td", { class: cols[j].numeric ? "nq-num" : "",
          text: typeof v === "number" ? (Number.isFinite(v) ? (digits[j] ? v.toFixed(digits[j]) : String(v)) : "–") : String(v) });
      })));
    }
    tbody.replaceChildren(frag);
    const stop = tbody.querySelector("tr.nq-picked") || tbody.firstElementChild;
    if (stop) stop.tabIndex = 0;
    count.textContent = idx.length > limit ? `${idx.length.toLocaleString()} of ${rows.length.toLocaleString()} queries (first ${limit} shown)`
      : `${idx.length.toLocaleString()} of ${rows.length.toLocaleString()} queries`;
    root.dataset.shown = String(Math.min(idx.length, limit));
    fitHeaders();
  }
  // Headers on one line where that costs the rows nothing: tried unwrapped, kept unless the table then overflows
  // sideways or its body grows taller (the cell column squeezed into more lines); else they wrap. Wrapping at every
  // width split "validation accuracy (%)" over two lines at 1024 px on digits, where one line fit.
  const table = root.querySelector(".nq-table"), scroller = root.querySelector(".nq-scroll");
  function fitHeaders() {
    table.classList.remove("nq-oneline");
    const tall = tbody.getBoundingClientRect().height;
    table.classList.add("nq-oneline");
    if (table.offsetWidth > scroller.clientWidth + 0.5 || tbody.getBoundingClientRect().height > tall + 0.5) table.classList.remove("nq-oneline");
  }
  let fitWidth = -1;           // refitted when the table's width changes (a hidden tab shown, a resize), not its height
  new ResizeObserver(() => { if (root.clientWidth !== fitWidth) { fitWidth = root.clientWidth; fitHeaders(); } }).observe(root);
  function focusRow(tr) {                  // the one row Tab reaches
    for (const t of tbody.querySelectorAll("tr[tabindex='0']")) t.tabIndex = -1;
    tr.tabIndex = 0; tr.focus();
  }
  function open(tr) {
    tbody.querySelectorAll("tr.nq-picked").forEach((t) => t.classList.remove("nq-picked"));
    tr.classList.add("nq-picked");
    model.send({ type: "open", index: Number(tr.dataset.i) });
    revealTabs();
  }
  // A row that opens its cell in another tab (the dashboard's explorer): once this table's tab is hidden, the tab bar
  // is scrolled to the window's top, so the explorer's message and map are in view. The page had stayed scrolled at
  // the table's depth, which put the student in the middle of the explorer, its "from the Search tab" line off screen.
  function revealTabs() {
    const tabs = el.closest(".jupyter-widget-tab"), t0 = Date.now();
    if (!tabs) return;
    const poll = () => {
      if (el.offsetParent !== null) { if (Date.now() - t0 < 5000) setTimeout(poll, 50); return; }
      if (tabs.getBoundingClientRect().top < 0) tabs.scrollIntoView({ block: "start" });
    };
    setTimeout(poll, 50);
  }
  tbody.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr[data-i]"); if (!tr) return;
    focusRow(tr); open(tr);
  });
  tbody.addEventListener("keydown", (ev) => {
    const tr = ev.target.closest("tr[data-i]"); if (!tr) return;
    const to = { ArrowDown: tr.nextElementSibling, ArrowUp: tr.previousElementSibling, Home: tbody.firstElementChild, End: tbody.lastElementChild }[ev.key];
    if (to !== undefined) { ev.preventDefault(); if (to) focusRow(to); }
    else if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); open(tr); }
  });
  let timer = null;
  filter.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => { model.set("filter", filter.value); model.save_changes(); draw(); }, 120); });
  model.on("change:rows", draw);
  model.on("change:columns", () => { header(); draw(); });
  model.on("change:sort", () => { header(); draw(); });
  model.on("change:filter", () => { if (filter.value !== model.get("filter")) filter.value = model.get("filter"); draw(); });
  filter.value = model.get("filter");
  header(); draw();
  root.dataset.ready = "1";
}

export default { render };

// naoviz explorer, part 5 of 13: the guided tour. Every stage names the element it describes (a CSS
// selector inside the widget); that element is outlined while the stage is shown.

const TOUR = [
  { sel: ".nx-mapbox", title: "1 · The map",
    text: "Every dot is one cell, placed by the 2-D projection of its NAO embedding. On the UMAP map the islands are real: each holds cells with the same op counts (how many of each operation, on any edges), which the encoder puts close together. Colour = the column chosen above. Click a dot to pick it; drag to select several: a box, or a freehand lasso (the box | lasso toggle under the map; Esc clears)." },
  { sel: ".nx-seedcell", title: "2 · Encode",
    text: "The seed cell: 4 nodes, 6 edges, one operation on each. The encoder turns it into a point in the embedding.",
    naonet: "The seed: a normal and a reduction cell. In each, nodes n0..n4 read two earlier states (the inputs h[i-2], h[i-1] or an earlier node: first on the left, second on the right) through one operation each; out concatenates the states no node reads. The encoder turns it into a point in the embedding." },
  { sel: ".nx-eta", title: "3 · Gradient step",
    text: "Drag η (or press ▶, or the arrow keys; PageUp and PageDown move a tenth, Home and End jump to the ends): the point moves along the predictor's gradient by η. The solid line on the map is that path (black, white in a dark theme); it hops between islands because a changed edge changes the op counts. Each of its points sits on the island of the moved point's nearest cell in the embedding, so the path never crosses the sea: a hop to another island is drawn thin and dashed, a jump, not a way travelled." },
  { sel: ".nx-deccell", title: "4 · Decode",
    text: "The decoder turns the moved point back into a cell. Bold edges changed from the seed.",
    naonet: "The decoder turns the moved point back into a cell. Thick edges with bold labels: inputs whose source or operation changed from the seed." },
  // the chart with its key outlined (a card under the bare chart hid the key), the card under the values it
  // names ("at the moved point: predicted … · decoded: predicted …, true …"), which a card under the key hid
  { sel: ".nx-chartbox", under: ".nx-info", title: "5 · Predict",
    text: "Predicted at the moved point, predicted for the decoded cell, and its true value from the table. Where the lines part, the decoder and the predictor disagree." },
  { sel: ".nx-find", title: "6 · Search",
    text: "Type part of a cell (e.g. nor_conv_3x3~0 or avg_pool) to highlight matches, a row number, or a whole cell string." },
  { sel: ".nx-lower", title: "7 · Neighbours and selection",
    text: "After a click: the nearest cells in the embedding (cosine distance, true value). After a box or lasso drag: the selection's statistics (count, mean/min/max, the best cell)." },
];

let tourCards = 0;   // ids unique across explorers on one page

function showTour(root, stage, onStage) {
  root.querySelectorAll(".nx-hl").forEach((e) => e.classList.remove("nx-hl"));
  let pop = root.querySelector(".nx-tour");
  if (stage < 0 || stage >= TOUR.length) { if (pop) pop.remove(); return; }
  const st = TOUR[stage], target = root.querySelector(st.sel);
  if (target) { target.classList.add("nx-hl"); target.scrollIntoView?.({ block: "nearest" }); }
  if (!pop) {                               // a non-modal dialog: Tab leaves it freely, Escape closes it (explorer.js)
    pop = document.createElement("div"); pop.className = "nx-tour"; pop.setAttribute("role", "dialog");
    pop.id = `nx-tour-${++tourCards}`; root.appendChild(pop);
  }
  pop.dataset.stage = String(stage);
  pop.dataset.target = st.sel;
  pop.innerHTML = "";
  pop.setAttribute("aria-label", `tour: ${st.title} (stage ${stage + 1} of ${TOUR.length})`);
  const h = document.createElement("b"); h.textContent = st.title; pop.appendChild(h);
  const p = document.createElement("p"); p.textContent = (/^naonet/.test(root.dataset.space || "") && st.naonet) || st.text; p.id = `${pop.id}-text`; pop.appendChild(p);
  pop.setAttribute("aria-describedby", p.id);
  const row = document.createElement("div"); row.className = "nx-row";
  const btn = (label, to, act) => { const b = document.createElement("button"); b.type = "button"; b.textContent = label; b.dataset.act = act; b.onclick = () => onStage(to); row.appendChild(b); return b; };
  btn("◂ back", stage - 1, "back").disabled = stage === 0;
  btn(stage === TOUR.length - 1 ? "done" : "next ▸", stage === TOUR.length - 1 ? -1 : stage + 1, "next");
  btn("close", -1, "close").title = "close the tour (Escape)";
  pop.appendChild(row);
  if (target) {                            // place the card just below its element (or st.under), inside the widget
    const r = target.getBoundingClientRect(), R = root.getBoundingClientRect();
    const below = (st.under && root.querySelector(st.under)?.getBoundingClientRect()) || r;
    pop.style.top = `${Math.max(0, Math.max(r.bottom, below.bottom) - R.top + 6)}px`;
    pop.style.left = `${Math.max(0, Math.min(r.left - R.left, R.width - Math.min(340, R.width)))}px`;
  }
  pop.scrollIntoView?.({ block: "nearest" });   // a card under a low element (the chart at 1024x768) is not off screen
}

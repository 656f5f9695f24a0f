// naoviz explorer, part 11 of 13: the row lists under the map: a picked cell's nearest cells in the embedding
// and the find box's matches. Each row's link makes that row the seed (the widget's choose).

// The heading and list of ``row``'s K nearest cells (atlas.A.neighbours, one of each isomorphism class).
// truth: the metric's column (or null); choose(r, k): the k-th neighbour, row r, was chosen.
function nearestList(atlas, row, unit, truth, choose) {
  const { A, K } = atlas;
  const tip = `one cell of each class whose embedding points most nearly the same way as this cell's (distance: cosine distance of the two embeddings, 0 = the same direction, 2 = opposite); true: the table's ${nameOf(atlas, unit)} (${unit}); a class: the cells that are the same network written another way`;
  const list = h("ol", {});
  for (let k = 0; k < K; k++) {
    const r = A.neighbours[row * K + k];
    list.appendChild(h("li", {}, h("a", { href: "#", "data-row": r, text: `row ${r}`, title: `make row ${r} the seed`, onclick: (ev) => { ev.preventDefault(); choose(r, k); } }),
      h("span", { text: ` · distance ${fmt(A.neighbour_dist[row * K + k], 3)} · true ${fmtU(truth ? truth[r] : NaN, unit)} `, title: tip }), h("code", { text: atlas.labels[r], title: atlas.labels[r] })));
  }
  return [h("b", { text: `nearest to row ${row} (true ${nameOf(atlas, unit)} ${fmtU(truth ? truth[row] : NaN, unit)}, ${A.class_size[row]} ${A.class_size[row] === 1 ? "cell" : "cells"} in its class)`, title: tip }), list];
}

// The find box's matches: the count (note), the first 8 rows, and a button selecting them all.
// choose(r): row r was chosen; selectAll(): the matches become the selection (the keyboard's box or lasso).
function matchList(atlas, hits, note, choose, selectAll) {
  return [h("b", { text: note }), ...hits.slice(0, 8).map((r) =>
    h("div", {}, h("a", { href: "#", "data-row": r, text: `row ${r}`, title: `make row ${r} the seed`, onclick: (ev) => { ev.preventDefault(); choose(r); } }), h("code", { text: atlas.labels[r], title: atlas.labels[r] }))),
  hits.length ? h("button", { type: "button", class: "nx-select-hits", text: "select the matches",
    title: "select every matching cell: its statistics, as a box or lasso selection gives", onclick: selectAll }) : null];
}

// naoviz explorer, part 8 of 13: the map's pointer work and the selection. Hover shows a cell's tip; a click
// picks a seed; a drag selects by box or lasso (kept in map coordinates, so it survives a resize); the selection's
// statistics are listed under the map. The keyboard's way to the same selection is find + "select the matches".

// S: the widget's state; scatter: the map (explorer_draw.js); hooks: overlay(), rebuild(), choose(row),
// describe(row) (the decoded panels' text), refocus(selector, i), budgetColumn() (the budget's column or "").
function mapPart(root, model, atlas, S, scatter, hooks) {
  const $ = (s) => root.querySelector(s), A = atlas.A, E = atlas.E, unit = atlas.h.metric, truth = A["column." + unit] || null;
  const canvas = $(".nx-map"), at = (ev) => { const r = canvas.getBoundingClientRect(); return [ev.clientX - r.left, ev.clientY - r.top]; };
  canvas.addEventListener("pointermove", (ev) => {
    const [x, y] = at(ev);
    if (S.drag) {
      const d = S.drag, L = d.lasso; d.x1 = x; d.y1 = y; d.moved = d.moved || Math.hypot(x - d.x0, y - d.y0) > 5;
      if (L && Math.hypot(x - L[L.length - 2], y - L[L.length - 1]) >= 2) L.push(x, y);   // a vertex every 2 px
      hooks.overlay(); return;
    }
    const r = scatter.nearest(x, y), tip = $(".nx-tip");
    if (r !== S.hover) { S.hover = r; hooks.overlay(); }
    if (r < 0) { tip.hidden = true; return; }
    tip.hidden = false; const bc = hooks.budgetColumn();
    // the facts break between words and the cell between its edges only (the tip broke anywhere: "8 / 9.19 %",
    // "pre / dicted"), and the tip is as wide as its text, inside the map (placed 200 px from the map's right edge, it was squeezed into them)
    tip.replaceChildren(h("div", { text: `row ${r} · ${nameOf(atlas, unit)} ${fmtU(truth ? truth[r] : NaN, unit)} · predicted ${fmtU(A.predicted[r], unit)}${bc ? ` · ${nameOf(atlas, bc)} ${fmtU(A["column." + bc][r], bc, 3)}` : ""}` }),
      cellCode(atlas.labels[r]));
    tip.style.left = "0px";                               // measured at the left edge, where nothing squeezes it
    const tw = tip.offsetWidth, th = tip.offsetHeight, cw = canvas.clientWidth, ch = canvas.clientHeight;
    tip.style.left = `${Math.max(0, Math.min(x + 12, cw - tw - 2))}px`;
    tip.style.top = `${y + 12 + th <= ch || y - 12 - th < 0 ? y + 12 : y - 12 - th}px`;
  });
  canvas.addEventListener("pointerleave", () => { S.hover = -1; $(".nx-tip").hidden = true; hooks.overlay(); });
  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.button > 0) return;
    const [x, y] = at(ev); S.drag = { x0: x, y0: y, x1: x, y1: y, moved: false, lasso: S.tool === "lasso" ? [x, y] : null };
    canvas.setPointerCapture?.(ev.pointerId);
  });
  canvas.addEventListener("pointercancel", () => { S.drag = null; hooks.overlay(); });
  canvas.addEventListener("pointerup", (ev) => {
    const d = S.drag; S.drag = null; if (!d) return;
    const data = (pts) => pts.map((v, k) => (k % 2 ? scatter.fy(v) : scatter.fx(v)));   // kept in map coordinates
    if (d.moved && d.lasso && d.lasso.length >= 6) { selectRows(scatter.inPolygon(d.lasso), { kind: "lasso", view: S.view, pts: data(d.lasso) }); return; }
    if (d.moved && !d.lasso) { selectRows(scatter.inBox(d.x0, d.y0, d.x1, d.y1), { kind: "box", view: S.view, pts: data([d.x0, d.y0, d.x1, d.y0, d.x1, d.y1, d.x0, d.y1]) }); return; }
    const r = scatter.nearest(d.x0, d.y0);
    if (r >= 0) hooks.choose(r); else if (S.selection.length) selectRows([]); else hooks.overlay();   // a click on empty map clears
  });
  function selectRows(rows, shape = null) {
    S.selection = rows; S.shape = rows.length ? shape : null; hooks.rebuild(); model.set("selection", rows); model.save_changes();
    const v = (truth || A.predicted), vals = rows.map((r) => v[r]).filter(Number.isFinite), p = rows.map((r) => A.predicted[r]);
    if (S.m >= 0 || S.offgrid) hooks.describe(S.offgrid ? S.offgrid.rows[S.eta] : A.path_decoded[S.m * E + S.eta]);
    if (!rows.length) { $(".nx-sel").replaceChildren(); return; }
    const mean = (a) => a.reduce((s, x) => s + x, 0) / (a.length || 1);
    let best = rows[0]; for (const r of rows) if ((atlas.h.lower_is_better ? -1 : 1) * ((v[r] ?? -Infinity) - (v[best] ?? -Infinity)) > 0) best = r;
    $(".nx-sel").replaceChildren(h("b", { text: `selection: ${grouped(rows.length)} cell${rows.length === 1 ? "" : "s"}${shape ? ` (${shape.kind})` : ""}` }),
      h("div", { text: `${nameOf(atlas, unit)}: mean ${fmtU(mean(vals), unit)}, min ${fmtU(Math.min(...vals), unit)}, max ${fmtU(Math.max(...vals), unit)} · predicted mean ${fmtU(mean(p), unit)}` }),
      h("div", {}, h("span", { text: "best: " }), h("a", { href: "#", text: `row ${best}`, onclick: (ev) => { ev.preventDefault(); hooks.choose(best); } })),
      h("button", { type: "button", text: "clear selection", onclick: () => { selectRows([]); hooks.refocus(".nx-none", 0); } }));
  }

  return { selectRows };
}

// naoviz explorer, part 9 of 13: the map's overlay, drawn on every slider step over the scatter's cached base
// image: the picked cell's neighbour lines, the seed's path (a step solid, a jump dashed), the seed (star), the
// decoded cell (diamond), the moved point, the budget's marks, hover and pick rings, the box or lasso.

// S: the widget's state; scatter: the map (explorer_draw.js); Bg: the budget part (drawPath, markBest).
function overlayPart(root, atlas, S, scatter, Bg) {
  const $ = (s) => root.querySelector(s), A = atlas.A, E = atlas.E, K = atlas.K;
  function pathXY(e) {                    // map position of the moved point at eta index e
    const P = A["path_map." + S.view], k = 2 * (S.m * E + e);
    return [scatter.tx(P[k]), scatter.ty(P[k + 1])];
  }
  function rowXY(r) { return [scatter.sc[2 * r], scatter.sc[2 * r + 1]]; }
  function overlay() {                    // the cheap part of every slider step: blit + path + markers
    const ctx = scatter.blit(), T = themeOf(root), ink = T.ink;    // lines and outlines in the theme's text colour
    if (S.picked >= 0) {
      const [px, py] = rowXY(S.picked); ctx.save(); ctx.globalAlpha = 0.35; ctx.strokeStyle = ink; ctx.lineWidth = 1;
      for (let k = 0; k < K; k++) { const [x, y] = rowXY(A.neighbours[S.picked * K + k]); ctx.beginPath(); ctx.moveTo(px, py); ctx.lineTo(x, y); ctx.stroke(); }
      ctx.restore();
    }
    let jumps = 0;
    if (S.m >= 0) {
      // A step is a solid line; a jump (the backend's path_jump.<map>: the point moved to another island, it
      // never crossed the sea between) a thin faint dashed one with a small arrowhead where it lands.
      const J = A["path_jump." + S.view], j0 = S.m * (E - 1), jump = (e) => Boolean(J && J[j0 + e - 1]);
      ctx.strokeStyle = ink; ctx.lineWidth = 2; ctx.beginPath();
      for (let e = 0; e < E; e++) { const [x, y] = pathXY(e); e && !jump(e) ? ctx.lineTo(x, y) : ctx.moveTo(x, y); }
      ctx.stroke();
      for (let e = 1; e < E; e++) if (jump(e)) { jumps++; jumpSegment(ctx, pathXY(e - 1), pathXY(e), ink); }
      Bg.drawPath(ctx, pathXY, T);          // hollow: the decoded cell is over the budget
      // the moved point's ring, the decoded cell's diamond, then the seed's star on top: at η = 0 the three
      // coincide, and the diamond and ring hid the star the seed's panel names ("★ on the map")
      const [mx, my] = pathXY(S.eta); ctx.strokeStyle = legible("#1a73e8", T, 3); ctx.lineWidth = 3;
      ctx.beginPath(); ctx.arc(mx, my, 7, 0, 7); ctx.stroke();
      const dr = A.path_decoded[S.m * E + S.eta], [dx, dy] = rowXY(dr);
      diamond(ctx, dx, dy, ink);
      const [sx, sy] = rowXY(S.seed); star(ctx, sx, sy, 9, "#fbbc04", ink);
    }
    if (S.m < 0 && S.offgrid && S.offgrid.rows) {          // a kernel path: through its decoded cells' points
      const rows = S.offgrid.rows, pts = rows.filter((r) => r >= 0).map(rowXY);
      ctx.strokeStyle = ink; ctx.lineWidth = 2; ctx.setLineDash([5, 4]); ctx.beginPath();
      pts.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y))); ctx.stroke(); ctx.setLineDash([]);
      const dr = rows[S.eta];
      if (dr >= 0) diamond(ctx, ...rowXY(dr), ink);
      if (S.offgrid.row >= 0) { const [sx, sy] = rowXY(S.offgrid.row); star(ctx, sx, sy, 9, "#fbbc04", ink); }   // on top, as above
    }
    const note = $(".nx-jumpnote");                       // the caption shows only when a jump is drawn
    $(".nx-map").dataset.jumps = String(jumps); if (note.hidden !== !jumps) note.hidden = !jumps;
    Bg.markBest(ctx, rowXY, T);
    for (const r of [S.picked, S.hover]) if (r >= 0) { const [x, y] = rowXY(r); ctx.strokeStyle = ink; ctx.lineWidth = 2; ctx.beginPath(); ctx.arc(x, y, 6, 0, 7); ctx.stroke(); }
    const d = S.drag;
    const line = legible("#1a73e8", T, 3);
    if (d && d.moved && d.lasso) outline(ctx, d.lasso, true, line);
    else if (d && d.moved) outline(ctx, [d.x0, d.y0, d.x1, d.y0, d.x1, d.y1, d.x0, d.y1], true, line);
    else if (S.shape && S.shape.view === S.view) outline(ctx, S.shape.pts.map((v, k) => (k % 2 ? scatter.ty(v) : scatter.tx(v))), false, line);
  }
  function outline(ctx, pts, drawing, line) {   // the box or lasso being drawn (dashed), or the one that made the selection
    ctx.beginPath(); ctx.moveTo(pts[0], pts[1]);
    for (let k = 2; k < pts.length; k += 2) ctx.lineTo(pts[k], pts[k + 1]);
    ctx.closePath(); ctx.fillStyle = "rgba(26,115,232,.07)"; ctx.fill();
    ctx.strokeStyle = line; ctx.lineWidth = 1.5; ctx.setLineDash(drawing ? [4, 3] : []); ctx.stroke(); ctx.setLineDash([]);
  }
  function diamond(ctx, x, y, ink) {      // the decoded cell
    ctx.fillStyle = "#e8710a"; ctx.strokeStyle = ink; ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.moveTo(x, y - 8); ctx.lineTo(x + 8, y); ctx.lineTo(x, y + 8); ctx.lineTo(x - 8, y); ctx.closePath(); ctx.fill(); ctx.stroke();
  }
  function star(ctx, x, y, r, color, ink) {
    ctx.beginPath();
    for (let i = 0; i < 10; i++) { const a = -Math.PI / 2 + (i * Math.PI) / 5, rr = i % 2 ? r / 2.3 : r; ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a)); }
    ctx.closePath(); ctx.fillStyle = color; ctx.fill(); ctx.strokeStyle = ink; ctx.lineWidth = 1; ctx.stroke();
  }
  return { overlay, rowXY };
}

// naoviz explorer, part 12 of 13: the link. The view (?seed=…&eta=…&view=…, and the budget's part) is read from
// the address bar on load and written back as the student moves, so a teacher can hand out a link; and where a
// seed row without a path of its own goes, in the words the seed row box and a link both say.

// Whether the address bar keeps the view: url_state "on"/"off", else everywhere but inside JupyterLab.
function urlMode(model) {
  const m = model.get("url_state");
  if (m === "on" || m === "off") return m === "on";
  return !inJupyterLab();                               // a shared Lab URL is the notebook's, not ours
}

function inJupyterLab() {                               // Voila's page has a LabShell too: ask its config
  const c = document.getElementById("jupyter-config-data");
  if (c) { try { const d = JSON.parse(c.textContent); if (/^voila/i.test(d.appUrl || "")) return false; } catch (e) { /* not JSON */ } }
  return !!document.querySelector(".jp-LabShell");
}

// A row with no path in this atlas (an isomorph of a seed, a cell decoded off the table): { rep, why }, rep being
// its isomorphism class's representative when that has a path (the seed shown instead), else -1 (its neighbours
// are listed). The seed row box and a link say the same ``why``.
function noPathOf(atlas, row) {
  const rep = atlas.A.class_of[row];
  if (rep !== row && atlas.seedIndex[rep] >= 0) return { rep, why: `row ${row} has no path; showing its isomorphism class's representative, row ${rep}` };
  return { rep: -1, why: `row ${row} has no path in this atlas (${grouped(atlas.M)} seeds have one); its neighbours are listed below` };
}

// S: the widget's state (seed, m, eta, view); Bg: the budget part (its own ?budget_column=…&budget=…);
// hooks: msg(text, err). -> { read(), write() }
function urlPart(model, atlas, S, Bg, hooks) {
  const A = atlas.A;
  function write() {
    if (!urlMode(model) || S.seed < 0) return;
    const u = new URL(window.location.href);
    u.searchParams.delete("token");     // a link copied from the address bar must not hand on the dashboard's token (the cookie keeps this page)
    u.searchParams.set("seed", String(S.seed)); u.searchParams.set("eta", String(+A.etas[S.eta].toFixed(4))); u.searchParams.set("view", S.view); Bg.writeURL(u);
    try { history.replaceState(history.state, "", u.toString()); } catch (_) { /* sandboxed frames */ }
  }
  // The link's state into S before the first draw; a bad part is said in red, naming it (the rest still applies).
  // -> the link's seed row when it has no path of its own (picked, its neighbours listed, as the seed row box
  // does; its path asked of the kernel when its class has none either), else -1.
  function read() {
    if (!urlMode(model)) return -1;
    const q = new URLSearchParams(window.location.search), bad = [];
    let note = "", row = -1;
    if (q.has("view")) { const v = q.get("view"); if (atlas.h.maps.includes(v)) S.view = v; else bad.push(`view ${v} is not one of ${atlas.h.maps.join(", ")}`); }
    if (q.has("seed")) {
      const s = q.get("seed"), r = /^\d+$/.test(s) ? +s : -1;
      const span = `0..${atlas.N - 1}`;     // the seed row box's words
      if (r < 0 || r >= atlas.N) bad.push(r < 0 ? `seed ${s} is not a row number (${span})` : `seed ${s} is outside ${span}`);
      else if (atlas.seedIndex[r] >= 0) { S.seed = r; S.m = atlas.seedIndex[r]; }
      else {                              // as the seed row box takes it: the class's representative, else the neighbours
        const { rep, why } = noPathOf(atlas, r); note = why; row = r;
        if (rep >= 0) { S.seed = rep; S.m = atlas.seedIndex[rep]; }
      }
    }
    if (q.has("eta")) { const r = etaIndexIn(A.etas, q.get("eta")); if (typeof r === "number") S.eta = r; else bad.push(r); }
    Bg.set(...Bg.readURL(q, bad), false, true);
    if (bad.length) hooks.msg(`link: ${[...bad, note].filter(Boolean).join("; ")}`, true); else if (note) hooks.msg(note);
    return row;
  }
  return { read, write };
}

// naoviz explorer, part 12 of 13: the link. The view (?seed=…&eta=…&view=…, and the budget's part) is read from
// the address bar on load and written back as the student moves, so a teacher can hand out a link.

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
  function read() {
    if (!urlMode(model)) return;
    const q = new URLSearchParams(window.location.search), bad = [];
    if (q.has("view")) { const v = q.get("view"); if (atlas.h.maps.includes(v)) S.view = v; else bad.push(`view ${v} is not one of ${atlas.h.maps.join(", ")}`); }
    if (q.has("seed")) {
      const s = q.get("seed"), r = /^\d+$/.test(s) ? +s : -1;
      if (r >= 0 && r < atlas.N && atlas.seedIndex[r] >= 0) { S.seed = r; S.m = atlas.seedIndex[r]; } else bad.push(`seed ${s} is not a row with a path (${grouped(atlas.M)} rows have one, e.g. ${atlas.A.seeds[0]})`);   // "(0..6911)" had refused 6900, in it
    }
    if (q.has("eta")) { const r = etaIndexIn(A.etas, q.get("eta")); if (typeof r === "number") S.eta = r; else bad.push(r); }
    Bg.set(...Bg.readURL(q, bad), false, true);
    if (bad.length) hooks.msg(`link: ${bad.join("; ")}`, true);
  }
  return { read, write };
}

// naoviz explorer, part 10 of 13: asking the kernel. What the atlas cannot hold comes from the kernel by custom
// message (naoviz/ui/explorer_offgrid.py answers): a typed cell's path, several steps, and, with a budget, the
// constrained step's path for an atlas seed (issue 14: CostNAO's Lagrangian). The atlas path stays on the map
// while an answer is on its way and when one fails; only the newest ask's answer is shown. A newer ask stops the
// kernel's work on the older one (naoviz/ui/explorer_asks.py); when the page drops the path it asked for without
// asking another (budget cleared, another atlas seed picked), it sends {type: "offgrid", cancel: true} instead.

let offgridRequests = 0;   // off-grid ask ids, unique across mounts: an earlier mount's answer never matches a later ask

// S: the widget's state (seed, m, eta, offgrid); Bg: the budget part (state, info());
// hooks: msg(text, err), seedPanels(), overlay(), setSeed(row), hasPath(row).
function kernelPart(root, model, atlas, S, Bg, hooks) {
  const $ = (s) => root.querySelector(s);
  const paths = () => Boolean(model.get("kernel") && model.get("has_handler"));
  let conAsk = { kind: "" }, pendingRow = -1, askedId = 0, pending = false;

  // Which path is drawn, for the budget's line: { kind: "constrained" | "asking" | "failed" | "nokernel" |
  // "nohandler" | "typed" | "filtered", why }.
  function shown() {
    if (S.offgrid && S.offgrid.constrained) return { kind: "constrained", ...S.offgrid.constrained, at: (S.offgrid.constrained_at || []).filter(Boolean).length, atFlags: S.offgrid.constrained_at || [] };
    if (S.offgrid) return { kind: "typed" };
    if (!paths()) return { kind: model.get("kernel") ? "nohandler" : "nokernel" };
    return conAsk.kind ? conAsk : { kind: "filtered" };
  }

  // With a budget and a model in the kernel, ask for the seed's constrained step (the atlas path meanwhile).
  function constrain() {
    if (S.offgrid && !S.offgrid.constrained) return;      // a typed cell's (or several steps') kernel path stays
    const b = Bg.state, want = Boolean(b.col && b.budget != null && paths() && S.seed >= 0 && atlas.seedIndex[S.seed] >= 0);
    if (S.offgrid) { S.offgrid = null; S.m = atlas.seedIndex[S.seed]; conAsk = { kind: "" }; hooks.seedPanels(); }
    if (!want) { if (conAsk.kind) { if (conAsk.kind === "asking") cancel(); conAsk = { kind: "" }; Bg.info(); } return; }
    conAsk = { kind: "asking" }; Bg.info();
    request(atlas.labels[S.seed], 1, S.seed, { column: b.col, bound: b.budget });
  }

  function request(cell, steps = 1, row = -1, budget = null) {
    const msg = hooks.msg;
    if (!model.get("kernel")) { msg(`${cell ? "this cell is not in the atlas" : "several steps are not in the atlas"}: that needs a kernel (open the explorer in Jupyter with a model)`, true); return; }
    if (!model.get("has_handler")) { msg("that needs a model in the kernel: ExplorerWidget(atlas, handler=nao_handler(loader))", true); return; }
    const id = askedId = ++offgridRequests; msg("asking the kernel…");
    pendingRow = row; pending = true; model.send(budget ? { type: "offgrid", id, cell, steps, budget } : { type: "offgrid", id, cell, steps });
    // silence for 60 s is a lost kernel; a kernel that reports work (model "work": a cost head's first fit) is not
    const late = () => { if (askedId !== id || $(".nx-msg").textContent !== "asking the kernel…") return;
      if (Object.keys(model.get("work") || {}).length) setTimeout(late, 60000); else msg("no answer from the kernel after 60 s", true); };
    setTimeout(late, 60000);
  }

  function answer(m) {                             // an "offgrid" message from the kernel
    const msg = hooks.msg;
    if (m.id !== askedId) return;                  // an answer to an older request (or to an earlier mount's)
    pending = false;
    if (m.constrained) {                           // the constrained step: shown only for the seed and budget it was asked for
      const b = Bg.state;
      if (S.offgrid || pendingRow !== S.seed || m.constrained.column !== b.col || m.constrained.bound !== b.budget) return;
      S.offgrid = { ...m, row: pendingRow }; S.m = -1; conAsk = { kind: "" }; hooks.seedPanels(); hooks.overlay();
      msg(`row ${pendingRow}: the constrained step from the kernel, budget ${boundText(atlas, b.col, b.budget)}`); return;
    }
    if (!m.ok) { if (conAsk.kind === "asking") { conAsk = { kind: "failed", why: m.message }; Bg.info(); } msg(m.message, true); return; }
    const steps = m.steps > 1 ? `${m.steps} steps` : "";
    if (!steps && pendingRow >= 0 && hooks.hasPath(pendingRow)) { hooks.setSeed(pendingRow); return; }   // this atlas has its path now
    S.offgrid = { ...m, row: pendingRow }; S.m = -1; hooks.seedPanels(); hooks.overlay();
    msg(pendingRow >= 0 ? (steps ? `row ${pendingRow}: ${steps} of size η each, from the kernel` : `row ${pendingRow}: its path came from the kernel (this atlas has paths for ${atlas.M} seeds)`)
      : `${steps || "1 step"} from the kernel for the typed cell`);
  }

  // The page no longer wants the path it asked for: the kernel stops working on it (its answer would be ignored).
  function cancel() {
    if (!pending) return;
    pending = false; askedId = ++offgridRequests;
    model.send({ type: "offgrid", id: askedId, cancel: true });
  }

  return { paths, shown, constrain, request, answer, reset: () => { cancel(); conAsk = { kind: "" }; } };
}

// The kernel's long work as the model's "work" says it ({what, stage, done, total}; {} idle): a bar and
// "fitting the latency_pixel3 cost head (once per model and column)… 12 of 60" beside the message, hidden when idle.
function showWork(root, w) {
  const box = root.querySelector(".nx-work"), bar = root.querySelector(".nx-work-bar");
  if (!box) return;
  const busy = Boolean(w && w.stage);
  box.hidden = !busy;
  if (!busy) return;
  const total = Math.max(1, +w.total || 1), done = Math.min(total, Math.max(0, +w.done || 0));
  bar.max = String(total); bar.value = String(done);
  root.querySelector(".nx-work-text").textContent = `${w.what === "export" ? "exporting: " : ""}${w.stage}… ${done} of ${total}`;
}

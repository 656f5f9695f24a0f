// naoviz standalone page: a tiny stand-in for anywidget's model (get/set/on/off/save_changes/send) feeding
// the same render({model, el}); no widget manager, no kernel, no network. Appended to the explorer module.
function pageModel(state) {
  const handlers = {};
  const emit = (ev, ...args) => (handlers[ev] || []).slice().forEach((f) => f(...args));
  return {
    get: (k) => state[k],
    set: (k, v) => { const old = state[k]; state[k] = v; if (old !== v) emit("change:" + k, v); },
    on: (ev, f) => { (handlers[ev] = handlers[ev] || []).push(f); },
    off: (ev, f) => { handlers[ev] = (handlers[ev] || []).filter((g) => g !== f); },
    save_changes: () => {},
    send: (m) => setTimeout(() => {
      if (m.type === "export_page") {
        const keep = Array.from(document.querySelectorAll("[data-nx-keep]"), (e) => e.outerHTML);
        // document.title is the title's text (entities decoded): written back escaped, or a title holding
        // "<img onerror=...>" would be markup in the exported page
        const title = document.title.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
        // the heading naming the table ("naoviz explorer: nb201") goes too: a saved page had lost it
        const h1 = document.querySelector("main > h1"), heading = h1 ? h1.outerHTML : "";
        const html = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>${keep[0]}</head><body><main>${heading}<div id="naoviz-explorer"></div></main>\n${keep.slice(1).join("\n")}\n</body></html>\n`;
        const bytes = new TextEncoder().encode(html);
        emit("msg:custom", { type: "export_page", ok: true, bytes: bytes.length }, [new DataView(bytes.buffer)]);
      } else emit("msg:custom", { type: m.type, id: m.id, ok: false, message: "this needs a kernel: the standalone page has none (open the explorer in Jupyter)" }, []);
    }, 0),
  };
}

// The page follows the reader's light or dark preference (prefers-color-scheme) as JupyterLab marks its theme, on
// <body>: explorer.css and explorer_theme.js then colour it as in JupyterLab Dark, and a change redraws it.
const darkScheme = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
const markScheme = () => { document.body.dataset.jpThemeLight = darkScheme && darkScheme.matches ? "false" : "true"; };
markScheme();
if (darkScheme) darkScheme.addEventListener("change", markScheme);

(async () => {
  const header = JSON.parse(document.getElementById("nx-header").textContent);
  const b64 = document.getElementById("nx-data").textContent.trim(), bin = atob(b64), bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const state = { _atlas_header: header, _atlas_data: new DataView(bytes.buffer), seed: -1, eta_index: 0, view: header.maps.includes("umap") ? "umap" : header.maps[0],
    color: header.metric, search: "", selection: [], budget_column: "", budget: null, message: "", url_state: "on", tour_stage: -1, kernel: false, has_handler: false };
  const el = document.getElementById("naoviz-explorer");
  await widget.render({ model: pageModel(state), el });
  window.naovizModel = state;
})();

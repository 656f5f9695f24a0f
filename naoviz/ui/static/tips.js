// naoviz tips (naoviz/ui/tips.py): ipywidgets 8 shows no tooltip on a labelled Text, Dropdown or Select (nor on a
// slider's track). For each covered widget (a class naoviz-tip-<model id>), write its tip as the title of the
// widget's element, its label and its control (the label's `for` target, or a slider's track), so hovering
// either shows it. Widgets rendered later (a tab built on first open) are found by a MutationObserver.

function parts(root) {
  const label = root.querySelector(":scope > .widget-label");
  const control = label && label.htmlFor ? document.getElementById(label.htmlFor) : null;
  return [root, label, control, ...root.querySelectorAll(":scope > .slider-container")].filter(Boolean);
}

// `gone`: the names whose tip was taken away since the last look (their titles are removed)
function apply(tips, gone) {
  for (const name of gone) for (const root of document.getElementsByClassName(name)) for (const el of parts(root)) el.removeAttribute("title");
  for (const [name, text] of Object.entries(tips)) {
    for (const root of document.getElementsByClassName(name)) for (const el of parts(root)) if (el.title !== text) el.title = text;
  }
}

function render({ model, el }) {
  let last = [];
  const run = () => {
    const tips = model.get("tips") || {};
    apply(tips, last.filter((name) => !(name in tips)));
    last = Object.keys(tips);
  };
  let queued = false;            // a burst of changes (a chart redraw) is one look, 100 ms later
  const seen = new MutationObserver(() => {
    if (!queued) { queued = true; setTimeout(() => { queued = false; run(); }, 100); }
  });
  seen.observe(document.body, { childList: true, subtree: true });
  model.on("change:tips", run);
  run();
  return () => { seen.disconnect(); model.off("change:tips", run); };
}

export default { render };

// naoviz explorer, part 1 of 13: the theme. Text and boxes follow the page through explorer.css's --nx-*
// properties (JupyterLab's --jp-* colours in a dark JupyterLab or Voila theme, body[data-jp-theme-light="false"];
// naoviz's light colours otherwise). The canvas and the colours set as SVG attributes cannot follow CSS: they take
// themeOf(el)'s colours, read when drawn, and the explorer draws again when the theme changes (onThemeChange).

// The colour maths (rgbaOf, luminance, contrast, mixRGB, pageBackground, inkOn) are naoviz/resources/ink.js's,
// concatenated before this part.

// ``color`` as drawn on the theme's background, moved toward white (dark theme) or black just far enough for
// ``min`` contrast (WCAG: 4.5 for text, 3 for a line that must be seen; ink.js inkOn). The light palette already
// has 4.5:1 on white, so a light page draws its colours unchanged; on JupyterLab Dark's #111 the op blue #1a73e8
// (4.1:1) becomes a lighter blue of the same hue.
function legible(color, T, min = 4.5) {
  const key = `${color}|${min}`;
  if (!T.cache.has(key)) T.cache.set(key, inkOn(color, T.bg, min));
  return T.cache.get(key);
}

// The page's theme as seen from ``el``: its first opaque background up the tree (white if none), whether that
// is dark, and the explorer's colours (explorer.css; the light ones when a property is missing). Cached per
// element until the theme changes.
let themeVersion = 0;
function themeOf(el) {
  el = (el && el.closest && el.closest(".nx-root")) || el || document.body;
  if (el.__nxTheme && el.__nxTheme[0] === themeVersion) return el.__nxTheme[1];
  const cs = getComputedStyle(el), v = (name, light) => cs.getPropertyValue(name).trim() || light;
  const bg = pageBackground(el);
  const T = { bg, bgCss: cssRGB(bg), dark: darkBackground(bg), cache: new Map(),
              ink: v("--nx-fg", "#202124"), ink2: v("--nx-fg2", "#5f6368"), accent: v("--nx-accent", "#1a73e8") };
  el.__nxTheme = [themeVersion, T];
  return T;
}

// JupyterLab and Voila mark the theme on <body> (data-jp-theme-light, data-jp-theme-name; the offline page's shim
// too, from prefers-color-scheme). ``redraw`` runs once the change is seen, then again whenever the page's colours
// (pageColours) differ from those of the last redraw, read on each animation frame for THEME_SETTLE_MS after the
// change: JupyterLab may set the attribute before the new theme's stylesheet applies (a fixed 400 ms wait read the
// old colours on a loaded machine). Returns the function that stops listening.
const THEME_SETTLE_MS = 10000;
const themeListeners = new Set();
let themeObserver = null;

// What themeOf's colours come from: <body>'s background and text, and JupyterLab's --jp-* colours that the
// notebook's backgrounds and explorer.css's dark --nx-* take.
function pageColours() {
  const cs = getComputedStyle(document.body);
  return [cs.backgroundColor, cs.color, ...["--jp-layout-color0", "--jp-layout-color1", "--jp-ui-font-color1",
    "--jp-brand-color1"].map((name) => cs.getPropertyValue(name).trim())].join("|");
}

function onThemeChange(redraw) {
  if (!themeObserver) {
    let drawnWith = "", watch = 0;
    const fire = () => { drawnWith = pageColours(); themeVersion++; themeListeners.forEach((f) => f()); };
    const settle = (id, until) => {
      if (id !== watch) return;                                   // a later change watches on its own
      if (pageColours() !== drawnWith) fire();                    // the new stylesheet applied: draw again
      if (performance.now() < until) requestAnimationFrame(() => settle(id, until));
    };
    themeObserver = new MutationObserver(() => {
      fire();
      const id = ++watch, until = performance.now() + THEME_SETTLE_MS;
      requestAnimationFrame(() => settle(id, until));
    });
    themeObserver.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });
  }
  themeListeners.add(redraw);
  return () => themeListeners.delete(redraw);
}

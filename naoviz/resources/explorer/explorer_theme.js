// naoviz explorer, part 1 of 11: the theme. Text and boxes follow the page through explorer.css's --nx-*
// properties (JupyterLab's --jp-* colours in a dark JupyterLab or Voila theme, body[data-jp-theme-light="false"];
// naoviz's light colours otherwise). The canvas and the colours set as SVG attributes cannot follow CSS: they take
// themeOf(el)'s colours, read when drawn, and the explorer draws again when the theme changes (onThemeChange).

let themeProbe = null;
// Any CSS colour -> [r, g, b, a] (0..255, alpha 0..1), read through a canvas's own parser; an unknown one is black.
function rgbaOf(css) {
  const p = themeProbe || (themeProbe = document.createElement("canvas").getContext("2d"));
  p.fillStyle = "#000"; p.fillStyle = String(css || "#000");
  const s = p.fillStyle;
  if (s[0] === "#") return [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16)).concat(1);
  const m = s.match(/[\d.]+/g).map(Number);
  return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
}
const cssRGB = (c) => `rgb(${c.slice(0, 3).map(Math.round).join(",")})`;
// WCAG 2's relative luminance of [r, g, b] (0..255) and the contrast ratio of two such colours
function luminance(c) {
  return [0, 1, 2].map((i) => { const v = c[i] / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
}
function contrast(a, b) { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); }
const mixRGB = (a, b, f) => [0, 1, 2].map((i) => a[i] * (1 - f) + b[i] * f);   // f of b into a

// ``color`` as drawn on the theme's background, moved toward white (dark theme) or black just far enough for
// ``min`` contrast (WCAG: 4.5 for text, 3 for a line that must be seen). The light palette already has 4.5:1 on
// white, so a light page draws its colours unchanged; on JupyterLab Dark's #111 the op blue #1a73e8 (4.1:1)
// becomes a lighter blue of the same hue.
function legible(color, T, min = 4.5) {
  const key = `${color}|${min}`;
  if (T.cache.has(key)) return T.cache.get(key);
  const c = rgbaOf(color), solid = mixRGB(T.bg, c, c[3]);
  let out = color;
  if (contrast(solid, T.bg) < min) {
    const to = T.dark ? [255, 255, 255] : [0, 0, 0];
    let f = 0.05;
    while (f < 1 && contrast(mixRGB(solid, to, f), T.bg) < min) f += 0.05;
    out = cssRGB(mixRGB(solid, to, Math.min(1, f)));
  }
  T.cache.set(key, out);
  return out;
}

// The page's theme as seen from ``el``: its first opaque background up the tree (white if none), whether that
// is dark, and the explorer's colours (explorer.css; the light ones when a property is missing). Cached per
// element until the theme changes.
let themeVersion = 0;
function themeOf(el) {
  el = (el && el.closest && el.closest(".nx-root")) || el || document.body;
  if (el.__nxTheme && el.__nxTheme[0] === themeVersion) return el.__nxTheme[1];
  const cs = getComputedStyle(el), v = (name, light) => cs.getPropertyValue(name).trim() || light;
  let bg = null;
  for (let e = el; e && !bg; e = e.parentElement) { const c = rgbaOf(getComputedStyle(e).backgroundColor); if (c[3] > 0.9) bg = c.slice(0, 3); }
  bg = bg || [255, 255, 255];
  const T = { bg, bgCss: cssRGB(bg), dark: luminance(bg) < 0.18, cache: new Map(),
              ink: v("--nx-fg", "#202124"), ink2: v("--nx-fg2", "#5f6368"), accent: v("--nx-accent", "#1a73e8") };
  el.__nxTheme = [themeVersion, T];
  return T;
}

// JupyterLab and Voila mark the theme on <body> (data-jp-theme-light, data-jp-theme-name; the offline page's shim
// too, from prefers-color-scheme). ``redraw`` runs once the change is seen, and again 400 ms later: JupyterLab may
// set the attribute before the new theme's stylesheet has loaded. Returns the function that stops listening.
const themeListeners = new Set();
let themeObserver = null;
function onThemeChange(redraw) {
  if (!themeObserver) {
    const fire = () => { themeVersion++; themeListeners.forEach((f) => f()); };
    themeObserver = new MutationObserver(() => { fire(); setTimeout(fire, 400); });
    themeObserver.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });
  }
  themeListeners.add(redraw);
  return () => themeListeners.delete(redraw);
}

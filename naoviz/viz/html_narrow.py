"""A saved HTML figure on a phone: the legend under the plot and the title wrapped, so the plot keeps the width.

plotly lays a figure out for the width it is drawn at, but keeps the legend at the right and the title on one
line: ``compare.html`` opened at 390 px drew its plot 70 px wide beside the legend, under a title cut at the
right edge. :data:`SCRIPT` (plotly's ``post_script``, run once the figure is drawn) relayouts a figure narrower
than :data:`NARROW_PX`, and back when it is widened again. No network, no library beyond the page's plotly.js.
"""
from __future__ import annotations

NARROW_PX = 600

SCRIPT = """(function () {
  var gd = document.getElementById('{plot_id}');
  if (!gd || !window.Plotly) return;
  var KEYS = ['orientation', 'x', 'xanchor', 'y', 'yanchor', 'yref', 'title.side'],
      UNDER = ['h', 0, 'left', 0, 'bottom', 'container', 'top'];
  var L = gd.layout, wide = {legend: JSON.parse(JSON.stringify(L.legend || {})),
    title: L.title && L.title.text, top: (L.margin || {}).t, bottom: (L.margin || {}).b}, narrow = null;
  function wrap(text, n) {            // words into lines of n characters at most; a <sup> part keeps its tags
    return String(text).split(/<br\\s*\\/?>/i).map(function (part) {
      var sup = /^\\s*<sup>/i.test(part), bare = part.replace(/<\\/?sup>/gi, ''), lines = [], line = '';
      bare.split(' ').forEach(function (w) {
        var plain = (line + ' ' + w).replace(/<[^>]*>/g, '');
        if (line && plain.length > (sup ? n * 1.4 : n)) { lines.push(line); line = w; } else { line = line ? line + ' ' + w : w; }
      });
      lines.push(line);
      return lines.map(function (l) { return sup ? '<sup>' + l + '</sup>' : l; }).join('<br>');
    }).join('<br>');
  }
  function fit() {
    var w = gd.clientWidth || window.innerWidth, small = w < NARROW;
    if (small === narrow) return;
    narrow = small;
    var u = {};
    if (small) {
      var font = (L.font && L.font.size) || 12, items = gd.data.filter(function (t) {
        return t.name && t.showlegend !== false && (t.visible === undefined || t.visible === true || t.visible === 'legendonly'); }).length;
      KEYS.forEach(function (k, i) { u['legend.' + k] = UNDER[i]; });     // its title and fonts kept
      u['margin.b'] = (wide.bottom || 40) + 40 + items * (font * 1.6 + 4) + (L.legend && L.legend.title && L.legend.title.text ? font * 2 : 0);
      if (wide.title) {
        var text = wrap(wide.title, Math.max(12, Math.floor((w - 40) / (((L.title.font && L.title.font.size) || 17) * 0.55))));
        u['title.text'] = text;
        u['margin.t'] = Math.max(wide.top || 0, 40 + 22 * (text.split('<br>').length));
      }
    } else {
      KEYS.forEach(function (k) {
        var v = k.split('.').reduce(function (o, p) { return o === undefined || o === null ? undefined : o[p]; }, wide.legend);
        u['legend.' + k] = v === undefined ? null : v; });
      u['margin.b'] = wide.bottom; u['margin.t'] = wide.top;
      if (wide.title) u['title.text'] = wide.title;
    }
    Plotly.relayout(gd, u);
  }
  fit();
  window.addEventListener('resize', fit);
})();""".replace("NARROW", str(NARROW_PX))

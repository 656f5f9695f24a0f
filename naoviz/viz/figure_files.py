"""Save figures: PNG / SVG / PDF through kaleido (>= 1) and a local Chrome/Chromium, or standalone HTML.

kaleido launches the browser named by ``BROWSER_PATH``; naoviz points it at a tiny wrapper script in the
cache folder that adds the offline flags Debian's launcher leaves out (no background networking, no QUIC).
The explorer's exports share one browser kept by the kernel (``naoviz.viz.kept_browser``), ``naoviz compare
--out``'s sets one for the command (``kept_browser.for_command``); elsewhere each batch starts its own
(``kept_browser.one_shot``); all with ``kept_browser``'s time limits (``$NAOVIZ_EXPORT_TIMEOUT``: no export hangs on
a browser that never answers). The same figure exported twice gives the same bytes (a figure kept in git does not churn):
plotly's random ids in HTML and SVG are replaced by ones hashed from the figure, and a PDF's creation date is ``$SOURCE_DATE_EPOCH``'s
when that is set (the reproducible-builds convention), else the export's time.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shlex
import shutil
from importlib import import_module
from pathlib import Path
from typing import Optional, Sequence

import plotly.graph_objects as go
import plotly.io as pio

from naoviz import export_settings
from naoviz.errors import NaovizError
from naoviz.viz import html_narrow, kept_browser
from naoviz.paths import atomic_write_bytes, cache_dir, clear_stale_temps, temp_path, write_synced
from naoviz.viz.file_meta import with_meta
# Same bytes for the same figure: naoviz.viz.stable_bytes; stable_svg and stable_pdf stay importable from here.
from naoviz.viz.stable_bytes import _stable_uids, stable_pdf, stable_svg

FORMATS = ("png", "svg", "pdf", "html")
VECTOR = ("svg", "pdf")          # drawn without WebGL (:func:`vector_figure`)
WRAPPER = "chromium-headless"      # + "-<hash of the browser and flags>" (wrapper_name); naoviz.cache_admin knows it
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# Export renders local files only (kaleido's page, plotly.js from the installed plotly): Chromium resolves no host
# name, so it contacts nothing (it asked update.googleapis.com, accounts.google.com and Debian's start page's host
# on every export before, despite the other flags).
_FLAGS = ("--disable-background-networking --disable-component-update --disable-sync --no-first-run --disable-quic "
          "'--host-resolver-rules=MAP * ~NOTFOUND'")
NO_BROWSER = ("export: PNG/SVG/PDF need Chrome or Chromium and none was found (looked at $NAOVIZ_CHROMIUM, "
              "/usr/bin/chromium and PATH: {names}). Install one (Debian/Ubuntu: `apt-get install chromium`, "
              "or `make browser` in a clone of the repository) or set NAOVIZ_CHROMIUM=/path/to/chrome; `.html` export needs no browser.")


def find_browser() -> Optional[str]:
    """Path of a Chrome/Chromium binary, or None (none installed, or ``NAOVIZ_CHROMIUM=none``); a
    ``$NAOVIZ_CHROMIUM`` that names no executable file is a NaovizError naming it (``naoviz.export_settings``)."""
    env = export_settings.browser_setting()
    if env is not None:
        return None if env == export_settings.OFF else env
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return os.path.abspath(found)
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def wrapper_name(browser: str) -> str:
    """The wrapper's file name for ``browser``: ``chromium-headless-<12 hex>``, hashed from the browser's path and
    the flags, so two processes sharing a cache folder with different ``$NAOVIZ_CHROMIUM`` each launch their own
    (one wrapper for all had one process's export run the other's browser)."""
    digest = hashlib.sha256(f"{browser}\0{_FLAGS}".encode()).hexdigest()[:12]
    return f"{WRAPPER}-{digest}"


def browser_wrapper() -> Path:
    """The wrapper script kaleido launches for the browser found (written once into the cache folder, atomically,
    under :func:`wrapper_name`); NaovizError if there is none."""
    browser = find_browser()
    if browser is None:
        if export_settings.browser_setting() == export_settings.OFF:
            raise NaovizError(f"export: PNG/SVG/PDF are off ({export_settings.BROWSER_ENV}="
                              f"{export_settings.OFF}); `.html` export needs no browser.")
        raise NaovizError(NO_BROWSER.format(names=", ".join(_CANDIDATES)))
    path = cache_dir() / wrapper_name(browser)
    text = f'#!/bin/sh\nexec {shlex.quote(browser)} {_FLAGS} "$@"\n'
    if not path.is_file() or path.read_text() != text:
        # an executable (0o777 less the umask), through a new temporary never opened through a link planted at
        # its guessable name (its text and chmod went into whatever file such a link named)
        atomic_write_bytes(path, text.encode(), mode=0o777)
    return path


def _format(path: Path, fmt: Optional[str]) -> str:
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"export: format {fmt!r} of {str(path)!r} not supported; use one of {', '.join(FORMATS)}")
    return fmt


def _check_export(figs, paths, width, height, scale) -> None:
    """``TypeError``/``ValueError`` naming the first bad argument of :func:`export_many`, before any file."""
    import math
    from naoviz.errors import check_count, show
    for name, v in (("figs", figs), ("paths", paths)):
        if isinstance(v, (str, bytes, os.PathLike, dict, go.Figure)) or not hasattr(v, "__iter__"):
            raise TypeError(f"{name}: expected a list, got {type(v).__name__} {show(v)}")
    for f in figs:
        if not isinstance(f, (go.Figure, dict)):
            raise TypeError(f"fig: expected a plotly Figure, got {type(f).__name__} {show(f)}")
    for p in paths:
        if not isinstance(p, (str, os.PathLike)) or not str(p).strip():
            raise TypeError(f"path: expected a file path, got {show(p)}")
        if Path(p).is_dir():
            raise ValueError(f"path: {str(p)!r} is a folder; give a file name ending in .png, .svg, .pdf or .html")
    check_count(width, "width", 1, 20_000)
    check_count(height, "height", 1, 20_000)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale) \
            or not 0 < scale <= 20:
        raise ValueError(f"scale: must be a number in (0, 20], got {show(scale)}")


def export(fig: go.Figure, path, format: Optional[str] = None, *, width: int = 900, height: int = 600,
           scale: float = 2.0) -> Path:
    """Write ``fig`` to ``path``; the format comes from ``format`` or the suffix (png, svg, pdf, html). A figure
    that sets its own height (a NAONet ``cell_compare``: 4 cell rows) is drawn at least that tall
    (:func:`export_height`)."""
    return export_many([fig], [path], formats=[format], width=width, height=height, scale=scale)[0]


def export_many(figs: Sequence[go.Figure], paths: Sequence, formats: Optional[Sequence] = None, *,
                width: int = 900, height: int = 600, scale: float = 2.0, progress=None) -> list[Path]:
    """Write several figures with one browser start (kaleido's batch API); returns the paths written.
    ``progress(stage, done, total)``: told as each figure file is rendered (the page's progress line).

    Nothing is written in place: PNG/SVG/PDF are rendered into hidden temporary names beside their targets
    (``.NAME.PID.tmp-I.EXT``) and each renamed over its target once complete, so a failed, killed or
    disk-full export leaves the previous file whole; the temporaries are removed on any failure. Each figure's
    height is :func:`export_height` of ``height``."""
    _check_export(figs, paths, width, height, scale)
    paths, figs = [Path(p) for p in paths], list(figs)
    if len(paths) != len(figs) or (formats is not None and len(formats) != len(figs)):
        raise ValueError(f"export_many: figs, paths{' and formats' if formats is not None else ''} must be as long "
                         f"as each other, got {len(figs)} figure(s), {len(paths)} path(s)"
                         + (f", {len(formats)} format(s)" if formats is not None else ""))
    fmts = [_format(p, f) for p, f in zip(paths, formats or [None] * len(paths))]
    for p in paths:
        p.parent.mkdir(parents=True, exist_ok=True)
        clear_stale_temps(p)                     # what an earlier export killed mid-way left beside it
    static = [(_stable_uids(vector_figure(f) if fmt in VECTOR else go.Figure(f)), p, temp_path(p, f"-{i}.{fmt}"), fmt)
              for i, (f, p, fmt) in enumerate(zip(figs, paths, fmts)) if fmt != "html"]
    for f, p, fmt in zip(figs, paths, fmts):
        if fmt == "html":
            fig = go.Figure(f)                   # plotly's div id is a random uuid4: one hashed from the figure
            div = "naoviz-" + hashlib.sha256(fig.to_json().encode()).hexdigest()[:16]
            # on a phone: the page as wide as the screen, the legend under the plot, the title wrapped (html_narrow)
            html = fig.to_html(include_plotlyjs=True, full_html=True, div_id=div, post_script=html_narrow.SCRIPT)
            html = html.replace("<head>", '<head><meta name="viewport" content="width=device-width, initial-scale=1">', 1)
            page = with_meta(html.encode("utf-8"), "html", file_title(fig, p))     # its tab names the figure
            atomic_write_bytes(p, page)                        # a full disk leaves the old page, not half of one
    if static:
        try:
            import_module("kaleido")
        except ImportError as exc:
            raise NaovizError("export: PNG/SVG/PDF need the kaleido package (>= 1): pip install 'kaleido>=1'") from exc
        os.environ["BROWSER_PATH"] = str(browser_wrapper())
        try:
            _render(static, width, [export_height(f, height) for f, _, _, _ in static], scale, progress)
            for _, p, tmp, _ in static:
                os.replace(tmp, p)
        finally:                                 # a failure, Ctrl-C: no temporary left beside the targets
            for _, _, tmp, _ in static:
                tmp.unlink(missing_ok=True)
    for p in paths:
        if not kept_browser.written(p):
            raise NaovizError(f"export: {p} was not written")
    return paths


def export_height(fig: go.Figure, height: int) -> int:
    """The height a figure is drawn at when ``height`` is asked: at least the figure's own ``layout.height``
    where it sets one, which it does only when it needs the room (a NAONet ``cell_compare``'s 4 cell rows
    squeezed into 450 px put two-line op labels over their arcs and the removed edges' outlines over each other)."""
    return max(int(height), int(fig.layout.height or 0))


def _render(static: list, width: int, heights: list, scale: float, progress=None) -> None:
    """Render each (figure, target, temporary, format) of ``static`` into its temporary file at its height of
    ``heights``, complete and synced: SVG and PDF with their random ids and dates made stable (the module's
    docstring). ``progress``: told the count of files kaleido has written so far (watched every 0.2 s: its batch
    call reports nothing until all are done)."""
    import tempfile
    # kaleido opens its output files itself, through any link: it renders into a folder of this user's own
    # (mkdtemp: 0700), never at the temporary's guessable name beside the targets, where a link planted while the
    # browser starts (seconds) had the image written into the link's target. Each is then written with write_synced.
    with tempfile.TemporaryDirectory(prefix="naoviz-render-") as private:
        drafts = [Path(private) / f"{i}.{fmt}" for i, (_, _, _, fmt) in enumerate(static)]
        # kaleido reports a figure that failed to render by leaving its file out, not by raising (its batch call
        # returns the errors and plotly drops them): each missing one is rendered again on its own, where the
        # error is raised.
        specs = [{"fig": f.to_dict(), "path": d, "topojson": pio.defaults.topojson,
                  "opts": {"format": fmt, "width": width, "height": h, "scale": scale}}
                 for (f, _, _, fmt), h, d in zip(static, heights, drafts)]
        # the explorer's kernel and a CLI command keep one browser for their exports; else one for this batch (its
        # re-renders too), closed after it: either way with naoviz's time limits (kept_browser.timeout_s)
        with contextlib.ExitStack() as stack:
            browser = kept_browser.kept() or stack.enter_context(kept_browser.one_shot())
            with _watch(drafts, progress):
                try:
                    browser.write(specs, _browser_key(), find_browser() or "")
                except NaovizError:
                    raise
                except Exception as exc:  # kaleido / choreographer raise assorted types when the browser fails
                    raise NaovizError(f"export: the browser failed to render ({type(exc).__name__}: {exc})") from exc
            for (f, p, tmp, fmt), height, draft in zip(static, heights, drafts):
                if kept_browser.written(draft):
                    continue
                try:
                    _render_alone(browser, f, {"format": fmt, "width": width, "height": height, "scale": scale},
                                  draft)
                except NaovizError:
                    raise
                except Exception as exc:  # noqa: BLE001 - as above
                    raise NaovizError(f"export: {p} was not written: the browser failed to render it "
                                      f"({type(exc).__name__}: {str(exc)[:300]})") from exc
        for (f, p, tmp, fmt), draft in zip(static, drafts):
            data = draft.read_bytes()
            data = with_meta(data, fmt, file_title(f, p))     # title and naoviz version in the file's own fields
            if fmt in ("svg", "pdf"):
                data = stable_svg(data) if fmt == "svg" else stable_pdf(data)
            write_synced(tmp, data)                   # never through a link planted at the temporary's name


def _render_alone(browser, fig: go.Figure, opts: dict, draft: Path) -> None:
    """One figure the batch left unwritten, rendered again on its own into ``draft`` in the batch's browser, where
    its error is raised."""
    errors = browser.write([{"fig": fig.to_dict(), "path": draft, "topojson": pio.defaults.topojson, "opts": opts}],
                           _browser_key(), find_browser() or "")
    if not kept_browser.written(draft):
        raise errors[0] if errors else RuntimeError("kaleido wrote nothing and said no error")


def _browser_key() -> str:
    """What the browser kaleido launches is: ``$BROWSER_PATH`` (the wrapper) and the command it runs."""
    path = os.environ.get("BROWSER_PATH", "")
    try:
        return path + "\n" + Path(path).read_text()
    except OSError:
        return path


class _watch:
    """While a batch renders: ``progress("rendering the figures", written, total)`` from a thread each time
    another of ``drafts`` appears (nothing when ``progress`` is None)."""

    def __init__(self, drafts: list, progress):
        self.drafts, self.progress = drafts, progress

    def __enter__(self):
        import threading
        self.stop = threading.Event()
        if self.progress is not None:
            self.progress("rendering the figures", 0, len(self.drafts))
            self.thread = threading.Thread(target=self._run, daemon=True, name="naoviz-export-progress")
            self.thread.start()
        return self

    def _run(self) -> None:
        told = 0
        while not self.stop.wait(0.2):
            n = sum(kept_browser.written(d) for d in self.drafts)
            if n > told:
                told = n
                self.progress("rendering the figures", n, len(self.drafts))

    def __exit__(self, *exc):
        self.stop.set()
        if self.progress is not None:
            self.thread.join()
        return False


def file_title(fig: go.Figure, path: Path) -> str:
    """The title an exported file carries (``naoviz.viz.file_meta``): the figure's, as plain text, else the
    caption a print layout took it out into (``print_sizes.for_print``: its PDF was titled "compare-3.5in"),
    else the file's name without its suffix."""
    from naoviz.viz.print_sizes import bare
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    return bare(fig.layout.title.text or "") or bare(meta.get("caption") or "") or Path(path).stem


def safe_name(text: str, empty: str = "table") -> str:
    """``text`` as part of a file name: letters, digits, ``.``, ``_`` and ``-`` kept, any other run one ``-``
    (a user table's name "my runs/v2" -> "my-runs-v2"); ``empty`` when nothing is left (a name of only other
    characters, "延迟", or dots): what the name stands for."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(text)).strip("-.") or empty


class Exported(list):
    """The paths of an export (a list of Path, compares equal to one) with ``reused``: those that already held
    the same bytes and were left as they were, so a message can say nothing new was written."""

    def __init__(self, paths, reused=()):
        super().__init__(paths)
        reused = set(reused)
        self.reused = [p for p in self if p in reused]

    @property
    def written(self) -> list:
        """The paths this export wrote (not :attr:`reused`)."""
        return [p for p in self if p not in self.reused]


def export_message(paths) -> str:
    """What an export says: "saved 3 figures in FOLDER: a.png, ...", "saved 3 figures (2 already there) in
    FOLDER: ..." or, when every file already held the same figure, "already saved in FOLDER: ..." (``paths``: an
    :class:`Exported` or a plain list). Their folder is named once, as the explorer's line does (two full paths
    wrapped to two lines at 1024 px); files in several folders are named whole."""
    reused = getattr(paths, "reused", [])
    folders = {Path(p).parent for p in paths}
    one = len(folders) == 1
    where = f" in {next(iter(folders))}" if one else ""
    names = ", ".join(Path(p).name if one else str(p) for p in paths)
    if paths and len(reused) == len(paths):
        return f"already saved{where}: {names}"
    there = f" ({len(reused)} already there)" if reused else ""
    return f"saved {len(paths)} figure{'s' if len(paths) != 1 else ''}{there}{where}: {names}"


def export_new(figs: dict, folder, stem: str, fmt, width_in: Optional[float] = None, progress=None) -> Exported:
    """Write ``figs`` ({name: figure}) to ``folder`` as ``<stem>-<name>.<fmt>`` (``fmt``: a format or several,
    ``("pdf", "svg")``: each figure in each) without overwriting a file that holds something else: the first group
    number n (none, then ``-2``, ``-3``, ...) at which every name is free or already holds the same bytes is used
    for the whole group (``<stem>-<name>-2.<fmt>``), so exporting the same figures twice writes nothing new and a
    changed figure never replaces an earlier one. ``width_in``: laid out for a paper's column that wide
    (``naoviz.viz.print_sizes.export_for_print``; name them ``map-3.5in``...) instead of drawn at 900x600. The
    paths, an :class:`Exported` whose ``reused`` are those that already held the same bytes. ``progress``: as
    :func:`export_many`'s."""
    import tempfile
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fmts = [fmt] if isinstance(fmt, str) else list(fmt)
    files = [(name, fig, ext) for ext in fmts for name, fig in figs.items()]
    with tempfile.TemporaryDirectory(prefix=".naoviz-export-", dir=folder) as tmp:
        temps = [Path(tmp) / f"{name}.{ext}" for name, _, ext in files]
        if width_in is None:
            drawn = export_many([fig for _, fig, _ in files], temps, progress=progress)
        else:
            from naoviz.viz.print_sizes import export_for_print
            drawn = export_for_print([fig for _, fig, _ in files], temps, width_in, progress=progress)
        data = [p.read_bytes() for p in drawn]
        for n in range(1, 10_000):
            suffix = "" if n == 1 else f"-{n}"
            targets = [folder / f"{stem}-{name}{suffix}.{ext}" for name, _, ext in files]
            if any(t.exists() and (not t.is_file() or t.read_bytes() != d) for t, d in zip(targets, data)):
                continue
            reused = [t for t in targets if t.exists()]
            try:
                for t, d in zip(targets, data):
                    if t not in reused:
                        with open(t, "xb") as f:      # exclusive: a file that appeared meanwhile is never replaced
                            f.write(d)
            except FileExistsError:
                continue
            return Exported(targets, reused)
    raise NaovizError(f"export: {folder} holds 9,999 exports named {stem}-*; choose another folder")


def vector_figure(fig: go.Figure) -> go.Figure:
    """``fig`` (a copy) with each WebGL trace (``scattergl``: the explorer's map, thousands of points) made the
    SVG trace of the same data (``scatter``): plotly draws WebGL traces into an SVG or PDF as one embedded bitmap,
    so a map saved as "vector" blurred when zoomed or printed large; and each label's text-shadow halo a box."""
    fig = go.Figure(fig)
    data = [go.Scatter({k: v for k, v in t.to_plotly_json().items() if k != "type"}, skip_invalid=True)
            if t.type == "scattergl" else t for t in fig.data]
    out = go.Figure(data=data, layout=fig.layout)
    for note in out.layout.annotations:          # a label's white halo (CSS text-shadow, the map's "η=1.50") is a
        if note.font.shadow not in (None, "", "none"):   # blur Chromium puts in a PDF as bitmaps: a white box instead
            note.font.shadow = "none"
            note.bgcolor = note.bgcolor or "rgba(255,255,255,0.85)"
    return out


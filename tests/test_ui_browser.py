"""The dashboard in real Chromium (Playwright + Debian chromium) against a real Voila server on 127.0.0.1.

Small, cached model and a PCA map (UMAP is not the point here); screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ART = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
ENV = {"NAOVIZ_DASHBOARD_TRAIN": "200", "NAOVIZ_DASHBOARD_EPOCHS": "15", "NAOVIZ_DASHBOARD_MAP": "pca",
       "NAOVIZ_DASHBOARD_BUDGET": "20"}
BAD = "|nor_conv_3x3~0|+|nor_conv_3x3~0|"
MAP = ".naoviz-map .js-plotly-plot"
PRED = ".naoviz-pred .js-plotly-plot"
CELL = ".naoviz-cell .js-plotly-plot"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(nb201_table):
    from naoviz.cli.dashboard import voila_command, voila_env
    from naoviz.nao.cache import ModelSpec, load_or_train
    load_or_train(nb201_table, ModelSpec(n_train=200, overrides={"epochs": 15}))   # warm cache: kernels load it
    ART.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = voila_env(dict(os.environ, **ENV, NAOVIZ_EXPORT_DIR=str(ART / "exports"), OMP_NUM_THREADS="1"))
    log_path = ART / "voila.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(voila_command(ROOT / "notebooks" / "dashboard.ipynb", port, "127.0.0.1"),
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ART)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "voila/static/voila.js", timeout=2)
            break
        except OSError:
            assert proc.poll() is None, log_path.read_text()
            time.sleep(0.3)
    yield {"url": url, "proc": proc, "log": log_path}
    proc.terminate()
    proc.wait(20)
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def _open(browser, url):
    page = browser.new_page(viewport={"width": 1400, "height": 1500})
    t0 = time.perf_counter()
    page.goto(url, timeout=120_000)
    page.wait_for_selector(MAP, timeout=120_000)
    page.wait_for_function(f"document.querySelector('{MAP}').data && document.querySelector('{MAP}').data[0].x.length > 1000",
                           timeout=60_000)
    page.wait_for_selector(f"{CELL} .scatterlayer", timeout=60_000)
    return page, time.perf_counter() - t0


def _pred_x(page) -> float:
    page.wait_for_selector(f"{PRED} .scatterlayer", timeout=60_000)   # a swap may be in flight
    return page.evaluate(f"document.querySelector('{PRED}').layout.shapes[0].x0")


def _cell_title(page) -> str:
    page.wait_for_selector(f"{CELL} .scatterlayer", timeout=60_000)
    return page.evaluate(f"document.querySelector('{CELL}').layout.annotations[1].text")


def _info(page) -> str:
    return page.inner_text(".naoviz-info-box")


def _wait_eta(page, eta: float, timeout=60_000):
    try:
        _wait_eta_js(page, eta, timeout)
    except Exception:
        page.screenshot(path=str(ART / f"wait_eta_{eta}_failed.png"), full_page=True)
        raise AssertionError(f"waiting for η = {eta}: chart marker at {_pred_x(page)}, cell title "
                             f"{_cell_title(page)!r}, slider text {page.inner_text('.naoviz-explorer .widget-html-content b') if False else ''}")


def _wait_eta_js(page, eta, timeout):
    page.wait_for_function(
        f"(() => {{ const p = document.querySelector('{PRED}'); const c = document.querySelector('{CELL}');"
        f" return !!(p && c && p.layout && c.layout && p.layout.shapes[0].x0 === {eta}"
        f" && c.layout.annotations[1].text.includes('η = {eta:.2f}')); }})()",
        timeout=timeout)


def _press(page, key: str, n: int):
    page.locator(".naoviz-eta .noUi-handle").first.focus()
    for _ in range(n):
        page.keyboard.press(key)


def test_page_fetches_nothing_beyond_loopback(server, browser):
    """Every request the page makes (HTML, JS, CSS, fonts, kernel websocket) goes to the server on 127.0.0.1:
    naoviz's Voila template drops the lab template's Font Awesome links to cdn.jsdelivr.net."""
    from urllib.parse import urlsplit
    requests: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1500})
    failed: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    context.on("requestfailed", lambda r: failed.append(r.url))
    context.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page = context.new_page()
    page.on("websocket", lambda ws: requests.append(ws.url))
    page.goto(server["url"], timeout=120_000)
    page.wait_for_selector(f"{CELL} .scatterlayer", timeout=120_000)     # the explorer rendered
    page.wait_for_load_state("networkidle", timeout=30_000)
    context.close()
    hosts = {urlsplit(u).hostname for u in requests if not u.startswith(("data:", "blob:", "about:"))}
    assert requests and any(u.startswith(("ws://127.0.0.1", "ws://localhost")) for u in requests)
    assert hosts <= {"127.0.0.1", "localhost"}, sorted(u for u in requests if "127.0.0.1" not in u)
    assert not failed, failed                # the template's own files (voila-style.js, CSS) were found


def test_dashboard_flow(server, browser):
    page, load_s = _open(browser, server["url"])
    page.screenshot(path=str(ART / "dashboard.png"), full_page=True)
    # 1. click an isolated map point (the right-most one) -> it becomes the seed
    target = page.evaluate(f"""(() => {{
        const gd = document.querySelector('{MAP}');
        const xs = Array.from(gd.data[0].x); let k = 0; xs.forEach((v, i) => {{ if (v > xs[k]) k = i; }});
        const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
        return {{k, label: gd.data[0].hovertext[k].split('<br>')[0],
                 x: box.left + gd._fullLayout.xaxis.l2p(xs[k]), y: box.top + gd._fullLayout.yaxis.l2p(gd.data[0].y[k])}};
    }})()""")
    cell_before = page.evaluate(f"JSON.stringify(document.querySelector('{CELL}').data)")
    page.mouse.move(target["x"], target["y"])
    page.wait_for_timeout(300)
    page.mouse.click(target["x"], target["y"])
    page.wait_for_function(f"document.querySelector('.naoviz-info-box').innerText.includes({json.dumps(target['label'])})",
                           timeout=60_000)
    page.wait_for_function(f"(() => {{ const c = document.querySelector('{CELL}'); return !!(c && c.data && "
                           f"JSON.stringify(c.data) !== {json.dumps(cell_before)}); }})()",
                           timeout=60_000)   # the seed panel shows the clicked arch
    page.mouse.move(5, 5)                         # no hover label over the screenshots
    page.screenshot(path=str(ART / "after_click.png"), full_page=True)
    # 2. the slider moves the prediction marker and the decoded cell together
    before = page.evaluate(f"JSON.stringify(document.querySelector('{CELL}').data)")
    assert _pred_x(page) == 0
    _press(page, "End", 1)
    _wait_eta(page, 10.0)
    page.wait_for_selector(f"{CELL} .scatterlayer", timeout=60_000)
    after = page.evaluate(f"JSON.stringify(document.querySelector('{CELL}').data)")
    assert after != before, "the decoded cell graph did not change between η = 0 and η = 10"
    page.screenshot(path=str(ART / "slider_end.png"), full_page=True)
    # 3. fast moves: Home, 15 right, 3 left -> index 12 (η = 6) and it stays there
    _press(page, "Home", 1)
    _press(page, "ArrowRight", 15)
    _press(page, "ArrowLeft", 3)
    _wait_eta(page, 6.0)
    page.wait_for_timeout(1500)
    assert _pred_x(page) == 6.0 and "η = 6.00" in _cell_title(page) and "η = 6.00" in _info(page)
    # 4. a malformed pasted arch: the parser's message inline, the seed unchanged
    seed_before = _info(page).split("\n")[0]
    page.fill(".naoviz-paste input", BAD)
    page.keyboard.press("Enter")
    page.wait_for_selector(".naoviz-error", timeout=20_000)
    assert "expected 3 node groups" in page.inner_text(".naoviz-error-box")
    assert _info(page).split("\n")[0] == seed_before
    page.screenshot(path=str(ART / "paste_error.png"), full_page=True)
    # 5. export writes non-empty PNGs
    page.click(".naoviz-export button, button.naoviz-export")
    page.wait_for_selector(".naoviz-exported", timeout=90_000)
    paths = re.findall(r"(/\S+?\.png)", page.inner_text(".naoviz-exported"))
    assert len(paths) == 3 and all(Path(p).stat().st_size > 5000 for p in paths)
    page.screenshot(path=str(ART / "export.png"), full_page=True)
    # 6. the decoder-attention view replaces the cells and follows the slider
    page.get_by_role("button", name="decoder attention").click()
    page.wait_for_function(f"(() => {{ const c = document.querySelector('{CELL}'); return !!(c && c.data && "
                           f"c.data[0].type === 'heatmap' && c.layout.title.text.includes('η = 6.00')); }})()",
                           timeout=60_000)
    _press(page, "ArrowLeft", 2)
    page.wait_for_function(f"(() => {{ const c = document.querySelector('{CELL}'); return !!(c && c.layout && "
                           f"c.layout.title.text.includes('η = 5.00')); }})()", timeout=60_000)
    page.mouse.move(5, 5)
    page.screenshot(path=str(ART / "attention.png"), full_page=True)
    log = server["log"].read_text()
    assert "Traceback" not in log and "naoviz explorer:" not in log, log[-3000:]
    (ART / "browser_timings.json").write_text(json.dumps({"first_page_load_s": load_s}))
    page.close()


def _kernel_rss_mb(server_pid: int) -> list[float]:
    out = subprocess.run(["ps", "-o", "pid=,rss=,args=", "--ppid", str(server_pid)], capture_output=True, text=True).stdout
    return [int(line.split()[1]) / 1024 for line in out.splitlines() if "ipykernel" in line]


def test_four_sessions_work_independently(server, browser):
    pages = []
    t0 = time.perf_counter()
    for _ in range(4):          # open all four, then wait: kernels start side by side
        p = browser.new_page(viewport={"width": 1400, "height": 1400})
        p.goto(server["url"], timeout=120_000, wait_until="commit")
        pages.append(p)
    for p in pages:
        p.wait_for_selector(f"{CELL} .scatterlayer", timeout=300_000)
    ready_s = time.perf_counter() - t0
    for k, p in enumerate(pages, start=1):
        p.bring_to_front()
        _press(p, "ArrowRight", 2 * k)
    for k, p in enumerate(pages, start=1):
        try:
            _wait_eta(p, k * 1.0, timeout=60_000)
        except Exception:
            p.screenshot(path=str(ART / f"session_{k}_failed.png"))
            raise AssertionError(f"session {k}: η = {_pred_x(p)}, cell title {_cell_title(p)!r}, wanted {k:.2f}")
    assert [_pred_x(p) for p in pages] == [1.0, 2.0, 3.0, 4.0]
    for k, p in enumerate(pages):
        p.screenshot(path=str(ART / f"session_{k + 1}.png"))
    rss = _kernel_rss_mb(server["proc"].pid)
    (ART / "dashboard_memory.json").write_text(json.dumps({"kernel_rss_mb": rss, "four_ready_s": ready_s}, indent=1))
    assert len(rss) >= 4
    log = server["log"].read_text()
    assert "Traceback" not in log, log[-3000:]
    for p in pages:
        p.close()

"""A visitor without a browser: what a Voila page asks of the server, replayed over HTTP and the kernel websocket.

Chromium rendering 30 pages on this 2-core machine starves the server it is measuring (bench/RESULTS.md: 652
CPU-s in the browsers against 23 in the server), while a classroom's browsers run on the students' laptops. So
each protocol visitor does, at the server, what one page does:

1. GET the dashboard page (Voila answers once the visitor's kernel has run the notebook; a preheated kernel
   answers at once) and read the kernel id from it;
2. GET every static file a real Chromium visit fetched (recorded once: ``record_statics``), 6 at a time like a
   browser's per-host limit;
3. open the kernel's websocket, ask for kernel info, open ipywidgets' control comm and request every widget's
   state, as the page's widget manager does; the visitor is *served* when the state of the explorer (the
   anywidget holding the atlas) has arrived.

What it leaves out is the page's own drawing, which the student's machine does (measured in one real
Chromium visit: ``bench/dashboard_load.py --client protocol`` reports both).
"""
from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from datetime import datetime, timezone

KERNEL_ID = re.compile(rb'"kernelId":\s*"([0-9a-f-]{36})"')


def _server(url: str) -> tuple[str, dict]:
    """The server's base (``http://127.0.0.1:PORT``) of the printed ``url``, and the header that carries its
    token (``?token=...``), as jupyter_server reads it (``Authorization: token ...``)."""
    base, _, query = url.partition("?")
    token = query.partition("token=")[2].split("&")[0]
    return base.rstrip("/"), ({"Authorization": f"token {token}"} if token else {})


def record_statics(url: str, chromium_args: list, ready_selector: str, timeout_s: float = 120, visits: int = 1,
                   gap_s: float = 10.0) -> dict:
    """``visits`` real Chromium visits, one after another (each a fresh browser context: an empty cache, as a
    student's first visit; ``gap_s`` apart, so the server's pool has a preheated kernel again): the same-origin
    static URLs the first fetched (not the page, not /api) and each visit's seconds to an interactive explorer.
    ``url``: the one the server printed (with its token)."""
    from playwright.sync_api import sync_playwright
    base, _ = _server(url)
    urls: list[str] = []
    seconds = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=chromium_args)
        for i in range(visits):
            if i:
                time.sleep(gap_s)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            if i == 0:
                page.on("request", lambda r: urls.append(r.url))
            t0 = time.perf_counter()
            page.goto(url, timeout=timeout_s * 1000, wait_until="commit")
            page.wait_for_selector(ready_selector, timeout=timeout_s * 1000, state="attached")
            seconds.append(time.perf_counter() - t0)
            page.wait_for_load_state("networkidle", timeout=timeout_s * 1000)
            context.close()
        browser.close()
    statics = []
    for u in urls:
        path = u[len(base):]
        if u.startswith(base) and not path.startswith(("/api/", "/?")) and path.strip("/") and path not in statics:
            statics.append(path)
    return {"statics": statics, "browser_interactive_s": seconds}


PROTOCOL = "v1.kernel.websocket.jupyter.org"       # the kernel websocket protocol JupyterLab and Voila pages speak


def _message(msg_type: str, content: dict, session: str, channel: str = "shell", metadata=None) -> bytes:
    """A Jupyter message as a v1 binary frame: 8-byte little-endian offset count, the offsets, then the
    channel, header, parent header, metadata and content (JSON). Voila reads every binary frame as v1, so a
    client of the legacy format makes it misread (seen: 3.5 GB and a spinning server)."""
    header = {"msg_id": uuid.uuid4().hex, "username": "load", "session": session, "msg_type": msg_type,
              "version": "5.3", "date": datetime.now(timezone.utc).isoformat()}
    parts = [channel.encode()] + [json.dumps(p).encode() for p in (header, {}, metadata or {}, content)]
    offsets = [8 * (len(parts) + 2)]
    for p in parts:
        offsets.append(offsets[-1] + len(p))
    return b"".join([len(offsets).to_bytes(8, "little")] + [o.to_bytes(8, "little") for o in offsets] + parts)


def _decode(frame: bytes) -> tuple[dict, int]:
    """(message with ``channel``, ``msg_type`` and ``content``; bytes of its binary buffers) of a v1 frame."""
    n = int.from_bytes(frame[:8], "little")
    offsets = [int.from_bytes(frame[8 * (i + 1):8 * (i + 2)], "little") for i in range(n)]
    parts = [frame[offsets[i]:offsets[i + 1]] for i in range(n - 1)]
    header, content = json.loads(parts[1]), json.loads(parts[4])
    return ({"channel": parts[0].decode(), "msg_type": header.get("msg_type"), "content": content},
            sum(len(p) for p in parts[5:]))


async def _visit(url: str, statics: list, rec: dict, timeout_s: float, hold: asyncio.Event) -> None:
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect
    http = AsyncHTTPClient(force_instance=True, max_clients=6)
    (base, auth), t0 = _server(url), time.perf_counter()
    page = await http.fetch(HTTPRequest(base + "/", headers=auth, request_timeout=timeout_s, connect_timeout=timeout_s))
    rec["page_s"], rec["bytes_http"] = time.perf_counter() - t0, len(page.body)
    m = KERNEL_ID.search(page.body)
    if not m:
        raise RuntimeError("no kernelId in the page")
    kernel = m.group(1).decode()

    async def get(path):
        r = await http.fetch(HTTPRequest(base + path, headers=auth, request_timeout=timeout_s, connect_timeout=timeout_s))
        rec["bytes_http"] += len(r.body)
    await asyncio.gather(*(get(p) for p in statics))        # max_clients=6: a browser's per-host limit
    rec["statics_s"] = time.perf_counter() - t0
    session = uuid.uuid4().hex
    ws_url = base.replace("http://", "ws://", 1) + f"/api/kernels/{kernel}/channels?session_id={session}"
    ws = await websocket_connect(HTTPRequest(ws_url, headers=auth, request_timeout=timeout_s, connect_timeout=timeout_s),
                                 max_message_size=256 * 2**20, subprotocols=[PROTOCOL])
    comm = uuid.uuid4().hex
    for frame in (_message("kernel_info_request", {}, session),
                  _message("comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control", "data": {}}, session,
                           metadata={"version": "1.0.0"}),           # ipywidgets' control protocol version
                  _message("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}}, session)):
        await ws.write_message(frame, binary=True)
    rec["bytes_ws"] = 0
    while True:
        frame = await ws.read_message()
        if frame is None:
            raise RuntimeError("the kernel's websocket closed")
        if isinstance(frame, str):
            raise RuntimeError(f"the server did not speak {PROTOCOL}")
        msg, buffered = _decode(frame)
        rec["bytes_ws"] += len(frame)
        data = msg.get("content", {}).get("data", {})
        if msg.get("msg_type") == "comm_msg" and isinstance(data, dict) and data.get("method") == "update_states":
            states = data.get("states", {})
            atlas = {p[0] for p in data.get("buffer_paths", []) if p[-1:] == ["_atlas_data"]}
            explorers = [k for k, s in states.items() if k in atlas and "_atlas_header" in s.get("state", {})]
            rec["widgets"], rec["atlas_bytes"] = len(states), buffered
            rec["served_s"] = time.perf_counter() - t0
            rec["explorer"] = bool(explorers)
            break
    await hold.wait()                                      # the tab stays open until every visitor is measured
    ws.close()
    http.close()


async def _visit_all(url: str, n: int, statics: list, timeout_s: float, on_open) -> list[dict]:
    recs = [{"served_s": None} for _ in range(n)]
    hold = asyncio.Event()

    async def one(rec):
        try:
            await asyncio.wait_for(_visit(url, statics, rec, timeout_s, hold), timeout_s + 60)
        except Exception as exc:  # noqa: BLE001 - a failed visit is reported, not raised
            rec["error"] = f"{type(exc).__name__}: {exc}"[:200]
    tasks = [asyncio.ensure_future(one(r)) for r in recs]
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline and not all(r.get("served_s") or r.get("error") for r in recs):
        await asyncio.sleep(0.2)
    if on_open is not None:
        on_open()                                           # measure while every tab is still open
    hold.set()
    await asyncio.wait(tasks, timeout=30)
    return recs


def visit_all_protocol(url: str, n: int, statics: list, timeout_s: float, on_open=None) -> list[dict]:
    """``n`` protocol visitors at once; per visitor: seconds to the page, to its static files and to the
    explorer's widget state (``served_s``; None when it did not arrive in ``timeout_s``), bytes moved. ``url``:
    the one the server printed; its token travels in each request's Authorization header."""
    return asyncio.run(_visit_all(url, n, statics, timeout_s, on_open))

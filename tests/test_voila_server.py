"""naoviz.ui.voila_server: the dashboard's Voila with its log's harmless noise said plainly.

A real tornado websocket server, in this process, writes to a page that goes away with its writes still
queued (what a reload mid-search does to jupyter_server): asyncio's "Task exception was never retrieved"
becomes one line, while any other error keeps its traceback. The served notebook is trusted in memory.
"""
from __future__ import annotations

import asyncio
import gc
import io
import logging
import signal
import socket
import struct

import pytest

tornado = pytest.importorskip("tornado")


@pytest.fixture
def asyncio_log():
    """What asyncio's logger writes (tracebacks included), with naoviz's filter installed as the server does."""
    from naoviz.ui.voila_server import ClosedPageFilter, quiet_closed_pages
    log = logging.getLogger("asyncio")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    log.addHandler(handler)
    level = log.level
    log.setLevel(logging.NOTSET)        # an earlier test in this process may have quieted it (a stop's Dask close)
    quiet_closed_pages()
    quiet_closed_pages()                                   # once, however often it is called
    assert sum(isinstance(f, ClosedPageFilter) for f in log.filters) == 1
    yield stream
    log.removeHandler(handler)
    log.setLevel(level)
    for f in [f for f in log.filters if isinstance(f, ClosedPageFilter)]:
        log.removeFilter(f)


async def _write_to_a_page_that_goes_away() -> None:
    """A websocket handler queues 16 MB (more than any socket buffer takes) and, like jupyter_server, never
    awaits its writes; the client stops reading and resets the connection."""
    import tornado.web
    import tornado.websocket

    opened, closed = asyncio.Event(), asyncio.Event()

    class Flood(tornado.websocket.WebSocketHandler):
        def open(self):
            for _ in range(256):
                self.write_message(b"x" * 65536, binary=True)
            opened.set()

        def on_close(self):
            closed.set()

    server = tornado.web.Application([("/ws", Flood)]).listen(0, "127.0.0.1")
    port = next(iter(server._sockets.values())).getsockname()[1]
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(client, ("127.0.0.1", port))
    await loop.sock_sendall(client, (f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                     "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    await asyncio.wait_for(opened.wait(), 10)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()                                         # a reset, with megabytes still queued server-side
    await asyncio.wait_for(closed.wait(), 30)              # the server saw it ...
    this, deadline = asyncio.current_task(), loop.time() + 30
    while any(not t.done() for t in asyncio.all_tasks() if t is not this):   # ... and its queued writes failed
        assert loop.time() < deadline, asyncio.all_tasks()
        await asyncio.sleep(0.01)
    server.stop()


def test_a_write_to_a_closed_page_is_one_line_not_a_traceback(asyncio_log):
    from naoviz.ui.voila_server import CLOSED_PAGE
    asyncio.run(_write_to_a_page_that_goes_away())
    gc.collect()
    out = asyncio_log.getvalue()
    assert CLOSED_PAGE in out and "Traceback" not in out and "WebSocketClosedError" not in out, out
    assert len(out.strip().splitlines()) >= 1 and all(line == CLOSED_PAGE for line in out.strip().splitlines())


def test_other_errors_keep_their_traceback(asyncio_log):
    async def fails():
        raise ValueError("a real bug")

    async def main():
        task = asyncio.ensure_future(fails())
        await asyncio.sleep(0.01)
        del task

    asyncio.run(main())
    gc.collect()
    out = asyncio_log.getvalue()
    assert "Task exception was never retrieved" in out and "Traceback" in out and "ValueError: a real bug" in out


def test_the_served_notebook_is_trusted_in_memory(tmp_path, monkeypatch):
    """The server's contents manager finds the notebook trusted (no "not trusted" warning per visit), and no
    signature database or key is written to the Jupyter data folder."""
    import nbformat

    from naoviz.ui.voila_server import _voila_class
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    nb = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), nb)
    from voila.app import Voila
    monkeypatch.setattr(signal, "signal", lambda *a: None)    # Voila.initialize would take this process's SIGTERM
    for cls, trusted in ((_voila_class(), True), (Voila, False)):          # naoviz's, then Voila's own
        app = cls()
        app.initialize([str(nb), "--no-browser"])
        app.init_settings()
        cells = app.contents_manager.get(nb.name)["content"]["cells"]     # read as a visit reads it
        assert [c["metadata"]["trusted"] for c in cells] == [trusted], cls
        app.contents_manager.notary.close()
        if trusted:
            assert not (tmp_path / "data").exists()                        # naoviz's wrote no key, no database


async def _visit_a_jupyter_server_websocket() -> None:
    """A websocket handler with jupyter_server's ping settings (as Voila's kernel channel has), and one visit."""
    import tornado.web
    import tornado.websocket
    from jupyter_server.base.websocket import WebSocketMixin

    class Channel(WebSocketMixin, tornado.websocket.WebSocketHandler):
        log = logging.getLogger("naoviz.test")

        def on_message(self, message):
            self.write_message(message)

    server = tornado.web.Application([("/ws", Channel)], allow_unauthenticated_access=True).listen(0, "127.0.0.1")
    port = next(iter(server._sockets.values())).getsockname()[1]
    conn = await tornado.websocket.websocket_connect(f"ws://127.0.0.1:{port}/ws")
    await conn.write_message("hello")
    assert await asyncio.wait_for(conn.read_message(), 10) == "hello"
    conn.close()
    await asyncio.sleep(0.1)
    server.stop()


@pytest.mark.parametrize("quiet", [False, True])
def test_the_ping_timeout_warning_of_two_libraries_is_dropped(quiet):
    """tornado >= 6.5 warned at the first visit that the websocket_ping_timeout (90000) cannot be longer than the
    websocket_ping_interval (30000): jupyter_server's milliseconds under tornado's names. The dashboard's server
    drops that warning; without the filter it is there (so the test sees a real one)."""
    import tornado.websocket

    from naoviz.ui.voila_server import PING_TIMEOUT, PingTimeoutFilter, quiet_ping_timeout
    log = logging.getLogger("tornado.general")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    log.addHandler(handler)
    level, disabled = log.level, log.disabled
    log.setLevel(logging.WARNING)                          # importing distributed sets tornado's to CRITICAL
    log.disabled = False
    if quiet:
        quiet_ping_timeout()
        quiet_ping_timeout()                               # once, however often it is called
        assert sum(isinstance(f, PingTimeoutFilter) for f in log.filters) == 1
    cache_clear = getattr(getattr(tornado.websocket, "de_dupe_gen_log", None), "cache_clear", None)
    if cache_clear is None:
        pytest.skip("this tornado has no ping-timeout warning")
    cache_clear()                                          # tornado logs it once per process
    try:
        asyncio.run(_visit_a_jupyter_server_websocket())
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        log.disabled = disabled
        for f in [f for f in log.filters if isinstance(f, PingTimeoutFilter)]:
            log.removeFilter(f)
    assert (PING_TIMEOUT in stream.getvalue()) is not quiet, stream.getvalue()

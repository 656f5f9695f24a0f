"""Shared by the download tests: a real loopback HTTP server (stdlib http.server in a thread) serving a folder,
the raw-file mirror layout, and the one-error-line check of a failed CLI command."""
from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path

# The raw source files, byte for byte as published, kept next to the tables (conftest sets NAOVIZ_DATA).
RAW = Path(os.environ["NAOVIZ_DATA"]) / "raw"
RAW_FILES = {  # local raw copy -> Source.name
    "NAS-Landscapes_cifar10_avg.csv": "cifar10_avg.csv",
    "nats-bench-landscape_nats_bench.csv": "nats_bench.csv",
}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output clean
        pass


@contextmanager
def serve(folder: Path):
    """Serve ``folder`` on 127.0.0.1 (free port); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def make_mirror(root: Path, tamper: str | None = None) -> Path:
    """Lay out the raw files like raw.githubusercontent.com (owner/repo/commit/path) under ``root``.

    ``tamper`` = a Source.name whose served copy gets one byte changed (for the hash-mismatch test)."""
    from naoviz.tables.download import SOURCES

    by_name = {s.name: s for s in SOURCES}
    assert all((RAW / local).is_file() for local in RAW_FILES), \
        f"the download tests serve the raw files in {RAW} ({', '.join(RAW_FILES)}); point NAOVIZ_DATA at shared/data"
    for local, name in RAW_FILES.items():
        target = root / by_name[name].url_path
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = (RAW / local).read_bytes()
        if name == tamper:
            payload = payload[:100] + (b"9" if payload[100:101] != b"9" else b"8") + payload[101:]
        target.write_bytes(payload)
    return root


def error_line(stderr: str, command: str = "data") -> str:
    """The one error line of a failed ``naoviz COMMAND`` (progress/log lines may precede it; no traceback)."""
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines()                 # `naoviz data download: error: ...`
              if re.match(rf"naoviz {re.escape(command)}( [a-z-]+)?: error:", line)]
    assert len(errors) == 1, stderr
    return errors[0]

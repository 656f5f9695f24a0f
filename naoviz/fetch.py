"""Stream one URL into a sink with a byte progress bar and digests; network failures become one clear line."""
from __future__ import annotations

import hashlib
import http.client
import urllib.error
import urllib.request
from typing import Callable

from naoviz import __version__
from naoviz.errors import NaovizError, cut

TIMEOUT_S = 60.0
_CHUNK = 1 << 20


def stream(url: str, write: Callable[[bytes], object], name: str, *, progress: bool = True,
           offline_hint: str = "", algorithms: tuple[str, ...] = ("sha256",)) -> dict[str, str]:
    """Copy ``url`` into ``write`` chunk by chunk; returns ``{algorithm: hexdigest}`` of what came.

    ``name`` is the file named in the bar and in errors; ``offline_hint`` ends the connection-error message."""
    from tqdm.auto import tqdm

    from naoviz.progress import echo_bar

    request = urllib.request.Request(url, headers={"User-Agent": f"naoviz/{__version__}"})
    digests = {a: hashlib.new(a, usedforsecurity=False) for a in algorithms}
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            total = response.headers.get("Content-Length")
            with echo_bar(tqdm, total=int(total) if total else None, unit="B", unit_scale=True,
                          unit_divisor=1024, desc=name, disable=not progress) as bar:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    for d in digests.values():
                        d.update(chunk)
                    write(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as exc:
        raise NaovizError(f"download of {name} from {_host(url)} failed: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        hint = f" ({offline_hint})" if offline_hint else ""
        raise NaovizError(f"download of {name} from {_host(url)} failed: {reason}{hint}") from None
    return {a: d.hexdigest() for a, d in digests.items()}


def _host(url: str) -> str:
    """The server a URL names: the error line names the file and the server; the whole URL (a 40-digit commit
    in it) is on the ``fetching`` line above, and made the error line some 270 characters."""
    import urllib.parse
    return urllib.parse.urlsplit(url).netloc or cut(url, 60)

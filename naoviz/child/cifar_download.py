"""``naoviz data download cifar10|cifar100``: fetch the python-pickle archive, verify it, install it in place.

The archive is streamed to a temporary file beside its destination, checked against the published MD5 (the
checksum the dataset's page and torchvision use), read once through the restricted unpickler, and only then
renamed into place: an interrupted or corrupt download never leaves a half file where the reader looks.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable, Optional

from naoviz.child.cifar import LAYOUTS, read_archive
from naoviz.errors import NaovizError, cut
from naoviz.fetch import stream
from naoviz.paths import open_new

CIFAR_BASE_URL = "https://www.cs.toronto.edu/~kriz"
# dataset -> MD5 of its archive as published on https://www.cs.toronto.edu/~kriz/cifar.html
ARCHIVE_MD5 = {
    "cifar10": "c58f30108f718f92721af3b95e74349a",
    "cifar100": "eb9058c3a382ffc7106e4002c42a8d85",
}
_CHUNK = 1 << 20


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_cifar(name: str, directory: Optional[Path] = None, base_url: str = CIFAR_BASE_URL,
                   progress: bool = True, log: Callable[[str], None] = lambda _: None) -> dict:
    """Install ``name``'s archive into ``directory`` (default: the data dir); a verified copy is kept as is.

    Returns ``{"dataset", "file", "dir", "md5", "bytes", "images": {"train": n, "test": n}, "reused"}``."""
    from naoviz.tables.install import target_dir

    if name not in ARCHIVE_MD5:
        raise NaovizError(f"data download: unknown dataset {name!r}; expected one of nb201, "
                          f"{', '.join(ARCHIVE_MD5)}")
    archive_name, expected = LAYOUTS[name][1], ARCHIVE_MD5[name]
    folder = target_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / archive_name
    if target.is_file() and _md5(target) == expected:
        log(f"{archive_name}: already installed, md5 ok")
        return _result(name, target, expected, read_archive(name, target), reused=True)
    url = f"{base_url.rstrip('/')}/{archive_name}"
    log(f"fetching {url}")
    # created new (never through a link planted at the name), mode 0o666 less the umask, as every file naoviz writes
    tmp = folder / f".{archive_name}.{os.getpid()}.part"
    try:
        with open_new(tmp) as fh:
            got = stream(url, fh.write, archive_name, progress=progress, algorithms=("md5",),
                         offline_hint=f"offline? put the file into {cut(folder, 80)} by hand")["md5"]
            fh.flush()
            os.fsync(fh.fileno())
        if got != expected:
            raise NaovizError(f"download of {archive_name} from {url}: MD5 mismatch: expected {expected}, got {got}; "
                              "nothing was written")
        log(f"{archive_name}: md5 ok, checking every batch")
        try:
            raw = read_archive(name, tmp)
        except NaovizError as exc:
            shown = f"{archive_name} from {url}"
            raise NaovizError(f"{str(exc).replace(str(tmp), shown)}; nothing was written") from None
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return _result(name, target, expected, raw, reused=False)


def _result(name: str, target: Path, md5: str, raw: dict, reused: bool) -> dict:
    return {"dataset": name, "file": target.name, "dir": str(target.parent), "md5": md5,
            "bytes": target.stat().st_size, "images": {split: int(len(x)) for split, (x, _) in raw.items()},
            "reused": reused}

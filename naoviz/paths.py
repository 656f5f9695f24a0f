"""Where naoviz keeps data and caches: ``NAOVIZ_DATA`` or a per-user directory."""
from __future__ import annotations

import os
import re
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir


def data_dir() -> Path:
    """The benchmark-table directory: ``$NAOVIZ_DATA`` if set, else the per-user data dir."""
    env = os.environ.get("NAOVIZ_DATA")
    return Path(env).expanduser().resolve() if env else Path(user_data_dir("naoviz"))


def cache_dir(create: bool = True) -> Path:
    """Models, projections and other rebuildable caches: ``$NAOVIZ_CACHE`` or the per-user cache dir
    (created unless ``create`` is False: ``naoviz cache`` looks without making anything)."""
    env = os.environ.get("NAOVIZ_CACHE")
    path = Path(env).expanduser() if env else Path(user_cache_dir("naoviz"))
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:       # a file in the way: say it is the cache folder, not a bare "File exists"
            from naoviz.errors import NaovizError
            name = "NAOVIZ_CACHE" if env else "the cache folder"
            blocker = next((p for p in (path, *path.parents) if p.exists()), None)
            why = (f"{blocker} is a file, not a folder" if blocker is not None and not blocker.is_dir()
                   else exc.strerror or str(exc))
            hint = "" if env else " (set NAOVIZ_CACHE to a folder you may write)"
            raise NaovizError(f"{name}: cannot use {path} as the cache folder: {why}{hint}") from None
    return path


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this machine (one of another user counts: it may not be signalled)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        pass
    return True


def temp_path(path: Path, suffix: str = "") -> Path:
    """The hidden temporary name a write of ``path`` by this process uses beside it: ``.NAME.PID.tmp`` (plus
    ``suffix``, e.g. ``"-0.png"``: a renderer that picks its format from the file name)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.tmp{suffix}")


def clear_stale_temps(path: Path) -> list[Path]:
    """Remove the temporaries of earlier writes of ``path`` (``.NAME.PID.tmp``, ``.NAME.PID.tmp-N.EXT``) whose
    process is gone: a write SIGKILLed half way has no handler to run, so its leftover is cleared by the next
    write instead. Another live writer's (and this process's) temporary is left alone; a PID reused since is
    taken as live (the file stays, harmless). Returns the paths removed."""
    path = Path(path)
    pattern = re.compile(re.escape(f".{path.name}.") + r"([0-9]{1,10})\.tmp(?:-[0-9]+\.[A-Za-z0-9]+)?")
    removed = []
    try:
        names = os.listdir(path.parent)
    except OSError:                        # no folder yet (or not readable): nothing to clear
        return removed
    for name in names:
        m = pattern.fullmatch(name)
        if m is None or int(m.group(1)) == os.getpid() or pid_alive(int(m.group(1))):
            continue
        try:
            (path.parent / name).unlink()
            removed.append(path.parent / name)
        except FileNotFoundError:          # another writer cleared it first
            pass
        except OSError:                    # not ours to remove (a read-only folder): the write says so itself
            pass
    return removed


def open_new(tmp: Path, mode: int = 0o666):
    """``tmp`` opened for writing as a new file (``mode`` less the umask), never through a link: whatever was
    at that name (a symlink another user planted in a shared --out folder, to have this write land in one of
    the user's files) is removed first (unlink removes the link, not its target), and the file is created
    exclusively (``O_EXCL``; ``O_NOFOLLOW`` where the system has it), so a link made in between fails the
    write instead of being followed."""
    tmp = Path(tmp)
    tmp.unlink(missing_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(str(tmp), flags, mode), "wb")


def write_synced(tmp: Path, payload: bytes, mode: int = 0o666) -> None:
    """``payload`` written to the new file ``tmp`` (:func:`open_new`: never through a link) and synced to disk, so
    whatever is renamed or linked from it later is whole."""
    with open_new(tmp, mode) as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())


def _temp_beside(path: Path) -> Path:
    """This process's temporary for a write of ``path`` (:func:`temp_path`), its folder made and the temporaries
    of earlier, killed writes cleared (:func:`clear_stale_temps`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    clear_stale_temps(path)
    return temp_path(path)


def atomic_write_bytes(path: Path, payload: bytes, mode: int = 0o666) -> None:
    """Write ``payload`` to ``path`` so a reader never sees a half-written file: a temporary file beside it,
    created with ``mode`` less the umask (0o600: a secret, never readable by others, not even for a moment),
    renamed over it once complete. A failed write (disk full, ``ulimit -f``) removes the temporary file, leaves
    ``path`` as it was and raises ``OSError`` naming ``path``; the temporary of an earlier write that was killed
    (SIGKILL, power loss) is removed first (:func:`clear_stale_temps`)."""
    path = Path(path)
    tmp = _temp_beside(path)
    try:
        write_synced(tmp, payload, mode)
        os.replace(tmp, path)
    except BaseException as exc:           # disk full, file size limit, Ctrl-C: no half file left beside it
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename in (None, str(tmp)) and exc.errno:
            raise OSError(exc.errno, exc.strerror, str(path)) from None      # "PATH: File too large", not the tmp
        raise


def create_new_bytes(path: Path, payload: bytes, mode: int = 0o666) -> bool:
    """Write ``payload`` to ``path`` whole, only if nothing is there yet: True if this call made it, False if it
    was there already (another process made it first, and its content is kept). Written to a temporary beside it
    (:func:`write_synced`, ``mode`` less the umask), then hard-linked to ``path``, which fails where a file exists;
    so two processes creating one file at once agree on one content, where a rename would let the last one win."""
    path = Path(path)
    tmp = _temp_beside(path)
    try:
        write_synced(tmp, payload, mode)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:                 # a file system without hard links: an exclusive create, written in place
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            try:
                fd = os.open(str(path), flags, mode)
            except FileExistsError:
                return False
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str, mode: int = 0o666) -> None:
    """Text version of :func:`atomic_write_bytes` (UTF-8)."""
    atomic_write_bytes(path, text.encode("utf-8"), mode)


def mark_used(path: Path) -> None:
    """Set ``path``'s mtime to now when a cache entry is read, so ``naoviz cache`` shows when it was last
    used and ``--older-than`` spares what is read daily. Only files under the cache folder are touched (never
    the package's shipped files); a read-only cache is left as it is."""
    try:
        path = Path(path)
        if path.resolve().is_relative_to(cache_dir(create=False).resolve()):
            os.utime(path)
    except OSError:
        pass


def sources_digest(files) -> "str | None":
    """SHA-256 (16 hex digits) over ``files``, ``(name, path)`` pairs of naoviz source files, in the order given:
    a cache entry records it to know the code that wrote it. None when a file cannot be read (a zipped install):
    the caller then falls back to naoviz's version."""
    import hashlib
    h = hashlib.sha256()
    try:
        for name, path in files:
            h.update(name.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    except (OSError, TypeError):
        return None
    return h.hexdigest()[:16]

"""Cross-process exclusive locks on a file (``fcntl.flock``): held until released or the process dies.

The lock file records the holder's PID, so a caller that must not wait can say who holds it. The kernel
drops a flock when its process exits, SIGKILL included, so a crashed holder never leaves a stale lock.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from pathlib import Path
from typing import Iterator, Optional


class LockHeld(Exception):
    """``lock(..., wait=False)`` found the lock taken; ``pid`` is the holder's (None if unknown)."""

    def __init__(self, path: Path, pid: Optional[int]):
        super().__init__(f"{path} is locked by PID {pid if pid is not None else 'unknown'}")
        self.path, self.pid = path, pid


def holder(path) -> Optional[int]:
    """The PID written by the last holder of ``path`` (None if empty or unreadable)."""
    try:
        text = Path(path).read_text(encoding="ascii").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


def held_by(path) -> Optional[int]:
    """Whether a process holds the lock on ``path`` now, without taking it or writing anything: the holder's
    PID (0 if it wrote none yet), or None when the lock is free or the file does not exist."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return holder(path) or 0
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


@contextlib.contextmanager
def lock(path, wait: bool = True, remove: bool = False) -> Iterator[Path]:
    """Hold an exclusive lock on ``path`` (created if needed) for the ``with`` block.

    ``wait=False`` raises :class:`LockHeld` at once when another process (or another open of the file in
    this process) holds it; ``wait=True`` blocks until it is free. ``remove=True`` deletes the file on release,
    while still holding it (no lock file left beside, e.g., a run store). Safe against the holder that removes
    it: a lock taken on a file that was unlinked meanwhile (its inode no longer at ``path``) is dropped and
    taken again on the file now there, so two processes never hold two different files of one path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        # never through a symlink: one planted at a lock's name (beside a run store in a shared folder) had
        # its target truncated and a PID written into it
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise OSError(errno.ELOOP, "a symbolic link stands at the lock file's name (not followed; "
                              "remove it)", str(path)) from None
            raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            raise LockHeld(path, holder(path)) from None
        except BaseException:
            os.close(fd)
            raise
        try:
            here = os.stat(path)
            mine = os.fstat(fd)
            if (here.st_ino, here.st_dev) == (mine.st_ino, mine.st_dev):
                break
        except FileNotFoundError:
            pass
        except BaseException:                    # a Ctrl-C here: not left held by a lost descriptor
            os.close(fd)
            raise
        os.close(fd)                             # closing drops the flock on the orphaned file: try again
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            if remove:
                path.unlink(missing_ok=True)     # still held: whoever opens the path next makes a new file
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)

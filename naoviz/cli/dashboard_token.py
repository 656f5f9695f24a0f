"""The dashboard's token: a new random one per start, or one kept in ``--token-file PATH`` so the printed link
(the one a teacher put on the course page) stays the same across restarts. The token is a password: the file
must be the user's own and readable by no one else (0600); a missing one is made atomically, mode 0600, with a
new random token."""
from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Optional

from naoviz.errors import cut_path
from naoviz.paths import create_new_bytes

OPTION = "--token-file"
MIN_CHARS = 16                         # shorter is guessable
MAX_CHARS = 256                        # a URL's query, not a file's worth of text
TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]+")      # URL-safe as it is: the URL carries it unescaped


def new_token() -> str:
    """A fresh random token: 32 URL-safe characters (24 random bytes, ``secrets``)."""
    return secrets.token_urlsafe(24)


def _refuse(path: Path, why: str) -> ValueError:
    return ValueError(f"{OPTION}: {cut_path(path, 80)} {why}")


def check_token(text: str, path: Path) -> str:
    """``text`` (a token file's content) less one line end, if it is a plain URL-safe token of ``MIN_CHARS`` to
    ``MAX_CHARS`` characters; else a ValueError naming the option (never echoing the content: it may be a
    secret of some other kind)."""
    token = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text
    if not token:
        raise _refuse(path, "is empty: delete it (a start makes a new token) or write a token in it")
    if not TOKEN_CHARS.fullmatch(token):
        raise _refuse(path, "is not a plain token: one line of letters, digits, '-' and '_' only")
    if len(token) < MIN_CHARS:
        raise _refuse(path, f"holds a token of {len(token)} characters: a token is a password, at least {MIN_CHARS}")
    if len(token) > MAX_CHARS:
        raise _refuse(path, f"holds over {MAX_CHARS} characters: a token is one line of at most {MAX_CHARS}")
    return token


def read_token_file(path: Path) -> Optional[str]:
    """The token in ``path``, or None when there is no file there. Refused (ValueError naming the option) when
    it is not a regular file, not the user's own, open to group or others (a token is a password), or not a
    plain token (:func:`check_token`). Opened once, following no symbolic link at its name (``O_NOFOLLOW``: a
    link there, which another user may have planted or may re-point, is refused), and checked and read through
    that one descriptor (``fstat``), so a file swapped in between is never read; non-blocking, so a FIFO at that
    name does not hang the start."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP and os.path.islink(path):
            raise _refuse(path, "is a symbolic link: give the token file itself") from None
        raise _refuse(path, f"cannot be read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(path, "is not a file")
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            raise _refuse(path, "belongs to another user, who knows the token in it: use a file of your own")
        if st.st_mode & 0o077:
            raise _refuse(path, f"is open to other users (mode {stat.S_IMODE(st.st_mode):04o}): a token is a "
                                f"password; chmod 600 it")
        data = b""
        while len(data) <= MAX_CHARS + 2:
            chunk = os.read(fd, MAX_CHARS + 3 - len(data))
            if not chunk:
                break
            data += chunk
    except OSError as exc:
        raise _refuse(path, f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise _refuse(path, "is not a plain token: one line of letters, digits, '-' and '_' only") from None
    return check_token(text, path)


def token_from_file(path: Path, create: bool = True) -> tuple[Optional[str], bool]:
    """(token, made): the token kept in ``path`` (:func:`read_token_file`), or, when there is none and
    ``create``, a new one written there whole with mode 0600 (``made`` True); two starts at once on a missing
    file serve the one token that got there first (:func:`naoviz.paths.create_new_bytes`). Without ``create`` (a dry
    run) a missing file gives (None, False) and nothing is written."""
    token = read_token_file(path)
    if token is not None or not create:
        return token, False
    token = new_token()
    try:
        made = create_new_bytes(path, (token + "\n").encode("ascii"), mode=0o600)
    except OSError as exc:
        raise _refuse(path, f"cannot be written: {exc.strerror or exc}") from None
    if not made:                        # another start made it in between: serve its token, not a second one
        return read_token_file(path), False
    return token, True

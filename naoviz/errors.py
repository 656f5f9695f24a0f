"""Errors a user can cause and fix; the CLI prints them without a traceback."""


class NaovizError(Exception):
    """Base class for user-facing errors (bad input, missing data, bad checkpoint)."""


class DataMissingError(NaovizError, FileNotFoundError):
    """A benchmark table is not in the data directory."""


class CheckpointError(NaovizError, ValueError):
    """A checkpoint is corrupt or does not match the model it is loaded into."""


class Stopped(Exception):
    """Not a user's error: a path or a fit ended at a safe point because its caller no longer wants it (the
    explorer: a newer ask came); nothing of it was kept or written. Here so the UI catches it without torch."""


SHOWN_CHARS = 80


def cut(text: object, limit: int = SHOWN_CHARS) -> str:
    """``text`` on one line and at most about ``limit`` characters (``...`` marks a cut): error messages
    echo what they were given, and a 100 kB argument must not become a 100 kB message."""
    text = str(text).replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[:max(limit - 3, 1)] + "..."


def cut_path(path: object, limit: int = 100) -> str:
    """A path on one line in at most about ``limit`` characters, its middle elided (``/home/a/.../runs.db``):
    the folder it starts in and the file it names are what a reader needs from a long path."""
    text = cut(path, 10 * limit)
    if len(text) <= limit:
        return text
    head = max(limit // 3, 1)
    return text[:head] + "..." + text[-(limit - head - 3):]


def rebuild_note(path: object, what: str, why: object, redo: str, why_chars: int = 40) -> None:
    """Warn, in one line, that the cache entry at ``path`` (``what``: "cached atlas", ...) could not be read and
    is made again (``redo``): a torn entry is rebuilt, never trusted; the CLI prints it as one note line."""
    import warnings
    warnings.warn(f"{cut_path(path, 70)}: unreadable {what} ({cut(why, why_chars)}); {redo}", stacklevel=3)


def show(value: object, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)`` cut to about ``limit`` characters: the ``got ...`` part of an error message."""
    return cut(repr(value), limit)


def did_you_mean(name: object, known) -> str:
    """`` (did you mean 'hidden_size'?)`` for the known name closest to ``name``, or "" when none is close."""
    import difflib
    close = difflib.get_close_matches(str(name), list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_fields(unknown, known, listed_in: str) -> str:
    """``unknown field(s) 'hiden_size' (did you mean 'hidden_size'?); fields: <listed_in>``, short."""
    names = ", ".join(show(str(u), 40) for u in unknown)
    return f"unknown field(s) {cut(names)}{did_you_mean(unknown[0], sorted(known))}; fields: {listed_in}"


def check_function(value: object, name: str, what: str = "a function") -> None:
    """``TypeError`` naming ``name`` when ``value`` is neither None nor callable: a callback is refused where it
    is given, not where it is first called (after an epoch, a search or a render)."""
    if value is not None and not callable(value):
        raise TypeError(f"{name}: expected {what} or None, got {type(value).__name__} {show(value)}")


def check_type(value: object, types, name: str, what: str):
    """``value`` when it is one of ``types``, else ``TypeError`` naming ``name``, what it must be, and the value
    (an object of the wrong kind fails here, not as an AttributeError deep inside)."""
    if not isinstance(value, types):
        raise TypeError(f"{name}: expected {what}, got {type(value).__name__} {show(value)}")
    return value


def check_count(value: object, name: str, lo: int, hi: int) -> int:
    """``value`` as an int in ``lo..hi`` (numpy ints taken; bool, float, NaN refused), else ``ValueError``."""
    import operator
    try:
        number = None if isinstance(value, bool) else operator.index(value)
    except TypeError:
        number = None
    if number is None or not lo <= number <= hi:
        raise ValueError(f"{name}: must be an int in {lo}..{hi}, got {show(value)}")
    return number

"""Training functions: the registered names by which a stored run says how a TrainingEvaluator trains.

A stored run names its training function by a registered name, never by a module path: opening a run store
(a data file) must not be able to import or call anything else. Built-in entries are (module, attribute) and
imported on first use, so importing this module (or ``naoviz.evaluate``) does not pull in torch.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

_TRAIN_FUNCTIONS: dict[str, Any] = {"child-trainer": ("naoviz.child.build_table", "train_metrics")}
_JSON_SCALARS = (str, int, float, bool, type(None))


def register_train_function(name: str, fn: Callable, options: Optional[Sequence[str]] = None) -> None:
    """Allow ``fn`` as a :class:`TrainingEvaluator` training function under ``name`` (what a stored run
    records). ``options``: the keyword options it takes (default: its keyword parameters)."""
    if not isinstance(name, str) or not name or ":" in name:
        raise ValueError(f"train_fn: a registered name is a non-empty string without ':', got {name!r}")
    if not callable(fn):
        raise ValueError(f"train_fn: {fn!r} is not callable")
    known = _TRAIN_FUNCTIONS.get(name)
    if known is not None and _resolve_train_function(name)[0] is not fn:
        raise ValueError(f"train_fn: the name {name!r} is taken by another function")
    _TRAIN_FUNCTIONS[name] = (fn, None if options is None else tuple(options))


def train_functions() -> list[str]:
    """The registered training-function names."""
    return sorted(_TRAIN_FUNCTIONS)


def _resolve_train_function(name: str) -> tuple[Callable, Optional[tuple]]:
    entry = _TRAIN_FUNCTIONS[name]
    if isinstance(entry[0], str):                         # built in: (module, attribute) from this file
        import importlib
        fn = getattr(importlib.import_module(entry[0]), entry[1])
        _TRAIN_FUNCTIONS[name] = entry = (fn, None)
    return entry


def train_function(name: Any) -> Callable:
    """The training function registered as ``name``; anything else (a "module:qualname" string from an
    older or crafted store included) raises ValueError before anything is imported."""
    if not isinstance(name, str) or name not in _TRAIN_FUNCTIONS:
        raise ValueError(f"unknown training function {name!r}; known: {', '.join(train_functions())}")
    return _resolve_train_function(name)[0]


def train_function_name(fn: Callable) -> str:
    """The registered name of ``fn`` (ValueError when it is not registered)."""
    for name, entry in _TRAIN_FUNCTIONS.items():
        if entry[0] is fn or (isinstance(entry[0], str) and
                              (entry[0], entry[1]) == (getattr(fn, "__module__", None), getattr(fn, "__qualname__", None))
                              and _resolve_train_function(name)[0] is fn):
            return name
    raise ValueError(f"train_fn: {getattr(fn, '__qualname__', fn)!r} is not a registered training function "
                     f"(known: {', '.join(train_functions())}); register it with "
                     "naoviz.evaluate.register_train_function(name, fn)")


def check_train_options(name: str, options: Any) -> dict:
    """``options`` for the training function ``name``: a dict of JSON scalars under keys it takes."""
    train_function(name)                                  # a registered name, or ValueError
    fn, allowed = _resolve_train_function(name)
    if not isinstance(options, dict):
        raise ValueError(f"options of training function {name!r}: expected an object, got {type(options).__name__}")
    if allowed is None:
        import inspect
        params = list(inspect.signature(fn).parameters.values())[1:]      # the first one is the arch
        if any(p.kind is p.VAR_KEYWORD for p in params):
            allowed = None
        else:
            allowed = tuple(p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))
    for key, value in options.items():
        if allowed is not None and key not in allowed:
            raise ValueError(f"options of training function {name!r}: unknown option {key!r}; "
                             f"known: {', '.join(allowed)}")
        if not isinstance(value, _JSON_SCALARS) or (isinstance(value, float) and value != value):
            raise ValueError(f"options of training function {name!r}: {key} must be a string, number, "
                             f"boolean or null, got {type(value).__name__} {value!r}")
    return dict(options)

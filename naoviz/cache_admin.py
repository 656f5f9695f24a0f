"""What naoviz keeps in its cache folder, how much, what no current naoviz reads, and its safe removal.

``naoviz cache`` (naoviz/cli/cache.py) is the user's view of this module. The cache folder
(``naoviz.paths.cache_dir()``: ``$NAOVIZ_CACHE`` or the per-user cache dir) holds only rebuildable things,
by kind (a ``<x>.lock`` beside an entry is the cross-process lock held while it is written):

* ``models``: ``models/<model key>/`` (nao.safetensors, nao.json, done; naoviz/nao/cache.py), lock
  ``models/<model key>.lock``;
* ``atlases``: ``atlases/<atlas>.json`` + ``.safetensors`` (naoviz/atlas_cache.py), lock ``atlases/<atlas>.lock``;
* ``payloads``: ``atlases/<atlas>.payload``, an atlas packed for the page (naoviz/atlas_cache.py: written once,
  read by every dashboard visitor's kernel; no lock, written atomically), also for the shipped atlas;
* ``partial``: a stopped build's checkpoints ``atlases/<atlas>.partial/`` (naoviz/atlas_resume.py) and its
  ``atlases/<atlas>.progress``, under the atlas's lock;
* ``projections``: ``projections/<method>-<key>.npz`` (naoviz/projection.py; no lock, written atomically);
* ``visit-keys``: ``visit-keys/<plan>.json``, the explorer's model key and atlas name stored for a dashboard plan
  (naoviz/explorer_keys.py: visitors' kernels open the atlas without reading the table; no lock, written atomically);
* ``pretrain``: ``pretrain/<key>/`` (naoviz/nao/semi.py), lock ``pretrain/<key>.lock``;
* ``cost-heads``: ``cost-heads/<column>-<key>/`` (a model's files and done; naoviz/nao/heads_cache.py: the
  explorer's budget), lock ``cost-heads/<column>-<key>.lock``;
* ``resources``: ``resources/<packaged file>`` (a zipped install's copies) and the browser wrappers
  ``chromium-headless-<hash>`` (one per browser exported with);
* ``leftovers``: an atlas's lock file whose atlas is gone; an atomic write's temp file whose process is gone.

Only names naoviz writes are recognised (its keys are hex digests of fixed length); anything else, in the
cache folder or in the folders above, is kind ``other``: listed, never removed, so that a cache folder
pointed at the wrong place (``--dir ~``) loses nothing of the user's.

**Stale** entries (``naoviz.cache_stale``) are those no current naoviz reads, told from the files alone: a
model or pretrained model whose JSON names another format or version, or that lacks a file (a training that
died); a page payload torn, of another version, packed from another copy of its atlas or whose atlas is gone;
an atlas whose JSON is unreadable, of another ``FORMAT_VERSION`` or ``BUILDER_VERSION`` (an atlas without the
``builder`` field was built by builder 1), or that lacks its other half; a stopped build whose manifest is of
another checkpoint layout or unreadable, or whose atlas is saved, or a progress file alone; every leftover.
An entry built with a default since changed (keys hash the options) looks current: not called stale; it
is never read again, so ``--older-than`` (last written or read) finds it.

**In use** entries are never removed: one whose lock a process holds (``naoviz.locks.held_by``; a build
writes its progress and checkpoints under the atlas's lock) and a temp file of a running process (or one
written in the last minute). Removal takes the entry's lock without waiting (``LockHeld``: skipped, with the
holder's PID) and deletes under it, so a build that starts meanwhile waits and then rebuilds; the lock file
goes too when nothing it guards is left (an atlas's; those of models, pretraining and cost heads stay, 0 bytes).
"""
from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from naoviz.cache_stale import atlas_stale, model_stale, partial_stale, payload_stale, pretrain_stale, visit_key_stale
from naoviz.locks import LockHeld, held_by, lock
from naoviz.paths import pid_alive

KINDS = {"models": "trained models", "atlases": "atlases", "payloads": "page payloads",
         "partial": "stopped builds",
         "projections": "projections", "visit-keys": "visit keys", "pretrain": "pretraining",
         "cost-heads": "cost heads", "resources": "resources",
         "leftovers": "leftovers", "other": "not naoviz's"}
CLEAN_MODES = ("partial", "stale", "all")
RECENT_S = 60.0          # a temp file written this recently is taken as in use whatever its PID says

_KEY20 = r"[A-Za-z0-9_.+-]+-[0-9a-f]{20}"                       # models/ and pretrain/ folder names
_MODEL = re.compile(_KEY20)
_HEADS = re.compile(r"[A-Za-z0-9_.-]{1,60}-[0-9a-f]{24}")       # cost-heads/ folder names (heads_cache.py)
_ATLAS = re.compile(r"(" + _KEY20 + r"-atlas-[0-9a-f]{16})(\.json|\.safetensors|\.payload|\.partial|\.progress|\.lock)")
_PROJECTION = re.compile(r"(umap|pca)-[0-9a-f]{24}\.npz")
_VISIT_KEY = re.compile(r"[0-9a-f]{16}\.json")                  # naoviz.explorer_keys.entry_path
_TEMP = re.compile(r"\.(.+)\.([0-9]{1,10})\.tmp")                # naoviz.paths.atomic_write_bytes
# naoviz.viz.figure_files.browser_wrapper: one per browser (-<12 hex>); a naoviz before 2026-12-07 wrote one for all
_BROWSER = re.compile(r"chromium-headless(-[0-9a-f]{12})?")
_BROWSER_TEMP = re.compile(r"\.chromium-headless(?:-[0-9a-f]{12})?\.([0-9]{1,10})(?:\.tmp)?")   # .tmp: atomic_write_bytes


@dataclass
class Entry:
    """One removable thing: ``paths`` (files or folders; empty for a lone lock file), its ``kind``, ``size``
    (bytes, lock file excluded) and ``mtime`` (newest file inside, seconds since the epoch), the ``lock``
    that guards it, why it is ``stale`` (None: current) and the PID using it (``holder``; 0: unknown PID,
    None: free)."""

    kind: str
    name: str                       # shown: path relative to the cache folder
    paths: list = field(default_factory=list)
    size: int = 0
    mtime: float = 0.0
    lock: Optional[Path] = None
    stale: Optional[str] = None
    holder: Optional[int] = None
    pid: Optional[int] = None       # a temp file's writer (named in the file name)

    @property
    def in_use(self) -> bool:
        return self.holder is not None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "bytes": self.size, "modified": iso(self.mtime),
                "stale": self.stale, "in_use_by": self.holder}


def in_use_text(pid: Optional[int]) -> str:
    return f"in use by PID {pid}" if pid else "in use by a running process"


def iso(stamp: float) -> Optional[str]:
    """UTC ISO-8601 time of ``stamp`` (seconds), None for 0."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp)) if stamp else None


def _measure(path: Path) -> tuple[int, float]:
    """(bytes, newest mtime) of a file or of every file in a folder; symbolic links are not followed."""
    try:
        st = path.lstat()
    except OSError:
        return 0, 0.0
    if not path.is_dir() or path.is_symlink():
        return st.st_size, st.st_mtime
    size, newest = 0, st.st_mtime
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                s = os.lstat(os.path.join(folder, name))
            except OSError:
                continue
            size, newest = size + s.st_size, max(newest, s.st_mtime)
    return size, newest


def _entry(root: Path, kind: str, paths: list, lock_path: Optional[Path] = None,
           stale: Optional[str] = None, name: Optional[Path] = None) -> Entry:
    size, newest = 0, 0.0
    for p in paths:
        s, m = _measure(p)
        size, newest = size + s, max(newest, m)
    if not paths and lock_path is not None:
        size, newest = _measure(lock_path)
    shown = name or (paths[0] if paths else lock_path)
    holder = held_by(lock_path) if lock_path is not None and lock_path.exists() else None
    return Entry(kind, str(shown.relative_to(root)), list(paths), size, newest, lock_path, stale, holder)


def _temp(root: Path, path: Path, pid: int) -> Entry:
    """An atomic write's temp file: in use while its process runs (or it is under a minute old)."""
    e = _entry(root, "leftovers", [path], stale="an unfinished write of a process that is gone")
    e.pid = pid
    if pid_alive(pid) or time.time() - e.mtime < RECENT_S:
        e.holder, e.stale = pid, None
    return e


def _keyed_folders(root: Path, sub: str, kind: str, stale_of, pattern=_MODEL) -> list[Entry]:
    """Entries of ``models/``, ``pretrain/`` or ``cost-heads/``: ``<key>/`` guarded by ``<key>.lock``. A lock
    file is not an entry (they stay, see ``_remove_locked``) unless held with no folder yet: a training in
    progress."""
    folder, out = root / sub, []
    for p in sorted(folder.iterdir()):
        is_lock = p.name.endswith(".lock") and pattern.fullmatch(p.name.removesuffix(".lock"))
        if p.is_dir() and not p.is_symlink() and pattern.fullmatch(p.name):
            out.append(_entry(root, kind, [p], folder / f"{p.name}.lock", stale_of(p)))
        elif is_lock and not (folder / p.name.removesuffix(".lock")).exists() and held_by(p) is not None:
            out.append(_entry(root, kind, [], p))
        elif not is_lock:
            out.append(_entry(root, "other", [p]))
    return out


def _atlases(root: Path) -> list[Entry]:
    folder, groups, out = root / "atlases", {}, []
    for p in sorted(folder.iterdir()):
        m, t = _ATLAS.fullmatch(p.name), _TEMP.fullmatch(p.name)
        if m:
            groups.setdefault(m.group(1), set()).add(m.group(2))
        elif t and _ATLAS.fullmatch(t.group(1)):
            out.append(_temp(root, p, int(t.group(2))))
        else:
            out.append(_entry(root, "other", [p]))
    for name, have in sorted(groups.items()):
        base, lock_path = folder / name, folder / f"{name}.lock"
        atlas_current = False
        if have & {".json", ".safetensors"}:
            why = atlas_stale(base)
            atlas_current = why is None
            out.append(_entry(root, "atlases", [base.with_suffix(s) for s in (".json", ".safetensors") if s in have],
                              lock_path, why, name=base))
        if ".payload" in have:
            out.append(_entry(root, "payloads", [folder / f"{name}.payload"], lock_path,
                              payload_stale(folder / f"{name}.payload")))
        if have & {".partial", ".progress"}:
            paths = [folder / f"{name}{s}" for s in (".partial", ".progress") if s in have]
            out.append(_entry(root, "partial", paths, lock_path, partial_stale(base, atlas_current)))
        if have == {".lock"}:
            out.append(_entry(root, "leftovers", [], lock_path, "a lock file whose entry is gone"))
    return out


def _files(root: Path, sub: str, pattern, stale_of=None) -> list[Entry]:
    """Entries of a folder of single files without locks (``projections/``, ``visit-keys/``)."""
    out = []
    for p in sorted((root / sub).iterdir()):
        t = _TEMP.fullmatch(p.name)
        if pattern.fullmatch(p.name) and p.is_file():
            out.append(_entry(root, sub, [p], stale=stale_of(p) if stale_of else None))
        elif t and pattern.fullmatch(t.group(1)):
            out.append(_temp(root, p, int(t.group(2))))
        else:
            out.append(_entry(root, "other", [p]))
    return out


def _resources(root: Path) -> list[Entry]:
    from importlib import resources
    packaged = {r.name for r in resources.files("naoviz.resources").iterdir()}
    return [_entry(root, "resources" if p.name in packaged and p.is_file() else "other", [p])
            for p in sorted((root / "resources").iterdir())]


_FOLDERS = {"models": lambda r: _keyed_folders(r, "models", "models", model_stale),
            "pretrain": lambda r: _keyed_folders(r, "pretrain", "pretrain", pretrain_stale),
            "cost-heads": lambda r: _keyed_folders(r, "cost-heads", "cost-heads", model_stale, _HEADS),
            "atlases": _atlases, "projections": lambda r: _files(r, "projections", _PROJECTION),
            "visit-keys": lambda r: _files(r, "visit-keys", _VISIT_KEY, visit_key_stale), "resources": _resources}


def scan(root) -> list[Entry]:
    """Every entry of the cache folder ``root`` (none when it does not exist), folder by folder."""
    root = Path(root)
    if not root.is_dir():
        return []
    out = []
    for p in sorted(root.iterdir()):
        t = _BROWSER_TEMP.fullmatch(p.name)
        if p.name in _FOLDERS and p.is_dir():
            out += _FOLDERS[p.name](root)
        elif _BROWSER.fullmatch(p.name) and p.is_file():
            out.append(_entry(root, "resources", [p]))
        elif t:
            out.append(_temp(root, p, int(t.group(1))))
        else:
            out.append(_entry(root, "other", [p]))
    return out


def summary(entries: list[Entry]) -> dict:
    """Per kind (every kind of ``KINDS``, in order): count, bytes, oldest and newest mtime, how many stale
    and in use."""
    out = {}
    for kind in KINDS:
        mine = [e for e in entries if e.kind == kind]
        times = [e.mtime for e in mine if e.mtime]
        out[kind] = {"count": len(mine), "bytes": sum(e.size for e in mine),
                     "oldest": min(times) if times else 0.0, "newest": max(times) if times else 0.0,
                     "stale": sum(e.stale is not None for e in mine), "in_use": sum(e.in_use for e in mine)}
    return out


def select(entries: list[Entry], mode: str, older_than_days: Optional[float] = None,
           now: Optional[float] = None) -> list[Entry]:
    """The entries ``mode`` removes (``partial``: stopped builds; ``stale``: every stale entry; ``all``:
    everything naoviz wrote), last written or read (``naoviz.paths.mark_used``) at least ``older_than_days``
    ago; in-use ones included (the removal skips them and says so). Kind ``other`` is never selected."""
    if mode not in CLEAN_MODES:
        raise ValueError(f"mode: expected one of {', '.join(CLEAN_MODES)}, got {mode!r}")
    now = time.time() if now is None else now
    chosen = [e for e in entries if e.kind != "other" and (
        mode == "all" or (mode == "partial" and e.kind == "partial") or (mode == "stale" and e.stale is not None))]
    if older_than_days is not None:
        chosen = [e for e in chosen if now - e.mtime >= older_than_days * 86400.0]
    return chosen


@dataclass
class Outcome:
    """What a clean did: ``removed`` entries (or, with ``dry_run``, those it would remove), ``skipped``
    (entry, why) pairs: in use, or an error removing it."""

    removed: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    dry_run: bool = False

    @property
    def freed(self) -> int:
        return sum(e.size for e in self.removed)

    def as_dict(self) -> dict:
        return {"dry_run": self.dry_run, "removed": [e.as_dict() for e in self.removed],
                "freed_bytes": self.freed,
                "skipped": [{**e.as_dict(), "why": why} for e, why in self.skipped]}


def _delete(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        try:
            shutil.rmtree(path)
        except FileNotFoundError:                     # gone since the scan (another clean)
            pass
    else:
        path.unlink(missing_ok=True)


def _guarded(lock_path: Path) -> list[Path]:
    """What an atlas's ``<x>.lock`` guards: the atlas files of ``<x>``."""
    base = lock_path.with_suffix("")
    return [base.with_name(base.name + s) for s in (".json", ".safetensors", ".payload", ".partial", ".progress")]


def _remove_locked(e: Entry) -> None:
    """Delete ``e`` under its lock (``LockHeld``: a process holds it). An atlas's lock file goes too when new
    or guarding nothing more (atlas_for never waits on it, it re-opens the path); a trainer waits on the lock
    of a model or pretraining, so those stay: one waiting on a deleted file would train beside another."""
    existed = e.lock.exists()
    with lock(e.lock, wait=False):
        for p in e.paths:
            _delete(p)
        if e.lock.parent.name == "atlases" and (
                not existed or not any(os.path.lexists(p) for p in _guarded(e.lock))):
            e.lock.unlink(missing_ok=True)


def remove(entries: list[Entry], dry_run: bool = False) -> Outcome:
    """Remove ``entries`` (from :func:`select`), skipping every one in use; ``dry_run`` removes nothing."""
    out = Outcome(dry_run=dry_run)
    for e in entries:
        if e.kind == "other":
            continue
        if e.lock is not None:
            e.holder = held_by(e.lock) if e.lock.exists() else None
        elif e.pid is not None and pid_alive(e.pid):                      # a writer started since the scan
            e.holder = e.pid
        if e.in_use:
            out.skipped.append((e, in_use_text(e.holder)))
            continue
        if not e.paths and e.lock.parent.name != "atlases":   # a training's lock, released since: nothing to do
            continue
        if dry_run:
            out.removed.append(e)
            continue
        try:
            if e.lock is not None:
                _remove_locked(e)
            else:
                for p in e.paths:
                    _delete(p)
        except LockHeld as exc:
            e.holder = exc.pid or 0
            out.skipped.append((e, in_use_text(exc.pid)))
            continue
        except OSError as exc:
            out.skipped.append((e, f"cannot remove: {exc.strerror or exc}"))
            continue
        out.removed.append(e)
    return out

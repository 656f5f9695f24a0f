"""Atlases on disk, keyed by the model's fingerprint and the atlas options; built once under a file lock.

``atlas_for(bench, spec)`` returns the atlas of the cached model for (``bench``, ``spec``): a shipped one
(``naoviz/resources/shipped``, read-only, for the digits table) when the key matches, else one from
``cache_dir()/atlases``, else it trains or loads the model (``naoviz.nao.cache.load_or_train``), builds
the atlas and saves it. Building runs under a cross-process lock: a second process (Voila's pre-started
kernel, a second visitor) waits, showing the builder's progress (``<atlas>.progress``, JSON), and then loads
the file the first one wrote.

The page's copy of an atlas (``naoviz.atlas_payload.pack``: quantised, zlib'd; 0.1-0.3 CPU-s) is kept beside it as
``<atlas>.payload`` (also for the shipped atlas, whose folder is read-only): written once, by ``naoviz dashboard``'s
warm-up or the first kernel that packs it, so a class of visitors' kernels read it instead of each packing it.
It names the SHA-256 of the atlas JSON it was packed from (which names its tensors' hash): any other is repacked.

A build stopped part-way (Ctrl-C, a kill, a closed laptop) resumes: ``build_atlas`` checkpoints its finished
stages into ``<atlas>.partial/`` (naoviz/atlas_resume.py, keyed by the model's weights and the options), the
next build under the lock takes them up, and the folder is removed once the atlas is saved.
"""
from __future__ import annotations

import functools
import hashlib
import json
import time
import zlib
from pathlib import Path
from typing import Callable, Optional

from naoviz.atlas import FORMAT_VERSION, Atlas
from naoviz.atlas_build import DEFAULT_ETAS, UMAP_PARAMS, Progress, check_inputs, check_options
from naoviz.errors import rebuild_note
from naoviz.locks import LockHeld, held_by, lock
from naoviz.paths import atomic_write_bytes, atomic_write_text, cache_dir, mark_used, sources_digest
from naoviz.resources import shipped_dir

WAIT_POLL_S = 0.5       # how often a process waiting for another's build looks at the lock and its progress
BUILDER_VERSION = 2     # bump when build_atlas computes something differently: old files are not reused (saved as
                        # meta["builder"]; `naoviz cache --clean stale` removes atlases of other builders)
                        # (2: path points placed on the nearest neighbour's island, projection.LAND_RADIUS)


PAYLOAD_MAGIC = b"naoviz-atlas-payload 1\n"   # <atlas>.payload: this line, one JSON line, then the zlib blob
# The modules whose code decides a payload's bytes (the packing, the names in words, the jumps of an atlas without
# stored ones): a payload records their hash, so one packed by other code (an upgraded naoviz whose PAYLOAD_VERSION
# nobody bumped, say new column words) is packed again rather than shown
PACKER_MODULES = ("naoviz.atlas_payload", "naoviz.column_names", "naoviz.atlas", "naoviz.projection",
                  "naoviz.map_quality", "naoviz.tables.benchmark")


def atlas_name(bench, spec, etas=DEFAULT_ETAS, seeds="classes", k: int = 10, maps=("umap", "pca"),
               random_state: int = 0, key: Optional[str] = None) -> str:
    """File name (no suffix) of the atlas for these options: ``<model_key>-atlas-<hash of the options>``
    (``key``: the model key when the caller has it already, since computing it draws the training set)."""
    from naoviz.nao.cache import model_key
    etas, metric, cols = check_options(bench, etas, seeds, k, maps, spec.metric, None)
    params = {"format": FORMAT_VERSION, "builder": BUILDER_VERSION, "etas": [float(e) for e in etas],
              "seeds": seeds if isinstance(seeds, str) else [int(s) for s in seeds], "k": int(k),
              "maps": list(maps), "random_state": int(random_state), "umap": UMAP_PARAMS if "umap" in maps else None,
              "metric": metric, "columns": list(cols)}
    if getattr(bench, "fingerprint", ""):        # a table file: its content, so an edited CSV builds anew (the
        params["table"] = bench.fingerprint        # known tables stay out: the shipped digits atlas keeps its name)
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
    return f"{key or model_key(bench, spec)}-atlas-{digest}"


def _try_load(base: Path, key: str, warn: bool = False) -> Optional[Atlas]:
    """The atlas saved at ``base`` for the model ``key``, or None. A corrupt entry (a torn file, another format)
    is None too, so it is rebuilt, never trusted; ``warn`` (the builder, under the lock): one note saying so."""
    if not base.with_suffix(".json").is_file():
        return None
    try:
        before = _json_digest(base)
        atlas = Atlas.load(base)
    except (ValueError, KeyError, TypeError) as exc:
        if warn:
            rebuild_note(base, "cached atlas", exc.__cause__ or exc, "building it again")
        return None
    if atlas.model_key != key:
        return None
    if before is not None and _json_digest(base) == before:    # not replaced while it was read: its payload's key
        atlas.payload_source = (base.name, before)
    mark_used(base.with_suffix(".json"))
    return atlas


def _json_digest(base: Path) -> Optional[str]:
    """SHA-256 of the atlas JSON at ``base`` (it names the tensors' hash too), or None when unreadable."""
    try:
        return hashlib.sha256(base.with_suffix(".json").read_bytes()).hexdigest()
    except OSError:
        return None


@functools.lru_cache(maxsize=1)
def packer_fingerprint() -> str:
    """SHA-256 over the source of :data:`PACKER_MODULES` (16 hex digits), read once per process; where a module's
    source cannot be read (a zipped install), naoviz's version stands in for it."""
    import importlib.util

    import naoviz
    specs = [(m, importlib.util.find_spec(m)) for m in PACKER_MODULES]
    return (sources_digest([(m, getattr(spec, "origin", None)) for m, spec in specs])
            or f"version {naoviz.__version__}")


def payload_path(name: str) -> Path:
    """Where the packed copy of the atlas ``name`` (shipped or cached) is kept (the folder is not made here: an
    unusable cache folder must not stop the shipped atlas from opening; the write then fails and is skipped)."""
    return cache_dir(create=False) / "atlases" / f"{name}.payload"


def read_payload(path: Path, digest: Optional[str] = None) -> Optional[tuple[dict, bytes, str]]:
    """(header, blob, atlas digest) of the payload file ``path``, or None when absent, torn, of another payload
    version, packed by other code (:func:`packer_fingerprint`) or (``digest`` given) packed from another atlas JSON. JSON and bytes only: nothing is unpickled."""
    from naoviz.atlas_payload import PAYLOAD_VERSION
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        if not data.startswith(PAYLOAD_MAGIC):
            return None
        line_end = data.index(b"\n", len(PAYLOAD_MAGIC))
        envelope = json.loads(data[len(PAYLOAD_MAGIC):line_end])
        header, blob, source = envelope["header"], data[line_end + 1:], str(envelope["atlas_json_sha256"])
        if header.get("version") != PAYLOAD_VERSION or envelope.get("blob_crc32") != zlib.crc32(blob) \
                or envelope.get("packer") != packer_fingerprint():
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return None if digest is not None and source != digest else (header, blob, source)


def atlas_payload(atlas) -> tuple[dict, bytes]:
    """``naoviz.atlas_payload.pack(atlas)``, read from ``<atlas>.payload`` when it was packed from the very file
    this atlas was loaded from, else packed now and written there (atomically) for the next kernel. An atlas
    not loaded from a file (built in this process, made by hand) is packed, and nothing is written."""
    from naoviz.atlas_payload import pack
    source = getattr(atlas, "payload_source", None)
    if source is None:
        return pack(atlas)
    name, digest = source
    path = payload_path(name)
    got = read_payload(path, digest)
    if got is not None:
        mark_used(path)
        return got[0], got[1]
    header, blob = pack(atlas)
    try:
        write_payload(path, header, blob, digest)
    except OSError:                      # a read-only or full cache: this kernel has its copy, the next packs too
        pass
    return header, blob


def write_payload(path: Path, header: dict, blob: bytes, digest: str) -> None:
    """Write the payload file ``path`` (atomically) of ``header`` and ``blob`` packed from the atlas JSON whose
    SHA-256 is ``digest``; read back by :func:`read_payload`."""
    envelope = {"atlas_json_sha256": digest, "blob_crc32": zlib.crc32(blob), "packer": packer_fingerprint(),
                "header": header}
    atomic_write_bytes(path, PAYLOAD_MAGIC + json.dumps(envelope, allow_nan=False).encode() + b"\n" + blob)


def cached_atlas(bench, spec, **options) -> Optional[Atlas]:
    """The shipped or cached atlas for these options, or None (never builds)."""
    from naoviz.nao.cache import model_key
    key = model_key(bench, spec)
    return atlas_named(atlas_name(bench, spec, key=key, **options), key)


def atlas_named(name: str, key: str) -> Optional[Atlas]:
    """The shipped or cached atlas saved as ``name`` (:func:`atlas_name`) for the model ``key``, or None; what a
    visitor's kernel opens by the stored key (``naoviz.explorer_keys``) without reading the table."""
    for folder in (shipped_dir(), cache_dir() / "atlases"):
        if folder is not None:
            atlas = _try_load(folder / name, key)
            if atlas is not None:
                return atlas
    return None


def await_named(names, key: str, progress: Optional[Progress] = None, on_wait: Optional[Callable[[], None]] = None,
                builder_alive: Callable[[], bool] = lambda: False) -> Optional[tuple[str, Atlas]]:
    """(name, atlas) of the first of the atlases saved as ``names`` (:func:`atlas_name`, for the model ``key``) that
    exists, waiting while another process builds one of them (its lock held; its progress shown) or
    ``builder_alive()`` (a warm-up that has not taken the lock yet); None when none exists and nobody builds one (the
    caller then reads the table and builds). A visitor's kernel on a cold start, without the table; ``on_wait()``
    as in atlas_for."""
    bases = [cache_dir(create=False) / "atlases" / name for name in names]
    waited = False
    while True:
        # who builds, asked before the loads: a build that ends between the two is then loaded on the next pass
        building = [b for b in bases if held_by(b.with_name(b.name + ".lock")) is not None]
        alive = builder_alive()
        for name in names:
            atlas = atlas_named(name, key)
            if atlas is not None:
                return name, atlas
        if not building and not alive:
            return None
        if not waited and on_wait is not None:
            on_wait()
        waited = True
        shown = next((p for p in (_read_progress(_progress_path(b)) for b in building) if p is not None), None)
        if shown is not None and progress is not None:
            progress(*shown)
        time.sleep(WAIT_POLL_S)


def store_jumps(bench, spec, **options) -> bool:
    """Add the island jumps to a cached atlas saved before the build stored them (``Atlas.path_jump_maps``), so
    that its visitors' kernels pack it without scipy (28 MB each); under the atlas's lock, skipped when another
    process holds it. True when the file was rewritten. The shipped atlases have them already."""
    from naoviz.nao.cache import model_key
    from naoviz.projection import jump_maps
    key = model_key(bench, spec)
    base = cache_dir() / "atlases" / atlas_name(bench, spec, key=key, **options)
    if not base.with_suffix(".json").is_file():
        return False
    try:
        with lock(base.with_name(base.name + ".lock"), wait=False):
            atlas = _try_load(base, key)
            if atlas is None or atlas.path_jump_maps:        # gone, or built by a naoviz that stores them
                return False
            atlas.path_jump_maps = jump_maps(atlas.maps, atlas.path_maps)
            if not atlas.path_jump_maps:                     # a PCA-only atlas: nothing to store
                return False
            atlas.save(base)              # a reader between its two writes sees a pair it refuses, and waits here
            return True
    except LockHeld:
        return False


def atlas_for(bench, spec, etas=DEFAULT_ETAS, seeds="classes", k: int = 10, maps=("umap", "pca"),
              random_state: int = 0, progress: Optional[Progress] = None,
              on_wait: Optional[Callable[[], None]] = None,
              callback: Optional[Callable[[int, dict], object]] = None,
              on_resume: Optional[Callable[[str], object]] = None) -> Atlas:
    """The atlas of the model for (``bench``, ``spec``) with these options: shipped, cached or built once.

    ``progress(stage, done, total)`` sees the build stages ("train" epochs first when the model must be
    trained); ``callback(epoch, logs)`` every training epoch; ``on_wait()`` is called once if another
    process is building the same atlas and this one waits for it; ``on_resume(text)`` once if this build
    takes up the checkpoints of a stopped one ("resuming a stopped build: embed, map:umap done; paths ...").
    """
    from naoviz.nao.cache import ModelSpec
    check_inputs(bench, random_state)
    if not isinstance(spec, ModelSpec):
        from naoviz.errors import show
        raise TypeError(f"spec: expected a naoviz.nao.cache.ModelSpec, got {type(spec).__name__} {show(spec)}")
    options = dict(etas=etas, seeds=seeds, k=k, maps=tuple(maps), random_state=random_state)
    atlas = cached_atlas(bench, spec, **options)          # also checks every option before any work
    if atlas is not None:
        return atlas
    base = cache_dir() / "atlases" / atlas_name(bench, spec, **options)
    lock_path = base.with_name(base.name + ".lock")
    waited = False
    while True:
        try:
            with lock(lock_path, wait=False):  # free: load what another builder wrote meanwhile, or build
                return _load_or_build(base, bench, spec, options, progress, callback, on_resume)
        except LockHeld:
            pass
        if not waited and on_wait is not None:
            on_wait()
        waited = True
        shown = _read_progress(_progress_path(base))      # the builder's progress, shown here too
        if shown is not None and progress is not None:
            progress(*shown)
        time.sleep(WAIT_POLL_S)


def _progress_path(base: Path) -> Path:
    return base.with_name(base.name + ".progress")


def partial_path(base: Path) -> Path:
    """The checkpoint folder of the build of the atlas at ``base`` (kept until the atlas is saved)."""
    return base.with_name(base.name + ".partial")


def _read_progress(path: Path) -> Optional[tuple]:
    """(stage, done, total) the builder last wrote, or None."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        return str(d["stage"]), int(d["done"]), int(d["total"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _load_or_build(base: Path, bench, spec, options: dict, progress, callback, on_resume=None) -> Atlas:
    """Under the lock: the atlas another process finished meanwhile, else build it (and the model) and save."""
    from naoviz.atlas_build import build_atlas
    from naoviz.atlas_resume import remove_partial
    from naoviz.nao.cache import epochs_to_train, load_or_train, model_key

    key = model_key(bench, spec)
    atlas = _try_load(base, key, warn=True)
    if atlas is not None:
        return atlas
    shown, last = progress or (lambda stage, done, total: None), [0.0, None]
    progress_file = _progress_path(base)

    def report(stage, done, total):          # to processes waiting (twice a second, and each new stage at once:
        now = time.monotonic()               # a stage begun within 0.5 s of the last write, the UMAP fit, showed
        if now - last[0] >= WAIT_POLL_S or done >= total or stage != last[1]:   # the one before for its minutes)
            last[0], last[1] = now, stage
            atomic_write_text(progress_file, json.dumps({"stage": stage, "done": int(done), "total": int(total)}))
        shown(stage, done, total)

    epochs = epochs_to_train(bench, spec)

    def on_epoch(epoch, logs):
        report("train", epoch + 1, epochs)
        if callback is not None:
            callback(epoch, logs)

    model, _ = load_or_train(bench, spec, callback=on_epoch)
    atlas = build_atlas(model, bench, progress=report, metric=spec.metric, model_key=key,
                        resume_dir=partial_path(base), on_resume=on_resume, **options)
    atlas.meta["builder"] = BUILDER_VERSION            # naoviz cache --clean stale tells old builders' atlases by it
    atlas.save(base)
    digest = _json_digest(base)                        # under the lock: what was saved (its payload's key)
    if digest is not None:
        atlas.payload_source = (base.name, digest)
    remove_partial(partial_path(base))                 # only now: a crash while saving keeps the checkpoints
    progress_file.unlink(missing_ok=True)
    return atlas

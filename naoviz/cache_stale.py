"""Why a cache entry is stale (no current naoviz reads it), told from its files alone; ``naoviz.cache_admin`` asks."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional


def read_json(path: Path):
    """The JSON object in ``path``; None when unreadable or not an object."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def version_says(meta, fmt, version, what: str) -> Optional[str]:
    """Why a ``{"format", "version"}`` JSON is not this naoviz's, or None when it is."""
    if meta is None:
        return f"unreadable {what}"
    if meta.get("format") != fmt or meta.get("version") != version:
        return f"{what} {meta.get('format')!r} v{meta.get('version')!r}, this naoviz reads {fmt!r} v{version}"
    return None


def model_stale(folder: Path) -> Optional[str]:
    """Why ``models/<key>/`` is stale (incomplete, another format or version); None when current."""
    from naoviz.nao.cache import DONE
    from naoviz.nao.checkpoint import FORMAT, META, VERSION, WEIGHTS
    if not (folder / DONE).is_file() or not (folder / WEIGHTS).is_file():
        return "incomplete (its training stopped before the end)"
    return version_says(read_json(folder / META), FORMAT, VERSION, "model format")


def pretrain_stale(folder: Path) -> Optional[str]:
    """Why ``pretrain/<key>/`` is stale (incomplete, another format or version); None when current."""
    from naoviz.nao.semi import FORMAT, META, VERSION, WEIGHTS
    if not (folder / META).is_file() or not (folder / WEIGHTS).is_file():
        return "incomplete (its pretraining stopped before the end)"
    return version_says(read_json(folder / META), FORMAT, VERSION, "pretrained-model format")


def atlas_stale(base: Path) -> Optional[str]:
    """Why the atlas ``<base>.json`` + ``.safetensors`` is stale (half, unreadable, another format or builder)."""
    from naoviz.atlas import FORMAT_VERSION
    from naoviz.atlas_cache import BUILDER_VERSION
    if not base.with_suffix(".json").is_file() or not base.with_suffix(".safetensors").is_file():
        return "incomplete (half of the .json/.safetensors pair)"
    meta = read_json(base.with_suffix(".json"))
    if meta is None:
        return "unreadable atlas JSON"
    if meta.get("format") != FORMAT_VERSION:
        return f"atlas format {meta.get('format')!r}, this naoviz reads {FORMAT_VERSION}"
    builder = meta["meta"].get("builder", 1) if isinstance(meta.get("meta"), dict) else 1
    if builder != BUILDER_VERSION:
        return f"atlas builder {builder!r}, this naoviz builds with {BUILDER_VERSION}"
    return None


def payload_stale(path: Path) -> Optional[str]:
    """Why the packed atlas ``<atlas>.payload`` is stale (torn, another payload version or packing code, packed from another copy
    of its atlas, or its atlas gone from the cache and from the shipped ones): no dashboard would read it."""
    from naoviz.atlas_cache import _json_digest, read_payload
    from naoviz.resources import shipped_dir
    got = read_payload(path)
    if got is None:
        return "unreadable page payload, or packed by another naoviz"
    base = path.with_suffix("")
    shipped = shipped_dir()
    for atlas in (base, None if shipped is None else shipped / base.name):
        if atlas is not None and atlas.with_suffix(".json").is_file():
            return None if _json_digest(atlas) == got[2] else "packed from another copy of its atlas"
    return "its atlas is gone"


def partial_stale(base: Path, atlas_current: bool) -> Optional[str]:
    """Why the stopped build ``<base>.partial`` / ``.progress`` is stale (its atlas saved, another layout)."""
    from naoviz.atlas_resume import MANIFEST, VERSION
    folder = base.with_name(base.name + ".partial")
    if atlas_current:
        return "its atlas is saved"
    if not folder.is_dir():
        return "the progress file of a build that is not running"
    if not any(folder.iterdir()):
        return None
    manifest = read_json(folder / MANIFEST)
    if manifest is None:
        return "unreadable checkpoint manifest"
    if manifest.get("version") != VERSION:
        return f"checkpoint layout v{manifest.get('version')!r}, this naoviz uses v{VERSION}"
    return None


def visit_key_stale(path: Path) -> Optional[str]:
    """Why the stored key ``visit-keys/<plan>.json`` (naoviz.explorer_keys) is stale: unreadable, another
    version, or written by other naoviz code (a visitor's kernel then reads the table instead)."""
    from naoviz.explorer_keys import FORMAT, VERSION, code_stamp
    meta = read_json(path)
    why = version_says(meta, FORMAT, VERSION, "visit key")
    if why is None and meta.get("code") != code_stamp():
        return "written by other naoviz code"
    return why

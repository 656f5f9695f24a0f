"""The page payload kept beside an atlas (``naoviz.atlas_cache.atlas_payload``): written once (by the dashboard's
warm-up, ``naoviz.explorer_plan.prepare``), read by every visitor's explorer instead of packing the atlas again;
never used for another copy of the atlas or when torn; listed and cleaned by ``naoviz cache``.

Real parts: the shipped digits atlas and model, a real cache folder, the real ExplorerWidget and the CLI.
"""
from __future__ import annotations

import json

import pytest

from _cli_rejects import run_cli


@pytest.fixture(scope="module")
def digits():
    from naoviz.explorer_plan import ExplorerPlan
    plan = ExplorerPlan(table="nb201-digits")
    bench = plan.benchmark()
    return plan, bench, plan.spec(bench), plan.full_options(bench)


def _payload_file(cache, atlas):
    return cache / "atlases" / f"{atlas.payload_source[0]}.payload"


def test_warm_up_writes_the_payload_and_the_explorer_reads_it_not_packing(digits, tmp_path, monkeypatch):
    from naoviz.atlas_cache import PAYLOAD_MAGIC, cached_atlas, read_payload, write_payload
    from naoviz.atlas_payload import pack
    from naoviz.explorer_plan import prepare
    from naoviz.ui.explorer_widget import ExplorerWidget
    plan, bench, spec, full = digits
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    atlas = prepare(plan)
    path = _payload_file(tmp_path, atlas)
    assert path.read_bytes().startswith(PAYLOAD_MAGIC)
    header, blob, _ = read_payload(path)
    assert (header, blob) == pack(atlas)                 # the same bytes a kernel would have packed
    # a payload marked by hand (same atlas digest): what the widget shows came from the file, not from pack()
    write_payload(path, {**header, "title": "from the cache file"}, blob, atlas.payload_source[1])
    widget = ExplorerWidget(cached_atlas(bench, spec, **full))
    assert widget._atlas_header["title"] == "from the cache file" and widget._atlas_data == blob


def test_a_payload_of_another_atlas_copy_torn_or_packed_by_other_code_is_repacked_and_rewritten(digits, tmp_path, monkeypatch):
    from naoviz.atlas_cache import atlas_payload, cached_atlas, read_payload, write_payload
    from naoviz.atlas_payload import pack
    plan, bench, spec, full = digits
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    atlas = cached_atlas(bench, spec, **full)
    want = pack(atlas)
    path = _payload_file(tmp_path, atlas)
    write_payload(path, {**want[0], "title": "stale"}, want[1], "0" * 64)        # packed from another JSON
    assert atlas_payload(atlas) == want and read_payload(path)[:2] == want
    path.write_bytes(path.read_bytes()[:-100])                                  # torn (a copy cut short)
    assert read_payload(path) is None
    assert atlas_payload(atlas) == want and read_payload(path)[:2] == want
    data = path.read_bytes()                                                    # packed by other code (an
    other = data.replace(b'"packer": "', b'"packer": "0', 1)                   # upgraded naoviz): not shown
    assert other != data
    path.write_bytes(other)
    assert read_payload(path) is None
    assert atlas_payload(atlas) == want and read_payload(path)[:2] == want
    atlas.payload_source = None                                                 # not from a file: packed, not kept
    path.unlink()
    assert atlas_payload(atlas) == want and not path.exists()


def test_naoviz_cache_lists_payloads_and_cleans_a_stale_one(digits, tmp_path, monkeypatch):
    from naoviz.atlas_cache import cached_atlas, write_payload
    from naoviz.atlas_payload import pack
    plan, bench, spec, full = digits
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    atlas = cached_atlas(bench, spec, **full)
    header, blob = pack(atlas)
    current = _payload_file(tmp_path, atlas)                    # the shipped atlas's, kept in the cache
    write_payload(current, header, blob, atlas.payload_source[1])
    gone = current.with_name(f"{atlas.payload_source[0].rsplit('-', 1)[0]}-{'f' * 16}.payload")
    write_payload(gone, header, blob, atlas.payload_source[1])  # its atlas is in neither the cache nor the package
    code, out, err = run_cli(["cache", "--json"])
    assert code == 0, err
    got = json.loads(out)
    assert got["kinds"]["payloads"]["count"] == 2
    assert [e["name"] for e in got["stale"]] == [f"atlases/{gone.name}"]
    code, _, err = run_cli(["cache", "--clean", "stale"])
    assert code == 0, err
    assert current.exists() and not gone.exists()



def test_a_cache_folder_that_cannot_be_written_still_gets_its_payload(digits, tmp_path, monkeypatch):
    """The shipped atlas opened, then no payload can be kept (here a file where the cache folder should be, as a
    read-only cache would refuse it): packed in the kernel, as before payloads were kept, and nothing written."""
    from naoviz.atlas_cache import atlas_payload, cached_atlas
    from naoviz.atlas_payload import pack
    plan, bench, spec, full = digits
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    atlas = cached_atlas(bench, spec, **full)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    monkeypatch.setenv("NAOVIZ_CACHE", str(blocker))
    assert atlas_payload(atlas) == pack(atlas) and blocker.read_text() == "not a folder\n"

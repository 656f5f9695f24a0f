"""A saved atlas someone hands you (``export-page --atlas``) or puts in your cache is checked whole at load: a
field of another type, an array of another dtype or shape, a row index outside the atlas or a NaN map is one
ValueError naming the file and the field (it was accepted, and the page drew nothing, or a traceback came later)."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from naoviz.atlas import Atlas

SHIPPED = "shipped/nb201-digits-valid_acc-1ce4f133b71206dec159-atlas-8a5c1982e69131a7"


@pytest.fixture(scope="module")
def shipped():
    from safetensors.numpy import load_file

    from naoviz.resources import resource_path
    base = resource_path(SHIPPED + ".json").with_suffix("")
    return json.loads(base.with_suffix(".json").read_text()), load_file(str(base.with_suffix(".safetensors")))


def _save(tmp_path, meta, arrays):
    """The pair as an attacker would write it: the JSON's digest made to match the tensors."""
    from safetensors.numpy import save
    payload = save(arrays)
    (tmp_path / "a.safetensors").write_bytes(payload)
    (tmp_path / "a.json").write_text(json.dumps({**meta, "tensors_sha256": hashlib.sha256(payload).hexdigest()}))
    return tmp_path / "a"


def _changed(arrays, name, value):
    return {**arrays, name: value(arrays[name]) if callable(value) else value}


ARRAY_CASES = {
    "class_of as float": (lambda a: _changed(a, "class_of", lambda x: x.astype(np.float64)), "'class_of' is float64"),
    "a short map": (lambda a: _changed(a, "map.umap", lambda x: x[:10]), "'map.umap' has shape (10, 2)"),
    "a NaN map": (lambda a: _changed(a, "map.pca", lambda x: np.full_like(x, np.nan)), "'map.pca' holds NaN"),
    "neighbours past the end": (lambda a: _changed(a, "neighbours", lambda x: x + 100_000), "'neighbours' names rows"),
    "negative seeds": (lambda a: _changed(a, "seeds", lambda x: np.full_like(x, -5)), "'seeds' names rows"),
    "decoded rows past the end": (lambda a: _changed(a, "path_decoded", lambda x: np.full_like(x, 10**8)),
                                  "'path_decoded' names rows"),
    "a path map of other step sizes": (lambda a: _changed(a, "path_map.umap", lambda x: x[:, :3]),
                                       "'path_map.umap' has shape"),
    "a path for no map": (lambda a: {**a, "path_map.tsne": a["path_map.umap"]}, "'path_map.tsne' is for a map"),
    "a tensor of its own": (lambda a: {**a, "extra": np.zeros(3, np.float32)}, "unexpected tensor 'extra'"),
}
META_CASES = {
    "labels a number": ({"labels": 5}, "'labels' must be"),
    "n_table a string": ({"n_table": "x"}, "'n_table' must be"),
    "n_table past the labels": ({"n_table": 10**6}, "'n_table' must be"),
    "no space": ({"space": None}, "'space' must be a string"),
    "meta a list": ({"meta": [1, 2]}, "'meta' must be an object"),
    "lower_is_better a string": ({"lower_is_better": "no"}, "'lower_is_better' must be"),
}


@pytest.mark.parametrize("case", sorted(ARRAY_CASES))
def test_an_atlas_of_hostile_arrays_is_one_error_naming_the_tensor(tmp_path, shipped, case):
    meta, arrays = shipped
    change, says = ARRAY_CASES[case]
    with pytest.raises(ValueError, match="a.safetensors: .*" + says.replace("(", r"\(").replace(")", r"\)")):
        Atlas.load(_save(tmp_path, meta, change(arrays)))


@pytest.mark.parametrize("case", sorted(META_CASES))
def test_an_atlas_of_hostile_fields_is_one_error_naming_the_field(tmp_path, shipped, case):
    meta, arrays = shipped
    change, says = META_CASES[case]
    with pytest.raises(ValueError, match="a.json: " + says):
        Atlas.load(_save(tmp_path, {**meta, **change}, arrays))


def test_the_shipped_atlas_saved_again_loads(tmp_path, shipped):
    atlas = Atlas.load(_save(tmp_path, *shipped))
    assert len(atlas.labels) == len(atlas.class_of) and set(atlas.maps) == {"umap", "pca"}


def test_export_page_names_a_hostile_atlas_in_one_line(tmp_path, shipped, capsys):
    """Through the command: `labels` a number was a TypeError traceback (exit 1)."""
    from naoviz.cli import main
    meta, arrays = shipped
    base = _save(tmp_path, {**meta, "labels": 5}, arrays)
    assert main(["export-page", str(tmp_path / "p.html"), "--atlas", str(base)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--atlas" in err[0] and "'labels'" in err[0], err
    assert not (tmp_path / "p.html").exists()

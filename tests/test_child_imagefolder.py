"""Your own images (``imagefolder:PATH``): torchvision's folder convention read with Pillow, a seeded
per-class split, train-split statistics, and one-line errors naming the folder or file."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from _images import make_folder

from naoviz.child import load_data
from naoviz.child.data import check_data_name
from naoviz.child.imagefolder import load_imagefolder, scan_folder
from naoviz.cli import main
from naoviz.errors import NaovizError

torch.set_num_threads(1)
ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"


def test_folder_convention_split_and_statistics(tmp_path):
    root = make_folder(tmp_path / "imgs")
    scan = scan_folder(root)
    assert scan.classes == ["cat", "dog", "eel"] and len(scan.files) == 18
    assert [f.name for f in scan.files if f.parent.name == "deeper"] == ["5.png"]
    (root / "dog" / "deeper" / "loop").symlink_to(root / "dog", target_is_directory=True)   # a cycle
    assert len(scan_folder(root).files) == 18           # every real folder is read once: no loop, no duplicates
    (root / "dog" / "deeper" / "loop").unlink()
    d = load_imagefolder(root, image_size=8, seed=0)
    assert d.num_classes == 3 and d.classes == ("cat", "dog", "eel") and d.image_shape == (3, 8, 8)
    assert d.sizes() == {"train": 12, "valid": 3, "test": 3}          # per class 4 / 1 / 1
    for split in (d.train, d.valid, d.test):                           # stratified: every class in every split
        assert split[0].dtype == torch.uint8 and set(split[1].tolist()) == {0, 1, 2}
    x = d.train[0].double()
    assert np.allclose(d.mean, x.mean(dim=(0, 2, 3)).numpy()) and np.allclose(d.std, x.std(dim=(0, 2, 3), correction=0))
    # Grey became three equal channels; colours kept their channel order (red class: red channel highest).
    everything = torch.cat([d.train[0], d.valid[0], d.test[0]])
    labels = torch.cat([d.train[1], d.valid[1], d.test[1]])
    grey = [img for img in everything if (img == 128).all()]
    assert len(grey) == 1
    reds = everything[labels == 0].double().mean(dim=(0, 2, 3))
    assert reds[0] > reds[1] and reds[0] > reds[2]
    # Seeded: same seed, same split; another seed, another split.
    again = load_imagefolder(root, image_size=8, seed=0)
    assert torch.equal(again.valid[0], d.valid[0]) and torch.equal(again.train[1], d.train[1])
    other = load_imagefolder(root, image_size=8, seed=1)
    assert not torch.equal(other.train[0], d.train[0])
    # load_data by name; the stored name is absolute.
    via_name = load_data(f"imagefolder:{root}", seed=0, image_size=8)
    assert torch.equal(via_name.train[0], d.train[0]) and via_name.name == f"imagefolder:{root}"
    assert check_data_name("imagefolder:rel/imgs").startswith("imagefolder:/")


def test_train_child_on_an_image_folder(tmp_path, capsys):
    root = make_folder(tmp_path / "imgs")
    code = main(["train-child", "--arch", ARCH, "--data", f"imagefolder:{root}", "--image-size", "8",
                 "--preset", "digits-quick", "--epochs", "1", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    r = json.loads(out.out)
    assert r["data"] == f"imagefolder:{root}" and r["epochs"] == 1
    assert all(0.0 <= r[k] <= 100.0 for k in ("train_acc", "valid_acc", "test_acc"))
    code = main(["train-child", "--arch", ARCH, "--data", f"imagefolder:{root}", "--image-size", "8",
                 "--preset", "digits-quick", "--epochs", "1"])
    out = capsys.readouterr()                     # says what it read: the classes and each split's images
    assert code == 0, out.err
    assert "data: 3 classes (cat, dog, eel), 12/3/3 train/valid/test images of 8x8" in out.out.splitlines()[0]


def _error(capsys, *argv) -> str:
    code = main(["train-child", "--arch", ARCH, *argv])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_bad_folders_fail_in_one_line_naming_the_folder_or_file(tmp_path, capsys):
    assert "no such folder" in _error(capsys, "--data", f"imagefolder:{tmp_path / 'nope'}")
    (tmp_path / "file.png").write_bytes(b"x")
    assert "is a file, not a folder" in _error(capsys, "--data", f"imagefolder:{tmp_path / 'file.png'}")
    (tmp_path / "empty").mkdir()
    assert "no class folders" in _error(capsys, "--data", f"imagefolder:{tmp_path / 'empty'}")
    one = make_folder(tmp_path / "one")
    for name in ("dog", "eel"):
        for f in sorted((one / name).rglob("*"), reverse=True):
            f.unlink() if f.is_file() else f.rmdir()
        (one / name).rmdir()
    assert "only one class folder ('cat')" in _error(capsys, "--data", f"imagefolder:{one}")
    hollow = make_folder(tmp_path / "hollow")
    (hollow / "fox").mkdir()
    (hollow / "fox" / "readme.txt").write_text("no images here")
    assert "class folder 'fox' holds no images" in _error(capsys, "--data", f"imagefolder:{hollow}")
    corrupt = make_folder(tmp_path / "corrupt")
    (corrupt / "eel" / "2.jpg").write_bytes(b"\xff\xd8 truncated jpeg")
    err = _error(capsys, "--data", f"imagefolder:{corrupt}", "--checkpoint-dir", str(tmp_path / "ck"))
    assert f"{corrupt / 'eel' / '2.jpg'}: not a readable image" in err
    assert not any((tmp_path / "ck").iterdir())                   # nothing written
    assert "--image-size: only with --data imagefolder" in _error(capsys, "--image-size", "8")
    assert "--data: expected digits" in _error(capsys, "--data", "imagefolder:")


def test_caps_and_too_small_folders(tmp_path):
    root = make_folder(tmp_path / "imgs")
    with pytest.raises(NaovizError, match="more than 5 images"):
        load_imagefolder(root, max_images=5)
    with pytest.raises(NaovizError, match=r"18 images at 64x64 need 0\.0 GiB .* cap"):
        load_imagefolder(root, image_size=64, max_bytes=10_000)
    with pytest.raises(ValueError, match="image_size: must be an int in 4..512, got 2"):
        load_imagefolder(root, image_size=2)
    tiny = make_folder(tmp_path / "tiny", per_class=2)
    with pytest.raises(NaovizError, match="too few images for a train/valid/test split"):
        load_imagefolder(tiny)


def test_hidden_folders_are_no_class_and_a_pipe_is_refused_before_any_read(tmp_path, capsys):
    """A Jupyter ``.ipynb_checkpoints`` folder and a zip's ``__MACOSX`` (with macOS's ``._0.png`` files) are
    neither classes nor images; an image name that is a pipe (a read would block for ever) or a broken link
    is one line naming it, exit 2, before any image is decoded."""
    plain = make_folder(tmp_path / "plain")
    messy = make_folder(tmp_path / "messy")
    (messy / ".ipynb_checkpoints").mkdir()
    (messy / "__MACOSX" / "cat").mkdir(parents=True)
    (messy / "__MACOSX" / "cat" / "._1.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (messy / "cat" / "._1.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    got, want = load_imagefolder(messy, image_size=8), load_imagefolder(plain, image_size=8)
    assert got.classes == want.classes == ("cat", "dog", "eel")
    assert torch.equal(got.train[0], want.train[0]) and torch.equal(got.test[1], want.test[1])
    piped = make_folder(tmp_path / "piped")
    import os
    os.mkfifo(piped / "dog" / "pipe.png")
    assert f"{piped / 'dog' / 'pipe.png'}: not a regular file" in _error(capsys, "--data", f"imagefolder:{piped}")
    linked = make_folder(tmp_path / "linked")
    (linked / "eel" / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")
    assert f"{linked / 'eel' / 'gone.jpg'}: not a regular file" in _error(capsys, "--data", f"imagefolder:{linked}")


def test_build_table_on_an_image_folder_says_what_it_read_and_writes_a_table_that_reads(tmp_path, capsys):
    """A researcher's images to a table of their own: build-table names the classes and splits it read, and
    the CSV it writes is read back by --table's reader (percent accuracies, one row per cell)."""
    from naoviz.tables.user_table import load_table_file
    root = make_folder(tmp_path / "imgs")
    out = tmp_path / "own.csv"
    code = main(["build-table", "--data", f"imagefolder:{root}", "--image-size", "8", "--epochs", "1",
                 "--archs", "2", "--channels", "4", "--cells", "1", "--store", str(tmp_path / "b.db"),
                 "--out", str(out)])
    text = capsys.readouterr()
    assert code == 0, text.err
    assert "data: 3 classes (cat, dog, eel), 12/3/3 train/valid/test images of 8x8" in text.out
    table = load_table_file(out)
    assert len(table) == 2 and 0 <= table.frame["valid_acc"].min() <= table.frame["valid_acc"].max() <= 100

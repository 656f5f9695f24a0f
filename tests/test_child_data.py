"""Child-trainer data: digits, the CIFAR pickle reader (restricted unpickler), bad files, augmentation."""
from __future__ import annotations

import io
import os
import pickle
import struct
import tarfile

import numpy as np
import pytest
import torch

from naoviz.child.cifar import read_cifar
from naoviz.child.data import augment_batch, load_cifar_data, load_data
from naoviz.errors import DataMissingError, NaovizError


def test_digits_are_real_images_split_reproducibly():
    d = load_data("digits", seed=0)
    assert d.sizes() == {"train": 1077, "valid": 360, "test": 360}
    assert d.image_shape == (3, 16, 16) and d.num_classes == 10
    assert d.train[0].dtype == torch.uint8 and set(d.train[1].tolist()) == set(range(10))
    again = load_data("digits", seed=0)
    assert torch.equal(d.test[0], again.test[0])
    assert not torch.equal(d.test[1], load_data("digits", seed=1).test[1])


def _batch(n, seed, label_key=b"labels", classes=10):
    rng = np.random.default_rng(seed)
    return {b"batch_label": b"test batch", label_key: rng.integers(0, classes, n).tolist(),
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), b"filenames": [b"x.png"] * n}


def _write_cifar10(root, n=8):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        (folder / name).write_bytes(pickle.dumps(_batch(n, i), protocol=2))
    return folder


def test_cifar10_folder_and_archive_read_identically(tmp_path):
    folder = _write_cifar10(tmp_path / "a")
    raw = read_cifar("cifar10", tmp_path / "a")
    assert raw["train"][0].shape == (40, 3, 32, 32) and raw["test"][0].shape == (8, 3, 32, 32)
    expected = _batch(8, 0)
    assert np.array_equal(raw["train"][0][:8].reshape(8, -1), expected[b"data"])
    assert raw["train"][1][:8].tolist() == expected[b"labels"]
    (tmp_path / "b").mkdir()
    with tarfile.open(tmp_path / "b" / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    packed = read_cifar("cifar10", tmp_path / "b")
    assert np.array_equal(packed["train"][0], raw["train"][0])
    data = load_cifar_data("cifar10", tmp_path / "b", valid=10)
    assert data.sizes() == {"train": 30, "valid": 10, "test": 8}
    assert data.augment == {"crop_pad": 4, "flip": True, "cutout": 16}


class _Py2Pickler(pickle._Pickler):
    """Writes what Python 2's cPickle wrote for the original archives: str as BINSTRING, numpy.core globals."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_bytes(self, obj):
        n = len(obj)
        head = pickle.SHORT_BINSTRING + bytes([n]) if n < 256 else pickle.BINSTRING + struct.pack("<i", n)
        self.write(head + obj)
        self.memoize(obj)

    def save_str(self, obj):
        self.save_bytes(obj.encode("latin-1"))

    def save_global(self, obj, name=None):
        module = obj.__module__.replace("numpy._core", "numpy.core")
        self.write(pickle.GLOBAL + f"{module}\n{name or obj.__qualname__}\n".encode())
        self.memoize(obj)

    dispatch[bytes], dispatch[str], dispatch[type] = save_bytes, save_str, save_global


def test_reads_python2_pickles_like_the_original_archive(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        batch = {k.decode(): (v.decode() if isinstance(v, bytes) else v) for k, v in _batch(4, i).items()}
        batch["filenames"] = ["a.png"] * 4
        buf = io.BytesIO()
        _Py2Pickler(buf, protocol=2).dump(batch)
        assert b"numpy.core.multiarray\n_reconstruct" in buf.getvalue()
        (folder / name).write_bytes(buf.getvalue())
    raw = read_cifar("cifar10", tmp_path)
    assert np.array_equal(raw["test"][0].reshape(4, -1), _batch(4, 5)[b"data"])
    assert raw["train"][1].tolist()[:4] == _batch(4, 0)[b"labels"]


def test_cifar100_uses_fine_labels(tmp_path):
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    for i, name in enumerate(("train", "test")):
        (folder / name).write_bytes(pickle.dumps(_batch(6, i, b"fine_labels", 100), protocol=4))
    data = load_data("cifar100", directory=tmp_path, valid=2)
    assert data.num_classes == 100 and data.sizes() == {"train": 4, "valid": 2, "test": 6}


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_reader_refuses_code_in_pickles(tmp_path):
    folder = _write_cifar10(tmp_path)
    (folder / "data_batch_3").write_bytes(pickle.dumps({b"data": _Evil(), b"labels": []}, protocol=2))
    with pytest.raises(NaovizError, match=r"data_batch_3.*refusing to load (posix|os|nt)\.system"):
        read_cifar("cifar10", tmp_path)
    assert not (tmp_path / "pwned").exists() and not os.path.exists("pwned")


@pytest.mark.parametrize("payload,pattern", [
    (b"\x80\x02}q\x00(X", "data_batch_2: not a readable CIFAR batch"),
    (pickle.dumps([1, 2, 3], protocol=2), "data_batch_2: expected a dict"),
    (pickle.dumps({b"data": np.zeros((2, 10), np.uint8), b"labels": [0, 1]}), r"data_batch_2: b'data' must be"),
    (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}), "data_batch_2: 2 images but 1 labels"),
])
def test_corrupt_batches_name_the_file(tmp_path, payload, pattern):
    folder = _write_cifar10(tmp_path)
    (folder / "data_batch_2").write_bytes(payload)
    with pytest.raises(NaovizError, match=pattern):
        read_cifar("cifar10", tmp_path)


def test_missing_data_names_the_path(tmp_path):
    with pytest.raises(DataMissingError, match="cifar-10-batches-py"):
        read_cifar("cifar10", tmp_path)
    folder = _write_cifar10(tmp_path)
    (folder / "test_batch").unlink()
    with pytest.raises(DataMissingError, match="test_batch: missing CIFAR file"):
        read_cifar("cifar10", tmp_path)
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "cifar-10-python.tar.gz").write_bytes(b"not a tarball")
    with pytest.raises(NaovizError, match=r"cifar-10-python.tar.gz: corrupt archive"):
        read_cifar("cifar10", tmp_path / "x")
    with pytest.raises(ValueError, match="unknown dataset 'mnist'"):
        load_data("mnist")


def test_augment_batch_is_seeded_and_cuts_a_hole():
    x = torch.ones(8, 3, 16, 16)
    a = augment_batch(x, 2, True, 4, torch.Generator().manual_seed(0))
    b = augment_batch(x, 2, True, 4, torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and a.shape == x.shape
    hole = augment_batch(x, 0, False, 4, torch.Generator().manual_seed(1))
    zeros = (hole == 0).all(1).sum((1, 2))
    assert ((zeros > 0) & (zeros <= 16)).all()
    img = torch.arange(1, 17.).view(1, 1, 4, 4).repeat(32, 1, 1, 1)
    crops = augment_batch(img, 1, False, 0, torch.Generator().manual_seed(2))
    shifted = [not torch.equal(c, img[0]) for c in crops]
    assert any(shifted) and not all(shifted)                    # 1 of 9 offsets keeps the image
    for c in crops:                                             # a shifted copy padded with zeros
        inner = c[c > 0]
        assert torch.all(inner[1:] >= inner[:-1] - 4 * 1) and set(inner.tolist()) <= set(range(1, 17))

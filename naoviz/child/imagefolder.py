"""Your own images: ``imagefolder:PATH``, one sub-folder per class, read with Pillow into uint8 tensors.

The folder convention is torchvision's ``ImageFolder``: classes are the sorted sub-folder names, a class's
images are the files under its folder (recursively, sorted) whose extension (any case) is one of
:data:`IMAGE_EXTENSIONS`; other files, and hidden ones or folders (``.ipynb_checkpoints``, ``__MACOSX``), are
ignored; an image name that is no regular file (a pipe, a broken link) is refused before any is read. Every image is converted to RGB (grey, palette and alpha
images alike, as torchvision's default loader does) and resized to ``image_size`` x ``image_size``
(bilinear, antialiased when shrinking). The split is per class and seeded. Everything is checked, and
every image decoded, before a tensor is handed out: a bad folder or file raises one line naming it, and
nothing is written anywhere.
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from naoviz.errors import NaovizError, cut, cut_path

PREFIX = "imagefolder:"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")  # torchvision's
DEFAULT_IMAGE_SIZE = 32
MAX_IMAGE_SIZE = 512
MAX_IMAGES = 200_000                 # images in one folder tree (a typo'd path to a photo library stops here)
MAX_BYTES = 4 * 2**30                # the uint8 tensor of all images, (n, 3, size, size)


def is_imagefolder(name: object) -> bool:
    return isinstance(name, str) and name.startswith(PREFIX)


def folder_of(name: str) -> Path:
    """The folder of ``imagefolder:PATH`` (``~`` expanded, made absolute); ``ValueError`` when PATH is empty."""
    text = name[len(PREFIX):] if is_imagefolder(name) else ""
    if not text.strip() or "\x00" in text:
        raise ValueError(f"data: expected imagefolder:PATH with a folder path, got {cut(repr(name))}")
    return Path(os.path.abspath(os.path.expanduser(text)))


def check_image_size(image_size: object) -> int:
    if isinstance(image_size, bool) or not isinstance(image_size, int) or not 4 <= image_size <= MAX_IMAGE_SIZE:
        raise ValueError(f"image_size: must be an int in 4..{MAX_IMAGE_SIZE}, got {cut(repr(image_size))}")
    return image_size


@dataclass
class FolderScan:
    """What a folder holds: class names (sorted sub-folders), image paths and their labels ``(n,)``."""

    root: Path
    classes: list[str]
    files: list[Path]
    labels: np.ndarray


def _is_hidden(name: str) -> bool:
    """A hidden file or folder (``.ipynb_checkpoints``, macOS's ``._x.png``) or a zip's ``__MACOSX`` folder:
    no class and no image (torchvision would count ``.ipynb_checkpoints`` as an empty class)."""
    return name.startswith(".") or name == "__MACOSX"


def _is_image(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTENSIONS)


def scan_folder(root: Path, max_images: int = MAX_IMAGES) -> FolderScan:
    """The classes and image files under ``root``; ``NaovizError`` naming the folder when it is missing, not
    a folder, holds fewer than two class folders, a class folder without images, or more than ``max_images``."""
    root = Path(root)
    where = f"imagefolder:{cut_path(root)}"
    if not root.exists():
        raise NaovizError(f"data: {where}: no such folder")
    if not root.is_dir():
        raise NaovizError(f"data: {where}: is a file, not a folder of class folders")
    try:
        classes = sorted(e.name for e in os.scandir(root) if e.is_dir() and not _is_hidden(e.name))
    except OSError as exc:
        raise NaovizError(f"data: {where}: cannot list the folder ({exc.strerror or exc})") from None
    if not classes:
        raise NaovizError(f"data: {where}: no class folders (expected one sub-folder of images per class)")
    if len(classes) < 2:
        raise NaovizError(f"data: {where}: only one class folder ({cut(classes[0], 60)!r}); a classifier "
                          "needs at least two")
    files: list[Path] = []
    labels: list[int] = []
    for label, name in enumerate(classes):
        found, visited = 0, set()
        for folder, dirs, names in os.walk(root / name, followlinks=True):   # top-down, so pruning works
            real = os.path.realpath(folder)
            if real in visited:                      # a symlink back up the tree: read each folder once
                dirs[:] = []
                continue
            visited.add(real)
            dirs[:] = sorted(d for d in dirs if not _is_hidden(d))
            for f in sorted(names):
                if _is_image(f) and not _is_hidden(f):
                    if not os.path.isfile(os.path.join(folder, f)):     # a pipe would block the read for ever
                        raise NaovizError(f"data: {cut(Path(folder) / f, 200)}: not a regular file (a pipe, a "
                                          "device or a broken link); remove it from the image folder")
                    files.append(Path(folder) / f)
                    labels.append(label)
                    found += 1
                    if len(files) > max_images:
                        raise NaovizError(f"data: {where}: more than {max_images:,} images (the cap); use a "
                                          "smaller folder")
        if not found:
            raise NaovizError(f"data: {where}: class folder {cut(name, 60)!r} holds no images "
                              f"({', '.join(IMAGE_EXTENSIONS)})")
    return FolderScan(root, classes, files, np.asarray(labels, dtype=np.int64))


def split_indices(labels: np.ndarray, valid_frac: float, test_frac: float, seed: int):
    """Seeded per-class split: a class of n >= 3 images gives max(1, round(n * frac)) to valid and to test
    (at least one image stays in train); smaller classes stay in train. ``(train, valid, test)`` index arrays."""
    rng = np.random.default_rng(seed)
    parts: tuple[list, list, list] = ([], [], [])
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n = len(idx)
        n_valid = n_test = 0
        if n >= 3:
            n_valid = max(1, int(n * valid_frac + 0.5))
            n_test = max(1, int(n * test_frac + 0.5))
            while n - n_valid - n_test < 1:
                if n_valid >= n_test:
                    n_valid -= 1
                else:
                    n_test -= 1
        parts[1].append(idx[:n_valid])
        parts[2].append(idx[n_valid:n_valid + n_test])
        parts[0].append(idx[n_valid + n_test:])
    return tuple(np.concatenate(p).astype(np.int64) for p in parts)


def read_image(path: Path, size: int) -> np.ndarray:
    """One image as uint8 ``(3, size, size)``; ``NaovizError`` naming the file when Pillow cannot decode it."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.load()                                  # decode now: a truncated file fails here
                rgb = img.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        why = " ".join(str(exc).replace(f"'{path}'", "").split())    # PIL's text repeats the path
        raise NaovizError(f"data: {cut(path, 120)}: not a readable image ({type(exc).__name__}: "
                          f"{cut(why, 60)})") from None
    return np.asarray(rgb, dtype=np.uint8).transpose(2, 0, 1)


def load_imagefolder(root, image_size: int = DEFAULT_IMAGE_SIZE, seed: int = 0, valid_frac: float = 0.1,
                     test_frac: float = 0.1, max_images: int = MAX_IMAGES, max_bytes: int = MAX_BYTES,
                     flip: bool = True):
    """:class:`~naoviz.child.data.ChildData` from a folder of class folders (see the module docstring);
    mean/std per channel from the train split; augmentation: random crop (pad size/8) and, with ``flip``,
    horizontal flips."""
    from naoviz.child.data import ChildData, _stats, _tensors

    check_image_size(image_size)
    for name, value in (("valid_frac", valid_frac), ("test_frac", test_frac)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 0.5:
            raise ValueError(f"{name}: must be a number in (0, 0.5), got {cut(repr(value))}")
    root = Path(root)
    scan = scan_folder(root, max_images)
    n, where = len(scan.files), f"imagefolder:{cut_path(root)}"
    need = n * 3 * image_size * image_size
    if need > max_bytes:
        raise NaovizError(f"data: {where}: {n:,} images at {image_size}x{image_size} need {need / 2**30:.1f} GiB "
                          f"in memory, above the {max_bytes / 2**30:.1f} GiB cap; use a smaller --image-size")
    train, valid, test = split_indices(scan.labels, valid_frac, test_frac, seed)
    if not len(valid) or not len(test):
        raise NaovizError(f"data: {where}: too few images for a train/valid/test split (every class has fewer "
                          "than 3 images)")
    x = np.empty((n, 3, image_size, image_size), dtype=np.uint8)
    for i, path in enumerate(scan.files):
        x[i] = read_image(path, image_size)
    y = scan.labels
    mean, std = _stats(x[train])
    tr, va, te = _tensors((x[train], y[train]), (x[valid], y[valid]), (x[test], y[test]))
    return ChildData(f"{PREFIX}{root}", tr, va, te, len(scan.classes), mean, std,
                     {"crop_pad": max(1, image_size // 8), "flip": bool(flip)}, tuple(scan.classes))

"""A tiny image folder for tests: 3 classes of noisy single-colour 10x10 images, written with Pillow."""
from __future__ import annotations

import numpy as np
from PIL import Image

COLOURS = {"cat": (220, 30, 30), "dog": (30, 200, 40), "eel": (40, 40, 230)}


def make_folder(root, per_class: int = 6, seed: int = 0):
    """3 classes x ``per_class`` 10x10 images of one noisy colour each: PNG, ``eel`` as JPEG; one grey and one
    RGBA image, an upper-case extension, a nested folder and a non-image file the reader must skip."""
    rng = np.random.default_rng(seed)
    for name, colour in COLOURS.items():
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            a = np.clip(np.array(colour)[None, None] + rng.normal(0, 20, (10, 10, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(a).save(root / name / (f"{i}.jpg" if name == "eel" else f"{i}.png"))
    if per_class < 6:
        return root
    (root / "cat" / "0.png").unlink()
    Image.fromarray(np.full((10, 10), 128, np.uint8), "L").save(root / "cat" / "0.PNG")        # grey, upper case
    (root / "dog" / "deeper").mkdir()
    (root / "dog" / "5.png").rename(root / "dog" / "deeper" / "5.png")                       # nested: still dog
    Image.fromarray(np.zeros((12, 7, 4), np.uint8), "RGBA").save(root / "dog" / "4.png")     # alpha, not square
    (root / "dog" / "notes.txt").write_text("not an image")
    return root

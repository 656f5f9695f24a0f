"""Worker process for the lock tests; hand-shakes with the test through files in DIR (no sleeps to guess).

usage: python _lock_worker.py hold LOCK DIR        take LOCK, touch DIR/held, wait for DIR/release
       python _lock_worker.py train DIR first      load_or_train the tiny model; on its first epoch touch
                                                   DIR/training and wait for DIR/release (holding the lock)
       python _lock_worker.py train DIR second     load_or_train the same model; on_wait touches DIR/waiting
       python _lock_worker.py train DIR any        load_or_train the same model, no hand-shake
       python _lock_worker.py atlas DIR first      atlas_for a tiny digits atlas; on its first build stage
                                                   touch DIR/building and wait for DIR/release (holding the lock)
       python _lock_worker.py atlas DIR second     atlas_for the same atlas; on_wait touches DIR/waiting, the
                                                   first progress it shows (the builder's) DIR/saw-progress
Prints one JSON line (train: whether torch._dynamo got imported too). Waits give up after 120 s so a broken
test never hangs.
"""
import json
import os
import sys
import time
from pathlib import Path


def wait_for(path: Path, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > end:
            raise SystemExit(f"timed out waiting for {path}")
        time.sleep(0.02)


SPEC = dict(n_train=60, overrides={"epochs": 5, "hidden_size": 16, "mlp_hidden": 16, "batch_size": 30})

mode = sys.argv[1]
if mode == "hold":
    from naoviz.locks import lock
    lock_path, folder = Path(sys.argv[2]), Path(sys.argv[3])
    with lock(lock_path, wait=False):
        (folder / "held").touch()
        wait_for(folder / "release")
    print(json.dumps({"pid": os.getpid()}), flush=True)
elif mode == "train":
    import torch
    torch.set_num_threads(1)
    from naoviz.nao.cache import ModelSpec, load_or_train
    from naoviz.tables import load_nb201
    folder, role = Path(sys.argv[2]), sys.argv[3]
    epochs, waited = [], []

    def callback(epoch, logs):
        epochs.append(epoch)
        if role == "first" and len(epochs) == 1:
            (folder / "training").touch()      # the lock is held from here until DIR/release
            wait_for(folder / "release")

    def on_wait():
        waited.append(True)
        (folder / "waiting").touch()

    nao, cached = load_or_train(load_nb201(), ModelSpec(**SPEC), callback=callback, on_wait=on_wait)
    print(json.dumps({"role": role, "pid": os.getpid(), "cached": cached, "waited": bool(waited),
                      "epochs": len(epochs), "dynamo": "torch._dynamo" in sys.modules}), flush=True)
elif mode == "atlas":
    import torch
    torch.set_num_threads(1)
    from naoviz.atlas_cache import atlas_for
    from naoviz.nao.cache import ModelSpec
    from naoviz.tables import Benchmark, load_benchmark
    folder, role = Path(sys.argv[2]), sys.argv[3]
    stages, waited, seen = [], [], []          # seen: progress shown while waiting (the builder's, from its file)
    digits = load_benchmark("nb201-digits")
    head = Benchmark("digits-head", digits.space, digits.frame.iloc[:300])     # small: the lock is the point

    def progress(stage, done, total):
        if waited:
            seen.append(stage)
            if len(seen) == 1:
                (folder / "saw-progress").touch()   # read from the builder's file while it holds the lock
            return
        stages.append(stage)
        if role == "first" and len(stages) == 1:
            (folder / "building").touch()      # the atlas lock is held from here until DIR/release
            wait_for(folder / "release")

    def on_wait():
        waited.append(True)
        (folder / "waiting").touch()

    atlas = atlas_for(head, ModelSpec(**SPEC), etas=[0, 1, 2], seeds=[0, 1, 2],
                      maps=("pca",), progress=progress, on_wait=on_wait)
    print(json.dumps({"role": role, "pid": os.getpid(), "built": bool(stages), "waited": bool(waited),
                      "saw_progress": bool(seen),
                      "model_key": atlas.model_key, "decoded": atlas.path_decoded.tolist()}), flush=True)
else:
    raise SystemExit(f"unknown mode {mode!r}")

"""``naoviz train-child``: train one child network (NB201 or NAONet cell) and print its metrics."""
from __future__ import annotations

import argparse
import re

from naoviz.cli.common import (cut, emit_json, float_in, int_in, nonempty, option_error, path_arg, readable_dir,
                               show, writable_dir)

SPACE_CHOICES = ("nb201", "naonet", "naonet-ws")
DATA_CHOICES = ("digits", "cifar10", "cifar100", "synthetic")     # and imagefolder:PATH (your own images)
PRESET_CHOICES = ("digits-quick", "digits-table")        # naoviz.child.presets.PRESETS (checked by a test)
# Without --preset: the trainer's defaults (PT-V1's recipe) on digits.
PLAIN = {"data": "digits", "epochs": 10, "batch_size": 128, "lr": 0.025, "weight_decay": 3e-4, "channels": None,
         "cells": None, "seed": 0, "device": "auto", "threads": None}
# Bounds shared with build-table (naoviz.child.trainer / naoviz.child.build check them again).
MAX_EPOCHS, MAX_BATCH, MAX_CHANNELS, MAX_CELLS, MAX_CHILD_SEED = 10_000, 65_536, 256, 16, 2**32 - 1
_DEVICE = re.compile(r"auto|cpu|mps|cuda(:[0-9]{1,3})?")


def device_name(text: str) -> str:
    """``type=`` for --device: auto, cpu, cuda, cuda:N or mps (availability is checked before training)."""
    if not _DEVICE.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"expected auto, cpu, cuda, cuda:N or mps, got {show(text)}")
    return text.strip()


def data_name(text: str) -> str:
    """``type=`` for --data: one of DATA_CHOICES or imagefolder:PATH (the folder is checked before training)."""
    s = text.strip()
    if s in DATA_CHOICES:
        return s
    if s.startswith("imagefolder:") and s[len("imagefolder:"):].strip() and "\x00" not in s and len(s) <= 4096:
        return s
    raise argparse.ArgumentTypeError(f"expected {', '.join(DATA_CHOICES)} or imagefolder:PATH, got {show(text)}")


def add_data_options(p, default_help: str = "default: digits") -> None:
    """--data and --image-size, shared by train-child, build-table and search --evaluator train."""
    p.add_argument("--data", type=data_name, default=None, metavar="DATA",
                   help=f"digits, cifar10, cifar100, synthetic, or imagefolder:PATH (your own images, one "
                        f"sub-folder per class; docs/child.md) ({default_help})")
    p.add_argument("--image-size", type=int_in(4, 512), default=None, metavar="N",
                   help="imagefolder: resize every image to N x N (default 32)")


def check_image_size(args) -> None:
    """--image-size only means something for imagefolder data."""
    if args.image_size is not None and not str(args.data or "").startswith("imagefolder:"):
        raise ValueError(f"--image-size: only with --data imagefolder:PATH (got --data {args.data or 'digits'})")


def scan_data(name: str) -> None:
    """The quick checks of imagefolder data (folder exists, two or more classes, each with images), before
    any output is created; the images themselves are decoded when the data is loaded."""
    from naoviz.child.imagefolder import folder_of, is_imagefolder, scan_folder
    from naoviz.errors import NaovizError
    if is_imagefolder(name):
        try:
            scan_folder(folder_of(name))
        except (ValueError, NaovizError) as exc:
            raise option_error(exc, "data") from None


def load_data_option(name: str, seed: int, directory=None, image_size=None):
    """The dataset (loaded once per process, shared with ``train_metrics``), its ``data:`` / ``image_size:``
    errors named as the CLI options."""
    from naoviz.child.build_table import cached_data
    from naoviz.errors import NaovizError
    try:
        return cached_data(name, seed, None if directory is None else str(directory), image_size)
    except (ValueError, OSError, NaovizError) as exc:
        raise option_error(exc, "data", "image-size") from None


def add_parser(sub) -> None:
    p = sub.add_parser("train-child", help="train one child network on digits or CIFAR",
                       description="Train the macro network of one cell and report train/valid/test metrics. "
                                   "--arch takes the space's string or a reference cell name (e.g. NAONet-A).")
    p.add_argument("--space", choices=SPACE_CHOICES, default="nb201", help="the cell's search space (default nb201)")
    p.add_argument("--arch", required=True, type=nonempty("an architecture string", 10_000),
                   help="architecture string, or NAONet / NAONet-A / NAONet-WS / NAONet-B")
    p.add_argument("--preset", choices=PRESET_CHOICES, default=None,
                   help="a named recipe that sets --data, --epochs, --batch-size, --lr, --weight-decay, --channels, "
                        "--cells, --seed, --device and the CPU threads (flags given explicitly win): digits-quick "
                        "(the dashboard's Train a child tab: C=8, N=1, 4 epochs, batch 32, lr 0.05, 1 CPU thread) or "
                        "digits-table (the shipped digits table's settings)")
    add_data_options(p)
    p.add_argument("--epochs", type=int_in(1, MAX_EPOCHS), default=None, help="training epochs (default 10)")
    p.add_argument("--batch-size", type=int_in(1, MAX_BATCH), default=None, help="images per SGD step (default 128)")
    p.add_argument("--lr", type=float_in(0.0, 10.0, lo_open=True), default=None,
                   help="peak SGD learning rate, cosine-annealed to 0 (default 0.025)")
    p.add_argument("--weight-decay", type=float_in(0.0, 1.0), default=None, help="SGD weight decay (default 3e-4)")
    p.add_argument("--cutout", type=int_in(0, 64), default=None,
                   help="cutout square side in pixels, 0: none (default: 16 on CIFAR, 0 otherwise)")
    p.add_argument("--channels", type=int_in(1, MAX_CHANNELS), default=None,
                   help="width C / F (default 16 for nb201, 36 for naonet)")
    p.add_argument("--cells", type=int_in(1, MAX_CELLS), default=None,
                   help="cells per stage N (default 5 for nb201, 6 for naonet)")
    p.add_argument("--no-aux", action="store_true", help="NAONet: no auxiliary head")
    p.add_argument("--seed", type=int_in(0, MAX_CHILD_SEED), default=None,
                   help="seed of the initial weights, the batch order and the train/valid/test split (default 0)")
    p.add_argument("--device", default=None, type=device_name,
                   help="auto (CUDA, then MPS, then CPU; the default), cpu, cuda, cuda:N, mps")
    p.add_argument("--compile", action="store_true", help="torch.compile the network (CUDA only)")
    p.add_argument("--checkpoint-dir", metavar="DIR", default=None, type=path_arg,
                   help="save every epoch here and resume from it")
    p.add_argument("--data-dir", metavar="DIR", default=None, type=path_arg,
                   help="folder with the CIFAR archives (default: $NAOVIZ_DATA or the per-user data dir)")
    p.add_argument("--json", action="store_true", help="machine-readable output (with the per-epoch history)")
    p.set_defaults(func=run)


def _arch_text(space: str, text: str) -> str:
    from naoviz.spaces.naonet import REFERENCE_CELLS

    ref = REFERENCE_CELLS.get(text.strip())
    if ref is None:                                # an NB201 cell as a table of your own may write it: no outer |
        from naoviz.tables.user_table import cell_text
        return cell_text(text) if space == "nb201" and "~" in text else text
    if ref["space"] != space:
        raise ValueError(f"--arch: reference cell {show(text)} belongs to --space {ref['space']}, not {space}")
    return ref["arch"]


def _settings(args) -> dict:
    """The values to train with: each flag given explicitly, else the preset's value, else the plain default."""
    from naoviz.child.presets import get_preset

    base = dict(PLAIN)
    if args.preset is not None:
        preset = get_preset(args.preset)
        base.update({k: getattr(preset, k) for k in base})
    return {k: (getattr(args, k) if getattr(args, k, None) is not None else v) for k, v in base.items()}


def data_line(data) -> str:
    """What an image folder gave: ``2 classes (cat, dog), 8/2/2 train/valid/test images of 8x8``."""
    n = data.sizes()
    names = ", ".join(data.classes)
    names = names if len(names) <= 60 else names[:59] + "…"
    size = "x".join(map(str, data.image_shape[1:]))
    return (f"data: {len(data.classes)} classes ({names}), {n['train']}/{n['valid']}/{n['test']} "
            f"train/valid/test images of {size}")


def run(args) -> int:
    import torch

    from naoviz.child import NetOptions, TrainConfig, resolve_device, train_child
    from naoviz.errors import NaovizError
    from naoviz.spaces import get_space

    # Everything is checked before any data is read or any epoch runs.
    settings = _settings(args)
    for name, value in settings.items():
        if name != "threads":
            setattr(args, name, value)
    if settings["threads"] is not None:
        torch.set_num_threads(settings["threads"])
    elif torch.get_num_threads() > 4 and not torch.cuda.is_available():
        torch.set_num_threads(4)
    space = get_space(args.space)
    try:
        arch = space.parse(_arch_text(args.space, args.arch))
    except ValueError as exc:
        raise (exc if str(exc).startswith("--arch") else ValueError(f"--arch: {exc}")) from None
    try:
        resolve_device(args.device)
    except (ValueError, NaovizError) as exc:
        raise option_error(exc, "device") from None
    if args.data_dir is not None:
        readable_dir(args.data_dir, "--data-dir")
    check_image_size(args)
    scan_data(args.data)
    if args.checkpoint_dir is not None:
        writable_dir(args.checkpoint_dir, "--checkpoint-dir")
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                         weight_decay=args.weight_decay, cutout=args.cutout, seed=args.seed,
                         device=args.device, compile=args.compile, progress=not args.json,
                         checkpoint_dir=args.checkpoint_dir).validate()
    net = NetOptions(channels=args.channels, cells=args.cells, aux_head=not args.no_aux).validate()
    data = load_data_option(args.data, args.seed, args.data_dir, args.image_size)
    if data.classes and not args.json:             # your own images: say what was read before it trains
        print(data_line(data))
    if args.checkpoint_dir is not None:          # a stop's line: the epochs it finished are kept there
        args.interrupted_hint = (f"the epochs finished so far are in {cut(str(args.checkpoint_dir), 120)}; "
                                 "the same command resumes from them")
    result = train_child(space, arch, data, config, net)
    if args.json:
        emit_json(result.to_dict())
        return 0
    print(f"cell {result.arch}")
    print(f"{result.space} on {result.data} ({result.device}), {result.params / 1e6:.3f} M params, "
          f"{result.epochs} epoch{'' if result.epochs == 1 else 's'} in {result.wall_time_s:.1f} s "
          f"({result.images_per_s:.0f} images/s)")
    print(f"  train acc {result.train_acc:6.2f}%  loss {result.train_loss:.4f}")
    print(f"  valid acc {result.valid_acc:6.2f}%  loss {result.valid_loss:.4f}  (best {result.best_valid_acc:.2f}%)")
    print(f"  test  acc {result.test_acc:6.2f}%  loss {result.test_loss:.4f}")
    if args.checkpoint_dir is not None:        # where the epochs went, and what the same command does with them
        resumed = f"resumed after epoch {result.resumed_from_epoch}; " if result.resumed_from_epoch else ""
        print(f"checkpoint: {args.checkpoint_dir} ({resumed}the same command resumes from it)")
    return 0

"""``naoviz info``: versions, compute device and data status."""
from __future__ import annotations

import platform

from naoviz import __version__
from naoviz.cli.common import emit_json
from naoviz.paths import cache_dir, data_dir
from naoviz.user_docs import docs_dir


def add_parser(sub) -> None:
    p = sub.add_parser("info", help="versions, device and data status",
                       description="Print the naoviz, Python and torch versions, the device, the data, cache and "
                                   "docs folders, and which tables and image archives are installed (with the "
                                   "command that gets a missing one).")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def collect() -> dict:
    import torch

    from naoviz.tables.benchmark import NB201_FILES, REQUIRED, DIGITS_FILE
    from naoviz.resources import DIGITS_TABLE, resource_path

    if torch.cuda.is_available():
        device = f"cuda ({torch.cuda.get_device_name(0)})"
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        device = "mps"
    else:
        n = torch.get_num_threads()
        device = f"cpu ({n} thread{'' if n == 1 else 's'})"
    from naoviz.child.cifar import LAYOUTS

    folder = data_dir()
    docs = docs_dir()
    tables = {k: (folder / f).is_file() for k, f in NB201_FILES.items()}
    cifar = {name: (folder / layout[0]).is_dir() or (folder / layout[1]).is_file() for name, layout in LAYOUTS.items()}
    return {
        "naoviz": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "device": device,
        "data_dir": str(folder),
        "cache_dir": str(cache_dir()),
        "docs_dir": str(docs) if docs else None,          # None: `naoviz docs` says why
        "nb201_tables": tables,
        "nb201_ready": all(tables[k] for k in REQUIRED),
        "digits_table": resource_path(DIGITS_TABLE).is_file() or (folder / DIGITS_FILE).is_file(),
        "cifar": cifar,
    }


def _show(value) -> str:
    """``{"a": True, "b": False}`` -> ``a yes, b no``; None -> ``none``; anything else as it is."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_show(v)}" for k, v in value.items())
    return str(value)


def run(args) -> int:
    info = collect()
    if args.json:
        emit_json(info)
        return 0
    for key, value in info.items():
        print(f"{key:>13}: {_show(value)}")
    if not info["nb201_ready"]:
        print("\nNAS-Bench-201 tables missing: point NAOVIZ_DATA at their folder, or run "
              "`naoviz data download` or `naoviz data import DIR`"
              + ("; offline meanwhile: the shipped digits table, `--table nb201-digits` (`naoviz dashboard` opens it)."
                 if info["digits_table"] else "."))
    elif not info["nb201_tables"]["latency"]:
        print("\nNo NB201 latency table (only needed for latency_* budgets and objectives; `naoviz data download` "
              "does not fetch it): `naoviz data import HELP` with a clone of github.com/HayeonLee/HELP.")
    if not any(info["cifar"].values()):
        print("\nNo CIFAR images (only needed to train child networks on CIFAR): `naoviz data download cifar10`.")
    return 0

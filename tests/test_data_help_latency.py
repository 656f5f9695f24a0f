"""`naoviz data import` of a HELP checkout: latency .pt files read with a pickle loader refusing all globals.

The HELP .pt files themselves are not available offline, so the checkout here is written with real
``torch.save`` from the published latency table (same layout: data/nasbench201/latency/<device>.pt and
str_arch2idx.pt) and must convert back to that table byte for byte.
"""
from __future__ import annotations

import os
import pickle
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from _http_mirror import error_line

from naoviz.tables.help_latency import safe_load_pt
from naoviz.cli import main
from naoviz.errors import NaovizError
from naoviz.spaces.nb201 import NB201Space

SHARED = Path(os.environ["NAOVIZ_DATA"])
LATENCY = "nb201_latency_ms_help.csv"


@pytest.fixture(scope="module")
def help_checkout(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("HELP")
    folder = root / "data" / "nasbench201"
    (folder / "latency").mkdir(parents=True)
    table = pd.read_csv(SHARED / LATENCY)
    for device in table.columns[1:]:
        torch.save(table[device].tolist(), folder / "latency" / f"{device}.pt")
    space = NB201Space()
    torch.save({space.format(space.from_index(i)): i for i in range(15625)}, folder / "str_arch2idx.pt")
    return root


def _installed_base(folder: Path) -> Path:
    folder.mkdir()
    for name in ("nb201_cifar10valid_200ep.csv", "nb201_test_acc_200ep.csv"):
        shutil.copyfile(SHARED / name, folder / name)
    return folder


def test_import_converts_a_help_checkout(help_checkout, tmp_path, capsys):
    dest = _installed_base(tmp_path / "data")
    assert main(["data", "import", str(help_checkout), "--dir", str(dest)]) == 0
    assert "nb201_latency_ms_help.csv" in capsys.readouterr().out
    assert (dest / LATENCY).read_bytes() == (SHARED / LATENCY).read_bytes()
    from naoviz.tables import load_nb201
    assert load_nb201(dest).best("latency_fpga")[0] == 25


def _swap_pickle(pt: Path, payload: bytes) -> None:
    with zipfile.ZipFile(pt, "w") as archive:
        archive.writestr(f"{pt.stem}/data.pkl", payload)


class _Evil:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pickles_with_globals_or_tensors_are_refused(help_checkout, tmp_path, capsys):
    import torch

    evil = tmp_path / "HELP"
    shutil.copytree(help_checkout, evil)
    marker = tmp_path / "pwned"
    fpga = evil / "data" / "nasbench201" / "latency" / "fpga.pt"
    _swap_pickle(fpga, pickle.dumps([_Evil(marker)], protocol=2))
    dest = _installed_base(tmp_path / "data")
    assert main(["data", "import", str(evil), "--dir", str(dest)]) == 2
    err = error_line(capsys.readouterr().err)
    assert str(fpga) in err and "refused global" in err and "system" in err
    assert not marker.exists() and not (dest / LATENCY).exists()

    torch.save(torch.arange(3.0), fpga)                 # a tensor needs globals too: refused
    with pytest.raises(NaovizError, match="refused global torch"):
        safe_load_pt(fpga)
    fpga.write_bytes(b"not a zip")
    with pytest.raises(NaovizError, match="not a zip-format"):
        safe_load_pt(fpga)


def test_wrong_index_order_or_length_is_refused(help_checkout, tmp_path, capsys):
    import torch

    bad = tmp_path / "HELP"
    shutil.copytree(help_checkout, bad)
    folder = bad / "data" / "nasbench201"
    space = NB201Space()
    mapping = {space.format(space.from_index(i)): i for i in range(15625)}
    a, b = space.format(space.from_index(0)), space.format(space.from_index(1))
    mapping[a], mapping[b] = 1, 0
    torch.save(mapping, folder / "str_arch2idx.pt")
    dest = _installed_base(tmp_path / "data")
    assert main(["data", "import", str(bad), "--dir", str(dest)]) == 2
    assert "str_arch2idx.pt" in error_line(capsys.readouterr().err)
    shutil.copyfile(help_checkout / "data" / "nasbench201" / "str_arch2idx.pt", folder / "str_arch2idx.pt")
    torch.save([1.0] * 100, folder / "latency" / "pixel3.pt")
    assert main(["data", "import", str(bad), "--dir", str(dest)]) == 2
    err = error_line(capsys.readouterr().err)
    assert "pixel3.pt" in err and "15625" in err
    assert not (dest / LATENCY).exists()


# -- crafted pickles: one short line naming the file, never a crash, a traceback or a large allocation ----

N = 15625


def _floats(*head: bytes) -> bytes:
    """Protocol-2 pickle of a 15,625-entry list whose first entries are the opcodes ``head``."""
    import struct
    rest = N - len(head)
    return b"\x80\x02](" + b"".join(head) + b"".join(b"G" + struct.pack(">d", 1.0) for _ in range(rest)) + b"e."


def _deep_list(depth: int) -> bytes:
    return b"]" * depth + b"a" * (depth - 1)


def _unicode(text: str) -> bytes:
    data = text.encode()
    return b"X" + len(data).to_bytes(4, "little") + data


CRAFTED = {
    "huge-bytes-length": b"\x80\x04\x8e" + (2**62).to_bytes(8, "little") + b".",   # MemoryError today
    "deeply-nested-entry": _floats(_deep_list(100_000)),                           # RecursionError in repr today
    "megabyte-string-entry": _floats(_unicode("9" * 2**20)),                       # a 1 MB error line today
    "truncated": b"\x80\x02]q\x00(G",
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_latency_pickles_are_one_short_line(help_checkout, tmp_path, capsys, name):
    bad = tmp_path / "HELP"
    shutil.copytree(help_checkout, bad)
    fpga = bad / "data" / "nasbench201" / "latency" / "fpga.pt"
    _swap_pickle(fpga, CRAFTED[name])
    dest = _installed_base(tmp_path / "data")
    assert main(["data", "import", str(bad), "--dir", str(dest)]) == 2
    err = error_line(capsys.readouterr().err)
    assert str(fpga) in err and len(err) < len(str(fpga)) + 250, err[:500]
    assert not (dest / LATENCY).exists()


@pytest.mark.parametrize("mapping", [{i: i for i in range(N)}, {"|" * 2**20: 0, **{str(i): i for i in range(N - 1)}}],
                         ids=["int-keys", "megabyte-key"])
def test_crafted_index_files_are_one_short_line(help_checkout, tmp_path, capsys, mapping):
    bad = tmp_path / "HELP"
    shutil.copytree(help_checkout, bad)
    index = bad / "data" / "nasbench201" / "str_arch2idx.pt"
    _swap_pickle(index, pickle.dumps(mapping, protocol=2))
    dest = _installed_base(tmp_path / "data")
    assert main(["data", "import", str(bad), "--dir", str(dest)]) == 2
    err = error_line(capsys.readouterr().err)
    assert str(index) in err and len(err) < len(str(index)) + 250, err[:500]


def test_a_pickle_that_crashes_the_interpreter_is_refused(help_checkout, tmp_path):
    """A 200 kB pickle whose dict key is a tuple nested 200,000 deep: hashing it overflowed CPython's C
    stack (the process died of SIGSEGV). Only lists, dicts, numbers and strings are accepted now."""
    import subprocess
    import sys
    bad = tmp_path / "HELP"
    shutil.copytree(help_checkout, bad)
    index = bad / "data" / "nasbench201" / "str_arch2idx.pt"
    _swap_pickle(index, b"\x80\x02}K\x01" + b"\x85" * 200_000 + b"K\x02s.")
    dest = _installed_base(tmp_path / "data")
    out = subprocess.run([sys.executable, "-m", "naoviz.cli", "data", "import", str(bad), "--dir", str(dest)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, (out.returncode, out.stderr[-500:])
    err = error_line(out.stderr)
    assert str(index) in err and "TUPLE1" in err


def test_an_object_flood_is_refused_before_it_allocates(tmp_path):
    """4 M one-byte EMPTY_LIST opcodes (a 4 MB pickle) made 4 M list objects (~300 MB) before the type
    check; the opcodes are counted first now (a fresh process's peak RSS barely moves)."""
    import subprocess
    import sys
    pt = tmp_path / "flood.pt"
    _swap_pickle(pt, b"\x80\x02" + b"]" * 4_000_000 + b".")
    code = ("import resource, sys\n"
            "from naoviz.tables.help_latency import safe_load_pt\n"
            "from naoviz.errors import NaovizError\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "try:\n"
            "    safe_load_pt(sys.argv[1])\n"
            "    print('loaded')\n"
            "except NaovizError as exc:\n"
            "    print(exc)\n"
            "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)\n")
    out = subprocess.run([sys.executable, "-c", code, str(pt)], capture_output=True, text=True, timeout=120)
    message, grew_mb = out.stdout.strip().splitlines()
    assert str(pt) in message and "opcodes" in message, message
    assert float(grew_mb) < 60, out.stdout

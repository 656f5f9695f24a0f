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

"""`naoviz data download` against the real raw files served over loopback HTTP (no network needed)."""
from __future__ import annotations

import socket

import pandas as pd
import pytest
from _http_mirror import RAW, error_line, make_mirror, serve

from naoviz.tables.download import (
    LANDSCAPES, NATS_LANDSCAPE, convert_cifar10valid, format_number, derive_params_flops, convert_test_acc,
)
from naoviz.cli import main
from naoviz.errors import NaovizError

SHARED = RAW.parent
TABLES = ("nb201_cifar10valid_200ep.csv", "nb201_test_acc_200ep.csv", "nb201_params_flops_derived.csv")


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    with serve(make_mirror(tmp_path_factory.mktemp("mirror"))) as url:
        yield url


def test_download_converts_to_the_published_tables(mirror, tmp_path, capsys):
    dest = tmp_path / "data"
    assert main(["data", "download", "--dir", str(dest), "--base-url", mirror]) == 0
    out, err = capsys.readouterr()
    assert "cifar10_avg.csv" in err and "sha256 ok" in err          # log lines and tqdm bars go to stderr
    assert "15,625 rows" in out and str(dest) in out
    assert sorted(p.name for p in dest.iterdir()) == sorted(TABLES)  # no temporary files left behind
    for name in TABLES:
        ours = pd.read_csv(dest / name)
        ref = pd.read_csv(SHARED / name)
        pd.testing.assert_frame_equal(ours, ref, check_exact=True)
        assert (dest / name).read_bytes() == (SHARED / name).read_bytes()


def test_download_json_and_the_installed_tables_load(mirror, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))
    assert main(["data", "download", "--base-url", mirror, "--no-progress", "--json"]) == 0
    import json
    result = json.loads(capsys.readouterr().out)
    assert result["dir"] == str(tmp_path.resolve()) and result["rows"] == {"nb201": 15625}
    from naoviz.tables import load_nb201
    bench = load_nb201()
    assert bench.best("cifar10_test_acc") == (6111, pytest.approx(94.373333))
    assert bench.query(6111)["cifar10_params_M"] == pytest.approx(1.073466)  # the shared derived table


def test_hash_mismatch_names_file_and_both_hashes_and_writes_nothing(tmp_path, capsys):
    root = make_mirror(tmp_path / "bad", tamper=NATS_LANDSCAPE.name)
    dest = tmp_path / "data"
    with serve(root) as url:
        assert main(["data", "download", "--dir", str(dest), "--base-url", url, "--no-progress"]) == 2
    err = error_line(capsys.readouterr().err)
    assert "nats_bench.csv" in err and "SHA-256 mismatch" in err
    assert NATS_LANDSCAPE.sha256 in err
    import hashlib
    served = (root / NATS_LANDSCAPE.url_path).read_bytes()
    assert hashlib.sha256(served).hexdigest() in err
    assert not dest.exists() or not any(dest.iterdir())


def test_network_errors_are_one_clear_line(tmp_path, capsys):
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}/" + "pinned-commit-" * 12     # as long as the real pinned-commit URLs
    assert main(["data", "download", "--dir", str(tmp_path), "--base-url", base]) == 2
    out = capsys.readouterr().err
    err = error_line(out)
    assert "cifar10_avg.csv" in err and "failed" in err and "Connection refused" in err
    # the line names the file and the server; the whole URL is on the "fetching" line above it (it made the
    # error line 270 characters with the real URLs)
    assert f"127.0.0.1:{port}" in err and len(err) <= 200 and base in out
    with serve(tmp_path) as url:  # a server without the files: HTTP 404
        assert main(["data", "download", "--dir", str(tmp_path / "d"), "--base-url", url, "--no-progress"]) == 2
    out = capsys.readouterr().err
    err = error_line(out)
    assert "HTTP 404" in err and LANDSCAPES.url_path.rsplit("/", 1)[-1] in err and LANDSCAPES.url_path in out


def test_converters_reject_malformed_sources():
    with pytest.raises(NaovizError, match=r"cifar10_avg.csv: columns .*valid-accuracy"):
        convert_cifar10valid(b"index,arch_str,train-accuracy\n0,x,1\n")
    with pytest.raises(NaovizError, match=r"nats_bench.csv: expected 15625 rows, found 1"):
        convert_test_acc(b"CIFAR10TestAccuracy200Epochs,CIFAR100TestAccuracy200Epochs,"
                       b"ImageNetTestAccuracy200Epochs,ArchitectureString\n1,2,3,x\n")
    raw = (RAW / "NAS-Landscapes_cifar10_avg.csv").read_bytes().replace(b",88.91866666,", b",n/a,", 1)
    with pytest.raises(NaovizError, match=r"cifar10_avg.csv: row 0: column 'train-accuracy' is not a number"):
        convert_cifar10valid(raw)


def test_number_format_and_params_rule():
    assert [format_number(x) for x in (10.0, 81.52, 0.576099647, 1444.2186, 2.3e-7)] == \
        ["10", "81.52", "0.5761", "1444.2186", "0"]
    table = derive_params_flops(["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
                                "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|none~2|"])
    rows = table.splitlines()
    assert rows[1] == "0,7.943872,0.073306,7.949632,0.079156,1.993792,0.080456"
    # 2 conv3x3 + 1 conv1x1 (+ a pool: FLOPs only): params 0.073306 + 2*0.24304 + 0.028
    assert rows[2].split(",")[2] == "0.587386"

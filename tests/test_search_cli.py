"""``naoviz search`` / ``naoviz compare`` in-process: JSON shapes, figure, user errors exit 2."""
from __future__ import annotations

import json

import numpy as np

from naoviz.cli import main


def test_compare_json_and_figure(tmp_path, capsys):
    rc = main(["compare", "--algos", "rs,re", "--queries", "30", "--seeds", "3", "--json", "--no-progress",
               "--out", str(tmp_path)])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert abs(out["optimum"] - 94.3733) < 1e-3 and out["checkpoints"][-1] == 30
    for name in ("rs", "re"):
        a = out["algos"][name]
        curves = np.asarray(a["curves"])
        assert curves.shape == (3, 30)
        np.testing.assert_allclose(a["mean"], curves.mean(axis=0))
        assert a["at"]["30"]["mean"] == np.float64(curves[:, -1].mean())
        assert 0.0 <= a["optimum_frac"] <= 1.0
        assert sum(a["queries"].values()) == 30
        assert [r["seed"] for r in a["runs"]] == [0, 1, 2]
    assert out["algos"]["rs"]["queries"]["random"] == 30
    assert (tmp_path / "summary.json").is_file()
    assert (tmp_path / "compare.html").is_file()          # the viz layer is present in this repo


def test_search_json_and_errors(capsys):
    assert main(["search", "--algo", "re", "--queries", "25", "--seed", "2", "--json", "--no-progress"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["queries"] == 25 and len(out["history"]) == 25 and len(out["incumbent_curve"]) == 25
    assert out["incumbent"]["report"] == out["incumbent_curve"][-1]
    assert main(["search", "--algo", "bogus", "--queries", "5", "--no-progress"]) == 2
    assert "algo" in capsys.readouterr().err
    assert main(["search", "--algo", "rs", "--metric", "nope", "--no-progress"]) == 2
    assert "metric" in capsys.readouterr().err
    assert main(["search", "--resume", "abc", "--no-progress"]) == 2
    assert "--store" in capsys.readouterr().err
    assert main(["compare", "--algos", "rs,xx", "--seeds", "1", "--no-progress"]) == 2
    assert "algos" in capsys.readouterr().err

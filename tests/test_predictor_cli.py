"""`naoviz predictor` end to end on the real NB201 table (tiny model, one seed, few epochs)."""
import json

from naoviz.cli import main


def test_bench_predictor_json(capsys):
    rc = main(["predictor", "--train-sizes", "40", "--seeds", "1", "--set", "epochs=3",
               "--set", "hidden_size=16", "--set", "mlp_hidden=16", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    run = out["runs"][0]
    assert run["n_train"] == 40 and run["epochs"] == 3
    assert -1 <= run["nao"]["kendall_tau"] <= 1 and 0 <= run["nao"]["pairwise_acc"] <= 1
    assert run["decoder"]["valid_random"] == 1.0
    assert set(run["baselines"]) == {"random_forest", "grad_boosting"}
    assert {"random", "top10"} <= set(run["steps"])
    assert "nao.kendall_tau" in out["summary"]["40"]


def test_bench_predictor_bad_arguments(capsys):
    assert main(["predictor", "--train-sizes", "20000", "--seeds", "1"]) == 2
    assert "--train-sizes: train size 20000" in capsys.readouterr().err
    assert main(["predictor", "--set", "epochs=-1"]) == 2
    assert "NAOConfig.epochs" in capsys.readouterr().err

"""`naoviz predictor` end to end on the real NB201 table (tiny model, one seed, few epochs)."""
import json

import pytest

from naoviz.cli import main


def test_bench_predictor_json(capsys):
    rc = main(["predictor", "--train-sizes", "40", "--seeds", "1", "--set", "epochs=3",
               "--set", "hidden_size=16", "--set", "mlp_hidden=16", "--json"])
    assert rc == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    # minutes of work on NB201 say how far they are, --json too: a bar over the runs on stderr, NAO's under it
    assert "predictor:" in captured.err and "1/1 [" in captured.err and "NAO:" in captured.err, captured.err[-500:]
    # after the fit, the held-out scoring, baselines and steps (~30 s on NB201) say what runs, not silence
    measure = [line.strip() for line in captured.err.splitlines() if line.strip().startswith("measure:")]
    for name in ("NAO's scores of", "decoding", "tree baselines", "gradient steps"):
        assert any(name in line for line in measure), captured.err[-1500:]
    assert measure[-1].startswith("measure: 100%"), measure
    run = out["runs"][0]
    assert run["n_train"] == 40 and run["epochs"] == 3
    assert -1 <= run["nao"]["kendall_tau"] <= 1 and 0 <= run["nao"]["pairwise_acc"] <= 1
    assert run["decoder"]["valid_random"] == 1.0
    assert set(run["baselines"]) == {"random_forest", "grad_boosting"}
    assert {"random", "top10"} <= set(run["steps"])
    assert "nao.kendall_tau" in out["summary"]["40"]
    assert run["maximize"] is True and out["lower_is_better"] is False
    # Held-out classes: test cells none of whose isomorphs was trained on, counted independently here.
    import numpy as np
    from naoviz.spaces import NB201Space
    space = NB201Space()
    archs = space.all_archs()
    idx = set(np.random.default_rng(0).choice(len(archs), size=40, replace=False).tolist())
    seen = {space.canonical(archs[i]) for i in idx}
    novel = sum(space.canonical(a) not in seen for i, a in enumerate(archs) if i not in idx)
    assert run["heldout_class_cells"] == novel and 0 < novel < len(archs) - 40
    for fig in (run["nao"], run["baselines"]["random_forest"], run["baselines"]["grad_boosting"]):
        assert -1 <= fig["kendall_tau_heldout_classes"] <= 1


def test_bench_predictor_bad_arguments(capsys):
    assert main(["predictor", "--train-sizes", "20000", "--seeds", "1"]) == 2
    assert "--train-sizes: train size 20000" in capsys.readouterr().err
    assert main(["predictor", "--set", "epochs=-1"]) == 2
    assert "NAOConfig.epochs" in capsys.readouterr().err


TINY = ["--seeds", "1", "--set", "epochs=1", "--set", "hidden_size=16", "--set", "mlp_hidden=16",
        "--set", "augment_draws=2"]


def test_bench_predictor_lower_is_better_metric(capsys):
    """A loss is learnt as lower-is-better; tau stays prediction vs truth (positive = good)."""
    tiny = [a.replace("epochs=1", "epochs=30") for a in TINY]
    rc = main(["predictor", "--metric", "valid_loss", "--train-sizes", "40", *tiny,
               "--no-steps", "--json", "--no-progress"])
    assert rc == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert "predictor:" not in captured.err and "NAO:" not in captured.err, captured.err[-500:]
    run = out["runs"][0]
    assert run["maximize"] is False and out["lower_is_better"] is True
    assert run["nao"]["kendall_tau"] > 0 and run["baselines"]["random_forest"]["kendall_tau"] > 0


def test_ranking_top10_follows_the_metric_direction():
    """tau inside the top 10 % means the best 10 %: the lowest values of a loss."""
    import numpy as np
    from naoviz.experiments.predictor import ranking
    true = np.arange(100.0)
    pred = true.copy()
    pred[:10] = pred[:10][::-1]                 # reversed among the 10 lowest, right everywhere else
    assert ranking(pred, true)["kendall_tau_top10"] == pytest.approx(1.0)
    assert ranking(pred, true, lower_is_better=True)["kendall_tau_top10"] == pytest.approx(-1.0)
    assert ranking(pred, true, lower_is_better=True)["kendall_tau"] > 0.9


def test_bench_predictor_published_split_sizes(capsys):
    """The 0.5 %-10 % splits of published NB201 predictor tables, with held-out-class tau in the table."""
    rc = main(["predictor", "--train-sizes", "78,156,469,781,1563", *TINY, "--no-steps"])
    assert rc == 0
    text = capsys.readouterr().out
    for n in (78, 156, 469, 781, 1563):
        assert f"N={n} seed=0" in text
    assert ["N=78", "N=156", "N=469", "N=781", "N=1563"] in [line.split() for line in text.splitlines()]
    rows = {line[:24].strip(): line[24:].split() for line in text.splitlines() if len(line) > 24}
    for label in ("NAO tau new classes", "RF tau new classes", "GBT tau new classes", "new-class cells"):
        assert label in rows and "-" not in rows[label], label


def test_bench_predictor_train_sizes_checked_before_any_training(capsys):
    for bad, what in (("40,15625", "15625"), ("40,0", "0"), ("40,1.5", "'1.5'"), ("40,-3", "-3"),
                      ("40,,78", "''"), ("40,40", "40")):
        assert main(["predictor", f"--train-sizes={bad}", *TINY, "--no-steps", "--no-baselines"]) == 2, bad
        captured = capsys.readouterr()
        assert "N=40" not in captured.out, bad              # nothing trained before the error
        err = captured.err.strip().splitlines()
        assert len(err) == 1 and "--train-sizes" in err[0] and what in err[0], (bad, err)


def test_decoder_quality_counts_each_invalid_decode():
    """A decoder allowed to emit any token (NB201's own from_tokens still checks them) yields invalid
    sequences; each is counted as invalid (and as not reconstructed) instead of aborting the count."""
    import numpy as np
    from naoviz.experiments.predictor import decoder_quality
    from naoviz.nao import NAO, NAOConfig
    from naoviz.spaces import NB201Space

    class LooseDecoderNB201(NB201Space):
        def token_mask(self):                      # the decoder's mask: every token but <SOS> anywhere
            mask = np.ones((self.seq_len, self.vocab_size), dtype=bool)
            mask[:, 0] = False
            return mask

        def from_tokens(self, tokens):            # the real NB201 check, with its real mask
            return NB201Space(tokenization=self.tokenization).from_tokens(tokens)

    space = LooseDecoderNB201()
    archs = space.sample(60, seed=0)
    cfg = NAOConfig.preset("default", epochs=1, hidden_size=16, mlp_hidden=16, augment_draws=2)
    nao = NAO(space, cfg).fit(archs[:40], np.linspace(0, 1, 40), progress=False)
    out = decoder_quality(nao, archs[:40], archs[40:], seed=0, n_random=200)
    assert 0 <= out["valid_random"] < 1
    assert 0 <= out["recon_train"] <= 1 and 0 <= out["recon_heldout_canonical"] <= 1
    assert out["valid_random"] * 200 == round(out["valid_random"] * 200)


def test_text_table_shows_a_spread_only_with_several_seeds(capsys):
    """One seed has no sd: the text table gives the value alone (it printed '0.707 ± 0.000', which reads as
    a measured spread of zero) and its header says so; two seeds give mean ± sd."""
    tiny = ["--train-sizes", "40", "--set", "epochs=3", "--set", "hidden_size=16", "--set", "mlp_hidden=16",
            "--no-steps", "--no-baselines"]
    for seeds, spread in (("1", False), ("2", True)):
        assert main(["predictor", "--seeds", seeds, *tiny]) == 0
        out = capsys.readouterr().out
        tau = next(line for line in out.splitlines() if line.startswith("NAO tau "))
        assert ("±" in tau) is spread and ("no sd with one seed" in out) is not spread

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

"""A search's stop while NAO's k-means start pretrains its encoder (a fresh cache): the search ends after that
epoch and saves no half-trained encoder (the stop had waited for the whole pretraining, 110 s on 2 loaded cores,
with the dashboard's Search tab saying "stopping after the current query…" over no query)."""
from __future__ import annotations

import threading

from naoviz.evaluate import TableEvaluator
from naoviz.search import start_search


def test_a_stop_during_the_design_pretraining_ends_the_search_and_saves_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))          # fresh: the encoder is not pretrained yet
    stop = threading.Event()
    stop.set()                                                          # pressed as the search began
    res = start_search("nao", TableEvaluator("nb201-digits"), 60, 0, preset="default", stop=stop, progress=False)
    assert res.stopped and len(res.history) == 0
    pretrain = tmp_path / "cache" / "pretrain"
    assert not pretrain.exists() or not any(p.is_file() for p in pretrain.rglob("*.safetensors")), \
        sorted(pretrain.rglob("*"))

"""naoviz.cli.interrupts: a stop signal swallowed by a library is raised again, and the handlers are put back."""
from __future__ import annotations

import os
import signal
import time

import pytest

from naoviz.cli import interrupts


def test_a_ctrl_c_swallowed_by_a_library_is_raised_again_at_the_next_check():
    """numba's weakref callback swallows a KeyboardInterrupt raised in it during a UMAP fit ("Exception ignored
    in ..."); before, `naoviz atlas` then built on for minutes. The next progress callback's check() raises it."""
    before = signal.getsignal(signal.SIGTERM)
    with interrupts.caught():
        interrupts.check()                                   # nothing came: nothing raised
        assert signal.getsignal(signal.SIGTERM) is interrupts._handler
        try:
            interrupts._handler(signal.SIGINT, None)         # what Python runs on SIGINT ...
        except KeyboardInterrupt:
            pass                                             # ... swallowed, as in a __del__ or weakref callback
        with pytest.raises(KeyboardInterrupt) as exc:
            interrupts.check()
        assert interrupts.exit_status(exc.value) == 130 and interrupts.how(exc.value) == "interrupted"
    assert signal.getsignal(signal.SIGTERM) is before        # main() called in a test leaves it as it was
    interrupts.check()                                       # and forgets the signal


def test_sigterm_is_an_interrupt_with_its_own_exit_status():
    with interrupts.caught():
        with pytest.raises(KeyboardInterrupt) as exc:
            interrupts._handler(signal.SIGTERM, None)
    assert interrupts.exit_status(exc.value) == 143 and interrupts.how(exc.value) == "stopped by SIGTERM"


def test_the_stop_line_starts_a_line_of_its_own_after_an_open_progress_bar(tmp_path, monkeypatch):
    """`naoviz atlas` stopped by SIGTERM while its train bar (leave=False) was open: the stop line used to land on
    the bar's line (`... 10/150 [...]naoviz atlas: stopped by SIGTERM`). Now the bars are closed first."""
    from _cli_process import start
    from test_user_table import write_tables

    from naoviz.tables import load_digits_table

    _, table = write_tables(tmp_path, load_digits_table(), n=200)
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))                   # a model to train, not load
    proc = start("atlas", "--table", str(table), "--maps", "pca", "--seeds", "none")
    os.set_blocking(proc.stderr.fileno(), False)
    err, deadline = b"", time.monotonic() + 120
    while b"train:" not in err:                  # the model's bar is drawn: stop the command under it
        assert proc.poll() is None and time.monotonic() < deadline, err[-1000:]
        time.sleep(0.05)
        err += proc.stderr.read() or b""
    proc.send_signal(signal.SIGTERM)
    os.set_blocking(proc.stderr.fileno(), True)
    err += proc.stderr.read()
    assert proc.wait(timeout=60) == 143, err[-1000:]
    text = err.decode()
    assert "\nnaoviz atlas: stopped by SIGTERM\n" in text, text[-500:]
    assert text.endswith("naoviz atlas: stopped by SIGTERM\n"), text[-500:]     # nothing drawn after it either

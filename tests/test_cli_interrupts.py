"""naoviz.cli.interrupts: a stop signal swallowed by a library is raised again, and the handlers are put back."""
from __future__ import annotations

import signal

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

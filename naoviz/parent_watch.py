"""A child process that stops when the process that started it is gone, even SIGKILLed (which runs no
handler, so the parent cannot stop its children itself): the Voila server and the explorer's warm-up beside
``naoviz dashboard``, and ``naoviz compare --jobs``' workers. Without it a killed ``naoviz dashboard`` left
Voila serving its port, and its kernels running, until someone found and killed them by hand."""
from __future__ import annotations

import os
import signal
import threading
import time


def _watch(parent: int, interval_s: float) -> None:
    while os.getppid() == parent:
        time.sleep(interval_s)
    os.kill(os.getpid(), signal.SIGTERM)       # the process's own SIGTERM handling: a clean stop


def stop_with_parent(interval_s: float = 0.5) -> None:
    """From now on, SIGTERM this process once its parent process has exited (checked every ``interval_s``:
    an orphan is re-parented, so its parent id changes)."""
    threading.Thread(target=_watch, args=(os.getppid(), interval_s), daemon=True,
                     name="naoviz-parent-watch").start()

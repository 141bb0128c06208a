"""Ctrl+C and SIGTERM during indexing: finish what was analysed and commit it, then stop.

The first signal sets the run's ``cancel`` event: the syncer takes no new text, commits every article
whose analysis has finished and returns a report marked interrupted. A second signal raises
KeyboardInterrupt at once, which rolls back the batch in progress (what earlier commits kept stays).
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator, Sequence


@contextmanager
def stop_on_signals(stop: threading.Event,
                    signals: Sequence[int] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[threading.Event]:
    """Within the block, the first of ``signals`` sets ``stop`` and the next raises KeyboardInterrupt.

    Signal handlers belong to the main thread; elsewhere this changes nothing (the caller's own
    ``stop`` still works)."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum, frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)

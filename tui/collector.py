"""Python's cyclic garbage collector waits until the reader's first frame is on screen.

Start-up allocates ~90,000 objects (Textual's modules, the stylesheet, the first screen). Nearly all of
them live as long as the app, yet the collector walked them ~130 times before the first frame: 40-55 ms
of a ~0.45 s launch at 50,000 articles (measured with ``gc.callbacks``; see docs/scaling.md). Holding
the collector off until then moves that work behind the first frame. Freezing what start-up made
(``gc.freeze``) keeps those long-lived objects out of every later collection too, which keeps later
pauses short while scrolling.

Only the reader does this. The command-line tools (``newsreader index`` and the rest) make far more
short-lived garbage and keep the collector running as usual.
"""

from __future__ import annotations

import gc

_held = False


def hold() -> None:
    """Stop automatic collection for start-up (a no-op if something else already turned it off)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release(*, settle: bool = True) -> None:
    """Turn collection back on; with ``settle``, first collect start-up's garbage once and freeze the
    survivors (skipped on the way out, where a collection would only delay the exit).

    Safe to call more than once, and a no-op unless ``hold`` turned the collector off.
    """
    global _held
    if not _held:
        return
    _held = False
    if settle:
        gc.collect()
        gc.freeze()
    gc.enable()

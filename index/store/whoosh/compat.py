"""Which Whoosh this backend's reads of Whoosh internals were written against.

Three places go below Whoosh's public API for speed: the zero-copy ``BufferFile`` (``store.py``), the
bulk posting and column reads (``postings.py``, used by ``collect.py``) and the segment writer. Each
asks ``internals_known()`` first and otherwise takes Whoosh's own public path, which gives the same
answers more slowly: a Whoosh upgrade makes newsreader slower, never wrong, and never reports a
healthy index as damaged (which ``index --rebuild`` could not fix).
"""

from __future__ import annotations

import whoosh

WRITTEN_FOR = (2, 7, 5)  # whoosh-reloaded


def internals_known() -> bool:
    """True when the installed Whoosh is the one the internal reads were written and tested for."""
    return tuple(whoosh.__version__[:3]) == WRITTEN_FOR

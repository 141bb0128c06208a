"""``WHERE x IN (...)`` over any number of values, in chunks SQLite accepts.

Older SQLite builds allow 999 bound parameters per statement; the catalog, the reading state and the
feed tables all ask "which of these ids/keys ..." with lists that can be far longer.
"""

from __future__ import annotations

import sqlite3
from typing import Iterable, Iterator, Sequence

CHUNK = 500


def chunked(values: Iterable) -> Iterator[tuple[list, str]]:
    """(chunk, placeholders) pairs, e.g. ``(["a", "b"], "?,?")``."""
    values = list(values)
    for i in range(0, len(values), CHUNK):
        chunk = values[i:i + CHUNK]
        yield chunk, ",".join("?" * len(chunk))


def select_in(db: sqlite3.Connection, sql: str, values: Iterable, *,
              before: Sequence = (), after: Sequence = ()) -> Iterator[tuple]:
    """Rows of ``sql`` with ``{in}`` replaced by the placeholders of each chunk of ``values``.

    ``before``/``after`` are parameters bound ahead of / behind the chunk.
    """
    for chunk, marks in chunked(values):
        yield from db.execute(sql.replace("{in}", marks), (*before, *chunk, *after)).fetchall()

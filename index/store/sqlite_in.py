"""``WHERE x IN (...)`` over any number of values, in chunks SQLite accepts; file paths as SQLite keeps them.

Older SQLite builds allow 999 bound parameters per statement; the catalog, the reading state and the
feed tables all ask "which of these ids/keys ..." with lists that can be far longer.
"""

from __future__ import annotations

import os
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


def db_path(path: str) -> str | bytes:
    """A file path as the catalog keeps it: text when it is UTF-8, else its exact bytes (a BLOB).

    Python hands a name that is not UTF-8 over with its stray bytes as lone surrogates, which SQLite's
    text cannot hold; the bytes keep the name losslessly, so the file is found again next run.
    """
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path)

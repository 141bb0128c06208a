"""Open an SQLite file for reading only, including on a read-only filesystem.

The catalog and the state database use WAL journaling. A WAL database opened with ``mode=ro`` needs
its ``-shm`` file to exist or to be creatable, which a read-only mount (or a copied library without
that file) does not allow; ``immutable=1`` reads the file as it is, with no locking at all, which is
right exactly when nothing can be writing to it (on a full disk, where the ``-shm`` file cannot be
created either, nothing can be writing).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote


def connect_readonly(path: Path) -> sqlite3.Connection:
    uri = f"file:{quote(str(path))}"
    db = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        db.close()
        # "disk I/O error": a WAL database's -shm file cannot be created on a full disk
        if "unable to open" not in str(exc) and "disk I/O error" not in str(exc):
            raise
    return sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)

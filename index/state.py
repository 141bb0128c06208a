"""Reading state in SQLite: read/unread, stars, saved searches and the folders the user indexed.

Kept outside the library folder so ``index --rebuild`` never touches it, and outside Whoosh because
marking an article read must be a cheap single-row write, not an index commit.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

from .errors import NewsreaderError, ReadOnlyLibrary, StateNotSaved, Unreadable, unreadable_part
from .store.sqlite_in import db_path, select_in
from .store.sqlite_ro import connect_readonly

SCHEMA = """
CREATE TABLE IF NOT EXISTS article_state (
    id TEXT PRIMARY KEY, read INTEGER NOT NULL DEFAULT 0, starred INTEGER NOT NULL DEFAULT 0,
    read_at TEXT, starred_at TEXT
);
CREATE TABLE IF NOT EXISTS saved_searches (name TEXT PRIMARY KEY, query TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS roots (path TEXT PRIMARY KEY, added TEXT NOT NULL);
"""


def now() -> str:
    """The time a row of the state database (reading state, subscriptions) records: UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class State:
    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self._lock = threading.RLock()
        self.readonly = readonly
        if not readonly:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path, check_same_thread=False, timeout=5)
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.executescript(SCHEMA)
                self.db.commit()
                return
            except (sqlite3.OperationalError, PermissionError, OSError):
                self.readonly = True
        if path.exists():
            try:
                self.db = connect_readonly(path)
            except sqlite3.Error as exc:
                if unreadable_part(path.parent, path):
                    raise Unreadable(unreadable_part(path.parent, path), exc) from exc
                raise NewsreaderError(f"Cannot open the reading state {path} ({exc}); move the file away to "
                                      "start afresh (read marks, stars, saved searches and feeds live there).") from exc
        else:
            self.db = sqlite3.connect(":memory:", check_same_thread=False)
            self.db.executescript(SCHEMA)

    refusal: NewsreaderError | None = None  # why writes are refused, when more is known than "read-only"

    def _write(self, sql: str, args: tuple | list = (), *, many: bool = False) -> None:
        """One statement (``many``: once per row of ``args``) in one transaction."""
        if self.readonly:
            raise self.refusal or ReadOnlyLibrary(self.path.parent)
        with self._lock:
            try:
                if many:
                    self.db.executemany(sql, args)
                else:
                    self.db.execute(sql, args)
                self.db.commit()
            except sqlite3.OperationalError as exc:
                self._rollback()
                if "readonly" in str(exc) or "read-only" in str(exc):
                    self.readonly = True
                    raise ReadOnlyLibrary(self.path.parent, exc) from exc
                raise StateNotSaved(self.path, exc) from exc

    def _rollback(self) -> None:
        try:
            self.db.rollback()
        except sqlite3.Error:
            pass

    # -- read / star -------------------------------------------------------------------------------
    def set_read(self, article_id: str, read: bool = True) -> None:
        self._write(
            """INSERT INTO article_state (id, read, read_at) VALUES (?, ?, ?)
               ON CONFLICT(id) DO UPDATE SET read=excluded.read, read_at=excluded.read_at""",
            (article_id, int(read), now() if read else None),
        )

    def set_read_many(self, ids: list[str]) -> None:
        """Mark every one of ``ids`` read in one transaction ("mark all read": one commit, not thousands)."""
        stamp = now()
        self._write("""INSERT INTO article_state (id, read, read_at) VALUES (?, 1, ?)
                       ON CONFLICT(id) DO UPDATE SET read=1, read_at=excluded.read_at""",
                    [(i, stamp) for i in ids], many=True)

    def read_ids(self, ids: list[str]) -> set[str]:
        """Which of ``ids`` are marked read."""
        with self._lock:
            return {r[0] for r in select_in(self.db, "SELECT id FROM article_state WHERE read=1 AND id IN ({in})",
                                            ids)}

    def set_starred(self, article_id: str, starred: bool) -> None:
        self._write(
            """INSERT INTO article_state (id, starred, starred_at) VALUES (?, ?, ?)
               ON CONFLICT(id) DO UPDATE SET starred=excluded.starred, starred_at=excluded.starred_at""",
            (article_id, int(starred), now() if starred else None),
        )

    def flags(self, ids: list[str]) -> dict[str, tuple[bool, bool]]:
        """(read, starred) for each id that has any state."""
        with self._lock:
            rows = select_in(self.db, "SELECT id, read, starred FROM article_state WHERE id IN ({in})", ids)
            return {i: (bool(read), bool(starred)) for i, read, starred in rows}

    def starred_ids(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self.db.execute(
                "SELECT id FROM article_state WHERE starred=1 ORDER BY starred_at DESC")]

    def read_count(self) -> int:
        with self._lock:
            return self.db.execute("SELECT count(*) FROM article_state WHERE read=1").fetchone()[0]

    # -- saved searches ----------------------------------------------------------------------------
    def save_search(self, name: str, query: str) -> None:
        self._write("INSERT OR REPLACE INTO saved_searches VALUES (?,?,?)", (name, query, now()))

    def delete_search(self, name: str) -> None:
        self._write("DELETE FROM saved_searches WHERE name=?", (name,))

    def saved_searches(self) -> list[tuple[str, str]]:
        with self._lock:
            return self.db.execute("SELECT name, query FROM saved_searches ORDER BY created").fetchall()

    # -- roots -------------------------------------------------------------------------------------
    def add_root(self, path: str) -> None:
        if not self.readonly:
            self._write("INSERT OR IGNORE INTO roots VALUES (?,?)", (db_path(path), now()))

    def roots(self) -> list[str]:
        with self._lock:
            return [os.fsdecode(r[0]) if isinstance(r[0], bytes) else r[0]  # a non-UTF-8 folder name: bytes
                    for r in self.db.execute("SELECT path FROM roots ORDER BY added")]

    def close(self) -> None:
        with self._lock:
            self.db.close()

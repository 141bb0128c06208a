"""The user's feed subscriptions and what each refresh learned, in the state database.

They live beside read marks and stars (``paths.state_file``), not in the library folder, because
``index --rebuild`` throws the library away and must never forget what the user subscribed to.
Three tables: ``feeds`` (one row per subscription, with its HTTP validators and last outcome),
``feed_entries`` (which entry ids each feed carried in its latest fetch, so removing a feed knows
which articles only it had) and ``entries`` (one row per entry id across all feeds: a hash of the
feed's own text for it, so an unchanged entry is neither re-fetched nor re-analysed).
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from ..errors import DiskFull, NewsreaderError, ReadOnlyLibrary, disk_full
from ..state import now
from ..store.sqlite_in import select_in

SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name_is_auto INTEGER NOT NULL DEFAULT 1,
    title TEXT NOT NULL DEFAULT '',
    site_url TEXT NOT NULL DEFAULT '',
    added TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    last_checked TEXT,
    last_success TEXT,
    last_error TEXT,
    last_status INTEGER,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS feed_entries (
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    entry_id TEXT NOT NULL,
    PRIMARY KEY (feed_id, entry_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS feed_entries_by_entry ON feed_entries(entry_id);
CREATE TABLE IF NOT EXISTS entries (
    id TEXT PRIMARY KEY, entry_hash TEXT NOT NULL, partial INTEGER NOT NULL, seen TEXT NOT NULL
) WITHOUT ROWID;
"""


class FeedError(NewsreaderError):
    """A subscription request that cannot be honoured (unknown feed, duplicate, bad address)."""


@dataclass(frozen=True)
class Feed:
    id: int
    url: str
    name: str
    title: str
    site_url: str
    added: str
    last_checked: str | None
    last_success: str | None
    last_error: str | None
    last_status: int | None
    failures: int
    articles: int
    etag: str | None = None
    last_modified: str | None = None

    @property
    def state(self) -> str:
        """``new`` (never fetched), ``ok`` (the last attempt worked) or ``failing``."""
        if self.last_checked is None:
            return "new"
        return "failing" if self.last_error else "ok"

    def to_json(self) -> dict:
        out = asdict(self)
        out["state"] = self.state
        return out


_COLUMNS = ("id, url, name, title, site_url, added, last_checked, last_success, last_error, last_status, "
            "failures, (SELECT count(*) FROM feed_entries fe WHERE fe.feed_id = feeds.id), etag, last_modified")


class Subscriptions:
    refusal: NewsreaderError | None = None  # why writes are refused, when more is known than "read-only"

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self._lock = threading.RLock()
        if not readonly:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path, check_same_thread=False, timeout=10)
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA foreign_keys=ON")
                self.db.executescript(SCHEMA)
                self.db.commit()
                return
            except (sqlite3.OperationalError, OSError) as exc:
                self.readonly = True
                if disk_full(path.parent, exc):
                    self.refusal = DiskFull(path.parent, exc)
        self.db = None
        if path.exists():  # read-only: list what is there, if the tables were ever created
            from ..store.sqlite_ro import connect_readonly

            db = connect_readonly(path)  # copes with WAL files on a read-only mount
            try:
                db.execute("SELECT count(*) FROM feeds").fetchone()
                self.db = db
            except sqlite3.DatabaseError:
                db.close()
        if self.db is None:
            self.db = sqlite3.connect(":memory:", check_same_thread=False)
            self.db.executescript(SCHEMA)

    def _write(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        if self.readonly:
            raise self.refusal or ReadOnlyLibrary(self.path.parent)
        with self._lock:
            cur = self.db.execute(sql, args)
            self.db.commit()
            return cur

    # -- subscriptions -----------------------------------------------------------------------------
    def feeds(self) -> list[Feed]:
        with self._lock:
            rows = self.db.execute(f"SELECT {_COLUMNS} FROM feeds ORDER BY name COLLATE NOCASE").fetchall()
        return [Feed(*r) for r in rows]

    def get(self, url_or_name: str) -> Feed | None:
        key = url_or_name.strip()
        with self._lock:
            row = self.db.execute(f"SELECT {_COLUMNS} FROM feeds WHERE url=? OR name=? COLLATE NOCASE "
                                  "ORDER BY url=? DESC LIMIT 1", (key, key, key)).fetchone()
        return Feed(*row) if row else None

    def by_id(self, feed_id: int) -> Feed:
        with self._lock:
            row = self.db.execute(f"SELECT {_COLUMNS} FROM feeds WHERE id=?", (feed_id,)).fetchone()
        if row is None:
            raise FeedError(f"No feed with id {feed_id}.")
        return Feed(*row)

    def add(self, url: str, name: str | None = None, *, title: str = "", site_url: str = "") -> Feed:
        existing = self.get(url)
        if existing is not None and existing.url == url:
            raise FeedError(f"Already subscribed to {url} (as {existing.name!r}).")
        if name is not None:
            name = name.strip()
            if not name:
                raise FeedError("A feed's name cannot be empty.")
            if self.get(name) is not None:
                raise FeedError(f"There is already a feed called {name!r}; choose another --name.")
            chosen, auto = name, 0
        else:
            chosen, auto = self._free_name(urlsplit(url).hostname or url), 1
        cur = self._write("INSERT INTO feeds (url, name, name_is_auto, title, site_url, added) VALUES (?,?,?,?,?,?)",
                          (url, chosen, auto, title, site_url, now()))
        return self.by_id(cur.lastrowid)

    def add_many(self, wanted: Iterable[tuple[str, str | None]]) -> tuple[list[Feed], list[str]]:
        """Subscribe to many (url, name or None) at once: (feeds added, urls already subscribed).

        One transaction and in-memory name bookkeeping, so importing an OPML file of thousands of feeds
        costs time in proportion to its size (``add`` per feed re-reads the table and commits each time).
        A name another feed already has falls back to the host name, as with ``add``.
        """
        if self.readonly:
            raise self.refusal or ReadOnlyLibrary(self.path.parent)
        added_ids: list[int] = []
        existing: list[str] = []
        stamp = now()
        with self._lock:
            urls = {r[0] for r in self.db.execute("SELECT url FROM feeds")}
            taken = {r[0].lower() for r in self.db.execute("SELECT name FROM feeds")}
            suffix: dict[str, int] = {}

            def free(base: str) -> str:
                base = " ".join(base.split())[:80] or "feed"
                name, n = base, suffix.get(base.lower(), 1)
                while name.lower() in taken:
                    n += 1
                    name = f"{base} ({n})"
                suffix[base.lower()] = n
                return name

            try:
                for url, name in wanted:
                    if url in urls:
                        existing.append(url)
                        continue
                    name = (name or "").strip()
                    if name and name.lower() not in taken:
                        chosen, auto = name, 0
                    else:
                        chosen, auto = free(urlsplit(url).hostname or url), 1
                    cur = self.db.execute("INSERT INTO feeds (url, name, name_is_auto, title, site_url, added) "
                                          "VALUES (?,?,?,?,?,?)", (url, chosen, auto, "", "", stamp))
                    added_ids.append(cur.lastrowid)
                    urls.add(url)
                    taken.add(chosen.lower())
                self.db.commit()
            except BaseException:
                self.db.rollback()
                raise
            rows = {r[0]: Feed(*r) for r in select_in(self.db, f"SELECT {_COLUMNS} FROM feeds WHERE id IN ({{in}})",
                                                        added_ids)}
        return [rows[i] for i in added_ids], existing

    def remove(self, feed_id: int) -> None:
        with self._lock:
            if self.readonly:
                raise self.refusal or ReadOnlyLibrary(self.path.parent)
            self.db.execute("DELETE FROM feed_entries WHERE feed_id=?", (feed_id,))
            self.db.execute("DELETE FROM feeds WHERE id=?", (feed_id,))
            self.db.commit()

    def _free_name(self, wanted: str, *, feed_id: int | None = None) -> str:
        """``wanted``, or ``wanted (2)``, ``(3)``... whichever no other feed is called."""
        wanted = " ".join(wanted.split())[:80] or "feed"
        name, n = wanted, 1
        while True:
            with self._lock:
                row = self.db.execute("SELECT id FROM feeds WHERE name=? COLLATE NOCASE", (name,)).fetchone()
            if row is None or row[0] == feed_id:
                return name
            n += 1
            name = f"{wanted} ({n})"

    # -- outcomes of a refresh ---------------------------------------------------------------------
    def record_success(self, feed_id: int, *, status: int, etag: str | None, last_modified: str | None) -> None:
        """The feed answered usefully (200 or 304). A 304 keeps the validators it was asked with."""
        stamp = now()
        if status == 304:
            self._write("UPDATE feeds SET last_checked=?, last_success=?, last_error=NULL, last_status=?, "
                        "failures=0 WHERE id=?", (stamp, stamp, status, feed_id))
        else:
            self._write("UPDATE feeds SET last_checked=?, last_success=?, last_error=NULL, last_status=?, "
                        "failures=0, etag=?, last_modified=? WHERE id=?",
                        (stamp, stamp, status, etag, last_modified, feed_id))

    def adopt_title(self, feed_id: int, title: str) -> str:
        """Remember the feed's own title; a feed still named after its host takes it as its name.

        The host name was only a placeholder chosen at ``feed add``; the title is what people recognise.
        Returns the feed's name, which is what its articles are filed under (``source:NAME``).
        """
        with self._lock:
            if self.readonly:
                raise self.refusal or ReadOnlyLibrary(self.path.parent)
            self.db.execute("UPDATE feeds SET title=? WHERE id=?", (title, feed_id))
            row = self.db.execute("SELECT name, name_is_auto FROM feeds WHERE id=?", (feed_id,)).fetchone()
            if row is None:
                return title
            name = row[0]
            if row[1]:
                name = self._free_name(title, feed_id=feed_id)
                self.db.execute("UPDATE feeds SET name=?, name_is_auto=0 WHERE id=?", (name, feed_id))
            self.db.commit()
            return name

    def record_failure(self, feed_id: int, reason: str, *, status: int | None = None) -> None:
        self._write("UPDATE feeds SET last_checked=?, last_error=?, last_status=?, failures=failures+1 WHERE id=?",
                    (now(), reason, status, feed_id))

    # -- entries -----------------------------------------------------------------------------------
    def entry_ids(self, feed_id: int) -> list[str]:
        with self._lock:
            return [r[0] for r in self.db.execute("SELECT entry_id FROM feed_entries WHERE feed_id=?", (feed_id,))]

    def entry_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        with self._lock:
            return dict(select_in(self.db, "SELECT id, entry_hash FROM entries WHERE id IN ({in})", ids))

    def set_membership(self, feed_id: int, ids: Iterable[str]) -> None:
        """The entries the feed carries now; entries it dropped stay in the library, just not here."""
        with self._lock:
            if self.readonly:
                raise self.refusal or ReadOnlyLibrary(self.path.parent)
            self.db.execute("DELETE FROM feed_entries WHERE feed_id=?", (feed_id,))
            self.db.executemany("INSERT OR IGNORE INTO feed_entries VALUES (?,?)", [(feed_id, i) for i in ids])
            self.db.commit()

    def put_entries(self, rows: Iterable[tuple[str, str, bool]]) -> None:
        """(entry id, hash of the feed's text for it, partial) for entries now in the library."""
        stamp = now()
        with self._lock:
            if self.readonly:
                raise self.refusal or ReadOnlyLibrary(self.path.parent)
            self.db.executemany("INSERT OR REPLACE INTO entries VALUES (?,?,?,?)",
                                [(i, h, int(p), stamp) for i, h, p in rows])
            self.db.commit()

    def carried_elsewhere(self, feed_id: int, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` another subscribed feed also carries (they stay when this feed goes)."""
        with self._lock:
            return {r[0] for r in select_in(
                self.db, "SELECT entry_id FROM feed_entries WHERE feed_id != ? AND entry_id IN ({in})", ids,
                before=(feed_id,))}

    def forget_entries(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        with self._lock:
            if self.readonly:
                raise self.refusal or ReadOnlyLibrary(self.path.parent)
            self.db.executemany("DELETE FROM entries WHERE id=?", [(i,) for i in ids])
            self.db.commit()

    def close(self) -> None:
        with self._lock:
            self.db.close()

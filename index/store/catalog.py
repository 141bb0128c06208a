"""The library's catalog in SQLite: which files were read, which articles they gave, and entity counts.

It answers the questions Whoosh is slow at: "has this file changed?" (incremental sync without
re-reading), corpus-wide entity statistics (top entities, co-occurrence, timelines), and "the newest
articles" (an indexed date column: the reader's first screen comes from here, before Whoosh is even
imported). It is derived data: ``index --rebuild`` throws it away with the Whoosh index and rebuilds both.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Iterable, Mapping, NamedTuple, Sequence

from ..article import Article
from ..entities.canonical import AliasTable, alias_list, display_name, _vote
from ..errors import IndexDamaged, LibraryBusy
from ..models import EntitySummary, ListingRow
from . import migrations
from .sqlite_in import chunked, db_path, select_in
from .sqlite_ro import connect_readonly


def _summary(row: Sequence) -> EntitySummary:
    """An entity_stats row read as (key, name, label, articles, mentions, aliases JSON, ...)."""
    return EntitySummary(row[0], row[1], row[2], tuple(_json().loads(row[5])), row[3], row[4])


def sortable(dt: datetime | None) -> str | None:
    """One fixed ISO format, so SQLite's text order is date order."""
    return dt.isoformat(timespec="microseconds") if dt else None


class FileRecord(NamedTuple):
    path: str
    mtime_ns: int
    size: int
    sha: str


class Catalog:
    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self._lock = threading.RLock()
        self._counted_dirty = False  # articles changed since the last commit; the stored count is behind
        self._totals_ready = False  # the entity totals exist (checked once per connection)
        try:
            if readonly:
                self.db = connect_readonly(path)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path, check_same_thread=False)
                if self.db.execute("PRAGMA user_version").fetchone()[0] < migrations.VERSION:
                    self._migrate()
                self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("SELECT 1 FROM articles LIMIT 1").fetchone()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise LibraryBusy("another newsreader process is updating its catalog") from exc
            if readonly and "unable to open" in str(exc):
                raise
            raise IndexDamaged(path, exc) from exc
        except sqlite3.DatabaseError as exc:
            raise IndexDamaged(path, exc) from exc
        self._close_with_me()

    def _close_with_me(self) -> None:
        """Close the connection when this catalog is dropped (``Library.reopen`` after a rebuild drops the
        old one). A connection sits in a reference cycle, so otherwise only the cyclic collector closes
        it, and the reader freezes its start-up objects out of the collector's sight (tui/collector.py):
        the deleted catalog would stay open, its disk space held, until the reader quit."""
        weakref.finalize(self, self.db.close)

    def _migrate(self) -> None:
        """Create the schema, or bring an older catalog up to date (``migrations.py``), in one transaction:
        a second process opening the catalog at the same moment waits for it, then finds the work done."""
        self.db.execute("PRAGMA journal_mode=WAL")  # kept in the file from then on
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self.db.execute("PRAGMA user_version").fetchone()[0] < migrations.VERSION:
                migrations.migrate(self.db)
            self.db.commit()
        except BaseException:
            self.db.rollback()
            raise

    @classmethod
    def in_memory(cls, path: Path) -> "Catalog":
        """An empty read-only catalog standing in for ``path``, for a read-only library not indexed yet
        (SQLite cannot open a missing file read-only, and creating it is not allowed)."""
        catalog = cls.__new__(cls)
        catalog.path = path
        catalog.readonly = True
        catalog._lock = threading.RLock()
        catalog._counted_dirty = False
        catalog._totals_ready = False
        catalog.db = sqlite3.connect(":memory:", check_same_thread=False)
        catalog._migrate()
        catalog._close_with_me()
        return catalog

    # -- files -------------------------------------------------------------------------------------
    def file(self, path: str) -> FileRecord | None:
        with self._lock:
            row = self.db.execute("SELECT path, mtime_ns, size, sha FROM files WHERE path=?",
                                  (db_path(path),)).fetchone()
        return _file_record(row) if row else None

    def files_under(self, root: str) -> dict[str, FileRecord]:
        # Compared as bytes: a path that is not UTF-8 is stored as a BLOB, which never equals TEXT.
        prefix = os.fsencode(root.rstrip("/") + "/")
        with self._lock:
            rows = self.db.execute(
                "SELECT path, mtime_ns, size, sha FROM files "
                "WHERE CAST(path AS BLOB)=? OR substr(CAST(path AS BLOB), 1, ?)=?",
                (os.fsencode(root), len(prefix), prefix),
            ).fetchall()
        records = [_file_record(r) for r in rows]
        return {r.path: r for r in records}

    def put_file(self, record: FileRecord) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO files VALUES (?,?,?,?)",
                            (db_path(record.path), record.mtime_ns, record.size, record.sha))

    def drop_file(self, path: str) -> None:
        with self._lock:
            self.db.execute("DELETE FROM files WHERE path=?", (db_path(path),))

    # -- articles ----------------------------------------------------------------------------------
    def article_hashes(self, source_key: str) -> dict[str, str]:
        with self._lock:
            rows = self.db.execute("SELECT id, hash FROM articles WHERE source_key=?",
                                   (db_path(source_key),)).fetchall()
        return dict(rows)

    def article_hash(self, article_id: str) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT hash FROM articles WHERE id=?", (article_id,)).fetchone()
        return row[0] if row else None

    def file_count(self) -> int:
        with self._lock:
            return self.db.execute("SELECT count(*) FROM files").fetchone()[0]

    def count_articles(self) -> int:
        """Read from ``meta``, where every commit that changed the articles wrote it: ``count(*)`` walks an
        index (~1.5-4.5 ms at 50,000 articles, 10x that at 500,000) and the reader needs the number for
        its first frame. A catalog from before the stored count is counted."""
        with self._lock:
            row = self.db.execute("SELECT value FROM meta WHERE name='articles'").fetchone()
            if row is not None and not self._counted_dirty:
                return int(row[0])
            return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def put_article(self, article: Article, *, new: bool = False) -> set[str]:
        """Record an article and its mentions; returns the entity keys whose statistics changed.

        ``new`` says the caller knows the catalog has no row for this id (so no mentions to take back).
        """
        counts: Counter[tuple[str, str, str]] = Counter(
            (s.key, s.label, s.text) for s in article.entities + article.title_entities if s.key
        )
        with self._lock:
            self._counted_dirty = True
            self._ensure_entity_totals()
            touched = set() if new else self._delete_mentions(article.id)
            self.db.execute(
                "INSERT OR REPLACE INTO articles (id, source_key, hash, published, title, source, path, url, words,"
                " sortdate, lead) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (article.id, db_path(article.source_key), article.content_hash,
                 article.published.isoformat() if article.published else None, article.title, article.source,
                 article.path, article.url, article.word_count, sortable(article.published or article.fetched),
                 lead(article.body)),
            )
            if counts:
                self.db.executemany(
                    "INSERT INTO mentions VALUES (?,?,?,?,?)",
                    [(article.id, k, lab, surf, n) for (k, lab, surf), n in counts.items()],
                )
                self._move_totals(counts, +1)
            full_names = {k for k, lab, _ in counts if lab == "PERSON" and " " in k}
            if full_names:
                self.db.executemany("INSERT OR IGNORE INTO people VALUES (?,?,?)",
                                    [(k.rsplit(" ", 1)[1], k, article.id) for k in full_names])
        return touched | {k for k, _, _ in counts}

    def delete_article(self, article_id: str) -> set[str]:
        with self._lock:
            self._counted_dirty = True
            self._ensure_entity_totals()
            touched = self._delete_mentions(article_id)
            self.db.execute("DELETE FROM articles WHERE id=?", (article_id,))
        return touched

    def _delete_mentions(self, article_id: str) -> set[str]:
        counts = {(k, lab, surf): n for k, lab, surf, n in self.db.execute(
            "SELECT key, label, surface, count FROM mentions WHERE article_id=?", (article_id,))}
        if counts:
            self._move_totals(counts, -1)
        self.db.execute("DELETE FROM mentions WHERE article_id=?", (article_id,))
        self.db.execute("DELETE FROM people WHERE article_id=?", (article_id,))
        return {k for k, _, _ in counts}

    def _move_totals(self, counts: Mapping[tuple[str, str, str], int], sign: int) -> None:
        """Add one article's mentions ((key, label, surface) -> count) to the running totals per key, or
        take them back (``sign`` -1): per label, per spelling, and one article for each key it names."""
        per_label: dict[tuple[str, str], int] = {}  # plain dicts: Counter's += costs more per item
        per_surface: dict[tuple[str, str], int] = {}
        for (k, lab, surf), n in counts.items():
            per_label[(k, lab)] = per_label.get((k, lab), 0) + n
            per_surface[(k, surf)] = per_surface.get((k, surf), 0) + n
        for table, column, rows in (
                ("entity_labels", "label", [(k, lab, sign * n) for (k, lab), n in per_label.items()]),
                ("entity_surfaces", "surface", [(k, surf, sign * n) for (k, surf), n in per_surface.items()])):
            self.db.executemany(f"INSERT INTO {table} VALUES (?,?,?) "
                                f"ON CONFLICT(key, {column}) DO UPDATE SET n = n + excluded.n", rows)
            if sign < 0:
                self.db.executemany(f"DELETE FROM {table} WHERE key=? AND {column}=? AND n <= 0",
                                    [row[:2] for row in rows])
        keys = [(k, sign) for k in {k for k, _, _ in counts}]
        self.db.executemany("INSERT INTO entity_articles VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET n = n + excluded.n",
                            keys)
        if sign < 0:
            self.db.executemany("DELETE FROM entity_articles WHERE key=? AND n <= 0", [(k,) for k, _ in keys])

    # -- the article list --------------------------------------------------------------------------
    def listing_complete(self) -> bool:
        """Every article has its list row (false for a catalog from before them until it is filled)."""
        return self.get_meta("listing") == "1"

    def newest(self, limit: int, offset: int = 0) -> list[ListingRow]:
        """A page of the library, newest first (articles with no date last)."""
        with self._lock:
            rows = self.db.execute(f"SELECT {_LISTING} FROM articles ORDER BY sortdate DESC, id LIMIT ? OFFSET ?",
                                   (limit, offset)).fetchall()
        return [_listing_row(r) for r in rows]

    def listing(self, ids: Iterable[str]) -> dict[str, ListingRow]:
        """List rows by id (an entity's articles), without touching the search index."""
        with self._lock:
            rows = list(select_in(self.db, f"SELECT {_LISTING} FROM articles WHERE id IN ({{in}})", ids))
        return {r[0]: _listing_row(r) for r in rows}

    def ids_without_listing(self) -> list[str]:
        """Articles recorded before the catalog kept list rows: what ``migrations.fill_listing`` fills."""
        with self._lock:
            return [r[0] for r in self.db.execute("SELECT id FROM articles WHERE title IS NULL")]

    def put_listing(self, rows: Iterable[ListingRow]) -> None:
        """Fill in list rows read back from the index (``migrations.fill_listing``)."""
        with self._lock:
            self.db.executemany(
                "UPDATE articles SET title=?, source=?, path=?, url=?, words=?, sortdate=?, lead=? WHERE id=?",
                [(r.title, r.source, r.path, r.url, r.words, sortable(r.sortdate), r.lead, r.id) for r in rows])

    # -- entity statistics -------------------------------------------------------------------------
    def refresh_entity_stats(self, keys: Iterable[str], aliases: AliasTable, noise: frozenset[str]) -> None:
        """Recompute the aggregate row of each touched key: its voted label, name, aliases and counts.

        Read from the running totals ``put_article`` keeps per key (labels, spellings, articles), not from
        ``mentions``: a row per article that names the key grows with the library, and at 50,000
        articles re-reading them cost ~6 s of every commit of 500 (the United States is in most).
        """
        keys = list(set(keys))
        with self._lock:
            self._ensure_entity_totals()
            for chunk, marks in chunked(keys):
                labels: dict[str, Counter] = defaultdict(Counter)
                surfaces: dict[str, Counter] = defaultdict(Counter)
                for key, label, n in self.db.execute(
                        f"SELECT key, label, n FROM entity_labels WHERE key IN ({marks})", chunk):
                    labels[key][label] += n
                for key, surface, n in self.db.execute(
                        f"SELECT key, surface, n FROM entity_surfaces WHERE key IN ({marks})", chunk):
                    surfaces[key][surface] += n
                articles = dict(self.db.execute(f"SELECT key, n FROM entity_articles WHERE key IN ({marks})", chunk))
                self.db.execute(f"DELETE FROM entity_stats WHERE key IN ({marks})", chunk)
                out = []
                for key, n_articles in articles.items():
                    if not surfaces[key] or not labels[key]:
                        continue
                    label = _vote(labels[key].elements())
                    name = display_name(key, surfaces[key], aliases)
                    out.append((key, name, label, n_articles, sum(surfaces[key].values()),
                                _json().dumps(alias_list(name, surfaces[key])), int(label in noise)))
                self.db.executemany("INSERT INTO entity_stats VALUES (?,?,?,?,?,?,?)", out)

    def _ensure_entity_totals(self) -> None:
        """Fill the running totals once, from ``mentions``, in a catalog made before they were kept (the
        write that first needs them pays for it, inside its own transaction; the reader never does).
        The per-label totals are rebuilt too: catalogs older still got that table empty."""
        if self._totals_ready:
            return
        if self.get_meta("entity_totals") is None:
            self.db.execute("DELETE FROM entity_labels")
            self.db.execute("DELETE FROM entity_surfaces")
            self.db.execute("DELETE FROM entity_articles")
            self.db.execute("INSERT INTO entity_labels SELECT key, label, sum(count) FROM mentions GROUP BY key, label")
            self.db.execute("INSERT INTO entity_surfaces SELECT key, surface, sum(count) FROM mentions "
                            "GROUP BY key, surface")
            self.db.execute("INSERT INTO entity_articles SELECT key, count(DISTINCT article_id) FROM mentions "
                            "GROUP BY key")
            self.set_meta("entity_totals", "1")
        self._totals_ready = True

    # -- what indexing asks (entities.canonical.Knowledge) -------------------------------------------
    def label_counts(self, keys: Iterable[str]) -> dict[str, Counter]:
        """Mentions per label of each key over the articles already in the catalog (committed or not).

        Read from running totals kept by ``put_article``: summing ``mentions`` instead costs a row per
        article that names the key, which grows with the library (the United States is in most).
        """
        out: dict[str, Counter] = defaultdict(Counter)
        with self._lock:
            for key, label, n in select_in(self.db, "SELECT key, label, n FROM entity_labels WHERE key IN ({in})",
                                           keys):
                out[key][label] += n
        return out

    def people_by_surname(self, words: Iterable[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        with self._lock:
            for surname, key in select_in(self.db, "SELECT DISTINCT surname, key FROM people WHERE surname IN ({in})",
                                          words):
                out[surname].add(key)
        return out

    def display_names(self, keys: Iterable[str]) -> dict[str, str]:
        with self._lock:
            return dict(select_in(self.db, "SELECT key, name FROM entity_stats WHERE key IN ({in})", keys))

    def top_entities(self, *, labels: Sequence[str] | None = None, include_noise: bool = False,
                     limit: int = 50) -> list[EntitySummary]:
        where, args = [], []
        if labels:
            where.append(f"label IN ({','.join('?' * len(labels))})")
            args += list(labels)
        elif not include_noise:
            where.append("noise=0")
        sql = "SELECT key, name, label, articles, mentions, aliases FROM entity_stats"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY articles DESC, mentions DESC, name LIMIT ?"
        with self._lock:
            rows = self.db.execute(sql, (*args, limit)).fetchall()
        return [EntitySummary(k, n, lab, tuple(_json().loads(al)), a, m) for k, n, lab, a, m, al in rows]

    def entity(self, key: str) -> EntitySummary | None:
        with self._lock:
            row = self.db.execute(
                "SELECT key, name, label, articles, mentions, aliases FROM entity_stats WHERE key=?", (key,)
            ).fetchone()
        return _summary(row) if row else None

    def find_entity_keys(self, name: str, normalised: Sequence[str]) -> list[str]:
        """Keys whose key, display name or any surface form matches; best-known first."""
        with self._lock:
            rows = self.db.execute(
                f"""SELECT key FROM entity_stats WHERE key IN ({','.join('?' * len(normalised))})
                    OR lower(name)=lower(?) ORDER BY articles DESC""",
                (*normalised, name),
            ).fetchall()
            if not rows:
                rows = self.db.execute(
                    """SELECT m.key FROM mentions m JOIN entity_stats s ON s.key=m.key
                       WHERE lower(m.surface)=lower(?) GROUP BY m.key ORDER BY max(s.articles) DESC""",
                    (name,),
                ).fetchall()
        return [r[0] for r in rows]

    def articles_with(self, key: str) -> list[tuple[str, str | None]]:
        with self._lock:
            return self.db.execute(
                """SELECT DISTINCT a.id, a.published FROM mentions m JOIN articles a ON a.id=m.article_id
                   WHERE m.key=? ORDER BY a.published DESC""", (key,)
            ).fetchall()

    def cooccurring(self, key: str, limit: int = 15, include_noise: bool = False) -> list[tuple[EntitySummary, int]]:
        """Entities that share the most articles with ``key``, with the number of shared articles.

        Ties (common in a small library) go to the entity mentioned most in those shared articles, so
        India comes before Australia next to the United States.
        """
        noise_clause = "" if include_noise else "AND s.noise=0"
        with self._lock:
            rows = self.db.execute(
                f"""SELECT s.key, s.name, s.label, s.articles, s.mentions, s.aliases,
                           count(DISTINCT o.article_id) AS shared, sum(o.count) AS together
                    FROM mentions o JOIN entity_stats s ON s.key=o.key
                    WHERE o.article_id IN (SELECT article_id FROM mentions WHERE key=?) AND o.key!=? {noise_clause}
                    GROUP BY s.key ORDER BY shared DESC, together DESC, s.articles DESC, s.name LIMIT ?""",
                (key, key, limit),
            ).fetchall()
        return [(_summary(r), r[6]) for r in rows]

    def articles_sharing(self, keys, exclude: str = "") -> list[tuple[str, str, int]]:
        """(article id, key, mentions) for every other article that mentions one of ``keys``."""
        with self._lock:
            return list(select_in(
                self.db, """SELECT article_id, key, sum(count) FROM mentions WHERE key IN ({in})
                            AND article_id != ? GROUP BY article_id, key""", keys, after=(exclude,)))

    def keys_of(self, article_id: str) -> list[tuple[str, int]]:
        with self._lock:
            return self.db.execute(
                "SELECT key, sum(count) FROM mentions WHERE article_id=? GROUP BY key", (article_id,)
            ).fetchall()

    def entity_count(self) -> int:
        with self._lock:
            return self.db.execute("SELECT count(*) FROM entity_stats WHERE noise=0").fetchone()[0]

    # -- meta and transactions ---------------------------------------------------------------------
    def get_meta(self, name: str) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (name, value))

    def commit(self) -> None:
        with self._lock:
            if self._counted_dirty:  # in the same transaction as the change, so never out of step with it
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('articles', (SELECT count(*) FROM articles))")
            self.db.commit()
            self._counted_dirty = False

    def rollback(self) -> None:
        with self._lock:
            self.db.rollback()
            self._counted_dirty = False
            self._totals_ready = False  # a fill in the rolled-back transaction is gone with it

    def close(self) -> None:
        with self._lock:
            self.db.close()


_LISTING = "id, title, source, path, url, words, published, sortdate, lead"


def _file_record(row) -> FileRecord:
    path = row[0]
    return FileRecord(os.fsdecode(path) if isinstance(path, bytes) else path, *row[1:])


def _json():
    """json, imported when entity rows are first read or written (not while the reader starts)."""
    import json

    return json


def _when(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _listing_row(row) -> ListingRow:
    article_id, title, source, path, url, words, published, sortdate, lead_text = row
    return ListingRow(article_id, title or "", source or "", path or "", url or "", int(words or 0),
                      _when(published), _when(sortdate), lead_text or "")


def lead(body: str) -> str:
    """The opening lines the list shows under a title when nothing was searched (the snippet's window)."""
    from ..search.highlight import snippet

    return snippet(body, [])[0]

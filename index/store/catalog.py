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
from ..entities import resolve
from ..entities.canonical import AliasTable, alias_list, clean_surface, display_name, normalise
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
            full_names = {k for k, lab, _ in counts if lab == "PERSON" and not resolve.is_partial(k)}
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

    def oldest(self, limit: int, offset: int = 0) -> list[ListingRow]:
        """A page of the library, oldest first (articles with no date first, as ``newest`` lists them last)."""
        with self._lock:
            rows = self.db.execute(f"SELECT {_LISTING} FROM articles ORDER BY sortdate ASC, id DESC LIMIT ? OFFSET ?",
                                   (limit, offset)).fetchall()
        return [_listing_row(r) for r in rows]

    def ids_newest(self) -> list[str]:
        """Every article id, newest first: the whole list the reader pages through."""
        with self._lock:
            return [r[0] for r in self.db.execute("SELECT id FROM articles ORDER BY sortdate DESC, id")]

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
        """Resolve partial names library-wide, then recompute the row of each entity touched.

        First the partial names these keys bear on (a surname alone, "Mrs Doe", an acronym, a plural)
        are resolved again from the library's evidence (``entities.resolve``), and the entities that
        gained or lost one are touched too. Then each touched entity's row is rebuilt from the running
        totals ``put_article`` keeps per key (labels, spellings, articles), summed over the entity and
        the partial names resolved to it: a row per article that names it grows with the library, and
        at 50,000 articles re-reading them cost ~6 s of every commit of 500.
        """
        keys = set(keys)
        with self._lock:
            self._ensure_entity_totals()
            if self.get_meta("resolution") is None:  # a catalog from before library-wide resolution
                keys |= {k for (k,) in self.db.execute("SELECT key FROM entity_articles")}
                self.set_meta("resolution", "1")
            keys |= self._resolve(keys, aliases)
            targets = self._targets(keys)
            members: dict[str, set[str]] = defaultdict(set)
            for key in keys:
                members[targets.get(key, key)].add(key)
            for chunk, marks in chunked(list(members)):
                for key, target in self.db.execute(f"SELECT key, target FROM resolved WHERE target IN ({marks})",
                                                   chunk):
                    members[target].add(key)
            every = {k for group in members.values() for k in group} | set(members)
            labels: dict[str, Counter] = defaultdict(Counter)
            surfaces: dict[str, Counter] = defaultdict(Counter)
            articles: Counter = Counter()
            for chunk, marks in chunked(list(every)):
                for key, label, n in self.db.execute(
                        f"SELECT key, label, n FROM entity_labels WHERE key IN ({marks})", chunk):
                    labels[key][label] += n
                for key, surface, n in self.db.execute(
                        f"SELECT key, surface, n FROM entity_surfaces WHERE key IN ({marks})", chunk):
                    surfaces[key][surface] += n
                for key, n in self.db.execute(f"SELECT key, n FROM entity_articles WHERE key IN ({marks})", chunk):
                    articles[key] += n
                self.db.execute(f"DELETE FROM entity_stats WHERE key IN ({marks})", chunk)
            lone = {t for t in members if " " not in t and labels[t] and _top(labels[t]) == "PERSON"}
            spellings = {surface for t in lone for surface in surfaces[t]}
            named_elsewhere = {surface for key, surface in select_in(
                self.db, "SELECT key, surface FROM entity_surfaces WHERE surface IN ({in})", spellings)
                if " " in key and key.endswith(" " + normalise(surface, "PERSON"))}
            out = []
            for target, group in members.items():
                if targets.get(target, target) != target:
                    continue  # resolved to another entity: no row of its own
                group = group | {target}
                merged_labels: Counter = Counter()
                merged_surfaces: Counter = Counter()
                for key in group:
                    merged_labels.update(labels[key])
                    merged_surfaces.update(surfaces[key])
                n_articles = sum(articles[key] for key in group)
                if len(group) > 1 and n_articles:  # an article may name two forms of it: count it once
                    n_articles = self._distinct_articles(group)
                if not merged_surfaces or not merged_labels or not n_articles:
                    continue
                label = resolve.entity_label(target, merged_labels, merged_surfaces, aliases,
                                             resolved_into=" " in target and len(group) > 1,
                                             named_elsewhere=bool(named_elsewhere & set(surfaces[target])))
                # A group met under several forms is shown by the one most written ("Tory", not
                # "Tory Party"); a person always by the full name.
                name = display_name(target, merged_surfaces if len(group) == 1 or label == "PERSON"
                                    else _most_written(merged_surfaces), aliases)
                out.append((target, name, label, n_articles, sum(merged_surfaces.values()),
                            _json().dumps(alias_list(name, merged_surfaces)), int(label in noise)))
            self.db.executemany("INSERT OR REPLACE INTO entity_stats VALUES (?,?,?,?,?,?,?)", out)

    def _resolve(self, keys: set[str], aliases: AliasTable) -> set[str]:
        """Decide again every partial name and every form of a group these keys bear on; returns the
        keys whose resolution changed and the entities they left or joined (their rows change)."""
        labels = self._labels(keys)
        partials = {k for k in keys if resolve.is_partial(k)}
        for key in keys:
            if " " in key and not resolve.is_partial(key) and (not labels.get(key) or _top(labels[key]) == "PERSON"):
                words = key.split(" ")
                partials |= {words[-1], words[0], "mrs " + words[-1]}
        families: list[set[str]] = []
        for key in keys:
            gone = not labels.get(key)  # its last article went: the forms it joined are decided again
            if gone or resolve.may_join_group(labels[key], aliases, key):
                family = {key} | resolve.forms(key)
                family |= {f for form in list(family) for f in resolve.forms(form)}  # "whig party" -> "whigs"
                if " " in key and not gone and resolve.is_group(labels[key], aliases, key):
                    family |= self._expansions(key)
                families.append(family)
        wanted = partials | {k for f in families for k in f}
        articles = dict(select_in(self.db, "SELECT key, n FROM entity_articles WHERE key IN ({in})", wanted))
        partials = {k for k in partials if k in articles}
        labels.update(self._labels(wanted - set(labels)))
        decided: dict[str, str | None] = {}
        if partials:
            surfaces = self._surfaces(partials)
            spellings = {s for p in partials for s in surfaces.get(p, ())}
            uses_by_surface: dict[str, dict[str, int]] = defaultdict(dict)
            for key, surface, n in select_in(self.db, "SELECT key, surface, n FROM entity_surfaces "
                                             "WHERE surface IN ({in})", spellings):
                uses_by_surface[surface][key] = n
            candidates = {k for by_key in uses_by_surface.values() for k in by_key if not resolve.is_partial(k)}
            cand_sex = {k: resolve.sex_of(v) for k, v in self._surfaces(candidates).items()}
            surnames = self.people_by_surname({p.split(" ")[-1] for p in partials})
            for p in partials:
                uses: Counter = Counter()
                for surface in surfaces.get(p, ()):
                    for key, n in uses_by_surface.get(surface, {}).items():
                        if key != p:
                            uses[key] += n
                decided[p] = resolve.choose(p, labels.get(p, {}), surfaces.get(p, {}), uses, cand_sex,
                                            surnames.get(p.split(" ")[-1], set()))
        for family in _joined(families, lambda k: k in articles and bool(labels.get(k))
                              and resolve.may_join_group(labels[k], aliases, k)):
            present = list(family)
            if len(present) > 1 and any(resolve.is_group(labels[k], aliases, k) for k in present):
                target = max(present, key=lambda k: (aliases.kind_of(k) is not None, articles[k], k))
                for k in present:
                    if not decided.get(k):  # a person's surname decided above stays decided
                        decided[k] = None if k == target else target
            else:
                for k in present:
                    decided.setdefault(k, None)
        if not decided:
            return set()
        before = self._targets(decided)
        after = {k: t for k, t in decided.items() if t}
        after = {k: after.get(t, t) if after.get(t) != k else t for k, t in after.items()}  # no chains
        changed = {k for k in decided if before.get(k) != after.get(k)}
        if not changed:
            return set()
        self.db.executemany("DELETE FROM resolved WHERE key=?", [(k,) for k in changed])
        self.db.executemany("INSERT INTO resolved VALUES (?, ?)", [(k, after[k]) for k in changed if k in after])
        return changed | {before[k] for k in changed if k in before} | {after[k] for k in changed if k in after}

    def _expansions(self, key: str) -> set[str]:
        """Longer names this one abbreviates ("lib dems" -> "liberal democrats"), from the keys that
        start with its first word."""
        first = key.split(" ", 1)[0].rstrip("s")
        if len(first) < 2 or len(first) > 5:
            return set()
        rows = self.db.execute("SELECT key FROM entity_articles WHERE key >= ? AND key < ? LIMIT 5000",
                               (first, first + "\uffff"))
        return {k for (k,) in rows if resolve.abbreviates(key, k)}

    def sexes(self, keys: Iterable[str]) -> dict[str, str]:
        """"f" or "m" for each person whose titles in the library say so clearly (``Knowledge``)."""
        with self._lock:
            found = {k: resolve.sex_of(v) for k, v in self._surfaces(keys).items()}
        return {k: sex for k, sex in found.items() if sex}

    def _labels(self, keys: Iterable[str]) -> dict[str, Counter]:
        out: dict[str, Counter] = defaultdict(Counter)
        for key, label, n in select_in(self.db, "SELECT key, label, n FROM entity_labels WHERE key IN ({in})", keys):
            out[key][label] += n
        return out

    def _surfaces(self, keys: Iterable[str]) -> dict[str, Counter]:
        out: dict[str, Counter] = defaultdict(Counter)
        for key, surface, n in select_in(self.db, "SELECT key, surface, n FROM entity_surfaces WHERE key IN ({in})",
                                         keys):
            out[key][surface] += n
        return out

    def _distinct_articles(self, keys: set[str]) -> int:
        marks = ",".join("?" * len(keys))
        return self.db.execute(f"SELECT count(DISTINCT article_id) FROM mentions WHERE key IN ({marks})",
                               list(keys)).fetchone()[0]

    def _targets(self, keys: Iterable[str]) -> dict[str, str]:
        """The entity each key is resolved to, for the keys that are resolved to another."""
        return dict(select_in(self.db, "SELECT key, target FROM resolved WHERE key IN ({in})", keys))

    def resolved_keys(self, keys: Iterable[str]) -> dict[str, tuple[str, str]]:
        """key -> (the entity it is shown as, that entity's label), for the keys the library lists.

        What the reader applies to an article's stored spans, so its pane, its highlighting and its
        mention walk name the same entities (and types) as ``entities`` and ``entity``. A catalog from
        before library-wide resolution (read-only, not upgraded yet) simply has nothing resolved.
        """
        keys = list(set(keys))
        with self._lock:
            try:
                targets = self._targets(keys)
            except sqlite3.OperationalError:
                targets = {}
            wanted = {targets.get(k, k) for k in keys}
            labels = dict(select_in(self.db, "SELECT key, label FROM entity_stats WHERE key IN ({in})", wanted))
        return {k: (targets.get(k, k), labels[targets.get(k, k)]) for k in keys if targets.get(k, k) in labels}

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
        """Listed entities that ``name`` names: as their key, their name or any spelling listed under
        them (a resolved partial name counts as its entity's); the one in most articles first, an
        exact key or name before a spelling when they tie."""
        with self._lock:
            direct = {k for (k,) in self.db.execute(
                f"SELECT key FROM entity_stats WHERE key IN ({','.join('?' * len(normalised))}) OR lower(name)=lower(?)",
                (*normalised, name))}
            spelled = {k for (k,) in self.db.execute(
                "SELECT DISTINCT key FROM entity_surfaces WHERE lower(surface)=lower(?)", (name,))}
            raw = set(normalised) | spelled
            targets = self._listed_targets(raw)
            found = direct | {targets.get(k, k) for k in raw}
            rows = dict(select_in(self.db, "SELECT key, articles FROM entity_stats WHERE key IN ({in})", found))
        return sorted(rows, key=lambda k: (-rows[k], k not in direct, k))

    def _listed_targets(self, keys: Iterable[str]) -> dict[str, str]:
        try:
            return self._targets(keys)
        except sqlite3.OperationalError:  # a read-only catalog from before library-wide resolution
            return {}

    def _members_sql(self) -> str:
        """The keys that make up one listed entity: its own and those resolved to it."""
        if self.db.execute("SELECT 1 FROM sqlite_master WHERE name='resolved'").fetchone():
            return "(SELECT ? UNION SELECT key FROM resolved WHERE target=?)"
        return "(SELECT ? UNION SELECT ? WHERE 0)"

    def articles_with(self, key: str) -> list[tuple[str, str | None]]:
        with self._lock:
            return self.db.execute(
                f"""SELECT DISTINCT a.id, a.published FROM mentions m JOIN articles a ON a.id=m.article_id
                   WHERE m.key IN {self._members_sql()} ORDER BY a.published DESC""", (key, key)
            ).fetchall()

    def cooccurring(self, key: str, limit: int = 15, include_noise: bool = False) -> list[tuple[EntitySummary, int]]:
        """Entities that share the most articles with ``key``, with the number of shared articles.

        Both sides count as the library lists them (a bare surname as its person). Ties (common in a
        small library) go to the entity mentioned most in those shared articles, so India comes before
        Australia next to the United States.
        """
        noise_clause = "" if include_noise else "AND s.noise=0"
        members = self._members_sql()
        resolved = members.startswith("(SELECT ? UNION SELECT key FROM resolved")
        other = "coalesce(r.target, o.key)" if resolved else "o.key"
        join = "LEFT JOIN resolved r ON r.key=o.key" if resolved else ""
        with self._lock:
            rows = self.db.execute(
                f"""SELECT s.key, s.name, s.label, s.articles, s.mentions, s.aliases,
                           count(DISTINCT o.article_id) AS shared, sum(o.count) AS together
                    FROM mentions o {join} JOIN entity_stats s ON s.key={other}
                    WHERE o.article_id IN (SELECT article_id FROM mentions WHERE key IN {members})
                      AND s.key!=? {noise_clause}
                    GROUP BY s.key ORDER BY shared DESC, together DESC, s.articles DESC, s.name LIMIT ?""",
                (key, key, key, limit),
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


def _joined(families: list[set[str]], present) -> list[set[str]]:
    """Families of forms that share a member present in the library, joined into one (union-find)."""
    parent: dict[str, str] = {}

    def root(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for family in families:
        members = [k for k in family if present(k)]
        for k in members[1:]:
            parent[root(k)] = root(members[0])
        for k in members[:1]:
            root(k)
    groups: dict[str, set[str]] = defaultdict(set)
    for k in parent:
        groups[root(k)].add(k)
    return list(groups.values())


def _most_written(surfaces: Counter) -> Counter:
    """The spellings, "the"/possessive variants pooled, keeping only the most written one's."""
    pooled: Counter = Counter()
    for surface, n in surfaces.items():
        pooled[clean_surface(surface) or surface] += n
    best = max(pooled, key=lambda s: (pooled[s], s))
    return Counter({best: pooled[best]})


def _top(labels: Counter) -> str:
    return max(labels, key=lambda lab: labels[lab])


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

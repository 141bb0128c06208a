"""The one facade the reader and the command line call: open, sync, search, show, entities, related.

It hands out plain records (named tuples, ``models.py``) so neither face depends on Whoosh or SQLite, and it
never imports spaCy unless asked to index something. Opened with ``defer_index``, it does not import
Whoosh either until something needs the index: the newest articles come from the catalog, so the
reader draws its first screen without it.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import threading
from collections import Counter
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Iterable, Sequence

from .article import EntitySpan
from .store.catalog import Catalog
from .config import Paths, Settings, resolve_paths
from .entities.canonical import FIELD_FOR_LABEL, NOISE_LABELS, build_aliases, labels_for_field, normalise
from .errors import (BadHome, IndexDamaged, LibraryBusy, NewsreaderError, NoSuchArticle, ReadOnlyLibrary, Unreadable,
                     disk_full, full_disk_error, unreadable_part)
from .models import ArticleEntity, ArticleView, EntityDetail, EntitySummary, Hit, SearchResult
from .feeds.facade import FeedsFacade
from .ingest.facade import IndexingFacade, seeds_dir
from .state import State
from .store.backend import Backend, open_backend

__all__ = ["Library", "seeds_dir"]

log = logging.getLogger(__name__)
_EPOCH = datetime(1970, 1, 1)


def _writable(path: Path) -> bool:
    probe = path
    while not probe.exists():
        probe = probe.parent
    return os.access(probe, os.W_OK)


class Library(IndexingFacade, FeedsFacade):
    """The engine's one entry point: opening and reading here, indexing and feeds in the parts it
    inherits (``ingest/facade.py``, ``feeds/facade.py``), each next to the code it drives."""

    def __init__(self, paths: Paths, settings: Settings | None = None, *, readonly: bool | None = None,
                 repair: bool = False, defer_index: bool = False) -> None:
        self.paths = paths
        self.settings = settings or Settings.load(paths.config_file)
        # A full disk opens the library read-only: reading works (SQLite could not even create its WAL
        # index files), and whatever would write says the disk is full rather than "read-only".
        self.full = readonly is None and disk_full(paths.home)
        if readonly is None:
            readonly = self.full or not _writable(paths.home)
        self.readonly = readonly
        self._open_lock = threading.RLock()
        self._defer = defer_index and not repair
        self._store: Backend | None = None
        self.state = State(paths.state_file, readonly=readonly)
        if self.full:
            self.state.refusal = self._unwritable()
        self.repaired: IndexDamaged | None = None
        self._settle_swap()
        try:
            self._open_engine()
        except IndexDamaged as exc:
            unreadable = unreadable_part(paths.library_dir)  # a permission problem is not damage
            if unreadable is not None or not repair or readonly:
                self.state.close()
                if unreadable is not None:
                    raise Unreadable(unreadable, exc) from exc
                raise
            self._discard_damaged(exc)
        if not readonly:
            self._settle_at_open()

    def _settle_swap(self) -> None:
        """Find the library if a crash interrupted a rebuild's swap (index/store/swap.py): a writer
        completes the swap, or throws an abandoned build away, if it can take the write lock at once
        (otherwise the holder is rebuilding and its folder is left alone); a reader only looks where the
        library is."""
        from .store import swap

        if not swap.pending(self.paths.home):
            return
        if not self.readonly:
            from .store.locking import write_lock

            try:
                with write_lock(self.paths.lock_file):
                    swap.recover(self.paths.home)
                return
            except LibraryBusy:
                pass
        live = swap.resolve(self.paths.home)
        if live != self.paths.library_dir:
            self.paths = self.paths._replace(library_name=live.name)

    def _settle_at_open(self) -> None:
        """A writer opening after a crash cut a commit in two settles it at once if the write lock is
        free (otherwise its holder is writing and settles it itself): search and the catalog agree
        from the first answer, not only after the next index run."""
        from .ingest.sync import PENDING

        if not (self.paths.library_dir / PENDING).exists():
            return
        from .store.locking import write_lock

        try:
            with write_lock(self.paths.lock_file):
                self._settle_cut_commit()
        except LibraryBusy:
            pass  # its holder is writing, and settles it first
        except NewsreaderError as exc:  # a full disk: the next command that writes says so, and tries again
            log.warning("could not settle a cut commit at open: %s", exc)

    def _unwritable(self) -> NewsreaderError:
        """Why this library cannot be changed: a full disk, or a read-only folder."""
        return full_disk_error(self.paths.home) if self.full else ReadOnlyLibrary(self.paths.home)

    @cached_property
    def aliases(self):
        """The alias table (bundled and the user's), built when indexing or entity lookup first needs it:
        reading it is ~10 ms that opening the reader does not need."""
        return build_aliases(self.settings.aliases, self.settings.types)

    def _discard_damaged(self, damage: IndexDamaged) -> None:
        """Throw a damaged index and catalog away so ``index --rebuild`` can start over from the sources.

        Both are derived data; reading state lives in state.sqlite and is kept. Done under the write
        lock because a library that another process is writing can look damaged for a moment.
        """
        from .store.locking import write_lock

        log.info("discarding a damaged library before rebuilding it: %s", damage)
        with write_lock(self.paths.lock_file):
            shutil.rmtree(self.paths.library_dir, ignore_errors=True)
        self.repaired = damage
        self._open_engine()

    @classmethod
    def open(cls, home: str | os.PathLike | None = None, *, readonly: bool | None = None,
             repair: bool = False, defer_index: bool = False) -> "Library":
        """Open (creating if needed) the library in ``home``; ``repair`` discards a damaged index instead
        of raising IndexDamaged, for ``index --rebuild``. ``defer_index`` leaves the Whoosh index (and
        its import) until first needed, so a damaged index is reported then rather than here."""
        paths = resolve_paths(home)
        if paths.home.exists() and not paths.home.is_dir():
            raise BadHome(paths.home)
        if readonly is None and disk_full(paths.home):
            readonly = None  # decided (read-only, the disk is full) when the library is constructed
        elif readonly is None:
            readonly = not _writable(paths.home)
        if readonly is False:
            try:
                paths.home.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ReadOnlyLibrary(paths.home, exc) from exc
        return cls(paths, readonly=readonly, repair=repair, defer_index=defer_index)

    def _open_engine(self) -> None:
        self._store = None
        self._open_catalog()
        if not self._defer:
            try:
                self._open_store()
            except BaseException:
                self.catalog.close()
                raise

    def _open_store(self) -> None:
        self._store = open_backend(self.paths.index_dir, readonly=self.readonly)

    @property
    def store(self) -> Backend:
        """The full-text store, opened (and Whoosh imported) on first use, under the lock so a
        ``reopen()`` on another thread never hands out a half-opened one."""
        with self._open_lock:
            if self._store is None:
                self._open_store()
            assert self._store is not None
            return self._store

    def warm(self) -> None:
        """Open the index now (from a worker), so the first search or article does not pay for it."""
        self.store.warm()

    def _open_catalog(self) -> None:
        if self.readonly and not self.paths.catalog_file.exists():
            self.catalog = Catalog.in_memory(self.paths.catalog_file)
            self._catalog_file = None
        else:
            self.catalog = Catalog(self.paths.catalog_file, readonly=self.readonly)
            self._catalog_file = _identity(self.paths.catalog_file)

    def _listing_catalog(self) -> Catalog | None:
        """The catalog, if it can give the newest articles; reopened first when another process has
        rebuilt the library since it was opened (the open connection would go on reading the deleted
        file: the list would show articles that no longer exist). The search index follows rebuilds
        the same way (``Store.searcher``)."""
        now = _identity(self.paths.catalog_file)
        if now is not None and self._catalog_file is not None and now != self._catalog_file:
            try:
                self.reopen()
            except (IndexDamaged, LibraryBusy, OSError):
                return None  # mid-rebuild: Whoosh answers (or says it is busy) until it is whole
        catalog = self.catalog
        return catalog if catalog.listing_complete() else None

    # -- state of the library ----------------------------------------------------------------------
    @property
    def home(self) -> Path:
        return self.paths.home

    def is_empty(self) -> bool:
        return self.article_count() == 0

    def article_count(self) -> int:
        store = self.store
        return store.count() if store.exists else 0

    def listed_articles(self) -> int:
        """How many articles the catalog lists: one row read, the index never opened."""
        return self.catalog.count_articles()

    def marked_seeded(self) -> bool:
        """The catalog's record that an index run finished here: one row read, never the index (the
        reader asks this while it starts, where a damaged index must not be opened)."""
        return self.catalog.get_meta("initialised") is not None

    def was_seeded(self) -> bool:
        """True once the sample corpus (or anything else) has been indexed into this library."""
        return self.marked_seeded() or not self.is_empty()

    def never_used(self, *, cheap: bool = False) -> bool:
        """Whether nothing was ever indexed into this library nor started: no folder was ever given to
        it (a run records its folders before it starts), no run finished, no rebuild was begun, nothing
        is committed. Only such a library gets the sample articles, so an interrupted first run is
        finished with the user's own files, never mixed with the sample. ``cheap`` skips the article
        count (the reader's start-up, where the index must not be opened; the worker checks again)."""
        from .store import swap

        if self.state.roots() or self.marked_seeded() or swap.pending(self.paths.home):
            return False
        return cheap or (self.catalog.count_articles() == 0 and self.is_empty())

    def stats(self) -> dict:
        from . import __version__

        size = sum(f.stat().st_size for f in self.paths.library_dir.rglob("*") if f.is_file()) \
            if self.paths.library_dir.exists() else 0
        return {
            "version": __version__,
            "home": str(self.paths.home),
            "articles": self.article_count(),
            "entities": self.catalog.entity_count(),
            "files": self.catalog.file_count(),
            "read": self.state.read_count(),
            "starred": len(self.state.starred_ids()),
            "saved_searches": len(self.state.saved_searches()),
            "roots": self.state.roots(),
            "index_bytes": size,
            "model": self.settings.model,
            "readonly": not _writable(self.paths.home),  # whether it could be written, opened to read or not
        }

    def reopen(self) -> None:
        """Open the index and catalog again, after a rebuild swapped a new library in (swap.py).

        The open catalog connection keeps reading the deleted file, so without this a long-lived
        reader shows pre-rebuild entities until it restarts. Raises IndexDamaged (keeping the old
        ones open) if the new library cannot be opened. The old store and catalog are not closed
        here: a call on another thread may be using them, and they close when it drops them.
        """
        with self._open_lock:
            old = (self._store, self.catalog, self._catalog_file)
            try:
                self._open_engine()
            except BaseException:
                self._store, self.catalog, self._catalog_file = old
                raise

    # -- reading -----------------------------------------------------------------------------------
    def search(self, query: str = "", *, limit: int = 20, offset: int = 0, sort: str = "relevance",
               unread_only: bool = False) -> SearchResult:
        """Never raises for a bad query, nor while another process rebuilds the library: the result
        carries ``error`` instead. No query lists the library newest first, from the catalog.

        ``sort``: ``relevance``, ``date`` (or ``newest``) or ``oldest``. ``unread_only`` leaves out what
        was read; that list and ``oldest`` are paged from the whole list's ids (entries then show the
        article's opening lines rather than a snippet)."""
        sort = "date" if sort == "newest" else sort
        if unread_only or sort == "oldest":
            return self._from_ids(query, limit, offset, sort, unread_only)
        catalog = self._listing_catalog() if not query.strip() else None
        if catalog is not None:
            return self._newest(catalog, query, limit, offset, sort)
        try:
            store = self.store
            if not store.exists:
                return SearchResult(query, 0, (), sort=sort)
            return store.search(query, limit=limit, offset=offset, sort=sort)
        except (LibraryBusy, IndexDamaged) as exc:
            return SearchResult(query, 0, (), error=str(exc), sort=sort, offset=offset)

    def _from_ids(self, query: str, limit: int, offset: int, sort: str, unread_only: bool) -> SearchResult:
        limit, offset = max(0, int(limit)), max(0, int(offset))
        try:
            ids = self.list_ids(query, sort="date" if sort == "oldest" else sort)
        except (LibraryBusy, IndexDamaged) as exc:
            return SearchResult(query, 0, (), error=str(exc), sort=sort, offset=offset)
        if ids is None:  # a query that does not parse: let the search say why
            return self.search(query, limit=limit, offset=offset)._replace(sort=sort)
        if sort == "oldest":
            ids.reverse()
        if unread_only:
            read = self.state.read_ids(ids)
            ids = [i for i in ids if i not in read]
        return SearchResult(query, len(ids), tuple(self._hits(ids[offset:offset + limit])), sort=sort,
                            offset=offset)

    def list_ids(self, query: str = "", *, sort: str = "date") -> list[str] | None:
        """Every article of a list (the library with no query, else what ``query`` finds) in its order;
        None when the query does not parse. What the unread count and "mark all read" act on."""
        sort = "date" if sort in ("newest", "oldest") else sort
        catalog = self._listing_catalog() if not query.strip() else None
        if catalog is not None:
            return catalog.ids_newest()
        store = self.store
        if not store.exists:
            return []
        return store.ids(query, sort=sort)

    def unread_ids(self, ids: Sequence[str]) -> list[str]:
        """The ones of ``ids`` not read yet, in their order."""
        read = self.state.read_ids(list(ids))
        return [i for i in ids if i not in read]

    def mark_all_read(self, ids: Sequence[str]) -> None:
        """Mark every one of ``ids`` read, in one write."""
        self.state.set_read_many(list(ids))

    def lists_at_once(self) -> bool:
        """Whether the newest articles come from the catalog (an indexed query of a few ms, any size)."""
        return self._listing_catalog() is not None

    @staticmethod
    def _newest(catalog: Catalog, query: str, limit: int, offset: int, sort: str) -> SearchResult:
        limit, offset = max(0, int(limit)), max(0, int(offset))
        rows = catalog.newest(limit, offset) if limit else []
        return SearchResult(query, catalog.count_articles(), tuple(r.hit() for r in rows), sort=sort,
                            offset=offset)

    def article(self, article_id: str) -> ArticleView:
        if not self.store.exists:  # nothing indexed yet (a new library opened to read)
            raise NoSuchArticle(article_id)
        view = self.store.get(article_id)
        if view is None:
            raise NoSuchArticle(article_id)
        return view._replace(entities=tuple(self._as_listed(view.entities)),
                             title_entities=tuple(self._as_listed(view.title_entities)))

    def _as_listed(self, spans) -> list[EntitySpan]:
        """Spans under the entity and type the library lists them as now: a bare "Pompeo" stored with
        its article is shown, counted and walked as the Mike Pompeo the library resolved it to."""
        named = [s for s in spans if s.key and s.label not in NOISE_LABELS]
        if not named:
            return list(spans)
        try:
            listed = self.catalog.resolved_keys({s.key for s in named})
        except sqlite3.Error:
            return list(spans)
        out = []
        for s in spans:
            found = listed.get(s.key) if s.label not in NOISE_LABELS else None
            out.append(EntitySpan(s.start, s.end, found[1], s.text, found[0]) if found else s)
        return out

    def match_spans(self, article_id: str, query: str) -> list[tuple[int, int]]:
        """Where ``query`` matches in the article's body: the reader's next/previous hit."""
        if not query.strip():
            return []
        return self.store.match_spans(query, self.article(article_id).body)

    def article_entities(self, article_id: str, *, include_noise: bool = True) -> list[ArticleEntity]:
        """The article's entities with mention counts, most mentioned first."""
        view = self.article(article_id)
        counts: Counter[tuple[str, str]] = Counter()
        surfaces: dict[str, Counter] = {}
        for span in view.entities + view.title_entities:
            if not include_noise and span.label in NOISE_LABELS:
                continue
            counts[(span.key, span.label)] += 1
            surfaces.setdefault(span.key, Counter())[span.text] += 1
        names = self.catalog.display_names(k for k, _ in counts)
        out = [ArticleEntity(key, names.get(key) or surfaces[key].most_common(1)[0][0], label, n)
               for (key, label), n in counts.items()]
        return sorted(out, key=lambda e: (-e.count, e.name.lower()))

    def entities(self, *, labels: Sequence[str] | None = None, limit: int = 50,
                 include_noise: bool = False) -> list[EntitySummary]:
        labels = [lab.upper() for lab in labels] if labels else None
        if labels and "PLACE" in labels:
            labels = [lab for lab in labels if lab != "PLACE"] + sorted(labels_for_field("place"))
        return self.catalog.top_entities(labels=labels, include_noise=include_noise, limit=limit)

    def find_entity(self, name: str) -> EntitySummary | None:
        candidates = {normalise(name), normalise(name, "PERSON")}
        candidates |= {self.aliases.key_for(c) for c in list(candidates)}
        keys = self.catalog.find_entity_keys(name, sorted(candidates))
        if not keys:
            return None
        return self.catalog.entity(keys[0])

    def entity(self, name_or_key: str, *, limit: int = 50) -> EntityDetail | None:
        """One entity: its articles (newest first), the entities seen with it, and mentions by day.

        ``name_or_key`` may be its key, its name or any spelling listed under it."""
        summary = self.catalog.entity(name_or_key) or self.find_entity(name_or_key)
        if summary is None:
            return None
        ids = self.catalog.articles_with(summary.key)
        hits = self._hits([article_id for article_id, _ in ids[:limit]])
        hits.sort(key=lambda h: h.date or h.published or _EPOCH, reverse=True)
        co = tuple(self.catalog.cooccurring(summary.key))
        days = Counter(p[:10] for _, p in ids if p)
        return EntityDetail(summary, tuple(hits), co, tuple(sorted(days.items())))

    def _hits(self, ids: list[str]) -> list[Hit]:
        """List entries for ``ids`` (those still in the library), from the catalog when it has them."""
        catalog = self._listing_catalog()
        if catalog is not None:
            rows = catalog.listing(ids)
            return [rows[i].hit() for i in ids if i in rows]
        return [row.hit() for row in self.store.listing(ids)]

    def entity_query(self, entity: EntitySummary | ArticleEntity) -> str:
        """The search-bar query that filters to one entity, editable by the user."""
        field = FIELD_FOR_LABEL.get(entity.label, "entity")
        name = entity.name.replace('"', "")
        return f'{field}:"{name}"'

    def related(self, article_id: str, *, limit: int = 10) -> list[Hit]:
        from .search.related import entity_scores

        self.article(article_id)  # raises NoSuchArticle
        return self.store.related(article_id, entity_scores(self.catalog, article_id), limit) or []

    # -- reading state -----------------------------------------------------------------------------
    def mark_read(self, article_id: str, read: bool = True) -> None:
        self.state.set_read(article_id, read)

    def set_starred(self, article_id: str, starred: bool) -> None:
        self.state.set_starred(article_id, starred)

    def flags(self, ids: Iterable[str]) -> dict[str, tuple[bool, bool]]:
        return self.state.flags(list(ids))

    @property
    def state_writable(self) -> bool:
        """Whether read marks, stars and saved searches can be written (not in a read-only library or
        state file)."""
        return not self.readonly and not self.state.readonly

    def saved_searches(self) -> list[tuple[str, str]]:
        """(name, query) of every saved search, in the order they were saved."""
        return self.state.saved_searches()

    def save_search(self, name: str, query: str) -> None:
        self.state.save_search(name, query)

    def delete_search(self, name: str) -> None:
        self.state.delete_search(name)

    def roots(self) -> list[str]:
        """The folders indexed into this library, so re-indexing can walk them again."""
        return self.state.roots()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        self.catalog.close()
        self.state.close()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino

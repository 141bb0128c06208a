"""The one facade the reader and the command line call: open, sync, search, show, entities, related.

It hands out plain records (named tuples, ``models.py``) so neither face depends on Whoosh or SQLite, and it
never imports spaCy unless asked to index something. Opened with ``defer_index``, it does not import
Whoosh either until something needs the index: the newest articles come from the catalog, so the
reader draws its first screen without it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import threading
from collections import Counter
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .store.catalog import Catalog
from .config import Paths, Settings, resolve_paths
from .entities.canonical import NOISE_LABELS, build_aliases, normalise
from .errors import (BadHome, IndexDamaged, LibraryBusy, NewsreaderError, NoSuchArticle, ReadOnlyLibrary, Unreadable,
                     disk_full, full_disk_error, unreadable_part)
from .models import ArticleEntity, ArticleView, EntityDetail, EntitySummary, Hit, SearchResult, WorkerEvent
from .state import State
from .store.backend import Backend

log = logging.getLogger(__name__)
_EPOCH = datetime(1970, 1, 1)


def seeds_dir() -> Path:
    """The bundled sample corpus, wherever the package was installed (wheel or editable)."""
    spec = importlib.util.find_spec("newsreader.seeds")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location)
        if path.is_dir():
            return path
    raise FileNotFoundError("the bundled seeds folder is missing from this installation")


def _writable(path: Path) -> bool:
    probe = path
    while not probe.exists():
        probe = probe.parent
    return os.access(probe, os.W_OK)


class Library:
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

    def _unwritable(self) -> NewsreaderError:
        """Why this library cannot be changed: a full disk, or a read-only folder."""
        return full_disk_error(self.paths.home) if self.full else ReadOnlyLibrary(self.paths.home)

    @cached_property
    def aliases(self):
        """The alias table (bundled and the user's), built when indexing or entity lookup first needs it:
        reading it is ~10 ms that opening the reader does not need."""
        return build_aliases(self.settings.aliases)

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
        from .store.whoosh.store import Store  # the one place that picks the backend

        self._store = Store(self.paths.index_dir, readonly=self.readonly)

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

    # -- indexing ----------------------------------------------------------------------------------
    def _extractor_factory(self, workers: int):
        from .entities.extract import EntityExtractor

        return EntityExtractor(self.settings.model, workers=max(1, workers), batch_size=self.settings.batch_size)

    def _syncer(self, *, progress=None, strict=False, cancel=None, workers: int | None = None, into=None,
                follow_links: bool = False):
        from .ingest.sync import Syncer

        chosen = self.settings.workers if workers is None else workers
        store, catalog = into or (self.store, self.catalog)
        return Syncer(
            store, catalog, extractor_factory=self._extractor_factory, aliases=self.aliases,
            max_file_bytes=int(self.settings.max_file_mb * 1_000_000), workers=chosen or 1,
            progress=progress, strict=strict, cancel=cancel, follow_links=follow_links,
        )

    def sync(self, paths: Sequence[str | os.PathLike], *, rebuild: bool = False, strict: bool = False,
             progress: Callable | None = None, cancel: threading.Event | None = None, wait: float = 0.0,
             on_wait: Callable[[], None] | None = None, workers: int | None = None, follow_links: bool = False):
        """Index ``paths`` incrementally (or from scratch with ``rebuild``); returns a SyncReport.

        ``rebuild`` also re-reads every folder indexed before, so the library comes back whole.
        Symbolic links leading outside a folder are skipped unless ``follow_links``.
        """
        from .store.locking import write_lock

        if self.readonly:
            raise self._unwritable()
        roots = [str(Path(p).expanduser().absolute()) for p in paths]
        with write_lock(self.paths.lock_file, wait=wait, on_wait=on_wait):
            self._recover_swap()
            if rebuild:
                roots = list(dict.fromkeys(self.state.roots() + roots))
            else:
                self.complete_listing()
            for root in roots:
                if Path(root).exists():
                    self.state.add_root(root)
            big = workers if workers is not None else (self.settings.workers or None)

            def syncer_for(into=None):
                syncer = self._syncer(progress=progress, strict=strict, cancel=cancel, workers=big, into=into,
                                      follow_links=follow_links)
                if big is None:
                    syncer.workers = 1  # decided per run below, once the amount of work is known
                    syncer.auto_workers = True
                return syncer

            if rebuild:
                return self._rebuild(syncer_for, [Path(r) for r in roots])
            report = syncer_for().run([Path(r) for r in roots])
            self.catalog.set_meta("initialised", "1")
            self.catalog.commit()
            return report

    def _recover_swap(self) -> None:
        """Under the write lock: finish a swap a crash interrupted, drop an abandoned build (swap.py)."""
        from .store import swap

        if swap.pending(self.paths.home) and swap.recover(self.paths.home) or \
                self.paths.library_name != swap.LIVE:
            self.paths = self.paths._replace(library_name=swap.LIVE)
            self.reopen()

    def _rebuild(self, syncer_for, roots: list[Path]):
        """Index every root into a new library beside the current one, then swap it in (swap.py).

        The current library is never touched and goes on answering (this process's own calls
        included) until the swap; interrupted, failed or out of disk space, the new one is deleted and
        the report says the previous library is kept.
        """
        from .store import swap
        from .store.catalog import Catalog
        from .store.whoosh.store import Store

        building = swap.building_dir(self.paths.home)
        shutil.rmtree(building, ignore_errors=True)
        new = self.paths._replace(library_name=building.name)
        store = catalog = None
        try:
            store = Store(new.index_dir)
            catalog = Catalog(new.catalog_file)
            catalog.set_meta("listing", "1")  # built here, so every row is listed
            report = syncer_for((store, catalog)).run(roots)
            report.rebuild = True
            if not report.interrupted:
                catalog.set_meta("initialised", "1")
                catalog.commit()
            store.close()
            catalog.close()
            store = catalog = None
            if report.interrupted:
                shutil.rmtree(building, ignore_errors=True)
                return report
            swap.install(self.paths.home, building)
        except BaseException:
            for part in (store, catalog):
                if part is not None:
                    try:
                        part.close()
                    except Exception:  # noqa: BLE001 - the build is being thrown away
                        pass
            shutil.rmtree(building, ignore_errors=True)
            raise
        self.reopen()
        return report

    def index_articles(self, source_key: str, articles, *, remove_missing: bool = False,
                       progress: Callable | None = None, wait: float = 30.0):
        """Index articles that came from somewhere other than a file (a fetched feed)."""
        from .store.locking import write_lock

        if self.readonly:
            raise self._unwritable()
        with write_lock(self.paths.lock_file, wait=wait):
            self.complete_listing()
            report = self._syncer(progress=progress).index_articles(source_key, list(articles),
                                                                  remove_missing=remove_missing)
            self.catalog.set_meta("initialised", "1")
            self.catalog.commit()
            return report

    def index_in_child(self, paths: Sequence[str] = (), *, seed: bool = False, rebuild: bool = False,
                       refresh: bool = False, on_event: Callable[[WorkerEvent], None] | None = None,
                       cancel: threading.Event | None = None) -> WorkerEvent:
        """Index ``paths`` (or refresh the feeds named by ``paths``, all when empty) in a child process,
        so spaCy never loads in this one; ``on_event`` gets its progress, the final event is returned.
        Setting ``cancel`` stops it, keeping what it committed. After a ``rebuild`` call ``reopen()``."""
        from .ingest.worker import index_in_subprocess

        return index_in_subprocess(str(self.paths.home), list(paths), seed=seed, rebuild=rebuild, refresh=refresh,
                                   on_event=on_event, cancel=cancel)

    def ensure_seeded(self, progress: Callable | None = None):
        """On first use with no library, index the bundled sample corpus; None when nothing was needed."""
        if self.readonly or self.was_seeded():
            return None
        return self.sync([seeds_dir()], progress=progress)

    def complete_listing(self) -> None:
        """Fill the list rows of a catalog made before they existed, from the index's stored fields.

        Runs once per library, under the write lock (indexing and refreshing call it); until then the
        newest articles come from Whoosh, as they did before.
        """
        if self.readonly or self.catalog.listing_complete():
            return
        missing = set(self.catalog.ids_without_listing())
        if missing and self.store.exists:
            self.catalog.put_listing([row for row in self.store.listing() if row.id in missing])
        self.catalog.set_meta("listing", "1")
        self.catalog.commit()

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
    def search(self, query: str = "", *, limit: int = 20, offset: int = 0, sort: str = "relevance") -> SearchResult:
        """Never raises for a bad query, nor while another process rebuilds the library: the result
        carries ``error`` instead. No query lists the library newest first, from the catalog."""
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
        return view

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
            labels = [lab for lab in labels if lab != "PLACE"] + ["GPE", "LOC"]
        rows = self.catalog.top_entities(labels=labels, include_noise=include_noise, limit=limit)
        return [EntitySummary(r.key, r.name, r.label, r.aliases, r.articles, r.mentions) for r in rows]

    def find_entity(self, name: str) -> EntitySummary | None:
        candidates = {normalise(name), normalise(name, "PERSON")}
        candidates |= {self.aliases.key_for(c) for c in list(candidates)}
        keys = self.catalog.find_entity_keys(name, sorted(candidates))
        if not keys:
            return None
        r = self.catalog.entity(keys[0])
        return EntitySummary(r.key, r.name, r.label, r.aliases, r.articles, r.mentions) if r else None

    def entity(self, name_or_key: str, *, limit: int = 50) -> EntityDetail | None:
        """One entity: its articles (newest first), the entities seen with it, and mentions by day."""
        row = self.catalog.entity(name_or_key)
        summary = (EntitySummary(row.key, row.name, row.label, row.aliases, row.articles, row.mentions)
                   if row else self.find_entity(name_or_key))
        if summary is None:
            return None
        ids = self.catalog.articles_with(summary.key)
        hits = self._hits([article_id for article_id, _ in ids[:limit]])
        hits.sort(key=lambda h: h.date or h.published or _EPOCH, reverse=True)
        co = tuple((EntitySummary(r.key, r.name, r.label, r.aliases, r.articles, r.mentions), n)
                   for r, n in self.catalog.cooccurring(summary.key))
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
        field = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place"}.get(
            entity.label, "entity")
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

    # -- feeds (issue 6): subscriptions, refresh, OPML ----------------------------------------------
    # Subscriptions live in the state database (they survive ``index --rebuild``); each call opens its
    # own connection so the reader's worker threads and the CLI can call these freely.
    def _subscriptions(self):
        from .feeds.subscriptions import Subscriptions

        return Subscriptions(self.paths.state_file, readonly=self.readonly)

    def feeds(self) -> list:
        """Every subscription with its last outcome (``Feed.state``: new, ok, failing), by name."""
        subs = self._subscriptions()
        try:
            return subs.feeds()
        finally:
            subs.close()

    def add_feed(self, url: str, name: str | None = None):
        """Subscribe (nothing is fetched until a refresh); raises FeedError for a bad or known address."""
        from .feeds.fetch import check_feed_url
        from .feeds.subscriptions import FeedError

        if self.readonly:
            raise self._unwritable()
        try:
            url = check_feed_url(url)
        except ValueError as exc:
            raise FeedError(f"Cannot subscribe: {exc}.") from None
        subs = self._subscriptions()
        try:
            return subs.add(url, name)
        finally:
            subs.close()

    def remove_feed(self, url_or_name: str, *, keep_articles: bool = False) -> tuple:
        """Unsubscribe; returns (the feed, articles removed). Articles another feed carries, or starred
        ones, stay."""
        from .feeds.subscriptions import FeedError

        if self.readonly:
            raise self._unwritable()
        subs = self._subscriptions()
        try:
            feed = subs.get(url_or_name)
            if feed is None:
                raise FeedError(f"No feed called {url_or_name!r}; `newsreader feed list` shows them.")
            ids = subs.entry_ids(feed.id)
            kept = subs.carried_elsewhere(feed.id, ids) | set(self.state.starred_ids())
            doomed = [] if keep_articles else [i for i in ids if i not in kept]
            removed = self._delete_articles(doomed) if doomed else 0
            subs.remove(feed.id)
            subs.forget_entries(doomed)
            return feed, removed
        finally:
            subs.close()

    def _delete_articles(self, ids: list[str], wait: float = 30.0) -> int:
        from .entities.canonical import NOISE_LABELS
        from .store.locking import write_lock

        with write_lock(self.paths.lock_file, wait=wait):
            present = [i for i in ids if self.catalog.article_hash(i) is not None]
            if not present:
                return 0
            writer = self.store.open_writer(timeout=30)
            touched: set[str] = set()
            try:
                for article_id in present:
                    writer.delete(article_id)
                    touched |= self.catalog.delete_article(article_id)
                writer.commit()
                self.catalog.refresh_entity_stats(touched, self.aliases, NOISE_LABELS)
                self.catalog.commit()
            except BaseException:
                writer.cancel()  # the index first, catalog second: a failed commit leaves neither changed
                self.catalog.rollback()
                raise
            return len(present)

    def refresh_feeds(self, names: Sequence[str] | None = None, *, progress: Callable | None = None,
                      cancel: threading.Event | None = None, policy=None, timeout: float | None = None):
        """Fetch the named feeds (all by default) and index what is new; returns a RefreshReport.

        Failures are per feed (``report.failed``), never raised. ``progress`` receives RefreshProgress
        (phases ``feeds``, ``pages``, ``index``, ``done``); setting ``cancel`` stops between requests and
        keeps what was indexed. ``timeout`` is the seconds one request may take, all told;
        ``policy`` (a FetchPolicy) overrides every limit, for tests.
        """
        from dataclasses import replace

        from .feeds.fetch import FetchPolicy
        from .feeds.refresh import Refresher, RefreshProgress
        from .feeds.subscriptions import FeedError

        if self.readonly:
            raise self._unwritable()
        if policy is None and timeout is not None:
            policy = replace(FetchPolicy(), timeout=timeout)
        subs = self._subscriptions()
        try:
            chosen = subs.feeds()
            if names:
                found = {n: subs.get(n) for n in names}
                unknown = [n for n, f in found.items() if f is None]
                if unknown:
                    raise FeedError(f"No feed called {', '.join(map(repr, unknown))}; "
                                    "`newsreader feed list` shows them.")
                wanted = {f.id for f in found.values()}
                chosen = [f for f in chosen if f.id in wanted]

            def index(articles):
                def relay(p):
                    if progress is not None:
                        progress(RefreshProgress("index", p.articles, len(articles)))
                return self.index_articles("feeds", articles, progress=relay)

            return Refresher(subs, article_hash=self.catalog.article_hash, index=index, policy=policy,
                             progress=progress, cancel=cancel).run(chosen)
        finally:
            subs.close()

    def import_opml(self, data: bytes) -> dict:
        """Subscribe to every feed in an OPML file: {"added": [Feed], "existing": [url], "invalid": [(url, why)]}."""
        from .feeds.fetch import check_feed_url
        from .feeds.opml import parse

        outlines = parse(data)
        if self.readonly:
            raise self._unwritable()
        out: dict = {"added": [], "existing": [], "invalid": []}
        wanted = []
        for outline in outlines:
            try:
                wanted.append((check_feed_url(outline.url), outline.name or None))
            except ValueError as exc:
                out["invalid"].append((outline.url, f"Cannot subscribe: {exc}."))
        subs = self._subscriptions()
        try:
            out["added"], out["existing"] = subs.add_many(wanted)
        finally:
            subs.close()
        return out

    def export_opml(self) -> str:
        from .feeds.opml import dump

        return dump(self.feeds())


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino

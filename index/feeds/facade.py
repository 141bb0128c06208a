"""The feeds part of the ``Library`` facade (issue 6): subscriptions, refresh, OPML.

``Library`` inherits it, so callers still see one facade; it lives here, next to the code it drives.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:
    from ..config import Paths
    from ..entities.canonical import AliasTable
    from ..errors import NewsreaderError
    from ..state import State
    from ..store.backend import Backend
    from ..store.catalog import Catalog
    from .fetch import FetchPolicy
    from .refresh import RefreshReport
    from .subscriptions import Feed, Subscriptions


class FeedsFacade:
    if TYPE_CHECKING:  # what it uses of the Library it is part of
        paths: Paths
        readonly: bool
        catalog: Catalog
        state: State
        aliases: AliasTable

        @property
        def store(self) -> Backend: ...

        def _unwritable(self) -> NewsreaderError: ...

        def index_articles(self, source_key: str, articles, *, remove_missing: bool = False,
                           progress: Callable | None = None, wait: float = 30.0): ...

    # Subscriptions live in the state database (they survive ``index --rebuild``); each call opens its
    # own connection so the reader's worker threads and the CLI can call these freely.
    def _subscriptions(self) -> Subscriptions:
        from .subscriptions import Subscriptions

        return Subscriptions(self.paths.state_file, readonly=self.readonly)

    def feeds(self) -> list[Feed]:
        """Every subscription with its last outcome (``Feed.state``: new, ok, failing), by name."""
        subs = self._subscriptions()
        try:
            return subs.feeds()
        finally:
            subs.close()

    def add_feed(self, url: str, name: str | None = None) -> Feed:
        """Subscribe (nothing is fetched until a refresh); raises FeedError for a bad or known address."""
        from .fetch import check_feed_url
        from .subscriptions import FeedError

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

    def remove_feed(self, url_or_name: str, *, keep_articles: bool = False) -> tuple[Feed, int]:
        """Unsubscribe; returns (the feed, articles removed). Articles another feed carries, or starred
        ones, stay."""
        from .subscriptions import FeedError

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
        from ..entities.canonical import NOISE_LABELS
        from ..store.locking import write_lock

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
                      cancel: threading.Event | None = None, policy: FetchPolicy | None = None,
                      timeout: float | None = None) -> RefreshReport:
        """Fetch the named feeds (all by default) and index what is new; returns a RefreshReport.

        Failures are per feed (``report.failed``), never raised. ``progress`` receives Progress
        (phases ``feeds``, ``pages``, ``index``, ``done``); setting ``cancel`` stops between requests and
        keeps what was indexed. ``timeout`` is the seconds one request may take, all told;
        ``policy`` (a FetchPolicy) overrides every limit, for tests.
        """
        from dataclasses import replace

        from .fetch import FetchPolicy
        from ..models import Progress
        from .refresh import Refresher
        from .subscriptions import FeedError

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
                wanted = {f.id for f in found.values() if f is not None}
                chosen = [f for f in chosen if f.id in wanted]

            def index(articles):
                def relay(p):
                    if progress is not None:
                        progress(Progress("index", p.articles, len(articles)))
                return self.index_articles("feeds", articles, progress=relay)

            return Refresher(subs, article_hash=self.catalog.article_hash, index=index, policy=policy,
                             progress=progress, cancel=cancel).run(chosen)
        finally:
            subs.close()

    def import_opml(self, data: bytes) -> dict:
        """Subscribe to every feed in an OPML file: {"added": [Feed], "existing": [url], "invalid": [(url, why)]}."""
        from .fetch import check_feed_url
        from .opml import parse

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
        from .opml import dump

        return dump(self.feeds())

"""One refresh of the user's feeds: fetch, parse, complete summaries, index what is new, record outcomes.

Feeds are fetched in parallel (conditionally); as each arrives, its new or changed entries that carried
only a summary have their pages fetched on the same pool, and the moment a feed's last page is in, its
articles go through the library's ordinary index path (spaCy stays loaded between feeds) and its
outcome is recorded. So a slow or failing server holds back only its own feed, and an interruption
keeps every feed already indexed. At most a few feeds wait fetched-but-unindexed at once, which bounds
a refresh's memory whatever the servers send. A feed's failure is recorded against that feed and never
stops the others. Validators (ETag, Last-Modified) are saved only after the feed's articles are safely
indexed, and are not sent when the library lacks the feed's articles (after ``index --rebuild``), so a
304 can never hide articles the library does not have.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Callable, Sequence

from ..article import Article
from ..models import Progress
from .fetch import FetchError, Fetcher, FetchPolicy, Response
from .fulltext import full_text
from ..ingest.readers.base import ReadError
from ..ingest.readers.feeds import parse
from .subscriptions import Feed, Subscriptions

log = logging.getLogger(__name__)

INDEX_BATCH = 50  # a feed's completed pages are indexed this many at a time

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
               "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5")


@dataclass
class FeedOutcome:
    """What one feed's refresh did; ``status`` is ``ok``, ``not_modified``, ``failed`` or ``skipped``."""

    name: str
    url: str
    status: str = "skipped"
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    partial: int = 0  # new or updated articles left with only the feed's summary
    error: str | None = None
    http_status: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class RefreshReport:
    feeds: list[FeedOutcome] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def new(self) -> int:
        return sum(f.new for f in self.feeds)

    @property
    def updated(self) -> int:
        return sum(f.updated for f in self.feeds)

    @property
    def unchanged(self) -> int:
        return sum(f.unchanged for f in self.feeds)

    @property
    def failed(self) -> list[FeedOutcome]:
        return [f for f in self.feeds if f.failed]

    def to_dict(self) -> dict:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "failed": len(self.failed), "seconds": round(self.seconds, 3), "interrupted": self.interrupted,
                "feeds": [f.to_dict() for f in self.feeds]}


@dataclass
class _Fetched:
    feed: Feed
    outcome: FeedOutcome
    response: Response | None = None
    articles: list[Article] = field(default_factory=list)
    title: str = ""
    fresh: list = field(default_factory=list)  # (article to index, entry hash); None once indexed
    completed: list[int] = field(default_factory=list)  # entries of ``fresh`` whose page is in, not yet indexed


def entry_hash(article: Article) -> str:
    """What the feed itself says about an entry; the same entry in two feeds hashes the same."""
    h = hashlib.sha256()
    for part in (article.title, article.body, article.url,
                 article.published.isoformat() if article.published else ""):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


class Refresher:
    """Driven by ``Library.refresh_feeds``; ``index`` is the library's own article indexer."""

    def __init__(self, subs: Subscriptions, *, article_hash: Callable[[str], str | None],
                 index: Callable[[list[Article]], object], policy: FetchPolicy | None = None,
                 progress: Callable[[Progress], None] | None = None,
                 cancel: threading.Event | None = None) -> None:
        self.subs = subs
        self.article_hash = article_hash
        self.index = index
        self.policy = policy or FetchPolicy()
        self.progress = progress or (lambda p: None)
        self.cancel = cancel or threading.Event()

    def run(self, feeds: Sequence[Feed]) -> RefreshReport:
        started = time.perf_counter()
        feeds = list(feeds)
        report = RefreshReport()
        outcomes: dict[int, FeedOutcome] = {}
        try:
            with Fetcher(self.policy, cancel=self.cancel) as fetcher:
                self._pipeline(fetcher, feeds, outcomes)
        finally:
            report.feeds = [outcomes.get(f.id) or FeedOutcome(f.name, f.url) for f in feeds]
            report.interrupted = self.cancel.is_set()
            report.seconds = time.perf_counter() - started
        self.progress(Progress("done", len(feeds), len(feeds)))
        return report

    # -- the pipeline: fetch feeds, then their pages; index each feed as soon as it is complete ------
    def _pipeline(self, fetcher: Fetcher, feeds: list[Feed], outcomes: dict[int, FeedOutcome]) -> None:
        # Validators only when the library holds everything the feed last carried (not after a rebuild).
        conditional = {f.id: self._library_has(f) for f in feeds}
        waiting = iter(feeds)
        window = max(2, self.policy.concurrency)  # feeds fetched or fetching but not yet indexed
        open_feeds = 0
        claimed: set[str] = set()
        running: dict[Future, tuple[str, object]] = {}
        pages_left: dict[int, int] = {}
        fetched_feeds = pages_done = pages_total = 0
        self.progress(Progress("feeds", 0, len(feeds)))
        pool = ThreadPoolExecutor(max_workers=max(1, self.policy.concurrency))
        try:
            while True:
                while open_feeds < window and not self.cancel.is_set():
                    feed = next(waiting, None)
                    if feed is None:
                        break
                    open_feeds += 1
                    running[pool.submit(self._fetch_one, fetcher, feed, conditional[feed.id])] = ("feed", feed)
                if not running:
                    return
                done, _ = wait(list(running), timeout=0.2, return_when=FIRST_COMPLETED)
                ready: list[_Fetched] = []
                for future in done:
                    kind, item = running.pop(future)
                    if kind == "feed":
                        f = future.result()  # _fetch_one never raises
                        outcomes[f.feed.id] = f.outcome
                        fetched_feeds += 1
                        self.progress(Progress("feeds", fetched_feeds, len(feeds), path=f.feed.name))
                        f.fresh = self._select(f, claimed)
                        todo = [i for i, (a, _) in enumerate(f.fresh)
                                if a.partial and a.url.startswith(("http://", "https://"))]
                        if todo and not self.cancel.is_set():
                            pages_left[f.feed.id] = len(todo)
                            pages_total += len(todo)
                            self.progress(Progress("pages", pages_done, pages_total, path=f.feed.name))
                            for i in todo:
                                running[pool.submit(self._page, fetcher, f, i)] = ("page", (f, i))
                        else:
                            ready.append(f)
                    else:
                        f, i = item
                        pages_done += 1
                        self.progress(Progress("pages", pages_done, pages_total, path=f.feed.name))
                        pages_left[f.feed.id] -= 1
                        f.completed.append(i)
                        if pages_left[f.feed.id] == 0:
                            ready.append(f)
                        elif len(f.completed) >= INDEX_BATCH and not self.cancel.is_set():
                            # A feed with thousands of entries to complete is indexed in batches as its
                            # pages arrive, so the pages' text never piles up in memory.
                            self._index_batch(f, f.completed)
                            f.completed = []
                for f in ready:
                    if self.cancel.is_set():
                        break
                    self._index_batch(f, [i for i, item in enumerate(f.fresh) if item is not None])
                    self._record(f)
                    open_feeds -= 1
        except BaseException:  # Ctrl-C: the fetcher's watchdog cuts every request off, so shutdown is quick
            self.cancel.set()
            raise
        finally:
            if self.cancel.is_set():
                for future in running:
                    future.cancel()
            pool.shutdown(wait=True)

    def _library_has(self, feed: Feed) -> bool:
        ids = self.subs.entry_ids(feed.id)
        return bool(ids) and all(self.article_hash(i) is not None for i in ids)

    def _fetch_one(self, fetcher: Fetcher, feed: Feed, conditional: bool) -> _Fetched:
        """One feed's fetch and parse; whatever goes wrong, including a bug, stays this feed's failure."""
        try:
            return self._fetch_feed(fetcher, feed, conditional)
        except Exception as exc:  # anything else would escape pool.map and abort every other feed
            log.info("refresh of %s failed unexpectedly", feed.url, exc_info=True)
            out = _Fetched(feed, FeedOutcome(feed.name, feed.url))
            reason = f"unexpected error ({type(exc).__name__}: {exc})"
            try:
                return self._failed(out, reason, None)
            except Exception:  # the state database refused the note too: report it all the same
                out.outcome.status, out.outcome.error = "failed", reason
                return out

    def _fetch_feed(self, fetcher: Fetcher, feed: Feed, conditional: bool) -> _Fetched:
        out = _Fetched(feed, FeedOutcome(feed.name, feed.url))
        if self.cancel.is_set():
            return out
        try:
            response = fetcher.get(feed.url, etag=feed.etag if conditional else None,
                                   last_modified=feed.last_modified if conditional else None, accept=FEED_ACCEPT)
        except FetchError as exc:
            return self._failed(out, str(exc), exc.status)
        out.response = response
        out.outcome.http_status = response.status
        if response.not_modified:
            out.outcome.status = "not_modified"
            out.outcome.unchanged = feed.articles
            return out
        html = _html_page(response)
        if html is not None:
            return self._failed(out, html, response.status)
        try:
            result = parse(response.body, location=feed.url, source_key=_source_key(feed), path=feed.url)
        except ReadError as exc:
            return self._failed(out, str(exc), response.status)
        except Exception as exc:  # a parser bug on hostile bytes must stay this feed's problem
            return self._failed(out, f"could not be parsed ({type(exc).__name__}: {exc})", response.status)
        broken = next((w for w in result.warnings if w.startswith("malformed feed")), None)
        if broken and not result.articles:
            return self._failed(out, "not a valid feed: " + broken.split(": ", 1)[-1], response.status)
        out.outcome.status = "ok"
        out.outcome.warnings.extend(result.warnings)
        out.articles = result.articles
        out.title = result.articles[0].source if result.articles else ""
        if out.title:
            out.outcome.name = self.subs.adopt_title(feed.id, out.title)
        return out

    def _failed(self, out: _Fetched, reason: str, status: int | None) -> _Fetched:
        out.outcome.status = "failed"
        out.outcome.error = reason
        out.outcome.http_status = status
        if reason != "cancelled":
            self.subs.record_failure(out.feed.id, reason, status=status)
        else:
            out.outcome.status = "skipped"
        return out

    # -- choosing what to (re)index ----------------------------------------------------------------
    def _select(self, f: _Fetched, claimed: set[str]) -> list[tuple[Article, str]]:
        """The feed's new or changed entries, each once in a refresh even when several feeds carry it
        (the first feed to arrive files it)."""
        fresh = []
        known = self.subs.entry_hashes([a.id for a in f.articles])
        for article in f.articles:
            if article.id in claimed:
                f.outcome.unchanged += 1
                continue
            claimed.add(article.id)
            digest = entry_hash(article)
            if known.get(article.id) == digest and self.article_hash(article.id) is not None:
                f.outcome.unchanged += 1
                continue
            stamped = replace(article, source=f.outcome.name, source_key=_source_key(f.feed), path=f.feed.url,
                              fetched=_now())
            fresh.append((stamped, digest))
        return fresh

    # -- article pages -----------------------------------------------------------------------------
    def _page(self, fetcher: Fetcher, f: _Fetched, i: int) -> None:
        """Complete entry ``i`` of ``f.fresh`` from its page; any failure keeps the summary (partial)."""
        article, digest = f.fresh[i]
        if self.cancel.is_set():
            return
        try:
            completed, problem = full_text(fetcher, article)
        except Exception as exc:  # hostile page bytes: keep the summary rather than abort the refresh
            log.info("article page %s failed unexpectedly", article.url, exc_info=True)
            completed = article if article.partial else replace(article, partial=True)
            problem = f"article page {article.url}: unexpected error ({type(exc).__name__}: {exc})"
        f.fresh[i] = (completed, digest)
        if problem:
            f.outcome.warnings.append(problem)

    # -- index, then record ------------------------------------------------------------------------
    def _index_batch(self, f: _Fetched, which: list[int]) -> None:
        """Index entries ``which`` of ``f.fresh``, count them, remember their hashes, and let them go."""
        fresh = [f.fresh[i] for i in which]
        if not fresh:
            return
        before = {a.id: self.article_hash(a.id) for a, _ in fresh}
        self.progress(Progress("index", 0, len(fresh), path=f.outcome.name))
        self.index([a for a, _ in fresh])
        stored = []
        for article, digest in fresh:
            now_hash = self.article_hash(article.id)
            if now_hash is None:  # not indexed (interrupted): the next refresh tries again
                continue
            stored.append((article.id, digest, article.partial))
            if before[article.id] is None:
                f.outcome.new += 1
            elif before[article.id] == now_hash:
                f.outcome.unchanged += 1
            else:
                f.outcome.updated += 1
            if article.partial:
                f.outcome.partial += 1
        self.subs.put_entries(stored)
        for i in which:
            f.fresh[i] = None

    def _record(self, f: _Fetched) -> None:
        """The feed is complete: what it carries now, and its validators (only now, after its articles)."""
        if f.outcome.status == "ok":
            self.subs.set_membership(f.feed.id, [a.id for a in f.articles])
        if f.outcome.status in ("ok", "not_modified") and f.response is not None:
            self.subs.record_success(f.feed.id, status=f.response.status, etag=f.response.etag,
                                     last_modified=f.response.last_modified)
        f.articles, f.fresh, f.response = [], [], None  # recorded: let the feed's memory go


_FEED_LINK = re.compile(
    rb"""<link\b[^>]*\btype=["']application/(?:rss|atom)\+xml["'][^>]*>""", re.IGNORECASE)
_HREF = re.compile(rb"""\bhref=["']([^"']+)["']""", re.IGNORECASE)


def _html_page(response: Response) -> str | None:
    """A reason when the address gave a web page rather than a feed (naming the page's feed if it links one)."""
    kind = response.content_type.split(";")[0].strip().lower()
    head = response.body[:1024].lstrip().lower()
    if kind not in ("text/html", "application/xhtml+xml") and not head.startswith((b"<!doctype html", b"<html")):
        return None
    if re.search(rb"<(rss|feed|rdf:rdf)\b", response.body[:4096], re.IGNORECASE):
        return None  # a feed served with the wrong type
    reason = "not a feed: the address returned an HTML page"
    link = _FEED_LINK.search(response.body[:200_000])
    href = _HREF.search(link.group(0)) if link else None
    if href:
        from urllib.parse import urljoin

        reason += f" (its feed may be at {urljoin(response.url, href.group(1).decode('utf-8', 'replace'))})"
    return reason


def _source_key(feed: Feed) -> str:
    return f"feed:{feed.url}"


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)

"""Incremental indexing: bring the library in line with what is on disk under the given paths.

A file is re-read only when its size or mtime changed, and re-analysed only when its bytes changed;
an article is re-indexed only when its content hash changed. Work is committed in batches (Whoosh
first, then the catalog) of at most COMMIT_EVERY articles or COMMIT_SECONDS, whichever comes first, so
a killed run loses seconds of work at most and the next run picks up where it stopped. A run asked to
stop (``cancel``: the command line sets it on Ctrl+C or SIGTERM) takes no new text, commits every
article whose analysis has finished, and returns a report marked ``interrupted``.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import sqlite3
import stat
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

from ..article import Article, EntitySpan
from ..store.catalog import Catalog, FileRecord
from ..entities.canonical import NOISE_LABELS, AliasTable, canonicalise, search_hints
from ..errors import DiskFull, StrictFailure
from ..models import Progress
from ..textclean import decodable
from .readers import ReadError, read_file, reader_for
from ..store.backend import Backend

log = logging.getLogger(__name__)

COMMIT_EVERY = 500  # articles per commit at most: bounds the memory a batch holds
COMMIT_SECONDS = 5.0  # and seconds between commits at most: bounds what a kill -9 or a crash loses
AUTO_PARALLEL_FILES = 200


@dataclass(frozen=True)
class Problem:
    path: str
    reason: str


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[Problem] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    rebuild: bool = False  # a rebuild: interrupted, it was abandoned and the previous library kept

    @property
    def analysed(self) -> int:
        return self.added + self.updated

    @property
    def articles_per_second(self) -> float:
        return self.analysed / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged, "removed": self.removed,
            "skipped": [p.__dict__ for p in self.skipped], "failed": [p.__dict__ for p in self.failed],
            "warnings": [p.__dict__ for p in self.warnings], "seconds": round(self.seconds, 3),
            "interrupted": self.interrupted, "rebuild": self.rebuild,
        }


def walk(root: Path, report: SyncReport, unreadable: set[str] | None = None, *, follow_links: bool = False,
         refused: set[str] | None = None) -> Iterator[tuple[Path, os.stat_result]]:
    """Files under ``root``, following links inside it but never the same directory twice (no loops).

    A symbolic link that leads outside ``root`` is not followed unless ``follow_links``: indexing a
    folder must not read ``/etc/passwd`` because someone left a link to it there. Such links are
    reported as skipped and added to ``refused``. Folders that could not be listed are reported and
    added to ``unreadable``: what they hold is unknown, not gone.
    """
    unreadable = set() if unreadable is None else unreadable
    refused = set() if refused is None else refused
    try:
        inside = root.resolve(strict=True)
    except (OSError, RuntimeError):
        inside = root
    try:
        st = root.stat()
    except OSError as exc:
        report.failed.append(Problem(str(root), _os_reason(exc)))
        unreadable.add(str(root))
        return
    if not stat.S_ISDIR(st.st_mode):
        yield root, st
        return
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            dst = directory.stat()
        except OSError as exc:
            report.failed.append(Problem(str(directory), _os_reason(exc)))
            unreadable.add(str(directory))
            continue
        if (dst.st_dev, dst.st_ino) in seen:
            continue
        seen.add((dst.st_dev, dst.st_ino))
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            report.failed.append(Problem(str(directory), _os_reason(exc)))
            unreadable.add(str(directory))
            continue
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                est = entry.stat(follow_symlinks=True)
            except OSError as exc:
                broken = isinstance(exc, FileNotFoundError) and entry.is_symlink()
                report.failed.append(Problem(str(path), "broken symbolic link" if broken else _os_reason(exc)))
                continue
            loop = stat.S_ISDIR(est.st_mode) and entry.is_symlink() and _encloses(path, directory)
            if not loop and not follow_links and entry.is_symlink() and not _leads_inside(path, inside):
                report.skipped.append(Problem(str(path), "symbolic link to outside the folder, not followed "
                                                         "(--follow-links follows it)"))
                refused.add(str(path))
                continue
            if stat.S_ISDIR(est.st_mode):
                if loop:
                    report.skipped.append(Problem(str(path), "symbolic link loop (points to an enclosing folder)"))
                else:
                    subdirs.append(path)
            elif stat.S_ISREG(est.st_mode):
                yield path, est
            else:  # a FIFO would block the reader forever; devices and sockets are not articles
                report.skipped.append(Problem(str(path), "not a regular file"))
        stack.extend(reversed(subdirs))


def _leads_inside(link: Path, root: Path) -> bool:
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return target == root or root in target.parents


def _encloses(link: Path, directory: Path) -> bool:
    """True when the folder ``link`` points to contains ``directory``: following it would walk in circles
    (and out of the folder the user asked for)."""
    try:
        target = link.resolve(strict=True)
        here = directory.resolve(strict=True)
    except (OSError, RuntimeError):
        return True
    return here == target or target in here.parents


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory"
    if getattr(exc, "errno", None) == 40:
        return "too many levels of symbolic links"
    return exc.strerror or str(exc)


@dataclass
class _FileJob:
    record: FileRecord
    articles: list[Article]
    stale_ids: list[str]
    remaining: int = 0


class Syncer:
    """One run of ``newsreader index``; created and driven by ``Library.sync``."""

    def __init__(self, store: Backend, catalog: Catalog, *, extractor_factory: Callable[[int], object],
                 aliases: AliasTable, max_file_bytes: int, workers: int = 0,
                 progress: Callable[[Progress], None] | None = None, strict: bool = False,
                 cancel: threading.Event | None = None, follow_links: bool = False) -> None:
        self.store = store
        self.catalog = catalog
        self.extractor_factory = extractor_factory
        self.aliases = aliases
        self.max_file_bytes = max_file_bytes
        self.workers = workers
        self.progress = progress or (lambda p: None)
        self.strict = strict
        self.cancel = cancel
        self.follow_links = follow_links
        self.auto_workers = False
        self.report = SyncReport()
        self._read = 0  # files read so far this run
        self._done = 0  # files whose every article is analysed
        self._total = 0
        self._pending = [0, 0]  # added, updated since the last commit: counted in the report once committed
        self._batch: list[str] = []  # ids written since the last commit
        # Whoosh's update_document only replaces committed documents, so one run must never write the
        # same article twice (overlapping roots, one entry in two feed files): first one wins.
        self._ids_this_run: set[str] = set()

    # -- public ------------------------------------------------------------------------------------
    def run(self, roots: Iterable[Path]) -> SyncReport:
        started = time.perf_counter()
        try:
            unique = dict.fromkeys(Path(r).expanduser().absolute() for r in roots)
            with self._disk_full_is_an_error():
                candidates = self._scan(list(unique))
                self._index(candidates)
        except KeyboardInterrupt:
            self.report.interrupted = True
            raise
        finally:
            self.report.seconds = time.perf_counter() - started
        return self.report

    def index_articles(self, source_key: str, articles: list[Article], *, remove_missing: bool = False) -> SyncReport:
        """Index articles that did not come from a file (feeds): same hashing, entities and commits."""
        started = time.perf_counter()
        known = self.catalog.article_hashes(source_key) if remove_missing else {}
        fresh = self._fresh(articles)
        stale = [i for i in known if i not in {a.id for a in articles}]
        job = _FileJob(FileRecord(source_key, 0, 0, ""), fresh, stale)
        with self._disk_full_is_an_error():
            self._write_jobs([job], record_files=False)
        self.report.seconds = time.perf_counter() - started
        return self.report

    @contextmanager
    def _disk_full_is_an_error(self) -> Iterator[None]:
        """A full disk surfaces as ENOSPC from Whoosh or "database or disk is full" from SQLite; both
        arrive after the batch was rolled back, so the message can promise nothing committed was lost."""
        try:
            yield
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFull(self.store.directory.parent, exc) from exc
            raise
        except sqlite3.OperationalError as exc:
            if "full" in str(exc):
                raise DiskFull(self.store.directory.parent, exc) from exc
            raise

    # -- scanning ----------------------------------------------------------------------------------
    def _scan(self, roots: list[Path]) -> list[tuple[Path, os.stat_result]]:
        """Stat every file; return those that may have changed. Removals are applied here."""
        candidates = []
        taken: set[str] = set()  # a file under two overlapping roots is read once
        for root in roots:
            if not root.exists() and not root.is_symlink():
                self._fail(Problem(str(root), "no such file or directory"))
                continue
            known = self.catalog.files_under(str(root))
            seen: set[str] = set()
            unreadable: set[str] = set()
            refused: set[str] = set()
            stopped = False
            for path, st in walk(root, self.report, unreadable, follow_links=self.follow_links, refused=refused):
                if self._stopping():
                    stopped = True
                    break
                key = str(path)
                if reader_for(path) is None:
                    self.report.skipped.append(Problem(key, f"unsupported file type {path.suffix or '(none)'}"))
                    continue
                seen.add(key)
                if key in taken:
                    continue
                taken.add(key)
                record = known.get(key)
                if record and record.mtime_ns == st.st_mtime_ns and record.size == st.st_size:
                    self.report.unchanged += len(self.catalog.article_hashes(key))
                    continue
                candidates.append((path, st))
                self.progress(Progress("scan", len(candidates), 0, path=key))
            # A file missing from the walk is gone only if the system says so: a folder we could not
            # list (permissions, I/O error) or a file we could not stat keeps its articles.
            if stopped:  # what the walk did not reach is unknown, not gone
                break
            # Files reached through a link that is no longer followed go too: they are outside the folder.
            gone = [p for p in known if p not in seen and not _inside(p, unreadable)
                    and (_gone(p) or _inside(p, refused))]
            if gone:
                self._remove_files(gone)
        return candidates

    def _remove_files(self, paths: list[str]) -> None:
        stale = [article_id for path in paths for article_id in self.catalog.article_hashes(path)]
        self._commit(self.store.open_writer(timeout=30), set(), stale_ids=stale, drop_files=paths)

    # -- reading -----------------------------------------------------------------------------------
    def _stopping(self) -> bool:
        if self.cancel is not None and self.cancel.is_set():
            self.report.interrupted = True
            return True
        return False

    def _tell(self, path: str = "") -> None:
        self.progress(Progress("index", self._done, self._total, self.report.analysed + sum(self._pending),
                               path, self._read))

    def _read_jobs(self, candidates: list[tuple[Path, os.stat_result]]) -> Iterator[_FileJob]:
        for path, st in candidates:
            if self._stopping():
                return
            key = str(path)
            self._read += 1
            self._tell(key)
            if st.st_size > self.max_file_bytes:
                self._fail(Problem(key, f"too large ({st.st_size / 1e6:.1f} MB; the limit is "
                                        f"{self.max_file_bytes / 1e6:.0f} MB, set engine.max_file_mb to change it)"))
                self._done += 1
                continue
            try:
                data = path.read_bytes()
            except OSError as exc:
                self._fail(Problem(key, _os_reason(exc)))
                self._done += 1
                continue
            sha = hashlib.sha256(data).hexdigest()
            record = FileRecord(key, st.st_mtime_ns, st.st_size, sha)
            old = self.catalog.file(key)
            if old is not None and old.sha == sha:
                self.catalog.put_file(record)
                self.report.unchanged += len(self.catalog.article_hashes(key))
                self._done += 1
                continue
            try:
                result = read_file(path, data)
            except ReadError as exc:
                self._fail(Problem(key, str(exc)))
                self._done += 1
                continue
            except Exception as exc:  # a reader bug must not end the run: report it against the file
                log.exception("reader crashed on %s", key)
                self._fail(Problem(key, f"could not be read ({type(exc).__name__}: {exc})"))
                self._done += 1
                continue
            for warning in result.warnings:
                self.report.warnings.append(Problem(key, warning))
            fetched = _mtime(st)
            articles = [_storable(a if a.fetched else _with_fetched(a, fetched)) for a in result.articles]
            previous = self.catalog.article_hashes(key)
            new_ids = {a.id for a in articles}
            stale = [i for i in previous if i not in new_ids]
            yield _FileJob(record, self._fresh(articles), stale)

    def _fresh(self, articles: list[Article]) -> list[Article]:
        """Drop articles whose content is already indexed unchanged; count them."""
        fresh = []
        for article in articles:
            if article.id in self._ids_this_run:
                continue
            self._ids_this_run.add(article.id)
            if self.catalog.article_hash(article.id) == article.content_hash:
                self.report.unchanged += 1
            else:
                fresh.append(article)
        return fresh

    # -- analysing and writing ---------------------------------------------------------------------
    def _index(self, candidates: list[tuple[Path, os.stat_result]]) -> None:
        if self.auto_workers:
            # A second process pays for its start-up (~1 s) only on big jobs.
            self.workers = min(2, os.cpu_count() or 1) if len(candidates) >= AUTO_PARALLEL_FILES else 1
        self._total = len(candidates)
        self._write_jobs(self._read_jobs(candidates), record_files=True)
        self.progress(Progress("done", self._done, self._total, self.report.analysed, read=self._read))

    def _write_jobs(self, jobs: Iterable[_FileJob], *, record_files: bool) -> None:
        """Stream articles through NER into Whoosh, committing every COMMIT_EVERY articles or
        COMMIT_SECONDS, whichever comes first.

        A commit may fall inside a file: its articles analysed so far are committed, its file record
        (and the removal of its articles that are gone) wait for its last article, so a run stopped
        there re-reads the file and analyses only what is missing.
        """
        queue: deque[tuple[_FileJob, Article]] = deque()
        finished: list[_FileJob] = []

        def texts() -> Iterator[str]:
            for job in jobs:
                if not job.articles:
                    finished.append(job)
                    self._done += 1
                    continue
                job.remaining = len(job.articles)
                for article in job.articles:
                    queue.append((job, article))
                    yield f"{article.title}\n\n{article.body}"

        text_iter = texts()
        first = next(text_iter, None)  # peek: a run with nothing to analyse never loads spaCy
        stream: Iterable = ()
        if first is not None:
            extractor = self.extractor_factory(self.workers)

            def chained() -> Iterator[str]:
                yield first
                yield from text_iter

            stream = extractor.extract(chained(), stop=self.cancel)

        writer = self.store.open_writer(timeout=30)
        touched: set[str] = set()
        pending = 0
        since = time.monotonic()
        try:
            for raw in stream:
                job, article = queue.popleft()
                article = _attach_entities(article, raw, self.aliases, self.catalog)
                known = self.catalog.article_hash(article.id) is not None
                hints = search_hints(article.entities + article.title_entities, self.catalog)
                writer.put(article, self.aliases, hints)
                self._batch.append(article.id)
                touched |= self.catalog.put_article(article, new=not known)
                self._pending[1 if known else 0] += 1
                pending += 1
                job.remaining -= 1
                if job.remaining == 0:
                    finished.append(job)
                    self._done += 1
                self._tell(job.record.path)
                if pending >= COMMIT_EVERY or time.monotonic() - since >= COMMIT_SECONDS:
                    self._commit_jobs(writer, finished, touched, record_files)
                    writer = self.store.open_writer(timeout=30)
                    finished, touched, pending = [], set(), 0
                    since = time.monotonic()
        except BaseException:
            writer.cancel()
            self.catalog.rollback()
            self._pending = [0, 0]
            raise
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # an interrupted run stops the NER processes here, before the write lock is let go
        self._commit_jobs(writer, finished, touched, record_files)
        self._stopping()

    def _commit(self, writer, touched: set[str], *, stale_ids: Iterable[str] = (),
                records: Iterable[FileRecord] = (), drop_files: Iterable[str] = ()) -> None:
        """Apply removals and file records, then commit Whoosh first and the catalog second.

        A crash between the two commits leaves Whoosh with the batch and the catalog without it; the
        batch's ids are written to ``commit.pending`` first, so the next writer takes them out of both
        (``settle_cut_commit``) and the next run redoes these files. If either commit fails (a full disk)
        the catalog's pending rows are rolled back: left on the shared connection, the next catalog
        commit would record articles Whoosh never got, or forget files it still has.
        """
        removed = 0
        stale_ids = list(stale_ids)
        try:
            for article_id in stale_ids:
                writer.delete(article_id)
                touched |= self.catalog.delete_article(article_id)
                removed += 1
            for record in records:
                self.catalog.put_file(record)
            for path in drop_files:
                self.catalog.drop_file(path)
            with cut_commit_guard(self.store, self._batch + stale_ids):
                writer.commit()
                self.catalog.refresh_entity_stats(touched, self.aliases, NOISE_LABELS)
                self.catalog.commit()
        except BaseException:
            writer.cancel()
            self.catalog.rollback()
            self._pending = [0, 0]
            self._batch = []
            raise
        self._batch = []
        self.report.removed += removed
        self.report.added += self._pending[0]
        self.report.updated += self._pending[1]
        self._pending = [0, 0]

    def _commit_jobs(self, writer, jobs: list[_FileJob], touched: set[str], record_files: bool) -> None:
        self._commit(writer, touched, stale_ids=[i for job in jobs for i in job.stale_ids],
                     records=[job.record for job in jobs] if record_files else ())

    def _fail(self, problem: Problem) -> None:
        self.report.failed.append(problem)
        if self.strict:
            raise StrictFailure(problem)


PENDING = "commit.pending"


@contextmanager
def cut_commit_guard(store, ids: list[str]) -> Iterator[None]:
    """Around the two commits of one batch (Whoosh, then the catalog): the batch's ids in a file beside
    them, removed once both are done. Left behind, it means a crash cut the batch in two."""
    path = Path(store.directory).parent / PENDING
    path.write_text("".join(f"{i}\n" for i in ids), encoding="utf-8")
    yield
    path.unlink()


def settle_cut_commit(store, catalog, aliases: AliasTable) -> int:
    """Bring Whoosh and the catalog back into agreement after a crash between a batch's two commits:
    every article of that batch leaves both (the catalog's file records were rolled back with it, so
    the next run reads those files again and puts them back). Call under the write lock. Returns how
    many ids were settled."""
    path = Path(store.directory).parent / PENDING
    try:
        ids = [line for line in path.read_text(encoding="utf-8").split("\n") if line]
    except FileNotFoundError:
        return 0
    log.info("settling %d articles of a commit cut short by a crash", len(ids))
    writer = store.open_writer(timeout=30)
    touched: set[str] = set()
    try:
        for article_id in ids:
            writer.delete(article_id)
            touched |= catalog.delete_article(article_id)
        writer.commit()
        catalog.refresh_entity_stats(touched, aliases, NOISE_LABELS)
        catalog.commit()
    except BaseException:
        writer.cancel()
        catalog.rollback()
        raise
    path.unlink()
    return len(ids)


def _attach_entities(article: Article, raw: list, aliases: AliasTable, known=None) -> Article:
    """Split spans found in "title\\n\\nbody" into title and body spans, then canonicalise together.

    ``known`` (the catalog) lends the library's label votes and known full names, so a bare "Pompeo"
    joins the "Mike Pompeo" indexed earlier and the search fields use the library's type for a name.
    """
    offset = len(article.title) + 2
    spans = []
    for r in raw:
        spans.append(EntitySpan(r.start, r.end, r.label, r.text))
    canon = canonicalise(spans, aliases, known, f"{article.title}\n\n{article.body}")
    title_spans = tuple(s for s in canon if s.end <= len(article.title))
    body_spans = tuple(
        EntitySpan(s.start - offset, s.end - offset, s.label, s.text, s.key) for s in canon if s.start >= offset
    )
    return article.with_entities(body_spans, title_spans)


def _gone(path: str) -> bool:
    """True only when the file at ``path`` no longer exists (or the folder it was in, or a folder now
    stands in its place); any other error means unknown."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode)


def _inside(path: str, folders: set[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def _mtime(st: os.stat_result):
    from datetime import datetime, timezone

    return datetime.fromtimestamp(st.st_mtime, tz=timezone.utc).replace(tzinfo=None)


def _storable(article: Article) -> Article:
    """A name that is not UTF-8 (its stray bytes are lone surrogates) shown as ``\\xNN`` in the fields
    that are text (path, source: the folder's name); ``source_key`` stays exact, the catalog keeps bytes."""
    if article.path.isascii() and article.source.isascii():
        return article
    from dataclasses import replace

    return replace(article, path=decodable(article.path), source=decodable(article.source))


def _with_fetched(article: Article, fetched) -> Article:
    from dataclasses import replace

    return replace(article, fetched=fetched)

"""The Whoosh index on disk: opening it safely, one shared searcher, and writes.

``Store`` is the Whoosh implementation of ``store.backend.Backend``: Whoosh objects never leave this
package, callers get plain records (named tuples, ``models.py``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, LockError

from ...article import Article, EntitySpan
from ...entities.canonical import FIELD_FOR_LABEL, NOISE_LABELS, AliasTable
from ...errors import IndexDamaged, LibraryBusy
from ...models import ArticleView, Hit, ListingRow, SearchResult
from ...search.highlight import snippet
from .compat import internals_known
from .schema import build_schema

if TYPE_CHECKING:
    from .searcher import Searcher

log = logging.getLogger(__name__)
INDEX_NAME = "articles"


def encode_spans(article: Article) -> str:
    """Spans as compact JSON: keys listed once, each span [start, end, label, key_index]."""
    keys: dict[str, int] = {}

    def rows(spans: tuple[EntitySpan, ...]) -> list:
        return [[s.start, s.end, s.label, keys.setdefault(s.key, len(keys))] for s in spans]

    body, title = rows(article.entities), rows(article.title_entities)
    return json.dumps({"k": list(keys), "b": body, "t": title}, separators=(",", ":"))


def decode_spans(data: str | None, body: str, title: str) -> tuple[list[EntitySpan], list[EntitySpan]]:
    if not data:
        return [], []
    obj = json.loads(data)
    keys = obj.get("k", [])

    def spans(rows, text):
        out = []
        for start, end, label, k in rows:
            if 0 <= start < end <= len(text):
                out.append(EntitySpan(start, end, label, text[start:end], keys[k] if k < len(keys) else ""))
        return out

    return spans(obj.get("b", []), body), spans(obj.get("t", []), title)


def document_for(article: Article, aliases: AliasTable | None = None,
                 hints: Mapping[str, str] | None = None) -> dict:
    """The Whoosh document for an article. Entity fields get the canonical key, each spelling seen and,
    with ``aliases``, the spellings the alias table knows, so ``place:USA`` finds an article that only
    says "the U.S.". The field follows the span's voted label (library-wide where the library knew it)."""
    fields: dict[str, set[str]] = {"person": set(), "org": set(), "place": set(), "entity": set()}
    for span in article.entities + article.title_entities:
        if span.label in NOISE_LABELS or not span.key:
            continue
        values = {span.key, span.text}
        if hints and span.key in hints:  # the full name a bare surname stands for (search_hints)
            values.add(hints[span.key])
        if aliases is not None:
            values |= set(aliases.spellings(span.key))
        fields["entity"] |= values
        field = FIELD_FOR_LABEL.get(span.label)
        if field:
            fields[field] |= values
    sortdate = article.published or article.fetched
    doc = dict(
        id=article.id,
        title=article.title,
        body=article.body,
        exact=f"{article.title}\n{article.body}",
        source=article.source,
        path=article.path,
        url=article.url,
        words=article.word_count,
        partial=article.partial,
        spans=encode_spans(article),
        **{name: " ; ".join(sorted(v)) for name, v in fields.items()},
    )
    if article.published:
        doc["published"] = article.published
    if sortdate:
        doc["sortdate"] = sortdate
    return doc


class _ViewReader:
    """A read-only file over a memoryview: each read copies only the bytes asked for."""

    def __init__(self, buf) -> None:
        self._view = memoryview(buf)
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        size = len(self._view)
        end = size if n is None or n < 0 else min(size, self._pos + n)
        out = self._view[self._pos:end].tobytes()
        self._pos = end
        return out

    def readline(self, limit: int = -1) -> bytes:
        size = len(self._view) if limit is None or limit < 0 else min(len(self._view), self._pos + limit)
        end = self._pos
        while end < size:
            chunk = self._view[end:min(size, end + 256)].tobytes()
            i = chunk.find(b"\n")
            if i >= 0:
                end += i + 1
                break
            end += len(chunk)
        return self.read(end - self._pos)

    def seek(self, pos: int, whence: int = 0) -> int:
        base = (0, self._pos, len(self._view))[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._view.release()


def _zero_copy_segment_files() -> None:
    """Stop Whoosh from copying every file of a segment into memory when it opens it.

    Whoosh maps a compound segment file (``.seg``, the default) and hands out its parts as
    ``BufferFile``s, whose constructor wraps the mapped bytes in ``BytesIO``, a full copy. Opening a
    reader on a 50,000-article library therefore read ~750 MB into the heap on top of the mapping
    (5 s and 1.5 GB resident in the reader). Reading through a view of the mapping keeps the speed
    of in-memory reads and leaves the pages to the OS cache.
    """
    from whoosh.filedb import structfile

    def __init__(self, buf, name=None, onclose=None):
        self._buf = buf
        self._name = name
        self.file = _ViewReader(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    structfile.BufferFile.__init__ = __init__


if internals_known():  # another Whoosh keeps its own BufferFile (a copy per part, but correct)
    _zero_copy_segment_files()


def _write_codec():
    """Whoosh's codec without zlib on posting blocks.

    Whoosh compresses every posting block, however small (its "under 20 bytes" check is overwritten
    on the next line), and most terms of a new segment have a block of one or two postings. Leaving
    them uncompressed saves ~2 ms of the indexer's ~13 ms of Whoosh work per article (measured in
    benchmarks/) for an index ~30% larger. Readers need nothing: each block records whether it is
    compressed, so old and new segments mix.
    """
    from whoosh.codec.whoosh3 import W3Codec

    return W3Codec(compression=0)


def listing_row(fields: dict, lead: str | None = None) -> ListingRow:
    """An article's list row from its stored fields; ``lead`` defaults to the opening of its body."""
    return ListingRow(fields["id"], fields.get("title", ""), fields.get("source", ""), fields.get("path", ""),
                      fields.get("url", ""), int(fields.get("words") or 0), fields.get("published"),
                      fields.get("sortdate"), snippet(fields.get("body", ""), [])[0] if lead is None else lead)


class WhooshBatch:
    """A Whoosh writer (ours or Whoosh's own) as a ``BatchWriter``."""

    def __init__(self, writer) -> None:
        self._writer = writer

    def put(self, article: Article, aliases: AliasTable | None = None,
            hints: Mapping[str, str] | None = None) -> None:
        self._writer.update_document(**document_for(article, aliases, hints))

    def delete(self, article_id: str) -> None:
        self._writer.delete_by_term("id", article_id)

    def commit(self) -> None:
        self._writer.commit()

    def cancel(self) -> None:
        """Throw away uncommitted writes; a writer that already committed (the catalog failed after it)
        is left be. A writer whose commit failed half-way may fail to cancel too; its Whoosh lock is
        released anyway, or this process would keep the index locked until it exits."""
        writer = self._writer
        if getattr(writer, "is_closed", False):
            return
        try:
            writer.cancel()
        except Exception:
            log.warning("could not cancel a failed index write cleanly", exc_info=True)
            lock = getattr(writer, "writelock", None)
            if lock is not None:
                try:
                    lock.release()
                except Exception:
                    log.warning("could not release the index lock", exc_info=True)


class Store:
    """One Whoosh index. Reads share a searcher guarded by a lock; writes go through ``open_writer()``."""

    def __init__(self, directory: Path, *, readonly: bool = False) -> None:
        self.directory = directory
        self.readonly = readonly
        self._lock = threading.RLock()
        self._searcher = None
        self._stamp: tuple[int, int, int] | None = None  # the TOC the shared searcher was opened on
        self._queries: Searcher | None = None
        self._ix = self._open()

    def _open(self):
        storage = FileStorage(str(self.directory), readonly=self.readonly)
        try:
            if not self.directory.is_dir() or not whoosh_index.exists_in(str(self.directory), INDEX_NAME):
                if self.readonly:
                    return None
                self.directory.mkdir(parents=True, exist_ok=True)
                return storage.create_index(build_schema(), indexname=INDEX_NAME)
            ix = storage.open_index(INDEX_NAME)
            # Touch every segment now so a truncated or missing file is found at open, not mid-search.
            with ix.reader() as reader:
                reader.doc_count_all()
                for name in ("id", "exact"):
                    if name in reader.schema:
                        next(iter(reader.lexicon(name)), None)
            return ix
        except (EmptyIndexError, OSError, EOFError, ValueError, KeyError, IndexError, TypeError) as exc:
            if isinstance(exc, PermissionError) and not self.readonly:
                raise
            raise IndexDamaged(self.directory, exc) from exc
        except Exception as exc:  # struct.error, pickle errors from a truncated TOC ...
            raise IndexDamaged(self.directory, exc) from exc

    @property
    def exists(self) -> bool:
        return self._ix is not None

    def _toc_stamp(self) -> tuple[int, int, int]:
        """(generation, inode, mtime) of the newest table of contents.

        The generation alone (Whoosh's ``up_to_date``) misses a rebuild by another process: the new
        index counts generations from 1 again and soon reaches the one this searcher was opened on.
        """
        generation = self._ix.latest_generation()
        if generation < 0:
            raise FileNotFoundError(f"no index in {self.directory}")
        st = os.stat(self.directory / f"_{INDEX_NAME}_{generation}.toc")  # Whoosh's TOC file name
        return generation, st.st_ino, st.st_mtime_ns

    @contextmanager
    def searcher(self) -> Iterator:
        """The shared searcher, reopened if another process committed or rebuilt since it was opened.

        Calls are serialised by the store's lock, held while the caller's block runs: Whoosh searchers
        are not safe to share between threads, and neither is the query parser (see ``query.parse``).
        Keep the block to the work that needs the index. While the folder is missing (another process
        is rebuilding it) this raises LibraryBusy.
        """
        if self._ix is None:
            raise IndexDamaged(self.directory, FileNotFoundError("no index yet"))
        with self._lock:
            try:
                stamp = self._toc_stamp()
                if self._searcher is None or stamp != self._stamp:
                    # Whoosh's refresh(reuse=...) fails on a reader that started empty; a fresh searcher
                    # is cheap (tens of ms) and only needed after another commit.
                    fresh = self._ix.searcher()
                    if self._searcher is not None:
                        self._searcher.close()
                    self._searcher, self._stamp = fresh, stamp
            except (EmptyIndexError, OSError) as exc:
                raise LibraryBusy("its index is being rebuilt by another newsreader process") from exc
            yield self._searcher

    # -- the Backend protocol (store/backend.py) ---------------------------------------------------
    @property
    def queries(self) -> Searcher:
        """The query runner (one shared parser), made on first use."""
        if self._queries is None:
            from .searcher import Searcher

            self._queries = Searcher(self)
        return self._queries

    def count(self) -> int:
        with self.searcher() as s:
            return s.doc_count()

    def get(self, article_id: str) -> ArticleView | None:
        with self.searcher() as s:
            fields = s.document(id=article_id) if self.exists else None
        if not fields:
            return None
        body, title = fields.get("body", ""), fields.get("title", "")
        spans, title_spans = decode_spans(fields.get("spans"), body, title)
        return ArticleView(
            id=article_id, title=title, body=body, source=fields.get("source", ""), url=fields.get("url", ""),
            published=fields.get("published"), path=fields.get("path", ""), words=int(fields.get("words") or 0),
            partial=bool(fields.get("partial")), entities=tuple(spans), title_entities=tuple(title_spans),
            date=fields.get("sortdate"),
        )

    def listing(self, ids: Iterable[str] | None = None) -> list[ListingRow]:
        """List rows from the stored fields: of ``ids`` in their order (those in the index), or of
        every article in index order."""
        with self.searcher() as s:
            if ids is None:
                return [listing_row(fields) for fields in s.all_stored_fields()]
            found = (s.document(id=article_id) for article_id in ids)
            return [listing_row(fields) for fields in found if fields]

    def search(self, text: str, *, limit: int = 20, offset: int = 0, sort: str = "relevance") -> SearchResult:
        return self.queries.search(text, limit=limit, offset=offset, sort=sort)

    def match_spans(self, text: str, body: str) -> list[tuple[int, int]]:
        return self.queries.match_spans(text, body)

    def ids(self, text: str, *, sort: str = "relevance") -> list[str] | None:
        return self.queries.ids(text, sort=sort)

    def related(self, article_id: str, entity_scores: Mapping[str, float], limit: int) -> list[Hit] | None:
        from ...search.related import CANDIDATES, blend

        with self.searcher() as s:
            docnum = s.document_number(id=article_id)
            if docnum is None:
                return None
            text_scores: dict[int, float] = {}
            try:
                for hit in s.more_like(docnum, "body", numterms=30, top=limit * CANDIDATES):
                    text_scores[hit.docnum] = hit.score
            except Exception:  # more_like raises on an article with no body terms; entities may still help
                pass
            text_scores.pop(docnum, None)
            by_entities: dict[int, float] = {}
            for other, score in sorted(entity_scores.items(), key=lambda kv: -kv[1])[:limit * CANDIDATES]:
                d = s.document_number(id=other)
                if d is not None and d != docnum:
                    by_entities[d] = score
            ranked = blend(text_scores, by_entities, limit)
            return [listing_row(s.stored_fields(d)).hit(score) for d, score in ranked]

    def warm(self) -> None:
        with self.searcher() as s:
            self.queries.parser(s.schema)

    def open_writer(self, timeout: float = 0.0) -> WhooshBatch:
        """A batch writer; the caller commits or cancels it. Whoosh's own lock backs up ours.

        It writes the segment Whoosh's own writer would, with less CPU (see ``segment_writer``)."""
        if self._ix is None:
            raise IndexDamaged(self.directory, FileNotFoundError("no index yet"))
        from . import segment_writer  # the writer's code is not needed to read

        try:
            if segment_writer.supported():
                return WhooshBatch(segment_writer.BulkSegmentWriter(self._ix, timeout=timeout, codec=_write_codec()))
            return WhooshBatch(self._ix.writer(timeout=timeout, codec=_write_codec()))
        except LockError as exc:
            raise LibraryBusy("another newsreader process is writing to this library") from exc

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            if self._ix is not None:
                self._ix.close()
